/* Process identity: "a process is more than its pid" (DESIGN.md, concurrency rules).
 *
 * An owner token is one 64-bit word: the pid in the low 22 bits (the kernel's PID_MAX_LIMIT is
 * 2^22 on 64-bit Linux) and the process start time (field 22 of /proc/PID/stat, clock ticks
 * since boot) in the high 42 bits. A restarted process that got the dead one's pid (pid 1 in
 * every container) has another start time, so its token differs; a token never equals 0.
 *
 * Liveness looks at the whole thread group: a process whose main thread called pthread_exit()
 * shows its leader as a zombie in /proc/PID/stat while its other threads still run. */
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PID_BITS 22u
#define PID_MASK ((UINT64_C(1) << PID_BITS) - 1)
#define START_MASK ((UINT64_C(1) << (64u - PID_BITS)) - 1)

/* Reads /proc/<pid>/stat or /proc/<pid>/task/<tid>/stat; returns the state letter (0 when the
 * file cannot be read: no such process), the start time in *start and the pid (field 1, as that
 * /proc numbers it) in *pid; either pointer may be NULL. */
static char read_stat_pid(const char *path, uint64_t *start, uint32_t *pid) {
    char buf[1024];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return 0;
    buf[n] = '\0';
    const char *p = strrchr(buf, ')'); /* "pid (comm) S ...": comm may contain ')' and spaces */
    if (!p || p[1] != ' ' || !p[2]) return 0;
    char state = p[2];
    /* Field 3 is the state; the start time is field 22, i.e. 19 fields after the state. */
    const char *q = p + 2;
    for (int field = 3; field < 22 && q; field++) {
        q = strchr(q, ' ');
        if (q) q++;
    }
    if (start) *start = q ? strtoull(q, NULL, 10) : 0;
    if (pid) *pid = (uint32_t)strtoul(buf, NULL, 10);
    return state;
}

static char read_stat(const char *path, uint64_t *start) { return read_stat_pid(path, start, NULL); }

uint64_t shmhub__token_make(uint32_t pid, uint64_t start_ticks) {
    return ((start_ticks & START_MASK) << PID_BITS) | ((uint64_t)pid & PID_MASK);
}

uint32_t shmhub__token_pid(uint64_t token) { return (uint32_t)(token & PID_MASK); }

/* ---- the calling process's token and thread id, cached and refreshed after fork ------------- */

static _Atomic uint64_t self_token;     /* 0: not computed in this process yet */
static _Atomic uint32_t fork_generation; /* bumped in every child after fork */
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;
static __thread uint32_t cached_tid;
static __thread uint32_t cached_tid_generation;

static void after_fork_child(void) {
    atomic_store_explicit(&self_token, 0, memory_order_relaxed);
    atomic_fetch_add_explicit(&fork_generation, 1, memory_order_relaxed);
}
static void install_atfork(void) { pthread_atfork(NULL, NULL, after_fork_child); }

/* /proc is mounted (read once): liveness then goes by /proc alone, else by kill(). */
static _Atomic int proc_state; /* 0 unknown, 1 mounted, 2 absent */
static int have_proc(void) {
    int st = atomic_load_explicit(&proc_state, memory_order_relaxed);
    if (!st) {
        st = read_stat("/proc/self/stat", NULL) ? 1 : 2;
        atomic_store_explicit(&proc_state, st, memory_order_relaxed);
    }
    return st == 1;
}

uint64_t shmhub__proc_self(void) {
    uint64_t t = atomic_load_explicit(&self_token, memory_order_relaxed);
    if (t) return t;
    pthread_once(&atfork_once, install_atfork);
    /* Pid and start time both from /proc/self, never /proc/<getpid()>: in a pid namespace that
     * sees its parent's /proc (`unshare -p -f` without --mount-proc) getpid() is 1 while
     * /proc/1 is the host's init, and every restarted pid 1 would get the same token. /proc/self
     * names this process in the /proc everyone sharing it reads, and liveness looks there. */
    uint32_t pid = 0;
    uint64_t start = 0;
    if (!read_stat_pid("/proc/self/stat", &start, &pid) || pid == 0) {
        pid = (uint32_t)getpid(); /* no /proc: the token degrades to the pid */
        start = 0;
    }
    t = shmhub__token_make(pid, start);
    atomic_store_explicit(&self_token, t, memory_order_relaxed);
    return t;
}

uint32_t shmhub__proc_pid(void) { return shmhub__token_pid(shmhub__proc_self()); }

uint32_t shmhub__thread_id(void) {
    pthread_once(&atfork_once, install_atfork);
    uint32_t gen = atomic_load_explicit(&fork_generation, memory_order_relaxed);
    if (!cached_tid || cached_tid_generation != gen) {
        cached_tid = (uint32_t)syscall(SYS_gettid);
        cached_tid_generation = gen;
    }
    return cached_tid;
}

/* ---- liveness -------------------------------------------------------------------------------- */

/* A /proc state letter of a task that still runs (not a zombie, not dead). */
static int state_running(char st) { return st && st != 'Z' && st != 'X' && st != 'x'; }

/* The leader is a zombie: alive if any other thread of the group is still running. */
static int group_has_live_thread(uint32_t pid) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%u/task", pid);
    DIR *d = opendir(path);
    if (!d) return 0;
    int live = 0;
    struct dirent *e;
    while (!live && (e = readdir(d)) != NULL) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
        char tpath[96];
        snprintf(tpath, sizeof tpath, "/proc/%u/task/%.20s/stat", pid, e->d_name);
        char st = read_stat(tpath, NULL);
        live = state_running(st);
    }
    closedir(d);
    return live;
}

/* A process whose /proc/PID/stat showed state `st`: alive if it runs, or if it is a zombie
 * leader (main thread exited through pthread_exit) with another thread of its group running. */
static int group_alive(uint32_t pid, char st) {
    return state_running(st) || group_has_live_thread(pid);
}

int shmhub__pid_alive(int64_t pid) {
    if (pid <= 0 || pid > INT32_MAX) return 0;
    if (kill((pid_t)pid, 0) != 0 && errno != EPERM) return 0; /* EPERM: exists, someone else's */
    char path[64];
    snprintf(path, sizeof path, "/proc/%lld/stat", (long long)pid);
    char st = read_stat(path, NULL);
    if (!st) return 1; /* no /proc (or raced with exit): trust kill() */
    return group_alive((uint32_t)pid, st);
}

int shmhub__token_alive(uint64_t token) {
    if (!token) return 0;
    uint32_t pid = shmhub__token_pid(token);
    if (pid == 0) return 0;
    if (token == shmhub__proc_self()) return 1;
    if (!have_proc()) /* no /proc: the pid is all we can go by */
        return kill((pid_t)pid, 0) == 0 || errno == EPERM;
    /* With /proc, it alone decides: the token's pid is a /proc pid (see shmhub__proc_self), which
     * kill() could misread inside a pid namespace that shares its parent's /proc. */
    char path[64];
    snprintf(path, sizeof path, "/proc/%u/stat", pid);
    uint64_t start = 0;
    char st = read_stat(path, &start);
    if (!st) return 0;                                     /* no such process */
    if (shmhub__token_make(pid, start) != token) return 0; /* the pid was reused */
    return group_alive(pid, st);
}
