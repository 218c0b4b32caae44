/* Synched memory: N workers (processes) each own one segment of a shared array; every round all
 * write their own segment, synchronise, and read every segment. docs/compute.md explains the
 * cycle; docs/layout.md documents every byte.
 *
 * Two barriers per round. Barrier A (in begin_write / write_and_sync, before the copy) waits
 * until every worker has finished reading the previous round; barrier B (in sync, after the
 * copy) waits until every worker has written. With only B, a fast worker's round r+1 write can
 * land while a slow worker still reads round r: a read that mixes two rounds.
 *
 * The barrier is a central counter with a generation word (the futex word). A worker reads the
 * generation, increments `arrived`; the last arriver resets `arrived` and bumps the generation
 * (release), which every waiter acquires. Waiters check the generation first, then the
 * `broken` word (a dead worker, a timeout or finalize ends the run for everybody), and check
 * every worker's owner token at least every liveness/4 while they wait, so a dead worker is
 * reported as SHMHUB_E_PEER_DEAD within the liveness time, never as a hang or a timeout.
 *
 * Segment contents are copied with memcpy: the barriers' acquire/release order every access, so
 * there is no data race on them. Fields other processes write (tokens, counters, flags) are
 * read once into a private copy and checked before use. */
#include "internal.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- shared structures ----------------------------------------------------------------------- */

typedef struct shmhub__synched_desc { /* the ext area: immutable, checksummed */
    uint32_t dtype;
    uint32_t workers;
    uint64_t segment_len;
    uint64_t segment_nbytes;
    uint32_t flags;           /* SHMHUB_SYNCHED_PROFILE */
    uint32_t profile_rounds;  /* rows kept per worker (0 when profiling is off) */
    uint64_t reserved[4];
} shmhub__synched_desc;
_Static_assert(sizeof(shmhub__synched_desc) == 64, "synched descriptor is 64 bytes");

typedef struct shmhub__synched_ctl { /* the control area's first 128 bytes */
    _Atomic uint32_t gen;      /*  0: barrier generation (futex word) */
    _Atomic uint32_t waiters;  /*  4: processes sleeping (or about to) on gen */
    _Atomic uint64_t broken;   /*  8: 0, or (why << 32 | generation when the run ended) */
    _Atomic uint32_t culprit;  /* 16: the worker that died or timed out */
    uint8_t pad0[44];
    _Atomic uint32_t arrived;  /* 64: workers arrived at the current barrier */
    uint8_t pad1[60];
} shmhub__synched_ctl;
_Static_assert(sizeof(shmhub__synched_ctl) == 128, "synched control block is 128 bytes");

typedef struct shmhub__worker_slot { /* one per worker, after the control block */
    _Atomic uint64_t owner;    /* owner token of the process holding the id, 0 = free */
    _Atomic uint64_t rounds;   /* rounds this worker has completed */
    uint8_t pad[48];
} shmhub__worker_slot;
_Static_assert(sizeof(shmhub__worker_slot) == 64, "worker slot is 64 bytes");

enum { BROKEN_NONE = 0, BROKEN_DEAD = 1, BROKEN_TIMEOUT = 2, BROKEN_FINISHED = 3 };

#define MAX_WORKERS 4096u
#define MAX_PROFILE_ROUNDS (1u << 20)
#define DEFAULT_PROFILE_ROUNDS 4096u
#define MIN_LIVENESS_NS 1000000
#define MAX_SLICE_NS 50000000
#define YIELD_AFTER_NS 2000

struct shmhub_synched {
    shmhub_segment *seg;
    shmhub__synched_ctl *ctl;
    shmhub__worker_slot *slot;
    _Atomic int64_t *profile;  /* workers x profile_rounds x 3, or NULL */
    unsigned char *data;
    shmhub_dtype dtype;
    uint32_t workers, flags, profile_rounds, wait_mode;
    uint64_t segment_len, segment_nbytes;
    int64_t spin_ns, liveness_ns;
    int32_t worker;          /* -1: not attached */
    uint64_t token;          /* owner token this handle claimed with */
    int writing;             /* a begin_write is open */
    uint64_t round;          /* rounds completed by this handle */
    int64_t t_last;          /* CLOCK_MONOTONIC at the previous sync's return (or attach) */
    int64_t t_write;         /* at this round's write (entering barrier A) */
    int64_t wait_acc;        /* time inside barriers this round */
};

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __asm__ volatile("pause" ::: "memory");
#else
    __asm__ volatile("" ::: "memory");
