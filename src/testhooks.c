/* Test-only crash points (builds with SHMHUB_TEST_HOOKS only: the unit tests' private library).
 * A test arms a named point; the n-th pass through it in this process dies by SIGKILL, so kill
 * tests can stop a writer at an exact instruction of set, delete, add or acquire. */
#include "internal.h"

#ifdef SHMHUB_TEST_HOOKS
#include <signal.h>
#include <string.h>

static char armed_point[64];
static _Atomic int64_t armed_left;

void shmhub__test_crash_arm(const char *point, int64_t nth) {
    atomic_store(&armed_left, 0);
    if (!point || nth < 1) return;
    strncpy(armed_point, point, sizeof armed_point - 1);
    armed_point[sizeof armed_point - 1] = '\0';
    atomic_store(&armed_left, nth);
}

void shmhub__test_crash_point(const char *point) {
    if (atomic_load_explicit(&armed_left, memory_order_relaxed) <= 0) return;
    if (strcmp(point, armed_point) != 0) return;
    if (atomic_fetch_sub(&armed_left, 1) == 1) raise(SIGKILL);
}
#else
typedef int shmhub__testhooks_unused; /* no hooks in this build */
#endif
