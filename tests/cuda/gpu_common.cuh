// Shared by the real-GPU tests, their peer process and the GPU benchmark: deterministic frame
// contents, kernels that fill, check and sleep, and small host helpers.
#pragma once
#include <cuda_runtime.h>
#include <shmhub.h>
#include <shmhub_cuda.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

// Byte i of a frame written with `seed` (dtype-agnostic: frames are compared byte for byte).
__host__ __device__ static inline uint8_t pattern_byte(uint64_t i, uint32_t seed) {
    return (uint8_t)(((i * 131u) + seed * 7u + (i >> 8)) ^ (seed * 29u));
}

__global__ static void fill_kernel(uint8_t *p, uint64_t n, uint32_t seed) {
    for (uint64_t i = blockIdx.x * (uint64_t)blockDim.x + threadIdx.x; i < n;
         i += (uint64_t)gridDim.x * blockDim.x)
        p[i] = pattern_byte(i, seed);
}

__global__ static void check_kernel(const uint8_t *p, uint64_t n, uint32_t seed,
                                    unsigned long long *bad) {
    for (uint64_t i = blockIdx.x * (uint64_t)blockDim.x + threadIdx.x; i < n;
         i += (uint64_t)gridDim.x * blockDim.x)
        if (p[i] != pattern_byte(i, seed)) atomicAdd(bad, 1ull);
}

// Spins for `ns` nanoseconds of GPU time (globaltimer), then fills like fill_kernel.
__global__ static void sleep_fill_kernel(uint8_t *p, uint64_t n, uint32_t seed, uint64_t ns) {
    if (threadIdx.x == 0) {
        uint64_t t0, t;
        asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t0));
        do {
            __nanosleep(100000);
            asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t));
        } while (t - t0 < ns);
    }
    __syncthreads();
    for (uint64_t i = threadIdx.x; i < n; i += blockDim.x) p[i] = pattern_byte(i, seed);
}

static inline void fill(void *p, uint64_t n, uint32_t seed, cudaStream_t s) {
    fill_kernel<<<256, 256, 0, s>>>((uint8_t *)p, n, seed);
}

// Number of bytes of device buffer `p` that differ from pattern `seed` (synchronises `s`).
static inline unsigned long long count_bad(const void *p, uint64_t n, uint32_t seed, cudaStream_t s) {
    unsigned long long *bad, h = 0;
    cudaMalloc(&bad, sizeof *bad);
    cudaMemsetAsync(bad, 0, sizeof *bad, s);
    check_kernel<<<256, 256, 0, s>>>((const uint8_t *)p, n, seed, bad);
    cudaMemcpyAsync(&h, bad, sizeof h, cudaMemcpyDeviceToHost, s);
    cudaStreamSynchronize(s);
    cudaFree(bad);
    return h;
}

static inline int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static inline int64_t mono_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static inline void sleep_ms(int ms) {
    struct timespec d = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&d, NULL);
}

// Frame shape used by the dtype tests: 37 x 5 elements.
static const uint64_t kShape[2] = {37, 5};