#endif
}

static const char *sname(const shmhub_synched *s) { return s->seg->name; }

/* ---- options ------------------------------------------------------------------------------------ */

#define HAS(o, f) ((o)->size >= offsetof(shmhub_synched_opts, f) + sizeof((o)->f))

SHMHUB_API shmhub_status shmhub_synched_opts_init(shmhub_synched_opts *opts, size_t size) {
    const shmhub_synched_opts d = SHMHUB_SYNCHED_OPTS_INIT;
    return shmhub__opts_init(opts, size, &d, sizeof d, "synched");
}

static shmhub_status read_opts(const shmhub_synched_opts *in, shmhub_synched_opts *o,
                               const char *name) {
    shmhub_synched_opts d = SHMHUB_SYNCHED_OPTS_INIT;
    *o = d;
    if (!in) return SHMHUB_OK;
    shmhub_status size_st = shmhub__opts_size(in->size, "synched", name);
    if (size_st != SHMHUB_OK) return size_st;
    if (HAS(in, barrier_mode)) o->barrier_mode = in->barrier_mode;
    if (HAS(in, spin_ns)) o->spin_ns = in->spin_ns;
    if (HAS(in, liveness_ns)) o->liveness_ns = in->liveness_ns;
    if (HAS(in, flags)) o->flags = in->flags;
    if (HAS(in, profile_rounds)) o->profile_rounds = in->profile_rounds;
    if (HAS(in, segment)) o->segment = in->segment;
    if (o->barrier_mode > SHMHUB_WAIT_SPIN)
        return shmhub__fail(SHMHUB_E_INVALID, "synched '%s': unknown barrier mode %u", name,
                            o->barrier_mode);
    if (o->flags & ~SHMHUB_SYNCHED_PROFILE)
        return shmhub__fail(SHMHUB_E_INVALID, "synched '%s': unknown flags 0x%x", name, o->flags);
    if (o->profile_rounds > MAX_PROFILE_ROUNDS)
        return shmhub__fail(SHMHUB_E_INVALID, "synched '%s': profile_rounds %u > %u", name,
                            o->profile_rounds, MAX_PROFILE_ROUNDS);
    if ((o->flags & SHMHUB_SYNCHED_PROFILE) && o->profile_rounds == 0)
        o->profile_rounds = DEFAULT_PROFILE_ROUNDS;
    if (o->spin_ns < 0) o->spin_ns = 0;
    if (o->liveness_ns < MIN_LIVENESS_NS) o->liveness_ns = MIN_LIVENESS_NS;
    return SHMHUB_OK;
}

/* Control area bytes for a descriptor (no overflow: workers and rounds are bounded). */
static uint64_t control_bytes(uint32_t workers, uint32_t profile_rounds) {
    return sizeof(shmhub__synched_ctl) + (uint64_t)workers * sizeof(shmhub__worker_slot) +
           (uint64_t)workers * profile_rounds * 3 * sizeof(int64_t);
}

/* ---- create / open / close --------------------------------------------------------------------- */

