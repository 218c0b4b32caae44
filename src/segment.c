/* Named mappings: create, open (wait for ready, validate), close, unlink, list. Layout v1 is in
 * docs/layout.md; every check in shmhub__validate is listed there in order. */
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

#define SHM_DIR "/dev/shm"
#define FILE_PREFIX "shmhub."

/* ---- kinds, options, names ------------------------------------------------------------------ */

SHMHUB_API const char *shmhub_kind_name(int32_t kind) {
    switch (kind) {
    case SHMHUB_KIND_ARRAYS: return "arrays";
    case SHMHUB_KIND_STREAM: return "stream";
    case SHMHUB_KIND_DICT: return "dict";
    case SHMHUB_KIND_POOL: return "pool";
    case SHMHUB_KIND_SYNCHED: return "synched";
    case SHMHUB_KIND_GPU_STREAM: return "gpu-stream";
    default: return NULL;
    }
}

shmhub_status shmhub__opts_init(void *opts, size_t size, const void *defaults, size_t dsize,
                                const char *what) {
    if (!opts || size < 8)
        return shmhub__fail(SHMHUB_E_INVALID, "%s options: NULL or size %zu < 8", what, size);
    size_t n = size < dsize ? size : dsize;
    memset(opts, 0, size);
    memcpy(opts, defaults, n);
    uint32_t n32 = (uint32_t)n; /* every options struct starts with its uint32_t size */
    memcpy(opts, &n32, sizeof n32);
    return SHMHUB_OK;
}

shmhub_status shmhub__opts_size(uint32_t size, const char *what, const char *name) {
    if (size >= 8) return SHMHUB_OK;
    return shmhub__fail(SHMHUB_E_INVALID,
                        "%s '%s': options size %u < 8 (initialise them with shmhub_%s_opts_init)",
                        what, name, size, what);
}

SHMHUB_API shmhub_status shmhub_segment_opts_init(shmhub_segment_opts *opts, size_t size) {
    const shmhub_segment_opts d = SHMHUB_SEGMENT_OPTS_INIT;
    return shmhub__opts_init(opts, size, &d, sizeof d, "segment");
}

/* A field is present when the caller's struct (opts->size bytes) covers it entirely. */
#define HAS_FIELD(o, f) ((o)->size >= offsetof(shmhub_segment_opts, f) + sizeof((o)->f))

shmhub_status shmhub__read_opts(const shmhub_segment_opts *in, shmhub__opts *out, const char *name) {
    out->mode = 0600;
    out->dir = NULL;
    out->flags = 0;
    out->open_timeout_ns = 1000000000;
    if (!in) return SHMHUB_OK;
    shmhub_status st = shmhub__opts_size(in->size, "segment", name);
    if (st != SHMHUB_OK) return st;
    if (HAS_FIELD(in, mode)) out->mode = in->mode;
    if (HAS_FIELD(in, dir)) out->dir = in->dir;
    if (HAS_FIELD(in, flags)) out->flags = in->flags;
    if (HAS_FIELD(in, open_timeout_ns)) out->open_timeout_ns = in->open_timeout_ns;
    if (HAS_FIELD(in, reserved) && in->reserved != 0)
        return shmhub__fail(SHMHUB_E_INVALID, "segment '%s': options field 'reserved' must be 0",
                            name);
    if (out->mode & ~07777u)
        return shmhub__fail(SHMHUB_E_INVALID, "segment '%s': invalid file mode %o", name, out->mode);
    if (out->flags & ~(SHMHUB_UNLINK_ON_CLOSE | SHMHUB_READ_ONLY | SHMHUB_PREFAULT |
                       SHMHUB_ALLOW_FOREIGN_OWNER))
        return shmhub__fail(SHMHUB_E_INVALID, "segment '%s': unknown flags 0x%x", name, out->flags);
    return SHMHUB_OK;
}

/* 0 when name is 1..max characters of [A-Za-z0-9._-]; else 1 (empty), 2 (too long) or 3 (bad
 * character, at *pos). Sets no error: listing uses it to skip foreign files quietly. */
int shmhub__name_check(const char *name, size_t max, size_t *pos) {
    size_t n = 0;
    for (; name[n]; n++) {
        unsigned char c = (unsigned char)name[n];
        *pos = n;
        if (n >= max) return 2;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return 3;
    }
    return n == 0;
}

shmhub_status shmhub__check_name(const char *name, const char *what, size_t max) {
    if (!name) return shmhub__fail(SHMHUB_E_INVALID, "%s name is NULL", what);
    size_t pos = 0;
    switch (shmhub__name_check(name, max, &pos)) {
    case 0: return SHMHUB_OK;
    case 1: return shmhub__fail(SHMHUB_E_INVALID, "%s name is empty", what);
    case 2:
        return shmhub__fail(SHMHUB_E_INVALID, "%s '%.40s...': name longer than %zu characters",
                            what, name, max);
    default:
        return shmhub__fail(SHMHUB_E_INVALID,
                            "%s '%.80s': invalid character at position %zu (names use only "
                            "[A-Za-z0-9._-])",
                            what, name, pos);
    }
}

