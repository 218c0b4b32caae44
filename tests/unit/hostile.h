/* Shared by the hostile-segment tests (test_hostile.c: streams; test_hostile_containers.c: dict,
 * pool, synched, segment lock). The including file defines MS, SLACK_NS, `H` (a shared area with
 * the atomic counters calls, late, bad_status and the per-process op / op_start arrays), `OPS`
 * (the call names) and `now()`. */
#ifndef SHMHUB_TEST_HOSTILE_H
#define SHMHUB_TEST_HOSTILE_H

#include <stdint.h>

static uint64_t rs = 88172645463325252ull;
static uint64_t rnd(void) { /* xorshift64 */
    rs ^= rs << 13;
    rs ^= rs >> 7;
    rs ^= rs << 17;
    return rs;
}

/* Runs one call: records it for the hang watchdog, then checks its time against its timeout and
 * that a failure left a message. Evaluates to the call's status. */
#define HOSTILE_TIMED(who, opi, tmo, call)                                                       \
    ({                                                                                           \
        atomic_store(&H->op[who], opi);                                                          \
        int64_t t0_ = now();                                                                     \
        atomic_store(&H->op_start[who], t0_);                                                    \
        shmhub_status st_ = (call);                                                              \
        int64_t el_ = now() - t0_;                                                               \
        atomic_store(&H->op_start[who], 0);                                                      \
        atomic_fetch_add(&H->calls, 1);                                                          \
        if (el_ > (tmo) + SLACK_NS) {                                                            \
            fprintf(stderr, "%s took %lld ms (timeout %lld ms)\n", OPS[opi],                     \
                    (long long)(el_ / MS), (long long)((tmo) / MS));                             \
            atomic_fetch_add(&H->late, 1);                                                       \
        }                                                                                        \
        if (st_ != SHMHUB_OK && !shmhub_last_error()[0]) atomic_fetch_add(&H->bad_status, 1);    \
        st_;                                                                                     \
    })

#endif
