/* Streams: a ring of frames with per-slot sequence locks, futex wake-ups and zero-copy loans.
 * Layout (ext descriptor, control area, ring) in docs/layout.md; guarantees in docs/streams.md.
 *
 * Memory model. Slot s holds frame n (n >= 1) when its lock word is 2n; 2n+1 while frame n is being
 * written; 0 when empty or abandoned. The writer stores 2n+1 (relaxed), a release fence, the
 * payload, then 2n (release), then the head (seq_cst). A reader loads the lock (acquire), copies,
 * issues an acquire fence and reloads the lock (relaxed); equal values mean the copy is whole
 * (Boehm, "Can seqlocks get along with programming language memory models?", MSPC 2012). The
 * payload copies (copy.c, shared with the dictionary) are either atomic word accesses or, for
 * frames of 64 bytes and more on x86-64, opaque asm blocks (`rep movsb` or an AVX2 loop); neither
 * is a C-level data race. */
#include "internal.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* The shared structures (ext descriptor, control block, slot headers) are in internal.h. */

#define MAX_SLOTS 65536u
#define MAX_LAPS 1000
#define LIVENESS_SLICE_NS 50000000
#define READ_ONLY_SLICE_NS 1000000  /* unregistered sleepers (read-only, or no free slot) */
/* Registered sleepers re-check head at least this often: a writer killed between its head store
 * and its wake-up leaves a committed frame whose sleepers nobody wakes (found by the spin model,
 * tests/model, DIE_IN_WAKE_WINDOW); they see it within this slice. */
#define SLEEP_SLICE_NS 200000000
#define LOCK_SLICE_NS 10000000
#define HEAL_INTERVAL_NS 100000000  /* at most one waiter-slot audit per writer handle per 100 ms */
#define CLAIM_TRIES 1000
/* Sequence numbers above 2^62 cannot happen (at 10^9 frames/s it takes 146 years), so a head
 * beyond it is corrupt; below it, 2 * seq + 1 and the slot arithmetic cannot wrap. */
#define MAX_SEQ (UINT64_C(1) << 62)

struct shmhub_stream {
    shmhub_segment *seg;
    shmhub__stream_ctl *ctl;
    shmhub__slot *slot;
    unsigned char *ring;
    uint64_t stride, frame_nbytes;
    uint32_t slots, writer_mode, wait_mode, flags;
    uint64_t slot_mask;      /* slots - 1 when slots is a power of two (no division), else 0 */
    int64_t spin_ns, lock_timeout_ns;
    shmhub_dtype dtype;
    uint32_t ndim;
    uint64_t shape[SHMHUB_MAX_NDIM];
    _Atomic uint64_t cursor; /* relaxed: per handle, atomic only so concurrent reads are race-free */
    /* Identity (owner tokens, shmhub__proc_self()): a handle inherited across fork belongs to the
     * process that made the claim or loan; another process closing it only unmaps it. */
    uint64_t claim_token;    /* single-writer claim held through this handle: the claimer, or 0 */
    uint64_t loan_token;     /* the process that opened the loan */
    int loan_open;
    uint64_t loan_seq;
    int64_t next_heal_ns;    /* writer side: earliest next waiter-slot audit (CLOCK_MONOTONIC) */
    _Atomic int busy;        /* a write or loan is in progress on this handle */
};

/* Ring slot of frame seq (seq >= 1): a mask for power-of-two rings, which saves a 64-bit
 * division on every read and write (measurable at 64-byte frames). */
static inline uint64_t slot_index(const struct shmhub_stream *s, uint64_t seq) {
    return s->slot_mask ? (seq - 1) & s->slot_mask : (seq - 1) % s->slots;
}

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __asm__ volatile("pause" ::: "memory");
#else
    __asm__ volatile("" ::: "memory");
#endif
}

/* ---- options ------------------------------------------------------------------------------------ */

#define HAS(o, f) ((o)->size >= offsetof(shmhub_stream_opts, f) + sizeof((o)->f))

SHMHUB_API shmhub_status shmhub_stream_opts_init(shmhub_stream_opts *opts, size_t size) {
    const shmhub_stream_opts d = SHMHUB_STREAM_OPTS_INIT;
    return shmhub__opts_init(opts, size, &d, sizeof d, "stream");
}

/* The ring depth when the options leave slots at 0: DEFAULT_SLOTS frames, fewer for large frames
 * so that the ring stays within RING_BUDGET bytes (never fewer than 2). A ring much larger than
 * the caches makes every write and read walk cache-cold slots: a 4 MB round trip with 4 slots
 * (16 MB) ran at about half the speed of one hot buffer on AMD EPYC; see docs/streams.md,
 * "Default ring depth". An explicit slots value is always obeyed. */
#define DEFAULT_SLOTS 8u
#define RING_BUDGET (8u << 20)
static uint32_t default_slots(uint64_t stride) {
    uint64_t n = RING_BUDGET / stride;
    return n >= DEFAULT_SLOTS ? DEFAULT_SLOTS : n < 2 ? 2u : (uint32_t)n;
}

static shmhub_status read_stream_opts(const shmhub_stream_opts *in, shmhub_stream_opts *o,
                                      const char *name) {
    shmhub_stream_opts d = SHMHUB_STREAM_OPTS_INIT;
    *o = d;
    if (!in) return SHMHUB_OK;
    shmhub_status size_st = shmhub__opts_size(in->size, "stream", name);
    if (size_st != SHMHUB_OK) return size_st;
    if (HAS(in, slots)) o->slots = in->slots;
    if (HAS(in, writer_mode)) o->writer_mode = in->writer_mode;
    if (HAS(in, wait_mode)) o->wait_mode = in->wait_mode;
    if (HAS(in, spin_ns)) o->spin_ns = in->spin_ns;
    if (HAS(in, flags)) o->flags = in->flags;
    if (HAS(in, lock_timeout_ns)) o->lock_timeout_ns = in->lock_timeout_ns;
    if (HAS(in, segment)) o->segment = in->segment;
    if (HAS(in, reserved) && in->reserved != 0)
        return shmhub__fail(SHMHUB_E_INVALID, "stream '%s': options field 'reserved' must be 0",
                            name);
    if (o->slots != 0 && (o->slots < 2 || o->slots > MAX_SLOTS))
        return shmhub__fail(SHMHUB_E_INVALID, "stream '%s': slots %u outside [2, %u] (or 0: chosen "
                            "from the frame size)", name, o->slots, MAX_SLOTS);
    if (o->writer_mode > SHMHUB_WRITER_MULTI)
        return shmhub__fail(SHMHUB_E_INVALID, "stream '%s': unknown writer mode %u", name,
                            o->writer_mode);
    if (o->wait_mode > SHMHUB_WAIT_SPIN)
        return shmhub__fail(SHMHUB_E_INVALID, "stream '%s': unknown wait mode %u", name,
                            o->wait_mode);
    if (o->flags & ~SHMHUB_STREAM_LIVENESS)
        return shmhub__fail(SHMHUB_E_INVALID, "stream '%s': unknown flags 0x%x", name, o->flags);
    if (o->spin_ns < 0) o->spin_ns = 0;
    return SHMHUB_OK;
}