const char *shmhub__default_dir(const char *dir) {
    if (dir && *dir) return dir;
    const char *env = getenv("SHMHUB_DIR");
    return (env && *env) ? env : NULL;
}

shmhub_status shmhub__path(const char *name, const char *dir, char *buf, size_t n) {
    int w = snprintf(buf, n, "%s/" FILE_PREFIX "%s", dir ? dir : SHM_DIR, name);
    if (w < 0 || (size_t)w >= n)
        return shmhub__fail(SHMHUB_E_INVALID, "segment '%s': path in '%.80s' is too long", name,
                            dir ? dir : SHM_DIR);
    return SHMHUB_OK;
}

/* Opens the segment file: POSIX shm_open when no directory is set, else open(2) in the directory. */
static int open_file(const char *name, const char *dir, const char *path, int flags, mode_t mode) {
    if (!dir) {
        char shm_name[SHMHUB_MAX_NAME + 16];
        snprintf(shm_name, sizeof shm_name, "/" FILE_PREFIX "%s", name);
        return shm_open(shm_name, flags, mode);
    }
    return open(path, flags | O_CLOEXEC | O_NOFOLLOW, mode);
}

static int unlink_file(const char *name, const char *dir, const char *path) {
    if (!dir) {
        char shm_name[SHMHUB_MAX_NAME + 16];
        snprintf(shm_name, sizeof shm_name, "/" FILE_PREFIX "%s", name);
        return shm_unlink(shm_name);
    }
    return unlink(path);
}

/* ---- checksum and validation ----------------------------------------------------------------- */

