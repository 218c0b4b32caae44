/* MemoryPool: size classes of shared, 64-byte aligned buffers (segments of kind SHMHUB_KIND_POOL).
 * Layout in docs/layout.md; guarantees in docs/containers.md.
 *
 * Each buffer has a slot in the control area: its owner (a process token, 0 = free) and a
 * generation bumped at every acquire. A buffer id is (generation << 40 | class << 32 | index), so
 * an id handed out earlier stops working once the buffer was released or reclaimed. Taking a
 * buffer is one compare-and-swap of its owner word from 0; giving it back, one from the owner's
 * token to 0. Waiters sleep on a per-class futex word bumped at every release, in slices that
 * also reclaim the buffers of dead owners, so a killed process never strands a waiter. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_CLASS_COUNT (UINT32_C(1) << 20)
#define MAX_TOTAL_BUFFERS (UINT32_C(1) << 22)
#define MAX_BUFFER_BYTES (UINT64_C(1) << 40)
#define GEN_MASK UINT64_C(0xFFFFFF)
#define WAIT_SLICE_NS 10000000

typedef struct shmhub__pool_class_desc { /* in the ext area: immutable, checksummed */
    uint64_t buffer_bytes;
    uint64_t stride;        /* buffer_bytes rounded up to 64 */
    uint32_t count;
    uint32_t first_slot;    /* index of the class's first buffer slot */
    uint64_t reserved;
} shmhub__pool_class_desc;
_Static_assert(sizeof(shmhub__pool_class_desc) == 32, "class descriptor is 32 bytes");

typedef struct shmhub__pool_desc {
    uint32_t nclasses;
    uint32_t total;         /* buffers in all classes */
    uint64_t reserved[3];
    shmhub__pool_class_desc classes[SHMHUB_POOL_MAX_CLASSES];
} shmhub__pool_desc;
_Static_assert(sizeof(shmhub__pool_desc) == 32 + 32 * SHMHUB_POOL_MAX_CLASSES, "pool descriptor");

typedef struct shmhub__pool_class_ctl { /* one 64-byte line per class, mutable */
    _Atomic uint32_t free_gen;   /* futex word: bumped at every release */
    _Atomic uint32_t waiters;    /* acquirers sleeping on free_gen (a dead one only costs a wake) */
    _Atomic uint32_t in_use;     /* approximate (stats count exactly); for the high-water mark */
    _Atomic uint32_t high_water;
    _Atomic uint64_t reclaimed;
    _Atomic uint64_t acquires;
    _Atomic uint32_t hint;       /* where the next search starts: the last buffer released */
    uint8_t pad[28];
} shmhub__pool_class_ctl;
_Static_assert(sizeof(shmhub__pool_class_ctl) == 64, "class control line is 64 bytes");

typedef struct shmhub__pool_slot {
    _Atomic uint64_t owner;      /* owner token, 0 = free */
    _Atomic uint64_t gen;        /* bumped at every acquire */
} shmhub__pool_slot;

struct shmhub_pool {
    shmhub_segment *seg;
    uint32_t nclasses;
    shmhub__pool_class_desc cls[SHMHUB_POOL_MAX_CLASSES];
    unsigned char *data[SHMHUB_POOL_MAX_CLASSES];
    shmhub__pool_class_ctl *cctl;
    shmhub__pool_slot *slot;
};

struct shmhub_buffer {
    const shmhub_pool *pool;
    uint32_t cls, index;
    uint64_t id, owner;
    void *data;
    uint64_t size;
};

static const char *pname(const shmhub_pool *p) { return p->seg->name; }

/* ---- options, create, open, close ------------------------------------------------------------ */

#define HAS(o, f) ((o)->size >= offsetof(shmhub_pool_opts, f) + sizeof((o)->f))

SHMHUB_API shmhub_status shmhub_pool_opts_init(shmhub_pool_opts *opts, size_t size) {
    const shmhub_pool_opts d = SHMHUB_POOL_OPTS_INIT;
    return shmhub__opts_init(opts, size, &d, sizeof d, "pool");
}

