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
#define SHMHUB_VERSION_MINOR 0
/** @brief Patch version: bug fixes only. */
#define SHMHUB_VERSION_PATCH 0
/** @brief The version as one number: `MAJOR * 10000 + MINOR * 100 + PATCH` (1.0.0 is 10000). */
#define SHMHUB_VERSION_NUMBER \
    (SHMHUB_VERSION_MAJOR * 10000 + SHMHUB_VERSION_MINOR * 100 + SHMHUB_VERSION_PATCH)
/** @brief Major version of the segment layout this library writes and the newest it reads. */
#define SHMHUB_LAYOUT_MAJOR 1
/** @brief Minor version of the segment layout this library writes. */
#define SHMHUB_LAYOUT_MINOR 0

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
    SHMHUB_E_BUSY = -16         /**< The resource is in use. */
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
    SHMHUB_KIND_DICT = 3,       /**< A shared dictionary (reserved). */
    SHMHUB_KIND_POOL = 4,       /**< A memory pool (reserved). */
    SHMHUB_KIND_SYNCHED = 5,    /**< Synchronised per-worker memory (reserved). */
    SHMHUB_KIND_GPU_STREAM = 6  /**< A GPU stream (reserved). */
};

/**
 * @brief The name of a kind (`"arrays"`, `"stream"`, ...).
 * @return A static string, or NULL for an unknown kind. @borrowed for the life of the process.
 * @threadsafe
 * @since 1.0
 */
SHMHUB_API const char *shmhub_kind_name(int32_t kind);

/** @brief Flag: unlink the segment's name when this handle is closed (only for the creator's handle). */
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
 * Never unlinks the name unless the handle was created with ::SHMHUB_UNLINK_ON_CLOSE. Every
 * pointer borrowed from the handle (arrays, names, data) dies with it.
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

#ifdef __cplusplus
}
#endif

#endif /* SHMHUB_H */