static shmhub_status attach_handle(shmhub_segment *seg, const shmhub_synched_opts *o,
                                   shmhub_synched **out) {
    const char *name = seg->name;
    if (seg->ext_size != sizeof(shmhub__synched_desc))
        return shmhub__fail(SHMHUB_E_CORRUPT, "synched '%s': descriptor of %llu bytes, expected %zu",
                            name, (unsigned long long)seg->ext_size, sizeof(shmhub__synched_desc));
    shmhub__synched_desc d;
    memcpy(&d, seg->base + seg->ext_offset, sizeof d); /* private copy: checksummed at open */
    uint64_t shape[2] = {d.workers, d.segment_len}, nbytes = 0, count = 0;
    size_t esize = shmhub_dtype_size((shmhub_dtype)d.dtype);
    if (d.workers < 1 || d.workers > MAX_WORKERS || d.segment_len < 1 || esize == 0 ||
        shmhub__nbytes((shmhub_dtype)d.dtype, 2, shape, &nbytes, &count) != SHMHUB_OK ||
        d.segment_nbytes != d.segment_len * esize || (d.flags & ~SHMHUB_SYNCHED_PROFILE) ||
        d.profile_rounds > MAX_PROFILE_ROUNDS ||
        ((d.flags & SHMHUB_SYNCHED_PROFILE) ? d.profile_rounds == 0 : d.profile_rounds != 0))
        return shmhub__fail(SHMHUB_E_CORRUPT, "synched '%s': invalid descriptor", name);
    const shmhub_array *arr = seg->narrays == 1 ? &seg->arrays[0] : NULL;
    if (!arr || strcmp(arr->name, "data") != 0 || arr->dtype != (shmhub_dtype)d.dtype ||
        arr->ndim != 2 || arr->shape[0] != d.workers || arr->shape[1] != d.segment_len ||
        arr->nbytes != nbytes || seg->control_size != control_bytes(d.workers, d.profile_rounds))
        return shmhub__fail(SHMHUB_E_CORRUPT,
                            "synched '%s': data array or control area has the wrong size", name);
    shmhub_synched *s = calloc(1, sizeof *s);
    if (!s) return shmhub__fail(SHMHUB_E_NO_MEMORY, "synched '%s': out of memory", name);
    unsigned char *ctl = seg->base + seg->control_offset;
    s->seg = seg;
    s->ctl = (shmhub__synched_ctl *)ctl;
    s->slot = (shmhub__worker_slot *)(ctl + sizeof(shmhub__synched_ctl));
    s->profile = d.profile_rounds ? (_Atomic int64_t *)(ctl + sizeof(shmhub__synched_ctl) +
                                                        (uint64_t)d.workers *
                                                            sizeof(shmhub__worker_slot))
                                  : NULL;
    s->data = arr->data;
    s->dtype = (shmhub_dtype)d.dtype;
    s->workers = d.workers;
    s->flags = d.flags;
    s->profile_rounds = d.profile_rounds;
    s->segment_len = d.segment_len;
    s->segment_nbytes = d.segment_nbytes;
    s->wait_mode = o->barrier_mode;
    s->spin_ns = o->spin_ns;
    s->liveness_ns = o->liveness_ns;
    s->worker = -1;
    *out = s;
    return SHMHUB_OK;
}

static shmhub_status begin_handle_call(const char *name, const shmhub_synched_opts *opts,
                                       shmhub_synched **out, shmhub_synched_opts *o) {
    if (out) *out = NULL;
    shmhub_status st = shmhub__check_name(name, "synched", SHMHUB_MAX_NAME);
    if (st != SHMHUB_OK) return st;
    if (!out) return shmhub__fail(SHMHUB_E_INVALID, "synched '%s': NULL out-pointer", name);
    return read_opts(opts, o, name);
}

SHMHUB_API shmhub_status shmhub_synched_create(const char *name, shmhub_dtype dtype,
                                               uint32_t workers, uint64_t segment_len,
                                               const shmhub_synched_opts *opts,
                                               shmhub_synched **out) {
    shmhub_synched_opts o;
    shmhub_status st = begin_handle_call(name, opts, out, &o);
    if (st != SHMHUB_OK) return st;
    if (workers < 1 || workers > MAX_WORKERS)
        return shmhub__fail(SHMHUB_E_INVALID, "synched '%s': workers %u outside [1, %u]", name,
                            workers, MAX_WORKERS);
    if (segment_len < 1)
        return shmhub__fail(SHMHUB_E_INVALID, "synched '%s': segment_len must be at least 1",
                            name);
    uint64_t shape[2] = {workers, segment_len}, nbytes, count;
    switch (shmhub__nbytes(dtype, 2, shape, &nbytes, &count)) {
    case SHMHUB_OK: break;
    case SHMHUB_E_RANGE:
        return shmhub__fail(SHMHUB_E_INVALID, "synched '%s': %u x %llu elements is too large",
                            name, workers, (unsigned long long)segment_len);
    default: return shmhub__fail(SHMHUB_E_INVALID, "synched '%s': invalid dtype %d", name, (int)dtype);
    }
    shmhub__synched_desc d;
    memset(&d, 0, sizeof d);
    d.dtype = (uint32_t)dtype;
    d.workers = workers;
    d.segment_len = segment_len;
    d.segment_nbytes = segment_len * shmhub_dtype_size(dtype);
    d.flags = o.flags;
    d.profile_rounds = (o.flags & SHMHUB_SYNCHED_PROFILE) ? o.profile_rounds : 0;
    shmhub_layout layout = {0, 0, NULL};
    if ((st = shmhub_layout_add(&layout, "data", dtype, 2, shape)) != SHMHUB_OK) return st;
    shmhub__create_req req = {SHMHUB_KIND_SYNCHED, &layout, &d, sizeof d,
                              control_bytes(workers, d.profile_rounds)};
    shmhub_segment *seg;
    st = shmhub__segment_create(name, &req, o.segment, &seg);
    free(layout.specs);
    if (st != SHMHUB_OK) return st;
    if ((st = attach_handle(seg, &o, out)) != SHMHUB_OK) {
        char *dir = seg->dir ? strdup(seg->dir) : NULL;
        shmhub_segment_close(seg);
        shmhub_unlink_in(name, dir);
        free(dir);
    }
    return st;
}

