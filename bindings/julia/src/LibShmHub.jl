# LibShmHub.jl: generated from abi/shmhub.h by bindings/julia/gen/generate.py — do not edit.
# Regenerate with `make julia-bindings`; `make test-julia` checks it against the header.
#
# Enums are plain typed constants (no CEnum.jl dependency): `const shmhub_status_code = Int32`
# and `const SHMHUB_E_NOT_FOUND = shmhub_status_code(-2)`. Integer macros are constants of the
# C type the compiler gives them (`1` is Int32, `0x1u` is UInt32).
module LibShmHub

"""The shared library ccall loads: `ENV["SHMHUB_LIB"]` when set, else `libshmhub.so.1`."""
const libshmhub = get(ENV, "SHMHUB_LIB", "libshmhub.so.1")

"""Major version: bumped only when the ABI breaks (the SONAME follows it)."""
const SHMHUB_VERSION_MAJOR = Int32(1)

"""Minor version: bumped when symbols are added."""
const SHMHUB_VERSION_MINOR = Int32(1)

"""Patch version: bug fixes only."""
const SHMHUB_VERSION_PATCH = Int32(0)

"""The version as one number: `MAJOR * 10000 + MINOR * 100 + PATCH` (1.1.0 is 10100)."""
const SHMHUB_VERSION_NUMBER = Int32(10100)  # (SHMHUB_VERSION_MAJOR * 10000 + SHMHUB_VERSION_MINOR * 100 + SHMHUB_VERSION_PATCH)

"""Major version of the segment layout this library writes and the newest it reads."""
const SHMHUB_LAYOUT_MAJOR = Int32(1)

"""Minor version of the segment layout this library writes (1.1 adds the segment lock words, the stream writer's owner token and the stream waiter slots)."""
const SHMHUB_LAYOUT_MINOR = Int32(1)

"""Number of valid dtypes; valid codes are 1 to this value."""
const SHMHUB_DTYPE_COUNT = Int32(14)

"""Most dimensions an array may have."""
const SHMHUB_MAX_NDIM = Int32(8)

"""Longest segment name, in bytes. Names use only `[A-Za-z0-9._-]`."""
const SHMHUB_MAX_NAME = Int32(200)

"""Longest array name, in bytes. Array names use only `[A-Za-z0-9._-]`."""
const SHMHUB_MAX_ARRAY_NAME = Int32(63)

"""Most arrays one segment may hold."""
const SHMHUB_MAX_ARRAYS = Int32(4096)

"""Alignment in bytes of every array's data."""
const SHMHUB_ALIGNMENT = Int32(64)

"""Flag: unlink the segment's name when this handle is closed (only for the creator's handle, and only in the creating process: a handle inherited across fork and closed in the child does not unlink)."""
const SHMHUB_UNLINK_ON_CLOSE = UInt32(1)  # 0x1u

"""Flag: map read-only (open only); writing through a data pointer then faults."""
const SHMHUB_READ_ONLY = UInt32(2)  # 0x2u

"""Flag: fault every page in at create/open (MADV_POPULATE_WRITE), for latency-sensitive writers."""
const SHMHUB_PREFAULT = UInt32(4)  # 0x4u

"""Flag: open a segment owned by another user (refused by default)."""
const SHMHUB_ALLOW_FOREIGN_OWNER = UInt32(8)  # 0x8u

"""Flag: waits report `SHMHUB_E_PEER_DEAD` when the stream's writer process has died."""
const SHMHUB_STREAM_LIVENESS = UInt32(1)  # 0x1u

"""Flag (shmhub_synched_opts::flags, at create): record each worker's per-round profile."""
const SHMHUB_SYNCHED_PROFILE = UInt32(1)  # 0x1u

"""Longest dictionary key in bytes (keys are 1 to this many bytes of UTF-8 without NUL)."""
const SHMHUB_MAX_KEY = Int32(255)

"""Most size classes a pool may have."""
const SHMHUB_POOL_MAX_CLASSES = Int32(32)

"""
    shmhub_version_number()

The library's version number, as `SHMHUB_VERSION_NUMBER` was when it was built.

Thread-safe. Since 1.0.

### Prototype
```c
uint32_t shmhub_version_number(void);
```
"""
function shmhub_version_number()
    ccall((:shmhub_version_number, libshmhub), UInt32, ())
end

"""
    shmhub_version_string()

The library's version as a string, e.g. `\"1.0.0\"`.

# Returns
A static string. **borrowed** valid for the life of the process.

Thread-safe. Since 1.0.

### Prototype
```c
const char *shmhub_version_string(void);
```
"""
function shmhub_version_string()
    ccall((:shmhub_version_string, libshmhub), Ptr{Cchar}, ())
end

"""
    shmhub_check_version(header_version)

Header/library agreement check; every binding calls it once at load.

Pass the `SHMHUB_VERSION_NUMBER` the caller was compiled (or generated) against. The check passes when the majors are equal and the library's minor is at least the caller's (the library then has every symbol the caller may use).

# Arguments
* `header_version`: The caller's `SHMHUB_VERSION_NUMBER`.

# Returns
`SHMHUB_OK`, or `SHMHUB_E_VERSION` with a message giving both versions.

Thread-safe. Since 1.0.

### Prototype
```c
int32_t shmhub_check_version(uint32_t header_version);
```
"""
function shmhub_check_version(header_version)
    ccall((:shmhub_check_version, libshmhub), Int32, (UInt32,), header_version)
end

"""Result of every fallible call: 0 (`SHMHUB_OK`) or a negative `shmhub_status_code`."""
const shmhub_status = Int32

"""The status codes. `docs/errors.md` describes each; a test keeps them in sync."""
const shmhub_status_code = Int32

"""Success."""
const SHMHUB_OK = shmhub_status_code(0)
"""An argument is invalid (bad name, NULL pointer, bad dtype/shape...)."""
const SHMHUB_E_INVALID = shmhub_status_code(-1)
"""No segment (or array) by that name."""
const SHMHUB_E_NOT_FOUND = shmhub_status_code(-2)
"""A segment (or array) by that name already exists."""
const SHMHUB_E_EXISTS = shmhub_status_code(-3)
"""The OS refused access, or the segment belongs to another user."""
const SHMHUB_E_PERMISSION = shmhub_status_code(-4)
"""The shared-memory filesystem is full."""
const SHMHUB_E_NO_SPACE = shmhub_status_code(-5)
"""Allocation or mapping failed."""
const SHMHUB_E_NO_MEMORY = shmhub_status_code(-6)
"""The segment failed validation (bad magic, checksum, bounds...)."""
const SHMHUB_E_CORRUPT = shmhub_status_code(-7)
"""Incompatible layout or library version."""
const SHMHUB_E_VERSION = shmhub_status_code(-8)
"""The segment is of another kind than the call expects."""
const SHMHUB_E_WRONG_KIND = shmhub_status_code(-9)
"""The timeout expired first."""
const SHMHUB_E_TIMEOUT = shmhub_status_code(-10)
"""The process this call depends on (e.g. the creator) died."""
const SHMHUB_E_PEER_DEAD = shmhub_status_code(-11)
"""The handle was opened read-only."""
const SHMHUB_E_READ_ONLY = shmhub_status_code(-12)
"""A buffer size does not match what the call needs."""
const SHMHUB_E_SIZE = shmhub_status_code(-13)
"""An index is out of range."""
const SHMHUB_E_RANGE = shmhub_status_code(-14)
"""Another operating-system error (the message gives errno)."""
const SHMHUB_E_IO = shmhub_status_code(-15)
"""The resource is in use."""
const SHMHUB_E_BUSY = shmhub_status_code(-16)
"""The stream has no frame yet."""
const SHMHUB_E_EMPTY = shmhub_status_code(-17)
"""A zero-copy frame was overwritten while it was in use."""
const SHMHUB_E_OVERWRITTEN = shmhub_status_code(-18)
"""The synchronised run was ended by shmhub_synched_finalize() (since 1.1)."""
const SHMHUB_E_FINISHED = shmhub_status_code(-19)
"""
A container is full (dictionary keys or value bytes).

Since 1.1.
"""
const SHMHUB_E_FULL = shmhub_status_code(-20)

"""
    shmhub_status_str(status)

An English sentence describing a status code, e.g. \"no such segment or array\".

# Returns
A static string, never NULL (unknown codes get \"unknown status code\"). **borrowed** valid for the life of the process.

Thread-safe. Since 1.0.

### Prototype
```c
const char *shmhub_status_str(shmhub_status status);
```
"""
function shmhub_status_str(status)
    ccall((:shmhub_status_str, libshmhub), Ptr{Cchar}, (shmhub_status,), status)
end

"""
    shmhub_status_name(status)

The enumerator's name of a status code, e.g. `\"SHMHUB_E_NOT_FOUND\"`.

# Returns
A static string, never NULL (unknown codes get \"SHMHUB_E_UNKNOWN\"). **borrowed** valid for the life of the process.

Thread-safe. Since 1.0.

### Prototype
```c
const char *shmhub_status_name(shmhub_status status);
```
"""
function shmhub_status_name(status)
    ccall((:shmhub_status_name, libshmhub), Ptr{Cchar}, (shmhub_status,), status)
end

"""
    shmhub_last_error()

The message of the last failed call on this thread.

Never NULL; always set when a call fails, naming the segment and the problem (`segment 'cam0': layout major 2 > supported 1`). Successful calls leave it unchanged. Bindings read it at once, on the same thread.

# Returns
A thread-local string. **borrowed** valid until the next shmhub call on this thread.

Thread-safe. Since 1.0.

### Prototype
```c
const char *shmhub_last_error(void);
```
"""
function shmhub_last_error()
    ccall((:shmhub_last_error, libshmhub), Ptr{Cchar}, ())
end

"""An element type: one of `shmhub_dtype_code`."""
const shmhub_dtype = Int32

"""The element types (numpy type string in brackets, little-endian)."""
const shmhub_dtype_code = UInt32

"""Not a dtype."""
const SHMHUB_DTYPE_INVALID = shmhub_dtype_code(0)
"""1-byte boolean (`|b1`)."""
const SHMHUB_DTYPE_BOOL = shmhub_dtype_code(1)
"""(`|i1`)"""
const SHMHUB_DTYPE_INT8 = shmhub_dtype_code(2)
"""(`<i2`)"""
const SHMHUB_DTYPE_INT16 = shmhub_dtype_code(3)
"""(`<i4`)"""
const SHMHUB_DTYPE_INT32 = shmhub_dtype_code(4)
"""(`<i8`)"""
const SHMHUB_DTYPE_INT64 = shmhub_dtype_code(5)
"""(`|u1`)"""
const SHMHUB_DTYPE_UINT8 = shmhub_dtype_code(6)
"""(`<u2`)"""
const SHMHUB_DTYPE_UINT16 = shmhub_dtype_code(7)
"""(`<u4`)"""
const SHMHUB_DTYPE_UINT32 = shmhub_dtype_code(8)
"""(`<u8`)"""
const SHMHUB_DTYPE_UINT64 = shmhub_dtype_code(9)
"""IEEE half (`<f2`)."""
const SHMHUB_DTYPE_FLOAT16 = shmhub_dtype_code(10)
"""(`<f4`)"""
const SHMHUB_DTYPE_FLOAT32 = shmhub_dtype_code(11)
"""(`<f8`)"""
const SHMHUB_DTYPE_FLOAT64 = shmhub_dtype_code(12)
"""Two float32 (`<c8`)."""
const SHMHUB_DTYPE_COMPLEX64 = shmhub_dtype_code(13)
"""Two float64 (`<c16`)."""
const SHMHUB_DTYPE_COMPLEX128 = shmhub_dtype_code(14)

"""
    shmhub_dtype_size(dtype)

Size in bytes of one element of `dtype`.

# Returns
The size, or 0 when `dtype` is not a valid dtype.

Thread-safe. Since 1.0.

### Prototype
```c
size_t shmhub_dtype_size(shmhub_dtype dtype);
```
"""
function shmhub_dtype_size(dtype)
    ccall((:shmhub_dtype_size, libshmhub), Csize_t, (shmhub_dtype,), dtype)
end

"""
    shmhub_dtype_str(dtype)

The numpy type string of `dtype` (`\"<f4\"`, `\"|u1\"`, `\"|b1\"`, `\"<c16\"`...).

# Returns
A static string, or NULL when `dtype` is not valid. **borrowed** for the life of the process.

Thread-safe. Since 1.0.

### Prototype
```c
const char *shmhub_dtype_str(shmhub_dtype dtype);
```
"""
function shmhub_dtype_str(dtype)
    ccall((:shmhub_dtype_str, libshmhub), Ptr{Cchar}, (shmhub_dtype,), dtype)
end

"""
    shmhub_dtype_name(dtype)

The numpy name of `dtype` (`\"float32\"`, `\"uint8\"`, `\"bool\"`...).

# Returns
A static string, or NULL when `dtype` is not valid. **borrowed** for the life of the process.

Thread-safe. Since 1.0.

### Prototype
```c
const char *shmhub_dtype_name(shmhub_dtype dtype);
```
"""
function shmhub_dtype_name(dtype)
    ccall((:shmhub_dtype_name, libshmhub), Ptr{Cchar}, (shmhub_dtype,), dtype)
end

