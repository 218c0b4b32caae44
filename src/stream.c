/* Streams: a ring of frames with per-slot sequence locks, futex wake-ups and zero-copy loans.
 * Layout (ext descriptor, control area, ring) in docs/layout.md; guarantees in docs/streams.md.
 *
 * Memory model. Slot s holds frame n (n >= 1) when its lock word is 2n; 2n+1 while frame n is being
 * written; 0 when empty or abandoned. The writer stores 2n+1 (relaxed), a release fence, the
 * payload, then 2n (release), then the head (seq_cst). A reader loads the lock (acquire), copies,
 * issues an acquire fence and reloads the lock (relaxed); equal values mean the copy is whole
 * (Boehm, "Can seqlocks get along with programming language memory models?", MSPC 2012). The
 * payload copies are either relaxed atomic word accesses or, for frames of 64 bytes and more on
 * x86-64, opaque asm blocks (`rep movsb` or an AVX2 loop); neither is a C-level data race. */
#include "internal.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* ---- shared structures ----------------------------------------------------------------------- */

typedef struct shmhub__stream_desc { /* the ext area: immutable, checksummed */
    uint32_t dtype;
    uint32_t ndim;
    uint64_t shape[SHMHUB_MAX_NDIM];
    uint64_t frame_nbytes;
    uint64_t slot_stride;  /* frame_nbytes rounded up to 64 */
    uint32_t slots;
    uint32_t writer_mode;
    uint64_t reserved[4];
} shmhub__stream_desc;
_Static_assert(sizeof(shmhub__stream_desc) == 128, "stream descriptor is 128 bytes");

typedef struct shmhub__stream_ctl { /* the control area's first 256 bytes: mutable */
    _Atomic uint64_t head;          /*   0: newest committed sequence number, 0 = none */
    _Atomic int64_t last_write_ns;  /*   8 */
    uint8_t pad0[48];
    _Atomic uint32_t notify;        /*  64: futex word, low 32 bits of head */
    _Atomic uint32_t waiters;       /*  68: readers sleeping (or about to) on notify */
    uint8_t pad1[56];
    _Atomic uint32_t lock;          /* 128: multi-writer lock: owner thread id, 0 = free */
    _Atomic uint32_t lock_waiters;  /* 132 */
    _Atomic uint32_t writer_pid;    /* 136: single-writer claim / last writer's pid */
    uint32_t pad2;
    _Atomic uint64_t recoveries;    /* 144: locks or claims taken over from dead processes */
    uint8_t pad3[104];
} shmhub__stream_ctl;
_Static_assert(sizeof(shmhub__stream_ctl) == 256, "stream control block is 256 bytes");

typedef struct shmhub__slot { /* one per ring slot, after the control block */
    _Atomic uint64_t lock;   /* 2n: frame n; 2n+1: frame n being written; 0: empty */
    _Atomic int64_t ts_ns;   /* commit time of the frame */
    uint8_t pad[48];
} shmhub__slot;
_Static_assert(sizeof(shmhub__slot) == 64, "slot header is 64 bytes");

#define MAX_SLOTS 65536u
#define MAX_LAPS 1000
#define LIVENESS_SLICE_NS 50000000
#define READ_ONLY_SLICE_NS 1000000

struct shmhub_stream {
    shmhub_segment *seg;
    shmhub__stream_ctl *ctl;
    shmhub__slot *slot;
    unsigned char *ring;
    uint64_t stride, frame_nbytes;
    uint32_t slots, writer_mode, wait_mode, flags;
    uint64_t slot_mask;      /* slots - 1 when slots is a power of two (no division), else 0 */
    int64_t spin_ns, lock_timeout_ns;
    shmhub_dtype dtype;
    uint32_t ndim;
    uint64_t shape[SHMHUB_MAX_NDIM];
    _Atomic uint64_t cursor; /* relaxed: per handle, atomic only so concurrent reads are race-free */
    uint32_t claimed_pid;   /* single-writer role held by this handle (0 = not claimed) */
    int loan_open;
    uint64_t loan_seq;
    int loan_locked;
    _Atomic int busy;        /* a write or loan is in progress on this handle */
};

/* Ring slot of frame seq (seq >= 1): a mask for power-of-two rings, which saves a 64-bit
 * division on every read and write (measurable at 64-byte frames). */
static inline uint64_t slot_index(const struct shmhub_stream *s, uint64_t seq) {
    return s->slot_mask ? (seq - 1) & s->slot_mask : (seq - 1) % s->slots;
}

/* ---- payload copies (see the memory-model note above) ------------------------------------------ */

