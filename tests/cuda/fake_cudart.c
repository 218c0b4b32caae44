/* The CUDA runtime test double (fake_cudart.h). Not thread-safe beyond what the tests need: the
 * counters and the log are guarded by one mutex. */
#include "fake_cudart.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MAX_ALLOCS 1024
#define MAX_LOG 4096
#define MAGIC "FAKECUDA"

typedef struct handle_bytes {
    char magic[8];
    uint32_t pid;
    uint32_t serial;
    uint64_t size;
    char pad[40];
} handle_bytes;
_Static_assert(sizeof(handle_bytes) == 64, "fits cudaIpcMemHandle_t");

typedef struct alloc {
    void *ptr;
    size_t size;
    int owned;   /* cudaMalloc'd here (else opened from a handle) */
    uint32_t serial;
} alloc;

struct CUevent_st {
    _Atomic uint64_t *counter; /* in shared memory for interprocess events */
    int interprocess;
    uint32_t serial;
    int owned;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static alloc allocs[MAX_ALLOCS];
static uint32_t next_serial = 1;
static int devices = 1, salt = 0;
static _Thread_local int current_device = 0;
static cudaError_t last_error = cudaSuccess;

static struct { char fn[64]; int count; } counts[64];
static char fail_fn[64];
static int fail_nth;
static cudaError_t fail_err;
static int same_process_opens;
static fake_cuda_op oplog[MAX_LOG];
static int nops;
static unsigned int register_flags;
static struct { void *ptr; size_t size; } registered[64]; /* live cudaHostRegister ranges */

static int bump(const char *fn) { /* counts the call; nonzero = inject the armed failure */
    pthread_mutex_lock(&mu);
    int i = 0;
    while (i < 64 && counts[i].fn[0] && strcmp(counts[i].fn, fn) != 0) i++;
    if (i < 64) {
        if (!counts[i].fn[0]) snprintf(counts[i].fn, sizeof counts[i].fn, "%s", fn);
        counts[i].count++;
    }
    int fail = 0;
    if (fail_nth > 0 && strcmp(fail_fn, fn) == 0 && --fail_nth == 0) fail = 1;
    pthread_mutex_unlock(&mu);
    return fail;
}

#define ENTER(fn)                                  \
    do {                                           \
        if (bump(fn)) return last_error = fail_err; \
    } while (0)

int fake_cuda_count(const char *fn) {
    pthread_mutex_lock(&mu);
    int n = 0;
    for (int i = 0; i < 64 && counts[i].fn[0]; i++)
        if (strcmp(counts[i].fn, fn) == 0) n = counts[i].count;
    pthread_mutex_unlock(&mu);
    return n;
}

void fake_cuda_fail(const char *fn, int nth, cudaError_t err) {
    pthread_mutex_lock(&mu);
    snprintf(fail_fn, sizeof fail_fn, "%s", fn);
    fail_nth = nth;
    fail_err = err;
    pthread_mutex_unlock(&mu);
}

void fake_cuda_reset(void) {
    pthread_mutex_lock(&mu);
    memset(counts, 0, sizeof counts);
    fail_nth = 0;
    nops = 0;
    same_process_opens = 0;
    pthread_mutex_unlock(&mu);
}

void fake_cuda_set_devices(int count, int uuid_salt) {
    devices = count;
    salt = uuid_salt;
}

int fake_cuda_same_process_opens(void) { return same_process_opens; }

int fake_cuda_live_mappings(void) {
    pthread_mutex_lock(&mu);
    int n = 0;
    for (int i = 0; i < MAX_ALLOCS; i++) n += allocs[i].ptr != NULL;
    pthread_mutex_unlock(&mu);
    return n;
}

uint64_t fake_cuda_event_records(cudaEvent_t ev) { return ev ? atomic_load(ev->counter) : 0; }

int fake_cuda_log(const fake_cuda_op **ops) {
    *ops = oplog;
    return nops;
}

unsigned int fake_cuda_last_register_flags(void) { return register_flags; }

static void log_op(char op, const void *a, const void *b, cudaStream_t s) {
    pthread_mutex_lock(&mu);
    if (nops < MAX_LOG) oplog[nops++] = (fake_cuda_op){op, a, b, (void *)s};
    pthread_mutex_unlock(&mu);
}

static void shm_name(char *buf, size_t n, const char *what, uint32_t pid, uint32_t serial) {
    snprintf(buf, n, "/shmhub-fakecuda.%s.%u.%u", what, pid, serial);
}

static void *map_shm(const char *name, size_t size, int create) {
    int fd = shm_open(name, create ? O_RDWR | O_CREAT | O_EXCL : O_RDWR, 0600);
    if (fd < 0) return NULL;
    if (create && ftruncate(fd, (off_t)size) != 0) {
        close(fd);
        shm_unlink(name);
        return NULL;
    }
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    return p == MAP_FAILED ? NULL : p;
}

static int add_alloc(void *p, size_t size, int owned, uint32_t serial) {
    pthread_mutex_lock(&mu);
    for (int i = 0; i < MAX_ALLOCS; i++)
        if (!allocs[i].ptr) {
            allocs[i] = (alloc){p, size, owned, serial};
            pthread_mutex_unlock(&mu);
            return 0;
        }
    pthread_mutex_unlock(&mu);
    return -1;
}

static int take_alloc(void *p, int owned, alloc *out) {
    pthread_mutex_lock(&mu);
    for (int i = 0; i < MAX_ALLOCS; i++)
        if (allocs[i].ptr == p && allocs[i].owned == owned) {
            *out = allocs[i];
            allocs[i].ptr = NULL;
            pthread_mutex_unlock(&mu);
            return 0;
        }
    pthread_mutex_unlock(&mu);
    return -1;
}

/* ---- the runtime API ---------------------------------------------------------------------------- */

cudaError_t cudaGetLastError(void) {
    cudaError_t e = last_error;
    last_error = cudaSuccess;
    return e;
}

const char *cudaGetErrorName(cudaError_t e) {
    switch (e) {
    case cudaSuccess: return "cudaSuccess";
    case cudaErrorMemoryAllocation: return "cudaErrorMemoryAllocation";
    case cudaErrorInvalidValue: return "cudaErrorInvalidValue";
    case cudaErrorInvalidDevice: return "cudaErrorInvalidDevice";
    case cudaErrorNoDevice: return "cudaErrorNoDevice";
    case cudaErrorMapBufferObjectFailed: return "cudaErrorMapBufferObjectFailed";
    case cudaErrorInvalidResourceHandle: return "cudaErrorInvalidResourceHandle";
    case cudaErrorHostMemoryAlreadyRegistered: return "cudaErrorHostMemoryAlreadyRegistered";
    case cudaErrorHostMemoryNotRegistered: return "cudaErrorHostMemoryNotRegistered";
    default: return "cudaErrorUnknown";
    }
}

const char *cudaGetErrorString(cudaError_t e) { return e == cudaSuccess ? "no error" : "fake error"; }

cudaError_t cudaGetDeviceCount(int *count) {
    ENTER("cudaGetDeviceCount");
    *count = devices;
    return devices > 0 ? cudaSuccess : (last_error = cudaErrorNoDevice);
}

cudaError_t cudaGetDevice(int *device) {
    ENTER("cudaGetDevice");
    *device = current_device;
    return cudaSuccess;
}

cudaError_t cudaSetDevice(int device) {
    ENTER("cudaSetDevice");
    if (device < 0 || device >= devices) return last_error = cudaErrorInvalidDevice;
    current_device = device;
    return cudaSuccess;
}

cudaError_t cudaGetDeviceProperties(struct cudaDeviceProp *prop, int device) {
    ENTER("cudaGetDeviceProperties");
    if (device < 0 || device >= devices) return last_error = cudaErrorInvalidDevice;
    memset(prop, 0, sizeof *prop);
    snprintf(prop->name, sizeof prop->name, "fake GPU %d", device);
    for (int i = 0; i < 16; i++) prop->uuid.bytes[i] = (char)(0x40 + device * 17 + salt * 5 + i);
    return cudaSuccess;
}

cudaError_t cudaMalloc(void **ptr, size_t size) {
    ENTER("cudaMalloc");
    *ptr = NULL;
    pthread_mutex_lock(&mu);
    uint32_t serial = next_serial++;
    pthread_mutex_unlock(&mu);
    char name[96];
    shm_name(name, sizeof name, "mem", (uint32_t)getpid(), serial);
    void *p = map_shm(name, size, 1);
    if (!p) return last_error = cudaErrorMemoryAllocation;
    if (add_alloc(p, size, 1, serial) != 0) {
        munmap(p, size);
        shm_unlink(name);
        return last_error = cudaErrorMemoryAllocation;
    }
    *ptr = p;
    return cudaSuccess;
}

cudaError_t cudaFree(void *ptr) {
    ENTER("cudaFree");
    alloc a;
    if (!ptr) return cudaSuccess;
    if (take_alloc(ptr, 1, &a) != 0) return last_error = cudaErrorInvalidValue;
    char name[96];
    shm_name(name, sizeof name, "mem", (uint32_t)getpid(), a.serial);
    munmap(a.ptr, a.size);
    shm_unlink(name);
    return cudaSuccess;
}

cudaError_t cudaIpcGetMemHandle(cudaIpcMemHandle_t *handle, void *ptr) {
    ENTER("cudaIpcGetMemHandle");
    pthread_mutex_lock(&mu);
    for (int i = 0; i < MAX_ALLOCS; i++)
        if (allocs[i].ptr == ptr && allocs[i].owned) {
            handle_bytes h;
            memset(&h, 0, sizeof h);
            memcpy(h.magic, MAGIC, 8);
            h.pid = (uint32_t)getpid();
            h.serial = allocs[i].serial;
            h.size = allocs[i].size;
            memcpy(handle, &h, sizeof h);
            pthread_mutex_unlock(&mu);
            return cudaSuccess;
        }
    pthread_mutex_unlock(&mu);
    return last_error = cudaErrorInvalidValue;
}

cudaError_t cudaIpcOpenMemHandle(void **ptr, cudaIpcMemHandle_t handle, unsigned int flags) {
    ENTER("cudaIpcOpenMemHandle");
    (void)flags;
    *ptr = NULL;
    handle_bytes h;
    memcpy(&h, &handle, sizeof h);
    if (memcmp(h.magic, MAGIC, 8) != 0) return last_error = cudaErrorInvalidValue;
    if (h.pid == (uint32_t)getpid()) {
        same_process_opens++;
        return last_error = cudaErrorInvalidResourceHandle;
    }
    char name[96];
    shm_name(name, sizeof name, "mem", h.pid, h.serial);
    void *p = map_shm(name, (size_t)h.size, 0);
    if (!p) return last_error = cudaErrorMapBufferObjectFailed;
    if (add_alloc(p, (size_t)h.size, 0, h.serial) != 0) {
        munmap(p, (size_t)h.size);
        return last_error = cudaErrorMemoryAllocation;
    }
    *ptr = p;
    return cudaSuccess;
}

cudaError_t cudaIpcCloseMemHandle(void *ptr) {
    ENTER("cudaIpcCloseMemHandle");
    alloc a;
    if (take_alloc(ptr, 0, &a) != 0) return last_error = cudaErrorInvalidValue;
    munmap(a.ptr, a.size);
    return cudaSuccess;
}

cudaError_t cudaEventCreateWithFlags(cudaEvent_t *event, unsigned int flags) {
    ENTER("cudaEventCreateWithFlags");
    struct CUevent_st *e = calloc(1, sizeof *e);
    if (!e) return last_error = cudaErrorMemoryAllocation;
    e->interprocess = (flags & cudaEventInterprocess) != 0;
    e->owned = 1;
    pthread_mutex_lock(&mu);
    e->serial = next_serial++;
    pthread_mutex_unlock(&mu);
    if (e->interprocess) {
        char name[96];
        shm_name(name, sizeof name, "ev", (uint32_t)getpid(), e->serial);
        e->counter = map_shm(name, 4096, 1);
    } else {
        e->counter = calloc(1, sizeof *e->counter);
    }
    if (!e->counter) {
        free(e);
        return last_error = cudaErrorMemoryAllocation;
    }
    *event = e;
    return cudaSuccess;
}

cudaError_t cudaEventDestroy(cudaEvent_t e) {
    ENTER("cudaEventDestroy");
    if (!e) return last_error = cudaErrorInvalidResourceHandle;
    if (e->interprocess) {
        munmap((void *)e->counter, 4096);
        if (e->owned) {
            char name[96];
            shm_name(name, sizeof name, "ev", (uint32_t)getpid(), e->serial);
            shm_unlink(name);
        }
    } else {
        free((void *)e->counter);
    }
    free(e);
    return cudaSuccess;
}

cudaError_t cudaIpcGetEventHandle(cudaIpcEventHandle_t *handle, cudaEvent_t e) {
    ENTER("cudaIpcGetEventHandle");
    if (!e || !e->interprocess) return last_error = cudaErrorInvalidResourceHandle;
    handle_bytes h;
    memset(&h, 0, sizeof h);
    memcpy(h.magic, MAGIC, 8);
    h.pid = (uint32_t)getpid();
    h.serial = e->serial;
    memcpy(handle, &h, sizeof h);
    return cudaSuccess;
}

cudaError_t cudaIpcOpenEventHandle(cudaEvent_t *event, cudaIpcEventHandle_t handle) {
    ENTER("cudaIpcOpenEventHandle");
    handle_bytes h;
    memcpy(&h, &handle, sizeof h);
    if (memcmp(h.magic, MAGIC, 8) != 0) return last_error = cudaErrorInvalidValue;
    struct CUevent_st *e = calloc(1, sizeof *e);
    if (!e) return last_error = cudaErrorMemoryAllocation;
    char name[96];
    shm_name(name, sizeof name, "ev", h.pid, h.serial);
    e->counter = map_shm(name, 4096, 0);
    if (!e->counter) {
        free(e);
        return last_error = cudaErrorInvalidResourceHandle;
    }
    e->interprocess = 1;
    e->serial = h.serial;
    *event = e;
    return cudaSuccess;
}

cudaError_t cudaEventRecord(cudaEvent_t e, cudaStream_t s) {
    ENTER("cudaEventRecord");
    if (!e) return last_error = cudaErrorInvalidResourceHandle;
    atomic_fetch_add(e->counter, 1);
    log_op('R', e, NULL, s);
    return cudaSuccess;
}

cudaError_t cudaStreamWaitEvent(cudaStream_t s, cudaEvent_t e, unsigned int flags) {
    ENTER("cudaStreamWaitEvent");
    (void)flags;
    if (!e) return last_error = cudaErrorInvalidResourceHandle;
    log_op('W', e, NULL, s);
    return cudaSuccess;
}

cudaError_t cudaMemcpyAsync(void *dst, const void *src, size_t n, enum cudaMemcpyKind kind,
                            cudaStream_t s) {
    ENTER("cudaMemcpyAsync");
    (void)kind;
    memmove(dst, src, n);
    log_op('C', dst, src, s);
    return cudaSuccess;
}

cudaError_t cudaStreamSynchronize(cudaStream_t s) {
    ENTER("cudaStreamSynchronize");
    (void)s;
    return cudaSuccess;
}

/* Like the driver: a range registered twice, or unregistered without being registered, fails. */
cudaError_t cudaHostRegister(void *ptr, size_t size, unsigned int flags) {
    ENTER("cudaHostRegister");
    if (!ptr || !size) return last_error = cudaErrorInvalidValue;
    pthread_mutex_lock(&mu);
    int slot = -1;
    for (int i = 0; i < 64; i++) {
        if (registered[i].ptr && (char *)ptr < (char *)registered[i].ptr + registered[i].size &&
            (char *)registered[i].ptr < (char *)ptr + size) {
            pthread_mutex_unlock(&mu);
            return last_error = cudaErrorHostMemoryAlreadyRegistered;
        }
        if (!registered[i].ptr && slot < 0) slot = i;
    }
    if (slot < 0) {
        pthread_mutex_unlock(&mu);
        return last_error = cudaErrorMemoryAllocation;
    }
    registered[slot].ptr = ptr;
    registered[slot].size = size;
    register_flags = flags;
    pthread_mutex_unlock(&mu);
    return cudaSuccess;
}

cudaError_t cudaHostUnregister(void *ptr) {
    ENTER("cudaHostUnregister");
    pthread_mutex_lock(&mu);
    for (int i = 0; ptr && i < 64; i++)
        if (registered[i].ptr == ptr) {
            registered[i].ptr = NULL;
            pthread_mutex_unlock(&mu);
            return cudaSuccess;
        }
    pthread_mutex_unlock(&mu);
    return last_error = ptr ? cudaErrorHostMemoryNotRegistered : cudaErrorInvalidValue;
}

size_t fake_cuda_registered(const void *ptr) {
    pthread_mutex_lock(&mu);
    size_t n = 0;
    for (int i = 0; i < 64; i++)
        if (registered[i].ptr && registered[i].ptr == ptr) n = registered[i].size;
    pthread_mutex_unlock(&mu);
    return n;
}

int fake_cuda_registered_count(void) {
    pthread_mutex_lock(&mu);
    int n = 0;
    for (int i = 0; i < 64; i++) n += registered[i].ptr != NULL;
    pthread_mutex_unlock(&mu);
    return n;
}

#include <dirent.h>

/* What the driver does when a process exits: the dead process's allocations and events go away. */
void fake_cuda_reap(int pid) {
    DIR *d = opendir("/dev/shm");
    if (!d) return;
    char tag[32];
    snprintf(tag, sizeof tag, ".%d.", pid);
    struct dirent *de;
    while ((de = readdir(d)) != NULL)
        if (strncmp(de->d_name, "shmhub-fakecuda.", 16) == 0 && strstr(de->d_name + 16, tag)) {
            char name[300];
            snprintf(name, sizeof name, "/%s", de->d_name);
            shm_unlink(name);
        }
    closedir(d);
}
