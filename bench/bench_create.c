/* Creating a ready-to-write 64 MiB segment: shmhub with SHMHUB_PREFAULT (fallocate +
 * MADV_POPULATE_WRITE) vs shmhub without prefault followed by a memset that demand-faults every
 * page (what a writer pays on first touch). Same run, interleaved. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <shmhub.h>
#include "bench_common.h"

#define ROUNDS 15

static double create_once(const char *name, int prefault) {
    shmhub_layout *l;
    const uint64_t shape[1] = {64u << 20};
    shmhub_layout_new(&l);
    shmhub_layout_add(l, "buf", SHMHUB_DTYPE_UINT8, 1, shape);
    shmhub_segment_opts o = SHMHUB_SEGMENT_OPTS_INIT;
    o.flags = SHMHUB_UNLINK_ON_CLOSE | (prefault ? SHMHUB_PREFAULT : 0);
    shmhub_segment *seg;
    double t0 = bench_now();
    if (shmhub_segment_create(name, l, &o, &seg) != SHMHUB_OK) {
        fprintf(stderr, "bench_create: %s\n", shmhub_last_error());
        return -1;
    }
    const shmhub_array *a;
    shmhub_segment_find(seg, "buf", &a);
    if (!prefault) memset(shmhub_array_data(a), 0, shmhub_array_nbytes(a));
    double t1 = bench_now();
    shmhub_layout_free(l);
    shmhub_segment_close(seg);
    return (t1 - t0) * 1e3;
}

int main(void) {
    char name[64];
    snprintf(name, sizeof name, "bench-create-%d", (int)getpid());
    double tp[ROUNDS], tm[ROUNDS];
    for (int r = 0; r < ROUNDS; r++) {
        tp[r] = create_once(name, 1);
        tm[r] = create_once(name, 0);
        if (tp[r] < 0 || tm[r] < 0) return 1;
    }
    double mp = bench_median(tp, ROUNDS), mm = bench_median(tm, ROUNDS);
    printf("create a ready-to-write 64 MiB segment, median of %d:\n", ROUNDS);
    printf("  create with SHMHUB_PREFAULT              %8.2f ms\n", mp);
    printf("  create, then memset (demand faults)      %8.2f ms\n", mm);
    printf("  ratio prefault / demand-fault            %8.2f x\n", mp / mm);
    return 0;
}
