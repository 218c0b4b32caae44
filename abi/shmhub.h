/**
 * @file shmhub.h
 * @brief shmhub: named shared-memory segments of typed N-d arrays, one C ABI for every language.
 *
 * @mainpage shmhub
 *
 * This header is the whole public contract of `libshmhub.so.1`; it reads top to bottom as the manual:
 *
 * 1. **Overview** (this comment): what a segment is and the rules every call follows.
 * 2. **Versions**: compile-time macros, run-time getters and the header/library agreement check.
 * 3. **Status and errors**: `shmhub_status` codes and the thread-local message.
 * 4. **Dtypes**: the numpy-compatible element types.
 * 5. **Layouts**: a builder describing the named arrays of a new segment.
 * 6. **Segments**: create, open, close, unlink, inspect, list.
 * 7. **Arrays**: zero-copy access to the arrays inside an open segment.
 * 8. **Streams**: a ring of frames with never-torn reads, lossless reads, futex waits and loans.
 * 9. **Synched memory** (1.1): one segment per worker, a two-barrier write-then-read cycle across
 *    processes, dead-worker detection and a per-round profile.
 * 10. **BLAS threads** (1.1): cap the threads of the BLAS library loaded in the process.
 * 11. **Dictionaries** (1.1): a crash-safe shared key/value map with typed values and counters.
 * 12. **Memory pools** (1.1): size classes of 64-byte aligned shared buffers handed between processes.
 *
 * A *segment* named `cam0` is the POSIX shared-memory object `/shmhub.cam0` (on Linux the file
 * `/dev/shm/shmhub.cam0`), or the file `DIR/shmhub.cam0` when a directory is chosen through
 * shmhub_segment_opts::dir or the `SHMHUB_DIR` environment variable. Its first page(s) hold a
 * validated header (layout v1, `docs/layout.md`); the arrays follow, each C-contiguous and
 * 64-byte aligned. A segment persists until it is unlinked, whoever created it.
 *
 * Rules that hold for every call:
 * - Every fallible call returns a ::shmhub_status (0 = ::SHMHUB_OK, negative = error). On failure
 *   shmhub_last_error() holds a message naming the segment and the problem, and every out-parameter
 *   handle is set to NULL.
 * - Handles are opaque and released only by their own `_close`/`_free`, which accept NULL.
 * - Ownership is stated on every declaration: `@owned` (the caller releases it), `@borrowed`
 *   (valid until the listed calls), `@threadsafe` (may be called concurrently on one handle).
 * - Timeouts are `int64_t` nanoseconds: negative waits forever, 0 tries once.
 * - Option structs start with their own `size`; initialise them with the `_INIT` macro or the
 *   `_opts_init` function. Passing NULL means all defaults.
 *
 * @copyright shmhub authors, MIT licence.
 */
#ifndef SHMHUB_H
#define SHMHUB_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @brief Marks a function exported from libshmhub. */
#if defined(__GNUC__) && !defined(SHMHUB_STATIC_BUILD)
#define SHMHUB_API __attribute__((visibility("default")))
#else
#define SHMHUB_API
#endif

/* ============================================================================================== */
/** @name Versions
 *  The library version (API/ABI) is separate from the segment layout version.
 *  @{ */

/** @brief Major version: bumped only when the ABI breaks (the SONAME follows it). */
#define SHMHUB_VERSION_MAJOR 1
/** @brief Minor version: bumped when symbols are added. */
#define SHMHUB_VERSION_MINOR 1
/** @brief Patch version: bug fixes only. */
#define SHMHUB_VERSION_PATCH 0
/** @brief The version as one number: `MAJOR * 10000 + MINOR * 100 + PATCH` (1.1.0 is 10100). */
#define SHMHUB_VERSION_NUMBER \
    (SHMHUB_VERSION_MAJOR * 10000 + SHMHUB_VERSION_MINOR * 100 + SHMHUB_VERSION_PATCH)
/** @brief Major version of the segment layout this library writes and the newest it reads. */
#define SHMHUB_LAYOUT_MAJOR 1
/** @brief Minor version of the segment layout this library writes (1.1 adds the segment lock
 *  words, the stream writer's owner token and the stream waiter slots). */
#define SHMHUB_LAYOUT_MINOR 1

/**
 * @brief The library's version number, as ::SHMHUB_VERSION_NUMBER was when it was built.
 * @threadsafe
 * @since 1.0
 */
SHMHUB_API uint32_t shmhub_version_number(void);

/**
 * @brief The library's version as a string, e.g. `"1.0.0"`.
 * @return A static string. @borrowed valid for the life of the process.
 * @threadsafe
 * @since 1.0
 */
SHMHUB_API const char *shmhub_version_string(void);

/**
 * @brief Header/library agreement check; every binding calls it once at load.
 *
 * Pass the ::SHMHUB_VERSION_NUMBER the caller was compiled (or generated) against. The check
 * passes when the majors are equal and the library's minor is at least the caller's (the library
 * then has every symbol the caller may use).
 * @param header_version The caller's ::SHMHUB_VERSION_NUMBER.
 * @return ::SHMHUB_OK, or ::SHMHUB_E_VERSION with a message giving both versions.
 * @threadsafe
 * @since 1.0
 */
SHMHUB_API int32_t shmhub_check_version(uint32_t header_version);

/** @brief Calls shmhub_check_version() with the version of the header being compiled. */
#define SHMHUB_CHECK_VERSION() shmhub_check_version(SHMHUB_VERSION_NUMBER)

/** @} */

/* ============================================================================================== */
/** @name Status and errors
 *  Codes are explicit, unique and never renumbered; new ones are appended.
 *  @{ */

/** @brief Result of every fallible call: 0 (::SHMHUB_OK) or a negative ::shmhub_status_code. */
typedef int32_t shmhub_status;

/** @brief The status codes. `docs/errors.md` describes each; a test keeps them in sync. */
enum shmhub_status_code {
    SHMHUB_OK = 0,              /**< Success. */
    SHMHUB_E_INVALID = -1,      /**< An argument is invalid (bad name, NULL pointer, bad dtype/shape...). */
    SHMHUB_E_NOT_FOUND = -2,    /**< No segment (or array) by that name. */
    SHMHUB_E_EXISTS = -3,       /**< A segment (or array) by that name already exists. */
    SHMHUB_E_PERMISSION = -4,   /**< The OS refused access, or the segment belongs to another user. */
    SHMHUB_E_NO_SPACE = -5,     /**< The shared-memory filesystem is full. */
    SHMHUB_E_NO_MEMORY = -6,    /**< Allocation or mapping failed. */
    SHMHUB_E_CORRUPT = -7,      /**< The segment failed validation (bad magic, checksum, bounds...). */
    SHMHUB_E_VERSION = -8,      /**< Incompatible layout or library version. */
    SHMHUB_E_WRONG_KIND = -9,   /**< The segment is of another kind than the call expects. */
    SHMHUB_E_TIMEOUT = -10,     /**< The timeout expired first. */
    SHMHUB_E_PEER_DEAD = -11,   /**< The process this call depends on (e.g. the creator) died. */
    SHMHUB_E_READ_ONLY = -12,   /**< The handle was opened read-only. */
    SHMHUB_E_SIZE = -13,        /**< A buffer size does not match what the call needs. */
    SHMHUB_E_RANGE = -14,       /**< An index is out of range. */
    SHMHUB_E_IO = -15,          /**< Another operating-system error (the message gives errno). */
    SHMHUB_E_BUSY = -16,        /**< The resource is in use. */
    SHMHUB_E_EMPTY = -17,       /**< The stream has no frame yet. */
    SHMHUB_E_OVERWRITTEN = -18, /**< A zero-copy frame was overwritten while it was in use. */
    SHMHUB_E_FINISHED = -19,    /**< The synchronised run was ended by shmhub_synched_finalize() (since 1.1). */
    SHMHUB_E_FULL = -20         /**< A container is full (dictionary keys or value bytes). @since 1.1 */
};

/**
 * @brief An English sentence describing a status code, e.g. "no such segment or array".
 * @return A static string, never NULL (unknown codes get "unknown status code").
 *         @borrowed valid for the life of the process.
 * @threadsafe
 * @since 1.0
 */
SHMHUB_API const char *shmhub_status_str(shmhub_status status);

/**
 * @brief The enumerator's name of a status code, e.g. `"SHMHUB_E_NOT_FOUND"`.
 * @return A static string, never NULL (unknown codes get "SHMHUB_E_UNKNOWN").
 *         @borrowed valid for the life of the process.
 * @threadsafe
 * @since 1.0
 */
SHMHUB_API const char *shmhub_status_name(shmhub_status status);

/**
 * @brief The message of the last failed call on this thread.
 *
 * Never NULL; always set when a call fails, naming the segment and the problem
 * (`segment 'cam0': layout major 2 > supported 1`). Successful calls leave it unchanged.
 * Bindings read it at once, on the same thread.
 * @return A thread-local string. @borrowed valid until the next shmhub call on this thread.
 * @threadsafe
 * @since 1.0
 */
SHMHUB_API const char *shmhub_last_error(void);

/** @} */

/* ============================================================================================== */
/** @name Dtypes
 *  Element types, matching numpy's. Values are stored in segments: never renumbered.
 *  @{ */

/** @brief An element type: one of ::shmhub_dtype_code. */
typedef int32_t shmhub_dtype;

/** @brief The element types (numpy type string in brackets, little-endian). */
enum shmhub_dtype_code {
    SHMHUB_DTYPE_INVALID = 0,     /**< Not a dtype. */
    SHMHUB_DTYPE_BOOL = 1,        /**< 1-byte boolean (`|b1`). */
    SHMHUB_DTYPE_INT8 = 2,        /**< (`|i1`) */
    SHMHUB_DTYPE_INT16 = 3,       /**< (`<i2`) */
    SHMHUB_DTYPE_INT32 = 4,       /**< (`<i4`) */
    SHMHUB_DTYPE_INT64 = 5,       /**< (`<i8`) */
    SHMHUB_DTYPE_UINT8 = 6,       /**< (`|u1`) */
    SHMHUB_DTYPE_UINT16 = 7,      /**< (`<u2`) */
    SHMHUB_DTYPE_UINT32 = 8,      /**< (`<u4`) */
    SHMHUB_DTYPE_UINT64 = 9,      /**< (`<u8`) */
    SHMHUB_DTYPE_FLOAT16 = 10,    /**< IEEE half (`<f2`). */
    SHMHUB_DTYPE_FLOAT32 = 11,    /**< (`<f4`) */
    SHMHUB_DTYPE_FLOAT64 = 12,    /**< (`<f8`) */
    SHMHUB_DTYPE_COMPLEX64 = 13,  /**< Two float32 (`<c8`). */
    SHMHUB_DTYPE_COMPLEX128 = 14  /**< Two float64 (`<c16`). */
};