/* ---- create / open / close --------------------------------------------------------------------- */

#ifdef SHMHUB_TEST_HOOKS
static _Atomic int test_fail_alloc;
SHMHUB__HIDDEN void shmhub__test_fail_stream_alloc(int n) { atomic_store(&test_fail_alloc, n); }
static void *handle_alloc(void) {
    if (atomic_load(&test_fail_alloc) > 0 && atomic_fetch_sub(&test_fail_alloc, 1) > 0) return NULL;
    return calloc(1, sizeof(struct shmhub_stream));
}
#else
static void *handle_alloc(void) { return calloc(1, sizeof(struct shmhub_stream)); }
#endif

/* Builds the handle from an opened or created segment, validating the stream descriptor. */
static shmhub_status attach(shmhub_segment *seg, const shmhub_stream_opts *o, shmhub_stream **out) {
    const char *name = seg->name;
    if (seg->ext_size != sizeof(shmhub__stream_desc) || !seg->ext)
        return shmhub__fail(SHMHUB_E_CORRUPT, "stream '%s': descriptor of %llu bytes, expected %zu",
                            name, (unsigned long long)seg->ext_size, sizeof(shmhub__stream_desc));
    shmhub__stream_desc d;
    /* The open's private snapshot (checksummed), never the shared mapping: nothing another process
     * writes between the checks below and their use can change what was checked. */
    memcpy(&d, seg->ext, sizeof d);
    uint64_t nbytes, count;
    if (shmhub__nbytes((shmhub_dtype)d.dtype, d.ndim, d.shape, &nbytes, &count) != SHMHUB_OK ||
        nbytes != d.frame_nbytes || nbytes == 0 ||
        d.slot_stride != shmhub__align_up(nbytes, SHMHUB_ALIGNMENT) || d.slots < 2 ||
        d.slots > MAX_SLOTS || d.writer_mode > SHMHUB_WRITER_MULTI)
        return shmhub__fail(SHMHUB_E_CORRUPT, "stream '%s': invalid frame descriptor", name);
    const shmhub_array *ring = seg->narrays == 1 ? &seg->arrays[0] : NULL;
    if (!ring || strcmp(ring->name, "ring") != 0 || ring->dtype != SHMHUB_DTYPE_UINT8 ||
        d.slot_stride > UINT64_MAX / d.slots || ring->nbytes != d.slot_stride * d.slots ||
        seg->control_size != sizeof(shmhub__stream_ctl) + (uint64_t)d.slots * sizeof(shmhub__slot))
        return shmhub__fail(SHMHUB_E_CORRUPT, "stream '%s': ring or control area has the wrong size",
                            name);
    shmhub_stream *s = handle_alloc();
    if (!s) return shmhub__fail(SHMHUB_E_NO_MEMORY, "stream '%s': out of memory", name);
    s->seg = seg;
    s->ctl = (shmhub__stream_ctl *)(seg->base + seg->control_offset);
    s->slot = (shmhub__slot *)(seg->base + seg->control_offset + sizeof(shmhub__stream_ctl));
    s->ring = ring->data;
    s->stride = d.slot_stride;
    s->frame_nbytes = d.frame_nbytes;
    s->slots = d.slots;
    s->slot_mask = (d.slots & (d.slots - 1)) == 0 ? d.slots - 1 : 0;
    s->writer_mode = d.writer_mode;
    s->wait_mode = o->wait_mode;
    s->flags = o->flags;
    s->spin_ns = o->spin_ns;
    s->lock_timeout_ns = o->lock_timeout_ns;
    s->dtype = (shmhub_dtype)d.dtype;
    s->ndim = d.ndim;
    memcpy(s->shape, d.shape, sizeof s->shape);
    atomic_init(&s->cursor, atomic_load_explicit(&s->ctl->head, memory_order_acquire));
    *out = s;
    return SHMHUB_OK;
}

/* What create and open check first: the name, the out-pointer (cleared), the options. */
static shmhub_status begin_handle_call(const char *name, const shmhub_stream_opts *opts,
                                       shmhub_stream **out, shmhub_stream_opts *o) {
    if (out) *out = NULL;
    shmhub_status st = shmhub__check_name(name, "stream", SHMHUB_MAX_NAME);
    if (st != SHMHUB_OK) return st;
    if (!out) return shmhub__fail(SHMHUB_E_INVALID, "stream '%s': NULL out-pointer", name);
    return read_stream_opts(opts, o, name);
}

