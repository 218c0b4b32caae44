# LibShmHubCuda.jl: generated from abi/shmhub_cuda.h by bindings/julia/gen/generate.py — do not edit.
# Regenerate with `make julia-bindings`; `make test-julia` checks it against the header.
#
# Enums are plain typed constants (no CEnum.jl dependency): `const shmhub_status_code = Int32`
# and `const SHMHUB_E_NOT_FOUND = shmhub_status_code(-2)`. Integer macros are constants of the
# C type the compiler gives them (`1` is Int32, `0x1u` is UInt32).
module LibShmHubCuda

import ..LibShmHub: shmhub_dtype, shmhub_frame_info, shmhub_segment, shmhub_segment_opts, shmhub_status

"""The shared library ccall loads: `ENV["SHMHUB_CUDA_LIB"]` when set, else `libshmhub_cuda.so.1`."""
const libshmhub_cuda = get(ENV, "SHMHUB_CUDA_LIB", "libshmhub_cuda.so.1")

"""Version of the CUDA library's API as one number (same scheme as `SHMHUB_VERSION_NUMBER`)."""
const SHMHUB_CUDA_VERSION_NUMBER = Int32(10100)

"""Flag (create): keep a CPU mirror, the normal stream `NAME.cpu`, in step with every write."""
const SHMHUB_GPU_MIRROR = UInt32(1)  # 0x1u

"""Handle type stored per frame: a legacy `cudaIpcMemHandle_t` (64 bytes)."""
const SHMHUB_GPU_HANDLE_CUDA_IPC = UInt32(1)  # 1u

"""Most frames a GPU stream may hold."""
const SHMHUB_GPU_MAX_SLOTS = Int32(64)

"""Flag: register read-only (`cudaHostRegisterReadOnly`); implied for read-only handles."""
const SHMHUB_CUDA_REGISTER_READ_ONLY = UInt32(1)  # 0x1u

"""
    shmhub_cuda_version_number()

The CUDA library's `SHMHUB_CUDA_VERSION_NUMBER` as it was built.

Thread-safe. Since 1.1.

### Prototype
```c
uint32_t shmhub_cuda_version_number(void);
```
"""
function shmhub_cuda_version_number()
    ccall((:shmhub_cuda_version_number, libshmhub_cuda), UInt32, ())
end

"""
    shmhub_cuda_check_version(header_version)

Header/library agreement check for the CUDA library (same rule as shmhub_check_version()).

# Arguments
* `header_version`: The caller's `SHMHUB_CUDA_VERSION_NUMBER`.

# Returns
`SHMHUB_OK`, or `SHMHUB_E_VERSION` with a message giving both versions.

Thread-safe. Since 1.1.

### Prototype
```c
shmhub_status shmhub_cuda_check_version(uint32_t header_version);
```
"""
function shmhub_cuda_check_version(header_version)
    ccall((:shmhub_cuda_check_version, libshmhub_cuda), shmhub_status, (UInt32,), header_version)
end

"""
    shmhub_cuda_last_error()

The message of the last failed `shmhub_gpu_*` or `shmhub_cuda_*` call on this thread.

# Returns
A thread-local string, never NULL. **borrowed** valid until the next call into the CUDA library on this thread.

Thread-safe. Since 1.1.

### Prototype
```c
const char *shmhub_cuda_last_error(void);
```
"""
function shmhub_cuda_last_error()
    ccall((:shmhub_cuda_last_error, libshmhub_cuda), Ptr{Cchar}, ())
end

"""
    shmhub_cuda_device_count()

Number of CUDA devices this process sees (0 without a driver or a GPU).

# Returns
The count; never fails (the reason for 0 is in shmhub_cuda_last_error()).

Thread-safe. Since 1.1.

### Prototype
```c
int32_t shmhub_cuda_device_count(void);
```
"""
function shmhub_cuda_device_count()
    ccall((:shmhub_cuda_device_count, libshmhub_cuda), Int32, ())
end

"""An opaque handle to a GPU stream (a segment of kind `SHMHUB_KIND_GPU_STREAM`)."""
mutable struct shmhub_gpu_stream end