"""
    shmhub_dtype_from_str(text, out)

Parses a numpy type string or name into a dtype.

Accepts the type strings shmhub_dtype_str() returns, the same without the byte-order character or with `=` (`\"f4\"`, `\"=f4\"`), numpy's one-letter codes (`\"?\"`, `\"b\"`, `\"B\"`, `\"h\"`, `\"H\"`, `\"i\"`, `\"I\"`, `\"q\"`, `\"Q\"`, `\"e\"`, `\"f\"`, `\"d\"`, `\"F\"`, `\"D\"`) and names (`\"float32\"`, `\"bool\"`). Big-endian strings (`\">f4\"`) are refused.

# Arguments
* `text`: The string to parse.
* `out` (out): The dtype; `SHMHUB_DTYPE_INVALID` on failure.

# Returns
`SHMHUB_OK` or `SHMHUB_E_INVALID`.

Thread-safe. Since 1.0.

### Prototype
```c
shmhub_status shmhub_dtype_from_str(const char *text, shmhub_dtype *out);
```
"""
function shmhub_dtype_from_str(text, out)
    ccall((:shmhub_dtype_from_str, libshmhub), shmhub_status, (Cstring, Ptr{shmhub_dtype}), text, out)
end

"""An opaque list of array descriptions (name, dtype, shape)."""
mutable struct shmhub_layout end

"""
    shmhub_layout_new(out)

Creates an empty layout.

# Arguments
* `out` (out): The new layout. **owned** release with shmhub_layout_free().

# Returns
`SHMHUB_OK`, `SHMHUB_E_INVALID` (NULL `out`) or `SHMHUB_E_NO_MEMORY`.

Thread-safe. Since 1.0.

### Prototype
```c
shmhub_status shmhub_layout_new(shmhub_layout **out);
```
"""
function shmhub_layout_new(out)
    ccall((:shmhub_layout_new, libshmhub), shmhub_status, (Ptr{Ptr{shmhub_layout}},), out)
end

"""
    shmhub_layout_add(layout, array_name, dtype, ndim, shape)

Appends an array to a layout; arrays are laid out in the order added.

# Arguments
* `layout`: The layout to extend.
* `array_name`: 1 to `SHMHUB_MAX_ARRAY_NAME` characters of `[A-Za-z0-9._-]`, unique in the layout.
* `dtype`: A valid `shmhub_dtype`.
* `ndim`: 0 (a scalar) to `SHMHUB_MAX_NDIM`.
* `shape`: `ndim` extents (0 allowed), copied; may be NULL when `ndim` is 0.

# Returns
`SHMHUB_OK`; `SHMHUB_E_INVALID` for a bad argument or a size that overflows; `SHMHUB_E_EXISTS` for a duplicate name; `SHMHUB_E_RANGE` past `SHMHUB_MAX_ARRAYS`; `SHMHUB_E_NO_MEMORY`.

!!! note
    Not thread-safe on one layout.

Since 1.0.

### Prototype
```c
shmhub_status shmhub_layout_add(shmhub_layout *layout, const char *array_name, shmhub_dtype dtype, uint32_t ndim, const uint64_t *shape);
```
"""
function shmhub_layout_add(layout, array_name, dtype, ndim, shape)
    ccall((:shmhub_layout_add, libshmhub), shmhub_status, (Ptr{shmhub_layout}, Cstring, shmhub_dtype, UInt32, Ptr{UInt64}), layout, array_name, dtype, ndim, shape)
end

"""
    shmhub_layout_count(layout)

Number of arrays added to `layout` so far (0 for NULL).

Since 1.0.

### Prototype
```c
size_t shmhub_layout_count(const shmhub_layout *layout);
```
"""
function shmhub_layout_count(layout)
    ccall((:shmhub_layout_count, libshmhub), Csize_t, (Ptr{shmhub_layout},), layout)
end

"""
    shmhub_layout_free(layout)

Frees a layout. NULL is ignored. Segments created from it are unaffected.

Since 1.0.

### Prototype
```c
void shmhub_layout_free(shmhub_layout *layout);
```
"""
function shmhub_layout_free(layout)
    ccall((:shmhub_layout_free, libshmhub), Cvoid, (Ptr{shmhub_layout},), layout)
end

"""An opaque handle to one mapping of a segment."""
mutable struct shmhub_segment end

"""What a segment holds (stored in its header)."""
const shmhub_kind_code = UInt32

"""Named typed arrays (this header's segments)."""
const SHMHUB_KIND_ARRAYS = shmhub_kind_code(1)
"""A stream of frames (reserved for the stream API)."""
const SHMHUB_KIND_STREAM = shmhub_kind_code(2)
"""A shared dictionary (shmhub_dict_create(), since 1.1)."""
const SHMHUB_KIND_DICT = shmhub_kind_code(3)
"""A memory pool (shmhub_pool_create(), since 1.1)."""
const SHMHUB_KIND_POOL = shmhub_kind_code(4)
"""Synchronised per-worker memory (shmhub_synched_create(), since 1.1)."""
const SHMHUB_KIND_SYNCHED = shmhub_kind_code(5)
"""A GPU stream (reserved)."""
const SHMHUB_KIND_GPU_STREAM = shmhub_kind_code(6)

"""
    shmhub_kind_name(kind)

The name of a kind (`\"arrays\"`, `\"stream\"`, ...).

# Returns
A static string, or NULL for an unknown kind. **borrowed** for the life of the process.

Thread-safe. Since 1.0.

### Prototype
```c
const char *shmhub_kind_name(int32_t kind);
```
"""
function shmhub_kind_name(kind)
    ccall((:shmhub_kind_name, libshmhub), Ptr{Cchar}, (Int32,), kind)
end

"""
Options for shmhub_segment_create() and shmhub_segment_open().

Size-prefixed and append-only: initialise with `SHMHUB_SEGMENT_OPTS_INIT` or shmhub_segment_opts_init(); the library reads only the first `size` bytes.

# Fields
* `size`: `sizeof(shmhub_segment_opts)` as the caller knows it.
* `mode`: File mode at create (default 0600); the umask does not apply.
* `dir`: Directory for the segment file; NULL: `\$SHMHUB_DIR`, else POSIX shm.
* `flags`: OR of `SHMHUB_UNLINK_ON_CLOSE`, `SHMHUB_READ_ONLY`, `SHMHUB_PREFAULT`, `SHMHUB_ALLOW_FOREIGN_OWNER`.
* `reserved`: Must be 0.
* `open_timeout_ns`: How long open waits for a segment still being created (default 1 s; <0 forever; 0 once).
"""
struct shmhub_segment_opts
    size::UInt32
    mode::UInt32
    dir::Ptr{Cchar}
    flags::UInt32
    reserved::UInt32
    open_timeout_ns::Int64
end

"""
    shmhub_segment_opts_init(opts, size)

Sets `opts` to the defaults; for languages that cannot expand `SHMHUB_SEGMENT_OPTS_INIT`.

# Arguments
* `opts`: The struct to fill.
* `size`: `sizeof` the struct as the caller knows it (at least 8 bytes).

# Returns
`SHMHUB_OK` or `SHMHUB_E_INVALID`.

Thread-safe. Since 1.0.

### Prototype
```c
shmhub_status shmhub_segment_opts_init(shmhub_segment_opts *opts, size_t size);
```
"""
function shmhub_segment_opts_init(opts, size)
    ccall((:shmhub_segment_opts_init, libshmhub), shmhub_status, (Ptr{shmhub_segment_opts}, Csize_t), opts, size)
end

"""
    shmhub_segment_create(name, layout, opts, out)

Creates a new segment holding the arrays of `layout`, zero-filled.

Fails with `SHMHUB_E_EXISTS` if the name exists (a pre-created file is never adopted). The memory is reserved up front, so a full filesystem gives `SHMHUB_E_NO_SPACE` here rather than SIGBUS later. Other processes' opens wait until the segment is fully initialised.

# Arguments
* `name`: 1 to `SHMHUB_MAX_NAME` characters of `[A-Za-z0-9._-]`.
* `layout`: The arrays; may hold zero arrays. Not retained.
* `opts`: NULL for defaults.
* `out` (out): The handle. **owned** release with shmhub_segment_close().

# Returns
`SHMHUB_OK`, `SHMHUB_E_INVALID`, `SHMHUB_E_EXISTS`, `SHMHUB_E_PERMISSION`, `SHMHUB_E_NO_SPACE`, `SHMHUB_E_NO_MEMORY`, `SHMHUB_E_IO`.

Thread-safe. Since 1.0.

### Prototype
```c
shmhub_status shmhub_segment_create(const char *name, const shmhub_layout *layout, const shmhub_segment_opts *opts, shmhub_segment **out);
```
"""
function shmhub_segment_create(name, layout, opts, out)
    ccall((:shmhub_segment_create, libshmhub), shmhub_status, (Cstring, Ptr{shmhub_layout}, Ptr{shmhub_segment_opts}, Ptr{Ptr{shmhub_segment}}), name, layout, opts, out)
end

"""
    shmhub_segment_open(name, opts, out)

Opens an existing segment of any kind by name and validates it before trusting any of it.

Segments of other kinds (streams...) open too, for inspection; their kind-specific calls check the kind themselves. Waits up to shmhub_segment_opts::open_timeout_ns for a segment still being created, and reports `SHMHUB_E_PEER_DEAD` at once if its creator died first. Checks magic, versions, kind, checksum and that every offset and size lies inside the file; the array directory is copied into private memory, so later writes to the header cannot affect the handle.

# Arguments
* `name`: The segment's name.
* `opts`: NULL for defaults.
* `out` (out): The handle. **owned** release with shmhub_segment_close().

# Returns
`SHMHUB_OK`, `SHMHUB_E_INVALID`, `SHMHUB_E_NOT_FOUND`, `SHMHUB_E_PERMISSION`, `SHMHUB_E_CORRUPT`, `SHMHUB_E_VERSION`, `SHMHUB_E_TIMEOUT`, `SHMHUB_E_PEER_DEAD`, `SHMHUB_E_NO_MEMORY`, `SHMHUB_E_IO`.

Thread-safe. Since 1.0.

### Prototype
```c
shmhub_status shmhub_segment_open(const char *name, const shmhub_segment_opts *opts, shmhub_segment **out);
```
"""
function shmhub_segment_open(name, opts, out)
    ccall((:shmhub_segment_open, libshmhub), shmhub_status, (Cstring, Ptr{shmhub_segment_opts}, Ptr{Ptr{shmhub_segment}}), name, opts, out)
end

"""
    shmhub_segment_close(seg)

Unmaps a segment and frees the handle. NULL is ignored.

Never unlinks the name unless the handle was created with `SHMHUB_UNLINK_ON_CLOSE`, and then only in the process that created it (a forked child closing an inherited handle only unmaps). Every pointer borrowed from the handle (arrays, names, data) dies with it.

Since 1.0.

### Prototype
```c
void shmhub_segment_close(shmhub_segment *seg);
```
"""
function shmhub_segment_close(seg)
    ccall((:shmhub_segment_close, libshmhub), Cvoid, (Ptr{shmhub_segment},), seg)
end

"""
    shmhub_unlink(name)

Removes a segment's name (in `\$SHMHUB_DIR`, else POSIX shm).

Existing mappings stay valid until they are closed; the memory is freed after the last one.

# Returns
`SHMHUB_OK`, `SHMHUB_E_INVALID`, `SHMHUB_E_NOT_FOUND`, `SHMHUB_E_PERMISSION`, `SHMHUB_E_IO`.

Thread-safe. Since 1.0.

### Prototype
```c
shmhub_status shmhub_unlink(const char *name);
```
"""
function shmhub_unlink(name)
    ccall((:shmhub_unlink, libshmhub), shmhub_status, (Cstring,), name)
end

"""
    shmhub_unlink_in(name, dir)

Like shmhub_unlink(), in directory `dir` (NULL: `\$SHMHUB_DIR`, else POSIX shm).

Thread-safe. Since 1.0.

### Prototype
```c
shmhub_status shmhub_unlink_in(const char *name, const char *dir);
```
"""
function shmhub_unlink_in(name, dir)
    ccall((:shmhub_unlink_in, libshmhub), shmhub_status, (Cstring, Cstring), name, dir)
end

"""
    shmhub_segment_name(seg)

The segment's name. **borrowed** valid until shmhub_segment_close().

Thread-safe. Since 1.0.

### Prototype
```c
const char *shmhub_segment_name(const shmhub_segment *seg);
```
"""
function shmhub_segment_name(seg)
    ccall((:shmhub_segment_name, libshmhub), Ptr{Cchar}, (Ptr{shmhub_segment},), seg)
end

"""
    shmhub_segment_path(seg)

The segment's file path (`/dev/shm/shmhub.NAME` or `DIR/shmhub.NAME`). **borrowed** valid until shmhub_segment_close().

Thread-safe. Since 1.0.

### Prototype
```c
const char *shmhub_segment_path(const shmhub_segment *seg);
```
"""
function shmhub_segment_path(seg)
    ccall((:shmhub_segment_path, libshmhub), Ptr{Cchar}, (Ptr{shmhub_segment},), seg)
end

"""
    shmhub_segment_kind(seg)

The segment's `shmhub_kind_code` (0 for NULL).

Thread-safe. Since 1.0.

### Prototype
```c
int32_t shmhub_segment_kind(const shmhub_segment *seg);
```
"""
function shmhub_segment_kind(seg)
    ccall((:shmhub_segment_kind, libshmhub), Int32, (Ptr{shmhub_segment},), seg)