static shmhub_status begin_call(const char *name, const shmhub_pool_opts *in, shmhub_pool **out,
                                shmhub_pool_opts *o) {
    if (out) *out = NULL;
    shmhub_status s = shmhub__check_name(name, "pool", SHMHUB_MAX_NAME);
    if (s != SHMHUB_OK) return s;
    if (!out) return shmhub__fail(SHMHUB_E_INVALID, "pool '%s': NULL out-pointer", name);
    shmhub_pool_opts d = SHMHUB_POOL_OPTS_INIT;
    *o = d;
    if (!in) return SHMHUB_OK;
    shmhub_status size_st = shmhub__opts_size(in->size, "pool", name);
    if (size_st != SHMHUB_OK) return size_st;
    if (HAS(in, nclasses)) o->nclasses = in->nclasses;
    if (HAS(in, classes)) o->classes = in->classes;
    if (HAS(in, segment)) o->segment = in->segment;
    return SHMHUB_OK;
}

static uint64_t control_bytes(uint32_t nclasses, uint32_t total) {
    return 64u * (uint64_t)nclasses + sizeof(shmhub__pool_slot) * (uint64_t)total;
}

static shmhub_status attach(shmhub_segment *seg, shmhub_pool **out) {
    const char *name = seg->name;
    shmhub__pool_desc dd;
    if (seg->ext_size != sizeof dd)
        return shmhub__fail(SHMHUB_E_CORRUPT, "pool '%s': descriptor of %llu bytes, expected %zu",
                            name, (unsigned long long)seg->ext_size, sizeof dd);
    memcpy(&dd, seg->base + seg->ext_offset, sizeof dd); /* private copy: checksummed at open */
    if (dd.nclasses < 1 || dd.nclasses > SHMHUB_POOL_MAX_CLASSES || dd.total > MAX_TOTAL_BUFFERS ||
        seg->narrays != dd.nclasses || seg->control_size != control_bytes(dd.nclasses, dd.total))
        return shmhub__fail(SHMHUB_E_CORRUPT, "pool '%s': invalid descriptor", name);
    uint64_t first = 0;
    for (uint32_t c = 0; c < dd.nclasses; c++) {
        const shmhub__pool_class_desc *k = &dd.classes[c];
        const shmhub_array *a = &seg->arrays[c];
        if (k->buffer_bytes < 1 || k->buffer_bytes > MAX_BUFFER_BYTES || k->count < 1 ||
            k->count > MAX_CLASS_COUNT || k->stride != shmhub__align_up(k->buffer_bytes, 64) ||
            k->first_slot != first || a->nbytes != k->stride * k->count ||
            (c && k->buffer_bytes <= dd.classes[c - 1].buffer_bytes))
            return shmhub__fail(SHMHUB_E_CORRUPT, "pool '%s': invalid size class %u", name, c);
        first += k->count;
    }
    if (first != dd.total)
        return shmhub__fail(SHMHUB_E_CORRUPT, "pool '%s': class counts do not add up", name);
    shmhub_pool *p = calloc(1, sizeof *p);
    if (!p) return shmhub__fail(SHMHUB_E_NO_MEMORY, "pool '%s': out of memory", name);
    p->seg = seg;
    p->nclasses = dd.nclasses;
    memcpy(p->cls, dd.classes, sizeof p->cls);
    for (uint32_t c = 0; c < dd.nclasses; c++) p->data[c] = seg->arrays[c].data;
    p->cctl = (shmhub__pool_class_ctl *)(seg->base + seg->control_offset);
    p->slot = (shmhub__pool_slot *)(seg->base + seg->control_offset + 64u * dd.nclasses);
    *out = p;
    return SHMHUB_OK;
}

static int cmp_class(const void *a, const void *b) {
    uint64_t x = ((const shmhub_pool_class *)a)->buffer_bytes;
    uint64_t y = ((const shmhub_pool_class *)b)->buffer_bytes;
    return x < y ? -1 : x > y;
}