#if defined(__x86_64__)
/* Bulk copies for frames >= 64 bytes, as opaque asm (no C-level access to the shared bytes), which
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
#define BULK_MIN 64u
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
    if (n >= BULK_NT_MIN)
        __asm__ volatile("vmovdqu (%[src0]), %%ymm0\n\tvmovdqu 32(%[src0]), %%ymm1\n\t"
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

/* n >= BULK_MIN; any alignment of either side. */
static void bulk_copy(unsigned char *dst, const unsigned char *src, size_t n) {
    if (n >= BULK_REP_MIN && n < BULK_NT_MIN && (((uintptr_t)dst ^ (uintptr_t)src) & 63) == 0)
        rep_movsb(dst, src, n);
    else if (__builtin_cpu_supports("avx2"))
        vec_copy(dst, src, n);
    else
        rep_movsb(dst, src, n);
}
#endif

/* Slot (64-aligned) -> private memory. */
static void copy_out(void *dst, const unsigned char *src, size_t n) {
    unsigned char *d = dst;
    size_t i = 0;
#if defined(__x86_64__)
    if (n >= BULK_MIN) {
        bulk_copy(d, src, n);
        return;
    }
#endif
    for (; i + 8 <= n; i += 8) {
        uint64_t w = __atomic_load_n((const uint64_t *)(src + i), __ATOMIC_RELAXED);
        memcpy(d + i, &w, 8);
    }
    if (i < n) { /* slots are padded to 64 bytes, so the whole last word is inside the ring */
        uint64_t w = __atomic_load_n((const uint64_t *)(src + i), __ATOMIC_RELAXED);
        memcpy(d + i, &w, n - i);
    }
}

/* Private memory -> slot (64-aligned). */
static void copy_in(unsigned char *dst, const void *src, size_t n) {
#if defined(__x86_64__)
    if (n >= BULK_MIN) {
        bulk_copy(dst, src, n);
        return;
    }
#endif
    const unsigned char *s = src;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        __atomic_store_n((uint64_t *)(dst + i), w, __ATOMIC_RELAXED);
    }
    for (; i < n; i++) __atomic_store_n(dst + i, s[i], __ATOMIC_RELAXED);
}

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __asm__ volatile("pause" ::: "memory");
#else
    __asm__ volatile("" ::: "memory");
#endif
}

/* ---- options ------------------------------------------------------------------------------------ */

#define HAS(o, f) ((o)->size >= offsetof(shmhub_stream_opts, f) + sizeof((o)->f))

SHMHUB_API shmhub_status shmhub_stream_opts_init(shmhub_stream_opts *opts, size_t size) {
    if (!opts || size < 8)
        return shmhub__fail(SHMHUB_E_INVALID, "stream options: NULL or size %zu < 8", size);
    shmhub_stream_opts d = SHMHUB_STREAM_OPTS_INIT;
    size_t n = size < sizeof d ? size : sizeof d;
    memset(opts, 0, size);
    memcpy(opts, &d, n);
    opts->size = (uint32_t)n;
    return SHMHUB_OK;
}

/* The ring depth when the options leave slots at 0: DEFAULT_SLOTS frames, fewer for large frames
 * so that the ring stays within RING_BUDGET bytes (never fewer than 2). A ring much larger than
 * the caches makes every write and read walk cache-cold slots: a 4 MB round trip with 4 slots
 * (16 MB) ran at about half the speed of one hot buffer on AMD EPYC; see docs/streams.md,
 * "Default ring depth". An explicit slots value is always obeyed. */
#define DEFAULT_SLOTS 8u
#define RING_BUDGET (8u << 20)
static uint32_t default_slots(uint64_t stride) {
    uint64_t n = RING_BUDGET / stride;
    return n >= DEFAULT_SLOTS ? DEFAULT_SLOTS : n < 2 ? 2u : (uint32_t)n;
}

static shmhub_status read_stream_opts(const shmhub_stream_opts *in, shmhub_stream_opts *o,
                                      const char *name) {
    shmhub_stream_opts d = SHMHUB_STREAM_OPTS_INIT;
    *o = d;
    if (!in) return SHMHUB_OK;
    if (in->size < 8)
        return shmhub__fail(SHMHUB_E_INVALID,
                            "stream '%s': options size %u < 8 (initialise them with "
                            "shmhub_stream_opts_init)",
                            name, in->size);
    if (HAS(in, slots)) o->slots = in->slots;
    if (HAS(in, writer_mode)) o->writer_mode = in->writer_mode;
    if (HAS(in, wait_mode)) o->wait_mode = in->wait_mode;
    if (HAS(in, spin_ns)) o->spin_ns = in->spin_ns;
    if (HAS(in, flags)) o->flags = in->flags;
    if (HAS(in, lock_timeout_ns)) o->lock_timeout_ns = in->lock_timeout_ns;
    if (HAS(in, segment)) o->segment = in->segment;
    if (HAS(in, reserved) && in->reserved != 0)
        return shmhub__fail(SHMHUB_E_INVALID, "stream '%s': options field 'reserved' must be 0",
                            name);
    if (o->slots != 0 && (o->slots < 2 || o->slots > MAX_SLOTS))
        return shmhub__fail(SHMHUB_E_INVALID, "stream '%s': slots %u outside [2, %u] (or 0: chosen "
                            "from the frame size)", name, o->slots, MAX_SLOTS);
    if (o->writer_mode > SHMHUB_WRITER_MULTI)
        return shmhub__fail(SHMHUB_E_INVALID, "stream '%s': unknown writer mode %u", name,
                            o->writer_mode);
    if (o->wait_mode > SHMHUB_WAIT_SPIN)
        return shmhub__fail(SHMHUB_E_INVALID, "stream '%s': unknown wait mode %u", name,
                            o->wait_mode);
    if (o->flags & ~SHMHUB_STREAM_LIVENESS)
        return shmhub__fail(SHMHUB_E_INVALID, "stream '%s': unknown flags 0x%x", name, o->flags);
    if (o->spin_ns < 0) o->spin_ns = 0;
    return SHMHUB_OK;
}