SHMHUB_API shmhub_status shmhub_stream_create(const char *name, shmhub_dtype dtype, uint32_t ndim,
                                              const uint64_t *shape, const shmhub_stream_opts *opts,
                                              shmhub_stream **out) {
    shmhub_stream_opts o;
    shmhub_status st = begin_handle_call(name, opts, out, &o);
    if (st != SHMHUB_OK) return st;
    shmhub__stream_desc d;
    memset(&d, 0, sizeof d);
    uint64_t count;
    switch (shmhub__nbytes(dtype, ndim, shape, &d.frame_nbytes, &count)) {
    case SHMHUB_OK: break;
    case SHMHUB_E_RANGE:
        return shmhub__fail(SHMHUB_E_INVALID, "stream '%s': frame shape too large", name);
    default:
        return shmhub__fail(SHMHUB_E_INVALID, "stream '%s': invalid dtype %d or ndim %u", name,
                            (int)dtype, ndim);
    }
    if (d.frame_nbytes == 0)
        return shmhub__fail(SHMHUB_E_INVALID, "stream '%s': a frame must hold at least one byte",
                            name);
    d.dtype = (uint32_t)dtype;
    d.ndim = ndim;
    for (uint32_t i = 0; i < ndim; i++) d.shape[i] = shape[i];
    d.slot_stride = shmhub__align_up(d.frame_nbytes, SHMHUB_ALIGNMENT);
    d.slots = o.slots ? o.slots : default_slots(d.slot_stride);
    d.writer_mode = o.writer_mode;
    if (d.slot_stride > ((UINT64_C(1) << 56) - 1) / d.slots) /* the ring stays below 2^56 bytes */
        return shmhub__fail(SHMHUB_E_INVALID, "stream '%s': ring of %u frames is too large", name,
                            d.slots);
    shmhub_layout layout = {0, 0, NULL};
    uint64_t ring_bytes = d.slot_stride * d.slots;
    if ((st = shmhub_layout_add(&layout, "ring", SHMHUB_DTYPE_UINT8, 1, &ring_bytes)) != SHMHUB_OK)
        return st;
    shmhub__create_req req = {SHMHUB_KIND_STREAM, &layout, &d, sizeof d,
                              sizeof(shmhub__stream_ctl) + (uint64_t)d.slots * sizeof(shmhub__slot)};
    shmhub_segment *seg;
    st = shmhub__segment_create(name, &req, o.segment, &seg);
    free(layout.specs);
    if (st != SHMHUB_OK) return st;
    /* discard unlinks (only the file this handle created) and then frees seg: nothing of seg is
     * read after it (the earlier close-then-unlink read seg->dir after the free). */
    if ((st = attach(seg, &o, out)) != SHMHUB_OK) shmhub__segment_discard(seg);
    return st;
}

SHMHUB_API shmhub_status shmhub_stream_open(const char *name, const shmhub_stream_opts *opts,
                                            shmhub_stream **out) {
    shmhub_stream_opts o;
    shmhub_status st = begin_handle_call(name, opts, out, &o);
    if (st != SHMHUB_OK) return st;
    shmhub_segment *seg;
    if ((st = shmhub__segment_open(name, SHMHUB_KIND_STREAM, o.segment, &seg)) != SHMHUB_OK)
        return st;
    if ((st = attach(seg, &o, out)) != SHMHUB_OK) shmhub_segment_close(seg);
    return st;
}

/* ---- waiter registration (docs/streams.md, "Sleeping and waking") ------------------------------ */

#ifdef SHMHUB_TEST_HOOKS
_Atomic uint64_t shmhub__test_waiter_registrations;
#endif

static inline _Atomic uint64_t *waiter_slot(shmhub__stream_ctl *c, unsigned i) {
    return i < SHMHUB__WAITER_SLOTS_A ? &c->waiter_a[i] : &c->waiter_b[i - SHMHUB__WAITER_SLOTS_A];
}

/* Registers the caller as a sleeper on *word (waiters or lock_waiters): takes a free slot (CAS of
 * its owner token from 0), then sets the slot's bit (seq_cst: the caller's next load of head or
 * lock is ordered after it, the Dekker pair of the waker's fence). Returns the slot, or -1 when
 * all slots are taken: the caller then sleeps unregistered, in short slices. */
static int register_waiter(shmhub__stream_ctl *c, _Atomic uint32_t *word) {
    uint64_t me = shmhub__proc_self();
    for (unsigned i = 0; i < SHMHUB__WAITER_SLOTS; i++) {
        _Atomic uint64_t *slot = waiter_slot(c, i);
        uint64_t free_slot = 0;
        if (atomic_load_explicit(slot, memory_order_relaxed) != 0 ||
            !atomic_compare_exchange_strong(slot, &free_slot, me))
            continue;
        atomic_fetch_or(word, UINT32_C(1) << (SHMHUB__WAITER_BIT0 + i));
#ifdef SHMHUB_TEST_HOOKS
        atomic_fetch_add_explicit(&shmhub__test_waiter_registrations, 1, memory_order_relaxed);
#endif
        return (int)i;
    }
    return -1;
}

static void unregister_waiter(shmhub__stream_ctl *c, _Atomic uint32_t *word, int i) {
    if (i < 0) return;
    atomic_fetch_and(word, ~(UINT32_C(1) << (SHMHUB__WAITER_BIT0 + (unsigned)i)));
    atomic_store_explicit(waiter_slot(c, (unsigned)i), 0, memory_order_release);
}

/* Called by a writer whose FUTEX_WAKE found nobody asleep although a waiter bit was set: the
 * registrations of processes that died (killed asleep) are cleared, so they cost one wake-up,
 * not one per publish forever. A live registered sleeper that is just about to sleep, or just
 * woke, is left alone. At most once per HEAL_INTERVAL_NS per handle (each check reads /proc). */
static void heal_waiters(shmhub_stream *s) {
    int64_t now = shmhub__now_ns(CLOCK_MONOTONIC);
    if (now < s->next_heal_ns) return;
    s->next_heal_ns = now + HEAL_INTERVAL_NS;
    shmhub__stream_ctl *c = s->ctl;
    for (unsigned i = 0; i < SHMHUB__WAITER_SLOTS; i++) {
        _Atomic uint64_t *slot = waiter_slot(c, i);
        uint64_t t = atomic_load(slot);
        if (!t || shmhub__token_alive(t)) continue;
        /* The dead owner cannot touch the slot again and nobody else can take it while it holds
         * t: clear its bit in both words first, then free the slot. */
        uint32_t bit = UINT32_C(1) << (SHMHUB__WAITER_BIT0 + i);
        atomic_fetch_and(&c->waiters, ~bit);
        atomic_fetch_and(&c->lock_waiters, ~bit);
        atomic_compare_exchange_strong(slot, &t, 0);
    }
}

/* ---- close ----------------------------------------------------------------------------------------- */