SHMHUB_API shmhub_status shmhub_pool_create(const char *name, const shmhub_pool_opts *opts,
                                            shmhub_pool **out) {
    shmhub_pool_opts o;
    shmhub_status s = begin_call(name, opts, out, &o);
    if (s != SHMHUB_OK) return s;
    if (o.nclasses < 1 || o.nclasses > SHMHUB_POOL_MAX_CLASSES || !o.classes)
        return shmhub__fail(SHMHUB_E_INVALID, "pool '%s': %u size classes (1 to %d needed)", name,
                            o.nclasses, SHMHUB_POOL_MAX_CLASSES);
    shmhub_pool_class cl[SHMHUB_POOL_MAX_CLASSES];
    memcpy(cl, o.classes, o.nclasses * sizeof *cl);
    qsort(cl, o.nclasses, sizeof *cl, cmp_class);
    shmhub__pool_desc dd;
    memset(&dd, 0, sizeof dd);
    dd.nclasses = o.nclasses;
    shmhub_layout layout = {0, 0, NULL};
    uint64_t total = 0, bytes = 0;
    for (uint32_t c = 0; c < o.nclasses && s == SHMHUB_OK; c++) {
        if (cl[c].buffer_bytes < 1 || cl[c].buffer_bytes > MAX_BUFFER_BYTES || cl[c].count < 1 ||
            cl[c].count > MAX_CLASS_COUNT || cl[c].reserved != 0)
            s = shmhub__fail(SHMHUB_E_INVALID, "pool '%s': size class %llu B x %u: buffers of 1 "
                             "B to 1 TiB, 1 to 2^20 of them, reserved 0", name,
                             (unsigned long long)cl[c].buffer_bytes, cl[c].count);
        else if (c && cl[c].buffer_bytes == cl[c - 1].buffer_bytes)
            s = shmhub__fail(SHMHUB_E_INVALID, "pool '%s': two size classes of %llu bytes", name,
                             (unsigned long long)cl[c].buffer_bytes);
        if (s != SHMHUB_OK) break;
        shmhub__pool_class_desc *k = &dd.classes[c];
        k->buffer_bytes = cl[c].buffer_bytes;
        k->stride = shmhub__align_up(cl[c].buffer_bytes, 64);
        k->count = cl[c].count;
        k->first_slot = (uint32_t)total;
        total += cl[c].count;
        bytes += k->stride * k->count;
        if (total > MAX_TOTAL_BUFFERS || bytes > (UINT64_C(1) << 46)) {
            s = shmhub__fail(SHMHUB_E_INVALID, "pool '%s': more than 2^22 buffers or 64 TiB", name);
            break;
        }
        char an[16];
        snprintf(an, sizeof an, "class%u", c);
        uint64_t nb = k->stride * k->count;
        s = shmhub_layout_add(&layout, an, SHMHUB_DTYPE_UINT8, 1, &nb);
    }
    if (s != SHMHUB_OK) {
        free(layout.specs);
        return s;
    }
    dd.total = (uint32_t)total;
    shmhub__create_req req = {SHMHUB_KIND_POOL, &layout, &dd, sizeof dd,
                              control_bytes(dd.nclasses, dd.total)};
    shmhub_segment *seg;
    s = shmhub__segment_create(name, &req, o.segment, &seg);
    free(layout.specs);
    if (s != SHMHUB_OK) return s;
    if ((s = attach(seg, out)) != SHMHUB_OK) {
        shmhub_unlink_in(name, seg->dir);
        shmhub_segment_close(seg);
    }
    return s;
}

SHMHUB_API shmhub_status shmhub_pool_open(const char *name, const shmhub_pool_opts *opts,
                                          shmhub_pool **out) {
    shmhub_pool_opts o;
    shmhub_status s = begin_call(name, opts, out, &o);
    if (s != SHMHUB_OK) return s;
    shmhub_segment *seg;
    if ((s = shmhub__segment_open(name, SHMHUB_KIND_POOL, o.segment, &seg)) != SHMHUB_OK) return s;
    if ((s = attach(seg, out)) != SHMHUB_OK) shmhub_segment_close(seg);
    return s;
}

SHMHUB_API void shmhub_pool_close(shmhub_pool *p) {
    if (!p) return;
    shmhub_segment_close(p->seg);
    free(p);
}

/* ---- buffers ---------------------------------------------------------------------------------- */

static shmhub_status writable(const shmhub_pool *p) {
    if (p->seg->read_only)
        return shmhub__fail(SHMHUB_E_READ_ONLY, "pool '%s': the handle is read-only", pname(p));
    return SHMHUB_OK;
}