/* ---- create / open / close --------------------------------------------------------------------- */

/* Builds the handle from an opened or created segment, validating the stream descriptor. */
static shmhub_status attach(shmhub_segment *seg, const shmhub_stream_opts *o, shmhub_stream **out) {
    const char *name = seg->name;
    if (seg->ext_size != sizeof(shmhub__stream_desc))
        return shmhub__fail(SHMHUB_E_CORRUPT, "stream '%s': descriptor of %llu bytes, expected %zu",
                            name, (unsigned long long)seg->ext_size, sizeof(shmhub__stream_desc));
    shmhub__stream_desc d;
    memcpy(&d, seg->base + seg->ext_offset, sizeof d); /* private copy: checksummed at open */
    uint64_t nbytes, count;
    if (shmhub__nbytes((shmhub_dtype)d.dtype, d.ndim, d.shape, &nbytes, &count) != SHMHUB_OK ||
        nbytes != d.frame_nbytes || nbytes == 0 ||
        d.slot_stride != shmhub__align_up(nbytes, SHMHUB_ALIGNMENT) || d.slots < 2 ||
        d.slots > MAX_SLOTS || d.writer_mode > SHMHUB_WRITER_MULTI)
        return shmhub__fail(SHMHUB_E_CORRUPT, "stream '%s': invalid frame descriptor", name);
    const shmhub_array *ring = seg->narrays == 1 ? &seg->arrays[0] : NULL;
    if (!ring || strcmp(ring->name, "ring") != 0 || ring->dtype != SHMHUB_DTYPE_UINT8 ||
        d.slot_stride > UINT64_MAX / d.slots || ring->nbytes != d.slot_stride * d.slots ||
        seg->control_size != sizeof(shmhub__stream_ctl) + (uint64_t)d.slots * sizeof(shmhub__slot))
        return shmhub__fail(SHMHUB_E_CORRUPT, "stream '%s': ring or control area has the wrong size",
                            name);
    shmhub_stream *s = calloc(1, sizeof *s);
    if (!s) return shmhub__fail(SHMHUB_E_NO_MEMORY, "stream '%s': out of memory", name);
    s->seg = seg;
    s->ctl = (shmhub__stream_ctl *)(seg->base + seg->control_offset);
    s->slot = (shmhub__slot *)(seg->base + seg->control_offset + sizeof(shmhub__stream_ctl));
    s->ring = ring->data;
    s->stride = d.slot_stride;
    s->frame_nbytes = d.frame_nbytes;
    s->slots = d.slots;
    s->slot_mask = (d.slots & (d.slots - 1)) == 0 ? d.slots - 1 : 0;
    s->writer_mode = d.writer_mode;
    s->wait_mode = o->wait_mode;
    s->flags = o->flags;
    s->spin_ns = o->spin_ns;
    s->lock_timeout_ns = o->lock_timeout_ns;
    s->dtype = (shmhub_dtype)d.dtype;
    s->ndim = d.ndim;
    memcpy(s->shape, d.shape, sizeof s->shape);
    atomic_init(&s->cursor, atomic_load_explicit(&s->ctl->head, memory_order_acquire));
    *out = s;
    return SHMHUB_OK;
}

/* What create and open check first: the name, the out-pointer (cleared), the options. */
static shmhub_status begin_handle_call(const char *name, const shmhub_stream_opts *opts,
                                       shmhub_stream **out, shmhub_stream_opts *o) {
    if (out) *out = NULL;
    shmhub_status st = shmhub__check_name(name, "stream", SHMHUB_MAX_NAME);
    if (st != SHMHUB_OK) return st;
    if (!out) return shmhub__fail(SHMHUB_E_INVALID, "stream '%s': NULL out-pointer", name);
    return read_stream_opts(opts, o, name);
}