/* Gives up this process's single-writer claim: the pid mirror first, then the token (so a
 * layout-1.0 library never sees a pid without a token from us). */
static void release_claim(shmhub_stream *s, uint64_t me) {
    shmhub__stream_ctl *c = s->ctl;
    s->claim_token = 0;
    if (atomic_load(&c->writer_token) != me) return; /* taken over meanwhile: not ours */
    uint32_t pid = shmhub__token_pid(me);
    atomic_compare_exchange_strong(&c->writer_pid, &pid, 0);
    atomic_compare_exchange_strong(&c->writer_token, &me, 0);
}

SHMHUB_API void shmhub_stream_close(shmhub_stream *s) {
    if (!s) return;
    /* Only what this process owns is given back: in a forked child, an inherited handle's claim,
     * loan and writer lock are the parent's, and closing only unmaps. */
    uint64_t me = shmhub__proc_self();
    if (s->loan_open && s->loan_token == me) shmhub_stream_abandon(s);
    if (s->claim_token && s->claim_token == me) release_claim(s, me);
    shmhub_segment_close(s->seg);
    free(s);
}

/* ---- writer side -------------------------------------------------------------------------------- */


/* A writer that took over a dead writer's claim or lock: the dead one may have committed a frame
 * (stored head) and died before storing notify and waking the sleepers. Publish head to the futex
 * word and wake them, so nobody sleeps past a committed frame. */
static void wake_after_takeover(shmhub__stream_ctl *c) {
    atomic_store(&c->notify, (uint32_t)atomic_load(&c->head));
    shmhub__futex_wake_all(&c->notify);
}
/* Single-writer mode: claim the writer role once per handle; a dead holder's claim (by owner
 * token: a restarted process with the dead one's pid is not the dead one) is taken over. Once
 * claimed, each write re-checks the claim with one relaxed load of a line the writer owns. */
static shmhub_status claim_writer(shmhub_stream *s) {
    shmhub__stream_ctl *c = s->ctl;
    uint64_t me = shmhub__proc_self();
    if (s->claim_token == me) {
        uint64_t holder = atomic_load_explicit(&c->writer_token, memory_order_relaxed);
        if (holder == me) return SHMHUB_OK;
        s->claim_token = 0;
        return shmhub__fail(SHMHUB_E_BUSY,
                            "stream '%s': this handle's single-writer claim was taken over (now "
                            "held by pid %u); not writing alongside another writer",
                            s->seg->name, shmhub__token_pid(holder));
    }
    s->claim_token = 0; /* a claim inherited across fork is the parent's */
    uint32_t my_pid = shmhub__token_pid(me);
    for (int tries = 0; tries < CLAIM_TRIES; tries++) {
        uint64_t cur = atomic_load(&c->writer_token);
        if (cur == me)
            return shmhub__fail(SHMHUB_E_BUSY,
                                "stream '%s': another handle in this process is its single writer",
                                s->seg->name);
        if (cur && shmhub__token_alive(cur))
            return shmhub__fail(SHMHUB_E_BUSY,
                                "stream '%s': process %u is its single writer; create the stream "
                                "with SHMHUB_WRITER_MULTI for several writers",
                                s->seg->name, shmhub__token_pid(cur));
        /* No token but a pid: a writer using a layout-1.0 library claimed it by pid alone. */
        uint32_t legacy = cur ? 0 : atomic_load(&c->writer_pid);
        if (legacy && legacy != my_pid && shmhub__pid_alive(legacy))
            return shmhub__fail(SHMHUB_E_BUSY,
                                "stream '%s': process %u (an older shmhub library) is its single "
                                "writer",
                                s->seg->name, legacy);
        if (atomic_compare_exchange_strong(&c->writer_token, &cur, me)) {
            atomic_store(&c->writer_pid, my_pid);
            if (cur || legacy) { /* took over a dead writer's claim */
                atomic_fetch_add(&c->recoveries, 1);
                wake_after_takeover(c);
            }
            s->claim_token = me;
            return SHMHUB_OK;
        }
    }
    return shmhub__fail(SHMHUB_E_BUSY, "stream '%s': the writer claim changed %d times in a row",
                        s->seg->name, CLAIM_TRIES);
}

/* Multi-writer mode: a robust lock. The futex word `lock` holds the holder's thread id (so it
 * excludes writers of layout-1.0 libraries too); `lock_owner` holds the holder's owner token,
 * stored right after the CAS and cleared right before the release. A holder is judged by its
 * token, so a dead holder's reused pid or tid (pid 1 after every container restart) never looks
 * alive; only in the instant between CAS and token store (or for a 1.0 writer) is the thread
 * id all there is to judge by. */
