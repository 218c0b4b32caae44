/* GPU streams over CUDA IPC (abi/shmhub_cuda.h, docs/cuda.md).
 *
 * The creator allocates one device buffer per slot (cudaMalloc, base pointers) and two interprocess
 * events per slot ("written", recorded after each write; "read", recorded after each read), and
 * stores their IPC handles in the segment's immutable descriptor. Every other process imports them
 * once (a per-process cache keyed by the segment's identity, reference-counted by handles) and
 * registers its owner token in the control area so the creator's close can wait for it.
 *
 * Per slot, a host-side sequence word (seq << 1 | writing) tells readers which frame a slot holds:
 * the writer marks the slot odd, enqueues "wait for the last read", the copy and the "written"
 * record on its CUDA stream, then marks it even and publishes head. A reader enqueues "wait for
 * written", its copy and the "read" record, then re-checks the word: unchanged means the writer's
 * next overwrite was enqueued after the read record and so waits for the copy on the GPU. */
#include "cuda_internal.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LIVENESS_CHECK_NS INT64_C(100000000) /* readers re-check the creator's token this often */
#define MAX_READ_TRIES 1000

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static import_entry *cache;

/* ---- errors and helpers ----------------------------------------------------------------------- */

shmhub_status shmhub__cuda_fail(cudaError_t err, const char *call, const char *name) {
    (void)cudaGetLastError(); /* clear a non-sticky error so later calls are not blamed for it */
    shmhub_status st = err == cudaErrorMemoryAllocation ? SHMHUB_E_NO_MEMORY
                       : (err == cudaErrorInvalidDevice || err == cudaErrorInvalidValue ||
                          err == cudaErrorNoDevice || err == cudaErrorInsufficientDriver)
                           ? SHMHUB_E_INVALID
                           : SHMHUB_E_IO;
    return shmhub__fail(st, "gpu stream '%s': %s failed: %s (%s)", name ? name : "?", call,
                        cudaGetErrorName(err), cudaGetErrorString(err));
}

#define CUN(call, what, name)                                                                 \
    do {                                                                                      \
        cudaError_t cu_err_ = (call);                                                         \
        if (cu_err_ != cudaSuccess) { st = shmhub__cuda_fail(cu_err_, what, (name)); goto fail; } \
    } while (0)