/** @brief Number of valid dtypes; valid codes are 1 to this value. */
#define SHMHUB_DTYPE_COUNT 14

/**
 * @brief Size in bytes of one element of @p dtype.
 * @return The size, or 0 when @p dtype is not a valid dtype.
 * @threadsafe
 * @since 1.0
 */
SHMHUB_API size_t shmhub_dtype_size(shmhub_dtype dtype);

/**
 * @brief The numpy type string of @p dtype (`"<f4"`, `"|u1"`, `"|b1"`, `"<c16"`...).
 * @return A static string, or NULL when @p dtype is not valid. @borrowed for the life of the process.
 * @threadsafe
 * @since 1.0
 */
SHMHUB_API const char *shmhub_dtype_str(shmhub_dtype dtype);

/**
 * @brief The numpy name of @p dtype (`"float32"`, `"uint8"`, `"bool"`...).
 * @return A static string, or NULL when @p dtype is not valid. @borrowed for the life of the process.
 * @threadsafe
 * @since 1.0
 */
SHMHUB_API const char *shmhub_dtype_name(shmhub_dtype dtype);

/**
 * @brief Parses a numpy type string or name into a dtype.
 *
 * Accepts the type strings shmhub_dtype_str() returns, the same without the byte-order character
 * or with `=` (`"f4"`, `"=f4"`), numpy's one-letter codes (`"?"`, `"b"`, `"B"`, `"h"`, `"H"`, `"i"`,
 * `"I"`, `"q"`, `"Q"`, `"e"`, `"f"`, `"d"`, `"F"`, `"D"`) and names (`"float32"`, `"bool"`).
 * Big-endian strings (`">f4"`) are refused.
 * @param text The string to parse.
 * @param[out] out The dtype; ::SHMHUB_DTYPE_INVALID on failure.
 * @return ::SHMHUB_OK or ::SHMHUB_E_INVALID.
 * @threadsafe
 * @since 1.0
 */
SHMHUB_API shmhub_status shmhub_dtype_from_str(const char *text, shmhub_dtype *out);

/** @} */

/* ============================================================================================== */
/** @name Layouts
 *  A builder describing the arrays of a segment to create, so no struct layout crosses the FFI.
 *  @{ */

/** @brief Most dimensions an array may have. */
#define SHMHUB_MAX_NDIM 8
/** @brief Longest segment name, in bytes. Names use only `[A-Za-z0-9._-]`. */
#define SHMHUB_MAX_NAME 200
/** @brief Longest array name, in bytes. Array names use only `[A-Za-z0-9._-]`. */
#define SHMHUB_MAX_ARRAY_NAME 63
/** @brief Most arrays one segment may hold. */
#define SHMHUB_MAX_ARRAYS 4096
/** @brief Alignment in bytes of every array's data. */
#define SHMHUB_ALIGNMENT 64

/** @brief An opaque list of array descriptions (name, dtype, shape). */
typedef struct shmhub_layout shmhub_layout;

/**
 * @brief Creates an empty layout.
 * @param[out] out The new layout. @owned release with shmhub_layout_free().
 * @return ::SHMHUB_OK, ::SHMHUB_E_INVALID (NULL @p out) or ::SHMHUB_E_NO_MEMORY.
 * @threadsafe
 * @since 1.0
 */
SHMHUB_API shmhub_status shmhub_layout_new(shmhub_layout **out);

/**
 * @brief Appends an array to a layout; arrays are laid out in the order added.
 * @param layout The layout to extend.
 * @param array_name 1 to ::SHMHUB_MAX_ARRAY_NAME characters of `[A-Za-z0-9._-]`, unique in the layout.
 * @param dtype A valid ::shmhub_dtype.
 * @param ndim 0 (a scalar) to ::SHMHUB_MAX_NDIM.
 * @param shape @p ndim extents (0 allowed), copied; may be NULL when @p ndim is 0.
 * @return ::SHMHUB_OK; ::SHMHUB_E_INVALID for a bad argument or a size that overflows;
 *         ::SHMHUB_E_EXISTS for a duplicate name; ::SHMHUB_E_RANGE past ::SHMHUB_MAX_ARRAYS;
 *         ::SHMHUB_E_NO_MEMORY.
 * @note Not thread-safe on one layout.
 * @since 1.0
 */
SHMHUB_API shmhub_status shmhub_layout_add(shmhub_layout *layout, const char *array_name,
                                           shmhub_dtype dtype, uint32_t ndim,
                                           const uint64_t *shape);

/**
 * @brief Number of arrays added to @p layout so far (0 for NULL).
 * @since 1.0
 */
SHMHUB_API size_t shmhub_layout_count(const shmhub_layout *layout);

/**
 * @brief Frees a layout. NULL is ignored. Segments created from it are unaffected.
 * @since 1.0
 */
SHMHUB_API void shmhub_layout_free(shmhub_layout *layout);

/** @} */

/* ============================================================================================== */
/** @name Segments
 *  Named shared-memory mappings with a validated header.
 *  @{ */

/** @brief An opaque handle to one mapping of a segment. */
typedef struct shmhub_segment shmhub_segment;

/** @brief What a segment holds (stored in its header). */
enum shmhub_kind_code {
    SHMHUB_KIND_ARRAYS = 1,     /**< Named typed arrays (this header's segments). */
    SHMHUB_KIND_STREAM = 2,     /**< A stream of frames (reserved for the stream API). */
    SHMHUB_KIND_DICT = 3,       /**< A shared dictionary (shmhub_dict_create(), since 1.1). */
    SHMHUB_KIND_POOL = 4,       /**< A memory pool (shmhub_pool_create(), since 1.1). */
    SHMHUB_KIND_SYNCHED = 5,    /**< Synchronised per-worker memory (shmhub_synched_create(), since 1.1). */
    SHMHUB_KIND_GPU_STREAM = 6  /**< A GPU stream (reserved). */
};

/**
 * @brief The name of a kind (`"arrays"`, `"stream"`, ...).
 * @return A static string, or NULL for an unknown kind. @borrowed for the life of the process.
 * @threadsafe
 * @since 1.0
 */
SHMHUB_API const char *shmhub_kind_name(int32_t kind);

/** @brief Flag: unlink the segment's name when this handle is closed (only for the creator's handle, and only in the creating process: a handle inherited across fork and closed in the child does not unlink). */
#define SHMHUB_UNLINK_ON_CLOSE 0x1u
/** @brief Flag: map read-only (open only); writing through a data pointer then faults. */
#define SHMHUB_READ_ONLY 0x2u
/** @brief Flag: fault every page in at create/open (MADV_POPULATE_WRITE), for latency-sensitive writers. */
#define SHMHUB_PREFAULT 0x4u
/** @brief Flag: open a segment owned by another user (refused by default). */
#define SHMHUB_ALLOW_FOREIGN_OWNER 0x8u

/**
 * @brief Options for shmhub_segment_create() and shmhub_segment_open().
 *
 * Size-prefixed and append-only: initialise with ::SHMHUB_SEGMENT_OPTS_INIT or
 * shmhub_segment_opts_init(); the library reads only the first @c size bytes.
 */
typedef struct shmhub_segment_opts {
    uint32_t size;           /**< `sizeof(shmhub_segment_opts)` as the caller knows it. */
    uint32_t mode;           /**< File mode at create (default 0600); the umask does not apply. */
    const char *dir;         /**< Directory for the segment file; NULL: `$SHMHUB_DIR`, else POSIX shm. */
    uint32_t flags;          /**< OR of ::SHMHUB_UNLINK_ON_CLOSE, ::SHMHUB_READ_ONLY, ::SHMHUB_PREFAULT, ::SHMHUB_ALLOW_FOREIGN_OWNER. */
    uint32_t reserved;       /**< Must be 0. */
    int64_t open_timeout_ns; /**< How long open waits for a segment still being created (default 1 s; <0 forever; 0 once). */
} shmhub_segment_opts;

/** @brief Default options, as shmhub_segment_opts_init() sets them. */
#define SHMHUB_SEGMENT_OPTS_INIT \
    { (uint32_t)sizeof(shmhub_segment_opts), 0600u, NULL, 0u, 0u, INT64_C(1000000000) }

/**
 * @brief Sets @p opts to the defaults; for languages that cannot expand ::SHMHUB_SEGMENT_OPTS_INIT.
 * @param opts The struct to fill.
 * @param size `sizeof` the struct as the caller knows it (at least 8 bytes).
 * @return ::SHMHUB_OK or ::SHMHUB_E_INVALID.
 * @threadsafe
 * @since 1.0
 */
SHMHUB_API shmhub_status shmhub_segment_opts_init(shmhub_segment_opts *opts, size_t size);

/**
 * @brief Creates a new segment holding the arrays of @p layout, zero-filled.
 *
 * Fails with ::SHMHUB_E_EXISTS if the name exists (a pre-created file is never adopted). The
 * memory is reserved up front, so a full filesystem gives ::SHMHUB_E_NO_SPACE here rather than
 * SIGBUS later. Other processes' opens wait until the segment is fully initialised.
 * @param name 1 to ::SHMHUB_MAX_NAME characters of `[A-Za-z0-9._-]`.
 * @param layout The arrays; may hold zero arrays. Not retained.
 * @param opts NULL for defaults.
 * @param[out] out The handle. @owned release with shmhub_segment_close().
 * @return ::SHMHUB_OK, ::SHMHUB_E_INVALID, ::SHMHUB_E_EXISTS, ::SHMHUB_E_PERMISSION,
 *         ::SHMHUB_E_NO_SPACE, ::SHMHUB_E_NO_MEMORY, ::SHMHUB_E_IO.
 * @threadsafe
 * @since 1.0
 */
SHMHUB_API shmhub_status shmhub_segment_create(const char *name, const shmhub_layout *layout,
                                               const shmhub_segment_opts *opts,
                                               shmhub_segment **out);

