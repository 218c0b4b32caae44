/* Opening an existing segment through shmhub (wait-ready + full validation + private directory
 * copy) vs the raw shm_open + fstat + mmap a user would write by hand. Same run, interleaved. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <shmhub.h>
#include "bench_common.h"

#define ROUNDS 31
#define PER_ROUND 200

int main(void) {
    char name[64];
    snprintf(name, sizeof name, "bench-open-%d", (int)getpid());
    shmhub_layout *l;
    const uint64_t shape[2] = {1024, 256};
    shmhub_layout_new(&l);
    for (int i = 0; i < 8; i++) {
        char an[16];
        snprintf(an, sizeof an, "a%d", i);
        shmhub_layout_add(l, an, SHMHUB_DTYPE_FLOAT32, 2, shape);
    }
    shmhub_segment *seg;
    shmhub_segment_opts o = SHMHUB_SEGMENT_OPTS_INIT;
    o.flags = SHMHUB_UNLINK_ON_CLOSE;
    if (shmhub_segment_create(name, l, &o, &seg) != SHMHUB_OK) {
        fprintf(stderr, "bench_open: %s\n", shmhub_last_error());
        return 1;
    }
    shmhub_layout_free(l);
    char shm_name[80];
    snprintf(shm_name, sizeof shm_name, "/shmhub.%s", name);
    double t_hub[ROUNDS], t_raw[ROUNDS];
    for (int r = 0; r < ROUNDS; r++) {
        double t0 = bench_now();
        for (int i = 0; i < PER_ROUND; i++) {
            shmhub_segment *s;
            if (shmhub_segment_open(name, NULL, &s) != SHMHUB_OK) return 1;
            const shmhub_array *a;
            shmhub_segment_find(s, "a7", &a);
            ((volatile float *)shmhub_array_data(a))[0];
            shmhub_segment_close(s);
        }
        double t1 = bench_now();
        for (int i = 0; i < PER_ROUND; i++) {
            int fd = shm_open(shm_name, O_RDWR, 0);
            struct stat sb;
            fstat(fd, &sb);
            void *p = mmap(NULL, (size_t)sb.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
            close(fd);
            ((volatile float *)p)[1024];
            munmap(p, (size_t)sb.st_size);
        }
        double t2 = bench_now();
        t_hub[r] = (t1 - t0) / PER_ROUND * 1e6;
        t_raw[r] = (t2 - t1) / PER_ROUND * 1e6;
    }
    double mh = bench_median(t_hub, ROUNDS), mr = bench_median(t_raw, ROUNDS);
    printf("open+find+close of an 8-array 8 MiB segment, median of %d rounds x %d:\n", ROUNDS,
           PER_ROUND);
    printf("  shmhub_segment_open (validated)   %8.2f us\n", mh);
    printf("  raw shm_open+fstat+mmap baseline  %8.2f us\n", mr);
    printf("  ratio shmhub / raw                %8.2f x\n", mh / mr);
    shmhub_segment_close(seg);
    return 0;
}
