/* Private to libshmhub: the v1 segment layout (docs/layout.md) and helpers shared by src/ files.
 * Nothing here is exported; every function is named shmhub__x and has hidden visibility. */
#ifndef SHMHUB_INTERNAL_H
#define SHMHUB_INTERNAL_H

#include "shmhub.h"

#include <limits.h>
#include <stddef.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>

#define SHMHUB__HIDDEN __attribute__((visibility("hidden")))

/* ---- layout v1 (every byte documented in docs/layout.md) ------------------------------------ */

#define SHMHUB__MAGIC "SHMHUB\0\x1a"      /* 8 bytes */
#define SHMHUB__ENDIAN_TAG 0x01020304u
#define SHMHUB__DIR_OFFSET 256u           /* array directory starts here */
#define SHMHUB__ENTRY_SIZE 160u           /* bytes per directory entry */
#define SHMHUB__READY_OFFSET 192u         /* the ready word's cache line */
#define SHMHUB__STATE_INIT 0u
#define SHMHUB__STATE_READY 1u

/* Immutable head (bytes 0..127) followed by the checksum (128..135). */
typedef struct shmhub__header {
    char magic[8];            /*   0 */
    uint32_t layout_major;    /*   8 */
    uint32_t layout_minor;    /*  12 */
    uint32_t kind;            /*  16 */
    uint32_t endian_tag;      /*  20 */
    uint64_t total_size;      /*  24 */
    uint64_t payload_offset;  /*  32: page-aligned start of array data */
    uint64_t dir_offset;      /*  40: == SHMHUB__DIR_OFFSET */
    uint32_t array_count;     /*  48 */
    uint32_t entry_size;      /*  52: == SHMHUB__ENTRY_SIZE */
    uint32_t creator_pid;     /*  56 */
    uint32_t creator_uid;     /*  60 */
    int64_t created_ns;       /*  64 */
    uint32_t page_size;       /*  72 */
    uint32_t ptr_size;        /*  76: sizeof(void *) of the creator (8) */
    uint64_t ext_offset;      /*  80: kind-specific immutable descriptor (0 if none) */
    uint64_t ext_size;        /*  88 */
    uint64_t control_offset;  /*  96: kind-specific mutable control area, 64-aligned (0 if none) */
    uint64_t control_size;    /* 104 */
    uint64_t immutable_end;   /* 112: end of the checksummed region (dir + ext) */
    uint64_t reserved0;       /* 120: 0 */
    uint64_t checksum;        /* 128: FNV-1a 64 of [0,128) ++ [256, immutable_end) */
    uint8_t reserved1[56];    /* 136..191: 0 */
    uint32_t state;           /* 192: ready word (futex), own cache line, mutable */
    uint32_t reserved2[15];   /* 196..255 */
} shmhub__header;

typedef struct shmhub__entry {
    char name[64];            /*   0: NUL-terminated, NUL-padded */
    uint32_t dtype;           /*  64 */
    uint32_t ndim;            /*  68 */
    uint64_t offset;          /*  72: from segment start, 64-aligned */
    uint64_t nbytes;          /*  80 */
    uint64_t shape[8];        /*  88..151 */
    uint64_t reserved;        /* 152: 0 */
} shmhub__entry;

_Static_assert(sizeof(shmhub__header) == 256, "header is 256 bytes");
_Static_assert(sizeof(shmhub__entry) == SHMHUB__ENTRY_SIZE, "entry is 160 bytes");

/* ---- handles ---------------------------------------------------------------------------------- */

struct shmhub_array {
    const struct shmhub_segment *seg;
    char name[SHMHUB_MAX_ARRAY_NAME + 1];
    shmhub_dtype dtype;
    uint32_t ndim;
    uint64_t shape[SHMHUB_MAX_NDIM];
    uint64_t size;
    uint64_t offset;
    uint64_t nbytes;
    void *data;
};

struct shmhub_segment {
    char name[SHMHUB_MAX_NAME + 1];
    char path[PATH_MAX];
    unsigned char *base;
    size_t size;
    uint32_t kind;
    uint32_t layout_version;
    int read_only;
    int unlink_on_close;
    uint64_t file_dev, file_ino; /* identity of the file this handle created (unlink on close) */
    char *dir;                /* owned copy of the directory used, NULL for POSIX shm */
    uint32_t creator_pid, creator_uid;
    int64_t created_ns;
    size_t narrays;
    /* Private, validated copy of the directory. The same allocation also holds the snapshot of
     * the checksummed bytes [256, immutable_end) (directory + ext) taken once at open: `ext`
     * points into it, so free(arrays) releases both. Nothing is read twice from the mapping. */
    struct shmhub_array *arrays;
    const unsigned char *ext;    /* private copy of the ext descriptor (ext_size bytes), or NULL */
    uint64_t ext_offset, ext_size, control_offset, control_size;
    uint64_t owner_token;        /* shmhub__proc_self() of the process that made this handle */
};