/**
 * @brief Opens an existing segment of any kind by name and validates it before trusting any of it.
 *
 * Segments of other kinds (streams...) open too, for inspection; their kind-specific calls
 * check the kind themselves.
 * Waits up to shmhub_segment_opts::open_timeout_ns for a segment still being created, and
 * reports ::SHMHUB_E_PEER_DEAD at once if its creator died first. Checks magic, versions, kind,
 * checksum and that every offset and size lies inside the file; the array directory is copied
 * into private memory, so later writes to the header cannot affect the handle.
 * @param name The segment's name.
 * @param opts NULL for defaults.
 * @param[out] out The handle. @owned release with shmhub_segment_close().
 * @return ::SHMHUB_OK, ::SHMHUB_E_INVALID, ::SHMHUB_E_NOT_FOUND, ::SHMHUB_E_PERMISSION,
 *         ::SHMHUB_E_CORRUPT, ::SHMHUB_E_VERSION, ::SHMHUB_E_TIMEOUT, ::SHMHUB_E_PEER_DEAD,
 *         ::SHMHUB_E_NO_MEMORY, ::SHMHUB_E_IO.
 * @threadsafe
 * @since 1.0
 */
SHMHUB_API shmhub_status shmhub_segment_open(const char *name, const shmhub_segment_opts *opts,
                                             shmhub_segment **out);

/**
 * @brief Unmaps a segment and frees the handle. NULL is ignored.
 *
 * Never unlinks the name unless the handle was created with ::SHMHUB_UNLINK_ON_CLOSE, and then
 * only in the process that created it (a forked child closing an inherited handle only unmaps).
 * Every pointer borrowed from the handle (arrays, names, data) dies with it.
 * @since 1.0
 */
SHMHUB_API void shmhub_segment_close(shmhub_segment *seg);

/**
 * @brief Removes a segment's name (in `$SHMHUB_DIR`, else POSIX shm).
 *
 * Existing mappings stay valid until they are closed; the memory is freed after the last one.
 * @return ::SHMHUB_OK, ::SHMHUB_E_INVALID, ::SHMHUB_E_NOT_FOUND, ::SHMHUB_E_PERMISSION, ::SHMHUB_E_IO.
 * @threadsafe
 * @since 1.0
 */
SHMHUB_API shmhub_status shmhub_unlink(const char *name);

/**
 * @brief Like shmhub_unlink(), in directory @p dir (NULL: `$SHMHUB_DIR`, else POSIX shm).
 * @threadsafe
 * @since 1.0
 */
SHMHUB_API shmhub_status shmhub_unlink_in(const char *name, const char *dir);

/**
 * @brief The segment's name. @borrowed valid until shmhub_segment_close(). @threadsafe @since 1.0
 */
SHMHUB_API const char *shmhub_segment_name(const shmhub_segment *seg);

/**
 * @brief The segment's file path (`/dev/shm/shmhub.NAME` or `DIR/shmhub.NAME`).
 * @borrowed valid until shmhub_segment_close(). @threadsafe @since 1.0
 */
SHMHUB_API const char *shmhub_segment_path(const shmhub_segment *seg);

/** @brief The segment's ::shmhub_kind_code (0 for NULL). @threadsafe @since 1.0 */
SHMHUB_API int32_t shmhub_segment_kind(const shmhub_segment *seg);

/** @brief Total mapped size in bytes, header included (0 for NULL). @threadsafe @since 1.0 */
SHMHUB_API uint64_t shmhub_segment_size(const shmhub_segment *seg);

/** @brief Process id of the segment's creator (0 for NULL). @threadsafe @since 1.0 */
SHMHUB_API int64_t shmhub_segment_creator_pid(const shmhub_segment *seg);

/** @brief User id of the segment's creator (0 for NULL). @threadsafe @since 1.0 */
SHMHUB_API int64_t shmhub_segment_creator_uid(const shmhub_segment *seg);

/** @brief Creation time, CLOCK_REALTIME nanoseconds since the epoch (0 for NULL). @threadsafe @since 1.0 */
SHMHUB_API int64_t shmhub_segment_created_ns(const shmhub_segment *seg);

/** @brief 1 if the handle is read-only, else 0. @threadsafe @since 1.0 */
SHMHUB_API int32_t shmhub_segment_read_only(const shmhub_segment *seg);

/** @brief The layout version (major * 100 + minor) the segment was written with. @threadsafe @since 1.0 */
SHMHUB_API uint32_t shmhub_segment_layout_version(const shmhub_segment *seg);

/** @brief An opaque snapshot of the segment names present in a directory. */
typedef struct shmhub_list shmhub_list;

/**
 * @brief Takes a snapshot of the segment names in @p dir (NULL: `$SHMHUB_DIR`, else POSIX shm).
 *
 * Names are sorted; files whose names are not valid segment names are skipped. Segments are
 * not opened: use shmhub_segment_open() to inspect (and validate) one.
 * @param dir The directory, or NULL.
 * @param[out] out The snapshot. @owned release with shmhub_list_close().
 * @return ::SHMHUB_OK, ::SHMHUB_E_NOT_FOUND (no such directory), ::SHMHUB_E_PERMISSION,
 *         ::SHMHUB_E_NO_MEMORY, ::SHMHUB_E_IO.
 * @threadsafe
 * @since 1.0
 */
SHMHUB_API shmhub_status shmhub_list_open(const char *dir, shmhub_list **out);

/** @brief Number of names in the snapshot (0 for NULL). @since 1.0 */
SHMHUB_API size_t shmhub_list_count(const shmhub_list *list);

/**
 * @brief The @p i th name, or NULL when @p i is out of range.
 * @borrowed valid until shmhub_list_close(). @since 1.0
 */
SHMHUB_API const char *shmhub_list_name(const shmhub_list *list, size_t i);

/** @brief Frees a snapshot. NULL is ignored. @since 1.0 */
SHMHUB_API void shmhub_list_close(shmhub_list *list);

/** @} */

/* ============================================================================================== */
/** @name Segment lock
 *  A robust cross-process mutex stored in the header of every segment (layout 1.1, bytes 136..151;
 *  docs/layout.md), for callers that update several arrays of a segment together. The owner is a
 *  process (an owner token: pid plus start time), not a thread: other threads of the holder's
 *  process wait like other processes. It is not recursive. A holder that dies (even by SIGKILL)
 *  does not deadlock the others: the next locker takes the lock over and is told so through
 *  `*recovered`, and shmhub_segment_lock_recoveries() counts it, as a stream counts writer-lock
 *  recoveries. Closing a handle does not release the lock; process exit is recovered as above.
 *  @{ */

/**
 * @brief Takes the segment's lock, waiting up to @p timeout_ns for it.
 *
 * Signals do not end the wait: an interrupted sleep continues until the deadline (bindings that
 * must stop on Ctrl-C call it with short timeouts in a loop).
 * @param seg A writable segment handle of any kind.
 * @param timeout_ns Nanoseconds to wait (negative: forever; 0: try once).
 * @param[out] recovered NULL, or set to 1 when the previous holder had died holding the lock (the
 *        data it protects may be half-updated), else 0.
 * @return ::SHMHUB_OK (the caller holds the lock), ::SHMHUB_E_TIMEOUT, ::SHMHUB_E_READ_ONLY (a
 *         read-only handle), ::SHMHUB_E_INVALID (NULL segment).
 * @threadsafe
 * @since 1.1
 */
SHMHUB_API shmhub_status shmhub_segment_lock(shmhub_segment *seg, int64_t timeout_ns,
                                             int32_t *recovered);

/**
 * @brief Releases the segment's lock, waking its waiters.
 * @param seg A writable segment handle; the calling process must hold the lock.
 * @return ::SHMHUB_OK, ::SHMHUB_E_INVALID (the lock is free, or held by another process; a NULL
 *         segment), ::SHMHUB_E_READ_ONLY.
 * @threadsafe
 * @since 1.1
 */
SHMHUB_API shmhub_status shmhub_segment_unlock(shmhub_segment *seg);

/** @brief How many times a locker took the segment lock over from a dead holder (0 for NULL).
 *  @threadsafe @since 1.1 */
SHMHUB_API uint64_t shmhub_segment_lock_recoveries(const shmhub_segment *seg);

/** @brief Process id of the segment lock's holder, 0 when free (or for NULL). A snapshot: it may
 *  change at once. @threadsafe @since 1.1 */
SHMHUB_API int64_t shmhub_segment_lock_holder_pid(const shmhub_segment *seg);

/** @} */

/* ============================================================================================== */
/** @name Arrays
 *  Views of the arrays of an open segment. Every `shmhub_array` pointer is borrowed from its
 *  segment and valid until shmhub_segment_close() on that segment; nothing else ends it.
 *  @{ */

/** @brief An opaque description of one array inside a segment (borrowed from the segment). */
typedef struct shmhub_array shmhub_array;

/** @brief Number of arrays in @p seg (0 for NULL). @threadsafe @since 1.0 */
SHMHUB_API size_t shmhub_segment_array_count(const shmhub_segment *seg);

/**
 * @brief The @p i th array, in layout order.
 * @param seg The segment.
 * @param i Index, 0 to shmhub_segment_array_count() - 1.
 * @param[out] out The array. @borrowed valid until shmhub_segment_close() on @p seg.
 * @return ::SHMHUB_OK, ::SHMHUB_E_INVALID (NULL argument), ::SHMHUB_E_RANGE.
 * @threadsafe
 * @since 1.0
 */
SHMHUB_API shmhub_status shmhub_segment_array_at(const shmhub_segment *seg, size_t i,
                                                 const shmhub_array **out);

/**
 * @brief Finds an array by name.
 * @param seg The segment.
 * @param array_name The array's name.
 * @param[out] out The array. @borrowed valid until shmhub_segment_close() on @p seg.
 * @return ::SHMHUB_OK, ::SHMHUB_E_INVALID, ::SHMHUB_E_NOT_FOUND (the message names segment and array).
 * @threadsafe
 * @since 1.0
 */
SHMHUB_API shmhub_status shmhub_segment_find(const shmhub_segment *seg, const char *array_name,
                                             const shmhub_array **out);

/** @brief The array's name. @borrowed valid until its segment is closed. @threadsafe @since 1.0 */
SHMHUB_API const char *shmhub_array_name(const shmhub_array *array);

/** @brief The array's ::shmhub_dtype (::SHMHUB_DTYPE_INVALID for NULL). @threadsafe @since 1.0 */
SHMHUB_API shmhub_dtype shmhub_array_dtype(const shmhub_array *array);