static shmhub_status new_buffer(const shmhub_pool *p, uint32_t c, uint32_t i, uint64_t gen,
                                uint64_t owner, shmhub_buffer **out) {
    shmhub_buffer *b = malloc(sizeof *b);
    if (!b) return shmhub__fail(SHMHUB_E_NO_MEMORY, "pool '%s': out of memory", pname(p));
    b->pool = p;
    b->cls = c;
    b->index = i;
    b->id = ((gen & GEN_MASK) << 40) | ((uint64_t)c << 32) | i;
    b->owner = owner;
    b->data = p->data[c] + (uint64_t)i * p->cls[c].stride;
    b->size = p->cls[c].buffer_bytes;
    *out = b;
    return SHMHUB_OK;
}

static void notify_free(const shmhub_pool *p, uint32_t c) {
    shmhub__pool_class_ctl *k = &p->cctl[c];
    atomic_fetch_add(&k->free_gen, 1);
    if (atomic_load(&k->waiters)) shmhub__futex_wake_all(&k->free_gen);
}

/* Reclaims the buffers of dead owners in class c (all classes when c == UINT32_MAX). */
static uint64_t reclaim(const shmhub_pool *p, uint32_t only) {
    uint64_t n = 0, last = 0;
    int last_alive = 1;
    for (uint32_t c = 0; c < p->nclasses; c++) {
        if (only != UINT32_MAX && c != only) continue;
        shmhub__pool_class_ctl *k = &p->cctl[c];
        uint32_t in_use = 0, got = 0;
        for (uint32_t i = 0; i < p->cls[c].count; i++) {
            shmhub__pool_slot *s = &p->slot[p->cls[c].first_slot + i];
            uint64_t o = atomic_load(&s->owner);
            if (!o) continue;
            if (o != last) {
                last = o;
                last_alive = shmhub__token_alive(o);
            }
            if (!last_alive && atomic_compare_exchange_strong(&s->owner, &o, 0)) {
                got++;
                continue;
            }
            in_use++;
        }
        atomic_store(&k->in_use, in_use); /* heals a count left wrong by a killed process */
        if (got) {
            atomic_fetch_add(&k->reclaimed, got);
            notify_free(p, c);
            n += got;
        }
    }
    return n;
}

/* One pass over class c from its hint; UINT32_MAX when every buffer is taken. */
static uint32_t try_take(const shmhub_pool *p, uint32_t c, uint64_t me) {
    shmhub__pool_class_ctl *k = &p->cctl[c];
    uint32_t n = p->cls[c].count, start = atomic_load_explicit(&k->hint, memory_order_relaxed);
    if (start >= n) start = 0;
    for (uint32_t j = 0; j < n; j++) {
        uint32_t i = start + j < n ? start + j : start + j - n;
        shmhub__pool_slot *s = &p->slot[p->cls[c].first_slot + i];
        uint64_t o = atomic_load_explicit(&s->owner, memory_order_relaxed);
        if (o == 0 && atomic_compare_exchange_strong(&s->owner, &o, me)) {
            atomic_store_explicit(&k->hint, i + 1 < n ? i + 1 : 0, memory_order_relaxed);
            return i;
        }
    }
    return UINT32_MAX;
}

