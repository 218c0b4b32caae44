/* Copies between private and shared memory (stream frames, dictionary keys and values), for
 * seqlock readers and writers; see the memory-model notes in stream.c and dict.c. Neither is a
 * C-level data race: from 64 bytes the copy is an opaque asm block (below) with a fence on the
 * shared side, under that it is word-sized acquire loads or release stores. */
#include "internal.h"

#include <stdint.h>
#include <string.h>

void shmhub__copy_from_shared(void *dst, const unsigned char *src, size_t n) {
    unsigned char *d = dst;
    size_t i = 0;
#if defined(__x86_64__)
    if (n >= SHMHUB__BULK_MIN) {
        shmhub__bulk_copy(d, src, n);
        atomic_thread_fence(memory_order_acquire); /* before the reader's closing check */
        return;
    }
#endif
    for (; i + 8 <= n; i += 8) {
        uint64_t w = __atomic_load_n((const uint64_t *)(src + i), __ATOMIC_ACQUIRE);
        memcpy(d + i, &w, 8);
    }
    if (i < n) { /* the whole last word lies inside the mapping (the caller's promise) */
        uint64_t w = __atomic_load_n((const uint64_t *)(src + i), __ATOMIC_ACQUIRE);
        memcpy(d + i, &w, n - i);
    }
}

void shmhub__copy_to_shared(unsigned char *dst, const void *src, size_t n) {
#if defined(__x86_64__)
    if (n >= SHMHUB__BULK_MIN) {
        atomic_thread_fence(memory_order_release); /* after the writer's odd lock or seq store */
        shmhub__bulk_copy(dst, src, n);
        return;
    }
#endif
    const unsigned char *s = src;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        __atomic_store_n((uint64_t *)(void *)(dst + i), w, __ATOMIC_RELEASE);
    }
    for (; i < n; i++) __atomic_store_n(dst + i, s[i], __ATOMIC_RELEASE);
}

#if defined(__x86_64__)
/* Bulk copies of 64 bytes and more (stream frames, dict values), as opaque asm (no C-level access to the shared bytes), which
 * reach glibc memcpy of the same size and alignment at every source/destination alignment
 * (bench/stream_bench, "copy" rows). `rep movsb` is fast only when source and destination are
 * equally aligned mod 64 (on AMD EPYC 2-3x slower otherwise: 4 MiB in 220-250 us against memcpy's
 * 92-100 us), so it is used only then, from 2 KiB up. Every other case is an AVX2 loop with
 * unaligned loads and 64-byte-aligned stores, 128 bytes per turn; the first 64 and last 128 bytes
 * are loaded before the loop and stored after it with unaligned moves (they may overlap bytes
 * the loop wrote, which is harmless: same values, and a writer's slot is under its odd lock word).
 * From 32 MiB (more than any core's private caches plus its L3 share) the loop's stores are
 * non-temporal, which wins at 64 MB on both Intel and AMD and loses at 16 MB. CPUs without AVX2
 * (checked at run time; also requires OS support of the AVX state) use `rep movsb`. */
#define BULK_REP_MIN 2048u
#define BULK_NT_MIN (32u << 20)
#define BULK_VEC_CLOBBERS "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7"

static void rep_movsb(unsigned char *dst, const unsigned char *src, size_t n) {
    __asm__ volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
}