/** @brief The array's number of dimensions (0 for a scalar or NULL). @threadsafe @since 1.0 */
SHMHUB_API uint32_t shmhub_array_ndim(const shmhub_array *array);

/**
 * @brief The array's extents: ndim `uint64_t`, row-major (C order).
 * @borrowed valid until its segment is closed. @threadsafe @since 1.0
 */
SHMHUB_API const uint64_t *shmhub_array_shape(const shmhub_array *array);

/** @brief Number of elements (product of the extents; 1 for a scalar). @threadsafe @since 1.0 */
SHMHUB_API uint64_t shmhub_array_size(const shmhub_array *array);

/** @brief Size of the data in bytes (elements times dtype size). @threadsafe @since 1.0 */
SHMHUB_API uint64_t shmhub_array_nbytes(const shmhub_array *array);

/** @brief Offset of the data from the start of the segment (a multiple of ::SHMHUB_ALIGNMENT). @threadsafe @since 1.0 */
SHMHUB_API uint64_t shmhub_array_offset(const shmhub_array *array);

/**
 * @brief The array's data: C-contiguous, ::SHMHUB_ALIGNMENT-aligned, shared with every process
 * that maps the segment. Read-only handles give a pointer that must not be written.
 *
 * Other processes may write this memory at any time; synchronising is the caller's business
 * (streams provide never-torn reads).
 * @borrowed valid until shmhub_segment_close() on the array's segment. @threadsafe @since 1.0
 */
SHMHUB_API void *shmhub_array_data(const shmhub_array *array);

/** @} */

/* ============================================================================================== */
/** @name Streams
 *  A ring of frames of one dtype and shape: never-torn latest-value reads, lossless sequential
 *  reads, futex wake-ups, zero-copy loans. Guarantees are described in `docs/streams.md`.
 *
 *  Writers are identified by an owner token (pid + process start time), not a bare pid: a
 *  restarted writer that got the dead one's pid takes the claim or lock over (counted by
 *  shmhub_stream_recoveries()), and a process whose main thread exited while other threads run
 *  is alive. Processes sharing a stream must share a pid namespace.
 *
 *  Signals: a signal that interrupts a blocking wait (shmhub_stream_read_next(),
 *  shmhub_stream_wait(), the writer-lock wait of shmhub_stream_write() and
 *  shmhub_stream_loan()) does not end it: after the handler returns (EINTR inside the futex
 *  wait), the wait continues until a frame arrives or its timeout expires. A caller that must
 *  react to signals sooner waits in short timeouts and checks in between.
 *  @{ */

/** @brief An opaque handle to a stream (a segment of kind ::SHMHUB_KIND_STREAM). */
typedef struct shmhub_stream shmhub_stream;

/** @brief Writer modes (shmhub_stream_opts::writer_mode). */
enum shmhub_writer_mode_code {
    SHMHUB_WRITER_SINGLE = 0, /**< One writing process at a time (claimed at its first write; no lock per frame). */
    SHMHUB_WRITER_MULTI = 1   /**< Several writers, serialised by a robust cross-process lock. */
};

/** @brief How readers wait for new frames (shmhub_stream_opts::wait_mode). */
enum shmhub_wait_mode_code {
    SHMHUB_WAIT_FUTEX = 0,            /**< Sleep on a futex in the mapping (default). */
    SHMHUB_WAIT_SPIN_THEN_FUTEX = 1,  /**< Spin for shmhub_stream_opts::spin_ns, then sleep. */
    SHMHUB_WAIT_SPIN = 2              /**< Spin until the timeout (burns a core; lowest latency). */
};

/** @brief Flag: waits report ::SHMHUB_E_PEER_DEAD when the stream's writer process has died. */
#define SHMHUB_STREAM_LIVENESS 0x1u

/**
 * @brief Options for shmhub_stream_create() and shmhub_stream_open(); size-prefixed, append-only.
 *
 * slots and writer_mode are fixed at create (open reads them from the segment); wait_mode,
 * spin_ns, flags and lock_timeout_ns are per handle.
 */
typedef struct shmhub_stream_opts {
    uint32_t size;                       /**< `sizeof(shmhub_stream_opts)` as the caller knows it. */
    uint32_t slots;                      /**< Frames kept in the ring (create; 2 to 65536, or 0, the default since 1.1: 8, fewer for frames over 1 MiB so the ring stays within 8 MiB, at least 2). */
    uint32_t writer_mode;                /**< A ::shmhub_writer_mode_code (create; default single). */
    uint32_t wait_mode;                  /**< A ::shmhub_wait_mode_code (default futex). */
    int64_t spin_ns;                     /**< Spin budget for ::SHMHUB_WAIT_SPIN_THEN_FUTEX (default 50 us). */
    uint32_t flags;                      /**< ::SHMHUB_STREAM_LIVENESS or 0. */
    uint32_t reserved;                   /**< Must be 0. */
    int64_t lock_timeout_ns;             /**< How long a writer waits for the writer lock or claim (default 5 s). */
    const shmhub_segment_opts *segment;  /**< Segment options (mode, dir, flags, open timeout), or NULL. */
} shmhub_stream_opts;

/** @brief Default stream options, as shmhub_stream_opts_init() sets them. */
#define SHMHUB_STREAM_OPTS_INIT                                                                  \
    { (uint32_t)sizeof(shmhub_stream_opts), 0u, SHMHUB_WRITER_SINGLE, SHMHUB_WAIT_FUTEX,        \
      INT64_C(50000), 0u, 0u, INT64_C(5000000000), NULL }

/**
 * @brief Sets @p opts to the defaults (for languages that cannot expand ::SHMHUB_STREAM_OPTS_INIT).
 * @param opts The struct to fill. @param size `sizeof` it as the caller knows it (at least 8).
 * @return ::SHMHUB_OK or ::SHMHUB_E_INVALID.
 * @threadsafe @since 1.0
 */
SHMHUB_API shmhub_status shmhub_stream_opts_init(shmhub_stream_opts *opts, size_t size);

/**
 * @brief What a read returned; size-prefixed: set @c size before the call, the library fills the
 * fields that fit.
 */
typedef struct shmhub_frame_info {
    uint32_t size;          /**< `sizeof(shmhub_frame_info)` as the caller knows it. */
    uint32_t reserved;      /**< 0. */
    uint64_t seq;           /**< Sequence number of the frame (the first frame is 1). */
    int64_t timestamp_ns;   /**< Commit time, CLOCK_REALTIME nanoseconds. */
    uint64_t missed;        /**< Frames skipped since this handle's previous read (overrun). */
} shmhub_frame_info;

/** @brief A zeroed ::shmhub_frame_info with its size set. */
#define SHMHUB_FRAME_INFO_INIT { (uint32_t)sizeof(shmhub_frame_info), 0u, 0u, 0, 0u }

/**
 * @brief Creates a stream of frames of @p dtype and shape @p shape (C order).
 * @param name Segment name (see shmhub_segment_create()).
 * @param dtype A valid ::shmhub_dtype. @param ndim 0 to ::SHMHUB_MAX_NDIM.
 * @param shape @p ndim extents; a frame must hold at least one byte.
 * @param opts NULL for defaults.
 * @param[out] out The handle. @owned release with shmhub_stream_close().
 * @return ::SHMHUB_OK or any error of shmhub_segment_create().
 * @threadsafe @since 1.0
 */
SHMHUB_API shmhub_status shmhub_stream_create(const char *name, shmhub_dtype dtype, uint32_t ndim,
                                              const uint64_t *shape, const shmhub_stream_opts *opts,
                                              shmhub_stream **out);

/**
 * @brief Opens an existing stream; the handle's cursor starts at the newest committed frame.
 * @param name The stream's segment name.
 * @param opts NULL for defaults (slots and writer_mode are read from the segment).
 * @param[out] out The handle. @owned release with shmhub_stream_close().
 * @return ::SHMHUB_OK, ::SHMHUB_E_WRONG_KIND for a segment that is not a stream, or any error of
 *         shmhub_segment_open().
 * @threadsafe @since 1.0
 */
SHMHUB_API shmhub_status shmhub_stream_open(const char *name, const shmhub_stream_opts *opts,
                                            shmhub_stream **out);

/**
 * @brief Closes a stream handle (abandoning an open loan and releasing the single-writer claim).
 * NULL is ignored. Never unlinks unless the segment options said ::SHMHUB_UNLINK_ON_CLOSE.
 *
 * Only what the calling process owns is given back: a handle inherited across fork and closed in
 * the child only unmaps; the parent's claim, open loan and writer lock stay the parent's, and
 * ::SHMHUB_UNLINK_ON_CLOSE does not unlink.
 * @since 1.0
 */
SHMHUB_API void shmhub_stream_close(shmhub_stream *stream);

/**
 * @brief Publishes one frame, copied from @p src.
 * @param stream The stream.
 * @param src The frame's bytes (C order).
 * @param nbytes Must equal shmhub_stream_frame_nbytes().
 * @return ::SHMHUB_OK, ::SHMHUB_E_SIZE, ::SHMHUB_E_READ_ONLY, ::SHMHUB_E_BUSY (another live process
 *         is the single writer, this handle's claim was taken over since its last write, or a
 *         loan is open on this handle), ::SHMHUB_E_TIMEOUT (writer lock), ::SHMHUB_E_CORRUPT (an
 *         impossible sequence number in the control block).
 * @threadsafe @since 1.0
 */
SHMHUB_API shmhub_status shmhub_stream_write(shmhub_stream *stream, const void *src, size_t nbytes);

/**
 * @brief Loans the next frame's memory for writing in place; finish with shmhub_stream_commit()
 * or shmhub_stream_abandon(). One loan per handle at a time.
 * @param stream The stream.
 * @param[out] frame The frame's memory. @borrowed valid until shmhub_stream_commit(),
 *         shmhub_stream_abandon() or shmhub_stream_close() on @p stream.
 * @return As shmhub_stream_write().
 * @note Not thread-safe with other writes on the same handle while the loan is open.
 * @since 1.0
 */
SHMHUB_API shmhub_status shmhub_stream_loan(shmhub_stream *stream, void **frame);

/**
 * @brief Publishes the loaned frame. @return ::SHMHUB_OK or ::SHMHUB_E_INVALID (no open loan, or
 * the loan was opened by another process: a handle inherited across fork).
 * @since 1.0
 */