static shmhub_status lock_writer(shmhub_stream *s) {
    shmhub__stream_ctl *c = s->ctl;
    uint32_t tid = shmhub__thread_id(); /* cached: no system call per write */
    uint64_t me = shmhub__proc_self();
    int64_t deadline = 0; /* computed at the first contention: no clock read when uncontended */
    int takeover = 0;
    for (;;) {
        uint32_t cur = 0;
        if (atomic_compare_exchange_strong(&c->lock, &cur, tid)) break;
        uint64_t owner = atomic_load(&c->lock_owner);
        if (cur == tid && owner == me) /* e.g. a loan open on another handle of this thread */
            return shmhub__fail(SHMHUB_E_BUSY,
                                "stream '%s': this thread already holds the writer lock (an open "
                                "loan on another handle?)",
                                s->seg->name);
        int dead;
        if (owner == me) dead = 0;                  /* another thread of this process */
        else if (owner) dead = !shmhub__token_alive(owner);
        else if (cur == tid) dead = 1;              /* our tid, not us: a dead predecessor */
        else dead = !shmhub__pid_alive(cur);        /* mid-acquire, or a layout-1.0 writer */
        /* Taking over: first clear the dead holder's token (CAS, so only while it is still
         * there), then take the lock word. Without the clear, a third writer that read our tid
         * from the lock word and the dead token (not yet replaced by ours) from lock_owner took
         * the lock from us, alive: two writers, torn frames (the multi-writer crash campaign). */
        uint64_t seen = owner;
        if (dead && owner && !atomic_compare_exchange_strong(&c->lock_owner, &seen, 0))
            continue; /* the owner word changed: look again */
        if (dead && atomic_compare_exchange_strong(&c->lock, &cur, tid)) {
            atomic_fetch_add(&c->recoveries, 1); /* the holder died: the lock is taken over */
            takeover = 1;
            break;
        }
        int64_t now = shmhub__now_ns(CLOCK_MONOTONIC);
        if (!deadline) deadline = shmhub__deadline(s->lock_timeout_ns);
        int64_t remaining = deadline - now;
        if (remaining <= 0)
            return shmhub__fail(SHMHUB_E_TIMEOUT,
                                "stream '%s': writer lock held by pid %u (thread %u) past the lock "
                                "timeout of %lld ns",
                                s->seg->name, owner ? shmhub__token_pid(owner) : 0, cur,
                                (long long)s->lock_timeout_ns);
        if (dead) continue; /* lost the takeover race: look again */
        int slot = register_waiter(c, &c->lock_waiters);
        int64_t slice = slot >= 0 ? LOCK_SLICE_NS : READ_ONLY_SLICE_NS;
        if (atomic_load(&c->lock) == cur) shmhub__futex_wait(&c->lock, cur, remaining < slice ? remaining : slice);
        unregister_waiter(c, &c->lock_waiters, slot);
    }
    atomic_store_explicit(&c->lock_owner, me, memory_order_relaxed);
    if (takeover) wake_after_takeover(c); /* after our token is in place: see above */
    if (atomic_load_explicit(&c->writer_token, memory_order_relaxed) != me) { /* last writer */
        atomic_store_explicit(&c->writer_token, me, memory_order_relaxed);
        atomic_store_explicit(&c->writer_pid, shmhub__token_pid(me), memory_order_relaxed);
    }
    return SHMHUB_OK;
}

/* Releases the lock; returns 1 when a FUTEX_WAKE found nobody (the caller heals the slots). */
static int unlock_writer(shmhub_stream *s) {
    shmhub__stream_ctl *c = s->ctl;
    atomic_store_explicit(&c->lock_owner, 0, memory_order_relaxed);
    atomic_store_explicit(&c->lock, 0, memory_order_release);
    /* Store-load order: without a full fence the load of lock_waiters may pass the store of lock
     * (x86 store buffer), and a writer that registered and saw the lock still held would sleep
     * out its slice (a lost wake-up). Pairs with the seq_cst register + load in lock_writer. */
    atomic_thread_fence(memory_order_seq_cst);
    if (!atomic_load_explicit(&c->lock_waiters, memory_order_relaxed)) return 0;
    return shmhub__futex_wake_all(&c->lock) == 0;
}

/* Takes the writer role (and lock) and marks the next slot as being written. */
static shmhub_status begin_write(shmhub_stream *s, uint64_t *seq_out) {
    if (s->seg->read_only)
        return shmhub__fail(SHMHUB_E_READ_ONLY, "stream '%s': the handle is read-only",
                            s->seg->name);
    /* Threads sharing the handle take turns; an open loan makes the handle busy until it ends. */
    for (int expected = 0; !atomic_compare_exchange_weak(&s->busy, &expected, 1); expected = 0) {
        if (s->loan_open)
            return shmhub__fail(SHMHUB_E_BUSY, "stream '%s': a loan is open on this handle",
                                s->seg->name);
        sched_yield();
    }
    int multi = s->writer_mode == SHMHUB_WRITER_MULTI;
    shmhub_status st = multi ? lock_writer(s) : claim_writer(s);
    if (st != SHMHUB_OK) {
        atomic_store(&s->busy, 0);
        return st;
    }
    uint64_t head = atomic_load_explicit(&s->ctl->head, memory_order_relaxed);
    if (head >= MAX_SEQ) {
        if (multi && unlock_writer(s)) heal_waiters(s);
        atomic_store(&s->busy, 0);
        return shmhub__fail(SHMHUB_E_CORRUPT,
                            "stream '%s': head %llu is impossible (corrupt control block)",
                            s->seg->name, (unsigned long long)head);
    }
    uint64_t seq = head + 1;
    shmhub__slot *sl = &s->slot[slot_index(s, seq)];
    atomic_store_explicit(&sl->lock, 2 * seq + 1, memory_order_relaxed);
    atomic_thread_fence(memory_order_release);
    *seq_out = seq;
    return SHMHUB_OK;
}

/* Publishes frame seq (its payload is in place), wakes sleepers, releases lock and mutex. */
#ifdef SHMHUB_TEST_HOOKS
/* Test-only crash point: once armed, the next publish in this process stores head and then dies
 * by SIGKILL before it stores notify and wakes the sleepers (the "wake window"). */
#include <signal.h>
static _Atomic int test_crash_in_wake_window;
SHMHUB__HIDDEN void shmhub__test_crash_in_wake_window(int on) {
    atomic_store(&test_crash_in_wake_window, on);
}
#endif

static void end_write(shmhub_stream *s, uint64_t seq) {
    shmhub__slot *sl = &s->slot[slot_index(s, seq)];
    int64_t ts = shmhub__now_ns(CLOCK_REALTIME);
    atomic_store_explicit(&sl->ts_ns, ts, memory_order_relaxed);
    atomic_store_explicit(&sl->lock, 2 * seq, memory_order_release);
    shmhub__stream_ctl *c = s->ctl;
    atomic_store_explicit(&c->last_write_ns, ts, memory_order_relaxed);
    atomic_store_explicit(&c->head, seq, memory_order_release);
#ifdef SHMHUB_TEST_HOOKS
    if (atomic_load(&test_crash_in_wake_window)) raise(SIGKILL);
#endif
    atomic_store_explicit(&c->notify, (uint32_t)seq, memory_order_release);
    /* Store-load order (the Dekker pair of a reader's seq_cst register + load of head): either
     * the waiters load below sees the reader's bit, or the reader sees the new head. */
    atomic_thread_fence(memory_order_seq_cst);
    int heal = 0;
    if (atomic_load_explicit(&c->waiters, memory_order_relaxed))
        heal = shmhub__futex_wake_all(&c->notify) == 0;
    if (s->writer_mode == SHMHUB_WRITER_MULTI) heal |= unlock_writer(s);
    if (heal) heal_waiters(s);
    atomic_store(&s->busy, 0);
}