end

"""
    shmhub_segment_size(seg)

Total mapped size in bytes, header included (0 for NULL).

Thread-safe. Since 1.0.

### Prototype
```c
uint64_t shmhub_segment_size(const shmhub_segment *seg);
```
"""
function shmhub_segment_size(seg)
    ccall((:shmhub_segment_size, libshmhub), UInt64, (Ptr{shmhub_segment},), seg)
end

"""
    shmhub_segment_creator_pid(seg)

Process id of the segment's creator (0 for NULL).

Thread-safe. Since 1.0.

### Prototype
```c
int64_t shmhub_segment_creator_pid(const shmhub_segment *seg);
```
"""
function shmhub_segment_creator_pid(seg)
    ccall((:shmhub_segment_creator_pid, libshmhub), Int64, (Ptr{shmhub_segment},), seg)
end

"""
    shmhub_segment_creator_uid(seg)

User id of the segment's creator (0 for NULL).

Thread-safe. Since 1.0.

### Prototype
```c
int64_t shmhub_segment_creator_uid(const shmhub_segment *seg);
```
"""
function shmhub_segment_creator_uid(seg)
    ccall((:shmhub_segment_creator_uid, libshmhub), Int64, (Ptr{shmhub_segment},), seg)
end

"""
    shmhub_segment_created_ns(seg)

Creation time, CLOCK_REALTIME nanoseconds since the epoch (0 for NULL).

Thread-safe. Since 1.0.

### Prototype
```c
int64_t shmhub_segment_created_ns(const shmhub_segment *seg);
```
"""
function shmhub_segment_created_ns(seg)
    ccall((:shmhub_segment_created_ns, libshmhub), Int64, (Ptr{shmhub_segment},), seg)
end

"""
    shmhub_segment_read_only(seg)

1 if the handle is read-only, else 0.

Thread-safe. Since 1.0.

### Prototype
```c
int32_t shmhub_segment_read_only(const shmhub_segment *seg);
```
"""
function shmhub_segment_read_only(seg)
    ccall((:shmhub_segment_read_only, libshmhub), Int32, (Ptr{shmhub_segment},), seg)
end

"""
    shmhub_segment_layout_version(seg)

The layout version (major * 100 + minor) the segment was written with.

Thread-safe. Since 1.0.

### Prototype
```c
uint32_t shmhub_segment_layout_version(const shmhub_segment *seg);
```
"""
function shmhub_segment_layout_version(seg)
    ccall((:shmhub_segment_layout_version, libshmhub), UInt32, (Ptr{shmhub_segment},), seg)
end

"""An opaque snapshot of the segment names present in a directory."""
mutable struct shmhub_list end

"""
    shmhub_list_open(dir, out)

Takes a snapshot of the segment names in `dir` (NULL: `\$SHMHUB_DIR`, else POSIX shm).

Names are sorted; files whose names are not valid segment names are skipped. Segments are not opened: use shmhub_segment_open() to inspect (and validate) one.

# Arguments
* `dir`: The directory, or NULL.
* `out` (out): The snapshot. **owned** release with shmhub_list_close().

# Returns
`SHMHUB_OK`, `SHMHUB_E_NOT_FOUND` (no such directory), `SHMHUB_E_PERMISSION`, `SHMHUB_E_NO_MEMORY`, `SHMHUB_E_IO`.

Thread-safe. Since 1.0.

### Prototype
```c
shmhub_status shmhub_list_open(const char *dir, shmhub_list **out);
```
"""
function shmhub_list_open(dir, out)
    ccall((:shmhub_list_open, libshmhub), shmhub_status, (Cstring, Ptr{Ptr{shmhub_list}}), dir, out)
end

"""
    shmhub_list_count(list)

Number of names in the snapshot (0 for NULL).

Since 1.0.

### Prototype
```c
size_t shmhub_list_count(const shmhub_list *list);
```
"""
function shmhub_list_count(list)
    ccall((:shmhub_list_count, libshmhub), Csize_t, (Ptr{shmhub_list},), list)
end

"""
    shmhub_list_name(list, i)

The `i` th name, or NULL when `i` is out of range. **borrowed** valid until shmhub_list_close().

Since 1.0.

### Prototype
```c
const char *shmhub_list_name(const shmhub_list *list, size_t i);
```
"""
function shmhub_list_name(list, i)
    ccall((:shmhub_list_name, libshmhub), Ptr{Cchar}, (Ptr{shmhub_list}, Csize_t), list, i)
end

"""
    shmhub_list_close(list)

Frees a snapshot. NULL is ignored.

Since 1.0.

### Prototype
```c
void shmhub_list_close(shmhub_list *list);
```
"""
function shmhub_list_close(list)
    ccall((:shmhub_list_close, libshmhub), Cvoid, (Ptr{shmhub_list},), list)
end

"""
    shmhub_segment_lock(seg, timeout_ns, recovered)

Takes the segment's lock, waiting up to `timeout_ns` for it.

Signals do not end the wait: an interrupted sleep continues until the deadline (bindings that must stop on Ctrl-C call it with short timeouts in a loop).

# Arguments
* `seg`: A writable segment handle of any kind.
* `timeout_ns`: Nanoseconds to wait (negative: forever; 0: try once).
* `recovered` (out): NULL, or set to 1 when the previous holder had died holding the lock (the data it protects may be half-updated), else 0.

# Returns
`SHMHUB_OK` (the caller holds the lock), `SHMHUB_E_TIMEOUT`, `SHMHUB_E_READ_ONLY` (a read-only handle), `SHMHUB_E_INVALID` (NULL segment).

Thread-safe. Since 1.1.

### Prototype
```c
shmhub_status shmhub_segment_lock(shmhub_segment *seg, int64_t timeout_ns, int32_t *recovered);
```
"""
function shmhub_segment_lock(seg, timeout_ns, recovered)
    ccall((:shmhub_segment_lock, libshmhub), shmhub_status, (Ptr{shmhub_segment}, Int64, Ptr{Int32}), seg, timeout_ns, recovered)
end

"""
    shmhub_segment_unlock(seg)

Releases the segment's lock, waking its waiters.

# Arguments
* `seg`: A writable segment handle; the calling process must hold the lock.

# Returns
`SHMHUB_OK`, `SHMHUB_E_INVALID` (the lock is free, or held by another process; a NULL segment), `SHMHUB_E_READ_ONLY`.

Thread-safe. Since 1.1.

### Prototype
```c
shmhub_status shmhub_segment_unlock(shmhub_segment *seg);
```
"""
function shmhub_segment_unlock(seg)
    ccall((:shmhub_segment_unlock, libshmhub), shmhub_status, (Ptr{shmhub_segment},), seg)
end

"""
    shmhub_segment_lock_recoveries(seg)

How many times a locker took the segment lock over from a dead holder (0 for NULL).

Thread-safe. Since 1.1.

### Prototype
```c
uint64_t shmhub_segment_lock_recoveries(const shmhub_segment *seg);
```
"""
function shmhub_segment_lock_recoveries(seg)
    ccall((:shmhub_segment_lock_recoveries, libshmhub), UInt64, (Ptr{shmhub_segment},), seg)
end

"""
    shmhub_segment_lock_holder_pid(seg)

Process id of the segment lock's holder, 0 when free (or for NULL). A snapshot: it may change at once.

Thread-safe. Since 1.1.

### Prototype
```c
int64_t shmhub_segment_lock_holder_pid(const shmhub_segment *seg);
```
"""
function shmhub_segment_lock_holder_pid(seg)
    ccall((:shmhub_segment_lock_holder_pid, libshmhub), Int64, (Ptr{shmhub_segment},), seg)
end

"""An opaque description of one array inside a segment (borrowed from the segment)."""
mutable struct shmhub_array end

"""
    shmhub_segment_array_count(seg)

Number of arrays in `seg` (0 for NULL).

Thread-safe. Since 1.0.

### Prototype
```c
size_t shmhub_segment_array_count(const shmhub_segment *seg);
```
"""
function shmhub_segment_array_count(seg)
    ccall((:shmhub_segment_array_count, libshmhub), Csize_t, (Ptr{shmhub_segment},), seg)
end

"""
    shmhub_segment_array_at(seg, i, out)

The `i` th array, in layout order.

# Arguments
* `seg`: The segment.
* `i`: Index, 0 to shmhub_segment_array_count() - 1.
* `out` (out): The array. **borrowed** valid until shmhub_segment_close() on `seg`.

# Returns
`SHMHUB_OK`, `SHMHUB_E_INVALID` (NULL argument), `SHMHUB_E_RANGE`.

Thread-safe. Since 1.0.

### Prototype
```c
shmhub_status shmhub_segment_array_at(const shmhub_segment *seg, size_t i, const shmhub_array **out);
```
"""
function shmhub_segment_array_at(seg, i, out)
    ccall((:shmhub_segment_array_at, libshmhub), shmhub_status, (Ptr{shmhub_segment}, Csize_t, Ptr{Ptr{shmhub_array}}), seg, i, out)
end

"""
    shmhub_segment_find(seg, array_name, out)

Finds an array by name.

# Arguments
* `seg`: The segment.
* `array_name`: The array's name.
* `out` (out): The array. **borrowed** valid until shmhub_segment_close() on `seg`.

# Returns
`SHMHUB_OK`, `SHMHUB_E_INVALID`, `SHMHUB_E_NOT_FOUND` (the message names segment and array).

Thread-safe. Since 1.0.

### Prototype
```c
shmhub_status shmhub_segment_find(const shmhub_segment *seg, const char *array_name, const shmhub_array **out);
```
"""
function shmhub_segment_find(seg, array_name, out)
    ccall((:shmhub_segment_find, libshmhub), shmhub_status, (Ptr{shmhub_segment}, Cstring, Ptr{Ptr{shmhub_array}}), seg, array_name, out)
end

"""
    shmhub_array_name(array)

The array's name. **borrowed** valid until its segment is closed.

Thread-safe. Since 1.0.

### Prototype
```c
const char *shmhub_array_name(const shmhub_array *array);
```
"""
function shmhub_array_name(array)
    ccall((:shmhub_array_name, libshmhub), Ptr{Cchar}, (Ptr{shmhub_array},), array)
end

"""
    shmhub_array_dtype(array)

The array's `shmhub_dtype` (`SHMHUB_DTYPE_INVALID` for NULL).

Thread-safe. Since 1.0.

### Prototype
```c
shmhub_dtype shmhub_array_dtype(const shmhub_array *array);
```
"""
function shmhub_array_dtype(array)
    ccall((:shmhub_array_dtype, libshmhub), shmhub_dtype, (Ptr{shmhub_array},), array)
end

"""
    shmhub_array_ndim(array)

The array's number of dimensions (0 for a scalar or NULL).

Thread-safe. Since 1.0.

### Prototype
```c
uint32_t shmhub_array_ndim(const shmhub_array *array);
```
"""
function shmhub_array_ndim(array)
    ccall((:shmhub_array_ndim, libshmhub), UInt32, (Ptr{shmhub_array},), array)
end

"""
    shmhub_array_shape(array)

The array's extents: ndim `uint64_t`, row-major (C order). **borrowed** valid until its segment is closed.

Thread-safe. Since 1.0.

### Prototype
```c
const uint64_t *shmhub_array_shape(const shmhub_array *array);
```
"""
function shmhub_array_shape(array)
    ccall((:shmhub_array_shape, libshmhub), Ptr{UInt64}, (Ptr{shmhub_array},), array)
end

"""
    shmhub_array_size(array)

Number of elements (product of the extents; 1 for a scalar).

Thread-safe. Since 1.0.

### Prototype
```c
uint64_t shmhub_array_size(const shmhub_array *array);
```
"""
function shmhub_array_size(array)
    ccall((:shmhub_array_size, libshmhub), UInt64, (Ptr{shmhub_array},), array)
end

"""
    shmhub_array_nbytes(array)

Size of the data in bytes (elements times dtype size).

Thread-safe. Since 1.0.

### Prototype
```c
uint64_t shmhub_array_nbytes(const shmhub_array *array);
```
"""
function shmhub_array_nbytes(array)
    ccall((:shmhub_array_nbytes, libshmhub), UInt64, (Ptr{shmhub_array},), array)
end

"""
    shmhub_array_offset(array)

Offset of the data from the start of the segment (a multiple of `SHMHUB_ALIGNMENT`).

Thread-safe. Since 1.0.

### Prototype
```c
uint64_t shmhub_array_offset(const shmhub_array *array);
```
"""
function shmhub_array_offset(array)
    ccall((:shmhub_array_offset, libshmhub), UInt64, (Ptr{shmhub_array},), array)
end

"""
    shmhub_array_data(array)

The array's data: C-contiguous, `SHMHUB_ALIGNMENT`-aligned, shared with every process that maps the segment. Read-only handles give a pointer that must not be written.

Other processes may write this memory at any time; synchronising is the caller's business (streams provide never-torn reads). **borrowed** valid until shmhub_segment_close() on the array's segment.

Thread-safe. Since 1.0.

### Prototype
```c
void *shmhub_array_data(const shmhub_array *array);
```
"""
function shmhub_array_data(array)
    ccall((:shmhub_array_data, libshmhub), Ptr{Cvoid}, (Ptr{shmhub_array},), array)