SHMHUB_API shmhub_status shmhub_stream_create(const char *name, shmhub_dtype dtype, uint32_t ndim,
                                              const uint64_t *shape, const shmhub_stream_opts *opts,
                                              shmhub_stream **out) {
    shmhub_stream_opts o;
    shmhub_status st = begin_handle_call(name, opts, out, &o);
    if (st != SHMHUB_OK) return st;
    shmhub__stream_desc d;
    memset(&d, 0, sizeof d);
    uint64_t count;
    switch (shmhub__nbytes(dtype, ndim, shape, &d.frame_nbytes, &count)) {
    case SHMHUB_OK: break;
    case SHMHUB_E_RANGE:
        return shmhub__fail(SHMHUB_E_INVALID, "stream '%s': frame shape too large", name);
    default:
        return shmhub__fail(SHMHUB_E_INVALID, "stream '%s': invalid dtype %d or ndim %u", name,
                            (int)dtype, ndim);
    }
    if (d.frame_nbytes == 0)
        return shmhub__fail(SHMHUB_E_INVALID, "stream '%s': a frame must hold at least one byte",
                            name);
    d.dtype = (uint32_t)dtype;
    d.ndim = ndim;
    for (uint32_t i = 0; i < ndim; i++) d.shape[i] = shape[i];
    d.slot_stride = shmhub__align_up(d.frame_nbytes, SHMHUB_ALIGNMENT);
    d.slots = o.slots ? o.slots : default_slots(d.slot_stride);
    d.writer_mode = o.writer_mode;
    if (d.slot_stride > ((UINT64_C(1) << 56) - 1) / d.slots) /* the ring stays below 2^56 bytes */
        return shmhub__fail(SHMHUB_E_INVALID, "stream '%s': ring of %u frames is too large", name,
                            d.slots);
    shmhub_layout layout = {0, 0, NULL};
    uint64_t ring_bytes = d.slot_stride * d.slots;
    if ((st = shmhub_layout_add(&layout, "ring", SHMHUB_DTYPE_UINT8, 1, &ring_bytes)) != SHMHUB_OK)
        return st;
    shmhub__create_req req = {SHMHUB_KIND_STREAM, &layout, &d, sizeof d,
                              sizeof(shmhub__stream_ctl) + (uint64_t)d.slots * sizeof(shmhub__slot)};
    shmhub_segment *seg;
    st = shmhub__segment_create(name, &req, o.segment, &seg);
    free(layout.specs);
    if (st != SHMHUB_OK) return st;
    if ((st = attach(seg, &o, out)) != SHMHUB_OK) {
        shmhub_segment_close(seg);
        shmhub_unlink_in(name, seg->dir);
    }
    return st;
}

SHMHUB_API shmhub_status shmhub_stream_open(const char *name, const shmhub_stream_opts *opts,
                                            shmhub_stream **out) {
    shmhub_stream_opts o;
    shmhub_status st = begin_handle_call(name, opts, out, &o);
    if (st != SHMHUB_OK) return st;
    shmhub_segment *seg;
    if ((st = shmhub__segment_open(name, SHMHUB_KIND_STREAM, o.segment, &seg)) != SHMHUB_OK)
        return st;
    if ((st = attach(seg, &o, out)) != SHMHUB_OK) shmhub_segment_close(seg);
    return st;
}

SHMHUB_API void shmhub_stream_close(shmhub_stream *s) {
    if (!s) return;
    if (s->loan_open) shmhub_stream_abandon(s);
    if (s->claimed_pid) {
        uint32_t me = s->claimed_pid;
        atomic_compare_exchange_strong(&s->ctl->writer_pid, &me, 0);
    }
    shmhub_segment_close(s->seg);
    free(s);
}

/* ---- writer side -------------------------------------------------------------------------------- */

static uint32_t thread_id(void) { return (uint32_t)syscall(SYS_gettid); }

/* Single-writer mode: claim the writer role once per handle. A dead holder's claim is taken over. */
static shmhub_status claim_writer(shmhub_stream *s) {
    if (s->claimed_pid) return SHMHUB_OK;
    uint32_t me = (uint32_t)getpid();
    for (;;) {
        uint32_t cur = atomic_load(&s->ctl->writer_pid);
        if (cur == me)
            return shmhub__fail(SHMHUB_E_BUSY,
                                "stream '%s': another handle in this process is its single writer",
                                s->seg->name);
        if (cur && shmhub__pid_alive(cur))
            return shmhub__fail(SHMHUB_E_BUSY,
                                "stream '%s': process %u is its single writer; create the stream "
                                "with SHMHUB_WRITER_MULTI for several writers",
                                s->seg->name, cur);
        if (atomic_compare_exchange_strong(&s->ctl->writer_pid, &cur, me)) {
            if (cur) atomic_fetch_add(&s->ctl->recoveries, 1);
            break;
        }
    }
    s->claimed_pid = me;
    return SHMHUB_OK;
}

