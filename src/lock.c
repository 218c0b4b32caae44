/* The segment lock (since 1.1): a robust cross-process mutex stored in the segment header, in
 * bytes 136..151 of `reserved1` (docs/layout.md, "segment lock"), for any kind of segment.
 *
 *   136  u64  owner: 0 = free, else the holder's owner token (src/proc.c); bit 63 = CONTENDED
 *              (some locker sleeps, or is about to, on the wake word)
 *   144  u32  wake: a futex word, incremented by every unlock that found CONTENDED set
 *   148  u32  recoveries: how many times a locker took the lock over from a dead holder
 *
 * Protocol. The owner word is the lock, so taking it and recording the owner are one CAS: a holder
 * killed at any instant leaves either a free word or its own token, never an anonymous lock. A
 * waiter reads the wake word, then sets CONTENDED on the exact owner value it saw (CAS), then
 * sleeps on the wake word. An unlock exchanges the owner word for 0 and, if CONTENDED was set,
 * increments the wake word and wakes everyone. Either the unlock's exchange comes after the
 * waiter's CAS (it sees CONTENDED and changes the wake word, so the waiter's FUTEX_WAIT returns
 * at once) or before it (the CAS fails and the waiter looks again): no wake-up is lost, and no
 * waiter count exists that a killed process could leave wrong. Waiters sleep in slices of at most
 * 20 ms and check the holder's liveness between them, so a holder killed by SIGKILL is detected;
 * the waiter that takes its token over with a CAS is the one told (`*recovered = 1`), and the
 * recoveries word counts it. Signals do not end a wait: it continues until its deadline.
 *
 * Ownership is per process (the token), not per thread: another thread of the holder's process
 * waits like any other process, and may unlock. The lock is not recursive. Every field is read once
 * into a local, then used; a hostile word (a token of no live process) is simply taken over. */
#include "internal.h"

#include <errno.h>
#include <stddef.h>
#include <time.h>

#define LOCK_OWNER_OFFSET 136u
#define LOCK_WAKE_OFFSET 144u
#define LOCK_RECOVERIES_OFFSET 148u
#define LOCK_CONTENDED (UINT64_C(1) << 63)
#define LOCK_SLICE_NS 20000000 /* liveness check period while waiting */

_Static_assert(offsetof(shmhub__header, reserved1) == LOCK_OWNER_OFFSET,
               "the lock words live in reserved1");
_Static_assert(LOCK_RECOVERIES_OFFSET + 4 <= offsetof(shmhub__header, state),
               "the lock words end before the ready line");

static _Atomic uint64_t *owner_word(const shmhub_segment *seg) {
    return (_Atomic uint64_t *)(void *)(seg->base + LOCK_OWNER_OFFSET);
}
static _Atomic uint32_t *wake_word(const shmhub_segment *seg) {
    return (_Atomic uint32_t *)(void *)(seg->base + LOCK_WAKE_OFFSET);
}
static _Atomic uint32_t *recoveries_word(const shmhub_segment *seg) {
    return (_Atomic uint32_t *)(void *)(seg->base + LOCK_RECOVERIES_OFFSET);
}

static shmhub_status check_handle(const shmhub_segment *seg, const char *what) {
    if (!seg || !seg->base || seg->size < sizeof(shmhub__header))
        return shmhub__fail(SHMHUB_E_INVALID, "%s: NULL segment", what);
    if (seg->read_only)
        return shmhub__fail(SHMHUB_E_READ_ONLY,
                            "segment '%s': the handle is read-only; its lock cannot be %s",
                            seg->name, what);
    return SHMHUB_OK;
}