end

"""An opaque handle to a stream (a segment of kind `SHMHUB_KIND_STREAM`)."""
mutable struct shmhub_stream end

"""Writer modes (shmhub_stream_opts::writer_mode)."""
const shmhub_writer_mode_code = UInt32

"""One writing process at a time (claimed at its first write; no lock per frame)."""
const SHMHUB_WRITER_SINGLE = shmhub_writer_mode_code(0)
"""Several writers, serialised by a robust cross-process lock."""
const SHMHUB_WRITER_MULTI = shmhub_writer_mode_code(1)

"""How readers wait for new frames (shmhub_stream_opts::wait_mode)."""
const shmhub_wait_mode_code = UInt32

"""Sleep on a futex in the mapping (default)."""
const SHMHUB_WAIT_FUTEX = shmhub_wait_mode_code(0)
"""Spin for shmhub_stream_opts::spin_ns, then sleep."""
const SHMHUB_WAIT_SPIN_THEN_FUTEX = shmhub_wait_mode_code(1)
"""Spin until the timeout (burns a core; lowest latency)."""
const SHMHUB_WAIT_SPIN = shmhub_wait_mode_code(2)

"""
Options for shmhub_stream_create() and shmhub_stream_open(); size-prefixed, append-only.

slots and writer_mode are fixed at create (open reads them from the segment); wait_mode, spin_ns, flags and lock_timeout_ns are per handle.

# Fields
* `size`: `sizeof(shmhub_stream_opts)` as the caller knows it.
* `slots`: Frames kept in the ring (create; 2 to 65536, or 0, the default since 1.1: 8, fewer for frames over 1 MiB so the ring stays within 8 MiB, at least 2).
* `writer_mode`: A `shmhub_writer_mode_code` (create; default single).
* `wait_mode`: A `shmhub_wait_mode_code` (default futex).
* `spin_ns`: Spin budget for `SHMHUB_WAIT_SPIN_THEN_FUTEX` (default 50 us).
* `flags`: `SHMHUB_STREAM_LIVENESS` or 0.
* `reserved`: Must be 0.
* `lock_timeout_ns`: How long a writer waits for the writer lock or claim (default 5 s).
* `segment`: Segment options (mode, dir, flags, open timeout), or NULL.
"""
struct shmhub_stream_opts
    size::UInt32
    slots::UInt32
    writer_mode::UInt32
    wait_mode::UInt32
    spin_ns::Int64
    flags::UInt32
    reserved::UInt32
    lock_timeout_ns::Int64
    segment::Ptr{shmhub_segment_opts}
end

"""
    shmhub_stream_opts_init(opts, size)

Sets `opts` to the defaults (for languages that cannot expand `SHMHUB_STREAM_OPTS_INIT`).

# Arguments
* `opts`: The struct to fill.
* `size`: `sizeof` it as the caller knows it (at least 8).

# Returns
`SHMHUB_OK` or `SHMHUB_E_INVALID`.

Thread-safe. Since 1.0.

### Prototype
```c
shmhub_status shmhub_stream_opts_init(shmhub_stream_opts *opts, size_t size);
```
"""
function shmhub_stream_opts_init(opts, size)
    ccall((:shmhub_stream_opts_init, libshmhub), shmhub_status, (Ptr{shmhub_stream_opts}, Csize_t), opts, size)
end

"""
What a read returned; size-prefixed: set `size` before the call, the library fills the fields that fit.

# Fields
* `size`: `sizeof(shmhub_frame_info)` as the caller knows it.
* `reserved`: 0.
* `seq`: Sequence number of the frame (the first frame is 1).
* `timestamp_ns`: Commit time, CLOCK_REALTIME nanoseconds.
* `missed`: Frames skipped since this handle's previous read (overrun).
"""
struct shmhub_frame_info
    size::UInt32
    reserved::UInt32
    seq::UInt64
    timestamp_ns::Int64
    missed::UInt64
end

"""
    shmhub_stream_create(name, dtype, ndim, shape, opts, out)

Creates a stream of frames of `dtype` and shape `shape` (C order).

# Arguments
* `name`: Segment name (see shmhub_segment_create()).
* `dtype`: A valid `shmhub_dtype`.
* `ndim`: 0 to `SHMHUB_MAX_NDIM`.
* `shape`: `ndim` extents; a frame must hold at least one byte.
* `opts`: NULL for defaults.
* `out` (out): The handle. **owned** release with shmhub_stream_close().

# Returns
`SHMHUB_OK` or any error of shmhub_segment_create().

Thread-safe. Since 1.0.

### Prototype
```c
shmhub_status shmhub_stream_create(const char *name, shmhub_dtype dtype, uint32_t ndim, const uint64_t *shape, const shmhub_stream_opts *opts, shmhub_stream **out);
```
"""
function shmhub_stream_create(name, dtype, ndim, shape, opts, out)
    ccall((:shmhub_stream_create, libshmhub), shmhub_status, (Cstring, shmhub_dtype, UInt32, Ptr{UInt64}, Ptr{shmhub_stream_opts}, Ptr{Ptr{shmhub_stream}}), name, dtype, ndim, shape, opts, out)
end

"""
    shmhub_stream_open(name, opts, out)

Opens an existing stream; the handle's cursor starts at the newest committed frame.

# Arguments
* `name`: The stream's segment name.
* `opts`: NULL for defaults (slots and writer_mode are read from the segment).
* `out` (out): The handle. **owned** release with shmhub_stream_close().

# Returns
`SHMHUB_OK`, `SHMHUB_E_WRONG_KIND` for a segment that is not a stream, or any error of shmhub_segment_open().

Thread-safe. Since 1.0.

### Prototype
```c
shmhub_status shmhub_stream_open(const char *name, const shmhub_stream_opts *opts, shmhub_stream **out);
```
"""
function shmhub_stream_open(name, opts, out)
    ccall((:shmhub_stream_open, libshmhub), shmhub_status, (Cstring, Ptr{shmhub_stream_opts}, Ptr{Ptr{shmhub_stream}}), name, opts, out)
end

"""
    shmhub_stream_close(stream)

Closes a stream handle (abandoning an open loan and releasing the single-writer claim). NULL is ignored. Never unlinks unless the segment options said `SHMHUB_UNLINK_ON_CLOSE`.

Only what the calling process owns is given back: a handle inherited across fork and closed in the child only unmaps; the parent's claim, open loan and writer lock stay the parent's, and `SHMHUB_UNLINK_ON_CLOSE` does not unlink.

Since 1.0.

### Prototype
```c
void shmhub_stream_close(shmhub_stream *stream);
```
"""
function shmhub_stream_close(stream)
    ccall((:shmhub_stream_close, libshmhub), Cvoid, (Ptr{shmhub_stream},), stream)
end

"""
    shmhub_stream_write(stream, src, nbytes)

Publishes one frame, copied from `src`.

# Arguments
* `stream`: The stream.
* `src`: The frame's bytes (C order).
* `nbytes`: Must equal shmhub_stream_frame_nbytes().

# Returns
`SHMHUB_OK`, `SHMHUB_E_SIZE`, `SHMHUB_E_READ_ONLY`, `SHMHUB_E_BUSY` (another live process is the single writer, this handle's claim was taken over since its last write, or a loan is open on this handle), `SHMHUB_E_TIMEOUT` (writer lock), `SHMHUB_E_CORRUPT` (an impossible sequence number in the control block).

Thread-safe. Since 1.0.

### Prototype
```c
shmhub_status shmhub_stream_write(shmhub_stream *stream, const void *src, size_t nbytes);
```
"""
function shmhub_stream_write(stream, src, nbytes)
    ccall((:shmhub_stream_write, libshmhub), shmhub_status, (Ptr{shmhub_stream}, Ptr{Cvoid}, Csize_t), stream, src, nbytes)
end

"""
    shmhub_stream_loan(stream, frame)

Loans the next frame's memory for writing in place; finish with shmhub_stream_commit() or shmhub_stream_abandon(). One loan per handle at a time.

# Arguments
* `stream`: The stream.
* `frame` (out): The frame's memory. **borrowed** valid until shmhub_stream_commit(), shmhub_stream_abandon() or shmhub_stream_close() on `stream`.

# Returns
As shmhub_stream_write().

!!! note
    Not thread-safe with other writes on the same handle while the loan is open.

Since 1.0.

### Prototype
```c
shmhub_status shmhub_stream_loan(shmhub_stream *stream, void **frame);
```
"""
function shmhub_stream_loan(stream, frame)
    ccall((:shmhub_stream_loan, libshmhub), shmhub_status, (Ptr{shmhub_stream}, Ptr{Ptr{Cvoid}}), stream, frame)
end

"""
    shmhub_stream_commit(stream)

Publishes the loaned frame.

# Returns
`SHMHUB_OK` or `SHMHUB_E_INVALID` (no open loan, or the loan was opened by another process: a handle inherited across fork).

Since 1.0.

### Prototype
```c
shmhub_status shmhub_stream_commit(shmhub_stream *stream);
```
"""
function shmhub_stream_commit(stream)
    ccall((:shmhub_stream_commit, libshmhub), shmhub_status, (Ptr{shmhub_stream},), stream)
end

"""
    shmhub_stream_abandon(stream)

Gives the loaned frame back unpublished; the slot it used is marked empty.

# Returns
`SHMHUB_OK` or `SHMHUB_E_INVALID` (no open loan, or the loan was opened by another process).

Since 1.0.

### Prototype
```c
shmhub_status shmhub_stream_abandon(shmhub_stream *stream);
```
"""
function shmhub_stream_abandon(stream)
    ccall((:shmhub_stream_abandon, libshmhub), shmhub_status, (Ptr{shmhub_stream},), stream)
end

"""
    shmhub_stream_read_latest(stream, dst, nbytes, info)

Copies the newest committed frame into `dst`; never torn. Sets the handle's cursor to it.

# Arguments
* `stream`: The stream.
* `dst`: Where to copy the frame.
* `nbytes`: Must equal shmhub_stream_frame_nbytes().
* `info`: NULL, or filled with the frame's sequence number, timestamp and missed count.

# Returns
`SHMHUB_OK`, `SHMHUB_E_EMPTY` (no frame yet), `SHMHUB_E_SIZE`, `SHMHUB_E_BUSY` (the writer lapped the reader 1000 times in a row), `SHMHUB_E_CORRUPT` (an impossible sequence number in the control block).

Thread-safe. Since 1.0.

### Prototype
```c
shmhub_status shmhub_stream_read_latest(shmhub_stream *stream, void *dst, size_t nbytes, shmhub_frame_info *info);
```
"""
function shmhub_stream_read_latest(stream, dst, nbytes, info)
    ccall((:shmhub_stream_read_latest, libshmhub), shmhub_status, (Ptr{shmhub_stream}, Ptr{Cvoid}, Csize_t, Ptr{shmhub_frame_info}), stream, dst, nbytes, info)
end

"""
    shmhub_stream_read_next(stream, dst, nbytes, timeout_ns, info)

Lossless read: copies the frame after the handle's cursor, waiting up to `timeout_ns` for it, and advances the cursor. After an overrun it returns the oldest frame still in the ring and shmhub_frame_info::missed says how many were lost.

# Arguments
* `stream`: The stream.
* `dst`: Where to copy the frame.
* `nbytes`: Must equal shmhub_stream_frame_nbytes().
* `timeout_ns`: Nanoseconds to wait (negative: forever; 0: do not wait).
* `info`: NULL, or filled with the frame's sequence number, timestamp and missed count.

# Returns
`SHMHUB_OK`, `SHMHUB_E_TIMEOUT`, `SHMHUB_E_PEER_DEAD` (with `SHMHUB_STREAM_LIVENESS`), `SHMHUB_E_SIZE`, `SHMHUB_E_BUSY` (the writer overwrote the frame being copied 1000 times in a row: a reader far slower than the writer; retry, or use shmhub_stream_read_latest()), `SHMHUB_E_CORRUPT` (an impossible sequence number in the control block). Returns within its timeout whatever the shared control words hold. A zero timeout never sleeps and never registers as a waiter.

!!! note
    The cursor is per handle: not thread-safe with other reads on the same handle.

Since 1.0.

### Prototype
```c
shmhub_status shmhub_stream_read_next(shmhub_stream *stream, void *dst, size_t nbytes, int64_t timeout_ns, shmhub_frame_info *info);
```
"""
function shmhub_stream_read_next(stream, dst, nbytes, timeout_ns, info)
    ccall((:shmhub_stream_read_next, libshmhub), shmhub_status, (Ptr{shmhub_stream}, Ptr{Cvoid}, Csize_t, Int64, Ptr{shmhub_frame_info}), stream, dst, nbytes, timeout_ns, info)
end

"""
    shmhub_stream_wait(stream, timeout_ns)

Waits until a frame newer than the handle's cursor is committed (no copy).

# Returns
`SHMHUB_OK`, `SHMHUB_E_TIMEOUT`, `SHMHUB_E_PEER_DEAD` (with `SHMHUB_STREAM_LIVENESS`).

Thread-safe. Since 1.0.

### Prototype
```c
shmhub_status shmhub_stream_wait(shmhub_stream *stream, int64_t timeout_ns);
```
"""
function shmhub_stream_wait(stream, timeout_ns)
    ccall((:shmhub_stream_wait, libshmhub), shmhub_status, (Ptr{shmhub_stream}, Int64), stream, timeout_ns)