static uint64_t fnv1a(uint64_t h, const unsigned char *p, uint64_t n) {
    for (uint64_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}

uint64_t shmhub__checksum(const unsigned char *base, uint64_t immutable_end) {
    uint64_t h = fnv1a(UINT64_C(0xcbf29ce484222325), base, offsetof(shmhub__header, checksum));
    if (immutable_end > SHMHUB__DIR_OFFSET)
        h = fnv1a(h, base + SHMHUB__DIR_OFFSET, immutable_end - SHMHUB__DIR_OFFSET);
    return h;
}

#define CORRUPT(...) shmhub__fail(SHMHUB_E_CORRUPT, __VA_ARGS__)

static int cmp_array_names(const void *a, const void *b) {
    return strcmp((*(const shmhub_array *const *)a)->name, (*(const shmhub_array *const *)b)->name);
}

/* O(n log n): sort pointers by name and compare neighbours. Returns -1 when out of memory. */
static int has_duplicate_names(const shmhub_array *arrays, size_t n) {
    const shmhub_array **p = malloc(n * sizeof *p);
    if (!p) return -1;
    for (size_t i = 0; i < n; i++) p[i] = &arrays[i];
    qsort(p, n, sizeof *p, cmp_array_names);
    int dup = 0;
    for (size_t i = 1; i < n && !dup; i++) dup = strcmp(p[i - 1]->name, p[i]->name) == 0;
    free(p);
    return dup;
}

/* The kind, page size, payload and control area of a (private, checksummed) header copy. */
static shmhub_status validate_areas(const shmhub__header *h, size_t size, const char *name) {
    if (!shmhub_kind_name((int32_t)h->kind))
        return shmhub__fail(SHMHUB_E_VERSION,
                            "segment '%s': unknown kind %u (written by a newer library?)", name,
                            h->kind);
    if (h->page_size < 4096 || h->page_size > (1u << 30) || (h->page_size & (h->page_size - 1)))
        return CORRUPT("segment '%s': invalid page size %u", name, h->page_size);
    if (h->payload_offset % h->page_size || h->payload_offset < h->immutable_end ||
        h->payload_offset > size)
        return CORRUPT("segment '%s': payload offset %llu is not page-aligned inside [%llu, %zu]",
                       name, (unsigned long long)h->payload_offset,
                       (unsigned long long)h->immutable_end, size);
    if (h->control_size
            ? (h->control_offset % SHMHUB_ALIGNMENT || h->control_offset < h->immutable_end ||
               h->control_offset > h->payload_offset ||
               h->control_size > h->payload_offset - h->control_offset)
            : h->control_offset != 0)
        return CORRUPT("segment '%s': control area [%llu, +%llu) outside [%llu, %llu)", name,
                       (unsigned long long)h->control_offset, (unsigned long long)h->control_size,
                       (unsigned long long)h->immutable_end,
                       (unsigned long long)h->payload_offset);
    return SHMHUB_OK;
}

shmhub_status shmhub__validate(const unsigned char *base, size_t size, const char *name,
                               shmhub_segment *seg) {
    /* Shared memory is untrusted: the header, and below the directory and ext area, are copied
     * into private memory ONCE, and only the copies are checked and used. A process rewriting the
     * mapping meanwhile (ndim 1 -> 40 after the check) can only make the checksum fail. */
    shmhub__header hdr;
    if (size < sizeof hdr)
        return CORRUPT("segment '%s': truncated: %zu bytes, smaller than the %zu-byte header", name,
                       size, sizeof hdr);
    memcpy(&hdr, base, sizeof hdr);
    const shmhub__header *h = &hdr;
    if (memcmp(h->magic, SHMHUB__MAGIC, 8) != 0)
        return CORRUPT("segment '%s': bad magic (not a shmhub segment)", name);
    if (h->endian_tag != SHMHUB__ENDIAN_TAG)
        return CORRUPT("segment '%s': bad byte-order tag 0x%08x (expected 0x%08x)", name,
                       h->endian_tag, SHMHUB__ENDIAN_TAG);
    if (h->layout_major > SHMHUB_LAYOUT_MAJOR)
        return shmhub__fail(SHMHUB_E_VERSION, "segment '%s': layout major %u > supported %d", name,
                            h->layout_major, SHMHUB_LAYOUT_MAJOR);
    if (h->layout_major < 1 || h->layout_minor > 99)
        return CORRUPT("segment '%s': invalid layout version %u.%u", name, h->layout_major,
                       h->layout_minor);
    uint32_t state = atomic_load_explicit((_Atomic uint32_t *)&((const shmhub__header *)base)->state,
                                          memory_order_acquire);
    if (state != SHMHUB__STATE_READY)
        return CORRUPT("segment '%s': invalid state word %u (not ready)", name, state);
    if (h->total_size != size)
        return CORRUPT("segment '%s': header says %llu bytes but the file has %zu (truncated or "
                       "extended)",
                       name, (unsigned long long)h->total_size, size);
    if (h->dir_offset != SHMHUB__DIR_OFFSET || h->entry_size != SHMHUB__ENTRY_SIZE)
        return CORRUPT("segment '%s': bad directory offset %llu or entry size %u", name,
                       (unsigned long long)h->dir_offset, h->entry_size);
    if (h->array_count > SHMHUB_MAX_ARRAYS)
        return CORRUPT("segment '%s': %u arrays > maximum %d", name, h->array_count,
                       SHMHUB_MAX_ARRAYS);
    uint64_t dir_end = SHMHUB__DIR_OFFSET + (uint64_t)h->array_count * SHMHUB__ENTRY_SIZE;
    if (h->ext_size > size || (h->ext_size && h->ext_offset != dir_end) ||
        (!h->ext_size && h->ext_offset != 0) || h->immutable_end != dir_end + h->ext_size ||
        h->immutable_end > size)
        return CORRUPT("segment '%s': descriptor area [%llu, %llu) does not fit in %zu bytes", name,
                       (unsigned long long)h->ext_offset, (unsigned long long)h->immutable_end,
                       size);
    /* One allocation: the array table, then the snapshot of [256, immutable_end). */
    uint32_t count = h->array_count;
    size_t table = (size_t)count * sizeof(shmhub_array);
    size_t imm = (size_t)(h->immutable_end - SHMHUB__DIR_OFFSET);
    if (imm > SIZE_MAX - table - 1)
        return shmhub__fail(SHMHUB_E_NO_MEMORY, "segment '%s': out of memory", name);
    unsigned char *mem = calloc(1, table + imm + 1);
    if (!mem) return shmhub__fail(SHMHUB_E_NO_MEMORY, "segment '%s': out of memory", name);
    shmhub_array *arrays = (shmhub_array *)mem;
    unsigned char *snap = mem + table;
    memcpy(snap, base + SHMHUB__DIR_OFFSET, imm);
    uint64_t sum = fnv1a(fnv1a(UINT64_C(0xcbf29ce484222325), (const unsigned char *)h,
                               offsetof(shmhub__header, checksum)),
                         snap, imm);
    if (sum != h->checksum) {
        free(mem);
        return CORRUPT("segment '%s': header checksum mismatch (stored %016llx, computed %016llx)",
                       name, (unsigned long long)h->checksum, (unsigned long long)sum);
    }

    shmhub_status bad = validate_areas(h, size, name);
    if (bad != SHMHUB_OK) {
        free(mem);
        return bad;
    }

    const shmhub__entry *e = (const shmhub__entry *)snap;
    uint64_t prev_end = h->payload_offset;
    for (uint32_t i = 0; i < count; i++, e++) {
        shmhub_array *a = &arrays[i];
        shmhub_status st = SHMHUB_E_CORRUPT;
        uint64_t nbytes, n;
        if (!memchr(e->name, '\0', sizeof e->name) || !shmhub__array_name_ok(e->name)) {
            CORRUPT("segment '%s': array %u has an invalid name", name, i);
        } else if (!shmhub_dtype_size((shmhub_dtype)e->dtype) || e->ndim > SHMHUB_MAX_NDIM) {
            CORRUPT("segment '%s': array '%s': invalid dtype %u or ndim %u", name, e->name,
                    e->dtype, e->ndim);
        } else if (shmhub__nbytes((shmhub_dtype)e->dtype, e->ndim, e->shape, &nbytes, &n) !=
                       SHMHUB_OK ||
                   nbytes != e->nbytes) {
            CORRUPT("segment '%s': array '%s': shape and byte size %llu disagree", name, e->name,
                    (unsigned long long)e->nbytes);
        } else if (e->offset % SHMHUB_ALIGNMENT || e->offset < prev_end || e->offset > size ||
                   e->nbytes > size - e->offset) {
            CORRUPT("segment '%s': array '%s': data [%llu, +%llu) is misaligned, overlaps, or "
                    "lies outside the %zu-byte segment",
                    name, e->name, (unsigned long long)e->offset, (unsigned long long)e->nbytes,
                    size);
        } else {
            st = SHMHUB_OK;
        }
        if (st != SHMHUB_OK) {
            free(mem);
            return st;
        }
        a->seg = seg;
        memcpy(a->name, e->name, sizeof a->name); /* NUL found above, in this same private copy */
        a->dtype = (shmhub_dtype)e->dtype;
        a->ndim = e->ndim;
        memcpy(a->shape, e->shape, sizeof(uint64_t) * e->ndim);
        a->size = n;
        a->offset = e->offset;
        a->nbytes = e->nbytes;
        a->data = (void *)(base + e->offset);
        prev_end = e->offset + e->nbytes;
    }
    int dup = count > 1 ? has_duplicate_names(arrays, count) : 0;
    if (dup) {
        free(mem);
        return dup < 0 ? shmhub__fail(SHMHUB_E_NO_MEMORY, "segment '%s': out of memory", name)
                       : CORRUPT("segment '%s': two arrays share a name", name);
    }
    seg->arrays = arrays;
    seg->narrays = count;
    seg->ext = h->ext_size ? snap + (h->ext_offset - SHMHUB__DIR_OFFSET) : NULL;
    seg->kind = h->kind;
    seg->layout_version = h->layout_major * 100 + h->layout_minor;
    seg->creator_pid = h->creator_pid;
    seg->creator_uid = h->creator_uid;
    seg->created_ns = h->created_ns;
    seg->ext_offset = h->ext_offset;
    seg->ext_size = h->ext_size;
    seg->control_offset = h->control_offset;
    seg->control_size = h->control_size;
    return SHMHUB_OK;
}

/* ---- handle helpers ------------------------------------------------------------------------- */

static shmhub_status new_handle(const char *name, const shmhub__opts *o, shmhub_segment **out) {
    shmhub_segment *seg = calloc(1, sizeof *seg);
    if (!seg) return shmhub__fail(SHMHUB_E_NO_MEMORY, "segment '%s': out of memory", name);
    const char *dir = shmhub__default_dir(o->dir);
    if (dir && !(seg->dir = strdup(dir))) {
        free(seg);
        return shmhub__fail(SHMHUB_E_NO_MEMORY, "segment '%s': out of memory", name);
    }
    strcpy(seg->name, name);
    seg->owner_token = shmhub__proc_self();
    shmhub_status st = shmhub__path(name, seg->dir, seg->path, sizeof seg->path);
    if (st != SHMHUB_OK) {
        free(seg->dir);
        free(seg);
        return st;
    }
    *out = seg;
    return SHMHUB_OK;
}

static void free_handle(shmhub_segment *seg) {
    if (seg->base) munmap(seg->base, seg->size);
    free(seg->arrays);
    free(seg->dir);
    free(seg);
}

static void prefault(shmhub_segment *seg, int write) {
    if (madvise(seg->base, seg->size, write ? MADV_POPULATE_WRITE : MADV_POPULATE_READ) == 0) return;
    /* Kernels before 5.14: touch each page (reads only, so data written by others is untouched). */
    long pg = sysconf(_SC_PAGESIZE);
    volatile unsigned char sink = 0;
    for (size_t off = 0; off < seg->size; off += (size_t)pg) sink ^= seg->base[off];
    (void)sink;
}

/* What create and open check first: the name, the out-pointer (cleared), the options. */
static shmhub_status begin_handle_call(const char *name, const shmhub_segment_opts *opts,
                                       shmhub_segment **out, shmhub__opts *o) {
    if (out) *out = NULL;
    shmhub_status st = shmhub__check_name(name, "segment", SHMHUB_MAX_NAME);
    if (st != SHMHUB_OK) return st;
    if (!out) return shmhub__fail(SHMHUB_E_INVALID, "segment '%s': NULL out-pointer", name);
    return shmhub__read_opts(opts, o, name);
}

/* ---- create ------------------------------------------------------------------------------- */

shmhub_status shmhub__segment_create(const char *name, const shmhub__create_req *req,
                                     const shmhub_segment_opts *opts, shmhub_segment **out) {
    shmhub__opts o;
    shmhub_status st = begin_handle_call(name, opts, out, &o);
    if (st != SHMHUB_OK) return st;
    if (o.flags & SHMHUB_READ_ONLY)
        return shmhub__fail(SHMHUB_E_INVALID, "segment '%s': SHMHUB_READ_ONLY is an open flag",
                            name);

    /* Plan the layout: header, directory, ext, control, then page-aligned payload. */
    size_t narrays = req->layout ? req->layout->count : 0;
    uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
    uint64_t dir_end = SHMHUB__DIR_OFFSET + (uint64_t)narrays * SHMHUB__ENTRY_SIZE;
    uint64_t immutable_end = dir_end + req->ext_size;
    uint64_t control_offset = req->control_size ? shmhub__align_up(immutable_end, 64) : 0;
    uint64_t payload = shmhub__align_up(
        req->control_size ? control_offset + req->control_size : immutable_end, page);
    uint64_t off = payload;
    const uint64_t limit = UINT64_C(1) << 62;
    for (size_t i = 0; i < narrays; i++) {
        off = shmhub__align_up(off, SHMHUB_ALIGNMENT) + req->layout->specs[i].nbytes;
        if (off > limit) break;
    }
    uint64_t total = shmhub__align_up(off > payload ? off : payload, page);
    if (off > limit || total > (uint64_t)INT64_MAX || total > SIZE_MAX)
        return shmhub__fail(SHMHUB_E_INVALID, "segment '%s': the arrays are too large to map",
                            name);

    shmhub_segment *seg = NULL;
    if ((st = new_handle(name, &o, &seg)) != SHMHUB_OK) return st;
    int fd = open_file(name, seg->dir, seg->path, O_RDWR | O_CREAT | O_EXCL, (mode_t)o.mode);
    if (fd < 0) {
        int err = errno;
        if (err == EEXIST)
            st = shmhub__fail(SHMHUB_E_EXISTS, "segment '%s': already exists (%s)", name,
                              seg->path);
        else
            st = shmhub__fail_errno(err, "cannot create", name);
        free_handle(seg);
        return st;
    }
    const char *what = NULL;
    int err = 0;
    if (fchmod(fd, (mode_t)o.mode) != 0) {
        err = errno, what = "fchmod";
    } else if (ftruncate(fd, (off_t)total) != 0) {
        /* Sized in one step first, so openers only ever see 0 bytes or the final size. */
        err = errno, what = "ftruncate";
    } else if ((err = posix_fallocate(fd, 0, (off_t)total)) != 0) {
        /* Filesystems without fallocate (some hugetlbfs setups): size it, without the guarantee. */
        if (err == EOPNOTSUPP || err == EINVAL) err = 0;
        else what = "cannot reserve memory";
    }
    struct stat sb;
    if (!err && fstat(fd, &sb) != 0) err = errno, what = "fstat";
    if (!err) {
        seg->file_dev = (uint64_t)sb.st_dev;
        seg->file_ino = (uint64_t)sb.st_ino;
        void *p = mmap(NULL, (size_t)total, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (p == MAP_FAILED) err = errno, what = "mmap";
        else seg->base = p, seg->size = (size_t)total;
    }
    close(fd);
    if (err) {
        unlink_file(name, seg->dir, seg->path);
        if (err == ENOSPC)
            st = shmhub__fail(SHMHUB_E_NO_SPACE, "segment '%s': no space for %llu bytes in %s",
                              name, (unsigned long long)total, seg->dir ? seg->dir : SHM_DIR);
        else
            st = shmhub__fail_errno(err, what, name);
        free_handle(seg);
        return st;
    }

    shmhub__header *h = (shmhub__header *)seg->base;
    h->creator_pid = (uint32_t)getpid(); /* first, so openers can tell a dead creator */
    memcpy(h->magic, SHMHUB__MAGIC, 8);
    h->layout_major = SHMHUB_LAYOUT_MAJOR;
    h->layout_minor = SHMHUB_LAYOUT_MINOR;
    h->kind = req->kind;
    h->endian_tag = SHMHUB__ENDIAN_TAG;
    h->total_size = total;
    h->payload_offset = payload;
    h->dir_offset = SHMHUB__DIR_OFFSET;
    h->array_count = (uint32_t)narrays;
    h->entry_size = SHMHUB__ENTRY_SIZE;
    h->creator_uid = (uint32_t)geteuid();
    h->created_ns = shmhub__now_ns(CLOCK_REALTIME);
    h->page_size = (uint32_t)page;
    h->ptr_size = (uint32_t)sizeof(void *);
    h->ext_offset = req->ext_size ? dir_end : 0;
    h->ext_size = req->ext_size;
    h->control_offset = control_offset;
    h->control_size = req->control_size;
    h->immutable_end = immutable_end;
    shmhub__entry *e = (shmhub__entry *)(seg->base + SHMHUB__DIR_OFFSET);
    off = payload;
    for (size_t i = 0; i < narrays; i++) {
        const shmhub__array_spec *sp = &req->layout->specs[i];
        off = shmhub__align_up(off, SHMHUB_ALIGNMENT);
        memcpy(e[i].name, sp->name, sizeof sp->name);
        e[i].dtype = (uint32_t)sp->dtype;
        e[i].ndim = sp->ndim;
        e[i].offset = off;
        e[i].nbytes = sp->nbytes;
        memcpy(e[i].shape, sp->shape, sizeof e[i].shape);
        off += sp->nbytes;
    }
    if (req->ext_size) memcpy(seg->base + dir_end, req->ext, req->ext_size);
    h->checksum = shmhub__checksum(seg->base, immutable_end);
    if (o.flags & SHMHUB_PREFAULT) prefault(seg, 1);

    atomic_store_explicit((_Atomic uint32_t *)&h->state, SHMHUB__STATE_READY, memory_order_release);
    shmhub__futex_wake_all((_Atomic uint32_t *)&h->state);

    /* The handle uses the same validated view as any opener. */
    if ((st = shmhub__validate(seg->base, seg->size, name, seg)) != SHMHUB_OK) {
        unlink_file(name, seg->dir, seg->path);
        free_handle(seg);
        return st;
    }
    seg->unlink_on_close = (o.flags & SHMHUB_UNLINK_ON_CLOSE) != 0;
    *out = seg;
    return SHMHUB_OK;
}

SHMHUB_API shmhub_status shmhub_segment_create(const char *name, const shmhub_layout *layout,
                                               const shmhub_segment_opts *opts,
                                               shmhub_segment **out) {
    shmhub__create_req req = {SHMHUB_KIND_ARRAYS, layout, NULL, 0, 0};
    return shmhub__segment_create(name, &req, opts, out);
}

/* ---- open ------------------------------------------------------------------------------------ */

/* Maps the whole file once its header's state word says READY (waiting up to timeout_ns for a
 * creator still initialising it); the mapping never exceeds what fstat reports. */
static shmhub_status map_when_ready(int fd, const char *name, int64_t timeout_ns, int prot,
                                    unsigned char **base_out, size_t *size_out) {
    int64_t deadline = shmhub__deadline(timeout_ns);
    for (;;) {
        struct stat sb;
        if (fstat(fd, &sb) != 0) return shmhub__fail_errno(errno, "fstat", name);
        if ((uint64_t)sb.st_size > SIZE_MAX)
            return CORRUPT("segment '%s': file too large to map", name);
        size_t size = (size_t)sb.st_size;
        uint32_t pid = 0;
        void *p = MAP_FAILED;
        /* Create sizes the file in one step right after O_EXCL: a size between 0 and the header's
         * can never be a creation in progress. */
        if (size > 0 && size < sizeof(shmhub__header))
            return CORRUPT("segment '%s': truncated: %zu bytes, smaller than the %zu-byte header",
                           name, size, sizeof(shmhub__header));
        if (size >= sizeof(shmhub__header)) {
            p = mmap(NULL, size, prot, MAP_SHARED, fd, 0);
            if (p == MAP_FAILED) return shmhub__fail_errno(errno, "mmap", name);
            shmhub__header *h = p;
            uint32_t state =
                atomic_load_explicit((_Atomic uint32_t *)&h->state, memory_order_acquire);
            pid = h->creator_pid;
            if (state == SHMHUB__STATE_READY) {
                *base_out = p;
                *size_out = size;
                return SHMHUB_OK;
            }
            if (state != SHMHUB__STATE_INIT) {
                munmap(p, size);
                return CORRUPT("segment '%s': invalid state word %u", name, state);
            }
        }
        shmhub_status st = SHMHUB_OK;
        int64_t remaining = deadline - shmhub__now_ns(CLOCK_MONOTONIC);
        if (pid && !shmhub__pid_alive(pid)) {
            st = shmhub__fail(SHMHUB_E_PEER_DEAD,
                              "segment '%s': its creator (pid %u) died before finishing it; "
                              "unlink it and create it again",
                              name, pid);
        } else if (remaining <= 0) {
            st = shmhub__fail(SHMHUB_E_TIMEOUT,
                              "segment '%s': still being initialised (creator pid %u, %zu bytes) "
                              "when the open timeout of %lld ns expired",
                              name, pid, size, (long long)timeout_ns);
        } else if (p != MAP_FAILED) {
            /* Sleep on the ready word; wake every 10 ms to check that the creator lives. */
            shmhub__futex_wait((_Atomic uint32_t *)&((shmhub__header *)p)->state,
                               SHMHUB__STATE_INIT, remaining < 10000000 ? remaining : 10000000);
        } else {
            struct timespec ts = {0, (long)(remaining < 1000000 ? remaining : 1000000)};
            nanosleep(&ts, NULL);
        }
        if (p != MAP_FAILED) munmap(p, size);
        if (st != SHMHUB_OK) return st;
    }
}

shmhub_status shmhub__segment_open(const char *name, uint32_t expected_kind,
                                   const shmhub_segment_opts *opts, shmhub_segment **out) {
    shmhub__opts o;
    shmhub_status st = begin_handle_call(name, opts, out, &o);
    if (st != SHMHUB_OK) return st;
    shmhub_segment *seg = NULL;
    if ((st = new_handle(name, &o, &seg)) != SHMHUB_OK) return st;
    seg->read_only = (o.flags & SHMHUB_READ_ONLY) != 0;

    int fd = open_file(name, seg->dir, seg->path, seg->read_only ? O_RDONLY : O_RDWR, 0);
    if (fd < 0) {
        int err = errno;
        if (err == ENOENT)
            st = shmhub__fail(SHMHUB_E_NOT_FOUND, "segment '%s': does not exist (%s)", name,
                              seg->path);
        else
            st = shmhub__fail_errno(err, "cannot open", name);
        free_handle(seg);
        return st;
    }
    struct stat sb;
    size_t size = 0;
    if (fstat(fd, &sb) != 0) {
        st = shmhub__fail_errno(errno, "fstat", name);
    } else if (!S_ISREG(sb.st_mode)) {
        st = CORRUPT("segment '%s': %s is not a regular file", name, seg->path);
    } else if (sb.st_uid != geteuid() && !(o.flags & SHMHUB_ALLOW_FOREIGN_OWNER)) {
        st = shmhub__fail(SHMHUB_E_PERMISSION,
                          "segment '%s': owned by uid %u, not by this user (uid %u); pass "
                          "SHMHUB_ALLOW_FOREIGN_OWNER to open it anyway",
                          name, (unsigned)sb.st_uid, (unsigned)geteuid());
    } else if ((st = map_when_ready(fd, name, o.open_timeout_ns,
                                    seg->read_only ? PROT_READ : PROT_READ | PROT_WRITE, &seg->base,
                                    &size)) == SHMHUB_OK) {
        seg->size = size;
        st = shmhub__validate(seg->base, seg->size, name, seg);
    }
    close(fd);
    if (st == SHMHUB_OK && expected_kind && seg->kind != expected_kind)
        st = shmhub__fail(SHMHUB_E_WRONG_KIND, "segment '%s': is a %s segment, not a %s", name,
                          shmhub_kind_name((int32_t)seg->kind),
                          shmhub_kind_name((int32_t)expected_kind));
    if (st != SHMHUB_OK) {
        free_handle(seg);
        return st;
    }
    if (o.flags & SHMHUB_PREFAULT) prefault(seg, !seg->read_only);
    *out = seg;
    return SHMHUB_OK;
}

SHMHUB_API shmhub_status shmhub_segment_open(const char *name, const shmhub_segment_opts *opts,
                                             shmhub_segment **out) {
    return shmhub__segment_open(name, 0, opts, out);
}

/* ---- close, unlink, getters ---------------------------------------------------------------- */

/* Unlinks the file this handle created, if the name still refers to it: a segment re-created
 * under the same name after an unlink belongs to someone else. */
static void unlink_own_file(const shmhub_segment *seg) {
    struct stat sb;
    if (seg->file_ino && stat(seg->path, &sb) == 0 && (uint64_t)sb.st_dev == seg->file_dev &&
        (uint64_t)sb.st_ino == seg->file_ino)
        unlink_file(seg->name, seg->dir, seg->path);
}

void shmhub__segment_discard(shmhub_segment *seg) {
    if (!seg) return;
    unlink_own_file(seg);
    free_handle(seg);
}

SHMHUB_API void shmhub_segment_close(shmhub_segment *seg) {
    if (!seg) return;
    /* SHMHUB_UNLINK_ON_CLOSE belongs to the creating process: a handle inherited across fork and
     * closed in the child only unmaps. */
    if (seg->unlink_on_close && seg->owner_token == shmhub__proc_self()) unlink_own_file(seg);
    free_handle(seg);
}

SHMHUB_API shmhub_status shmhub_unlink_in(const char *name, const char *dir) {
    shmhub_status st = shmhub__check_name(name, "segment", SHMHUB_MAX_NAME);
    if (st != SHMHUB_OK) return st;
    dir = shmhub__default_dir(dir);
    char path[PATH_MAX];
    if ((st = shmhub__path(name, dir, path, sizeof path)) != SHMHUB_OK) return st;
    if (unlink_file(name, dir, path) != 0) {
        if (errno == ENOENT)
            return shmhub__fail(SHMHUB_E_NOT_FOUND, "segment '%s': does not exist (%s)", name, path);
        return shmhub__fail_errno(errno, "cannot unlink", name);
    }
    return SHMHUB_OK;
}

SHMHUB_API shmhub_status shmhub_unlink(const char *name) { return shmhub_unlink_in(name, NULL); }

SHMHUB_API const char *shmhub_segment_name(const shmhub_segment *s) { return s ? s->name : NULL; }
SHMHUB_API const char *shmhub_segment_path(const shmhub_segment *s) { return s ? s->path : NULL; }
SHMHUB_API int32_t shmhub_segment_kind(const shmhub_segment *s) { return s ? (int32_t)s->kind : 0; }
SHMHUB_API uint64_t shmhub_segment_size(const shmhub_segment *s) { return s ? s->size : 0; }
SHMHUB_API int64_t shmhub_segment_creator_pid(const shmhub_segment *s) {
    return s ? s->creator_pid : 0;
}
SHMHUB_API int64_t shmhub_segment_creator_uid(const shmhub_segment *s) {
    return s ? s->creator_uid : 0;
}
SHMHUB_API int64_t shmhub_segment_created_ns(const shmhub_segment *s) {
    return s ? s->created_ns : 0;
}
SHMHUB_API int32_t shmhub_segment_read_only(const shmhub_segment *s) {
    return s ? s->read_only : 0;
}
SHMHUB_API uint32_t shmhub_segment_layout_version(const shmhub_segment *s) {
    return s ? s->layout_version : 0;
}

/* ---- listing -------------------------------------------------------------------------------- */

static int cmp_names(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

SHMHUB_API shmhub_status shmhub_list_open(const char *dir, shmhub_list **out) {
    if (!out) return shmhub__fail(SHMHUB_E_INVALID, "list: NULL out-pointer");
    *out = NULL;
    const char *d = shmhub__default_dir(dir);
    if (!d) d = SHM_DIR;
    DIR *dp = opendir(d);
    if (!dp) {
        int err = errno;
        return shmhub__fail(shmhub__status_from_errno(err), "list: cannot read directory '%s': %s",
                            d, strerror(err));
    }
    shmhub_list *l = calloc(1, sizeof *l);
    size_t cap = 0;
    shmhub_status st = l ? SHMHUB_OK : SHMHUB_E_NO_MEMORY;
    struct dirent *de;
    while (st == SHMHUB_OK && (de = readdir(dp))) {
        const char *n = de->d_name;
        if (strncmp(n, FILE_PREFIX, strlen(FILE_PREFIX)) != 0) continue;
        n += strlen(FILE_PREFIX);
        if (de->d_type != DT_REG && de->d_type != DT_UNKNOWN) continue;
        size_t pos;
        if (shmhub__name_check(n, SHMHUB_MAX_NAME, &pos) != 0) continue;
        if (l->count == cap) {
            cap = cap ? cap * 2 : 16;
            char **p = realloc(l->names, cap * sizeof *p);
            if (!p) { st = SHMHUB_E_NO_MEMORY; break; }
            l->names = p;
        }
        if (!(l->names[l->count] = strdup(n))) st = SHMHUB_E_NO_MEMORY;
        else l->count++;
    }
    closedir(dp);
    if (st != SHMHUB_OK) {
        shmhub_list_close(l);
        return shmhub__fail(st, "list: out of memory reading '%s'", d);
    }
    if (l->count) qsort(l->names, l->count, sizeof *l->names, cmp_names);
    *out = l;
    return SHMHUB_OK;
}

SHMHUB_API size_t shmhub_list_count(const shmhub_list *l) { return l ? l->count : 0; }
SHMHUB_API const char *shmhub_list_name(const shmhub_list *l, size_t i) {
    return (l && i < l->count) ? l->names[i] : NULL;
}
SHMHUB_API void shmhub_list_close(shmhub_list *l) {
    if (!l) return;
    for (size_t i = 0; i < l->count; i++) free(l->names[i]);
    free(l->names);
    free(l);
}
