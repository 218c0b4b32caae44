/* Futex waits on words inside shared mappings, clocks, and peer liveness. */
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

int64_t shmhub__now_ns(int clock_id) {
    struct timespec ts;
    clock_gettime(clock_id, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
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

void shmhub__futex_wake_all(_Atomic uint32_t *word) {
    syscall(SYS_futex, (uint32_t *)word, FUTEX_WAKE, INT32_MAX, NULL, NULL, 0);
}

/* A zombie (killed, not yet reaped) answers kill(pid, 0) but will never run again. */
static int is_zombie(int64_t pid) {
    char path[64], buf[256];
    snprintf(path, sizeof path, "/proc/%lld/stat", (long long)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return 0;
    buf[n] = '\0';
    const char *p = strrchr(buf, ')'); /* "pid (comm) S ...": comm may contain spaces */
    return p && p[1] == ' ' && p[2] == 'Z';
}

int shmhub__pid_alive(int64_t pid) {
    if (pid <= 0 || pid > INT32_MAX) return 0;
    if (kill((pid_t)pid, 0) != 0 && errno != EPERM) return 0; /* EPERM: exists, someone else's */
    return !is_zombie(pid);
}