end

"""
    shmhub_stream_peek(stream, frame, info)

Zero-copy read of the newest frame: points `frame` into the ring. The writer may overwrite it at any time; call shmhub_stream_validate() after computing on it.

# Arguments
* `stream`: The stream.
* `frame` (out): **borrowed** valid (as memory) until shmhub_stream_close(); its contents are trustworthy only if shmhub_stream_validate() succeeds afterwards.
* `info`: NULL, or filled with the frame's sequence number and timestamp (keep it for shmhub_stream_validate()).

# Returns
`SHMHUB_OK`, `SHMHUB_E_EMPTY`, `SHMHUB_E_BUSY`, `SHMHUB_E_CORRUPT`.

Thread-safe. Since 1.0.

### Prototype
```c
shmhub_status shmhub_stream_peek(shmhub_stream *stream, const void **frame, shmhub_frame_info *info);
```
"""
function shmhub_stream_peek(stream, frame, info)
    ccall((:shmhub_stream_peek, libshmhub), shmhub_status, (Ptr{shmhub_stream}, Ptr{Ptr{Cvoid}}, Ptr{shmhub_frame_info}), stream, frame, info)
end

"""
    shmhub_stream_validate(stream, info)

Checks that the frame described by `info` (from shmhub_stream_peek()) was not overwritten since.

# Returns
`SHMHUB_OK` or `SHMHUB_E_OVERWRITTEN`.

Thread-safe. Since 1.0.

### Prototype
```c
shmhub_status shmhub_stream_validate(const shmhub_stream *stream, const shmhub_frame_info *info);
```
"""
function shmhub_stream_validate(stream, info)
    ccall((:shmhub_stream_validate, libshmhub), shmhub_status, (Ptr{shmhub_stream}, Ptr{shmhub_frame_info}), stream, info)
end

"""
    shmhub_stream_count(stream)

Number of committed frames (the newest sequence number).

Thread-safe. Since 1.0.

### Prototype
```c
uint64_t shmhub_stream_count(const shmhub_stream *stream);
```
"""
function shmhub_stream_count(stream)
    ccall((:shmhub_stream_count, libshmhub), UInt64, (Ptr{shmhub_stream},), stream)
end

"""
    shmhub_stream_last_write_ns(stream)

Time of the newest commit, CLOCK_REALTIME ns (0 if none).

Thread-safe. Since 1.0.

### Prototype
```c
int64_t shmhub_stream_last_write_ns(const shmhub_stream *stream);
```
"""
function shmhub_stream_last_write_ns(stream)
    ccall((:shmhub_stream_last_write_ns, libshmhub), Int64, (Ptr{shmhub_stream},), stream)
end

"""
    shmhub_stream_slots(stream)

Number of frames in the ring.

Thread-safe. Since 1.0.

### Prototype
```c
uint32_t shmhub_stream_slots(const shmhub_stream *stream);
```
"""
function shmhub_stream_slots(stream)
    ccall((:shmhub_stream_slots, libshmhub), UInt32, (Ptr{shmhub_stream},), stream)
end

"""
    shmhub_stream_writer_mode(stream)

The `shmhub_writer_mode_code` fixed at create.

Thread-safe. Since 1.0.

### Prototype
```c
uint32_t shmhub_stream_writer_mode(const shmhub_stream *stream);
```
"""
function shmhub_stream_writer_mode(stream)
    ccall((:shmhub_stream_writer_mode, libshmhub), UInt32, (Ptr{shmhub_stream},), stream)
end

"""
    shmhub_stream_dtype(stream)

The frames' dtype.

Thread-safe. Since 1.0.

### Prototype
```c
shmhub_dtype shmhub_stream_dtype(const shmhub_stream *stream);
```
"""
function shmhub_stream_dtype(stream)
    ccall((:shmhub_stream_dtype, libshmhub), shmhub_dtype, (Ptr{shmhub_stream},), stream)
end

"""
    shmhub_stream_ndim(stream)

The frames' number of dimensions.

Thread-safe. Since 1.0.

### Prototype
```c
uint32_t shmhub_stream_ndim(const shmhub_stream *stream);
```
"""
function shmhub_stream_ndim(stream)
    ccall((:shmhub_stream_ndim, libshmhub), UInt32, (Ptr{shmhub_stream},), stream)
end

"""
    shmhub_stream_shape(stream)

The frames' extents. **borrowed** valid until shmhub_stream_close().

Thread-safe. Since 1.0.

### Prototype
```c
const uint64_t *shmhub_stream_shape(const shmhub_stream *stream);
```
"""
function shmhub_stream_shape(stream)
    ccall((:shmhub_stream_shape, libshmhub), Ptr{UInt64}, (Ptr{shmhub_stream},), stream)
end

"""
    shmhub_stream_frame_nbytes(stream)

Bytes per frame.

Thread-safe. Since 1.0.

### Prototype
```c
uint64_t shmhub_stream_frame_nbytes(const shmhub_stream *stream);
```
"""
function shmhub_stream_frame_nbytes(stream)
    ccall((:shmhub_stream_frame_nbytes, libshmhub), UInt64, (Ptr{shmhub_stream},), stream)
end

"""
    shmhub_stream_cursor(stream)

Sequence number of the last frame this handle returned (its cursor).

Since 1.0.

### Prototype
```c
uint64_t shmhub_stream_cursor(const shmhub_stream *stream);
```
"""
function shmhub_stream_cursor(stream)
    ccall((:shmhub_stream_cursor, libshmhub), UInt64, (Ptr{shmhub_stream},), stream)
end

"""
    shmhub_stream_seek(stream, seq)

Moves the cursor: the next shmhub_stream_read_next() returns frame `seq` + 1 (or the oldest still in the ring). Pass 0 to replay the ring from its oldest frame.

Since 1.0.

### Prototype
```c
void shmhub_stream_seek(shmhub_stream *stream, uint64_t seq);
```
"""
function shmhub_stream_seek(stream, seq)
    ccall((:shmhub_stream_seek, libshmhub), Cvoid, (Ptr{shmhub_stream}, UInt64), stream, seq)
end

"""
    shmhub_stream_writer_pid(stream)

Process id of the single writer (or of the last multi-writer), taken from its owner token (0 if none).

Thread-safe. Since 1.0.

### Prototype
```c
int64_t shmhub_stream_writer_pid(const shmhub_stream *stream);
```
"""
function shmhub_stream_writer_pid(stream)
    ccall((:shmhub_stream_writer_pid, libshmhub), Int64, (Ptr{shmhub_stream},), stream)
end

"""
    shmhub_stream_recoveries(stream)

How many times a writer recovered the lock or role from a dead process.

Thread-safe. Since 1.0.

### Prototype
```c
uint64_t shmhub_stream_recoveries(const shmhub_stream *stream);
```
"""
function shmhub_stream_recoveries(stream)
    ccall((:shmhub_stream_recoveries, libshmhub), UInt64, (Ptr{shmhub_stream},), stream)
end

"""
    shmhub_stream_segment(stream)

The underlying segment (name, path, size, creator...). **borrowed** valid until shmhub_stream_close().

Thread-safe. Since 1.0.

### Prototype
```c
const shmhub_segment *shmhub_stream_segment(const shmhub_stream *stream);
```
"""
function shmhub_stream_segment(stream)
    ccall((:shmhub_stream_segment, libshmhub), Ptr{shmhub_segment}, (Ptr{shmhub_stream},), stream)
end

"""An opaque handle to a synched-memory segment (kind `SHMHUB_KIND_SYNCHED`)."""
mutable struct shmhub_synched end

"""
Options for shmhub_synched_create() and shmhub_synched_open(); size-prefixed, append-only.

flags and profile_rounds are fixed at create (open reads them from the segment); barrier_mode, spin_ns and liveness_ns are per handle.

# Fields
* `size`: `sizeof(shmhub_synched_opts)` as the caller knows it.
* `barrier_mode`: How barriers wait: a `shmhub_wait_mode_code` (default futex).
* `spin_ns`: Spin budget for `SHMHUB_WAIT_SPIN_THEN_FUTEX` (default 50 us).
* `liveness_ns`: A dead worker breaks a barrier within this time (default 1 s, at least 1 ms).
* `flags`: `SHMHUB_SYNCHED_PROFILE` or 0 (create).
* `profile_rounds`: Rounds of profile kept per worker (create; default 4096, at most 1048576).
* `segment`: Segment options (mode, dir, flags, open timeout), or NULL.
"""
struct shmhub_synched_opts
    size::UInt32
    barrier_mode::UInt32
    spin_ns::Int64
    liveness_ns::Int64
    flags::UInt32
    profile_rounds::UInt32
    segment::Ptr{shmhub_segment_opts}
end

"""
    shmhub_synched_opts_init(opts, size)

Sets `opts` to the defaults (for languages that cannot expand `SHMHUB_SYNCHED_OPTS_INIT`).

# Arguments
* `opts`: The struct to fill.
* `size`: `sizeof` it as the caller knows it (at least 8).

# Returns
`SHMHUB_OK` or `SHMHUB_E_INVALID`.

Thread-safe. Since 1.1.

### Prototype
```c
shmhub_status shmhub_synched_opts_init(shmhub_synched_opts *opts, size_t size);
```
"""
function shmhub_synched_opts_init(opts, size)
    ccall((:shmhub_synched_opts_init, libshmhub), shmhub_status, (Ptr{shmhub_synched_opts}, Csize_t), opts, size)
end

"""
    shmhub_synched_create(name, dtype, workers, segment_len, opts, out)

Creates a synched-memory segment: `workers` segments of `segment_len` elements of `dtype`, contiguous and worker-major (one array named `data` of shape workers x segment_len).

The creating handle is not a worker until it calls shmhub_synched_attach().

# Arguments
* `name`: Segment name (see shmhub_segment_create()).
* `dtype`: A valid `shmhub_dtype`.
* `workers`: 1 to 4096.
* `segment_len`: Elements per worker (at least 1).
* `opts`: NULL for defaults.
* `out` (out): The handle. **owned** release with shmhub_synched_close().

# Returns
`SHMHUB_OK`, `SHMHUB_E_INVALID` (bad dtype, workers, length or options) or any error of shmhub_segment_create().

Thread-safe. Since 1.1.

### Prototype
```c
shmhub_status shmhub_synched_create(const char *name, shmhub_dtype dtype, uint32_t workers, uint64_t segment_len, const shmhub_synched_opts *opts, shmhub_synched **out);
```
"""
function shmhub_synched_create(name, dtype, workers, segment_len, opts, out)
    ccall((:shmhub_synched_create, libshmhub), shmhub_status, (Cstring, shmhub_dtype, UInt32, UInt64, Ptr{shmhub_synched_opts}, Ptr{Ptr{shmhub_synched}}), name, dtype, workers, segment_len, opts, out)
end

"""
    shmhub_synched_open(name, opts, out)

Opens an existing synched-memory segment by name.

# Arguments
* `name`: The segment's name.
* `opts`: NULL for defaults (flags and profile_rounds are read from the segment).
* `out` (out): The handle. **owned** release with shmhub_synched_close().

# Returns
`SHMHUB_OK`, `SHMHUB_E_WRONG_KIND` for a segment of another kind, `SHMHUB_E_CORRUPT`, or any error of shmhub_segment_open().

Thread-safe. Since 1.1.

### Prototype
```c
shmhub_status shmhub_synched_open(const char *name, const shmhub_synched_opts *opts, shmhub_synched **out);
```
"""
function shmhub_synched_open(name, opts, out)
    ccall((:shmhub_synched_open, libshmhub), shmhub_status, (Cstring, Ptr{shmhub_synched_opts}, Ptr{Ptr{shmhub_synched}}), name, opts, out)
end

"""
    shmhub_synched_close(s)

Releases this handle's worker id (if attached) and closes the handle. NULL is ignored. Never unlinks unless the segment options said `SHMHUB_UNLINK_ON_CLOSE`. A handle closed in a forked child only unmaps: the parent's worker id stays claimed.

Since 1.1.

### Prototype
```c
void shmhub_synched_close(shmhub_synched *s);
```
"""
function shmhub_synched_close(s)
    ccall((:shmhub_synched_close, libshmhub), Cvoid, (Ptr{shmhub_synched},), s)
end

"""
    shmhub_synched_attach(s, worker)

Claims worker id `worker` for this handle (one id per handle, once).

The claim records this process's owner token (pid + start time). An id whose holder has died may be claimed again.

# Arguments
* `s`: The handle.
* `worker`: 0 to shmhub_synched_workers() - 1.

# Returns
`SHMHUB_OK`, `SHMHUB_E_INVALID` (NULL, or this handle already holds an id), `SHMHUB_E_RANGE` (no such worker), `SHMHUB_E_BUSY` (a live process or another handle holds it), `SHMHUB_E_READ_ONLY`.

Thread-safe. Since 1.1.

### Prototype
```c
shmhub_status shmhub_synched_attach(shmhub_synched *s, uint32_t worker);
```
"""
function shmhub_synched_attach(s, worker)
    ccall((:shmhub_synched_attach, libshmhub), shmhub_status, (Ptr{shmhub_synched}, UInt32), s, worker)
end