SHMHUB_API shmhub_status shmhub_stream_commit(shmhub_stream *stream);

/**
 * @brief Gives the loaned frame back unpublished; the slot it used is marked empty.
 * @return ::SHMHUB_OK or ::SHMHUB_E_INVALID (no open loan, or the loan was opened by another
 *         process).
 * @since 1.0
 */
SHMHUB_API shmhub_status shmhub_stream_abandon(shmhub_stream *stream);

/**
 * @brief Copies the newest committed frame into @p dst; never torn. Sets the handle's cursor to it.
 * @param stream The stream.
 * @param dst Where to copy the frame.
 * @param nbytes Must equal shmhub_stream_frame_nbytes().
 * @param info NULL, or filled with the frame's sequence number, timestamp and missed count.
 * @return ::SHMHUB_OK, ::SHMHUB_E_EMPTY (no frame yet), ::SHMHUB_E_SIZE, ::SHMHUB_E_BUSY (the
 *         writer lapped the reader 1000 times in a row), ::SHMHUB_E_CORRUPT (an impossible
 *         sequence number in the control block).
 * @threadsafe @since 1.0
 */
SHMHUB_API shmhub_status shmhub_stream_read_latest(shmhub_stream *stream, void *dst, size_t nbytes,
                                                   shmhub_frame_info *info);

/**
 * @brief Lossless read: copies the frame after the handle's cursor, waiting up to @p timeout_ns for
 * it, and advances the cursor. After an overrun it returns the oldest frame still in the ring
 * and shmhub_frame_info::missed says how many were lost.
 * @param stream The stream.
 * @param dst Where to copy the frame.
 * @param nbytes Must equal shmhub_stream_frame_nbytes().
 * @param timeout_ns Nanoseconds to wait (negative: forever; 0: do not wait).
 * @param info NULL, or filled with the frame's sequence number, timestamp and missed count.
 * @return ::SHMHUB_OK, ::SHMHUB_E_TIMEOUT, ::SHMHUB_E_PEER_DEAD (with ::SHMHUB_STREAM_LIVENESS),
 *         ::SHMHUB_E_SIZE, ::SHMHUB_E_BUSY (the writer overwrote the frame being copied 1000 times
 *         in a row: a reader far slower than the writer; retry, or use
 *         shmhub_stream_read_latest()), ::SHMHUB_E_CORRUPT (an impossible sequence number in the
 *         control block). Returns within its timeout whatever the shared control words hold.
 *         A zero timeout never sleeps and never registers as a waiter.
 * @note The cursor is per handle: not thread-safe with other reads on the same handle.
 * @since 1.0
 */
SHMHUB_API shmhub_status shmhub_stream_read_next(shmhub_stream *stream, void *dst, size_t nbytes,
                                                 int64_t timeout_ns, shmhub_frame_info *info);

/**
 * @brief Waits until a frame newer than the handle's cursor is committed (no copy).
 * @return ::SHMHUB_OK, ::SHMHUB_E_TIMEOUT, ::SHMHUB_E_PEER_DEAD (with ::SHMHUB_STREAM_LIVENESS).
 * @threadsafe @since 1.0
 */
SHMHUB_API shmhub_status shmhub_stream_wait(shmhub_stream *stream, int64_t timeout_ns);

/**
 * @brief Zero-copy read of the newest frame: points @p frame into the ring. The writer may
 * overwrite it at any time; call shmhub_stream_validate() after computing on it.
 * @param stream The stream.
 * @param[out] frame @borrowed valid (as memory) until shmhub_stream_close(); its contents are
 *         trustworthy only if shmhub_stream_validate() succeeds afterwards.
 * @param info NULL, or filled with the frame's sequence number and timestamp (keep it for
 *        shmhub_stream_validate()).
 * @return ::SHMHUB_OK, ::SHMHUB_E_EMPTY, ::SHMHUB_E_BUSY, ::SHMHUB_E_CORRUPT.
 * @threadsafe @since 1.0
 */
SHMHUB_API shmhub_status shmhub_stream_peek(shmhub_stream *stream, const void **frame,
                                            shmhub_frame_info *info);

/**
 * @brief Checks that the frame described by @p info (from shmhub_stream_peek()) was not
 * overwritten since. @return ::SHMHUB_OK or ::SHMHUB_E_OVERWRITTEN.
 * @threadsafe @since 1.0
 */
SHMHUB_API shmhub_status shmhub_stream_validate(const shmhub_stream *stream,
                                                const shmhub_frame_info *info);

/** @brief Number of committed frames (the newest sequence number). @threadsafe @since 1.0 */
SHMHUB_API uint64_t shmhub_stream_count(const shmhub_stream *stream);
/** @brief Time of the newest commit, CLOCK_REALTIME ns (0 if none). @threadsafe @since 1.0 */
SHMHUB_API int64_t shmhub_stream_last_write_ns(const shmhub_stream *stream);
/** @brief Number of frames in the ring. @threadsafe @since 1.0 */
SHMHUB_API uint32_t shmhub_stream_slots(const shmhub_stream *stream);
/** @brief The ::shmhub_writer_mode_code fixed at create. @threadsafe @since 1.0 */
SHMHUB_API uint32_t shmhub_stream_writer_mode(const shmhub_stream *stream);
/** @brief The frames' dtype. @threadsafe @since 1.0 */
SHMHUB_API shmhub_dtype shmhub_stream_dtype(const shmhub_stream *stream);
/** @brief The frames' number of dimensions. @threadsafe @since 1.0 */
SHMHUB_API uint32_t shmhub_stream_ndim(const shmhub_stream *stream);
/** @brief The frames' extents. @borrowed valid until shmhub_stream_close(). @threadsafe @since 1.0 */
SHMHUB_API const uint64_t *shmhub_stream_shape(const shmhub_stream *stream);
/** @brief Bytes per frame. @threadsafe @since 1.0 */
SHMHUB_API uint64_t shmhub_stream_frame_nbytes(const shmhub_stream *stream);
/** @brief Sequence number of the last frame this handle returned (its cursor). @since 1.0 */
SHMHUB_API uint64_t shmhub_stream_cursor(const shmhub_stream *stream);
/**
 * @brief Moves the cursor: the next shmhub_stream_read_next() returns frame @p seq + 1 (or the
 * oldest still in the ring). Pass 0 to replay the ring from its oldest frame. @since 1.0
 */
SHMHUB_API void shmhub_stream_seek(shmhub_stream *stream, uint64_t seq);
/** @brief Process id of the single writer (or of the last multi-writer), taken from its owner token (0 if none). @threadsafe @since 1.0 */
SHMHUB_API int64_t shmhub_stream_writer_pid(const shmhub_stream *stream);
/** @brief How many times a writer recovered the lock or role from a dead process. @threadsafe @since 1.0 */
SHMHUB_API uint64_t shmhub_stream_recoveries(const shmhub_stream *stream);
/**
 * @brief The underlying segment (name, path, size, creator...).
 * @borrowed valid until shmhub_stream_close(). @threadsafe @since 1.0
 */
SHMHUB_API const shmhub_segment *shmhub_stream_segment(const shmhub_stream *stream);

/** @} */

/* ============================================================================================== */
/** @name Synched memory
 *  SynchedMemory across processes: each of N workers owns one segment of `segment_len` elements;
 *  every round all workers write their own segment, synchronise, then read every segment. Two
 *  barriers per round (before writing: everyone has finished reading the previous round; after
 *  writing: everyone has written) so no read ever mixes two rounds. `docs/compute.md` explains
 *  the cycle, the barrier modes and the profile.
 *  @{ */

/** @brief An opaque handle to a synched-memory segment (kind ::SHMHUB_KIND_SYNCHED). */
typedef struct shmhub_synched shmhub_synched;

/** @brief Flag (shmhub_synched_opts::flags, at create): record each worker's per-round profile. */
#define SHMHUB_SYNCHED_PROFILE 0x1u

/**
 * @brief Options for shmhub_synched_create() and shmhub_synched_open(); size-prefixed, append-only.
 *
 * flags and profile_rounds are fixed at create (open reads them from the segment); barrier_mode,
 * spin_ns and liveness_ns are per handle.
 */
typedef struct shmhub_synched_opts {
    uint32_t size;                       /**< `sizeof(shmhub_synched_opts)` as the caller knows it. */
    uint32_t barrier_mode;               /**< How barriers wait: a ::shmhub_wait_mode_code (default futex). */
    int64_t spin_ns;                     /**< Spin budget for ::SHMHUB_WAIT_SPIN_THEN_FUTEX (default 50 us). */
    int64_t liveness_ns;                 /**< A dead worker breaks a barrier within this time (default 1 s, at least 1 ms). */
    uint32_t flags;                      /**< ::SHMHUB_SYNCHED_PROFILE or 0 (create). */
    uint32_t profile_rounds;             /**< Rounds of profile kept per worker (create; default 4096, at most 1048576). */
    const shmhub_segment_opts *segment;  /**< Segment options (mode, dir, flags, open timeout), or NULL. */
} shmhub_synched_opts;

/** @brief Default synched options, as shmhub_synched_opts_init() sets them. */
#define SHMHUB_SYNCHED_OPTS_INIT                                                                 \
    { (uint32_t)sizeof(shmhub_synched_opts), SHMHUB_WAIT_FUTEX, INT64_C(50000),                  \
      INT64_C(1000000000), 0u, 4096u, NULL }

/**
 * @brief Sets @p opts to the defaults (for languages that cannot expand ::SHMHUB_SYNCHED_OPTS_INIT).
 * @param opts The struct to fill. @param size `sizeof` it as the caller knows it (at least 8).
 * @return ::SHMHUB_OK or ::SHMHUB_E_INVALID.
 * @threadsafe @since 1.1
 */
SHMHUB_API shmhub_status shmhub_synched_opts_init(shmhub_synched_opts *opts, size_t size);

/**
 * @brief Creates a synched-memory segment: @p workers segments of @p segment_len elements of
 * @p dtype, contiguous and worker-major (one array named `data` of shape workers x segment_len).
 *
 * The creating handle is not a worker until it calls shmhub_synched_attach().
 * @param name Segment name (see shmhub_segment_create()).
 * @param dtype A valid ::shmhub_dtype.
 * @param workers 1 to 4096.
 * @param segment_len Elements per worker (at least 1).
 * @param opts NULL for defaults.
 * @param[out] out The handle. @owned release with shmhub_synched_close().
 * @return ::SHMHUB_OK, ::SHMHUB_E_INVALID (bad dtype, workers, length or options) or any error
 *         of shmhub_segment_create().
 * @threadsafe @since 1.1
 */
