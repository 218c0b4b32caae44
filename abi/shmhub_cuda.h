/**
 * @file shmhub_cuda.h
 * @brief shmhub CUDA: GPU streams shared between processes (CUDA IPC) and pinned host segments.
 *
 * The public contract of `libshmhub_cuda.so.1`, built beside `libshmhub.so.1` when `nvcc` is
 * found. It follows every rule of shmhub.h (opaque handles, size-prefixed options, status codes,
 * ownership words) and adds none of its own types beyond its handles and options. CUDA types
 * never cross this header: a `cudaStream_t` is passed as `void *` (NULL is the legacy default
 * stream) and device pointers as `void *`.
 *
 * A *GPU stream* is a segment of kind ::SHMHUB_KIND_GPU_STREAM: a ring of `slots` device frames,
 * each allocated with `cudaMalloc` by the creating process, whose CUDA IPC memory handles and
 * interprocess event handles are stored in the segment's header. Other processes open it by name,
 * import the frames once per process (cached and reference-counted; the last close calls
 * `cudaIpcCloseMemHandle`) and read and write them on their own CUDA streams: a read waits on the
 * frame's "written" event on the GPU, never on the host. docs/cuda.md gives the rules users must
 * know (one import per process and device, lifetime, MPS).
 *
 * Errors: a failing call returns a ::shmhub_status and sets the message read with
 * shmhub_cuda_last_error() (thread-local, never NULL, naming the segment and the failing CUDA
 * call with its error name).
 *
 * @copyright shmhub authors, MIT licence.
 */
#ifndef SHMHUB_CUDA_H
#define SHMHUB_CUDA_H