"""
    shmhub_synched_write_and_sync(s, data, nbytes, timeout_ns)

One whole cycle: waits until every worker has finished reading the previous round, copies `data` into this worker's segment, then waits until every worker has written.

Afterwards shmhub_synched_global() holds this round's data of every worker.

# Arguments
* `s`: An attached handle.
* `data`: This worker's new segment contents.
* `nbytes`: Must equal segment_len times the dtype size.
* `timeout_ns`: For both barriers together (negative: forever; 0: do not wait).

# Returns
`SHMHUB_OK`; `SHMHUB_E_INVALID` (not attached, or a begin_write is open); `SHMHUB_E_SIZE`; `SHMHUB_E_PEER_DEAD` (a worker died: the run is broken for every worker, reported within the liveness time); `SHMHUB_E_TIMEOUT` (the run is then broken for every worker, who get `SHMHUB_E_TIMEOUT` too); `SHMHUB_E_FINISHED` (a worker called shmhub_synched_finalize()).

!!! note
    Not thread-safe on one handle (one worker is one thread of control).

Since 1.1.

### Prototype
```c
shmhub_status shmhub_synched_write_and_sync(shmhub_synched *s, const void *data, size_t nbytes, int64_t timeout_ns);
```
"""
function shmhub_synched_write_and_sync(s, data, nbytes, timeout_ns)
    ccall((:shmhub_synched_write_and_sync, libshmhub), shmhub_status, (Ptr{shmhub_synched}, Ptr{Cvoid}, Csize_t, Int64), s, data, nbytes, timeout_ns)
end

"""
    shmhub_synched_begin_write(s, local_, timeout_ns)

Zero-copy write, first half: waits until every worker has finished reading the previous round, then gives this worker's segment to write in place. Finish with shmhub_synched_sync().

# Arguments
* `s`: An attached handle.
* `local` (out): This worker's segment (segment_len elements). **borrowed** valid until shmhub_synched_sync() or shmhub_synched_close() on `s`.
* `timeout_ns`: How long to wait for the barrier.

# Returns
As shmhub_synched_write_and_sync() (but never `SHMHUB_E_SIZE`).

!!! note
    Not thread-safe on one handle.

Since 1.1.

### Prototype
```c
shmhub_status shmhub_synched_begin_write(shmhub_synched *s, void **local, int64_t timeout_ns);
```
"""
function shmhub_synched_begin_write(s, local_, timeout_ns)
    ccall((:shmhub_synched_begin_write, libshmhub), shmhub_status, (Ptr{shmhub_synched}, Ptr{Ptr{Cvoid}}, Int64), s, local_, timeout_ns)
end

"""
    shmhub_synched_sync(s, timeout_ns)

Zero-copy write, second half: waits until every worker has written this round.

# Arguments
* `s`: A handle with an open shmhub_synched_begin_write().
* `timeout_ns`: How long to wait.

# Returns
As shmhub_synched_write_and_sync(); `SHMHUB_E_INVALID` without an open begin_write.

!!! note
    Not thread-safe on one handle.

Since 1.1.

### Prototype
```c
shmhub_status shmhub_synched_sync(shmhub_synched *s, int64_t timeout_ns);
```
"""
function shmhub_synched_sync(s, timeout_ns)
    ccall((:shmhub_synched_sync, libshmhub), shmhub_status, (Ptr{shmhub_synched}, Int64), s, timeout_ns)
end

"""
    shmhub_synched_global(s, data)

All workers' segments, worker-major: workers x segment_len elements, contiguous.

# Arguments
* `s`: The handle.
* `data` (out): **borrowed** the contents are this round's only until this worker's next shmhub_synched_write_and_sync() or shmhub_synched_begin_write(); the memory stays mapped until shmhub_synched_close(). Do not write through it.

# Returns
`SHMHUB_OK` or `SHMHUB_E_INVALID`.

Thread-safe. Since 1.1.

### Prototype
```c
shmhub_status shmhub_synched_global(const shmhub_synched *s, const void **data);
```
"""
function shmhub_synched_global(s, data)
    ccall((:shmhub_synched_global, libshmhub), shmhub_status, (Ptr{shmhub_synched}, Ptr{Ptr{Cvoid}}), s, data)
end

"""
    shmhub_synched_finalize(s)

Ends the run for every worker: barriers in progress and later ones return `SHMHUB_E_FINISHED`. Any handle may call it; it cannot be undone.

# Returns
`SHMHUB_OK` or `SHMHUB_E_INVALID` (NULL), `SHMHUB_E_READ_ONLY`.

Thread-safe. Since 1.1.

### Prototype
```c
shmhub_status shmhub_synched_finalize(shmhub_synched *s);
```
"""
function shmhub_synched_finalize(s)
    ccall((:shmhub_synched_finalize, libshmhub), shmhub_status, (Ptr{shmhub_synched},), s)
end

"""
    shmhub_synched_profile(s, worker, out, max_rounds, rounds)

Reads worker `worker`'s profile: for each recorded round, three `int64_t` nanosecond values (compute: from the previous sync's return to this round's write; wait: time inside both barriers; cycle: from the previous sync's return to this sync's return).

# Arguments
* `s`: The handle (profile enabled at create with `SHMHUB_SYNCHED_PROFILE`).
* `worker`: 0 to shmhub_synched_workers() - 1.
* `out` (out): Room for 3 x `max_rounds` values, round-major; may be NULL when `max_rounds` is 0.
* `max_rounds`: How many rounds `out` holds.
* `rounds` (out): Rounds the worker has recorded (at most profile_rounds); the first min(`max_rounds`, *rounds) are copied.

# Returns
`SHMHUB_OK`, `SHMHUB_E_INVALID` (NULL argument, or profiling is off), `SHMHUB_E_RANGE`.

Thread-safe. Since 1.1.

### Prototype
```c
shmhub_status shmhub_synched_profile(const shmhub_synched *s, uint32_t worker, int64_t *out, size_t max_rounds, size_t *rounds);
```
"""
function shmhub_synched_profile(s, worker, out, max_rounds, rounds)
    ccall((:shmhub_synched_profile, libshmhub), shmhub_status, (Ptr{shmhub_synched}, UInt32, Ptr{Int64}, Csize_t, Ptr{Csize_t}), s, worker, out, max_rounds, rounds)
end

"""
    shmhub_synched_workers(s)

Number of workers (0 for NULL).

Thread-safe. Since 1.1.

### Prototype
```c
uint32_t shmhub_synched_workers(const shmhub_synched *s);
```
"""
function shmhub_synched_workers(s)
    ccall((:shmhub_synched_workers, libshmhub), UInt32, (Ptr{shmhub_synched},), s)
end

"""
    shmhub_synched_segment_len(s)

Elements per worker segment (0 for NULL).

Thread-safe. Since 1.1.

### Prototype
```c
uint64_t shmhub_synched_segment_len(const shmhub_synched *s);
```
"""
function shmhub_synched_segment_len(s)
    ccall((:shmhub_synched_segment_len, libshmhub), UInt64, (Ptr{shmhub_synched},), s)
end

"""
    shmhub_synched_dtype(s)

The elements' dtype (`SHMHUB_DTYPE_INVALID` for NULL).

Thread-safe. Since 1.1.

### Prototype
```c
shmhub_dtype shmhub_synched_dtype(const shmhub_synched *s);
```
"""
function shmhub_synched_dtype(s)
    ccall((:shmhub_synched_dtype, libshmhub), shmhub_dtype, (Ptr{shmhub_synched},), s)
end

"""
    shmhub_synched_worker(s)

The worker id this handle holds, or -1 when not attached (or NULL).

Thread-safe. Since 1.1.

### Prototype
```c
int32_t shmhub_synched_worker(const shmhub_synched *s);
```
"""
function shmhub_synched_worker(s)
    ccall((:shmhub_synched_worker, libshmhub), Int32, (Ptr{shmhub_synched},), s)
end

"""
    shmhub_synched_round(s)

Rounds this handle's worker has completed (0 when not attached).

Since 1.1.

### Prototype
```c
uint64_t shmhub_synched_round(const shmhub_synched *s);
```
"""
function shmhub_synched_round(s)
    ccall((:shmhub_synched_round, libshmhub), UInt64, (Ptr{shmhub_synched},), s)
end

"""
    shmhub_synched_segment(s)

The underlying segment (name, path, size, creator...). **borrowed** valid until shmhub_synched_close().

Thread-safe. Since 1.1.

### Prototype
```c
const shmhub_segment *shmhub_synched_segment(const shmhub_synched *s);
```
"""
function shmhub_synched_segment(s)
    ccall((:shmhub_synched_segment, libshmhub), Ptr{shmhub_segment}, (Ptr{shmhub_synched},), s)
end

"""
    shmhub_blas_set_threads(n)

Sets the thread count of every BLAS library loaded in this process, found at run time: OpenBLAS (`openblas_set_num_threads`), MKL (`MKL_Set_Num_Threads`) and BLIS (`bli_thread_set_num_threads`). shmhub itself links no BLAS.

# Arguments
* `n`: Threads, at least 1.

# Returns
`SHMHUB_OK` (at least one library was set), `SHMHUB_E_INVALID` (`n` < 1), `SHMHUB_E_NOT_FOUND` (no supported BLAS is loaded in the process).

Thread-safe. Since 1.1.

### Prototype
```c
shmhub_status shmhub_blas_set_threads(int32_t n);
```
"""
function shmhub_blas_set_threads(n)
    ccall((:shmhub_blas_set_threads, libshmhub), shmhub_status, (Int32,), n)
end

"""An opaque handle to a shared dictionary."""
mutable struct shmhub_dict end

"""Value types, stored with each value (never renumbered)."""
const shmhub_value_type_code = UInt32

"""Opaque bytes."""
const SHMHUB_VALUE_BYTES = shmhub_value_type_code(1)
"""One little-endian `int64_t` (8 bytes)."""
const SHMHUB_VALUE_I64 = shmhub_value_type_code(2)
"""One IEEE `double` (8 bytes)."""
const SHMHUB_VALUE_F64 = shmhub_value_type_code(3)
"""UTF-8 text, without a terminating NUL."""
const SHMHUB_VALUE_STR = shmhub_value_type_code(4)
"""`uint32_t dtype, uint32_t ndim, uint64_t shape[ndim]`, then C-order data."""
const SHMHUB_VALUE_NDARRAY = shmhub_value_type_code(5)
"""A Python pickle (opaque to other languages)."""
const SHMHUB_VALUE_PICKLE = shmhub_value_type_code(6)

"""
Options for shmhub_dict_create() and shmhub_dict_open(); size-prefixed, append-only.

capacity and value_bytes are fixed at create (open reads them from the segment); lock_timeout_ns and segment are per handle.

# Fields
* `size`: `sizeof(shmhub_dict_opts)` as the caller knows it.
* `capacity`: Most keys (create; 1 to 2^26, default 1024).
* `value_bytes`: Bytes for keys and values, 16 per entry included (create; default 1 MiB).
* `lock_timeout_ns`: How long a call waits for the dictionary's lock (default 5 s).
* `segment`: Segment options (mode, dir, flags, open timeout), or NULL.
"""
struct shmhub_dict_opts
    size::UInt32
    capacity::UInt32
    value_bytes::UInt64
    lock_timeout_ns::Int64
    segment::Ptr{shmhub_segment_opts}
end

"""
    shmhub_dict_opts_init(opts, size)

Sets `opts` to the defaults (for languages that cannot expand `SHMHUB_DICT_OPTS_INIT`).

# Arguments
* `opts`: The struct to fill.
* `size`: `sizeof` it as the caller knows it (at least 8).

# Returns
`SHMHUB_OK` or `SHMHUB_E_INVALID`.

Thread-safe. Since 1.1.

### Prototype
```c
shmhub_status shmhub_dict_opts_init(shmhub_dict_opts *opts, size_t size);
```
"""
function shmhub_dict_opts_init(opts, size)
    ccall((:shmhub_dict_opts_init, libshmhub), shmhub_status, (Ptr{shmhub_dict_opts}, Csize_t), opts, size)
end

"""
    shmhub_dict_create(name, opts, out)

Creates an empty dictionary.

# Arguments
* `name`: Segment name (see shmhub_segment_create()).
* `opts`: NULL for defaults.
* `out` (out): The handle. **owned** release with shmhub_dict_close().

# Returns
`SHMHUB_OK`, `SHMHUB_E_INVALID` (bad capacity or value_bytes), or any error of shmhub_segment_create().

Thread-safe. Since 1.1.

### Prototype
```c
shmhub_status shmhub_dict_create(const char *name, const shmhub_dict_opts *opts, shmhub_dict **out);
```
"""
function shmhub_dict_create(name, opts, out)
    ccall((:shmhub_dict_create, libshmhub), shmhub_status, (Cstring, Ptr{shmhub_dict_opts}, Ptr{Ptr{shmhub_dict}}), name, opts, out)
end

"""
    shmhub_dict_open(name, opts, out)

Opens an existing dictionary.

# Arguments
* `name`: The dictionary's segment name.
* `opts`: NULL for defaults.
* `out` (out): The handle. **owned** release with shmhub_dict_close().

# Returns
`SHMHUB_OK`, `SHMHUB_E_WRONG_KIND` (not a dictionary), `SHMHUB_E_CORRUPT`, or any error of shmhub_segment_open().

Thread-safe. Since 1.1.

### Prototype
```c
shmhub_status shmhub_dict_open(const char *name, const shmhub_dict_opts *opts, shmhub_dict **out);
```
"""
function shmhub_dict_open(name, opts, out)
    ccall((:shmhub_dict_open, libshmhub), shmhub_status, (Cstring, Ptr{shmhub_dict_opts}, Ptr{Ptr{shmhub_dict}}), name, opts, out)