typedef struct shmhub__array_spec {
    char name[SHMHUB_MAX_ARRAY_NAME + 1];
    shmhub_dtype dtype;
    uint32_t ndim;
    uint64_t shape[SHMHUB_MAX_NDIM];
    uint64_t nbytes;
} shmhub__array_spec;

struct shmhub_layout {
    size_t count, cap;
    shmhub__array_spec *specs;
};

/* A sorted list of names (segments, or a dictionary's keys); each name is malloc'ed. */
struct shmhub_list {
    size_t count;
    char **names;
};

/* ---- options ------------------------------------------------------------------------------- */
typedef struct shmhub__opts {
    uint32_t mode;
    const char *dir;
    uint32_t flags;
    int64_t open_timeout_ns;
} shmhub__opts;

/* The body of every shmhub_x_opts_init(): NULL or size < 8 is SHMHUB_E_INVALID ("WHAT options:
 * ..."); else zero the caller's `size` bytes, copy min(size, dsize) bytes of the defaults and
 * store that count in the leading uint32_t size member. */
SHMHUB__HIDDEN shmhub_status shmhub__opts_init(void *opts, size_t size, const void *defaults,
                                               size_t dsize, const char *what);
/* The first check of every options reader: SHMHUB_E_INVALID "WHAT 'NAME': options size N < 8
 * (initialise them with shmhub_WHAT_opts_init)" when the caller's size cannot hold the header. */
SHMHUB__HIDDEN shmhub_status shmhub__opts_size(uint32_t size, const char *what, const char *name);
SHMHUB__HIDDEN shmhub_status shmhub__read_opts(const shmhub_segment_opts *in, shmhub__opts *out,
                                               const char *name);

