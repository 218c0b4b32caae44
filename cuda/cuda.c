/* The CUDA library's versions and errors, and pinned host segments (cudaHostRegister). */
#include "cuda_internal.h"

#include <pthread.h>
#include <stdlib.h>

SHMHUB_API uint32_t shmhub_cuda_version_number(void) { return SHMHUB_CUDA_VERSION_NUMBER; }

SHMHUB_API shmhub_status shmhub_cuda_check_version(uint32_t header_version) {
    uint32_t lib = SHMHUB_CUDA_VERSION_NUMBER;
    if (header_version / 10000 != lib / 10000 || (header_version / 100) % 100 > (lib / 100) % 100)
        return shmhub__fail(SHMHUB_E_VERSION, "shmhub_cuda: header version %u needs a library of "
                            "the same major and at least its minor; this library is %u",
                            header_version, lib);
    return SHMHUB_OK;
}

/* The library carries its own (hidden) copy of the core, so its messages live here. */
SHMHUB_API const char *shmhub_cuda_last_error(void) { return shmhub_last_error(); }

SHMHUB_API int32_t shmhub_cuda_device_count(void) {
    int n = 0;
    cudaError_t err = cudaGetDeviceCount(&n);
    if (err != cudaSuccess) {
        (void)cudaGetLastError();
        shmhub__fail(SHMHUB_E_IO, "shmhub_cuda: cudaGetDeviceCount failed: %s (%s)",
                     cudaGetErrorName(err), cudaGetErrorString(err));
        return 0;
    }
    return n;
}

/* ---- pinned host segments ------------------------------------------------------------------------ */

typedef struct pinned {
    struct pinned *next;
    void *base;
} pinned;

static pthread_mutex_t pin_lock = PTHREAD_MUTEX_INITIALIZER;
static pinned *pins;

SHMHUB_API shmhub_status shmhub_cuda_register(const shmhub_segment *seg, uint32_t flags) {
    if (!seg) return shmhub__fail(SHMHUB_E_INVALID, "cuda register: NULL segment");
    if (flags & ~SHMHUB_CUDA_REGISTER_READ_ONLY)
        return shmhub__fail(SHMHUB_E_INVALID, "segment '%s': unknown register flags 0x%x",
                            seg->name, flags);
    pinned *p = malloc(sizeof *p);
    if (!p) return shmhub__fail(SHMHUB_E_NO_MEMORY, "segment '%s': out of memory", seg->name);
    p->base = seg->base;
    pthread_mutex_lock(&pin_lock);
    for (pinned *q = pins; q; q = q->next)
        if (q->base == seg->base) {
            pthread_mutex_unlock(&pin_lock);
            free(p);
            return shmhub__fail(SHMHUB_E_BUSY, "segment '%s': already registered", seg->name);
        }
    unsigned int cf = cudaHostRegisterPortable;
    if ((flags & SHMHUB_CUDA_REGISTER_READ_ONLY) || seg->read_only) cf |= cudaHostRegisterReadOnly;
    cudaError_t err = cudaHostRegister(seg->base, seg->size, cf);
    if (err != cudaSuccess) {
        pthread_mutex_unlock(&pin_lock);
        free(p);
        (void)cudaGetLastError();
        return shmhub__fail(err == cudaErrorMemoryAllocation ? SHMHUB_E_NO_MEMORY
                            : err == cudaErrorHostMemoryAlreadyRegistered ? SHMHUB_E_BUSY
                                                                          : SHMHUB_E_IO,
                            "segment '%s': cudaHostRegister of %zu bytes failed: %s (%s)",
                            seg->name, seg->size, cudaGetErrorName(err), cudaGetErrorString(err));
    }
    p->next = pins;
    pins = p;
    pthread_mutex_unlock(&pin_lock);
    return SHMHUB_OK;
}

SHMHUB_API shmhub_status shmhub_cuda_unregister(const shmhub_segment *seg) {
    if (!seg) return shmhub__fail(SHMHUB_E_INVALID, "cuda unregister: NULL segment");
    pthread_mutex_lock(&pin_lock);
    pinned **pp = &pins;
    while (*pp && (*pp)->base != seg->base) pp = &(*pp)->next;
    if (!*pp) {
        pthread_mutex_unlock(&pin_lock);
        return shmhub__fail(SHMHUB_E_INVALID, "segment '%s': not registered", seg->name);
    }
    pinned *p = *pp;
    cudaError_t err = cudaHostUnregister(seg->base);
    if (err != cudaSuccess) {
        pthread_mutex_unlock(&pin_lock);
        (void)cudaGetLastError();
        return shmhub__fail(SHMHUB_E_IO, "segment '%s': cudaHostUnregister failed: %s (%s)",
                            seg->name, cudaGetErrorName(err), cudaGetErrorString(err));
    }
    *pp = p->next;
    pthread_mutex_unlock(&pin_lock);
    free(p);
    return SHMHUB_OK;
}
