/* SynchedMemory cycle time (write 4 KB, two barriers, read) across processes, against a
 * process-shared pthread barrier doing the same cycle (two pthread_barrier_wait + the same
 * copy), measured in the same run. Prints one line per case:
 *   case workers mode median_us p90_us
 * Figures are printed, never asserted (bench/compute_bench.py turns them into the table).
 * Usage: compute_bench [CYCLES] */
#include "bench_common.h"

#include <pthread.h>
#include <sched.h>
#include <shmhub.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define SEG_LEN 1024 /* float32: 4 KB per worker */

typedef struct {
    pthread_barrier_t bar;
    float data[64][SEG_LEN];
} pt_area;

static void report(const char *what, int workers, const char *mode, double *t, int n) {
    double med = bench_median(t, (size_t)n);
    double p90 = t[(size_t)(n * 9 / 10)];
    printf("%s %d %s %.3f %.3f\n", what, workers, mode, med * 1e6, p90 * 1e6);
    fflush(stdout);
}

/* Worker 0 records each cycle's time into `times` (shared). */
static int synched_worker(const char *name, int w, int cycles, uint32_t mode, double *times) {
    shmhub_synched_opts o = SHMHUB_SYNCHED_OPTS_INIT;
    o.barrier_mode = mode;
    shmhub_synched *s = NULL;
    if (shmhub_synched_open(name, &o, &s) || shmhub_synched_attach(s, (uint32_t)w)) {
        fprintf(stderr, "worker %d: %s\n", w, shmhub_last_error());
        return 1;
    }
    float local[SEG_LEN];
    float sink = 0;
    for (int c = -100; c < cycles; c++) { /* 100 warm-up cycles */
        for (int i = 0; i < SEG_LEN; i++) local[i] = (float)(c + w);
        double t0 = bench_now();
        if (shmhub_synched_write_and_sync(s, local, sizeof local, INT64_C(30000000000))) {
            fprintf(stderr, "worker %d: %s\n", w, shmhub_last_error());
            return 1;
        }
        const void *g = NULL;
        shmhub_synched_global(s, &g);
        sink += ((const float *)g)[SEG_LEN / 2];
        if (w == 0 && c >= 0) times[c] = bench_now() - t0;
    }
    shmhub_synched_close(s);
    return sink == -1.0f;
}

static void run_synched(int workers, uint32_t mode, const char *mode_name, int cycles) {
    char name[64];
    snprintf(name, sizeof name, "bench-synched-%d", (int)getpid());
    shmhub_synched *s = NULL;
    if (shmhub_synched_create(name, SHMHUB_DTYPE_FLOAT32, (uint32_t)workers, SEG_LEN, NULL, &s)) {
        fprintf(stderr, "create: %s\n", shmhub_last_error());
        exit(1);
    }
    double *times = mmap(NULL, sizeof(double) * (size_t)cycles, PROT_READ | PROT_WRITE,
                         MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    pid_t pids[64];
    for (int w = 0; w < workers; w++)
        if ((pids[w] = fork()) == 0) _exit(synched_worker(name, w, cycles, mode, times));
    int bad = 0;
    for (int w = 0; w < workers; w++) {
        int ws = 0;
        waitpid(pids[w], &ws, 0);
        bad |= !WIFEXITED(ws) || WEXITSTATUS(ws);
    }
    if (!bad) report("shmhub_synched", workers, mode_name, times, cycles);
    munmap(times, sizeof(double) * (size_t)cycles);
    shmhub_synched_close(s);
    shmhub_unlink(name);
}

static void run_pthread(int workers, int cycles) {
    pt_area *a = mmap(NULL, sizeof *a, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    double *times = mmap(NULL, sizeof(double) * (size_t)cycles, PROT_READ | PROT_WRITE,
                         MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    pthread_barrierattr_t ba;
    pthread_barrierattr_init(&ba);
    pthread_barrierattr_setpshared(&ba, PTHREAD_PROCESS_SHARED);
    pthread_barrier_init(&a->bar, &ba, (unsigned)workers);
    pid_t pids[64];
    for (int w = 0; w < workers; w++) {
        if ((pids[w] = fork()) == 0) {
            float local[SEG_LEN];
            volatile float sink = 0;
            for (int c = -100; c < cycles; c++) {
                for (int i = 0; i < SEG_LEN; i++) local[i] = (float)(c + w);
                double t0 = bench_now();
                pthread_barrier_wait(&a->bar); /* everyone has read the previous round */
                memcpy(a->data[w], local, sizeof local);
                pthread_barrier_wait(&a->bar); /* everyone has written */
                sink += a->data[(w + 1) % workers][SEG_LEN / 2];
                if (w == 0 && c >= 0) times[c] = bench_now() - t0;
            }
            _exit(0);
        }
    }
    for (int w = 0; w < workers; w++) waitpid(pids[w], NULL, 0);
    report("pthread_barrier", workers, "pshared", times, cycles);
    pthread_barrier_destroy(&a->bar);
    munmap(times, sizeof(double) * (size_t)cycles);
    munmap(a, sizeof *a);
}

int main(int argc, char **argv) {
    int cycles = argc > 1 ? atoi(argv[1]) : 20000;
    cpu_set_t set;
    long cores = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : sysconf(_SC_NPROCESSORS_ONLN);
    printf("# cycles %d, cpus %ld, 4 KB per worker\n", cycles, cores);
    run_pthread(2, cycles);
    run_synched(2, SHMHUB_WAIT_FUTEX, "futex", cycles);
    run_synched(2, SHMHUB_WAIT_SPIN_THEN_FUTEX, "spin_then_futex", cycles);
    run_synched(2, SHMHUB_WAIT_SPIN, "spin", cycles);
    int over = (int)(2 * cores);
    if (over > 64) over = 64;
    run_pthread(over, cycles / 4);
    run_synched(over, SHMHUB_WAIT_FUTEX, "futex", cycles / 4);
    return 0;
}
