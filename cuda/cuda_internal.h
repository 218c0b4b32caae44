/* Private to libshmhub_cuda: the GPU stream's segment layout (docs/layout.md, "GPU streams") and
 * helpers shared by cuda/ files. Nothing here is exported. */
#ifndef SHMHUB_CUDA_INTERNAL_H
#define SHMHUB_CUDA_INTERNAL_H

#include "internal.h"
#include "shmhub_cuda.h"

#include <cuda_runtime_api.h>
#include <limits.h>
#include <pthread.h>

#define SHMHUB__GPU_EXT_VERSION 1u
#define SHMHUB__GPU_MAX_IMPORTERS 64u
#define SHMHUB__GPU_LIVE 1u   /* ctl->creator_state: the creator's memory is allocated */
#define SHMHUB__GPU_CLOSED 2u /* the creator closed (or is freeing) its memory */

/* One frame's descriptor, immutable after create (checksummed with the header). */
typedef struct shmhub__gpu_slot {
    uint32_t handle_type;     /*   0: SHMHUB_GPU_HANDLE_CUDA_IPC */
    uint32_t reserved;        /*   4: 0 */
    uint8_t handle[64];       /*   8: cudaIpcMemHandle_t of the frame's allocation */
    uint64_t offset;          /*  72: the frame's offset inside that allocation */
    uint64_t bytes;           /*  80: the allocation's size */
    uint8_t written[64];      /*  88: cudaIpcEventHandle_t recorded after each write */
    uint8_t read[64];         /* 152: cudaIpcEventHandle_t recorded after each read */
    uint8_t pad[40];          /* 216..255: 0 */
} shmhub__gpu_slot;

/* The kind-specific immutable descriptor (ext), followed by `slots` shmhub__gpu_slot. */
typedef struct shmhub__gpu_ext {
    uint32_t version;         /*   0: SHMHUB__GPU_EXT_VERSION */
    uint32_t dtype;           /*   4 */
    uint32_t ndim;            /*   8 */
    uint32_t slots;           /*  12 */
    uint64_t shape[8];        /*  16 */
    uint64_t frame_nbytes;    /*  80 */
    int32_t device;           /*  88: the creator's ordinal (informative) */
    uint32_t flags;           /*  92: SHMHUB_GPU_MIRROR */
    uint8_t uuid[16];         /*  96: the device's UUID (importers find their ordinal by it) */
    char mirror[208];         /* 112: the mirror stream's name, NUL-padded ("" if none) */
    uint8_t pad[16];          /* 320..335: 0 */
} shmhub__gpu_ext;

/* The mutable control area: words on their own cache lines, then one line per slot. */
typedef struct shmhub__gpu_ctl {
    _Atomic uint64_t head;          /*   0: newest committed sequence number (0: none) */
    _Atomic uint32_t notify;        /*   8: futex word bumped at every commit */
    _Atomic uint32_t waiters;       /*  12: host waiters sleeping on notify */
    _Atomic uint64_t creator_token; /*  16: owner token of the creating process */
    _Atomic uint32_t creator_state; /*  24: SHMHUB__GPU_LIVE / SHMHUB__GPU_CLOSED */
    uint32_t pad0;                  /*  28 */
    _Atomic uint64_t writer_token;  /*  32: the process holding the writer role (0: none) */
    _Atomic int64_t last_write_ns;  /*  40 */
    uint8_t pad1[16];               /*  48..63 */
    _Atomic uint64_t importers[SHMHUB__GPU_MAX_IMPORTERS]; /* 64: tokens of importing processes */
    /* 576: slots x 64 bytes: shmhub__gpu_slot_ctl */
} shmhub__gpu_ctl;

typedef struct shmhub__gpu_slot_ctl {
    _Atomic uint64_t seq2;          /* 0: seq << 1 | 1 while a write is being enqueued */
    _Atomic int64_t ts;             /* 8: commit time of the frame, CLOCK_REALTIME ns */
    uint8_t pad[48];
} shmhub__gpu_slot_ctl;

_Static_assert(sizeof(shmhub__gpu_slot) == 256, "gpu slot descriptor is 256 bytes");
_Static_assert(sizeof(shmhub__gpu_ext) == 336, "gpu ext is 336 bytes");
_Static_assert(sizeof(shmhub__gpu_ctl) == 576, "gpu ctl is 576 bytes");
_Static_assert(sizeof(shmhub__gpu_slot_ctl) == 64, "gpu slot ctl is 64 bytes");

/* Per process and stream: the imported (or, for the creator, allocated) frames and events,
 * shared by every handle of this process on the stream (gpu_stream.c keeps the cache). */
typedef struct import_entry {
    struct import_entry *next;
    char key[PATH_MAX + 64];
    int refs;
    int owner;               /* this process created the stream: it allocated and frees the memory */
    int device;              /* this process's ordinal of the stream's device */
    uint32_t slots;
    void *base[SHMHUB_GPU_MAX_SLOTS];
    unsigned char *frame[SHMHUB_GPU_MAX_SLOTS];
    cudaEvent_t written[SHMHUB_GPU_MAX_SLOTS];
    cudaEvent_t read[SHMHUB_GPU_MAX_SLOTS];
    int importer_index;      /* this process's entry in ctl->importers (-1 for the owner) */
    uint64_t token;          /* this process's owner token */
    uint32_t pid;            /* the process the entry belongs to (a forked child has another) */
    int writer;              /* this process holds ctl->writer_token */
    pthread_mutex_t write_lock; /* serialises writes of this process's handles */
    shmhub_stream *mirror;   /* the CPU mirror, opened at the first write (owned) */
} import_entry;

/* A handle. */
struct shmhub_gpu_stream {
    shmhub_segment *seg;
    shmhub__gpu_ext ext;            /* private, validated copy */
    shmhub__gpu_ctl *ctl;
    shmhub__gpu_slot_ctl *sctl;
    import_entry *imp;
    uint64_t cursor;
    int64_t close_timeout_ns;
    int64_t next_liveness_ns;
};

/* Sets the CUDA library's message from a failed CUDA call and maps the error to a status. */
SHMHUB__HIDDEN shmhub_status shmhub__cuda_fail(cudaError_t err, const char *call, const char *name);

#endif