/* Multi-writer mode: a robust lock whose word is the owner's thread id. */
static shmhub_status lock_writer(shmhub_stream *s) {
    uint32_t me = thread_id();
    int64_t deadline = s->lock_timeout_ns < 0 ? INT64_MAX
                                              : shmhub__now_ns(CLOCK_MONOTONIC) + s->lock_timeout_ns;
    for (;;) {
        uint32_t cur = 0;
        if (atomic_compare_exchange_strong(&s->ctl->lock, &cur, me)) break;
        if (cur == me) /* e.g. a loan open on another handle of this thread: waiting would deadlock */
            return shmhub__fail(SHMHUB_E_BUSY,
                                "stream '%s': this thread already holds the writer lock (an open "
                                "loan on another handle?)",
                                s->seg->name);
        if (!shmhub__pid_alive(cur)) { /* the holder died: take the lock over, and count it */
            if (atomic_compare_exchange_strong(&s->ctl->lock, &cur, me)) {
                atomic_fetch_add(&s->ctl->recoveries, 1);
                break;
            }
            continue;
        }
        int64_t remaining = deadline - shmhub__now_ns(CLOCK_MONOTONIC);
        if (remaining <= 0)
            return shmhub__fail(SHMHUB_E_TIMEOUT,
                                "stream '%s': writer lock held by thread %u past the lock timeout",
                                s->seg->name, cur);
        atomic_fetch_add(&s->ctl->lock_waiters, 1);
        shmhub__futex_wait(&s->ctl->lock, cur, remaining < 10000000 ? remaining : 10000000);
        atomic_fetch_sub(&s->ctl->lock_waiters, 1);
    }
    atomic_store_explicit(&s->ctl->writer_pid, (uint32_t)getpid(), memory_order_relaxed);
    return SHMHUB_OK;
}

static void unlock_writer(shmhub_stream *s) {
    atomic_store_explicit(&s->ctl->lock, 0, memory_order_release);
    if (atomic_load(&s->ctl->lock_waiters)) shmhub__futex_wake_all(&s->ctl->lock);
}

/* Takes the writer role (and lock) and marks the next slot as being written. */
static shmhub_status begin_write(shmhub_stream *s, uint64_t *seq_out) {
    if (s->seg->read_only)
        return shmhub__fail(SHMHUB_E_READ_ONLY, "stream '%s': the handle is read-only",
                            s->seg->name);
    /* Threads sharing the handle take turns; an open loan makes the handle busy until it ends. */
    for (int expected = 0; !atomic_compare_exchange_weak(&s->busy, &expected, 1); expected = 0) {
        if (s->loan_open)
            return shmhub__fail(SHMHUB_E_BUSY, "stream '%s': a loan is open on this handle",
                                s->seg->name);
        sched_yield();
    }
    shmhub_status st = s->writer_mode == SHMHUB_WRITER_MULTI ? lock_writer(s) : claim_writer(s);
    if (st != SHMHUB_OK) {
        atomic_store(&s->busy, 0);
        return st;
    }
    uint64_t seq = atomic_load_explicit(&s->ctl->head, memory_order_relaxed) + 1;
    shmhub__slot *sl = &s->slot[slot_index(s, seq)];
    atomic_store_explicit(&sl->lock, 2 * seq + 1, memory_order_relaxed);
    atomic_thread_fence(memory_order_release);
    *seq_out = seq;
    return SHMHUB_OK;
}

/* Publishes frame seq (its payload is in place), wakes sleepers, releases lock and mutex. */
static void end_write(shmhub_stream *s, uint64_t seq) {
    shmhub__slot *sl = &s->slot[slot_index(s, seq)];
    int64_t ts = shmhub__now_ns(CLOCK_REALTIME);
    atomic_store_explicit(&sl->ts_ns, ts, memory_order_relaxed);
    atomic_store_explicit(&sl->lock, 2 * seq, memory_order_release);
    atomic_store_explicit(&s->ctl->last_write_ns, ts, memory_order_relaxed);
    atomic_store(&s->ctl->head, seq);
    atomic_store(&s->ctl->notify, (uint32_t)seq);
    if (atomic_load(&s->ctl->waiters)) shmhub__futex_wake_all(&s->ctl->notify);
    if (s->writer_mode == SHMHUB_WRITER_MULTI) unlock_writer(s);
    atomic_store(&s->busy, 0);
}

static shmhub_status check_size(const shmhub_stream *s, size_t nbytes, const char *what) {
    if (nbytes == s->frame_nbytes) return SHMHUB_OK;
    return shmhub__fail(SHMHUB_E_SIZE, "stream '%s': %s of %zu bytes, but a frame is %llu bytes",
                        s->seg->name, what, nbytes, (unsigned long long)s->frame_nbytes);
}

#ifdef SHMHUB_TEST_HOOKS
/* Test-only crash point (builds with SHMHUB_TEST_HOOKS, i.e. the unit tests' private library):
 * once armed, the next shmhub_stream_write in this process copies only the first `bytes` bytes
 * of its frame and then dies by SIGKILL, leaving the slot marked "being written". */
#include <signal.h>
static int64_t test_crash_after = -1;
SHMHUB__HIDDEN void shmhub__test_crash_after(int64_t bytes) { test_crash_after = bytes; }
#endif