SHMHUB_API shmhub_status shmhub_synched_open(const char *name, const shmhub_synched_opts *opts,
                                             shmhub_synched **out) {
    shmhub_synched_opts o;
    shmhub_status st = begin_handle_call(name, opts, out, &o);
    if (st != SHMHUB_OK) return st;
    shmhub_segment *seg;
    if ((st = shmhub__segment_open(name, SHMHUB_KIND_SYNCHED, o.segment, &seg)) != SHMHUB_OK)
        return st;
    if ((st = attach_handle(seg, &o, out)) != SHMHUB_OK) shmhub_segment_close(seg);
    return st;
}

SHMHUB_API void shmhub_synched_close(shmhub_synched *s) {
    if (!s) return;
    /* Only the process that claimed releases the claim (not a forked child). */
    if (s->worker >= 0 && s->token == shmhub__proc_self()) {
        uint64_t me = s->token;
        atomic_compare_exchange_strong(&s->slot[s->worker].owner, &me, 0);
    }
    shmhub_segment_close(s->seg);
    free(s);
}

/* ---- worker ids ---------------------------------------------------------------------------------- */

SHMHUB_API shmhub_status shmhub_synched_attach(shmhub_synched *s, uint32_t worker) {
    if (!s) return shmhub__fail(SHMHUB_E_INVALID, "synched attach: NULL handle");
    if (s->seg->read_only)
        return shmhub__fail(SHMHUB_E_READ_ONLY, "synched '%s': the handle is read-only", sname(s));
    if (s->worker >= 0)
        return shmhub__fail(SHMHUB_E_INVALID, "synched '%s': this handle already holds worker %d",
                            sname(s), s->worker);
    if (worker >= s->workers)
        return shmhub__fail(SHMHUB_E_RANGE, "synched '%s': worker %u out of range (%u workers)",
                            sname(s), worker, s->workers);
    uint64_t me = shmhub__proc_self();
    _Atomic uint64_t *owner = &s->slot[worker].owner;
    for (int tries = 0;; tries++) {
        uint64_t cur = atomic_load(owner); /* private copy */
        if (cur == me)
            return shmhub__fail(SHMHUB_E_BUSY,
                                "synched '%s': worker %u is held by another handle of this process",
                                sname(s), worker);
        if (cur && shmhub__token_alive(cur))
            return shmhub__fail(SHMHUB_E_BUSY, "synched '%s': worker %u is held by live process %u",
                                sname(s), worker, shmhub__token_pid(cur));
        if (atomic_compare_exchange_strong(owner, &cur, me)) break;
        if (tries > 1000)
            return shmhub__fail(SHMHUB_E_BUSY, "synched '%s': worker %u is contended", sname(s),
                                worker);
    }
    s->worker = (int32_t)worker;
    s->token = me;
    s->round = atomic_load_explicit(&s->slot[worker].rounds, memory_order_relaxed);
    s->t_last = shmhub__now_ns(CLOCK_MONOTONIC);
    return SHMHUB_OK;
}

/* ---- barrier ------------------------------------------------------------------------------------- */

/* Ends the run for everybody (first reason wins) and wakes every waiter. The broken word keeps
 * the generation current when the run ended: a waiter of an earlier generation whose barrier
 * had completed before (e.g. the last round, then finalize) still returns OK. */