SHMHUB_API shmhub_status shmhub_synched_create(const char *name, shmhub_dtype dtype,
                                               uint32_t workers, uint64_t segment_len,
                                               const shmhub_synched_opts *opts,
                                               shmhub_synched **out);

/**
 * @brief Opens an existing synched-memory segment by name.
 * @param name The segment's name.
 * @param opts NULL for defaults (flags and profile_rounds are read from the segment).
 * @param[out] out The handle. @owned release with shmhub_synched_close().
 * @return ::SHMHUB_OK, ::SHMHUB_E_WRONG_KIND for a segment of another kind, ::SHMHUB_E_CORRUPT,
 *         or any error of shmhub_segment_open().
 * @threadsafe @since 1.1
 */
SHMHUB_API shmhub_status shmhub_synched_open(const char *name, const shmhub_synched_opts *opts,
                                             shmhub_synched **out);

/**
 * @brief Releases this handle's worker id (if attached) and closes the handle. NULL is ignored.
 * Never unlinks unless the segment options said ::SHMHUB_UNLINK_ON_CLOSE. A handle closed in a
 * forked child only unmaps: the parent's worker id stays claimed.
 * @since 1.1
 */
SHMHUB_API void shmhub_synched_close(shmhub_synched *s);

/**
 * @brief Claims worker id @p worker for this handle (one id per handle, once).
 *
 * The claim records this process's owner token (pid + start time). An id whose holder has died
 * may be claimed again.
 * @param s The handle. @param worker 0 to shmhub_synched_workers() - 1.
 * @return ::SHMHUB_OK, ::SHMHUB_E_INVALID (NULL, or this handle already holds an id),
 *         ::SHMHUB_E_RANGE (no such worker), ::SHMHUB_E_BUSY (a live process or another handle
 *         holds it), ::SHMHUB_E_READ_ONLY.
 * @threadsafe @since 1.1
 */
SHMHUB_API shmhub_status shmhub_synched_attach(shmhub_synched *s, uint32_t worker);

/**
 * @brief One whole cycle: waits until every worker has finished reading the previous round,
 * copies @p data into this worker's segment, then waits until every worker has written.
 *
 * Afterwards shmhub_synched_global() holds this round's data of every worker.
 * @param s An attached handle.
 * @param data This worker's new segment contents.
 * @param nbytes Must equal segment_len times the dtype size.
 * @param timeout_ns For both barriers together (negative: forever; 0: do not wait).
 * @return ::SHMHUB_OK; ::SHMHUB_E_INVALID (not attached, or a begin_write is open);
 *         ::SHMHUB_E_SIZE; ::SHMHUB_E_PEER_DEAD (a worker died: the run is broken for every
 *         worker, reported within the liveness time); ::SHMHUB_E_TIMEOUT (the run is then broken
 *         for every worker, who get ::SHMHUB_E_TIMEOUT too); ::SHMHUB_E_FINISHED (a worker called
 *         shmhub_synched_finalize()).
 * @note Not thread-safe on one handle (one worker is one thread of control).
 * @since 1.1
 */
SHMHUB_API shmhub_status shmhub_synched_write_and_sync(shmhub_synched *s, const void *data,
                                                       size_t nbytes, int64_t timeout_ns);

/**
 * @brief Zero-copy write, first half: waits until every worker has finished reading the previous
 * round, then gives this worker's segment to write in place. Finish with shmhub_synched_sync().
 * @param s An attached handle.
 * @param[out] local This worker's segment (segment_len elements). @borrowed valid until
 *        shmhub_synched_sync() or shmhub_synched_close() on @p s.
 * @param timeout_ns How long to wait for the barrier.
 * @return As shmhub_synched_write_and_sync() (but never ::SHMHUB_E_SIZE).
 * @note Not thread-safe on one handle. @since 1.1
 */
SHMHUB_API shmhub_status shmhub_synched_begin_write(shmhub_synched *s, void **local,
                                                    int64_t timeout_ns);

/**
 * @brief Zero-copy write, second half: waits until every worker has written this round.
 * @param s A handle with an open shmhub_synched_begin_write().
 * @param timeout_ns How long to wait.
 * @return As shmhub_synched_write_and_sync(); ::SHMHUB_E_INVALID without an open begin_write.
 * @note Not thread-safe on one handle. @since 1.1
 */
SHMHUB_API shmhub_status shmhub_synched_sync(shmhub_synched *s, int64_t timeout_ns);

/**
 * @brief All workers' segments, worker-major: workers x segment_len elements, contiguous.
 * @param s The handle.
 * @param[out] data @borrowed the contents are this round's only until this worker's next
 *        shmhub_synched_write_and_sync() or shmhub_synched_begin_write(); the memory stays mapped
 *        until shmhub_synched_close(). Do not write through it.
 * @return ::SHMHUB_OK or ::SHMHUB_E_INVALID.
 * @threadsafe @since 1.1
 */
SHMHUB_API shmhub_status shmhub_synched_global(const shmhub_synched *s, const void **data);

/**
 * @brief Ends the run for every worker: barriers in progress and later ones return
 * ::SHMHUB_E_FINISHED. Any handle may call it; it cannot be undone.
 * @return ::SHMHUB_OK or ::SHMHUB_E_INVALID (NULL), ::SHMHUB_E_READ_ONLY.
 * @threadsafe @since 1.1
 */
SHMHUB_API shmhub_status shmhub_synched_finalize(shmhub_synched *s);

/**
 * @brief Reads worker @p worker's profile: for each recorded round, three `int64_t` nanosecond
 * values (compute: from the previous sync's return to this round's write; wait: time inside
 * both barriers; cycle: from the previous sync's return to this sync's return).
 * @param s The handle (profile enabled at create with ::SHMHUB_SYNCHED_PROFILE).
 * @param worker 0 to shmhub_synched_workers() - 1.
 * @param[out] out Room for 3 x @p max_rounds values, round-major; may be NULL when @p max_rounds is 0.
 * @param max_rounds How many rounds @p out holds.
 * @param[out] rounds Rounds the worker has recorded (at most profile_rounds); the first
 *        min(@p max_rounds, *rounds) are copied.
 * @return ::SHMHUB_OK, ::SHMHUB_E_INVALID (NULL argument, or profiling is off), ::SHMHUB_E_RANGE.
 * @threadsafe @since 1.1
 */
SHMHUB_API shmhub_status shmhub_synched_profile(const shmhub_synched *s, uint32_t worker,
                                                int64_t *out, size_t max_rounds, size_t *rounds);

/** @brief Number of workers (0 for NULL). @threadsafe @since 1.1 */
SHMHUB_API uint32_t shmhub_synched_workers(const shmhub_synched *s);
/** @brief Elements per worker segment (0 for NULL). @threadsafe @since 1.1 */
SHMHUB_API uint64_t shmhub_synched_segment_len(const shmhub_synched *s);
/** @brief The elements' dtype (::SHMHUB_DTYPE_INVALID for NULL). @threadsafe @since 1.1 */
SHMHUB_API shmhub_dtype shmhub_synched_dtype(const shmhub_synched *s);
/** @brief The worker id this handle holds, or -1 when not attached (or NULL). @threadsafe @since 1.1 */
SHMHUB_API int32_t shmhub_synched_worker(const shmhub_synched *s);
/** @brief Rounds this handle's worker has completed (0 when not attached). @since 1.1 */
SHMHUB_API uint64_t shmhub_synched_round(const shmhub_synched *s);
/**
 * @brief The underlying segment (name, path, size, creator...).
 * @borrowed valid until shmhub_synched_close(). @threadsafe @since 1.1
 */
SHMHUB_API const shmhub_segment *shmhub_synched_segment(const shmhub_synched *s);

/** @} */

/* ============================================================================================== */
/** @name BLAS threads
 *  Several processes each running a multi-threaded BLAS oversubscribe the cores; cap each one.
 *  @{ */

/**
 * @brief Sets the thread count of every BLAS library loaded in this process, found at run time:
 * OpenBLAS (`openblas_set_num_threads`), MKL (`MKL_Set_Num_Threads`) and BLIS
 * (`bli_thread_set_num_threads`). shmhub itself links no BLAS.
 * @param n Threads, at least 1.
 * @return ::SHMHUB_OK (at least one library was set), ::SHMHUB_E_INVALID (@p n < 1),
 *         ::SHMHUB_E_NOT_FOUND (no supported BLAS is loaded in the process).
 * @threadsafe @since 1.1
 */
SHMHUB_API shmhub_status shmhub_blas_set_threads(int32_t n);

/** @} */

/* ============================================================================================== */
/** @name Dictionaries
 *  A shared key/value map (a segment of kind ::SHMHUB_KIND_DICT) with typed values, so every
 *  language decodes the same bytes, and atomic counters. Readers never see a torn value; a
 *  writer killed at any instruction leaves every key at its old or its new value, and the next
 *  caller recovers the dictionary's robust lock (counted by shmhub_dict_recoveries()).
 *  Guarantees and layout: `docs/containers.md`, `docs/layout.md`.
 *  @{ */

/** @brief An opaque handle to a shared dictionary. */
typedef struct shmhub_dict shmhub_dict;

/** @brief Value types, stored with each value (never renumbered). */
enum shmhub_value_type_code {
    SHMHUB_VALUE_BYTES = 1,   /**< Opaque bytes. */
    SHMHUB_VALUE_I64 = 2,     /**< One little-endian `int64_t` (8 bytes). */
    SHMHUB_VALUE_F64 = 3,     /**< One IEEE `double` (8 bytes). */
    SHMHUB_VALUE_STR = 4,     /**< UTF-8 text, without a terminating NUL. */
    SHMHUB_VALUE_NDARRAY = 5, /**< `uint32_t dtype, uint32_t ndim, uint64_t shape[ndim]`, then C-order data. */
    SHMHUB_VALUE_PICKLE = 6   /**< A Python pickle (opaque to other languages). */
};

/** @brief Longest dictionary key in bytes (keys are 1 to this many bytes of UTF-8 without NUL). */
#define SHMHUB_MAX_KEY 255