SHMHUB_API shmhub_status shmhub_stream_write(shmhub_stream *s, const void *src, size_t nbytes) {
    if (!s || !src) return shmhub__fail(SHMHUB_E_INVALID, "stream write: NULL argument");
    shmhub_status st = check_size(s, nbytes, "write");
    uint64_t seq = 0;
    if (st != SHMHUB_OK || (st = begin_write(s, &seq)) != SHMHUB_OK) return st;
#ifdef SHMHUB_TEST_HOOKS
    if (test_crash_after >= 0) {
        copy_in(s->ring + slot_index(s, seq) * s->stride, src,
                (uint64_t)test_crash_after < nbytes ? (size_t)test_crash_after : nbytes);
        raise(SIGKILL);
    }
#endif
    copy_in(s->ring + slot_index(s, seq) * s->stride, src, nbytes);
    end_write(s, seq);
    return SHMHUB_OK;
}

SHMHUB_API shmhub_status shmhub_stream_loan(shmhub_stream *s, void **frame) {
    if (frame) *frame = NULL;
    if (!s || !frame) return shmhub__fail(SHMHUB_E_INVALID, "stream loan: NULL argument");
    uint64_t seq = 0;
    shmhub_status st = begin_write(s, &seq);
    if (st != SHMHUB_OK) return st;
    /* The handle stays busy until commit/abandon: the loan is this handle's single write. */
    s->loan_open = 1;
    s->loan_seq = seq;
    *frame = s->ring + slot_index(s, seq) * s->stride;
    return SHMHUB_OK;
}

/* Ends the handle's open loan (commit or abandon), or fails when there is none. */
static shmhub_status close_loan(shmhub_stream *s, const char *what) {
    if (!s || !s->loan_open)
        return shmhub__fail(SHMHUB_E_INVALID, "stream '%s': %s without an open loan",
                            s ? s->seg->name : "?", what);
    s->loan_open = 0;
    return SHMHUB_OK;
}

SHMHUB_API shmhub_status shmhub_stream_commit(shmhub_stream *s) {
    shmhub_status st = close_loan(s, "commit");
    if (st == SHMHUB_OK) end_write(s, s->loan_seq);
    return st;
}

SHMHUB_API shmhub_status shmhub_stream_abandon(shmhub_stream *s) {
    shmhub_status st = close_loan(s, "abandon");
    if (st != SHMHUB_OK) return st;
    /* The slot's previous frame is partly overwritten: mark it empty. The sequence number is not
     * consumed; the next write reuses it. */
    atomic_store_explicit(&s->slot[slot_index(s, s->loan_seq)].lock, 0, memory_order_release);
    if (s->writer_mode == SHMHUB_WRITER_MULTI) unlock_writer(s);
    atomic_store(&s->busy, 0);
    return SHMHUB_OK;
}

/* ---- reader side -------------------------------------------------------------------------------- */

static inline uint64_t load_cursor(const shmhub_stream *s) {
    return atomic_load_explicit(&((shmhub_stream *)s)->cursor, memory_order_relaxed);
}
static inline void store_cursor(shmhub_stream *s, uint64_t v) {
    atomic_store_explicit(&s->cursor, v, memory_order_relaxed);
}

enum { SLOT_OK, SLOT_LAPPED, SLOT_EMPTY };

/* Copies frame seq out of its slot if the slot still holds it, whole. dst NULL: validate only. */
static int read_slot(const shmhub_stream *s, uint64_t seq, void *dst, int64_t *ts) {
    uint64_t idx = slot_index(s, seq);
    shmhub__slot *sl = &s->slot[idx];
    uint64_t l0 = atomic_load_explicit(&sl->lock, memory_order_acquire);
    if (l0 != 2 * seq) return l0 > 2 * seq ? SLOT_LAPPED : SLOT_EMPTY;
    if (dst) copy_out(dst, s->ring + idx * s->stride, s->frame_nbytes);
    *ts = atomic_load_explicit(&sl->ts_ns, memory_order_relaxed);
    atomic_thread_fence(memory_order_acquire);
    return atomic_load_explicit(&sl->lock, memory_order_relaxed) == l0 ? SLOT_OK : SLOT_LAPPED;
}

static void fill_info(shmhub_frame_info *info, uint64_t seq, int64_t ts, uint64_t missed) {
    if (!info || info->size < 8) return;
    shmhub_frame_info full = {info->size, 0, seq, ts, missed};
    size_t n = info->size < sizeof full ? info->size : sizeof full;
    memcpy(info, &full, n);
}

static shmhub_status peer_check(const shmhub_stream *s) {
    uint32_t pid = atomic_load_explicit(&s->ctl->writer_pid, memory_order_relaxed);
    if (pid && !shmhub__pid_alive(pid))
        return shmhub__fail(SHMHUB_E_PEER_DEAD, "stream '%s': its writer (pid %u) has died",
                            s->seg->name, pid);
    return SHMHUB_OK;
}