static void break_run(shmhub_synched *s, uint32_t why, uint32_t culprit) {
    uint64_t none = 0;
    uint64_t word = (uint64_t)why << 32 | atomic_load(&s->ctl->gen);
    if (atomic_compare_exchange_strong(&s->ctl->broken, &none, word))
        atomic_store_explicit(&s->ctl->culprit, culprit, memory_order_relaxed);
    atomic_fetch_add(&s->ctl->gen, 1);
    shmhub__futex_wake_all(&s->ctl->gen);
}

/* The status a broken run gives (with the message). */
static shmhub_status broken_status(const shmhub_synched *s, uint32_t why) {
    uint32_t w = atomic_load_explicit(&s->ctl->culprit, memory_order_relaxed);
    switch (why) {
    case BROKEN_DEAD:
        return shmhub__fail(SHMHUB_E_PEER_DEAD, "synched '%s': worker %u died; the run is broken",
                            sname(s), w);
    case BROKEN_TIMEOUT:
        return shmhub__fail(SHMHUB_E_TIMEOUT,
                            "synched '%s': worker %u timed out in a barrier; the run is broken",
                            sname(s), w);
    case BROKEN_FINISHED:
        return shmhub__fail(SHMHUB_E_FINISHED, "synched '%s': the run was finalized", sname(s));
    default:
        return shmhub__fail(SHMHUB_E_CORRUPT, "synched '%s': invalid run state %u", sname(s), why);
    }
}

/* Checks every worker's claim; a claim whose process died breaks the run. Returns 1 if so. */
static int any_dead(shmhub_synched *s) {
    for (uint32_t w = 0; w < s->workers; w++) {
        uint64_t t = atomic_load_explicit(&s->slot[w].owner, memory_order_relaxed);
        if (t && !shmhub__token_alive(t)) {
            break_run(s, BROKEN_DEAD, w);
            return 1;
        }
    }
    return 0;
}

/* One barrier across all workers; deadline is CLOCK_MONOTONIC ns (INT64_MAX: forever). */
static shmhub_status barrier(shmhub_synched *s, int64_t deadline) {
    shmhub__synched_ctl *c = s->ctl;
    /* Clock reads cost on the fast path: only the profile needs the last arriver's time. */
    int64_t t0 = s->profile ? shmhub__now_ns(CLOCK_MONOTONIC) : 0;
    uint32_t g = atomic_load_explicit(&c->gen, memory_order_acquire);
    uint64_t bw = atomic_load_explicit(&c->broken, memory_order_acquire); /* private copy */
    if (bw) return broken_status(s, (uint32_t)(bw >> 32));
    uint32_t n = atomic_fetch_add_explicit(&c->arrived, 1, memory_order_acq_rel) + 1;
    if (n >= s->workers) { /* the last to arrive opens the barrier */
        atomic_store_explicit(&c->arrived, 0, memory_order_relaxed);
        atomic_fetch_add_explicit(&c->gen, 1, memory_order_seq_cst);
        if (atomic_load_explicit(&c->waiters, memory_order_seq_cst))
            shmhub__futex_wake_all(&c->gen);
        if (s->profile) s->wait_acc += shmhub__now_ns(CLOCK_MONOTONIC) - t0;
        return SHMHUB_OK;
    }
    if (!s->profile) t0 = shmhub__now_ns(CLOCK_MONOTONIC);
    int64_t slice = s->liveness_ns / 4;
    if (slice > MAX_SLICE_NS) slice = MAX_SLICE_NS;
    int64_t next_check = t0 + slice;
    int64_t spin_end = s->wait_mode == SHMHUB_WAIT_SPIN            ? INT64_MAX
                       : s->wait_mode == SHMHUB_WAIT_SPIN_THEN_FUTEX ? t0 + s->spin_ns
                                                                     : t0;
    for (unsigned iter = 0;; iter++) {
        if (atomic_load_explicit(&c->gen, memory_order_acquire) != g) {
            /* Broken at or before generation g: this barrier did not complete. (Generations
             * wrap after 2^32 barriers; the distance is what counts.) */
            bw = atomic_load_explicit(&c->broken, memory_order_acquire);
            if (bw && (int32_t)((uint32_t)bw - g) <= 0) return broken_status(s, (uint32_t)(bw >> 32));
            if (s->profile) s->wait_acc += shmhub__now_ns(CLOCK_MONOTONIC) - t0;
            return SHMHUB_OK;
        }
        int spinning = 0;
        int64_t now = 0;
        if ((iter & 63) == 0 || spin_end == t0) {
            now = iter == 0 ? t0 : shmhub__now_ns(CLOCK_MONOTONIC);
            if (now >= next_check) {
                if (any_dead(s)) continue; /* the generation moved: report it above */
                next_check = now + slice;
            }
            if (now >= deadline) {
                if (any_dead(s)) continue;
                break_run(s, BROKEN_TIMEOUT, (uint32_t)s->worker);
                return shmhub__fail(SHMHUB_E_TIMEOUT,
                                    "synched '%s': worker %d timed out in a barrier (%u of %u "
                                    "arrived); the run is broken",
                                    sname(s), s->worker, n, s->workers);
            }
            spinning = now < spin_end;
        } else {
            spinning = 1;
        }
        if (spinning) {
            /* Spinning past YIELD_AFTER_NS means the peers are not running (more runnable
             * processes than cores): give them the CPU at each clock check. */
            if (now - t0 > YIELD_AFTER_NS) sched_yield();
            cpu_relax();
            continue;
        }
        int64_t wait = next_check - now;
        if (deadline - now < wait) wait = deadline - now;
        atomic_fetch_add_explicit(&c->waiters, 1, memory_order_seq_cst);
        if (atomic_load_explicit(&c->gen, memory_order_seq_cst) == g)
            shmhub__futex_wait(&c->gen, g, wait);
        atomic_fetch_sub_explicit(&c->waiters, 1, memory_order_relaxed);
    }
}