end

"""
    shmhub_dict_close(dict)

Closes a dictionary handle. NULL is ignored. Never unlinks unless the segment options said `SHMHUB_UNLINK_ON_CLOSE`.

Since 1.1.

### Prototype
```c
void shmhub_dict_close(shmhub_dict *dict);
```
"""
function shmhub_dict_close(dict)
    ccall((:shmhub_dict_close, libshmhub), Cvoid, (Ptr{shmhub_dict},), dict)
end

"""
    shmhub_dict_set(dict, key, type_, value, nbytes)

Sets `key` to a value of type `type`, copied from `value`.

# Arguments
* `dict`: The dictionary.
* `key`: 1 to `SHMHUB_MAX_KEY` bytes of UTF-8, NUL-terminated.
* `type`: A `shmhub_value_type_code`; `SHMHUB_VALUE_I64` and `SHMHUB_VALUE_F64` need 8 bytes, `SHMHUB_VALUE_STR` valid UTF-8, `SHMHUB_VALUE_NDARRAY` a header that matches `nbytes`.
* `value`: The bytes (may be NULL when `nbytes` is 0).
* `nbytes`: Their size.

# Returns
`SHMHUB_OK`, `SHMHUB_E_INVALID` (bad key, type or value), `SHMHUB_E_FULL` (no room for another key or for the value), `SHMHUB_E_READ_ONLY`, `SHMHUB_E_TIMEOUT` (lock), `SHMHUB_E_CORRUPT`.

Thread-safe. Since 1.1.

### Prototype
```c
shmhub_status shmhub_dict_set(shmhub_dict *dict, const char *key, uint32_t type, const void *value, size_t nbytes);
```
"""
function shmhub_dict_set(dict, key, type_, value, nbytes)
    ccall((:shmhub_dict_set, libshmhub), shmhub_status, (Ptr{shmhub_dict}, Cstring, UInt32, Ptr{Cvoid}, Csize_t), dict, key, type_, value, nbytes)
end

"""
    shmhub_dict_get(dict, key, type_, dst, capacity, nbytes)

Copies the value of `key` into `dst`; never torn.

# Arguments
* `dict`: The dictionary.
* `key`: The key.
* `type` (out): The value's `shmhub_value_type_code` (may be NULL).
* `dst`: Where to copy the value (may be NULL when `capacity` is 0).
* `capacity`: Bytes available at `dst`.
* `nbytes` (out): The value's size (may be NULL); set also when the call fails with `SHMHUB_E_SIZE`, to the size needed.

# Returns
`SHMHUB_OK`, `SHMHUB_E_NOT_FOUND` (no such key), `SHMHUB_E_SIZE` (`capacity` too small), `SHMHUB_E_INVALID`, `SHMHUB_E_TIMEOUT` (lock), `SHMHUB_E_CORRUPT`.

Thread-safe. Since 1.1.

### Prototype
```c
shmhub_status shmhub_dict_get(shmhub_dict *dict, const char *key, uint32_t *type, void *dst, size_t capacity, size_t *nbytes);
```
"""
function shmhub_dict_get(dict, key, type_, dst, capacity, nbytes)
    ccall((:shmhub_dict_get, libshmhub), shmhub_status, (Ptr{shmhub_dict}, Cstring, Ptr{UInt32}, Ptr{Cvoid}, Csize_t, Ptr{Csize_t}), dict, key, type_, dst, capacity, nbytes)
end

"""
    shmhub_dict_delete(dict, key)

Removes `key`.

# Returns
`SHMHUB_OK`, `SHMHUB_E_NOT_FOUND`, `SHMHUB_E_INVALID`, `SHMHUB_E_READ_ONLY`, `SHMHUB_E_TIMEOUT`, `SHMHUB_E_CORRUPT`.

Thread-safe. Since 1.1.

### Prototype
```c
shmhub_status shmhub_dict_delete(shmhub_dict *dict, const char *key);
```
"""
function shmhub_dict_delete(dict, key)
    ccall((:shmhub_dict_delete, libshmhub), shmhub_status, (Ptr{shmhub_dict}, Cstring), dict, key)
end

"""
    shmhub_dict_contains(dict, key)

Whether `key` is present.

# Returns
`SHMHUB_OK` (present), `SHMHUB_E_NOT_FOUND` (absent), `SHMHUB_E_INVALID`, `SHMHUB_E_TIMEOUT`, `SHMHUB_E_CORRUPT`.

Thread-safe. Since 1.1.

### Prototype
```c
shmhub_status shmhub_dict_contains(shmhub_dict *dict, const char *key);
```
"""
function shmhub_dict_contains(dict, key)
    ccall((:shmhub_dict_contains, libshmhub), shmhub_status, (Ptr{shmhub_dict}, Cstring), dict, key)
end

"""
    shmhub_dict_len(dict)

Number of keys (0 for NULL).

Thread-safe. Since 1.1.

### Prototype
```c
uint64_t shmhub_dict_len(const shmhub_dict *dict);
```
"""
function shmhub_dict_len(dict)
    ccall((:shmhub_dict_len, libshmhub), UInt64, (Ptr{shmhub_dict},), dict)
end

"""
    shmhub_dict_clear(dict)

Removes every key.

# Returns
`SHMHUB_OK`, `SHMHUB_E_INVALID`, `SHMHUB_E_READ_ONLY`, `SHMHUB_E_TIMEOUT`.

Thread-safe. Since 1.1.

### Prototype
```c
shmhub_status shmhub_dict_clear(shmhub_dict *dict);
```
"""
function shmhub_dict_clear(dict)
    ccall((:shmhub_dict_clear, libshmhub), shmhub_status, (Ptr{shmhub_dict},), dict)
end

"""
    shmhub_dict_keys(dict, out)

A sorted snapshot of the keys, read with shmhub_list_count() and shmhub_list_name().

# Arguments
* `dict`: The dictionary.
* `out` (out): The list. **owned** release with shmhub_list_close().

# Returns
`SHMHUB_OK`, `SHMHUB_E_INVALID`, `SHMHUB_E_NO_MEMORY`, `SHMHUB_E_TIMEOUT`, `SHMHUB_E_CORRUPT`.

Thread-safe. Since 1.1.

### Prototype
```c
shmhub_status shmhub_dict_keys(shmhub_dict *dict, shmhub_list **out);
```
"""
function shmhub_dict_keys(dict, out)
    ccall((:shmhub_dict_keys, libshmhub), shmhub_status, (Ptr{shmhub_dict}, Ptr{Ptr{shmhub_list}}), dict, out)
end

"""
    shmhub_dict_add_i64(dict, key, delta, new_value)

Atomically adds `delta` to the `SHMHUB_VALUE_I64` counter `key` (a missing key starts at 0; the sum wraps around in two's complement).

# Arguments
* `dict`: The dictionary.
* `key`: The key.
* `delta`: What to add.
* `new_value` (out): The value after the addition (may be NULL).

# Returns
`SHMHUB_OK`, `SHMHUB_E_INVALID` (bad key, or the key holds another type), `SHMHUB_E_FULL`, `SHMHUB_E_READ_ONLY`, `SHMHUB_E_TIMEOUT`, `SHMHUB_E_CORRUPT`.

Thread-safe. Since 1.1.

### Prototype
```c
shmhub_status shmhub_dict_add_i64(shmhub_dict *dict, const char *key, int64_t delta, int64_t *new_value);
```
"""
function shmhub_dict_add_i64(dict, key, delta, new_value)
    ccall((:shmhub_dict_add_i64, libshmhub), shmhub_status, (Ptr{shmhub_dict}, Cstring, Int64, Ptr{Int64}), dict, key, delta, new_value)
end

"""
    shmhub_dict_cas_i64(dict, key, expected, desired, actual)

Atomically sets the `SHMHUB_VALUE_I64` value of `key` to `desired` if it equals `expected`. The swap happened exactly when `*actual == expected` afterwards.

# Arguments
* `dict`: The dictionary.
* `key`: The key.
* `expected`: The value to compare with.
* `desired`: The value to store on a match.
* `actual` (out): The value found (may be NULL).

# Returns
`SHMHUB_OK` (swapped or not), `SHMHUB_E_NOT_FOUND`, `SHMHUB_E_INVALID` (another type), `SHMHUB_E_READ_ONLY`, `SHMHUB_E_TIMEOUT`, `SHMHUB_E_CORRUPT`.

Thread-safe. Since 1.1.

### Prototype
```c
shmhub_status shmhub_dict_cas_i64(shmhub_dict *dict, const char *key, int64_t expected, int64_t desired, int64_t *actual);
```
"""
function shmhub_dict_cas_i64(dict, key, expected, desired, actual)
    ccall((:shmhub_dict_cas_i64, libshmhub), shmhub_status, (Ptr{shmhub_dict}, Cstring, Int64, Int64, Ptr{Int64}), dict, key, expected, desired, actual)
end

"""
    shmhub_dict_get_i64(dict, key, value)

Reads the `SHMHUB_VALUE_I64` value of `key`.

# Arguments
* `dict`: The dictionary.
* `key`: The key.
* `value` (out): The value.

# Returns
`SHMHUB_OK`, `SHMHUB_E_NOT_FOUND`, `SHMHUB_E_INVALID` (another type), `SHMHUB_E_TIMEOUT`, `SHMHUB_E_CORRUPT`.

Thread-safe. Since 1.1.

### Prototype
```c
shmhub_status shmhub_dict_get_i64(shmhub_dict *dict, const char *key, int64_t *value);
```
"""
function shmhub_dict_get_i64(dict, key, value)
    ccall((:shmhub_dict_get_i64, libshmhub), shmhub_status, (Ptr{shmhub_dict}, Cstring, Ptr{Int64}), dict, key, value)
end

"""
    shmhub_dict_set_i64(dict, key, value)

Sets `key` to the `SHMHUB_VALUE_I64` `value`.

# Returns
As shmhub_dict_set().

Thread-safe. Since 1.1.

### Prototype
```c
shmhub_status shmhub_dict_set_i64(shmhub_dict *dict, const char *key, int64_t value);
```
"""
function shmhub_dict_set_i64(dict, key, value)
    ccall((:shmhub_dict_set_i64, libshmhub), shmhub_status, (Ptr{shmhub_dict}, Cstring, Int64), dict, key, value)
end

"""
    shmhub_dict_set_f64(dict, key, value)

Sets `key` to the `SHMHUB_VALUE_F64` `value`.

# Returns
As shmhub_dict_set().

Thread-safe. Since 1.1.

### Prototype
```c
shmhub_status shmhub_dict_set_f64(shmhub_dict *dict, const char *key, double value);
```
"""
function shmhub_dict_set_f64(dict, key, value)
    ccall((:shmhub_dict_set_f64, libshmhub), shmhub_status, (Ptr{shmhub_dict}, Cstring, Cdouble), dict, key, value)
end

"""
    shmhub_dict_get_f64(dict, key, value)

Reads the `SHMHUB_VALUE_F64` value of `key`.

# Arguments
* `dict`: The dictionary.
* `key`: The key.
* `value` (out): The value.

# Returns
As shmhub_dict_get_i64().

Thread-safe. Since 1.1.

### Prototype
```c
shmhub_status shmhub_dict_get_f64(shmhub_dict *dict, const char *key, double *value);
```
"""
function shmhub_dict_get_f64(dict, key, value)
    ccall((:shmhub_dict_get_f64, libshmhub), shmhub_status, (Ptr{shmhub_dict}, Cstring, Ptr{Cdouble}), dict, key, value)
end

"""
    shmhub_dict_capacity(dict)

Most keys, fixed at create.

Thread-safe. Since 1.1.

### Prototype
```c
uint32_t shmhub_dict_capacity(const shmhub_dict *dict);
```
"""
function shmhub_dict_capacity(dict)
    ccall((:shmhub_dict_capacity, libshmhub), UInt32, (Ptr{shmhub_dict},), dict)
end

"""
    shmhub_dict_value_bytes(dict)

Bytes for keys and values, fixed at create.

Thread-safe. Since 1.1.

### Prototype
```c
uint64_t shmhub_dict_value_bytes(const shmhub_dict *dict);
```
"""
function shmhub_dict_value_bytes(dict)
    ccall((:shmhub_dict_value_bytes, libshmhub), UInt64, (Ptr{shmhub_dict},), dict)
end

"""
    shmhub_dict_bytes_used(dict)

Bytes of keys and values in use (entry headers included).

Thread-safe. Since 1.1.

### Prototype
```c
uint64_t shmhub_dict_bytes_used(const shmhub_dict *dict);
```
"""
function shmhub_dict_bytes_used(dict)
    ccall((:shmhub_dict_bytes_used, libshmhub), UInt64, (Ptr{shmhub_dict},), dict)
end

"""
    shmhub_dict_writes(dict)

Number of writes (set, delete, add, cas, clear) since create.

Thread-safe. Since 1.1.

### Prototype
```c
uint64_t shmhub_dict_writes(const shmhub_dict *dict);
```
"""
function shmhub_dict_writes(dict)
    ccall((:shmhub_dict_writes, libshmhub), UInt64, (Ptr{shmhub_dict},), dict)