/**
 * @brief Options for shmhub_dict_create() and shmhub_dict_open(); size-prefixed, append-only.
 *
 * capacity and value_bytes are fixed at create (open reads them from the segment);
 * lock_timeout_ns and segment are per handle.
 */
typedef struct shmhub_dict_opts {
    uint32_t size;                       /**< `sizeof(shmhub_dict_opts)` as the caller knows it. */
    uint32_t capacity;                   /**< Most keys (create; 1 to 2^26, default 1024). */
    uint64_t value_bytes;                /**< Bytes for keys and values, 16 per entry included (create; default 1 MiB). */
    int64_t lock_timeout_ns;             /**< How long a call waits for the dictionary's lock (default 5 s). */
    const shmhub_segment_opts *segment;  /**< Segment options (mode, dir, flags, open timeout), or NULL. */
} shmhub_dict_opts;

/** @brief Default dictionary options, as shmhub_dict_opts_init() sets them. */
#define SHMHUB_DICT_OPTS_INIT \
    { (uint32_t)sizeof(shmhub_dict_opts), 1024u, UINT64_C(1048576), INT64_C(5000000000), NULL }

/**
 * @brief Sets @p opts to the defaults (for languages that cannot expand ::SHMHUB_DICT_OPTS_INIT).
 * @param opts The struct to fill. @param size `sizeof` it as the caller knows it (at least 8).
 * @return ::SHMHUB_OK or ::SHMHUB_E_INVALID.
 * @threadsafe @since 1.1
 */
SHMHUB_API shmhub_status shmhub_dict_opts_init(shmhub_dict_opts *opts, size_t size);

/**
 * @brief Creates an empty dictionary.
 * @param name Segment name (see shmhub_segment_create()).
 * @param opts NULL for defaults.
 * @param[out] out The handle. @owned release with shmhub_dict_close().
 * @return ::SHMHUB_OK, ::SHMHUB_E_INVALID (bad capacity or value_bytes), or any error of
 *         shmhub_segment_create().
 * @threadsafe @since 1.1
 */
SHMHUB_API shmhub_status shmhub_dict_create(const char *name, const shmhub_dict_opts *opts,
                                            shmhub_dict **out);

/**
 * @brief Opens an existing dictionary.
 * @param name The dictionary's segment name.
 * @param opts NULL for defaults.
 * @param[out] out The handle. @owned release with shmhub_dict_close().
 * @return ::SHMHUB_OK, ::SHMHUB_E_WRONG_KIND (not a dictionary), ::SHMHUB_E_CORRUPT, or any error
 *         of shmhub_segment_open().
 * @threadsafe @since 1.1
 */
SHMHUB_API shmhub_status shmhub_dict_open(const char *name, const shmhub_dict_opts *opts,
                                          shmhub_dict **out);

/**
 * @brief Closes a dictionary handle. NULL is ignored. Never unlinks unless the segment options
 * said ::SHMHUB_UNLINK_ON_CLOSE.
 * @since 1.1
 */
SHMHUB_API void shmhub_dict_close(shmhub_dict *dict);

/**
 * @brief Sets @p key to a value of type @p type, copied from @p value.
 * @param dict The dictionary.
 * @param key 1 to ::SHMHUB_MAX_KEY bytes of UTF-8, NUL-terminated.
 * @param type A ::shmhub_value_type_code; ::SHMHUB_VALUE_I64 and ::SHMHUB_VALUE_F64 need 8 bytes,
 *        ::SHMHUB_VALUE_STR valid UTF-8, ::SHMHUB_VALUE_NDARRAY a header that matches @p nbytes.
 * @param value The bytes (may be NULL when @p nbytes is 0).
 * @param nbytes Their size.
 * @return ::SHMHUB_OK, ::SHMHUB_E_INVALID (bad key, type or value), ::SHMHUB_E_FULL (no room for
 *         another key or for the value), ::SHMHUB_E_READ_ONLY, ::SHMHUB_E_TIMEOUT (lock),
 *         ::SHMHUB_E_CORRUPT.
 * @threadsafe @since 1.1
 */
SHMHUB_API shmhub_status shmhub_dict_set(shmhub_dict *dict, const char *key, uint32_t type,
                                         const void *value, size_t nbytes);

/**
 * @brief Copies the value of @p key into @p dst; never torn.
 * @param dict The dictionary.
 * @param key The key.
 * @param[out] type The value's ::shmhub_value_type_code (may be NULL).
 * @param dst Where to copy the value (may be NULL when @p capacity is 0).
 * @param capacity Bytes available at @p dst.
 * @param[out] nbytes The value's size (may be NULL); set also when the call fails with
 *        ::SHMHUB_E_SIZE, to the size needed.
 * @return ::SHMHUB_OK, ::SHMHUB_E_NOT_FOUND (no such key), ::SHMHUB_E_SIZE (@p capacity too small),
 *         ::SHMHUB_E_INVALID, ::SHMHUB_E_TIMEOUT (lock), ::SHMHUB_E_CORRUPT.
 * @threadsafe @since 1.1
 */
SHMHUB_API shmhub_status shmhub_dict_get(shmhub_dict *dict, const char *key, uint32_t *type,
                                         void *dst, size_t capacity, size_t *nbytes);

/**
 * @brief Removes @p key.
 * @return ::SHMHUB_OK, ::SHMHUB_E_NOT_FOUND, ::SHMHUB_E_INVALID, ::SHMHUB_E_READ_ONLY,
 *         ::SHMHUB_E_TIMEOUT, ::SHMHUB_E_CORRUPT.
 * @threadsafe @since 1.1
 */
SHMHUB_API shmhub_status shmhub_dict_delete(shmhub_dict *dict, const char *key);

/**
 * @brief Whether @p key is present.
 * @return ::SHMHUB_OK (present), ::SHMHUB_E_NOT_FOUND (absent), ::SHMHUB_E_INVALID,
 *         ::SHMHUB_E_TIMEOUT, ::SHMHUB_E_CORRUPT.
 * @threadsafe @since 1.1
 */
SHMHUB_API shmhub_status shmhub_dict_contains(shmhub_dict *dict, const char *key);

/** @brief Number of keys (0 for NULL). @threadsafe @since 1.1 */
SHMHUB_API uint64_t shmhub_dict_len(const shmhub_dict *dict);

/**
 * @brief Removes every key.
 * @return ::SHMHUB_OK, ::SHMHUB_E_INVALID, ::SHMHUB_E_READ_ONLY, ::SHMHUB_E_TIMEOUT.
 * @threadsafe @since 1.1
 */
SHMHUB_API shmhub_status shmhub_dict_clear(shmhub_dict *dict);

/**
 * @brief A sorted snapshot of the keys, read with shmhub_list_count() and shmhub_list_name().
 * @param dict The dictionary.
 * @param[out] out The list. @owned release with shmhub_list_close().
 * @return ::SHMHUB_OK, ::SHMHUB_E_INVALID, ::SHMHUB_E_NO_MEMORY, ::SHMHUB_E_TIMEOUT,
 *         ::SHMHUB_E_CORRUPT.
 * @threadsafe @since 1.1
 */
SHMHUB_API shmhub_status shmhub_dict_keys(shmhub_dict *dict, shmhub_list **out);

/**
 * @brief Atomically adds @p delta to the ::SHMHUB_VALUE_I64 counter @p key (a missing key starts
 * at 0; the sum wraps around in two's complement).
 * @param dict The dictionary. @param key The key. @param delta What to add.
 * @param[out] new_value The value after the addition (may be NULL).
 * @return ::SHMHUB_OK, ::SHMHUB_E_INVALID (bad key, or the key holds another type),
 *         ::SHMHUB_E_FULL, ::SHMHUB_E_READ_ONLY, ::SHMHUB_E_TIMEOUT, ::SHMHUB_E_CORRUPT.
 * @threadsafe @since 1.1
 */
SHMHUB_API shmhub_status shmhub_dict_add_i64(shmhub_dict *dict, const char *key, int64_t delta,
                                             int64_t *new_value);

/**
 * @brief Atomically sets the ::SHMHUB_VALUE_I64 value of @p key to @p desired if it equals
 * @p expected. The swap happened exactly when `*actual == expected` afterwards.
 * @param dict The dictionary. @param key The key.
 * @param expected The value to compare with. @param desired The value to store on a match.
 * @param[out] actual The value found (may be NULL).
 * @return ::SHMHUB_OK (swapped or not), ::SHMHUB_E_NOT_FOUND, ::SHMHUB_E_INVALID (another type),
 *         ::SHMHUB_E_READ_ONLY, ::SHMHUB_E_TIMEOUT, ::SHMHUB_E_CORRUPT.
 * @threadsafe @since 1.1
 */
SHMHUB_API shmhub_status shmhub_dict_cas_i64(shmhub_dict *dict, const char *key, int64_t expected,
                                             int64_t desired, int64_t *actual);

/**
 * @brief Reads the ::SHMHUB_VALUE_I64 value of @p key.
 * @param dict The dictionary. @param key The key.
 * @param[out] value The value.
 * @return ::SHMHUB_OK, ::SHMHUB_E_NOT_FOUND, ::SHMHUB_E_INVALID (another type),
 *         ::SHMHUB_E_TIMEOUT, ::SHMHUB_E_CORRUPT.
 * @threadsafe @since 1.1
 */
SHMHUB_API shmhub_status shmhub_dict_get_i64(shmhub_dict *dict, const char *key, int64_t *value);

/**
 * @brief Sets @p key to the ::SHMHUB_VALUE_I64 @p value.
 * @return As shmhub_dict_set().
 * @threadsafe @since 1.1
 */
SHMHUB_API shmhub_status shmhub_dict_set_i64(shmhub_dict *dict, const char *key, int64_t value);

/**
 * @brief Sets @p key to the ::SHMHUB_VALUE_F64 @p value.
 * @return As shmhub_dict_set().
 * @threadsafe @since 1.1
 */
SHMHUB_API shmhub_status shmhub_dict_set_f64(shmhub_dict *dict, const char *key, double value);

/**
 * @brief Reads the ::SHMHUB_VALUE_F64 value of @p key.
 * @param dict The dictionary. @param key The key.
 * @param[out] value The value.
 * @return As shmhub_dict_get_i64().
 * @threadsafe @since 1.1
 */
SHMHUB_API shmhub_status shmhub_dict_get_f64(shmhub_dict *dict, const char *key, double *value);

