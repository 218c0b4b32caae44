/* Futex waits on words inside shared mappings, clocks and deadlines. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <linux/futex.h>
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifdef SHMHUB_TEST_HOOKS
_Atomic uint64_t shmhub__test_wake_calls;
#endif

int64_t shmhub__now_ns(int clock_id) {
    struct timespec ts;
    clock_gettime(clock_id, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t shmhub__deadline(int64_t timeout_ns) {
    if (timeout_ns < 0) return INT64_MAX;
    int64_t now = shmhub__now_ns(CLOCK_MONOTONIC);
    return timeout_ns > INT64_MAX - now ? INT64_MAX : now + timeout_ns;
}

int shmhub__futex_wait(_Atomic uint32_t *word, uint32_t expected, int64_t timeout_ns) {
    struct timespec ts, *tp = NULL;
    if (timeout_ns >= 0) {
        ts.tv_sec = (time_t)(timeout_ns / 1000000000);
        ts.tv_nsec = (long)(timeout_ns % 1000000000);
        tp = &ts;
    }
    /* Shared (not PRIVATE) futex: the word lives in a mapping other processes share. */
    long r = syscall(SYS_futex, (uint32_t *)word, FUTEX_WAIT, expected, tp, NULL, 0);
    if (r == 0) return 0;
    if (errno == EAGAIN) return 0; /* the value had already changed */
    return errno;
}

int shmhub__futex_wake_all(_Atomic uint32_t *word) {
#ifdef SHMHUB_TEST_HOOKS
    atomic_fetch_add_explicit(&shmhub__test_wake_calls, 1, memory_order_relaxed);
#endif
    long r = syscall(SYS_futex, (uint32_t *)word, FUTEX_WAKE, INT32_MAX, NULL, NULL, 0);
    return r > 0 ? (int)r : 0;
}