static int64_t deadline_of(int64_t timeout_ns) {
    if (timeout_ns < 0) return INT64_MAX;
    int64_t now = shmhub__now_ns(CLOCK_MONOTONIC);
    return timeout_ns > INT64_MAX - now ? INT64_MAX : now + timeout_ns;
}

static shmhub_status check_worker(const shmhub_synched *s, const char *what) {
    if (s->worker < 0)
        return shmhub__fail(SHMHUB_E_INVALID, "synched '%s': %s before shmhub_synched_attach",
                            sname(s), what);
    return SHMHUB_OK;
}

static shmhub_status begin(shmhub_synched *s, int64_t deadline) {
    if (s->profile) s->t_write = shmhub__now_ns(CLOCK_MONOTONIC);
    s->wait_acc = 0;
    shmhub_status st = barrier(s, deadline);
    if (st == SHMHUB_OK) s->writing = 1;
    return st;
}

static shmhub_status finish(shmhub_synched *s, int64_t deadline) {
    s->writing = 0;
    shmhub_status st = barrier(s, deadline);
    if (st != SHMHUB_OK) return st;
    int64_t now = s->profile ? shmhub__now_ns(CLOCK_MONOTONIC) : 0;
    uint32_t w = (uint32_t)s->worker;
    if (s->profile && s->round < s->profile_rounds) {
        _Atomic int64_t *row = s->profile + ((uint64_t)w * s->profile_rounds + s->round) * 3;
        atomic_store_explicit(&row[0], s->t_write - s->t_last, memory_order_relaxed);
        atomic_store_explicit(&row[1], s->wait_acc, memory_order_relaxed);
        atomic_store_explicit(&row[2], now - s->t_last, memory_order_relaxed);
    }
    s->round++;
    atomic_store_explicit(&s->slot[w].rounds, s->round, memory_order_release);
    s->t_last = now;
    return SHMHUB_OK;
}

SHMHUB_API shmhub_status shmhub_synched_begin_write(shmhub_synched *s, void **local,
                                                    int64_t timeout_ns) {
    if (local) *local = NULL;
    if (!s || !local) return shmhub__fail(SHMHUB_E_INVALID, "synched begin_write: NULL argument");
    shmhub_status st = check_worker(s, "begin_write");
    if (st != SHMHUB_OK) return st;
    if (s->writing)
        return shmhub__fail(SHMHUB_E_INVALID,
                            "synched '%s': begin_write while one is open (call shmhub_synched_sync)",
                            sname(s));
    if ((st = begin(s, deadline_of(timeout_ns))) != SHMHUB_OK) return st;
    *local = s->data + (uint64_t)s->worker * s->segment_nbytes;
    return SHMHUB_OK;
}

SHMHUB_API shmhub_status shmhub_synched_sync(shmhub_synched *s, int64_t timeout_ns) {
    if (!s) return shmhub__fail(SHMHUB_E_INVALID, "synched sync: NULL handle");
    if (!s->writing)
        return shmhub__fail(SHMHUB_E_INVALID,
                            "synched '%s': sync without an open shmhub_synched_begin_write",
                            sname(s));
    return finish(s, deadline_of(timeout_ns));
}