"""
Options for shmhub_gpu_stream_create() and shmhub_gpu_stream_open(); size-prefixed, append-only.

# Fields
* `size`: `sizeof(shmhub_gpu_stream_opts)` as the caller knows it.
* `slots`: Frames in the ring (create; 2 to `SHMHUB_GPU_MAX_SLOTS`, default 3).
* `flags`: `SHMHUB_GPU_MIRROR` or 0 (create).
* `reserved`: Must be 0.
* `close_timeout_ns`: How long the creator's close waits for importers to close (default 5 s).
* `segment`: Segment options (mode, dir, flags, open timeout), or NULL.
"""
struct shmhub_gpu_stream_opts
    size::UInt32
    slots::UInt32
    flags::UInt32
    reserved::UInt32
    close_timeout_ns::Int64
    segment::Ptr{shmhub_segment_opts}
end

"""
    shmhub_gpu_stream_opts_init(opts, size)

Sets `opts` to the defaults (for languages that cannot expand `SHMHUB_GPU_STREAM_OPTS_INIT`).

# Arguments
* `opts`: The struct to fill.
* `size`: `sizeof` it as the caller knows it (at least 8).

# Returns
`SHMHUB_OK` or `SHMHUB_E_INVALID`.

Thread-safe. Since 1.1.

### Prototype
```c
shmhub_status shmhub_gpu_stream_opts_init(shmhub_gpu_stream_opts *opts, size_t size);
```
"""
function shmhub_gpu_stream_opts_init(opts, size)
    ccall((:shmhub_gpu_stream_opts_init, libshmhub_cuda), shmhub_status, (Ptr{shmhub_gpu_stream_opts}, Csize_t), opts, size)
end

"""
    shmhub_gpu_stream_create(name, dtype, ndim, shape, device, opts, out)

Creates a GPU stream: allocates `slots` device frames (one `cudaMalloc` each, base pointers) on `device` and publishes their IPC memory and event handles in a new segment.

The creating process owns the device memory: its handle's close waits (up to shmhub_gpu_stream_opts::close_timeout_ns) for the processes that imported the frames to close theirs before it frees them, and readers of a stream whose creator closed or died get `SHMHUB_E_PEER_DEAD`. With `SHMHUB_GPU_MIRROR` the normal stream `NAME.cpu` (same dtype, shape and slots) is created too and every write copies the frame into it.

# Arguments
* `name`: Segment name (see shmhub_segment_create()).
* `dtype`: A valid `shmhub_dtype`.
* `ndim`: 0 to `SHMHUB_MAX_NDIM`.
* `shape`: `ndim` extents; a frame must hold at least one byte.
* `device`: The CUDA device ordinal, as this process numbers its devices.
* `opts`: NULL for defaults.
* `out` (out): The handle. **owned** release with shmhub_gpu_stream_close().

# Returns
`SHMHUB_OK`, `SHMHUB_E_INVALID` (bad argument, no such device), `SHMHUB_E_NO_MEMORY` (device memory), `SHMHUB_E_IO` (another CUDA error; the message names the call), or any error of shmhub_segment_create().

Thread-safe. Since 1.1.

### Prototype
```c
shmhub_status shmhub_gpu_stream_create(const char *name, shmhub_dtype dtype, uint32_t ndim, const uint64_t *shape, int32_t device, const shmhub_gpu_stream_opts *opts, shmhub_gpu_stream **out);
```
"""
function shmhub_gpu_stream_create(name, dtype, ndim, shape, device, opts, out)
    ccall((:shmhub_gpu_stream_create, libshmhub_cuda), shmhub_status, (Cstring, shmhub_dtype, UInt32, Ptr{UInt64}, Int32, Ptr{shmhub_gpu_stream_opts}, Ptr{Ptr{shmhub_gpu_stream}}), name, dtype, ndim, shape, device, opts, out)
end

