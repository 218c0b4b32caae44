/* Small helpers shared by the unit tests: temporary directories, whole-file I/O, clocks. */
#ifndef SHMHUB_TEST_UTIL_H
#define SHMHUB_TEST_UTIL_H
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* A fresh private directory (mkdtemp under $TMPDIR or /tmp); the caller frees the string. */
static inline char *util_tmpdir(const char *tag) {
    const char *base = getenv("TMPDIR");
    if (!base || !*base) base = "/tmp";
    char tmpl[512];
    snprintf(tmpl, sizeof tmpl, "%s/shmhub-%s.XXXXXX", base, tag);
    if (!mkdtemp(tmpl)) {
        fprintf(stderr, "mkdtemp(%s): %s\n", tmpl, strerror(errno));
        exit(2);
    }
    return strdup(tmpl);
}

/* Removes the plain files of dir (one level) and dir itself. */
static inline void util_rmtree(const char *dir) {
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *de;
        while ((de = readdir(d))) {
            if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
            char p[1024];
            snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
            unlink(p);
        }
        closedir(d);
    }
    rmdir(dir);
}

/* Number of entries in dir whose name starts with prefix (-1 if it cannot be read). */
static inline int util_count_files(const char *dir, const char *prefix) {
    DIR *d = opendir(dir);
    if (!d) return -1;
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        if (!strncmp(de->d_name, prefix, strlen(prefix))) n++;
    closedir(d);
    return n;
}

static inline int util_exists(const char *path) {
    struct stat sb;
    return stat(path, &sb) == 0;
}

/* Reads a whole file into a malloc'd buffer; returns NULL on error. */
static inline unsigned char *util_read_file(const char *path, size_t *len) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) return NULL;
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        close(fd);
        return NULL;
    }
    size_t n = (size_t)sb.st_size;
    unsigned char *buf = malloc(n ? n : 1);
    size_t got = 0;
    while (buf && got < n) {
        ssize_t r = pread(fd, buf + got, n - got, (off_t)got);
        if (r <= 0) {
            free(buf);
            buf = NULL;
            break;
        }
        got += (size_t)r;
    }
    close(fd);
    if (buf) *len = n;
    return buf;
}

/* Replaces the contents of path (creating it with mode if needed) with buf; 0 on success. */
static inline int util_write_file(const char *path, const void *buf, size_t len, mode_t mode) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    if (fd < 0) return -1;
    size_t put = 0;
    while (put < len) {
        ssize_t w = pwrite(fd, (const char *)buf + put, len - put, (off_t)put);
        if (w <= 0) {
            close(fd);
            return -1;
        }
        put += (size_t)w;
    }
    return close(fd);
}

/* Overwrites path in place (no truncation first, so an open mapping sees the change). */
static inline int util_patch_file(const char *path, const void *buf, size_t len) {
    int fd = open(path, O_WRONLY);
    if (fd < 0) return -1;
    ssize_t w = pwrite(fd, buf, len, 0);
    close(fd);
    return w == (ssize_t)len ? 0 : -1;
}

static inline int64_t util_now_ns(clockid_t clk) {
    struct timespec ts;
    clock_gettime(clk, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static inline void util_sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}
#endif
