/* Status codes, their sentences and names, and the thread-local last-error message. */
#include "internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local char last_error[512] = "no error";

typedef struct { shmhub_status code; const char *name; const char *sentence; } status_row;

/* Kept in sync with abi/shmhub.h and docs/errors.md by tests/abi/test_errors_doc.sh. */
static const status_row status_rows[] = {
    {SHMHUB_OK, "SHMHUB_OK", "success"},
    {SHMHUB_E_INVALID, "SHMHUB_E_INVALID", "invalid argument"},
    {SHMHUB_E_NOT_FOUND, "SHMHUB_E_NOT_FOUND", "no such segment or array"},
    {SHMHUB_E_EXISTS, "SHMHUB_E_EXISTS", "a segment or array by that name already exists"},
    {SHMHUB_E_PERMISSION, "SHMHUB_E_PERMISSION", "permission denied"},
    {SHMHUB_E_NO_SPACE, "SHMHUB_E_NO_SPACE", "no space left for shared memory"},
    {SHMHUB_E_NO_MEMORY, "SHMHUB_E_NO_MEMORY", "out of memory or address space"},
    {SHMHUB_E_CORRUPT, "SHMHUB_E_CORRUPT", "the segment is corrupt or not a shmhub segment"},
    {SHMHUB_E_VERSION, "SHMHUB_E_VERSION", "incompatible version"},
    {SHMHUB_E_WRONG_KIND, "SHMHUB_E_WRONG_KIND", "the segment is of another kind"},
    {SHMHUB_E_TIMEOUT, "SHMHUB_E_TIMEOUT", "the timeout expired"},
    {SHMHUB_E_PEER_DEAD, "SHMHUB_E_PEER_DEAD", "a process this call depends on has died"},
    {SHMHUB_E_READ_ONLY, "SHMHUB_E_READ_ONLY", "the handle is read-only"},
    {SHMHUB_E_SIZE, "SHMHUB_E_SIZE", "the buffer size does not match"},
    {SHMHUB_E_RANGE, "SHMHUB_E_RANGE", "index out of range"},
    {SHMHUB_E_IO, "SHMHUB_E_IO", "operating-system error"},
    {SHMHUB_E_BUSY, "SHMHUB_E_BUSY", "the resource is busy"},
    {SHMHUB_E_EMPTY, "SHMHUB_E_EMPTY", "the stream has no frame yet"},
    {SHMHUB_E_OVERWRITTEN, "SHMHUB_E_OVERWRITTEN", "the frame was overwritten while in use"},
    {SHMHUB_E_FINISHED, "SHMHUB_E_FINISHED", "the synchronised run was finalized"},
    {SHMHUB_E_FULL, "SHMHUB_E_FULL", "the container is full"},
};

static const status_row *find_row(shmhub_status st) {
    for (size_t i = 0; i < sizeof status_rows / sizeof status_rows[0]; i++)
        if (status_rows[i].code == st) return &status_rows[i];
    return NULL;
}

SHMHUB_API const char *shmhub_status_str(shmhub_status status) {
    const status_row *r = find_row(status);
    return r ? r->sentence : "unknown status code";
}

SHMHUB_API const char *shmhub_status_name(shmhub_status status) {
    const status_row *r = find_row(status);
    return r ? r->name : "SHMHUB_E_UNKNOWN";
}

SHMHUB_API const char *shmhub_last_error(void) { return last_error; }

shmhub_status shmhub__fail(shmhub_status st, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
    if (n <= 0) snprintf(last_error, sizeof last_error, "%s", shmhub_status_str(st));
    return st;
}

shmhub_status shmhub__status_from_errno(int err) {
    switch (err) {
    case ENOENT: return SHMHUB_E_NOT_FOUND;
    case EEXIST: return SHMHUB_E_EXISTS;
    case EACCES: case EPERM: case EROFS: return SHMHUB_E_PERMISSION;
    case ENOSPC: case EDQUOT: case EFBIG: return SHMHUB_E_NO_SPACE;
    case ENOMEM: return SHMHUB_E_NO_MEMORY;
    case ENAMETOOLONG: case EINVAL: return SHMHUB_E_INVALID;
    case ETIMEDOUT: return SHMHUB_E_TIMEOUT;
    case EBUSY: return SHMHUB_E_BUSY;
    default: return SHMHUB_E_IO;
    }
}

shmhub_status shmhub__fail_errno(int err, const char *what, const char *name) {
    return shmhub__fail(shmhub__status_from_errno(err), "segment '%s': %s: %s (errno %d)",
                        name ? name : "?", what, strerror(err), err);
}

SHMHUB_API uint32_t shmhub_version_number(void) { return SHMHUB_VERSION_NUMBER; }

#define SHMHUB__STR2(x) #x
#define SHMHUB__STR(x) SHMHUB__STR2(x)
SHMHUB_API const char *shmhub_version_string(void) {
    return SHMHUB__STR(SHMHUB_VERSION_MAJOR) "." SHMHUB__STR(SHMHUB_VERSION_MINOR) "." SHMHUB__STR(
        SHMHUB_VERSION_PATCH);
}

SHMHUB_API int32_t shmhub_check_version(uint32_t header_version) {
    uint32_t hmaj = header_version / 10000, hmin = header_version / 100 % 100;
    if (hmaj != SHMHUB_VERSION_MAJOR || hmin > SHMHUB_VERSION_MINOR)
        return shmhub__fail(SHMHUB_E_VERSION,
                            "header version %u.%u.%u does not match library version %s (same major "
                            "and a library minor at least the header's are required)",
                            hmaj, hmin, header_version % 100, shmhub_version_string());
    return SHMHUB_OK;
}