static shmhub_status check_size(const shmhub_stream *s, size_t nbytes, const char *what) {
    if (nbytes == s->frame_nbytes) return SHMHUB_OK;
    return shmhub__fail(SHMHUB_E_SIZE, "stream '%s': %s of %zu bytes, but a frame is %llu bytes",
                        s->seg->name, what, nbytes, (unsigned long long)s->frame_nbytes);
}

#ifdef SHMHUB_TEST_HOOKS
/* Test-only crash point (builds with SHMHUB_TEST_HOOKS, i.e. the unit tests' private library):
 * once armed, the next shmhub_stream_write in this process copies only the first `bytes` bytes
 * of its frame and then dies by SIGKILL, leaving the slot marked "being written". */
#include <signal.h>
static int64_t test_crash_after = -1;
SHMHUB__HIDDEN void shmhub__test_crash_after(int64_t bytes) { test_crash_after = bytes; }
#endif

SHMHUB_API shmhub_status shmhub_stream_write(shmhub_stream *s, const void *src, size_t nbytes) {
    if (!s || !src) return shmhub__fail(SHMHUB_E_INVALID, "stream write: NULL argument");
    shmhub_status st = check_size(s, nbytes, "write");
    uint64_t seq = 0;
    if (st != SHMHUB_OK || (st = begin_write(s, &seq)) != SHMHUB_OK) return st;
#ifdef SHMHUB_TEST_HOOKS
    if (test_crash_after >= 0) {
        shmhub__copy_to_shared(s->ring + slot_index(s, seq) * s->stride, src,
                (uint64_t)test_crash_after < nbytes ? (size_t)test_crash_after : nbytes);
        raise(SIGKILL);
    }
#endif
    shmhub__copy_to_shared(s->ring + slot_index(s, seq) * s->stride, src, nbytes);
    end_write(s, seq);
    return SHMHUB_OK;
}

SHMHUB_API shmhub_status shmhub_stream_loan(shmhub_stream *s, void **frame) {
    if (frame) *frame = NULL;
    if (!s || !frame) return shmhub__fail(SHMHUB_E_INVALID, "stream loan: NULL argument");
    uint64_t seq = 0;
    shmhub_status st = begin_write(s, &seq);
    if (st != SHMHUB_OK) return st;
    /* The handle stays busy until commit/abandon: the loan is this handle's single write. */
    s->loan_token = shmhub__proc_self();
    s->loan_open = 1;
    s->loan_seq = seq;
    *frame = s->ring + slot_index(s, seq) * s->stride;
    return SHMHUB_OK;
}

/* Ends the handle's open loan (commit or abandon), or fails when there is none. */
static shmhub_status close_loan(shmhub_stream *s, const char *what) {
    if (!s || !s->loan_open)
        return shmhub__fail(SHMHUB_E_INVALID, "stream '%s': %s without an open loan",
                            s ? s->seg->name : "?", what);
    if (s->loan_token != shmhub__proc_self())
        return shmhub__fail(SHMHUB_E_INVALID,
                            "stream '%s': %s of a loan opened by process %u (a handle inherited "
                            "across fork can only be closed)",
                            s->seg->name, what, shmhub__token_pid(s->loan_token));
    s->loan_open = 0;
    return SHMHUB_OK;
}

SHMHUB_API shmhub_status shmhub_stream_commit(shmhub_stream *s) {
    shmhub_status st = close_loan(s, "commit");
    if (st == SHMHUB_OK) end_write(s, s->loan_seq);
    return st;
}

SHMHUB_API shmhub_status shmhub_stream_abandon(shmhub_stream *s) {
    shmhub_status st = close_loan(s, "abandon");
    if (st != SHMHUB_OK) return st;
    /* The slot's previous frame is partly overwritten: mark it empty. The sequence number is not
     * consumed; the next write reuses it. */
    atomic_store_explicit(&s->slot[slot_index(s, s->loan_seq)].lock, 0, memory_order_release);
    if (s->writer_mode == SHMHUB_WRITER_MULTI && unlock_writer(s)) heal_waiters(s);
    atomic_store(&s->busy, 0);
    return SHMHUB_OK;
}

/* ---- reader side -------------------------------------------------------------------------------- */

static inline uint64_t load_cursor(const shmhub_stream *s) {
    return atomic_load_explicit(&((shmhub_stream *)s)->cursor, memory_order_relaxed);
}
static inline void store_cursor(shmhub_stream *s, uint64_t v) {
    atomic_store_explicit(&s->cursor, v, memory_order_relaxed);
}

enum { SLOT_OK, SLOT_LAPPED, SLOT_EMPTY };

/* Copies frame seq out of its slot if the slot still holds it, whole. dst NULL: validate only. */
static int read_slot(const shmhub_stream *s, uint64_t seq, void *dst, int64_t *ts) {
    uint64_t idx = slot_index(s, seq);
    shmhub__slot *sl = &s->slot[idx];
    uint64_t l0 = atomic_load_explicit(&sl->lock, memory_order_acquire);
    if (l0 != 2 * seq) return l0 > 2 * seq ? SLOT_LAPPED : SLOT_EMPTY;
    if (dst) shmhub__copy_from_shared(dst, s->ring + idx * s->stride, s->frame_nbytes);
    *ts = atomic_load_explicit(&sl->ts_ns, memory_order_relaxed);
    atomic_thread_fence(memory_order_acquire);
    return atomic_load_explicit(&sl->lock, memory_order_relaxed) == l0 ? SLOT_OK : SLOT_LAPPED;
}

static void fill_info(shmhub_frame_info *info, uint64_t seq, int64_t ts, uint64_t missed) {
    if (!info || info->size < 8) return;
    shmhub_frame_info full = {info->size, 0, seq, ts, missed};
    size_t n = info->size < sizeof full ? info->size : sizeof full;
    memcpy(info, &full, n);
}

/* The writer is judged by its owner token (whole thread group: a writer whose main thread
 * exited while others write is alive); a pid without a token is a layout-1.0 writer. */