/** @brief Most keys, fixed at create. @threadsafe @since 1.1 */
SHMHUB_API uint32_t shmhub_dict_capacity(const shmhub_dict *dict);
/** @brief Bytes for keys and values, fixed at create. @threadsafe @since 1.1 */
SHMHUB_API uint64_t shmhub_dict_value_bytes(const shmhub_dict *dict);
/** @brief Bytes of keys and values in use (entry headers included). @threadsafe @since 1.1 */
SHMHUB_API uint64_t shmhub_dict_bytes_used(const shmhub_dict *dict);
/** @brief Number of writes (set, delete, add, cas, clear) since create. @threadsafe @since 1.1 */
SHMHUB_API uint64_t shmhub_dict_writes(const shmhub_dict *dict);
/** @brief How many times a caller recovered the lock from a dead process. @threadsafe @since 1.1 */
SHMHUB_API uint64_t shmhub_dict_recoveries(const shmhub_dict *dict);
/**
 * @brief The underlying segment. @borrowed valid until shmhub_dict_close(). @threadsafe @since 1.1
 */
SHMHUB_API const shmhub_segment *shmhub_dict_segment(const shmhub_dict *dict);

/** @} */

/* ============================================================================================== */
/** @name Memory pools
 *  Size classes of shared, 64-byte aligned buffers (a segment of kind ::SHMHUB_KIND_POOL) that
 *  processes take, hand to each other by id, and give back. A buffer's owner is a process; the
 *  buffers of a process that died are reclaimed. Guarantees: `docs/containers.md`.
 *  @{ */

/** @brief An opaque handle to a memory pool. */
typedef struct shmhub_pool shmhub_pool;
/** @brief An opaque handle to one buffer of a pool, owned by the calling process. */
typedef struct shmhub_buffer shmhub_buffer;

/** @brief Most size classes a pool may have. */
#define SHMHUB_POOL_MAX_CLASSES 32

/** @brief One size class: @c count buffers of @c buffer_bytes each. */
typedef struct shmhub_pool_class {
    uint64_t buffer_bytes; /**< Bytes per buffer (1 to 2^40). */
    uint32_t count;        /**< Buffers in the class (1 to 2^20). */
    uint32_t reserved;     /**< Must be 0. */
} shmhub_pool_class;

/** @brief Options for shmhub_pool_create() and shmhub_pool_open(); size-prefixed, append-only. */
typedef struct shmhub_pool_opts {
    uint32_t size;                       /**< `sizeof(shmhub_pool_opts)` as the caller knows it. */
    uint32_t nclasses;                   /**< Number of entries at @c classes (create; 1 to ::SHMHUB_POOL_MAX_CLASSES). */
    const shmhub_pool_class *classes;    /**< The size classes (create), in any order; copied. */
    const shmhub_segment_opts *segment;  /**< Segment options (mode, dir, flags, open timeout), or NULL. */
} shmhub_pool_opts;

/** @brief Default pool options (no classes: create needs them), as shmhub_pool_opts_init() sets them. */
#define SHMHUB_POOL_OPTS_INIT { (uint32_t)sizeof(shmhub_pool_opts), 0u, NULL, NULL }

/**
 * @brief Sets @p opts to the defaults (for languages that cannot expand ::SHMHUB_POOL_OPTS_INIT).
 * @param opts The struct to fill. @param size `sizeof` it as the caller knows it (at least 8).
 * @return ::SHMHUB_OK or ::SHMHUB_E_INVALID.
 * @threadsafe @since 1.1
 */
SHMHUB_API shmhub_status shmhub_pool_opts_init(shmhub_pool_opts *opts, size_t size);

/**
 * @brief Statistics of one size class; size-prefixed: set @c size before the call.
 */
typedef struct shmhub_pool_stats_info {
    uint32_t size;          /**< `sizeof(shmhub_pool_stats_info)` as the caller knows it. */
    uint32_t count;         /**< Buffers in the class. */
    uint64_t buffer_bytes;  /**< Bytes per buffer. */
    uint32_t in_use;        /**< Buffers owned by a process now. */
    uint32_t free;          /**< Buffers free now. */
    uint32_t high_water;    /**< Most buffers in use at once since create. */
    uint32_t reserved;      /**< 0. */
    uint64_t reclaimed;     /**< Buffers taken back from processes that died. */
    uint64_t acquires;      /**< Successful acquires since create. */
} shmhub_pool_stats_info;

/**
 * @brief Creates a pool with the size classes of @p opts (at least one).
 * @param name Segment name (see shmhub_segment_create()).
 * @param opts The classes and segment options.
 * @param[out] out The handle. @owned release with shmhub_pool_close().
 * @return ::SHMHUB_OK, ::SHMHUB_E_INVALID (no or bad classes), or any error of
 *         shmhub_segment_create().
 * @threadsafe @since 1.1
 */
SHMHUB_API shmhub_status shmhub_pool_create(const char *name, const shmhub_pool_opts *opts,
                                            shmhub_pool **out);

/**
 * @brief Opens an existing pool (its classes are read from the segment).
 * @param name The pool's segment name.
 * @param opts NULL for defaults (only @c segment is used).
 * @param[out] out The handle. @owned release with shmhub_pool_close().
 * @return ::SHMHUB_OK, ::SHMHUB_E_WRONG_KIND, ::SHMHUB_E_CORRUPT, or any error of
 *         shmhub_segment_open().
 * @threadsafe @since 1.1
 */
SHMHUB_API shmhub_status shmhub_pool_open(const char *name, const shmhub_pool_opts *opts,
                                          shmhub_pool **out);

/**
 * @brief Closes a pool handle. NULL is ignored. Buffers this process owns stay owned (another
 * process may adopt them; they are reclaimed when this process dies); their handles must be
 * released or closed first.
 * @since 1.1
 */
SHMHUB_API void shmhub_pool_close(shmhub_pool *pool);

/**
 * @brief Takes a free buffer of the smallest class whose buffers hold @p nbytes, waiting up to
 * @p timeout_ns while that class is empty (buffers of dead processes are reclaimed first).
 * @param pool The pool.
 * @param nbytes Bytes needed (at least 1).
 * @param timeout_ns Nanoseconds to wait (negative: forever; 0: try once).
 * @param[out] out The buffer. @owned release with shmhub_pool_release() or shmhub_buffer_close().
 * @return ::SHMHUB_OK, ::SHMHUB_E_INVALID (no class is big enough), ::SHMHUB_E_TIMEOUT,
 *         ::SHMHUB_E_READ_ONLY, ::SHMHUB_E_NO_MEMORY.
 * @threadsafe @since 1.1
 */
SHMHUB_API shmhub_status shmhub_pool_acquire(shmhub_pool *pool, size_t nbytes, int64_t timeout_ns,
                                             shmhub_buffer **out);

/**
 * @brief Gives a buffer back to the pool and frees its handle (@p buf is dead afterwards).
 * @return ::SHMHUB_OK, ::SHMHUB_E_INVALID (NULL, or a buffer of another pool), ::SHMHUB_E_BUSY (the
 *         buffer was adopted by another process or reclaimed; the handle is freed anyway).
 * @threadsafe @since 1.1
 */
SHMHUB_API shmhub_status shmhub_pool_release(shmhub_pool *pool, shmhub_buffer *buf);

/**
 * @brief Takes over a buffer another process handed over by its id (shmhub_buffer_id()); the
 * calling process becomes its owner.
 * @param pool The pool.
 * @param id The buffer's id.
 * @param[out] out The buffer. @owned release with shmhub_pool_release() or shmhub_buffer_close().
 * @return ::SHMHUB_OK, ::SHMHUB_E_NOT_FOUND (no buffer has that id now: never handed out,
 *         released or reclaimed since), ::SHMHUB_E_INVALID, ::SHMHUB_E_READ_ONLY,
 *         ::SHMHUB_E_NO_MEMORY.
 * @threadsafe @since 1.1
 */
SHMHUB_API shmhub_status shmhub_pool_adopt(shmhub_pool *pool, uint64_t id, shmhub_buffer **out);

/**
 * @brief Returns to the pool every buffer whose owning process died.
 * @param pool The pool.
 * @param[out] count How many were reclaimed (may be NULL).
 * @return ::SHMHUB_OK, ::SHMHUB_E_INVALID, ::SHMHUB_E_READ_ONLY.
 * @threadsafe @since 1.1
 */
SHMHUB_API shmhub_status shmhub_pool_reclaim(shmhub_pool *pool, uint64_t *count);

/**
 * @brief Statistics of size class @p class_index (classes are sorted by buffer size).
 * @param pool The pool. @param class_index 0 to shmhub_pool_nclasses() - 1.
 * @param[out] out Filled up to its @c size.
 * @return ::SHMHUB_OK, ::SHMHUB_E_INVALID, ::SHMHUB_E_RANGE.
 * @threadsafe @since 1.1
 */
SHMHUB_API shmhub_status shmhub_pool_stats(const shmhub_pool *pool, uint32_t class_index,
                                           shmhub_pool_stats_info *out);

/** @brief Number of size classes. @threadsafe @since 1.1 */
SHMHUB_API uint32_t shmhub_pool_nclasses(const shmhub_pool *pool);
/**
 * @brief The underlying segment. @borrowed valid until shmhub_pool_close(). @threadsafe @since 1.1
 */
SHMHUB_API const shmhub_segment *shmhub_pool_segment(const shmhub_pool *pool);

/**
 * @brief Frees a buffer handle without giving the buffer back: this process stays its owner
 * (until shmhub_pool_adopt() by another, or its death). NULL is ignored.
 * @since 1.1
 */
SHMHUB_API void shmhub_buffer_close(shmhub_buffer *buf);

/**
 * @brief The buffer's memory: 64-byte aligned, shmhub_buffer_size() bytes.
 * @borrowed valid until shmhub_pool_release() or shmhub_buffer_close() on @p buf.
 * @threadsafe @since 1.1
 */
SHMHUB_API void *shmhub_buffer_data(const shmhub_buffer *buf);
/** @brief The buffer's size in bytes (its class's buffer size). @threadsafe @since 1.1 */
SHMHUB_API uint64_t shmhub_buffer_size(const shmhub_buffer *buf);
/** @brief The buffer's id, for shmhub_pool_adopt() in another process (0 for NULL). @threadsafe @since 1.1 */
SHMHUB_API uint64_t shmhub_buffer_id(const shmhub_buffer *buf);

/** @} */

#ifdef __cplusplus
}

#endif

#endif /* SHMHUB_H */