SHMHUB_API shmhub_status shmhub_synched_write_and_sync(shmhub_synched *s, const void *data,
                                                       size_t nbytes, int64_t timeout_ns) {
    if (!s || !data) return shmhub__fail(SHMHUB_E_INVALID, "synched write_and_sync: NULL argument");
    shmhub_status st = check_worker(s, "write_and_sync");
    if (st != SHMHUB_OK) return st;
    if (s->writing)
        return shmhub__fail(SHMHUB_E_INVALID, "synched '%s': a begin_write is open", sname(s));
    if (nbytes != s->segment_nbytes)
        return shmhub__fail(SHMHUB_E_SIZE,
                            "synched '%s': write of %zu bytes, but a worker segment is %llu bytes",
                            sname(s), nbytes, (unsigned long long)s->segment_nbytes);
    int64_t deadline = deadline_of(timeout_ns);
    if ((st = begin(s, deadline)) != SHMHUB_OK) return st;
    memcpy(s->data + (uint64_t)s->worker * s->segment_nbytes, data, nbytes);
    return finish(s, deadline);
}

SHMHUB_API shmhub_status shmhub_synched_global(const shmhub_synched *s, const void **data) {
    if (data) *data = NULL;
    if (!s || !data) return shmhub__fail(SHMHUB_E_INVALID, "synched global: NULL argument");
    *data = s->data;
    return SHMHUB_OK;
}

SHMHUB_API shmhub_status shmhub_synched_finalize(shmhub_synched *s) {
    if (!s) return shmhub__fail(SHMHUB_E_INVALID, "synched finalize: NULL handle");
    if (s->seg->read_only)
        return shmhub__fail(SHMHUB_E_READ_ONLY, "synched '%s': the handle is read-only", sname(s));
    break_run(s, BROKEN_FINISHED, s->worker < 0 ? 0 : (uint32_t)s->worker);
    return SHMHUB_OK;
}

SHMHUB_API shmhub_status shmhub_synched_profile(const shmhub_synched *s, uint32_t worker,
                                                int64_t *out, size_t max_rounds, size_t *rounds) {
    if (rounds) *rounds = 0;
    if (!s || !rounds || (!out && max_rounds))
        return shmhub__fail(SHMHUB_E_INVALID, "synched profile: NULL argument");
    if (!s->profile)
        return shmhub__fail(SHMHUB_E_INVALID,
                            "synched '%s': profiling is off (create with SHMHUB_SYNCHED_PROFILE)",
                            sname(s));
    if (worker >= s->workers)
        return shmhub__fail(SHMHUB_E_RANGE, "synched '%s': worker %u out of range (%u workers)",
                            sname(s), worker, s->workers);
    uint64_t r = atomic_load_explicit(&s->slot[worker].rounds, memory_order_acquire);
    if (r > s->profile_rounds) r = s->profile_rounds; /* also bounds an absurd value */
    *rounds = (size_t)r;
    size_t n = max_rounds < r ? max_rounds : (size_t)r;
    const _Atomic int64_t *row = s->profile + (uint64_t)worker * s->profile_rounds * 3;
    for (size_t i = 0; i < 3 * n; i++) out[i] = atomic_load_explicit(&row[i], memory_order_relaxed);
    return SHMHUB_OK;
}

SHMHUB_API uint32_t shmhub_synched_workers(const shmhub_synched *s) { return s ? s->workers : 0; }
SHMHUB_API uint64_t shmhub_synched_segment_len(const shmhub_synched *s) {
    return s ? s->segment_len : 0;
}
SHMHUB_API shmhub_dtype shmhub_synched_dtype(const shmhub_synched *s) {
    return s ? s->dtype : SHMHUB_DTYPE_INVALID;
}
SHMHUB_API int32_t shmhub_synched_worker(const shmhub_synched *s) { return s ? s->worker : -1; }
SHMHUB_API uint64_t shmhub_synched_round(const shmhub_synched *s) {
    return s && s->worker >= 0 ? s->round : 0;
}
SHMHUB_API const shmhub_segment *shmhub_synched_segment(const shmhub_synched *s) {
    return s ? s->seg : NULL;
}