SHMHUB_API shmhub_status shmhub_pool_acquire(shmhub_pool *p, size_t nbytes, int64_t timeout_ns,
                                             shmhub_buffer **out) {
    if (out) *out = NULL;
    if (!p || !out) return shmhub__fail(SHMHUB_E_INVALID, "pool acquire: NULL argument");
    shmhub_status s = writable(p);
    if (s != SHMHUB_OK) return s;
    uint32_t c = 0;
    while (c < p->nclasses && p->cls[c].buffer_bytes < nbytes) c++;
    if (c == p->nclasses || nbytes == 0)
        return shmhub__fail(SHMHUB_E_INVALID, "pool '%s': no size class holds %zu bytes (the "
                            "largest buffers hold %llu)", pname(p), nbytes,
                            (unsigned long long)p->cls[p->nclasses - 1].buffer_bytes);
    shmhub__pool_class_ctl *k = &p->cctl[c];
    uint64_t me = shmhub__proc_self();
    int64_t deadline = timeout_ns < 0 ? INT64_MAX : shmhub__now_ns(CLOCK_MONOTONIC) + timeout_ns;
    if (timeout_ns > 0 && deadline < 0) deadline = INT64_MAX;
    int reclaimed = 0;
    for (;;) {
        uint32_t g = atomic_load(&k->free_gen);
        uint32_t i = try_take(p, c, me);
        if (i != UINT32_MAX) {
            shmhub__pool_slot *sl = &p->slot[p->cls[c].first_slot + i];
            SHMHUB__CRASH_POINT("pool_acquire");
            uint64_t gen = atomic_fetch_add(&sl->gen, 1) + 1;
            if ((gen & GEN_MASK) == 0) gen = atomic_fetch_add(&sl->gen, 1) + 1; /* ids are never 0 */
            uint32_t used = atomic_fetch_add(&k->in_use, 1) + 1;
            uint32_t hw = atomic_load(&k->high_water);
            while (used > hw && !atomic_compare_exchange_weak(&k->high_water, &hw, used)) {
            }
            atomic_fetch_add(&k->acquires, 1);
            if ((s = new_buffer(p, c, i, gen, me, out)) != SHMHUB_OK) {
                uint64_t mine = me;
                atomic_compare_exchange_strong(&sl->owner, &mine, 0);
                notify_free(p, c);
            }
            return s;
        }
        if (!reclaimed) { /* before blocking: buffers of dead processes come back first */
            reclaimed = 1;
            if (reclaim(p, c)) continue;
        }
        int64_t remaining = deadline - shmhub__now_ns(CLOCK_MONOTONIC);
        if (remaining <= 0)
            return shmhub__fail(SHMHUB_E_TIMEOUT, "pool '%s': all %u buffers of %llu bytes are in "
                                "use (timeout %lld ns)", pname(p), p->cls[c].count,
                                (unsigned long long)p->cls[c].buffer_bytes, (long long)timeout_ns);
        atomic_fetch_add(&k->waiters, 1);
        int r = shmhub__futex_wait(&k->free_gen, g,
                                   remaining < WAIT_SLICE_NS ? remaining : WAIT_SLICE_NS);
        atomic_fetch_sub(&k->waiters, 1);
        if (r != 0) reclaimed = 0; /* a whole slice without a release: look for dead owners again */
    }
}

SHMHUB_API shmhub_status shmhub_pool_release(shmhub_pool *p, shmhub_buffer *b) {
    if (!p || !b) {
        free(b);
        return shmhub__fail(SHMHUB_E_INVALID, "pool release: NULL argument");
    }
    if (b->pool != p)
        return shmhub__fail(SHMHUB_E_INVALID, "pool '%s': buffer %llu belongs to another pool "
                            "handle", pname(p), (unsigned long long)b->id);
    shmhub_status s = writable(p);
    if (s != SHMHUB_OK) return s;
    shmhub__pool_slot *sl = &p->slot[p->cls[b->cls].first_slot + b->index];
    uint64_t o = b->owner, id = b->id;
    uint32_t index = b->index;
    int ok = (atomic_load(&sl->gen) & GEN_MASK) == id >> 40 &&
             atomic_compare_exchange_strong(&sl->owner, &o, 0);
    uint32_t c = b->cls;
    free(b);
    if (!ok)
        return shmhub__fail(SHMHUB_E_BUSY, "pool '%s': buffer %llu is no longer this process's "
                            "(adopted by another or reclaimed)", pname(p), (unsigned long long)id);
    uint32_t u = atomic_load(&p->cctl[c].in_use);
    while (u && !atomic_compare_exchange_weak(&p->cctl[c].in_use, &u, u - 1)) {
    }
    /* The next acquire of this class starts at the buffer just released, whose lines are still
     * in the caches (rotating through every buffer of the class instead makes each hand-over
     * fill cold memory: bench/containers_bench.c's hand-over row, 0.63 of its floor before). */
    atomic_store_explicit(&p->cctl[c].hint, index, memory_order_relaxed);
    notify_free(p, c);
    return SHMHUB_OK;
}

