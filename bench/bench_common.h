/* Shared helpers for the C benchmarks: monotonic clock and medians. Figures are printed, never
 * asserted; every ratio compares against a baseline measured in the same run. */
#ifndef SHMHUB_BENCH_COMMON_H
#define SHMHUB_BENCH_COMMON_H
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

static inline double bench_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int bench_cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static inline double bench_median(double *v, size_t n) {
    qsort(v, n, sizeof *v, bench_cmp);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}
#endif