"""
    shmhub_gpu_stream_open(name, opts, out)

Opens a GPU stream by name and imports its frames on the device with the creator's UUID (whatever ordinal this process gives it).

Imports happen once per process and segment: a second open in the same process (or in the creating process) shares the first one's mappings; the last close releases them. The handle's cursor starts at the newest committed frame.

# Arguments
* `name`: The segment name.
* `opts`: NULL for defaults (slots and flags are read from the segment).
* `out` (out): The handle. **owned** release with shmhub_gpu_stream_close().

# Returns
`SHMHUB_OK`, `SHMHUB_E_WRONG_KIND`, `SHMHUB_E_CORRUPT` (a bad descriptor), `SHMHUB_E_NOT_FOUND` (no local device has the creator's UUID), `SHMHUB_E_PEER_DEAD` (the creator closed or died), `SHMHUB_E_BUSY` (too many importing processes), `SHMHUB_E_IO` (a CUDA call failed), or any error of shmhub_segment_open().

Thread-safe. Since 1.1.

### Prototype
```c
shmhub_status shmhub_gpu_stream_open(const char *name, const shmhub_gpu_stream_opts *opts, shmhub_gpu_stream **out);
```
"""
function shmhub_gpu_stream_open(name, opts, out)
    ccall((:shmhub_gpu_stream_open, libshmhub_cuda), shmhub_status, (Cstring, Ptr{shmhub_gpu_stream_opts}, Ptr{Ptr{shmhub_gpu_stream}}), name, opts, out)
end

"""
    shmhub_gpu_stream_close(stream)

Closes a handle. NULL is ignored. The last handle of a process on a stream releases the imported mappings; the creator's handle waits for importers, then frees the device frames.

Since 1.1.

### Prototype
```c
void shmhub_gpu_stream_close(shmhub_gpu_stream *stream);
```
"""
function shmhub_gpu_stream_close(stream)
    ccall((:shmhub_gpu_stream_close, libshmhub_cuda), Cvoid, (Ptr{shmhub_gpu_stream},), stream)
end

"""
    shmhub_gpu_stream_write_device(stream, src, nbytes, cuda_stream)

Publishes one frame copied from device memory `src`, ordered on CUDA stream `cuda_stream`: the copy waits (on the GPU) for earlier reads of the slot, and the slot's interprocess event is recorded after it, so readers in any process see the frame only once it is written. Returns without waiting for the GPU (except with `SHMHUB_GPU_MIRROR`, which copies the frame to the host mirror and waits for that copy).

# Arguments
* `stream`: The GPU stream.
* `src`: Device memory of shmhub_gpu_stream_frame_nbytes() bytes, valid on the stream's device.
* `nbytes`: Must equal shmhub_gpu_stream_frame_nbytes().
* `cuda_stream`: A `cudaStream_t` of this process (NULL: the legacy default stream).

# Returns
`SHMHUB_OK`, `SHMHUB_E_INVALID`, `SHMHUB_E_SIZE`, `SHMHUB_E_READ_ONLY`, `SHMHUB_E_BUSY` (another live process is the writer), `SHMHUB_E_PEER_DEAD` (the creator closed or died), `SHMHUB_E_IO` (a CUDA call failed).

Thread-safe. Since 1.1.

### Prototype
```c
shmhub_status shmhub_gpu_stream_write_device(shmhub_gpu_stream *stream, const void *src, size_t nbytes, void *cuda_stream);
```
"""
function shmhub_gpu_stream_write_device(stream, src, nbytes, cuda_stream)
    ccall((:shmhub_gpu_stream_write_device, libshmhub_cuda), shmhub_status, (Ptr{shmhub_gpu_stream}, Ptr{Cvoid}, Csize_t, Ptr{Cvoid}), stream, src, nbytes, cuda_stream)
end

