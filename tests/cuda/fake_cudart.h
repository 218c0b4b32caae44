/* A test double of the CUDA runtime calls libshmhub_cuda uses, linked only into tests (never into
 * the library; the Python tests preload its shared build, libfake_cudart.so, in front of the real
 * libcudart that libshmhub_cuda.so.1 links dynamically): "device" memory is host shared memory (one POSIX shm object per cudaMalloc, so IPC
 * handles really open in other processes), streams run synchronously, interprocess events are
 * counters in shared memory. Tests count calls, read the order of stream operations and make the
 * n-th call of a function fail. */
#ifndef FAKE_CUDART_H
#define FAKE_CUDART_H

#include <cuda_runtime_api.h>
#include <stddef.h>
#include <stdint.h>

/* Calls of runtime function `fn` (e.g. "cudaIpcOpenMemHandle") made by this process so far. */
int fake_cuda_count(const char *fn);
/* The nth (1 = next) later call of `fn` returns `err`; n = 0 disarms. One rule at a time. */
void fake_cuda_fail(const char *fn, int nth, cudaError_t err);
/* Resets counters, the failure rule and the stream log. */
void fake_cuda_reset(void);
/* Number of visible devices and a salt mixed into their UUIDs (another salt = other GPUs). */
void fake_cuda_set_devices(int count, int uuid_salt);
/* Opens of an IPC memory handle exported by this same process (real CUDA refuses them). */
int fake_cuda_same_process_opens(void);
/* Live allocations and mappings of this process (cudaMalloc'd + opened handles). */
int fake_cuda_live_mappings(void);
/* Times the event was recorded, in any process (interprocess events share the counter). */
uint64_t fake_cuda_event_records(cudaEvent_t ev);

/* The stream log: every cudaStreamWaitEvent / cudaMemcpyAsync / cudaEventRecord in order. */
typedef struct fake_cuda_op {
    char op;          /* 'W' wait, 'C' copy, 'R' record */
    const void *a;    /* event (W, R) or destination (C) */
    const void *b;    /* source (C) */
    void *stream;
} fake_cuda_op;
int fake_cuda_log(const fake_cuda_op **ops); /* returns the count */
/* Frees what a dead process allocated (the driver does this at exit; _exit skips the double). */
void fake_cuda_reap(int pid);
/* Flags of the last cudaHostRegister call. */
unsigned int fake_cuda_last_register_flags(void);
/* Bytes registered by cudaHostRegister at exactly `ptr` (0: none), and live registrations. */
size_t fake_cuda_registered(const void *ptr);
int fake_cuda_registered_count(void);

#endif