SHMHUB_API shmhub_status shmhub_segment_lock(shmhub_segment *seg, int64_t timeout_ns,
                                             int32_t *recovered) {
    if (recovered) *recovered = 0;
    shmhub_status st = check_handle(seg, "taken");
    if (st != SHMHUB_OK) return st;
    const uint64_t me = shmhub__proc_self() & ~LOCK_CONTENDED;
    _Atomic uint64_t *owner = owner_word(seg);
    _Atomic uint32_t *wake = wake_word(seg);
    const int64_t start = shmhub__now_ns(CLOCK_MONOTONIC);
    for (;;) {
        uint32_t seen_wake = atomic_load_explicit(wake, memory_order_acquire);
        uint64_t cur = atomic_load_explicit(owner, memory_order_acquire); /* one private copy */
        if (cur == 0) {
            if (atomic_compare_exchange_strong_explicit(owner, &cur, me, memory_order_acquire,
                                                        memory_order_relaxed))
                return SHMHUB_OK;
            continue;
        }
        uint64_t holder = cur & ~LOCK_CONTENDED;
        if (!shmhub__token_alive(holder)) {
            /* The holder died (or the word names no live process): take its token over. Keep
             * CONTENDED as it was, so sleepers are still woken by our unlock. */
            if (atomic_compare_exchange_strong_explicit(owner, &cur, me | (cur & LOCK_CONTENDED),
                                                        memory_order_acquire,
                                                        memory_order_relaxed)) {
                atomic_fetch_add_explicit(recoveries_word(seg), 1, memory_order_relaxed);
                if (recovered) *recovered = 1;
                return SHMHUB_OK;
            }
            continue;
        }
        int64_t remaining = INT64_MAX;
        if (timeout_ns >= 0) {
            remaining = timeout_ns - (shmhub__now_ns(CLOCK_MONOTONIC) - start);
            if (remaining <= 0)
                return shmhub__fail(SHMHUB_E_TIMEOUT,
                                    "segment '%s': lock held by process %u past the timeout",
                                    seg->name, shmhub__token_pid(holder));
        }
        if (!(cur & LOCK_CONTENDED) &&
            !atomic_compare_exchange_strong_explicit(owner, &cur, cur | LOCK_CONTENDED,
                                                     memory_order_relaxed, memory_order_relaxed))
            continue; /* the word changed: look again */
        shmhub__futex_wait(wake, seen_wake, remaining < LOCK_SLICE_NS ? remaining : LOCK_SLICE_NS);
    }
}

SHMHUB_API shmhub_status shmhub_segment_unlock(shmhub_segment *seg) {
    shmhub_status st = check_handle(seg, "released");
    if (st != SHMHUB_OK) return st;
    const uint64_t me = shmhub__proc_self() & ~LOCK_CONTENDED;
    _Atomic uint64_t *owner = owner_word(seg);
    uint64_t cur = atomic_load_explicit(owner, memory_order_relaxed);
    for (;;) {
        if ((cur & ~LOCK_CONTENDED) != me) {
            if (cur == 0)
                return shmhub__fail(SHMHUB_E_INVALID, "segment '%s': unlock of a lock not held",
                                    seg->name);
            return shmhub__fail(SHMHUB_E_INVALID,
                                "segment '%s': unlock by process %u, but process %u holds the lock",
                                seg->name, shmhub__proc_pid(),
                                shmhub__token_pid(cur & ~LOCK_CONTENDED));
        }
        if (atomic_compare_exchange_weak_explicit(owner, &cur, 0, memory_order_release,
                                                  memory_order_relaxed))
            break;
    }
    if (cur & LOCK_CONTENDED) {
        atomic_fetch_add_explicit(wake_word(seg), 1, memory_order_release);
        shmhub__futex_wake_all(wake_word(seg));
    }
    return SHMHUB_OK;
}

SHMHUB_API uint64_t shmhub_segment_lock_recoveries(const shmhub_segment *seg) {
    if (!seg || !seg->base || seg->size < sizeof(shmhub__header)) return 0;
    return atomic_load_explicit(recoveries_word(seg), memory_order_relaxed);
}

SHMHUB_API int64_t shmhub_segment_lock_holder_pid(const shmhub_segment *seg) {
    if (!seg || !seg->base || seg->size < sizeof(shmhub__header)) return 0;
    uint64_t cur = atomic_load_explicit(owner_word(seg), memory_order_relaxed);
    return cur ? (int64_t)shmhub__token_pid(cur & ~LOCK_CONTENDED) : 0;
}