static shmhub_status peer_check(const shmhub_stream *s) {
    uint64_t token = atomic_load_explicit(&s->ctl->writer_token, memory_order_relaxed);
    uint32_t pid = token ? shmhub__token_pid(token)
                         : atomic_load_explicit(&s->ctl->writer_pid, memory_order_relaxed);
    if (token ? !shmhub__token_alive(token) : (pid && !shmhub__pid_alive(pid)))
        return shmhub__fail(SHMHUB_E_PEER_DEAD, "stream '%s': its writer (pid %u) has died",
                            s->seg->name, pid);
    return SHMHUB_OK;
}

static shmhub_status timeout_error(const shmhub_stream *s, uint64_t after, int64_t timeout_ns) {
    return shmhub__fail(SHMHUB_E_TIMEOUT, "stream '%s': no frame after #%llu within %lld ns",
                        s->seg->name, (unsigned long long)after, (long long)timeout_ns);
}

static shmhub_status corrupt_head(const shmhub_stream *s, uint64_t h) {
    return shmhub__fail(SHMHUB_E_CORRUPT,
                        "stream '%s': head %llu is impossible (corrupt control block)",
                        s->seg->name, (unsigned long long)h);
}

/* Waits until head > after, or the deadline (CLOCK_MONOTONIC ns). A futex wait interrupted by a
 * signal (EINTR) simply continues until the deadline. */
static shmhub_status wait_after(const shmhub_stream *s, uint64_t after, int64_t deadline,
                                int64_t timeout_ns) {
    shmhub__stream_ctl *c = s->ctl;
    int liveness = (s->flags & SHMHUB_STREAM_LIVENESS) != 0;
    if (atomic_load_explicit(&c->head, memory_order_acquire) > after) return SHMHUB_OK;
    if (liveness && peer_check(s) != SHMHUB_OK) return SHMHUB_E_PEER_DEAD;
    int64_t now = shmhub__now_ns(CLOCK_MONOTONIC);
    if (now >= deadline) return timeout_error(s, after, timeout_ns); /* 0: never registers */
    if (s->wait_mode != SHMHUB_WAIT_FUTEX) {
        int64_t spin_end = s->wait_mode == SHMHUB_WAIT_SPIN || s->spin_ns >= deadline - now
                               ? deadline
                               : now + s->spin_ns;
        int64_t next_live = now + LIVENESS_SLICE_NS;
        for (unsigned i = 1;; i++) {
            if (atomic_load_explicit(&c->head, memory_order_acquire) > after) return SHMHUB_OK;
            cpu_relax();
            if (i % 64 == 0) {
                now = shmhub__now_ns(CLOCK_MONOTONIC);
                if (now >= spin_end) break;
                if (liveness && now >= next_live) {
                    if (peer_check(s) != SHMHUB_OK) return SHMHUB_E_PEER_DEAD;
                    next_live = now + LIVENESS_SLICE_NS;
                }
            }
        }
    }
    /* Sleep on the futex word. Registering (a waiter slot + its bit in `waiters`) is what makes
     * the writer call FUTEX_WAKE; a read-only mapping cannot register, nor can a sleeper that
     * finds all slots taken: those sleep in short slices instead. */
    int slot = s->seg->read_only ? -1 : register_waiter(c, &c->waiters);
    shmhub_status st = SHMHUB_OK;
    for (;;) {
        uint32_t w = atomic_load(&c->notify);
        if (atomic_load(&c->head) > after) break;
        int64_t remaining = deadline - shmhub__now_ns(CLOCK_MONOTONIC);
        if (remaining <= 0) {
            st = timeout_error(s, after, timeout_ns);
            break;
        }
        if (liveness && (st = peer_check(s)) != SHMHUB_OK) break;
        int64_t slice = remaining;
        if (liveness && slice > LIVENESS_SLICE_NS) slice = LIVENESS_SLICE_NS;
        if (slot < 0 && slice > READ_ONLY_SLICE_NS) slice = READ_ONLY_SLICE_NS;
        if (slice > SLEEP_SLICE_NS) slice = SLEEP_SLICE_NS;
        shmhub__futex_wait(&c->notify, w, slice);
    }
    unregister_waiter(c, &c->waiters, slot);
    return st;
}

/* The newest frame: copied into dst (or, with dst NULL, only checked to be whole), moving the
 * cursor to it. Shared by read_latest and peek; *seq_out is the frame's sequence number. */
static shmhub_status latest(shmhub_stream *s, void *dst, shmhub_frame_info *info,
                            uint64_t *seq_out) {
    for (int lap = 0; lap < MAX_LAPS; lap++) {
        uint64_t h = atomic_load_explicit(&s->ctl->head, memory_order_acquire);
        if (h > MAX_SEQ) return corrupt_head(s, h);
        if (h == 0)
            return shmhub__fail(SHMHUB_E_EMPTY, "stream '%s': no frame written yet", s->seg->name);
        int64_t ts;
        if (read_slot(s, h, dst, &ts) == SLOT_OK) {
            uint64_t cur = load_cursor(s);
            store_cursor(s, h);
            fill_info(info, h, ts, h > cur + 1 ? h - cur - 1 : 0);
            *seq_out = h;
            return SHMHUB_OK;
        }
    }
    return shmhub__fail(SHMHUB_E_BUSY, "stream '%s': the writer lapped this reader %d times",
                        s->seg->name, MAX_LAPS);
}

SHMHUB_API shmhub_status shmhub_stream_read_latest(shmhub_stream *s, void *dst, size_t nbytes,
                                                   shmhub_frame_info *info) {
    if (!s || !dst) return shmhub__fail(SHMHUB_E_INVALID, "stream read_latest: NULL argument");
    shmhub_status st = check_size(s, nbytes, "read buffer");
    uint64_t seq = 0;
    return st != SHMHUB_OK ? st : latest(s, dst, info, &seq);
}

