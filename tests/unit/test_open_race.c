/* Segment validation against a process that rewrites the mapping while it is opened (issue 12,
 * defect 4: a double fetch). A child flips one field of the header or directory between a valid
 * and a hostile value as fast as it can; this process opens the segment in a loop. Each open
 * must either fail (SHMHUB_E_CORRUPT: the checksum no longer matches) or return exactly the
 * valid layout, and never read or write out of bounds: the ASan build (make test-asan) turns the
 * old check-then-reread into a heap-buffer-overflow report. Fields flipped: the array's ndim
 * (1 <-> 40), the array count (1 <-> 2), the NUL that ends the array's name. */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "check.h"
#include "internal.h"
#include "util.h"

#define OPENS 10000

static pid_t xfork(void) {
    fflush(NULL);
    return fork();
}

enum { FLIP_NDIM, FLIP_COUNT, FLIP_NAME };

/* The flipper: maps the file itself and toggles one field until killed. */
static void flipper(const char *path, size_t size, int what, _Atomic int *started) {
    prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive a crashed opener */
    if (getppid() == 1) _exit(1);
    int fd = open(path, O_RDWR);
    if (fd < 0) _exit(1);
    unsigned char *base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (base == MAP_FAILED) _exit(1);
    shmhub__header *h = (shmhub__header *)base;
    shmhub__entry *e = (shmhub__entry *)(base + SHMHUB__DIR_OFFSET);
    volatile uint32_t *ndim = &e->ndim, *count = &h->array_count;
    volatile char *name = e->name;
    atomic_store(started, 1);
    for (;;) {
        switch (what) {
        case FLIP_NDIM: *ndim = 40; *ndim = 1; break;
        case FLIP_COUNT: *count = 2; *count = 1; break;
        default: name[4] = 'x'; name[4] = '\0'; break;
        }
    }
}

static void race(int what, const char *label) {
    const char *name = test_name(label);
    /* one array "wxyz" of 16 uint64 (name bytes 5..63 are 'x' when the NUL is flipped away) */
    shmhub_layout *l = NULL;
    CHECK_ST(shmhub_layout_new(&l), SHMHUB_OK);
    uint64_t shape = 16;
    CHECK_ST(shmhub_layout_add(l, "wxyz", SHMHUB_DTYPE_UINT64, 1, &shape), SHMHUB_OK);
    shmhub_segment *seg = NULL;
    CHECK_ST(shmhub_segment_create(name, l, NULL, &seg), SHMHUB_OK);
    shmhub_layout_free(l);
    if (!seg) return;
    if (what == FLIP_NAME) { /* fill the name's padding with 'x' and fix the checksum */
        shmhub__entry *e = (shmhub__entry *)(seg->base + SHMHUB__DIR_OFFSET);
        memset(e->name + 5, 'x', sizeof e->name - 5);
        shmhub__header *h = (shmhub__header *)seg->base;
        h->checksum = shmhub__checksum(seg->base, h->immutable_end);
    }
    _Atomic int *started = mmap(NULL, sizeof *started, PROT_READ | PROT_WRITE,
                                MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    *started = 0;
    pid_t pid = xfork();
    if (pid == 0) flipper(shmhub_segment_path(seg), seg->size, what, started);
    while (!atomic_load(started)) util_sleep_ms(1);
    int ok = 0, corrupt = 0, other = 0, wrong = 0;
    for (int i = 0; i < OPENS; i++) {
        shmhub_segment *o = NULL;
        shmhub_status st = shmhub_segment_open(name, NULL, &o);
        if (st == SHMHUB_OK) {
            ok++;
            const shmhub_array *a = NULL;
            if (shmhub_segment_array_count(o) != 1 ||
                shmhub_segment_find(o, "wxyz", &a) != SHMHUB_OK || shmhub_array_ndim(a) != 1 ||
                shmhub_array_shape(a)[0] != 16)
                wrong++;
            shmhub_segment_close(o);
        } else if (st == SHMHUB_E_CORRUPT) {
            corrupt++;
        } else {
            other++;
        }
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    printf("open race (%s): %d opens, %d valid, %d refused as corrupt\n", label, OPENS, ok,
           corrupt);
    CHECK(other == 0);
    CHECK(wrong == 0);
    CHECK(ok + corrupt == OPENS);
    munmap(started, sizeof *started);
    shmhub_segment_close(seg);
    shmhub_unlink(name);
}

int main(void) {
    race(FLIP_NDIM, "flip-ndim");
    race(FLIP_COUNT, "flip-count");
    race(FLIP_NAME, "flip-name");
    return check_finish("test_open_race");
}