"""
    shmhub_gpu_stream_read_latest_device(stream, dst, nbytes, cuda_stream, info)

Copies the newest committed frame into device memory `dst`, ordered on `cuda_stream` after the frame's \"written\" event (no host synchronisation), and moves the cursor to it.

With one reading stream at a time the copy is never torn: the writer's next overwrite of the slot waits for this copy on the GPU. With several readers, call shmhub_gpu_stream_validate() with `info` once `cuda_stream` has finished the copy.

# Arguments
* `stream`: The GPU stream.
* `dst`: Device memory of shmhub_gpu_stream_frame_nbytes() bytes.
* `nbytes`: Must equal shmhub_gpu_stream_frame_nbytes().
* `cuda_stream`: A `cudaStream_t` of this process (NULL: the legacy default stream).
* `info`: NULL, or filled with the frame's sequence number, timestamp and missed count.

# Returns
`SHMHUB_OK`, `SHMHUB_E_INVALID`, `SHMHUB_E_EMPTY`, `SHMHUB_E_SIZE`, `SHMHUB_E_BUSY` (the writer lapped the reader 1000 times in a row), `SHMHUB_E_PEER_DEAD`, `SHMHUB_E_IO`.

Thread-safe. Since 1.1.

### Prototype
```c
shmhub_status shmhub_gpu_stream_read_latest_device(shmhub_gpu_stream *stream, void *dst, size_t nbytes, void *cuda_stream, shmhub_frame_info *info);
```
"""
function shmhub_gpu_stream_read_latest_device(stream, dst, nbytes, cuda_stream, info)
    ccall((:shmhub_gpu_stream_read_latest_device, libshmhub_cuda), shmhub_status, (Ptr{shmhub_gpu_stream}, Ptr{Cvoid}, Csize_t, Ptr{Cvoid}, Ptr{shmhub_frame_info}), stream, dst, nbytes, cuda_stream, info)
end

"""
    shmhub_gpu_stream_peek_device(stream, frame, cuda_stream, info)

Zero-copy read: points `frame` at the newest frame's device memory and makes `cuda_stream` wait (on the GPU) until it is written. The writer may overwrite it later: call shmhub_gpu_stream_validate() once the work on it has finished.

# Arguments
* `stream`: The GPU stream.
* `frame` (out): Device pointer. **borrowed** valid (as memory) until shmhub_gpu_stream_close(); its contents are trustworthy only if shmhub_gpu_stream_validate() succeeds afterwards.
* `cuda_stream`: A `cudaStream_t` of this process (NULL: the legacy default stream).
* `info`: NULL, or filled with the frame's sequence number and timestamp.

# Returns
`SHMHUB_OK`, `SHMHUB_E_INVALID`, `SHMHUB_E_EMPTY`, `SHMHUB_E_BUSY`, `SHMHUB_E_PEER_DEAD`, `SHMHUB_E_IO`.

Thread-safe. Since 1.1.

### Prototype
```c
shmhub_status shmhub_gpu_stream_peek_device(shmhub_gpu_stream *stream, void **frame, void *cuda_stream, shmhub_frame_info *info);
```
"""
function shmhub_gpu_stream_peek_device(stream, frame, cuda_stream, info)
    ccall((:shmhub_gpu_stream_peek_device, libshmhub_cuda), shmhub_status, (Ptr{shmhub_gpu_stream}, Ptr{Ptr{Cvoid}}, Ptr{Cvoid}, Ptr{shmhub_frame_info}), stream, frame, cuda_stream, info)
end

"""
    shmhub_gpu_stream_validate(stream, info)

Checks that the frame described by `info` (from a read or a peek) has not been overwritten, nor begun to be, since.

# Returns
`SHMHUB_OK`, `SHMHUB_E_INVALID` (NULL argument), `SHMHUB_E_OVERWRITTEN`.

Thread-safe. Since 1.1.

### Prototype
```c
shmhub_status shmhub_gpu_stream_validate(const shmhub_gpu_stream *stream, const shmhub_frame_info *info);
```
"""
function shmhub_gpu_stream_validate(stream, info)
    ccall((:shmhub_gpu_stream_validate, libshmhub_cuda), shmhub_status, (Ptr{shmhub_gpu_stream}, Ptr{shmhub_frame_info}), stream, info)
end