/* Waits until head > after, or the deadline (CLOCK_MONOTONIC ns). */
static shmhub_status wait_after(const shmhub_stream *s, uint64_t after, int64_t deadline,
                                int64_t timeout_ns) {
    shmhub__stream_ctl *c = s->ctl;
    int liveness = (s->flags & SHMHUB_STREAM_LIVENESS) != 0;
    if (atomic_load_explicit(&c->head, memory_order_acquire) > after) return SHMHUB_OK;
    if (liveness && peer_check(s) != SHMHUB_OK) return SHMHUB_E_PEER_DEAD;
    if (s->wait_mode != SHMHUB_WAIT_FUTEX) {
        int64_t spin_end = s->wait_mode == SHMHUB_WAIT_SPIN ? deadline
                           : shmhub__now_ns(CLOCK_MONOTONIC) + s->spin_ns;
        if (spin_end > deadline) spin_end = deadline;
        int64_t next_live = shmhub__now_ns(CLOCK_MONOTONIC) + LIVENESS_SLICE_NS;
        for (unsigned i = 1;; i++) {
            if (atomic_load_explicit(&c->head, memory_order_acquire) > after) return SHMHUB_OK;
            cpu_relax();
            if (i % 64 == 0) {
                int64_t now = shmhub__now_ns(CLOCK_MONOTONIC);
                if (now >= spin_end) break;
                if (liveness && now >= next_live) {
                    if (peer_check(s) != SHMHUB_OK) return SHMHUB_E_PEER_DEAD;
                    next_live = now + LIVENESS_SLICE_NS;
                }
            }
        }
    }
    /* Sleep on the futex word. Registering as a waiter is what makes the writer call FUTEX_WAKE;
     * a read-only mapping cannot register, so it sleeps in short slices instead. */
    int registered = !s->seg->read_only;
    if (registered) atomic_fetch_add(&c->waiters, 1);
    shmhub_status st = SHMHUB_OK;
    for (;;) {
        uint32_t w = atomic_load(&c->notify);
        if (atomic_load(&c->head) > after) break;
        int64_t remaining = deadline - shmhub__now_ns(CLOCK_MONOTONIC);
        if (remaining <= 0) {
            st = shmhub__fail(SHMHUB_E_TIMEOUT,
                              "stream '%s': no frame after #%llu within %lld ns", s->seg->name,
                              (unsigned long long)after, (long long)timeout_ns);
            break;
        }
        if (liveness && (st = peer_check(s)) != SHMHUB_OK) break;
        int64_t slice = remaining;
        if (liveness && slice > LIVENESS_SLICE_NS) slice = LIVENESS_SLICE_NS;
        if (!registered && slice > READ_ONLY_SLICE_NS) slice = READ_ONLY_SLICE_NS;
        shmhub__futex_wait(&c->notify, w, slice);
    }
    if (registered) atomic_fetch_sub(&c->waiters, 1);
    return st;
}

static int64_t deadline_of(int64_t timeout_ns) {
    if (timeout_ns < 0) return INT64_MAX;
    int64_t now = shmhub__now_ns(CLOCK_MONOTONIC);
    return timeout_ns > INT64_MAX - now ? INT64_MAX : now + timeout_ns;
}

/* The newest frame: copied into dst (or, with dst NULL, only checked to be whole), moving the
 * cursor to it. Shared by read_latest and peek; *seq_out is the frame's sequence number. */
static shmhub_status latest(shmhub_stream *s, void *dst, shmhub_frame_info *info,
                            uint64_t *seq_out) {
    for (int lap = 0; lap < MAX_LAPS; lap++) {
        uint64_t h = atomic_load_explicit(&s->ctl->head, memory_order_acquire);
        if (h == 0)
            return shmhub__fail(SHMHUB_E_EMPTY, "stream '%s': no frame written yet", s->seg->name);
        int64_t ts;
        if (read_slot(s, h, dst, &ts) == SLOT_OK) {
            uint64_t cur = load_cursor(s);
            store_cursor(s, h);
            fill_info(info, h, ts, h > cur + 1 ? h - cur - 1 : 0);
            *seq_out = h;
            return SHMHUB_OK;
        }
    }
    return shmhub__fail(SHMHUB_E_BUSY, "stream '%s': the writer lapped this reader %d times",
                        s->seg->name, MAX_LAPS);
}

SHMHUB_API shmhub_status shmhub_stream_read_latest(shmhub_stream *s, void *dst, size_t nbytes,
                                                   shmhub_frame_info *info) {
    if (!s || !dst) return shmhub__fail(SHMHUB_E_INVALID, "stream read_latest: NULL argument");
    shmhub_status st = check_size(s, nbytes, "read buffer");
    uint64_t seq = 0;
    return st != SHMHUB_OK ? st : latest(s, dst, info, &seq);
}