/* ---- errors (error.c) --------------------------------------------------------------------- */
SHMHUB__HIDDEN shmhub_status shmhub__fail(shmhub_status st, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
SHMHUB__HIDDEN shmhub_status shmhub__fail_errno(int err, const char *what, const char *name);
SHMHUB__HIDDEN shmhub_status shmhub__status_from_errno(int err);

/* ---- names and files (segment.c) ------------------------------------------------------------ */
SHMHUB__HIDDEN int shmhub__name_check(const char *name, size_t max, size_t *pos);
SHMHUB__HIDDEN shmhub_status shmhub__check_name(const char *name, const char *what, size_t max);
SHMHUB__HIDDEN const char *shmhub__default_dir(const char *dir); /* NULL means POSIX shm */
SHMHUB__HIDDEN shmhub_status shmhub__path(const char *name, const char *dir, char *buf, size_t n);

/* ---- generic segment creation for any kind (segment.c) -------------------------------------- */
typedef struct shmhub__create_req {
    uint32_t kind;
    const shmhub_layout *layout;   /* may be NULL: no arrays */
    const void *ext;               /* kind-specific immutable bytes, copied after the directory */
    uint64_t ext_size;
    uint64_t control_size;         /* mutable control area (zeroed), 64-aligned, before payload */
} shmhub__create_req;

SHMHUB__HIDDEN shmhub_status shmhub__segment_create(const char *name, const shmhub__create_req *req,
                                                    const shmhub_segment_opts *opts,
                                                    shmhub_segment **out);
/* Unlinks the file the handle created (if the name still refers to it) and frees the handle:
 * for a create that fails after the segment exists. */
SHMHUB__HIDDEN void shmhub__segment_discard(shmhub_segment *seg);
/* Opens and validates; expected_kind 0 accepts any kind. */
SHMHUB__HIDDEN shmhub_status shmhub__segment_open(const char *name, uint32_t expected_kind,
                                                  const shmhub_segment_opts *opts,
                                                  shmhub_segment **out);

/* Validates a complete segment image of `size` bytes (the header's state must be READY).
 * On success fills `seg`'s metadata and array table (data pointers relative to `base`).
 * Pure function over memory: this is what the fuzzer drives. */
SHMHUB__HIDDEN shmhub_status shmhub__validate(const unsigned char *base, size_t size,
                                              const char *name, shmhub_segment *seg);
SHMHUB__HIDDEN uint64_t shmhub__checksum(const unsigned char *base, uint64_t immutable_end);

/* ---- arrays and layouts (array.c) ------------------------------------------------------------ */
SHMHUB__HIDDEN int shmhub__array_name_ok(const char *name);
SHMHUB__HIDDEN shmhub_status shmhub__nbytes(shmhub_dtype dtype, uint32_t ndim, const uint64_t *shape,
                                            uint64_t *nbytes, uint64_t *count);

/* ---- sync (sync.c) --------------------------------------------------------------------------- */
SHMHUB__HIDDEN int64_t shmhub__now_ns(int clock_id);
/* CLOCK_MONOTONIC deadline of a timeout: INT64_MAX for negative (forever) or huge timeouts (no
 * signed overflow), now for 0. */
SHMHUB__HIDDEN int64_t shmhub__deadline(int64_t timeout_ns);
/* Waits while *word == expected, up to timeout_ns (<0 forever). Returns 0 when woken or the value
 * changed, ETIMEDOUT on timeout, EINTR on signal (callers loop until their deadline). */
SHMHUB__HIDDEN int shmhub__futex_wait(_Atomic uint32_t *word, uint32_t expected, int64_t timeout_ns);
/* Wakes every sleeper on word; returns how many were woken (0 on error). */
SHMHUB__HIDDEN int shmhub__futex_wake_all(_Atomic uint32_t *word);

/* ---- process identity (proc.c) --------------------------------------------------------------- */
/* An owner token: pid (low 22 bits) + process start time in clock ticks (high 42 bits); never 0
 * for a real process. Owners of writer claims, locks, buffers and worker ids are recorded as
 * tokens, never as bare pids, so a restarted process with a reused pid is not the dead one. */
SHMHUB__HIDDEN uint64_t shmhub__token_make(uint32_t pid, uint64_t start_ticks);
SHMHUB__HIDDEN uint32_t shmhub__token_pid(uint64_t token);
/* This process's token and pid, computed once and recomputed in a child after fork (no syscall
 * on the hot path; glibc no longer caches getpid). */
SHMHUB__HIDDEN uint64_t shmhub__proc_self(void);
SHMHUB__HIDDEN uint32_t shmhub__proc_pid(void);
/* The calling thread's kernel tid, cached per thread and refreshed after fork. */
SHMHUB__HIDDEN uint32_t shmhub__thread_id(void);
/* Alive = the process exists, has the recorded start time, and some thread of its group has not
 * exited (a leader that called pthread_exit() while workers run is alive). */
SHMHUB__HIDDEN int shmhub__token_alive(uint64_t token);
/* Same test for a bare pid (whole thread group, no start time): for records that hold only a
 * pid, such as a creator pid in the header. */
SHMHUB__HIDDEN int shmhub__pid_alive(int64_t pid);
#ifdef SHMHUB_TEST_HOOKS
/* Test-only crash points (testhooks.c): shmhub__test_crash_arm("dict_set_copy", n) makes the
 * n-th (n >= 1) later pass through SHMHUB__CRASH_POINT("dict_set_copy") in this process die by
 * SIGKILL; NULL disarms. The points are listed in docs/containers.md. */
SHMHUB__HIDDEN void shmhub__test_crash_arm(const char *point, int64_t nth);
SHMHUB__HIDDEN void shmhub__test_crash_point(const char *point);
#define SHMHUB__CRASH_POINT(p) shmhub__test_crash_point(p)
#else
#define SHMHUB__CRASH_POINT(p) ((void)0)
#endif
#ifdef SHMHUB_TEST_HOOKS
/* Test-only (stream.c): the next stream write copies `bytes` bytes, then SIGKILL; < 0 disarms. */
SHMHUB__HIDDEN void shmhub__test_crash_after(int64_t bytes);
/* Test-only (stream.c): the next publish stores head, then SIGKILL before notify and the wake. */
SHMHUB__HIDDEN void shmhub__test_crash_in_wake_window(int on);
/* Test-only (stream.c): the next `n` handle allocations in stream create/open fail. */
SHMHUB__HIDDEN void shmhub__test_fail_stream_alloc(int n);
/* Test-only counters (this process): FUTEX_WAKE calls made (sync.c), sleeps registered as a
 * waiter on a stream's notify or lock word (stream.c). */
SHMHUB__HIDDEN extern _Atomic uint64_t shmhub__test_wake_calls;
SHMHUB__HIDDEN extern _Atomic uint64_t shmhub__test_waiter_registrations;
#endif

/* ---- copies between private and shared memory (copy.c) ------------------------------------- */

/* dst <- n bytes of shared memory at src (8-aligned; the word holding its last byte lies wholly
 * inside the mapping): the bulk copy then an acquire fence from SHMHUB__BULK_MIN bytes on x86-64,
 * else word-sized acquire loads. For a seqlock reader between its two checks. */
SHMHUB__HIDDEN void shmhub__copy_from_shared(void *dst, const unsigned char *src, size_t n);
/* n bytes of shared memory at dst (8-aligned) <- src: a release fence then the bulk copy from
 * SHMHUB__BULK_MIN bytes on x86-64, else word-sized release stores (bytes for the tail; nothing
 * past dst + n is written). For a seqlock writer after its odd store, before its publication. */
SHMHUB__HIDDEN void shmhub__copy_to_shared(unsigned char *dst, const void *src, size_t n);

#if defined(__x86_64__)
/* Copies of at least this many bytes go through shmhub__bulk_copy. */
#define SHMHUB__BULK_MIN 64u
/* dst <- src, n >= SHMHUB__BULK_MIN bytes, any alignment: `rep movsb` or an AVX2 loop in opaque asm
 * (non-temporal from 32 MiB, fenced), at glibc memcpy's speed (bench/stream_bench "copy" rows). */
SHMHUB__HIDDEN void shmhub__bulk_copy(unsigned char *dst, const unsigned char *src, size_t n);
#endif

/* ---- streams (stream.c): the shared structures, here so tests can name the fields ----------- */

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

/* Waiter registration slots (docs/streams.md, "Sleeping and waking"): a sleeping reader (or a
 * writer sleeping on the multi-writer lock) owns one slot holding its process's owner token and
 * sets bit (SHMHUB__WAITER_BIT0 + slot) in `waiters` (or `lock_waiters`). The low 16 bits of
 * those words stay a plain count for layout-1.0 libraries. A writer whose FUTEX_WAKE woke nobody
 * checks the slots' owners and clears the bits of dead ones, so a reader killed asleep costs one
 * wake-up, not one per publish forever. */
#define SHMHUB__WAITER_SLOTS 16u
#define SHMHUB__WAITER_BIT0 16u
#define SHMHUB__WAITER_LEGACY_MASK 0xffffu
#define SHMHUB__WAITER_SLOTS_A 7u /* slots 0..6 at control bytes 72..127, 7..15 at 168..239 */

typedef struct shmhub__stream_ctl { /* the control area's first 256 bytes: mutable */
    _Atomic uint64_t head;          /*   0: newest committed sequence number, 0 = none */
    _Atomic int64_t last_write_ns;  /*   8 */
    uint8_t pad0[48];
    _Atomic uint32_t notify;        /*  64: futex word, low 32 bits of head */
    _Atomic uint32_t waiters;       /*  68: registered sleepers: slot bits (16..31) + 1.0 count */
    _Atomic uint64_t waiter_a[SHMHUB__WAITER_SLOTS_A]; /* 72: waiter slots 0..6 (owner tokens) */
    _Atomic uint32_t lock;          /* 128: multi-writer lock: holder's thread id, 0 = free */
    _Atomic uint32_t lock_waiters;  /* 132: writers sleeping on lock: slot bits + 1.0 count */
    _Atomic uint32_t writer_pid;    /* 136: pid of writer_token (for layout-1.0 libraries) */
    uint32_t pad2;
    _Atomic uint64_t recoveries;    /* 144: locks or claims taken over from dead processes */
    _Atomic uint64_t writer_token;  /* 152: single-writer claim / last multi-writer (owner token) */
    _Atomic uint64_t lock_owner;    /* 160: owner token of the multi-writer lock's holder */
    _Atomic uint64_t waiter_b[SHMHUB__WAITER_SLOTS - SHMHUB__WAITER_SLOTS_A]; /* 168: slots 7..15 */
    uint8_t pad3[16];
} shmhub__stream_ctl;
_Static_assert(sizeof(shmhub__stream_ctl) == 256, "stream control block is 256 bytes");
_Static_assert(offsetof(shmhub__stream_ctl, waiter_a) == 72 &&
                   offsetof(shmhub__stream_ctl, writer_token) == 152 &&
                   offsetof(shmhub__stream_ctl, lock_owner) == 160 &&
                   offsetof(shmhub__stream_ctl, waiter_b) == 168,
               "stream control block offsets (docs/layout.md)");

typedef struct shmhub__slot { /* one per ring slot, after the control block */
    _Atomic uint64_t lock;   /* 2n: frame n; 2n+1: frame n being written; 0: empty */
    _Atomic int64_t ts_ns;   /* commit time of the frame */
    uint8_t pad[48];
} shmhub__slot;
_Static_assert(sizeof(shmhub__slot) == 64, "slot header is 64 bytes");

static inline uint64_t shmhub__align_up(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

#endif