end

"""
    shmhub_dict_recoveries(dict)

How many times a caller recovered the lock from a dead process.

Thread-safe. Since 1.1.

### Prototype
```c
uint64_t shmhub_dict_recoveries(const shmhub_dict *dict);
```
"""
function shmhub_dict_recoveries(dict)
    ccall((:shmhub_dict_recoveries, libshmhub), UInt64, (Ptr{shmhub_dict},), dict)
end

"""
    shmhub_dict_segment(dict)

The underlying segment. **borrowed** valid until shmhub_dict_close().

Thread-safe. Since 1.1.

### Prototype
```c
const shmhub_segment *shmhub_dict_segment(const shmhub_dict *dict);
```
"""
function shmhub_dict_segment(dict)
    ccall((:shmhub_dict_segment, libshmhub), Ptr{shmhub_segment}, (Ptr{shmhub_dict},), dict)
end

"""An opaque handle to a memory pool."""
mutable struct shmhub_pool end

"""An opaque handle to one buffer of a pool, owned by the calling process."""
mutable struct shmhub_buffer end

"""
One size class: `count` buffers of `buffer_bytes` each.

# Fields
* `buffer_bytes`: Bytes per buffer (1 to 2^40).
* `count`: Buffers in the class (1 to 2^20).
* `reserved`: Must be 0.
"""
struct shmhub_pool_class
    buffer_bytes::UInt64
    count::UInt32
    reserved::UInt32
end

"""
Options for shmhub_pool_create() and shmhub_pool_open(); size-prefixed, append-only.

# Fields
* `size`: `sizeof(shmhub_pool_opts)` as the caller knows it.
* `nclasses`: Number of entries at `classes` (create; 1 to `SHMHUB_POOL_MAX_CLASSES`).
* `classes`: The size classes (create), in any order; copied.
* `segment`: Segment options (mode, dir, flags, open timeout), or NULL.
"""
struct shmhub_pool_opts
    size::UInt32
    nclasses::UInt32
    classes::Ptr{shmhub_pool_class}
    segment::Ptr{shmhub_segment_opts}
end

"""
    shmhub_pool_opts_init(opts, size)

Sets `opts` to the defaults (for languages that cannot expand `SHMHUB_POOL_OPTS_INIT`).

# Arguments
* `opts`: The struct to fill.
* `size`: `sizeof` it as the caller knows it (at least 8).

# Returns
`SHMHUB_OK` or `SHMHUB_E_INVALID`.

Thread-safe. Since 1.1.

### Prototype
```c
shmhub_status shmhub_pool_opts_init(shmhub_pool_opts *opts, size_t size);
```
"""
function shmhub_pool_opts_init(opts, size)
    ccall((:shmhub_pool_opts_init, libshmhub), shmhub_status, (Ptr{shmhub_pool_opts}, Csize_t), opts, size)
end

"""
Statistics of one size class; size-prefixed: set `size` before the call.

# Fields
* `size`: `sizeof(shmhub_pool_stats_info)` as the caller knows it.
* `count`: Buffers in the class.
* `buffer_bytes`: Bytes per buffer.
* `in_use`: Buffers owned by a process now.
* `free`: Buffers free now.
* `high_water`: Most buffers in use at once since create.
* `reserved`: 0.
* `reclaimed`: Buffers taken back from processes that died.
* `acquires`: Successful acquires since create.
"""
struct shmhub_pool_stats_info
    size::UInt32
    count::UInt32
    buffer_bytes::UInt64
    in_use::UInt32
    free::UInt32
    high_water::UInt32
    reserved::UInt32
    reclaimed::UInt64
    acquires::UInt64
end

"""
    shmhub_pool_create(name, opts, out)

Creates a pool with the size classes of `opts` (at least one).

# Arguments
* `name`: Segment name (see shmhub_segment_create()).
* `opts`: The classes and segment options.
* `out` (out): The handle. **owned** release with shmhub_pool_close().

# Returns
`SHMHUB_OK`, `SHMHUB_E_INVALID` (no or bad classes), or any error of shmhub_segment_create().

Thread-safe. Since 1.1.

### Prototype
```c
shmhub_status shmhub_pool_create(const char *name, const shmhub_pool_opts *opts, shmhub_pool **out);
```
"""
function shmhub_pool_create(name, opts, out)
    ccall((:shmhub_pool_create, libshmhub), shmhub_status, (Cstring, Ptr{shmhub_pool_opts}, Ptr{Ptr{shmhub_pool}}), name, opts, out)
end

"""
    shmhub_pool_open(name, opts, out)

Opens an existing pool (its classes are read from the segment).

# Arguments
* `name`: The pool's segment name.
* `opts`: NULL for defaults (only `segment` is used).
* `out` (out): The handle. **owned** release with shmhub_pool_close().

# Returns
`SHMHUB_OK`, `SHMHUB_E_WRONG_KIND`, `SHMHUB_E_CORRUPT`, or any error of shmhub_segment_open().

Thread-safe. Since 1.1.

### Prototype
```c
shmhub_status shmhub_pool_open(const char *name, const shmhub_pool_opts *opts, shmhub_pool **out);
```
"""
function shmhub_pool_open(name, opts, out)
    ccall((:shmhub_pool_open, libshmhub), shmhub_status, (Cstring, Ptr{shmhub_pool_opts}, Ptr{Ptr{shmhub_pool}}), name, opts, out)
end

"""
    shmhub_pool_close(pool)

Closes a pool handle. NULL is ignored. Buffers this process owns stay owned (another process may adopt them; they are reclaimed when this process dies); their handles must be released or closed first.

Since 1.1.

### Prototype
```c
void shmhub_pool_close(shmhub_pool *pool);
```
"""
function shmhub_pool_close(pool)
    ccall((:shmhub_pool_close, libshmhub), Cvoid, (Ptr{shmhub_pool},), pool)
end

"""
    shmhub_pool_acquire(pool, nbytes, timeout_ns, out)

Takes a free buffer of the smallest class whose buffers hold `nbytes`, waiting up to `timeout_ns` while that class is empty (buffers of dead processes are reclaimed first).

# Arguments
* `pool`: The pool.
* `nbytes`: Bytes needed (at least 1).
* `timeout_ns`: Nanoseconds to wait (negative: forever; 0: try once).
* `out` (out): The buffer. **owned** release with shmhub_pool_release() or shmhub_buffer_close().

# Returns
`SHMHUB_OK`, `SHMHUB_E_INVALID` (no class is big enough), `SHMHUB_E_TIMEOUT`, `SHMHUB_E_READ_ONLY`, `SHMHUB_E_NO_MEMORY`.

Thread-safe. Since 1.1.

### Prototype
```c
shmhub_status shmhub_pool_acquire(shmhub_pool *pool, size_t nbytes, int64_t timeout_ns, shmhub_buffer **out);
```
"""
function shmhub_pool_acquire(pool, nbytes, timeout_ns, out)
    ccall((:shmhub_pool_acquire, libshmhub), shmhub_status, (Ptr{shmhub_pool}, Csize_t, Int64, Ptr{Ptr{shmhub_buffer}}), pool, nbytes, timeout_ns, out)
end

"""
    shmhub_pool_release(pool, buf)

Gives a buffer back to the pool and frees its handle (`buf` is dead afterwards).

# Returns
`SHMHUB_OK`, `SHMHUB_E_INVALID` (NULL, or a buffer of another pool), `SHMHUB_E_BUSY` (the buffer was adopted by another process or reclaimed; the handle is freed anyway).

Thread-safe. Since 1.1.

### Prototype
```c
shmhub_status shmhub_pool_release(shmhub_pool *pool, shmhub_buffer *buf);
```
"""
function shmhub_pool_release(pool, buf)
    ccall((:shmhub_pool_release, libshmhub), shmhub_status, (Ptr{shmhub_pool}, Ptr{shmhub_buffer}), pool, buf)
end

"""
    shmhub_pool_adopt(pool, id, out)

Takes over a buffer another process handed over by its id (shmhub_buffer_id()); the calling process becomes its owner.

# Arguments
* `pool`: The pool.
* `id`: The buffer's id.
* `out` (out): The buffer. **owned** release with shmhub_pool_release() or shmhub_buffer_close().

# Returns
`SHMHUB_OK`, `SHMHUB_E_NOT_FOUND` (no buffer has that id now: never handed out, released or reclaimed since), `SHMHUB_E_INVALID`, `SHMHUB_E_READ_ONLY`, `SHMHUB_E_NO_MEMORY`.

Thread-safe. Since 1.1.

### Prototype
```c
shmhub_status shmhub_pool_adopt(shmhub_pool *pool, uint64_t id, shmhub_buffer **out);
```
"""
function shmhub_pool_adopt(pool, id, out)
    ccall((:shmhub_pool_adopt, libshmhub), shmhub_status, (Ptr{shmhub_pool}, UInt64, Ptr{Ptr{shmhub_buffer}}), pool, id, out)
end

"""
    shmhub_pool_reclaim(pool, count)

Returns to the pool every buffer whose owning process died.

# Arguments
* `pool`: The pool.
* `count` (out): How many were reclaimed (may be NULL).

# Returns
`SHMHUB_OK`, `SHMHUB_E_INVALID`, `SHMHUB_E_READ_ONLY`.

Thread-safe. Since 1.1.

### Prototype
```c
shmhub_status shmhub_pool_reclaim(shmhub_pool *pool, uint64_t *count);
```
"""
function shmhub_pool_reclaim(pool, count)
    ccall((:shmhub_pool_reclaim, libshmhub), shmhub_status, (Ptr{shmhub_pool}, Ptr{UInt64}), pool, count)
end

"""
    shmhub_pool_stats(pool, class_index, out)

Statistics of size class `class_index` (classes are sorted by buffer size).

# Arguments
* `pool`: The pool.
* `class_index`: 0 to shmhub_pool_nclasses() - 1.
* `out` (out): Filled up to its `size`.

# Returns
`SHMHUB_OK`, `SHMHUB_E_INVALID`, `SHMHUB_E_RANGE`.

Thread-safe. Since 1.1.

### Prototype
```c
shmhub_status shmhub_pool_stats(const shmhub_pool *pool, uint32_t class_index, shmhub_pool_stats_info *out);
```
"""
function shmhub_pool_stats(pool, class_index, out)
    ccall((:shmhub_pool_stats, libshmhub), shmhub_status, (Ptr{shmhub_pool}, UInt32, Ptr{shmhub_pool_stats_info}), pool, class_index, out)
end

"""
    shmhub_pool_nclasses(pool)

Number of size classes.

Thread-safe. Since 1.1.

### Prototype
```c
uint32_t shmhub_pool_nclasses(const shmhub_pool *pool);
```
"""
function shmhub_pool_nclasses(pool)
    ccall((:shmhub_pool_nclasses, libshmhub), UInt32, (Ptr{shmhub_pool},), pool)
end

"""
    shmhub_pool_segment(pool)

The underlying segment. **borrowed** valid until shmhub_pool_close().

Thread-safe. Since 1.1.

### Prototype
```c
const shmhub_segment *shmhub_pool_segment(const shmhub_pool *pool);
```
"""
function shmhub_pool_segment(pool)
    ccall((:shmhub_pool_segment, libshmhub), Ptr{shmhub_segment}, (Ptr{shmhub_pool},), pool)
end

"""
    shmhub_buffer_close(buf)

Frees a buffer handle without giving the buffer back: this process stays its owner (until shmhub_pool_adopt() by another, or its death). NULL is ignored.

Since 1.1.

### Prototype
```c
void shmhub_buffer_close(shmhub_buffer *buf);
```
"""
function shmhub_buffer_close(buf)
    ccall((:shmhub_buffer_close, libshmhub), Cvoid, (Ptr{shmhub_buffer},), buf)
end

"""
    shmhub_buffer_data(buf)

The buffer's memory: 64-byte aligned, shmhub_buffer_size() bytes. **borrowed** valid until shmhub_pool_release() or shmhub_buffer_close() on `buf`.

Thread-safe. Since 1.1.

### Prototype
```c
void *shmhub_buffer_data(const shmhub_buffer *buf);
```
"""
function shmhub_buffer_data(buf)
    ccall((:shmhub_buffer_data, libshmhub), Ptr{Cvoid}, (Ptr{shmhub_buffer},), buf)
end

"""
    shmhub_buffer_size(buf)

The buffer's size in bytes (its class's buffer size).

Thread-safe. Since 1.1.

### Prototype
```c
uint64_t shmhub_buffer_size(const shmhub_buffer *buf);
```
"""
function shmhub_buffer_size(buf)
    ccall((:shmhub_buffer_size, libshmhub), UInt64, (Ptr{shmhub_buffer},), buf)
end

"""
    shmhub_buffer_id(buf)

The buffer's id, for shmhub_pool_adopt() in another process (0 for NULL).

Thread-safe. Since 1.1.

### Prototype
```c
uint64_t shmhub_buffer_id(const shmhub_buffer *buf);
```
"""
function shmhub_buffer_id(buf)
    ccall((:shmhub_buffer_id, libshmhub), UInt64, (Ptr{shmhub_buffer},), buf)
end

# 131 functions wrapped.

end # module LibShmHub