"""
    shmhub_gpu_stream_wait(stream, timeout_ns)

Waits on the host until a frame newer than the handle's cursor is committed.

# Arguments
* `stream`: The GPU stream.
* `timeout_ns`: Nanoseconds (negative: forever; 0: do not wait).

# Returns
`SHMHUB_OK`, `SHMHUB_E_INVALID`, `SHMHUB_E_TIMEOUT`, `SHMHUB_E_PEER_DEAD`.

Thread-safe. Since 1.1.

### Prototype
```c
shmhub_status shmhub_gpu_stream_wait(shmhub_gpu_stream *stream, int64_t timeout_ns);
```
"""
function shmhub_gpu_stream_wait(stream, timeout_ns)
    ccall((:shmhub_gpu_stream_wait, libshmhub_cuda), shmhub_status, (Ptr{shmhub_gpu_stream}, Int64), stream, timeout_ns)
end

"""
    shmhub_gpu_stream_count(stream)

Number of committed frames (the newest sequence number; 0 for NULL).

Thread-safe. Since 1.1.

### Prototype
```c
uint64_t shmhub_gpu_stream_count(const shmhub_gpu_stream *stream);
```
"""
function shmhub_gpu_stream_count(stream)
    ccall((:shmhub_gpu_stream_count, libshmhub_cuda), UInt64, (Ptr{shmhub_gpu_stream},), stream)
end

"""
    shmhub_gpu_stream_slots(stream)

Frames in the ring (0 for NULL).

Thread-safe. Since 1.1.

### Prototype
```c
uint32_t shmhub_gpu_stream_slots(const shmhub_gpu_stream *stream);
```
"""
function shmhub_gpu_stream_slots(stream)
    ccall((:shmhub_gpu_stream_slots, libshmhub_cuda), UInt32, (Ptr{shmhub_gpu_stream},), stream)
end

"""
    shmhub_gpu_stream_dtype(stream)

The frames' dtype (0 for NULL).

Thread-safe. Since 1.1.

### Prototype
```c
shmhub_dtype shmhub_gpu_stream_dtype(const shmhub_gpu_stream *stream);
```
"""
function shmhub_gpu_stream_dtype(stream)
    ccall((:shmhub_gpu_stream_dtype, libshmhub_cuda), shmhub_dtype, (Ptr{shmhub_gpu_stream},), stream)
end

"""
    shmhub_gpu_stream_ndim(stream)

The frames' number of dimensions (0 for NULL).

Thread-safe. Since 1.1.

### Prototype
```c
uint32_t shmhub_gpu_stream_ndim(const shmhub_gpu_stream *stream);
```
"""
function shmhub_gpu_stream_ndim(stream)
    ccall((:shmhub_gpu_stream_ndim, libshmhub_cuda), UInt32, (Ptr{shmhub_gpu_stream},), stream)
end

"""
    shmhub_gpu_stream_shape(stream)

The frames' extents. **borrowed** valid until shmhub_gpu_stream_close().

Thread-safe. Since 1.1.

### Prototype
```c
const uint64_t *shmhub_gpu_stream_shape(const shmhub_gpu_stream *stream);
```
"""
function shmhub_gpu_stream_shape(stream)
    ccall((:shmhub_gpu_stream_shape, libshmhub_cuda), Ptr{UInt64}, (Ptr{shmhub_gpu_stream},), stream)
end

"""
    shmhub_gpu_stream_frame_nbytes(stream)

Bytes per frame (0 for NULL).

Thread-safe. Since 1.1.

### Prototype
```c
uint64_t shmhub_gpu_stream_frame_nbytes(const shmhub_gpu_stream *stream);
```
"""
function shmhub_gpu_stream_frame_nbytes(stream)
    ccall((:shmhub_gpu_stream_frame_nbytes, libshmhub_cuda), UInt64, (Ptr{shmhub_gpu_stream},), stream)
end

"""
    shmhub_gpu_stream_device(stream)

This process's ordinal of the stream's device (-1 for NULL).

Thread-safe. Since 1.1.

### Prototype
```c
int32_t shmhub_gpu_stream_device(const shmhub_gpu_stream *stream);
```
"""
function shmhub_gpu_stream_device(stream)
    ccall((:shmhub_gpu_stream_device, libshmhub_cuda), Int32, (Ptr{shmhub_gpu_stream},), stream)