SHMHUB_API shmhub_status shmhub_stream_read_next(shmhub_stream *s, void *dst, size_t nbytes,
                                                 int64_t timeout_ns, shmhub_frame_info *info) {
    if (!s || !dst) return shmhub__fail(SHMHUB_E_INVALID, "stream read_next: NULL argument");
    shmhub_status st = check_size(s, nbytes, "read buffer");
    if (st != SHMHUB_OK) return st;
    int64_t deadline = shmhub__deadline(timeout_ns);
    uint64_t skip = 0; /* frames found abandoned or overwritten by an abandoned loan */
    /* Every value here comes from shared memory: the loop is bounded by the deadline (checked
     * every 64 rounds; a head flipped up and down by a hostile process cannot hold it), by
     * MAX_LAPS laps, and a run of empty slots ends after at most `slots` rounds. */
    for (unsigned round = 1, laps = 0;; round++) {
        if (round % 64 == 0 && shmhub__now_ns(CLOCK_MONOTONIC) >= deadline)
            return timeout_error(s, load_cursor(s) + skip, timeout_ns);
        uint64_t h = atomic_load_explicit(&s->ctl->head, memory_order_acquire);
        if (h > MAX_SEQ) return corrupt_head(s, h);
        uint64_t cur = load_cursor(s);
        if (h <= cur + skip) {
            if ((st = wait_after(s, cur + skip, deadline, timeout_ns)) != SHMHUB_OK)
                return st;
            continue;
        }
        uint64_t target = cur + 1 + skip;
        /* The writer may be rewriting slot (h % slots) right now: the oldest safe frame is
         * h - slots + 2 (computed without h + 2, which wraps for a hostile head). */
        uint64_t oldest = h >= s->slots - 1 ? h - (s->slots - 2) : 1;
        if (target < oldest) target = oldest;
        int64_t ts;
        int r = read_slot(s, target, dst, &ts);
        if (r == SLOT_OK) {
            uint64_t missed = target - cur - 1;
            store_cursor(s, target);
            fill_info(info, target, ts, missed);
            return SHMHUB_OK;
        }
        if (r == SLOT_EMPTY) skip = target - cur; /* lost: move past it */
        else if (++laps >= MAX_LAPS)
            return shmhub__fail(SHMHUB_E_BUSY,
                                "stream '%s': the writer lapped this reader %d times",
                                s->seg->name, MAX_LAPS);
    }
}

SHMHUB_API shmhub_status shmhub_stream_wait(shmhub_stream *s, int64_t timeout_ns) {
    if (!s) return shmhub__fail(SHMHUB_E_INVALID, "stream wait: NULL handle");
    return wait_after(s, load_cursor(s), shmhub__deadline(timeout_ns), timeout_ns);
}

SHMHUB_API shmhub_status shmhub_stream_peek(shmhub_stream *s, const void **frame,
                                            shmhub_frame_info *info) {
    if (frame) *frame = NULL;
    if (!s || !frame) return shmhub__fail(SHMHUB_E_INVALID, "stream peek: NULL argument");
    uint64_t seq = 0;
    shmhub_status st = latest(s, NULL, info, &seq);
    if (st == SHMHUB_OK) *frame = s->ring + slot_index(s, seq) * s->stride;
    return st;
}

SHMHUB_API shmhub_status shmhub_stream_validate(const shmhub_stream *s,
                                                const shmhub_frame_info *info) {
    if (!s || !info || info->size < offsetof(shmhub_frame_info, timestamp_ns) || !info->seq)
        return shmhub__fail(SHMHUB_E_INVALID, "stream validate: NULL or empty frame info");
    atomic_thread_fence(memory_order_acquire);
    uint64_t l = atomic_load_explicit(&s->slot[slot_index(s, info->seq)].lock,
                                      memory_order_relaxed);
    if (l != 2 * info->seq)
        return shmhub__fail(SHMHUB_E_OVERWRITTEN, "stream '%s': frame #%llu was overwritten",
                            s->seg->name, (unsigned long long)info->seq);
    return SHMHUB_OK;
}

/* ---- getters -------------------------------------------------------------------------------------- */

SHMHUB_API uint64_t shmhub_stream_count(const shmhub_stream *s) {
    return s ? atomic_load_explicit(&s->ctl->head, memory_order_acquire) : 0;
}
SHMHUB_API int64_t shmhub_stream_last_write_ns(const shmhub_stream *s) {
    return s ? atomic_load_explicit(&s->ctl->last_write_ns, memory_order_relaxed) : 0;
}
SHMHUB_API uint32_t shmhub_stream_slots(const shmhub_stream *s) { return s ? s->slots : 0; }
SHMHUB_API uint32_t shmhub_stream_writer_mode(const shmhub_stream *s) {
    return s ? s->writer_mode : 0;
}
SHMHUB_API shmhub_dtype shmhub_stream_dtype(const shmhub_stream *s) {
    return s ? s->dtype : SHMHUB_DTYPE_INVALID;
}
SHMHUB_API uint32_t shmhub_stream_ndim(const shmhub_stream *s) { return s ? s->ndim : 0; }
SHMHUB_API const uint64_t *shmhub_stream_shape(const shmhub_stream *s) {
    return s ? s->shape : NULL;
}
SHMHUB_API uint64_t shmhub_stream_frame_nbytes(const shmhub_stream *s) {
    return s ? s->frame_nbytes : 0;
}
SHMHUB_API uint64_t shmhub_stream_cursor(const shmhub_stream *s) { return s ? load_cursor(s) : 0; }
SHMHUB_API void shmhub_stream_seek(shmhub_stream *s, uint64_t seq) {
    if (s) store_cursor(s, seq);
}
SHMHUB_API int64_t shmhub_stream_writer_pid(const shmhub_stream *s) {
    if (!s) return 0;
    uint64_t token = atomic_load_explicit(&s->ctl->writer_token, memory_order_relaxed);
    return token ? shmhub__token_pid(token)
                 : atomic_load_explicit(&s->ctl->writer_pid, memory_order_relaxed);
}
SHMHUB_API uint64_t shmhub_stream_recoveries(const shmhub_stream *s) {
    return s ? atomic_load_explicit(&s->ctl->recoveries, memory_order_relaxed) : 0;
}
SHMHUB_API const shmhub_segment *shmhub_stream_segment(const shmhub_stream *s) {
    return s ? s->seg : NULL;
}