#include "shmhub.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @name CUDA: versions and errors
 *  @{ */

/** @brief Version of the CUDA library's API as one number (same scheme as ::SHMHUB_VERSION_NUMBER). */
#define SHMHUB_CUDA_VERSION_NUMBER 10100

/**
 * @brief The CUDA library's ::SHMHUB_CUDA_VERSION_NUMBER as it was built.
 * @threadsafe
 * @since 1.1
 */
SHMHUB_API uint32_t shmhub_cuda_version_number(void);

/**
 * @brief Header/library agreement check for the CUDA library (same rule as shmhub_check_version()).
 * @param header_version The caller's ::SHMHUB_CUDA_VERSION_NUMBER.
 * @return ::SHMHUB_OK, or ::SHMHUB_E_VERSION with a message giving both versions.
 * @threadsafe
 * @since 1.1
 */
SHMHUB_API shmhub_status shmhub_cuda_check_version(uint32_t header_version);

/**
 * @brief The message of the last failed `shmhub_gpu_*` or `shmhub_cuda_*` call on this thread.
 * @return A thread-local string, never NULL. @borrowed valid until the next call into the CUDA
 *         library on this thread.
 * @threadsafe
 * @since 1.1
 */
SHMHUB_API const char *shmhub_cuda_last_error(void);

/**
 * @brief Number of CUDA devices this process sees (0 without a driver or a GPU).
 * @return The count; never fails (the reason for 0 is in shmhub_cuda_last_error()).
 * @threadsafe
 * @since 1.1
 */
SHMHUB_API int32_t shmhub_cuda_device_count(void);

/** @} */

/** @name CUDA: GPU streams
 *  @{ */

/** @brief An opaque handle to a GPU stream (a segment of kind ::SHMHUB_KIND_GPU_STREAM). */
typedef struct shmhub_gpu_stream shmhub_gpu_stream;

/** @brief Flag (create): keep a CPU mirror, the normal stream `NAME.cpu`, in step with every write. */
#define SHMHUB_GPU_MIRROR 0x1u

/** @brief Handle type stored per frame: a legacy `cudaIpcMemHandle_t` (64 bytes). */
#define SHMHUB_GPU_HANDLE_CUDA_IPC 1u

/** @brief Most frames a GPU stream may hold. */
#define SHMHUB_GPU_MAX_SLOTS 64

/**
 * @brief Options for shmhub_gpu_stream_create() and shmhub_gpu_stream_open(); size-prefixed,
 * append-only.
 */
typedef struct shmhub_gpu_stream_opts {
    uint32_t size;                      /**< `sizeof(shmhub_gpu_stream_opts)` as the caller knows it. */
    uint32_t slots;                     /**< Frames in the ring (create; 2 to ::SHMHUB_GPU_MAX_SLOTS, default 3). */
    uint32_t flags;                     /**< ::SHMHUB_GPU_MIRROR or 0 (create). */
    uint32_t reserved;                  /**< Must be 0. */
    int64_t close_timeout_ns;           /**< How long the creator's close waits for importers to close (default 5 s). */
    const shmhub_segment_opts *segment; /**< Segment options (mode, dir, flags, open timeout), or NULL. */
} shmhub_gpu_stream_opts;

/** @brief Default GPU stream options, as shmhub_gpu_stream_opts_init() sets them. */
#define SHMHUB_GPU_STREAM_OPTS_INIT \
    { (uint32_t)sizeof(shmhub_gpu_stream_opts), 3u, 0u, 0u, INT64_C(5000000000), NULL }

/**
 * @brief Sets @p opts to the defaults (for languages that cannot expand ::SHMHUB_GPU_STREAM_OPTS_INIT).
 * @param opts The struct to fill. @param size `sizeof` it as the caller knows it (at least 8).
 * @return ::SHMHUB_OK or ::SHMHUB_E_INVALID.
 * @threadsafe
 * @since 1.1
 */
SHMHUB_API shmhub_status shmhub_gpu_stream_opts_init(shmhub_gpu_stream_opts *opts, size_t size);

/**
 * @brief Creates a GPU stream: allocates `slots` device frames (one `cudaMalloc` each, base
 * pointers) on @p device and publishes their IPC memory and event handles in a new segment.
 *
 * The creating process owns the device memory: its handle's close waits (up to
 * shmhub_gpu_stream_opts::close_timeout_ns) for the processes that imported the frames to close
 * theirs before it frees them, and readers of a stream whose creator closed or died get
 * ::SHMHUB_E_PEER_DEAD. With ::SHMHUB_GPU_MIRROR the normal stream `NAME.cpu` (same dtype, shape
 * and slots) is created too and every write copies the frame into it.
 * @param name Segment name (see shmhub_segment_create()).
 * @param dtype A valid ::shmhub_dtype. @param ndim 0 to ::SHMHUB_MAX_NDIM.
 * @param shape @p ndim extents; a frame must hold at least one byte.
 * @param device The CUDA device ordinal, as this process numbers its devices.
 * @param opts NULL for defaults.
 * @param[out] out The handle. @owned release with shmhub_gpu_stream_close().
 * @return ::SHMHUB_OK, ::SHMHUB_E_INVALID (bad argument, no such device), ::SHMHUB_E_NO_MEMORY
 *         (device memory), ::SHMHUB_E_IO (another CUDA error; the message names the call), or any
 *         error of shmhub_segment_create().
 * @threadsafe
 * @since 1.1
 */
SHMHUB_API shmhub_status shmhub_gpu_stream_create(const char *name, shmhub_dtype dtype,
                                                  uint32_t ndim, const uint64_t *shape,
                                                  int32_t device,
                                                  const shmhub_gpu_stream_opts *opts,
                                                  shmhub_gpu_stream **out);

/**
 * @brief Opens a GPU stream by name and imports its frames on the device with the creator's
 * UUID (whatever ordinal this process gives it).
 *
 * Imports happen once per process and segment: a second open in the same process (or in the
 * creating process) shares the first one's mappings; the last close releases them. The handle's
 * cursor starts at the newest committed frame.
 * @param name The segment name.
 * @param opts NULL for defaults (slots and flags are read from the segment).
 * @param[out] out The handle. @owned release with shmhub_gpu_stream_close().
 * @return ::SHMHUB_OK, ::SHMHUB_E_WRONG_KIND, ::SHMHUB_E_CORRUPT (a bad descriptor),
 *         ::SHMHUB_E_NOT_FOUND (no local device has the creator's UUID), ::SHMHUB_E_PEER_DEAD (the
 *         creator closed or died), ::SHMHUB_E_BUSY (too many importing processes), ::SHMHUB_E_IO
 *         (a CUDA call failed), or any error of shmhub_segment_open().
 * @threadsafe
 * @since 1.1
 */
SHMHUB_API shmhub_status shmhub_gpu_stream_open(const char *name, const shmhub_gpu_stream_opts *opts,
                                                shmhub_gpu_stream **out);

/**
 * @brief Closes a handle. NULL is ignored. The last handle of a process on a stream releases the
 * imported mappings; the creator's handle waits for importers, then frees the device frames.
 * @since 1.1
 */
SHMHUB_API void shmhub_gpu_stream_close(shmhub_gpu_stream *stream);

/**
 * @brief Publishes one frame copied from device memory @p src, ordered on CUDA stream
 * @p cuda_stream: the copy waits (on the GPU) for earlier reads of the slot, and the slot's
 * interprocess event is recorded after it, so readers in any process see the frame only once it
 * is written. Returns without waiting for the GPU (except with ::SHMHUB_GPU_MIRROR, which copies
 * the frame to the host mirror and waits for that copy).
 * @param stream The GPU stream.
 * @param src Device memory of shmhub_gpu_stream_frame_nbytes() bytes, valid on the stream's device.
 * @param nbytes Must equal shmhub_gpu_stream_frame_nbytes().
 * @param cuda_stream A `cudaStream_t` of this process (NULL: the legacy default stream).
 * @return ::SHMHUB_OK, ::SHMHUB_E_INVALID, ::SHMHUB_E_SIZE, ::SHMHUB_E_READ_ONLY,
 *         ::SHMHUB_E_BUSY (another live process is the writer), ::SHMHUB_E_PEER_DEAD (the creator
 *         closed or died), ::SHMHUB_E_IO (a CUDA call failed).
 * @threadsafe
 * @since 1.1
 */
SHMHUB_API shmhub_status shmhub_gpu_stream_write_device(shmhub_gpu_stream *stream, const void *src,
                                                        size_t nbytes, void *cuda_stream);

/**
 * @brief Copies the newest committed frame into device memory @p dst, ordered on @p cuda_stream
 * after the frame's "written" event (no host synchronisation), and moves the cursor to it.
 *
 * With one reading stream at a time the copy is never torn: the writer's next overwrite of the
 * slot waits for this copy on the GPU. With several readers, call shmhub_gpu_stream_validate()
 * with @p info once @p cuda_stream has finished the copy.
 * @param stream The GPU stream.
 * @param dst Device memory of shmhub_gpu_stream_frame_nbytes() bytes.
 * @param nbytes Must equal shmhub_gpu_stream_frame_nbytes().
 * @param cuda_stream A `cudaStream_t` of this process (NULL: the legacy default stream).
 * @param info NULL, or filled with the frame's sequence number, timestamp and missed count.
 * @return ::SHMHUB_OK, ::SHMHUB_E_INVALID, ::SHMHUB_E_EMPTY, ::SHMHUB_E_SIZE, ::SHMHUB_E_BUSY
 *         (the writer lapped the reader 1000 times in a row), ::SHMHUB_E_PEER_DEAD, ::SHMHUB_E_IO.
 * @threadsafe
 * @since 1.1
 */
SHMHUB_API shmhub_status shmhub_gpu_stream_read_latest_device(shmhub_gpu_stream *stream, void *dst,
                                                              size_t nbytes, void *cuda_stream,
                                                              shmhub_frame_info *info);

/**
 * @brief Zero-copy read: points @p frame at the newest frame's device memory and makes
 * @p cuda_stream wait (on the GPU) until it is written. The writer may overwrite it later: call
 * shmhub_gpu_stream_validate() once the work on it has finished.
 * @param stream The GPU stream.
 * @param[out] frame Device pointer. @borrowed valid (as memory) until shmhub_gpu_stream_close();
 *         its contents are trustworthy only if shmhub_gpu_stream_validate() succeeds afterwards.
 * @param cuda_stream A `cudaStream_t` of this process (NULL: the legacy default stream).
 * @param info NULL, or filled with the frame's sequence number and timestamp.
 * @return ::SHMHUB_OK, ::SHMHUB_E_INVALID, ::SHMHUB_E_EMPTY, ::SHMHUB_E_BUSY,
 *         ::SHMHUB_E_PEER_DEAD, ::SHMHUB_E_IO.
 * @threadsafe
 * @since 1.1
 */
SHMHUB_API shmhub_status shmhub_gpu_stream_peek_device(shmhub_gpu_stream *stream, void **frame,
                                                       void *cuda_stream, shmhub_frame_info *info);

/**
 * @brief Checks that the frame described by @p info (from a read or a peek) has not been
 * overwritten, nor begun to be, since.
 * @return ::SHMHUB_OK, ::SHMHUB_E_INVALID (NULL argument), ::SHMHUB_E_OVERWRITTEN.
 * @threadsafe
 * @since 1.1
 */
SHMHUB_API shmhub_status shmhub_gpu_stream_validate(const shmhub_gpu_stream *stream,
                                                    const shmhub_frame_info *info);

/**
 * @brief Waits on the host until a frame newer than the handle's cursor is committed.
 * @param stream The GPU stream. @param timeout_ns Nanoseconds (negative: forever; 0: do not wait).
 * @return ::SHMHUB_OK, ::SHMHUB_E_INVALID, ::SHMHUB_E_TIMEOUT, ::SHMHUB_E_PEER_DEAD.
 * @threadsafe
 * @since 1.1
 */
SHMHUB_API shmhub_status shmhub_gpu_stream_wait(shmhub_gpu_stream *stream, int64_t timeout_ns);

/** @brief Number of committed frames (the newest sequence number; 0 for NULL). @threadsafe @since 1.1 */
SHMHUB_API uint64_t shmhub_gpu_stream_count(const shmhub_gpu_stream *stream);
/** @brief Frames in the ring (0 for NULL). @threadsafe @since 1.1 */
SHMHUB_API uint32_t shmhub_gpu_stream_slots(const shmhub_gpu_stream *stream);
/** @brief The frames' dtype (0 for NULL). @threadsafe @since 1.1 */
SHMHUB_API shmhub_dtype shmhub_gpu_stream_dtype(const shmhub_gpu_stream *stream);
/** @brief The frames' number of dimensions (0 for NULL). @threadsafe @since 1.1 */
SHMHUB_API uint32_t shmhub_gpu_stream_ndim(const shmhub_gpu_stream *stream);
/** @brief The frames' extents. @borrowed valid until shmhub_gpu_stream_close(). @threadsafe @since 1.1 */
SHMHUB_API const uint64_t *shmhub_gpu_stream_shape(const shmhub_gpu_stream *stream);
/** @brief Bytes per frame (0 for NULL). @threadsafe @since 1.1 */
SHMHUB_API uint64_t shmhub_gpu_stream_frame_nbytes(const shmhub_gpu_stream *stream);
/** @brief This process's ordinal of the stream's device (-1 for NULL). @threadsafe @since 1.1 */
SHMHUB_API int32_t shmhub_gpu_stream_device(const shmhub_gpu_stream *stream);
/** @brief 1 if this handle created the stream (and owns its device memory), else 0. @threadsafe @since 1.1 */
SHMHUB_API int32_t shmhub_gpu_stream_is_creator(const shmhub_gpu_stream *stream);
/** @brief Number of live processes other than the creator that imported the frames. @threadsafe @since 1.1 */
SHMHUB_API uint32_t shmhub_gpu_stream_importers(const shmhub_gpu_stream *stream);
/**
 * @brief Name of the CPU mirror stream (`NAME.cpu`), or NULL when the stream has none.
 * @borrowed valid until shmhub_gpu_stream_close(). @threadsafe @since 1.1
 */
SHMHUB_API const char *shmhub_gpu_stream_mirror_name(const shmhub_gpu_stream *stream);
/** @brief The segment's name. @borrowed valid until shmhub_gpu_stream_close(). @threadsafe @since 1.1 */
SHMHUB_API const char *shmhub_gpu_stream_name(const shmhub_gpu_stream *stream);

/** @} */

/** @name CUDA: pinned host segments
 *  @{ */

/** @brief Flag: register read-only (`cudaHostRegisterReadOnly`); implied for read-only handles. */
#define SHMHUB_CUDA_REGISTER_READ_ONLY 0x1u

/**
 * @brief Page-locks a segment's whole mapping for the GPU (`cudaHostRegister`), so copies between
 * it and device memory run at pinned speed. A stream's mapping is registered through
 * shmhub_stream_segment(). Call shmhub_cuda_unregister() before closing the handle.
 * @param seg An open segment of this build of libshmhub.
 * @param flags ::SHMHUB_CUDA_REGISTER_READ_ONLY or 0.
 * @return ::SHMHUB_OK, ::SHMHUB_E_INVALID (NULL, unknown flag), ::SHMHUB_E_BUSY (already
 *         registered), ::SHMHUB_E_NO_MEMORY, ::SHMHUB_E_IO (another CUDA error).
 * @threadsafe
 * @since 1.1
 */
SHMHUB_API shmhub_status shmhub_cuda_register(const shmhub_segment *seg, uint32_t flags);

/**
 * @brief Undoes shmhub_cuda_register() (`cudaHostUnregister`); call it before closing the handle.
 * @return ::SHMHUB_OK, ::SHMHUB_E_INVALID (NULL, or not registered), ::SHMHUB_E_IO.
 * @threadsafe
 * @since 1.1
 */
SHMHUB_API shmhub_status shmhub_cuda_unregister(const shmhub_segment *seg);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* SHMHUB_CUDA_H */