end

"""
    shmhub_gpu_stream_is_creator(stream)

1 if this handle created the stream (and owns its device memory), else 0.

Thread-safe. Since 1.1.

### Prototype
```c
int32_t shmhub_gpu_stream_is_creator(const shmhub_gpu_stream *stream);
```
"""
function shmhub_gpu_stream_is_creator(stream)
    ccall((:shmhub_gpu_stream_is_creator, libshmhub_cuda), Int32, (Ptr{shmhub_gpu_stream},), stream)
end

"""
    shmhub_gpu_stream_importers(stream)

Number of live processes other than the creator that imported the frames.

Thread-safe. Since 1.1.

### Prototype
```c
uint32_t shmhub_gpu_stream_importers(const shmhub_gpu_stream *stream);
```
"""
function shmhub_gpu_stream_importers(stream)
    ccall((:shmhub_gpu_stream_importers, libshmhub_cuda), UInt32, (Ptr{shmhub_gpu_stream},), stream)
end

"""
    shmhub_gpu_stream_mirror_name(stream)

Name of the CPU mirror stream (`NAME.cpu`), or NULL when the stream has none. **borrowed** valid until shmhub_gpu_stream_close().

Thread-safe. Since 1.1.

### Prototype
```c
const char *shmhub_gpu_stream_mirror_name(const shmhub_gpu_stream *stream);
```
"""
function shmhub_gpu_stream_mirror_name(stream)
    ccall((:shmhub_gpu_stream_mirror_name, libshmhub_cuda), Ptr{Cchar}, (Ptr{shmhub_gpu_stream},), stream)
end

"""
    shmhub_gpu_stream_name(stream)

The segment's name. **borrowed** valid until shmhub_gpu_stream_close().

Thread-safe. Since 1.1.

### Prototype
```c
const char *shmhub_gpu_stream_name(const shmhub_gpu_stream *stream);
```
"""
function shmhub_gpu_stream_name(stream)
    ccall((:shmhub_gpu_stream_name, libshmhub_cuda), Ptr{Cchar}, (Ptr{shmhub_gpu_stream},), stream)
end

"""
    shmhub_cuda_register(seg, flags)

Page-locks a segment's whole mapping for the GPU (`cudaHostRegister`), so copies between it and device memory run at pinned speed. A stream's mapping is registered through shmhub_stream_segment(). Call shmhub_cuda_unregister() before closing the handle.

# Arguments
* `seg`: An open segment of this build of libshmhub.
* `flags`: `SHMHUB_CUDA_REGISTER_READ_ONLY` or 0.

# Returns
`SHMHUB_OK`, `SHMHUB_E_INVALID` (NULL, unknown flag), `SHMHUB_E_BUSY` (already registered), `SHMHUB_E_NO_MEMORY`, `SHMHUB_E_IO` (another CUDA error).

Thread-safe. Since 1.1.

### Prototype
```c
shmhub_status shmhub_cuda_register(const shmhub_segment *seg, uint32_t flags);
```
"""
function shmhub_cuda_register(seg, flags)
    ccall((:shmhub_cuda_register, libshmhub_cuda), shmhub_status, (Ptr{shmhub_segment}, UInt32), seg, flags)
end

"""
    shmhub_cuda_unregister(seg)

Undoes shmhub_cuda_register() (`cudaHostUnregister`); call it before closing the handle.

# Returns
`SHMHUB_OK`, `SHMHUB_E_INVALID` (NULL, or not registered), `SHMHUB_E_IO`.

Thread-safe. Since 1.1.

### Prototype
```c
shmhub_status shmhub_cuda_unregister(const shmhub_segment *seg);
```
"""
function shmhub_cuda_unregister(seg)
    ccall((:shmhub_cuda_unregister, libshmhub_cuda), shmhub_status, (Ptr{shmhub_segment},), seg)
end

# 26 functions wrapped.

end # module LibShmHubCuda