SHMHUB_API shmhub_status shmhub_stream_read_next(shmhub_stream *s, void *dst, size_t nbytes,
                                                 int64_t timeout_ns, shmhub_frame_info *info) {
    if (!s || !dst) return shmhub__fail(SHMHUB_E_INVALID, "stream read_next: NULL argument");
    shmhub_status st = check_size(s, nbytes, "read buffer");
    if (st != SHMHUB_OK) return st;
    int64_t deadline = deadline_of(timeout_ns);
    uint64_t skip = 0; /* frames found abandoned or overwritten by an abandoned loan */
    for (int lap = 0; lap < MAX_LAPS;) {
        uint64_t h = atomic_load_explicit(&s->ctl->head, memory_order_acquire);
        uint64_t cur = load_cursor(s);
        if (h <= cur + skip) {
            if ((st = wait_after(s, cur + skip, deadline, timeout_ns)) != SHMHUB_OK)
                return st;
            continue;
        }
        uint64_t target = cur + 1 + skip;
        /* The writer may be rewriting slot (h % slots) right now: the oldest safe frame is h-slots+2. */
        uint64_t oldest = h + 2 > s->slots ? h + 2 - s->slots : 1;
        if (target < oldest) target = oldest;
        int64_t ts;
        int r = read_slot(s, target, dst, &ts);
        if (r == SLOT_OK) {
            uint64_t missed = target - cur - 1;
            store_cursor(s, target);
            fill_info(info, target, ts, missed);
            return SHMHUB_OK;
        }
        if (r == SLOT_EMPTY) skip = target - cur; /* lost: move past it */
        else lap++;
    }
    return shmhub__fail(SHMHUB_E_BUSY, "stream '%s': the writer lapped this reader %d times",
                        s->seg->name, MAX_LAPS);
}

SHMHUB_API shmhub_status shmhub_stream_wait(shmhub_stream *s, int64_t timeout_ns) {
    if (!s) return shmhub__fail(SHMHUB_E_INVALID, "stream wait: NULL handle");
    return wait_after(s, load_cursor(s), deadline_of(timeout_ns), timeout_ns);
}

SHMHUB_API shmhub_status shmhub_stream_peek(shmhub_stream *s, const void **frame,
                                            shmhub_frame_info *info) {
    if (frame) *frame = NULL;
    if (!s || !frame) return shmhub__fail(SHMHUB_E_INVALID, "stream peek: NULL argument");
    uint64_t seq = 0;
    shmhub_status st = latest(s, NULL, info, &seq);
    if (st == SHMHUB_OK) *frame = s->ring + slot_index(s, seq) * s->stride;
    return st;
}

SHMHUB_API shmhub_status shmhub_stream_validate(const shmhub_stream *s,
                                                const shmhub_frame_info *info) {
    if (!s || !info || info->size < offsetof(shmhub_frame_info, timestamp_ns) || !info->seq)
        return shmhub__fail(SHMHUB_E_INVALID, "stream validate: NULL or empty frame info");
    atomic_thread_fence(memory_order_acquire);
    uint64_t l = atomic_load_explicit(&s->slot[slot_index(s, info->seq)].lock,
                                      memory_order_relaxed);
    if (l != 2 * info->seq)
        return shmhub__fail(SHMHUB_E_OVERWRITTEN, "stream '%s': frame #%llu was overwritten",
                            s->seg->name, (unsigned long long)info->seq);
    return SHMHUB_OK;
}

/* ---- getters -------------------------------------------------------------------------------------- */

SHMHUB_API uint64_t shmhub_stream_count(const shmhub_stream *s) {
    return s ? atomic_load_explicit(&s->ctl->head, memory_order_acquire) : 0;
}
SHMHUB_API int64_t shmhub_stream_last_write_ns(const shmhub_stream *s) {
    return s ? atomic_load_explicit(&s->ctl->last_write_ns, memory_order_relaxed) : 0;
}
SHMHUB_API uint32_t shmhub_stream_slots(const shmhub_stream *s) { return s ? s->slots : 0; }
SHMHUB_API uint32_t shmhub_stream_writer_mode(const shmhub_stream *s) {
    return s ? s->writer_mode : 0;
}
SHMHUB_API shmhub_dtype shmhub_stream_dtype(const shmhub_stream *s) {
    return s ? s->dtype : SHMHUB_DTYPE_INVALID;
}
SHMHUB_API uint32_t shmhub_stream_ndim(const shmhub_stream *s) { return s ? s->ndim : 0; }
SHMHUB_API const uint64_t *shmhub_stream_shape(const shmhub_stream *s) {
    return s ? s->shape : NULL;
}
SHMHUB_API uint64_t shmhub_stream_frame_nbytes(const shmhub_stream *s) {
    return s ? s->frame_nbytes : 0;
}
SHMHUB_API uint64_t shmhub_stream_cursor(const shmhub_stream *s) { return s ? load_cursor(s) : 0; }
SHMHUB_API void shmhub_stream_seek(shmhub_stream *s, uint64_t seq) {
    if (s) store_cursor(s, seq);
}
SHMHUB_API int64_t shmhub_stream_writer_pid(const shmhub_stream *s) {
    return s ? atomic_load_explicit(&s->ctl->writer_pid, memory_order_relaxed) : 0;
}
SHMHUB_API uint64_t shmhub_stream_recoveries(const shmhub_stream *s) {
    return s ? atomic_load_explicit(&s->ctl->recoveries, memory_order_relaxed) : 0;
}
SHMHUB_API const shmhub_segment *shmhub_stream_segment(const shmhub_stream *s) {
    return s ? s->seg : NULL;
}