SHMHUB_API shmhub_status shmhub_pool_adopt(shmhub_pool *p, uint64_t id, shmhub_buffer **out) {
    if (out) *out = NULL;
    if (!p || !out) return shmhub__fail(SHMHUB_E_INVALID, "pool adopt: NULL argument");
    shmhub_status s = writable(p);
    if (s != SHMHUB_OK) return s;
    uint32_t c = (uint32_t)(id >> 32) & 0xFF, i = (uint32_t)id;
    uint64_t gen = id >> 40;
    if ((id >> 32 & 0xFF) >= p->nclasses || i >= p->cls[c].count || gen == 0)
        return shmhub__fail(SHMHUB_E_NOT_FOUND, "pool '%s': no buffer has id %llu", pname(p),
                            (unsigned long long)id);
    shmhub__pool_slot *sl = &p->slot[p->cls[c].first_slot + i];
    uint64_t me = shmhub__proc_self();
    uint64_t o = atomic_load(&sl->owner);
    if (o == 0 || (atomic_load(&sl->gen) & GEN_MASK) != gen)
        return shmhub__fail(SHMHUB_E_NOT_FOUND, "pool '%s': buffer id %llu is not handed out now "
                            "(never acquired, released or reclaimed since)", pname(p),
                            (unsigned long long)id);
    if (o != me && !atomic_compare_exchange_strong(&sl->owner, &o, me))
        return shmhub__fail(SHMHUB_E_NOT_FOUND, "pool '%s': buffer id %llu changed hands during "
                            "the adopt", pname(p), (unsigned long long)id);
    if ((atomic_load(&sl->gen) & GEN_MASK) != gen) { /* released and taken again meanwhile */
        uint64_t mine = me;
        atomic_compare_exchange_strong(&sl->owner, &mine, o);
        return shmhub__fail(SHMHUB_E_NOT_FOUND, "pool '%s': buffer id %llu was released during "
                            "the adopt", pname(p), (unsigned long long)id);
    }
    return new_buffer(p, c, i, gen, me, out);
}

SHMHUB_API shmhub_status shmhub_pool_reclaim(shmhub_pool *p, uint64_t *count) {
    if (count) *count = 0;
    if (!p) return shmhub__fail(SHMHUB_E_INVALID, "pool reclaim: NULL handle");
    shmhub_status s = writable(p);
    if (s != SHMHUB_OK) return s;
    uint64_t n = reclaim(p, UINT32_MAX);
    if (count) *count = n;
    return SHMHUB_OK;
}

SHMHUB_API shmhub_status shmhub_pool_stats(const shmhub_pool *p, uint32_t c,
                                           shmhub_pool_stats_info *out) {
    if (!p || !out || out->size < 8)
        return shmhub__fail(SHMHUB_E_INVALID, "pool stats: NULL argument or size < 8");
    if (c >= p->nclasses)
        return shmhub__fail(SHMHUB_E_RANGE, "pool '%s': class %u of %u", pname(p), c,
                            p->nclasses);
    const shmhub__pool_class_ctl *k = &p->cctl[c];
    uint32_t in_use = 0;
    for (uint32_t i = 0; i < p->cls[c].count; i++)
        in_use += atomic_load_explicit(&p->slot[p->cls[c].first_slot + i].owner,
                                       memory_order_relaxed) != 0;
    shmhub_pool_stats_info f;
    memset(&f, 0, sizeof f);
    f.size = out->size;
    f.count = p->cls[c].count;
    f.buffer_bytes = p->cls[c].buffer_bytes;
    f.in_use = in_use;
    f.free = f.count - in_use;
    f.high_water = atomic_load_explicit(&((shmhub__pool_class_ctl *)k)->high_water,
                                        memory_order_relaxed);
    if (f.high_water > f.count) f.high_water = f.count;
    if (f.high_water < in_use) f.high_water = in_use;
    f.reclaimed = atomic_load_explicit(&((shmhub__pool_class_ctl *)k)->reclaimed,
                                       memory_order_relaxed);
    f.acquires = atomic_load_explicit(&((shmhub__pool_class_ctl *)k)->acquires,
                                      memory_order_relaxed);
    size_t n = out->size < sizeof f ? out->size : sizeof f;
    memcpy(out, &f, n);
    return SHMHUB_OK;
}

SHMHUB_API uint32_t shmhub_pool_nclasses(const shmhub_pool *p) { return p ? p->nclasses : 0; }
SHMHUB_API const shmhub_segment *shmhub_pool_segment(const shmhub_pool *p) {
    return p ? p->seg : NULL;
}
SHMHUB_API void shmhub_buffer_close(shmhub_buffer *b) { free(b); }
SHMHUB_API void *shmhub_buffer_data(const shmhub_buffer *b) { return b ? b->data : NULL; }
SHMHUB_API uint64_t shmhub_buffer_size(const shmhub_buffer *b) { return b ? b->size : 0; }
SHMHUB_API uint64_t shmhub_buffer_id(const shmhub_buffer *b) { return b ? b->id : 0; }