__attribute__((noinline)) static void vec_copy(unsigned char *dst, const unsigned char *src,
                                               size_t n) { /* 64 <= n */
    if (n <= 256) { /* straight line: first and last 64 (n <= 128) or 128 bytes, overlapping */
        if (n <= 128)
            __asm__ volatile("vmovdqu (%1), %%ymm0\n\tvmovdqu 32(%1), %%ymm1\n\t"
                             "vmovdqu -64(%1,%2), %%ymm2\n\tvmovdqu -32(%1,%2), %%ymm3\n\t"
                             "vmovdqu %%ymm0, (%0)\n\tvmovdqu %%ymm1, 32(%0)\n\t"
                             "vmovdqu %%ymm2, -64(%0,%2)\n\tvmovdqu %%ymm3, -32(%0,%2)\n\t"
                             "vzeroupper"
                             :
                             : "r"(dst), "r"(src), "r"(n)
                             : "memory", BULK_VEC_CLOBBERS);
        else
            __asm__ volatile("vmovdqu (%1), %%ymm0\n\tvmovdqu 32(%1), %%ymm1\n\t"
                             "vmovdqu 64(%1), %%ymm2\n\tvmovdqu 96(%1), %%ymm3\n\t"
                             "vmovdqu -128(%1,%2), %%ymm4\n\tvmovdqu -96(%1,%2), %%ymm5\n\t"
                             "vmovdqu -64(%1,%2), %%ymm6\n\tvmovdqu -32(%1,%2), %%ymm7\n\t"
                             "vmovdqu %%ymm0, (%0)\n\tvmovdqu %%ymm1, 32(%0)\n\t"
                             "vmovdqu %%ymm2, 64(%0)\n\tvmovdqu %%ymm3, 96(%0)\n\t"
                             "vmovdqu %%ymm4, -128(%0,%2)\n\tvmovdqu %%ymm5, -96(%0,%2)\n\t"
                             "vmovdqu %%ymm6, -64(%0,%2)\n\tvmovdqu %%ymm7, -32(%0,%2)\n\t"
                             "vzeroupper"
                             :
                             : "r"(dst), "r"(src), "r"(n)
                             : "memory", BULK_VEC_CLOBBERS);
        return;
    }
    size_t head = 64 - ((uintptr_t)dst & 63); /* 1..64: bytes before the first aligned block */
    unsigned char *d = dst + head;
    const unsigned char *s = src + head;
    size_t blocks = (n - head - 1) / 128; /* leaves 1..128 bytes for the saved tail */
    /* One asm block from the first load to the last store, so that the saved head and tail stay
     * in their registers (the compiler keeps no vector state across separate asm statements). */
    if (n >= BULK_NT_MIN) /* sfence first: non-temporal stores are not ordered with earlier
                           * stores (Intel SDM 8.2.2), so without it payload bytes of frame n
                           * could become visible before the slot's 2n+1 store, and a reader
                           * still seeing the old lock would accept a torn copy. The sfence after
                           * the loop orders the payload before the 2n release store. */
        __asm__ volatile("sfence\n\t"
                         "vmovdqu (%[src0]), %%ymm0\n\tvmovdqu 32(%[src0]), %%ymm1\n\t"
                         "vmovdqu -128(%[src0],%[n]), %%ymm2\n\tvmovdqu -96(%[src0],%[n]), %%ymm3\n\t"
                         "vmovdqu -64(%[src0],%[n]), %%ymm6\n\tvmovdqu -32(%[src0],%[n]), %%ymm7\n\t"
                         "1:\n\t"
                         "vmovdqu (%[s]), %%ymm4\n\tvmovdqu 32(%[s]), %%ymm5\n\t"
                         "vmovntdq %%ymm4, (%[d])\n\tvmovntdq %%ymm5, 32(%[d])\n\t"
                         "vmovdqu 64(%[s]), %%ymm4\n\tvmovdqu 96(%[s]), %%ymm5\n\t"
                         "vmovntdq %%ymm4, 64(%[d])\n\tvmovntdq %%ymm5, 96(%[d])\n\t"
                         "sub $-128, %[s]\n\tsub $-128, %[d]\n\tdec %[b]\n\tjnz 1b\n\t"
                         "sfence\n\t"
                         "vmovdqu %%ymm0, (%[dst0])\n\tvmovdqu %%ymm1, 32(%[dst0])\n\t"
                         "vmovdqu %%ymm2, -128(%[dst0],%[n])\n\tvmovdqu %%ymm3, -96(%[dst0],%[n])\n\t"
                         "vmovdqu %%ymm6, -64(%[dst0],%[n])\n\tvmovdqu %%ymm7, -32(%[dst0],%[n])\n\t"
                         "vzeroupper"
                         : [d] "+r"(d), [s] "+r"(s), [b] "+r"(blocks)
                         : [dst0] "r"(dst), [src0] "r"(src), [n] "r"(n)
                         : "memory", BULK_VEC_CLOBBERS);
    else
        __asm__ volatile("vmovdqu (%[src0]), %%ymm0\n\tvmovdqu 32(%[src0]), %%ymm1\n\t"
                         "vmovdqu -128(%[src0],%[n]), %%ymm2\n\tvmovdqu -96(%[src0],%[n]), %%ymm3\n\t"
                         "vmovdqu -64(%[src0],%[n]), %%ymm6\n\tvmovdqu -32(%[src0],%[n]), %%ymm7\n\t"
                         "test %[b], %[b]\n\tjz 2f\n\t"
                         "1:\n\t"
                         "vmovdqu (%[s]), %%ymm4\n\tvmovdqu 32(%[s]), %%ymm5\n\t"
                         "vmovdqa %%ymm4, (%[d])\n\tvmovdqa %%ymm5, 32(%[d])\n\t"
                         "vmovdqu 64(%[s]), %%ymm4\n\tvmovdqu 96(%[s]), %%ymm5\n\t"
                         "vmovdqa %%ymm4, 64(%[d])\n\tvmovdqa %%ymm5, 96(%[d])\n\t"
                         "sub $-128, %[s]\n\tsub $-128, %[d]\n\tdec %[b]\n\tjnz 1b\n\t"
                         "2:\n\t"
                         "vmovdqu %%ymm0, (%[dst0])\n\tvmovdqu %%ymm1, 32(%[dst0])\n\t"
                         "vmovdqu %%ymm2, -128(%[dst0],%[n])\n\tvmovdqu %%ymm3, -96(%[dst0],%[n])\n\t"
                         "vmovdqu %%ymm6, -64(%[dst0],%[n])\n\tvmovdqu %%ymm7, -32(%[dst0],%[n])\n\t"
                         "vzeroupper"
                         : [d] "+r"(d), [s] "+r"(s), [b] "+r"(blocks)
                         : [dst0] "r"(dst), [src0] "r"(src), [n] "r"(n)
                         : "memory", BULK_VEC_CLOBBERS);
}

/* n >= SHMHUB__BULK_MIN; any alignment of either side. */
void shmhub__bulk_copy(unsigned char *dst, const unsigned char *src, size_t n) {
    if (n >= BULK_REP_MIN && n < BULK_NT_MIN && (((uintptr_t)dst ^ (uintptr_t)src) & 63) == 0)
        rep_movsb(dst, src, n);
    else if (__builtin_cpu_supports("avx2"))
        vec_copy(dst, src, n);
    else
        rep_movsb(dst, src, n);
}
#endif