#define CU(call, name)                                                                        \
    do {                                                                                      \
        cudaError_t cu_err_ = (call);                                                         \
        if (cu_err_ != cudaSuccess) { st = shmhub__cuda_fail(cu_err_, #call, (name)); goto fail; } \
    } while (0)

static int64_t mono_ns(void) { return shmhub__now_ns(CLOCK_MONOTONIC); }

/* Makes `dev` current; *prev gets the previous device to restore with dev_leave(). */
static cudaError_t dev_enter(int dev, int *prev) {
    cudaError_t e = cudaGetDevice(prev);
    if (e != cudaSuccess) return e;
    return *prev == dev ? cudaSuccess : cudaSetDevice(dev);
}
static void dev_leave(int dev, int prev) {
    if (prev != dev) (void)cudaSetDevice(prev);
}

static shmhub_status read_opts(const shmhub_gpu_stream_opts *in, shmhub_gpu_stream_opts *o,
                               const char *name) {
    shmhub_gpu_stream_opts d = SHMHUB_GPU_STREAM_OPTS_INIT;
    *o = d;
    if (!in) return SHMHUB_OK;
    if (in->size < 8)
        return shmhub__fail(SHMHUB_E_INVALID, "gpu stream '%s': options size %u is too small",
                            name, in->size);
    memcpy(o, in, in->size < sizeof *o ? in->size : sizeof *o);
    o->size = sizeof *o;
    if (o->reserved != 0)
        return shmhub__fail(SHMHUB_E_INVALID, "gpu stream '%s': options reserved field must be 0",
                            name);
    if (o->flags & ~SHMHUB_GPU_MIRROR)
        return shmhub__fail(SHMHUB_E_INVALID, "gpu stream '%s': unknown flags 0x%x", name,
                            o->flags);
    return SHMHUB_OK;
}

SHMHUB_API shmhub_status shmhub_gpu_stream_opts_init(shmhub_gpu_stream_opts *opts, size_t size) {
    if (!opts || size < 8)
        return shmhub__fail(SHMHUB_E_INVALID, "gpu stream options: NULL or size %zu < 8", size);
    shmhub_gpu_stream_opts d = SHMHUB_GPU_STREAM_OPTS_INIT;
    memcpy(opts, &d, size < sizeof d ? size : sizeof d);
    opts->size = (uint32_t)(size < sizeof d ? size : sizeof d);
    return SHMHUB_OK;
}

static void make_key(const shmhub_segment *seg, char *key, size_t n) {
    snprintf(key, n, "%s|%lld|%u", seg->path, (long long)seg->created_ns, seg->creator_pid);
}

/* Releases what an entry holds (the caller holds cache_lock and unlinked it). */
static void release_entry(import_entry *e, const char *name) {
    int prev = 0;
    int entered = dev_enter(e->device, &prev) == cudaSuccess;
    for (uint32_t i = 0; i < e->slots; i++) {
        if (e->written[i]) (void)cudaEventDestroy(e->written[i]);
        if (e->read[i]) (void)cudaEventDestroy(e->read[i]);
        if (!e->base[i]) continue;
        cudaError_t err = e->owner ? cudaFree(e->base[i]) : cudaIpcCloseMemHandle(e->base[i]);
        if (err != cudaSuccess) /* nothing to return from a close: keep the reason for inspection */
            shmhub__cuda_fail(err, e->owner ? "cudaFree" : "cudaIpcCloseMemHandle", name);
    }
    if (entered) dev_leave(e->device, prev);
    pthread_mutex_destroy(&e->write_lock);
    free(e);
}

static import_entry *new_entry(const char *key, int owner, int device, uint32_t slots) {
    import_entry *e = calloc(1, sizeof *e);
    if (!e) return NULL;
    snprintf(e->key, sizeof e->key, "%s", key);
    e->refs = 1;
    e->owner = owner;
    e->device = device;
    e->slots = slots;
    e->importer_index = -1;
    e->token = shmhub__proc_self();
    e->pid = shmhub__proc_pid();
    pthread_mutex_init(&e->write_lock, NULL);
    return e;
}

/* ---- create ------------------------------------------------------------------------------------ */

static shmhub_status attach(shmhub_segment *seg, const shmhub_gpu_stream_opts *o,
                            shmhub_gpu_stream **out) {
    shmhub_gpu_stream *s = calloc(1, sizeof *s);
    if (!s) return shmhub__fail(SHMHUB_E_NO_MEMORY, "gpu stream '%s': out of memory", seg->name);
    s->seg = seg;
    s->ctl = (shmhub__gpu_ctl *)(seg->base + seg->control_offset);
    s->sctl = (shmhub__gpu_slot_ctl *)(seg->base + seg->control_offset + sizeof(shmhub__gpu_ctl));
    s->close_timeout_ns = o->close_timeout_ns;
    *out = s;
    return SHMHUB_OK;
}

SHMHUB_API shmhub_status shmhub_gpu_stream_create(const char *name, shmhub_dtype dtype,
                                                  uint32_t ndim, const uint64_t *shape,
                                                  int32_t device,
                                                  const shmhub_gpu_stream_opts *opts,
                                                  shmhub_gpu_stream **out) {
    if (out) *out = NULL;
    shmhub_status st = shmhub__check_name(name, "segment", SHMHUB_MAX_NAME - 4);
    if (st != SHMHUB_OK) return st;
    if (!out) return shmhub__fail(SHMHUB_E_INVALID, "gpu stream '%s': NULL out-pointer", name);
    shmhub_gpu_stream_opts o;
    if ((st = read_opts(opts, &o, name)) != SHMHUB_OK) return st;
    if (o.slots < 2 || o.slots > SHMHUB_GPU_MAX_SLOTS)
        return shmhub__fail(SHMHUB_E_INVALID, "gpu stream '%s': slots %u outside 2..%d", name,
                            o.slots, SHMHUB_GPU_MAX_SLOTS);
    if (ndim > SHMHUB_MAX_NDIM || (ndim && !shape))
        return shmhub__fail(SHMHUB_E_INVALID, "gpu stream '%s': bad ndim %u or NULL shape", name,
                            ndim);
    uint64_t nbytes = 0, count = 0;
    if (shmhub__nbytes(dtype, ndim, shape, &nbytes, &count) != SHMHUB_OK || nbytes == 0)
        return shmhub__fail(SHMHUB_E_INVALID,
                            "gpu stream '%s': invalid dtype %d or shape (a frame must hold 1 to "
                            "2^63 bytes)", name, (int)dtype);

    int ndev = 0;
    cudaError_t cerr = cudaGetDeviceCount(&ndev);
    if (cerr != cudaSuccess) return shmhub__cuda_fail(cerr, "cudaGetDeviceCount", name);
    if (device < 0 || device >= ndev)
        return shmhub__fail(SHMHUB_E_INVALID, "gpu stream '%s': device %d outside 0..%d", name,
                            (int)device, ndev - 1);

    size_t ext_size = sizeof(shmhub__gpu_ext) + (size_t)o.slots * sizeof(shmhub__gpu_slot);
    unsigned char *ext_buf = calloc(1, ext_size);
    char key[PATH_MAX + 64];
    import_entry *e = new_entry("", 1, device, o.slots);
    shmhub_segment *seg = NULL;
    shmhub_stream *mirror = NULL;
    int prev = 0, entered = 0;
    shmhub__gpu_ext *x = (shmhub__gpu_ext *)ext_buf;
    if (!ext_buf || !e) {
        st = shmhub__fail(SHMHUB_E_NO_MEMORY, "gpu stream '%s': out of memory", name);
        goto fail;
    }
    shmhub__gpu_slot *slot = (shmhub__gpu_slot *)(ext_buf + sizeof *x);
    x->version = SHMHUB__GPU_EXT_VERSION;
    x->dtype = (uint32_t)dtype;
    x->ndim = ndim;
    x->slots = o.slots;
    for (uint32_t i = 0; i < ndim; i++) x->shape[i] = shape[i];
    x->frame_nbytes = nbytes;
    x->device = device;
    x->flags = o.flags;
    if (o.flags & SHMHUB_GPU_MIRROR) snprintf(x->mirror, sizeof x->mirror, "%s.cpu", name);

    CUN(dev_enter(device, &prev), "cudaGetDevice/cudaSetDevice", name);
    entered = 1;
    struct cudaDeviceProp prop;
    CU(cudaGetDeviceProperties(&prop, device), name);
    memcpy(x->uuid, prop.uuid.bytes, 16);
    for (uint32_t i = 0; i < o.slots; i++) {
        cudaIpcMemHandle_t mh;
        cudaIpcEventHandle_t eh;
        CU(cudaMalloc(&e->base[i], (size_t)nbytes), name);
        e->frame[i] = e->base[i];
        CU(cudaIpcGetMemHandle(&mh, e->base[i]), name);
        slot[i].handle_type = SHMHUB_GPU_HANDLE_CUDA_IPC;
        memcpy(slot[i].handle, &mh, sizeof mh);
        slot[i].offset = 0;
        slot[i].bytes = nbytes;
        CU(cudaEventCreateWithFlags(&e->written[i], cudaEventDisableTiming | cudaEventInterprocess),
           name);
        CU(cudaIpcGetEventHandle(&eh, e->written[i]), name);
        memcpy(slot[i].written, &eh, sizeof eh);
        CU(cudaEventCreateWithFlags(&e->read[i], cudaEventDisableTiming | cudaEventInterprocess),
           name);
        CU(cudaIpcGetEventHandle(&eh, e->read[i]), name);
        memcpy(slot[i].read, &eh, sizeof eh);
    }
    dev_leave(device, prev);
    entered = 0;

    shmhub__create_req req = {SHMHUB_KIND_GPU_STREAM, NULL, ext_buf, ext_size,
                              sizeof(shmhub__gpu_ctl) +
                                  (uint64_t)o.slots * sizeof(shmhub__gpu_slot_ctl)};
    if ((st = shmhub__segment_create(name, &req, o.segment, &seg)) != SHMHUB_OK) goto fail;
    if (o.flags & SHMHUB_GPU_MIRROR) {
        shmhub_stream_opts so = SHMHUB_STREAM_OPTS_INIT;
        so.slots = o.slots;
        so.segment = o.segment;
        if ((st = shmhub_stream_create(x->mirror, dtype, ndim, shape, &so, &mirror)) != SHMHUB_OK)
            goto fail;
        e->mirror = mirror;
    }
    if ((st = attach(seg, &o, out)) != SHMHUB_OK) goto fail;
    shmhub_gpu_stream *s = *out;
    memcpy(&s->ext, x, sizeof *x);
    atomic_store(&s->ctl->creator_token, e->token);
    atomic_store(&s->ctl->creator_state, SHMHUB__GPU_LIVE);
    make_key(seg, key, sizeof key);
    snprintf(e->key, sizeof e->key, "%s", key);
    s->imp = e;
    pthread_mutex_lock(&cache_lock);
    e->next = cache;
    cache = e;
    pthread_mutex_unlock(&cache_lock);
    free(ext_buf);
    return SHMHUB_OK;

fail:
    if (entered) dev_leave(device, prev);
    if (mirror && x) {
        shmhub_stream_close(mirror);
        shmhub_unlink_in(x->mirror, seg ? seg->dir : NULL);
    }
    if (seg) {
        char *dir = seg->dir ? strdup(seg->dir) : NULL;
        shmhub_segment_close(seg);
        shmhub_unlink_in(name, dir);
        free(dir);
    }
    if (e) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", shmhub_last_error()); /* release_entry may not clobber it */
        release_entry(e, name);
        shmhub__fail(st, "%s", msg);
    }
    free(ext_buf);
    return st;
}

/* ---- open -------------------------------------------------------------------------------------- */

/* Checks the private copy of the descriptor against the segment's real sizes. */
static shmhub_status check_ext(const shmhub_segment *seg, const shmhub__gpu_ext *x,
                               const shmhub__gpu_slot *slots) {
    const char *name = seg->name;
    uint64_t nbytes = 0, count = 0;
    if (x->version != SHMHUB__GPU_EXT_VERSION)
        return shmhub__fail(SHMHUB_E_VERSION, "gpu stream '%s': descriptor version %u, expected %u",
                            name, x->version, SHMHUB__GPU_EXT_VERSION);
    if (x->slots < 2 || x->slots > SHMHUB_GPU_MAX_SLOTS || x->ndim > SHMHUB_MAX_NDIM ||
        (x->flags & ~SHMHUB_GPU_MIRROR))
        return shmhub__fail(SHMHUB_E_CORRUPT, "gpu stream '%s': bad slots %u, ndim %u or flags 0x%x",
                            name, x->slots, x->ndim, x->flags);
    if (seg->ext_size != sizeof *x + (uint64_t)x->slots * sizeof *slots ||
        seg->control_size < sizeof(shmhub__gpu_ctl) + (uint64_t)x->slots * sizeof(shmhub__gpu_slot_ctl) ||
        seg->control_offset % 64)
        return shmhub__fail(SHMHUB_E_CORRUPT,
                            "gpu stream '%s': descriptor (%llu bytes) or control area (%llu bytes) "
                            "does not fit %u slots", name, (unsigned long long)seg->ext_size,
                            (unsigned long long)seg->control_size, x->slots);
    if (shmhub__nbytes((shmhub_dtype)x->dtype, x->ndim, x->shape, &nbytes, &count) != SHMHUB_OK ||
        nbytes == 0 || nbytes != x->frame_nbytes)
        return shmhub__fail(SHMHUB_E_CORRUPT, "gpu stream '%s': dtype %u and shape disagree with "
                            "frame size %llu", name, x->dtype, (unsigned long long)x->frame_nbytes);
    size_t bad_at = 0;
    if (x->mirror[sizeof x->mirror - 1] != '\0' ||
        ((x->flags & SHMHUB_GPU_MIRROR) &&
         shmhub__name_check(x->mirror, SHMHUB_MAX_NAME, &bad_at) != 0))
        return shmhub__fail(SHMHUB_E_CORRUPT, "gpu stream '%s': bad mirror name", name);
    for (uint32_t i = 0; i < x->slots; i++) {
        if (slots[i].handle_type != SHMHUB_GPU_HANDLE_CUDA_IPC)
            return shmhub__fail(SHMHUB_E_VERSION, "gpu stream '%s': slot %u has handle type %u "
                                "(this library knows %u)", name, i, slots[i].handle_type,
                                SHMHUB_GPU_HANDLE_CUDA_IPC);
        if (slots[i].offset > slots[i].bytes || slots[i].bytes - slots[i].offset < nbytes)
            return shmhub__fail(SHMHUB_E_CORRUPT, "gpu stream '%s': slot %u (offset %llu in %llu "
                                "bytes) cannot hold a %llu-byte frame", name, i,
                                (unsigned long long)slots[i].offset,
                                (unsigned long long)slots[i].bytes, (unsigned long long)nbytes);
    }
    return SHMHUB_OK;
}

/* The creator's state: waits (up to timeout) for a creator still initialising, then reports
 * SHMHUB_E_PEER_DEAD for one that closed or died. */
static shmhub_status check_creator(shmhub__gpu_ctl *ctl, const char *name, int64_t timeout_ns) {
    int64_t deadline = mono_ns() + (timeout_ns < 0 ? INT64_C(1000000000) : timeout_ns);
    uint32_t state;
    while ((state = atomic_load(&ctl->creator_state)) == 0 && mono_ns() < deadline) {
        struct timespec d = {0, 1000000};
        nanosleep(&d, NULL);
    }
    if (state != SHMHUB__GPU_LIVE)
        return shmhub__fail(SHMHUB_E_PEER_DEAD, "gpu stream '%s': the creator %s its device memory",
                            name, state == 0 ? "never published" : "has closed");
    uint64_t tok = atomic_load(&ctl->creator_token);
    if (!shmhub__token_alive(tok))
        return shmhub__fail(SHMHUB_E_PEER_DEAD, "gpu stream '%s': the creator (pid %u) has died",
                            name, shmhub__token_pid(tok));
    return SHMHUB_OK;
}

static shmhub_status find_device(const uint8_t uuid[16], const char *name, int *out) {
    int ndev = 0;
    cudaError_t err = cudaGetDeviceCount(&ndev);
    if (err != cudaSuccess) return shmhub__cuda_fail(err, "cudaGetDeviceCount", name);
    for (int d = 0; d < ndev; d++) {
        struct cudaDeviceProp prop;
        if ((err = cudaGetDeviceProperties(&prop, d)) != cudaSuccess)
            return shmhub__cuda_fail(err, "cudaGetDeviceProperties", name);
        if (memcmp(prop.uuid.bytes, uuid, 16) == 0) {
            *out = d;
            return SHMHUB_OK;
        }
    }
    return shmhub__fail(SHMHUB_E_NOT_FOUND, "gpu stream '%s': none of this process's %d devices "
                        "is the creator's GPU (check CUDA_VISIBLE_DEVICES)", name, ndev);
}

/* Claims an entry of ctl->importers for this process (a free one or a dead process's). */
static int register_importer(shmhub__gpu_ctl *ctl, uint64_t token) {
    for (int pass = 0; pass < 2; pass++)
        for (uint32_t i = 0; i < SHMHUB__GPU_MAX_IMPORTERS; i++) {
            uint64_t cur = atomic_load(&ctl->importers[i]);
            if (cur == token) return (int)i;
            if ((cur == 0 || (pass == 1 && !shmhub__token_alive(cur))) &&
                atomic_compare_exchange_strong(&ctl->importers[i], &cur, token))
                return (int)i;
        }
    return -1;
}

static shmhub_status import_all(import_entry *e, const shmhub__gpu_slot *slots, const char *name) {
    shmhub_status st = SHMHUB_OK;
    int prev = 0, entered = 0;
    CUN(dev_enter(e->device, &prev), "cudaGetDevice/cudaSetDevice", name);
    entered = 1;
    for (uint32_t i = 0; i < e->slots; i++) {
        cudaIpcMemHandle_t mh;
        cudaIpcEventHandle_t eh;
        memcpy(&mh, slots[i].handle, sizeof mh);
        CU(cudaIpcOpenMemHandle(&e->base[i], mh, cudaIpcMemLazyEnablePeerAccess), name);
        e->frame[i] = (unsigned char *)e->base[i] + slots[i].offset;
        memcpy(&eh, slots[i].written, sizeof eh);
        CU(cudaIpcOpenEventHandle(&e->written[i], eh), name);
        memcpy(&eh, slots[i].read, sizeof eh);
        CU(cudaIpcOpenEventHandle(&e->read[i], eh), name);
    }
fail:
    if (entered) dev_leave(e->device, prev);
    return st;
}

SHMHUB_API shmhub_status shmhub_gpu_stream_open(const char *name, const shmhub_gpu_stream_opts *opts,
                                                shmhub_gpu_stream **out) {
    if (out) *out = NULL;
    shmhub_status st = shmhub__check_name(name, "segment", SHMHUB_MAX_NAME);
    if (st != SHMHUB_OK) return st;
    if (!out) return shmhub__fail(SHMHUB_E_INVALID, "gpu stream '%s': NULL out-pointer", name);
    shmhub_gpu_stream_opts o;
    if ((st = read_opts(opts, &o, name)) != SHMHUB_OK) return st;
    if (o.segment && o.segment->size >= offsetof(shmhub_segment_opts, reserved) &&
        (o.segment->flags & SHMHUB_READ_ONLY))
        return shmhub__fail(SHMHUB_E_INVALID, "gpu stream '%s': GPU streams open read-write "
                            "(importers register themselves in the segment)", name);
    shmhub_segment *seg = NULL;
    if ((st = shmhub__segment_open(name, SHMHUB_KIND_GPU_STREAM, o.segment, &seg)) != SHMHUB_OK)
        return st;
    shmhub__gpu_ext x;
    shmhub__gpu_slot *slots = NULL;
    import_entry *e = NULL;
    shmhub_gpu_stream *s = NULL;
    char key[PATH_MAX + 64];
    if (seg->ext_size < sizeof x) {
        st = shmhub__fail(SHMHUB_E_CORRUPT, "gpu stream '%s': descriptor of %llu bytes is too short",
                          name, (unsigned long long)seg->ext_size);
        goto fail;
    }
    memcpy(&x, seg->base + seg->ext_offset, sizeof x); /* read once, check, use the copy */
    if (x.slots >= 2 && x.slots <= SHMHUB_GPU_MAX_SLOTS &&
        seg->ext_size == sizeof x + (uint64_t)x.slots * sizeof *slots) {
        if (!(slots = malloc((size_t)x.slots * sizeof *slots))) {
            st = shmhub__fail(SHMHUB_E_NO_MEMORY, "gpu stream '%s': out of memory", name);
            goto fail;
        }
        memcpy(slots, seg->base + seg->ext_offset + sizeof x, (size_t)x.slots * sizeof *slots);
    }
    if ((st = check_ext(seg, &x, slots)) != SHMHUB_OK) goto fail;
    if ((st = attach(seg, &o, &s)) != SHMHUB_OK) goto fail;
    s->ext = x;
    int64_t open_timeout = o.segment && o.segment->size >= sizeof(shmhub_segment_opts)
                               ? o.segment->open_timeout_ns : INT64_C(1000000000);
    if ((st = check_creator(s->ctl, name, open_timeout)) != SHMHUB_OK) goto fail;

    make_key(seg, key, sizeof key);
    pthread_mutex_lock(&cache_lock);
    /* Entries inherited through fork() belong to the parent's CUDA context: never reuse them. */
    for (e = cache; e; e = e->next)
        if (e->pid == shmhub__proc_pid() && strcmp(e->key, key) == 0) break;
    if (e) {
        e->refs++;
        pthread_mutex_unlock(&cache_lock);
    } else {
        int device = -1;
        if ((st = find_device(x.uuid, name, &device)) != SHMHUB_OK ||
            !(e = new_entry(key, 0, device, x.slots))) {
            pthread_mutex_unlock(&cache_lock);
            if (st == SHMHUB_OK)
                st = shmhub__fail(SHMHUB_E_NO_MEMORY, "gpu stream '%s': out of memory", name);
            goto fail;
        }
        if ((e->importer_index = register_importer(s->ctl, e->token)) < 0) {
            pthread_mutex_unlock(&cache_lock);
            release_entry(e, name);
            e = NULL;
            st = shmhub__fail(SHMHUB_E_BUSY, "gpu stream '%s': %u live processes already import "
                              "it", name, SHMHUB__GPU_MAX_IMPORTERS);
            goto fail;
        }
        if ((st = import_all(e, slots, name)) != SHMHUB_OK) {
            char msg[512];
            snprintf(msg, sizeof msg, "%s", shmhub_last_error());
            uint64_t tok = e->token;
            atomic_compare_exchange_strong(&s->ctl->importers[e->importer_index], &tok, 0);
            pthread_mutex_unlock(&cache_lock);
            release_entry(e, name);
            e = NULL;
            shmhub__fail(st, "%s", msg);
            goto fail;
        }
        e->next = cache;
        cache = e;
        pthread_mutex_unlock(&cache_lock);
    }
    s->imp = e;
    s->cursor = atomic_load(&s->ctl->head);
    free(slots);
    *out = s;
    return SHMHUB_OK;

fail:
    free(slots);
    free(s);
    shmhub_segment_close(seg);
    return st;
}

/* ---- close ------------------------------------------------------------------------------------- */

/* Live importers other than this process. */
static uint32_t live_importers(shmhub__gpu_ctl *ctl, uint64_t self) {
    uint32_t n = 0;
    for (uint32_t i = 0; i < SHMHUB__GPU_MAX_IMPORTERS; i++) {
        uint64_t t = atomic_load(&ctl->importers[i]);
        if (t && t != self && shmhub__token_alive(t)) n++;
    }
    return n;
}

SHMHUB_API void shmhub_gpu_stream_close(shmhub_gpu_stream *s) {
    if (!s) return;
    import_entry *e = s->imp;
    pthread_mutex_lock(&cache_lock);
    int last = --e->refs == 0;
    if (last)
        for (import_entry **p = &cache; *p; p = &(*p)->next)
            if (*p == e) {
                *p = e->next;
                break;
            }
    pthread_mutex_unlock(&cache_lock);
    if (last) {
        shmhub_stream_close(e->mirror);
        e->mirror = NULL;
        if (e->writer) {
            uint64_t me = e->token;
            atomic_compare_exchange_strong(&s->ctl->writer_token, &me, 0);
        }
        if (e->owner) {
            /* Importers keep reading while they close theirs (up to the timeout); then the
             * stream is marked closed (their later calls report PEER_DEAD) and freed. */
            int64_t deadline = mono_ns() + (s->close_timeout_ns < 0 ? INT64_MAX / 2
                                                                    : s->close_timeout_ns);
            while (live_importers(s->ctl, e->token) > 0 && mono_ns() < deadline) {
                struct timespec d = {0, 1000000};
                nanosleep(&d, NULL);
            }
            atomic_store(&s->ctl->creator_state, SHMHUB__GPU_CLOSED);
            atomic_fetch_add(&s->ctl->notify, 1);
            shmhub__futex_wake_all(&s->ctl->notify);
        } else if (e->importer_index >= 0) {
            uint64_t me = e->token;
            atomic_compare_exchange_strong(&s->ctl->importers[e->importer_index], &me, 0);
        }
        release_entry(e, s->seg->name);
    }
    shmhub_segment_close(s->seg);
    free(s);
}

/* ---- writer -------------------------------------------------------------------------------------- */

static shmhub_status check_live(shmhub_gpu_stream *s) {
    if (atomic_load(&s->ctl->creator_state) != SHMHUB__GPU_LIVE)
        return shmhub__fail(SHMHUB_E_PEER_DEAD, "gpu stream '%s': the creator has closed its "
                            "device memory", s->seg->name);
    if (s->imp->owner) return SHMHUB_OK;
    int64_t now = mono_ns();
    if (now >= s->next_liveness_ns) {
        uint64_t tok = atomic_load(&s->ctl->creator_token);
        if (!shmhub__token_alive(tok))
            return shmhub__fail(SHMHUB_E_PEER_DEAD, "gpu stream '%s': the creator (pid %u) has died",
                                s->seg->name, shmhub__token_pid(tok));
        s->next_liveness_ns = now + LIVENESS_CHECK_NS;
    }
    return SHMHUB_OK;
}

static shmhub_status claim_writer(shmhub_gpu_stream *s) {
    import_entry *e = s->imp;
    if (e->writer) return SHMHUB_OK;
    for (int tries = 0; tries < 4; tries++) {
        uint64_t cur = atomic_load(&s->ctl->writer_token);
        if (cur == e->token) break;
        if (cur != 0 && shmhub__token_alive(cur))
            return shmhub__fail(SHMHUB_E_BUSY, "gpu stream '%s': process %u is the writer",
                                s->seg->name, shmhub__token_pid(cur));
        if (atomic_compare_exchange_strong(&s->ctl->writer_token, &cur, e->token)) break;
    }
    if (atomic_load(&s->ctl->writer_token) != e->token)
        return shmhub__fail(SHMHUB_E_BUSY, "gpu stream '%s': the writer role is contended",
                            s->seg->name);
    e->writer = 1;
    return SHMHUB_OK;
}

/* Copies the frame to the CPU mirror (host sync on the writer's stream). */
static shmhub_status write_mirror(shmhub_gpu_stream *s, const void *src, size_t nbytes,
                                  cudaStream_t cs) {
    import_entry *e = s->imp;
    shmhub_status st = SHMHUB_OK;
    void *frame = NULL;
    if (!e->mirror) {
        shmhub_stream_opts so = SHMHUB_STREAM_OPTS_INIT;
        shmhub_segment_opts sego = SHMHUB_SEGMENT_OPTS_INIT;
        sego.dir = s->seg->dir;
        so.segment = &sego;
        if ((st = shmhub_stream_open(s->ext.mirror, &so, &e->mirror)) != SHMHUB_OK) return st;
        if (shmhub_stream_frame_nbytes(e->mirror) != nbytes) {
            shmhub_stream_close(e->mirror);
            e->mirror = NULL;
            return shmhub__fail(SHMHUB_E_CORRUPT, "gpu stream '%s': mirror '%s' has another frame "
                                "size", s->seg->name, s->ext.mirror);
        }
    }
    if ((st = shmhub_stream_loan(e->mirror, &frame)) != SHMHUB_OK) return st;
    CU(cudaMemcpyAsync(frame, src, nbytes, cudaMemcpyDeviceToHost, cs), s->seg->name);
    CU(cudaStreamSynchronize(cs), s->seg->name);
    return shmhub_stream_commit(e->mirror);
fail:
    shmhub_stream_abandon(e->mirror);
    return st;
}

SHMHUB_API shmhub_status shmhub_gpu_stream_write_device(shmhub_gpu_stream *s, const void *src,
                                                        size_t nbytes, void *cuda_stream) {
    if (!s || !src)
        return shmhub__fail(SHMHUB_E_INVALID, "gpu stream: NULL %s", s ? "source" : "handle");
    if (nbytes != s->ext.frame_nbytes)
        return shmhub__fail(SHMHUB_E_SIZE, "gpu stream '%s': %zu bytes given, a frame is %llu",
                            s->seg->name, nbytes, (unsigned long long)s->ext.frame_nbytes);
    shmhub_status st = check_live(s);
    if (st != SHMHUB_OK) return st;
    import_entry *e = s->imp;
    pthread_mutex_lock(&e->write_lock);
    if ((st = claim_writer(s)) != SHMHUB_OK) {
        pthread_mutex_unlock(&e->write_lock);
        return st;
    }
    cudaStream_t cs = (cudaStream_t)cuda_stream;
    uint64_t seq = atomic_load(&s->ctl->head) + 1;
    uint32_t i = (uint32_t)((seq - 1) % s->ext.slots);
    int prev = 0, entered = 0;
    atomic_store(&s->sctl[i].seq2, (seq << 1) | 1u);
    CUN(dev_enter(e->device, &prev), "cudaGetDevice/cudaSetDevice", s->seg->name);
    entered = 1;
    CU(cudaStreamWaitEvent(cs, e->read[i], 0), s->seg->name);
    CU(cudaMemcpyAsync(e->frame[i], src, nbytes, cudaMemcpyDeviceToDevice, cs), s->seg->name);
    CU(cudaEventRecord(e->written[i], cs), s->seg->name);
    if (s->ext.flags & SHMHUB_GPU_MIRROR) {
        if ((st = write_mirror(s, src, nbytes, cs)) != SHMHUB_OK) goto fail;
    }
    dev_leave(e->device, prev);
    int64_t now = shmhub__now_ns(CLOCK_REALTIME);
    atomic_store(&s->sctl[i].ts, now);
    atomic_store(&s->sctl[i].seq2, seq << 1);
    atomic_store(&s->ctl->last_write_ns, now);
    atomic_store(&s->ctl->head, seq);
    atomic_fetch_add(&s->ctl->notify, 1);
    if (atomic_load(&s->ctl->waiters)) shmhub__futex_wake_all(&s->ctl->notify);
    pthread_mutex_unlock(&e->write_lock);
    return SHMHUB_OK;
fail:
    if (entered) dev_leave(e->device, prev);
    atomic_store(&s->sctl[i].seq2, 0); /* the slot holds no valid frame now */
    pthread_mutex_unlock(&e->write_lock);
    return st;
}

/* ---- readers ------------------------------------------------------------------------------------- */

static void fill_info(shmhub_gpu_stream *s, uint64_t seq, uint32_t i, shmhub_frame_info *info) {
    if (info) {
        uint32_t size = info->size;
        shmhub_frame_info f = {(uint32_t)sizeof f, 0, seq, atomic_load(&s->sctl[i].ts),
                               s->cursor && seq > s->cursor + 1 ? seq - s->cursor - 1 : 0};
        if (size >= sizeof(uint32_t))
            memcpy(info, &f, size < sizeof f ? size : sizeof f);
        if (size >= sizeof(uint32_t)) info->size = size;
    }
    s->cursor = seq;
}

/* Shared by read_latest_device (dst != NULL) and peek_device (frame != NULL). */
static shmhub_status read_common(shmhub_gpu_stream *s, void *dst, void **frame, void *cuda_stream,
                                 shmhub_frame_info *info) {
    shmhub_status st = check_live(s);
    if (st != SHMHUB_OK) return st;
    import_entry *e = s->imp;
    cudaStream_t cs = (cudaStream_t)cuda_stream;
    int prev = 0, entered = 0;
    CUN(dev_enter(e->device, &prev), "cudaGetDevice/cudaSetDevice", s->seg->name);
    entered = 1;
    for (int tries = 0; tries < MAX_READ_TRIES; tries++) {
        uint64_t h = atomic_load(&s->ctl->head);
        if (h == 0) {
            dev_leave(e->device, prev);
            return shmhub__fail(SHMHUB_E_EMPTY, "gpu stream '%s': no frame yet", s->seg->name);
        }
        uint32_t i = (uint32_t)((h - 1) % s->ext.slots);
        uint64_t s1 = atomic_load(&s->sctl[i].seq2);
        if (s1 != h << 1) continue; /* the writer is lapping this slot: take the newer head */
        CU(cudaStreamWaitEvent(cs, e->written[i], 0), s->seg->name);
        if (dst) {
            CU(cudaMemcpyAsync(dst, e->frame[i], (size_t)s->ext.frame_nbytes,
                               cudaMemcpyDeviceToDevice, cs), s->seg->name);
            CU(cudaEventRecord(e->read[i], cs), s->seg->name);
        }
        if (atomic_load(&s->sctl[i].seq2) != s1) continue; /* retry: the copy is redone in order */
        dev_leave(e->device, prev);
        if (frame) *frame = e->frame[i];
        fill_info(s, h, i, info);
        return SHMHUB_OK;
    }
    dev_leave(e->device, prev);
    return shmhub__fail(SHMHUB_E_BUSY, "gpu stream '%s': the writer lapped the reader %d times",
                        s->seg->name, MAX_READ_TRIES);
fail:
    if (entered) dev_leave(e->device, prev);
    return st;
}

SHMHUB_API shmhub_status shmhub_gpu_stream_read_latest_device(shmhub_gpu_stream *s, void *dst,
                                                              size_t nbytes, void *cuda_stream,
                                                              shmhub_frame_info *info) {
    if (!s || !dst)
        return shmhub__fail(SHMHUB_E_INVALID, "gpu stream: NULL %s", s ? "destination" : "handle");
    if (nbytes != s->ext.frame_nbytes)
        return shmhub__fail(SHMHUB_E_SIZE, "gpu stream '%s': %zu bytes given, a frame is %llu",
                            s->seg->name, nbytes, (unsigned long long)s->ext.frame_nbytes);
    return read_common(s, dst, NULL, cuda_stream, info);
}

SHMHUB_API shmhub_status shmhub_gpu_stream_peek_device(shmhub_gpu_stream *s, void **frame,
                                                       void *cuda_stream, shmhub_frame_info *info) {
    if (frame) *frame = NULL;
    if (!s || !frame)
        return shmhub__fail(SHMHUB_E_INVALID, "gpu stream: NULL %s", s ? "frame pointer" : "handle");
    return read_common(s, NULL, frame, cuda_stream, info);
}

SHMHUB_API shmhub_status shmhub_gpu_stream_validate(const shmhub_gpu_stream *s,
                                                    const shmhub_frame_info *info) {
    if (!s || !info || info->size < offsetof(shmhub_frame_info, timestamp_ns))
        return shmhub__fail(SHMHUB_E_INVALID, "gpu stream: NULL handle or frame info");
    if (info->seq == 0)
        return shmhub__fail(SHMHUB_E_INVALID, "gpu stream '%s': frame info holds no frame",
                            s->seg->name);
    uint32_t i = (uint32_t)((info->seq - 1) % s->ext.slots);
    if (atomic_load(&s->sctl[i].seq2) != info->seq << 1)
        return shmhub__fail(SHMHUB_E_OVERWRITTEN, "gpu stream '%s': frame %llu was overwritten",
                            s->seg->name, (unsigned long long)info->seq);
    return SHMHUB_OK;
}

SHMHUB_API shmhub_status shmhub_gpu_stream_wait(shmhub_gpu_stream *s, int64_t timeout_ns) {
    if (!s) return shmhub__fail(SHMHUB_E_INVALID, "gpu stream: NULL handle");
    int64_t deadline = timeout_ns < 0 ? INT64_MAX : mono_ns() + timeout_ns;
    for (;;) {
        uint32_t w = atomic_load(&s->ctl->notify);
        s->next_liveness_ns = 0;
        shmhub_status st = check_live(s);
        if (st != SHMHUB_OK) return st;
        if (atomic_load(&s->ctl->head) > s->cursor) return SHMHUB_OK;
        int64_t now = mono_ns();
        if (now >= deadline)
            return shmhub__fail(SHMHUB_E_TIMEOUT, "gpu stream '%s': no new frame within %lld ns",
                                s->seg->name, (long long)timeout_ns);
        int64_t slice = deadline - now < LIVENESS_CHECK_NS ? deadline - now : LIVENESS_CHECK_NS;
        atomic_fetch_add(&s->ctl->waiters, 1);
        if (atomic_load(&s->ctl->head) <= s->cursor) shmhub__futex_wait(&s->ctl->notify, w, slice);
        atomic_fetch_sub(&s->ctl->waiters, 1);
    }
}

/* ---- getters ------------------------------------------------------------------------------------- */

SHMHUB_API uint64_t shmhub_gpu_stream_count(const shmhub_gpu_stream *s) {
    return s ? atomic_load(&s->ctl->head) : 0;
}
SHMHUB_API uint32_t shmhub_gpu_stream_slots(const shmhub_gpu_stream *s) { return s ? s->ext.slots : 0; }
SHMHUB_API shmhub_dtype shmhub_gpu_stream_dtype(const shmhub_gpu_stream *s) {
    return s ? (shmhub_dtype)s->ext.dtype : 0;
}
SHMHUB_API uint32_t shmhub_gpu_stream_ndim(const shmhub_gpu_stream *s) { return s ? s->ext.ndim : 0; }
SHMHUB_API const uint64_t *shmhub_gpu_stream_shape(const shmhub_gpu_stream *s) {
    return s ? s->ext.shape : NULL;
}
SHMHUB_API uint64_t shmhub_gpu_stream_frame_nbytes(const shmhub_gpu_stream *s) {
    return s ? s->ext.frame_nbytes : 0;
}
SHMHUB_API int32_t shmhub_gpu_stream_device(const shmhub_gpu_stream *s) {
    return s ? s->imp->device : -1;
}
SHMHUB_API int32_t shmhub_gpu_stream_is_creator(const shmhub_gpu_stream *s) {
    return s ? s->imp->owner : 0;
}
SHMHUB_API uint32_t shmhub_gpu_stream_importers(const shmhub_gpu_stream *s) {
    if (!s) return 0;
    return live_importers(s->ctl, atomic_load(&s->ctl->creator_token));
}
SHMHUB_API const char *shmhub_gpu_stream_mirror_name(const shmhub_gpu_stream *s) {
    return s && (s->ext.flags & SHMHUB_GPU_MIRROR) ? s->ext.mirror : NULL;
}
SHMHUB_API const char *shmhub_gpu_stream_name(const shmhub_gpu_stream *s) {
    return s ? s->seg->name : NULL;
}
