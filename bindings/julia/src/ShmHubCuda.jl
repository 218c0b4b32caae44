"""
    ShmHub.Cuda

Hand-written Julia layer over `libshmhub_cuda.so.1` (`abi/shmhub_cuda.h`, docs/cuda.md): GPU
streams shared between processes through CUDA IPC (`GPUStream`) and pinned host segments
(`register`, `unregister`, `pinned`).

**Never run.** No Julia runtime (and no GPU) exists on the machines this was written on. It is
checked statically only (`make test-julia`): tree-sitter syntax, and every `ccall` here against
`abi/shmhub_cuda.h` by `bindings/julia/gen/check_handwritten.py` (the symbol, the library
constant, the argument count, each argument type and the return type), with mutation tests.

The library is opened on the first call, never when `ShmHub` loads: `using ShmHub` works on a
machine without CUDA. `Cuda.available()` says whether the library loads and sees a GPU and
`Cuda.unavailable_reason()` why not; `ENV["SHMHUB_CUDA_LIB"]` (set before loading `ShmHub`)
chooses the library file.

Device memory and CUDA streams are raw values: a device pointer is a `Ptr{Cvoid}` or a `UInt`
address (from CUDA.jl: `reinterpret(Ptr{Cvoid}, pointer(cu_array))`), a stream is a
`cudaStream_t` as a `Ptr{Cvoid}` or `UInt` (`C_NULL`, the default: the legacy default stream).
Dims are Julia dims (the C shape reversed), as in the rest of `ShmHub`.
"""
module Cuda

import ..ShmHub: ShmHub, Segment, Stream, FrameInfo, ShmHubError, handle, closed_error,
                 dtype_code, julia_type, c_shape, julia_dims, timeout_ns, segment_opts
const L = ShmHub.LibShmHub
const LC = ShmHub.LibShmHubCuda

export GPUStream, create_gpu_stream, open_gpu_stream, write_device!, read_latest_device!,
       peek_device, validate, register, unregister, pinned

# ---------------------------------------------------------------------------------------------
# Loading and errors

const LOAD_STATE = Ref(0)        # 0: not tried, 1: loaded and version-checked, -1: failed
const LOAD_REASON = Ref("")

function try_load()
    LOAD_STATE[] != 0 && return LOAD_STATE[] == 1
    h = Base.Libc.Libdl.dlopen(LC.libshmhub_cuda; throw_error=false)
    if h === nothing
        LOAD_REASON[] = "cannot load $(LC.libshmhub_cuda) (set ENV[\"SHMHUB_CUDA_LIB\"] before loading ShmHub)"
        LOAD_STATE[] = -1
        return false
    end
    st = ccall((:shmhub_cuda_check_version, LC.libshmhub_cuda), Int32, (UInt32,),
               UInt32(LC.SHMHUB_CUDA_VERSION_NUMBER))
    if st != L.SHMHUB_OK
        LOAD_REASON[] = unsafe_string(ccall((:shmhub_cuda_last_error, LC.libshmhub_cuda), Ptr{Cchar}, ()))
        LOAD_STATE[] = -1
        return false
    end
    LOAD_STATE[] = 1
    return true
end

"""    available() -> Bool: `libshmhub_cuda` loads, agrees with this package's header and sees a GPU."""
available() = try_load() && ccall((:shmhub_cuda_device_count, LC.libshmhub_cuda), Int32, ()) > 0

"""    unavailable_reason() -> String: why `available()` is false ("" when it is true)."""
function unavailable_reason()
    try_load() || return LOAD_REASON[]
    ccall((:shmhub_cuda_device_count, LC.libshmhub_cuda), Int32, ()) > 0 && return ""
    return unsafe_string(ccall((:shmhub_cuda_last_error, LC.libshmhub_cuda), Ptr{Cchar}, ()))
end

need() = try_load() ? nothing : error("ShmHub.Cuda: ", LOAD_REASON[])

# The CUDA library keeps its own thread-local message (it carries a private copy of the core):
# read it with shmhub_cuda_last_error(), right after the failing call, as `check` does for the core.
@inline function check_cuda(status::Integer)
    status == L.SHMHUB_OK && return nothing
    throw_cuda_error(Int32(status))
end

@noinline function throw_cuda_error(code::Int32)
    msgptr = ccall((:shmhub_cuda_last_error, LC.libshmhub_cuda), Ptr{Cchar}, ())
    namptr = L.shmhub_status_name(code)
    throw(ShmHubError(code, unsafe_string(namptr), unsafe_string(msgptr)))
end

# Raw values: a device pointer or a cudaStream_t given as a pointer or an address.
raw_ptr(p::Ptr) = Ptr{Cvoid}(p)
raw_ptr(p::UInt) = Ptr{Cvoid}(p)
raw_ptr(p) = throw(ArgumentError("expected a raw device pointer or stream (Ptr or UInt), got $(typeof(p))"))

# ---------------------------------------------------------------------------------------------
# GPU streams

"""
    GPUStream

A handle to a GPU stream (`abi/shmhub_cuda.h`): a ring of device frames of element type
`eltype(g)` and Julia dims `size(g)`. Made by `create_gpu_stream` or `open_gpu_stream`; closed by
`close(g)` (idempotent) or its finalizer. The creator's close waits (up to `close_timeout`) for
importing processes to close theirs before it frees the device memory. Pointers from
`peek_device` are valid only while the handle is open.
"""
mutable struct GPUStream
    ptr::Ptr{LC.shmhub_gpu_stream}
    name::String
    eltype::DataType
    dims::Tuple{Vararg{Int}}
    nbytes::Int
    function GPUStream(ptr::Ptr{LC.shmhub_gpu_stream}, name::AbstractString)
        nd = ccall((:shmhub_gpu_stream_ndim, LC.libshmhub_cuda), UInt32, (Ptr{LC.shmhub_gpu_stream},), ptr)
        shp = ccall((:shmhub_gpu_stream_shape, LC.libshmhub_cuda), Ptr{UInt64}, (Ptr{LC.shmhub_gpu_stream},), ptr)
        nb = ccall((:shmhub_gpu_stream_frame_nbytes, LC.libshmhub_cuda), UInt64, (Ptr{LC.shmhub_gpu_stream},), ptr)
        code = ccall((:shmhub_gpu_stream_dtype, LC.libshmhub_cuda), Int32, (Ptr{LC.shmhub_gpu_stream},), ptr)
        g = new(ptr, String(name), Nothing, julia_dims(shp, nd), Int(nb))
        finalizer(close, g)
        g.eltype = julia_type(code)   # an unknown code throws; the finalizer closes the handle
        return g
    end
end

Base.isopen(g::GPUStream) = g.ptr != C_NULL

function Base.close(g::GPUStream)
    p = g.ptr
    if p != C_NULL
        g.ptr = C_NULL            # first, so a second close (or the finalizer) is a no-op
        ccall((:shmhub_gpu_stream_close, LC.libshmhub_cuda), Cvoid, (Ptr{LC.shmhub_gpu_stream},), p)
    end
    return nothing
end

handle(g::GPUStream) = isopen(g) ? g.ptr : closed_error("gpu stream '$(g.name)'")

Base.eltype(g::GPUStream) = g.eltype
Base.size(g::GPUStream) = g.dims
Base.show(io::IO, g::GPUStream) =
    print(io, "GPUStream(\"", g.name, "\", ", g.eltype, ", ", g.dims, isopen(g) ? "" : ", closed", ")")

"""    nbytes(g) -> Int: bytes per frame."""
nbytes(g::GPUStream) = g.nbytes
"""    count(g) -> Int: frames committed so far (the newest sequence number)."""
Base.count(g::GPUStream) =
    Int(ccall((:shmhub_gpu_stream_count, LC.libshmhub_cuda), UInt64, (Ptr{LC.shmhub_gpu_stream},), handle(g)))
"""    slots(g) -> Int: frames in the ring."""
slots(g::GPUStream) =
    Int(ccall((:shmhub_gpu_stream_slots, LC.libshmhub_cuda), UInt32, (Ptr{LC.shmhub_gpu_stream},), handle(g)))
"""    device(g) -> Int: this process's ordinal of the stream's GPU."""
device(g::GPUStream) =
    Int(ccall((:shmhub_gpu_stream_device, LC.libshmhub_cuda), Int32, (Ptr{LC.shmhub_gpu_stream},), handle(g)))
"""    is_creator(g) -> Bool: this handle created the stream (and owns its device memory)."""
is_creator(g::GPUStream) =
    ccall((:shmhub_gpu_stream_is_creator, LC.libshmhub_cuda), Int32, (Ptr{LC.shmhub_gpu_stream},), handle(g)) != 0
"""    importers(g) -> Int: live processes other than the creator that imported the frames."""
importers(g::GPUStream) =
    Int(ccall((:shmhub_gpu_stream_importers, LC.libshmhub_cuda), UInt32, (Ptr{LC.shmhub_gpu_stream},), handle(g)))
"""    mirror_name(g) -> Union{String,Nothing}: the CPU mirror stream's name (`open_stream` it)."""
function mirror_name(g::GPUStream)
    p = ccall((:shmhub_gpu_stream_mirror_name, LC.libshmhub_cuda), Ptr{Cchar}, (Ptr{LC.shmhub_gpu_stream},), handle(g))
    return p == C_NULL ? nothing : unsafe_string(p)
end

function gpu_opts(slots::Integer, mirror::Bool, close_timeout::Real)
    r = Ref{LC.shmhub_gpu_stream_opts}()
    check_cuda(ccall((:shmhub_gpu_stream_opts_init, LC.libshmhub_cuda), Int32,
                     (Ptr{LC.shmhub_gpu_stream_opts}, Csize_t), r, sizeof(LC.shmhub_gpu_stream_opts)))
    o = r[]
    return (o, UInt32(slots), mirror ? LC.SHMHUB_GPU_MIRROR : UInt32(0), timeout_ns(close_timeout))
end

"""
    create_gpu_stream(name, T, dims; device=0, slots=3, mirror=false, unlink_on_close=true,
                      close_timeout=5.0) -> GPUStream

Creates GPU stream `name` of frames of element type `T` and Julia dims `dims` (C and Python see
the reversed shape), allocating `slots` frames on CUDA device `device`. `mirror=true` keeps the
CPU stream `NAME.cpu` in step (`open_stream(mirror_name(g), T)`). Throws `ShmHubError` (the
message names the segment and, for CUDA failures, the call and its error name).
"""
function create_gpu_stream(name::AbstractString, ::Type{T}, dims; device::Integer=0, slots::Integer=3,
                           mirror::Bool=false, unlink_on_close::Bool=true,
                           close_timeout::Real=5.0) where {T}
    need()
    shape = c_shape(dims)
    code = dtype_code(T)
    o, nslots, flags, cto = gpu_opts(slots, mirror, close_timeout)
    sref = Ref(segment_opts(unlink_on_close=unlink_on_close))
    out = Ref{Ptr{LC.shmhub_gpu_stream}}(C_NULL)
    GC.@preserve sref begin
        sptr = Base.unsafe_convert(Ptr{L.shmhub_segment_opts}, sref)
        opts = Ref(LC.shmhub_gpu_stream_opts(o.size, nslots, flags, o.reserved, cto, sptr))
        check_cuda(ccall((:shmhub_gpu_stream_create, LC.libshmhub_cuda), Int32,
                         (Cstring, Int32, UInt32, Ptr{UInt64}, Int32, Ptr{LC.shmhub_gpu_stream_opts},
                          Ptr{Ptr{LC.shmhub_gpu_stream}}),
                         String(name), code, UInt32(length(shape)), shape, Int32(device), opts, out))
    end
    return GPUStream(out[], name)
end

"""
    open_gpu_stream(name) -> GPUStream

Opens GPU stream `name` and imports its frames (once per process: later opens share the import)
on the local device with the creator's GPU UUID.
"""
function open_gpu_stream(name::AbstractString)
    need()
    out = Ref{Ptr{LC.shmhub_gpu_stream}}(C_NULL)
    check_cuda(ccall((:shmhub_gpu_stream_open, LC.libshmhub_cuda), Int32,
                     (Cstring, Ptr{LC.shmhub_gpu_stream_opts}, Ptr{Ptr{LC.shmhub_gpu_stream}}),
                     String(name), C_NULL, out))
    return GPUStream(out[], name)
end

"""
    write_device!(g, src, nbytes=nbytes(g); stream=C_NULL) -> g

Publishes one frame copied from device memory `src` (a raw device pointer: `Ptr` or `UInt`),
ordered on CUDA stream `stream`: returns at once, readers in any process see the frame once the
copy has run on the GPU. `nbytes` must equal `nbytes(g)`.
"""
function write_device!(g::GPUStream, src, n::Integer=g.nbytes; stream=C_NULL)
    check_cuda(ccall((:shmhub_gpu_stream_write_device, LC.libshmhub_cuda), Int32,
                     (Ptr{LC.shmhub_gpu_stream}, Ptr{Cvoid}, Csize_t, Ptr{Cvoid}),
                     handle(g), raw_ptr(src), Csize_t(n), raw_ptr(stream)))
    return g
end

new_info() = Ref(L.shmhub_frame_info(sizeof(L.shmhub_frame_info), 0, 0, 0, 0))

"""
    read_latest_device!(g, dst, nbytes=nbytes(g); stream=C_NULL) -> FrameInfo

Copies the newest frame into device memory `dst`, ordered on `stream` after the frame's write
(no host synchronisation), and returns its `FrameInfo`. With several readers, `validate(g, info)`
once `stream` has finished the copy.
"""
function read_latest_device!(g::GPUStream, dst, n::Integer=g.nbytes; stream=C_NULL)
    info = new_info()
    check_cuda(ccall((:shmhub_gpu_stream_read_latest_device, LC.libshmhub_cuda), Int32,
                     (Ptr{LC.shmhub_gpu_stream}, Ptr{Cvoid}, Csize_t, Ptr{Cvoid}, Ptr{L.shmhub_frame_info}),
                     handle(g), raw_ptr(dst), Csize_t(n), raw_ptr(stream), info))
    return FrameInfo(info)
end

"""
    peek_device(g; stream=C_NULL) -> (ptr::Ptr{Cvoid}, info::FrameInfo)

Zero-copy: the newest frame's device pointer (valid while `g` is open), after making `stream` wait
on the GPU for its write. The writer may overwrite it later: `validate(g, info)` once the work on
it has finished says whether it did.
"""
function peek_device(g::GPUStream; stream=C_NULL)
    frame = Ref{Ptr{Cvoid}}(C_NULL)
    info = new_info()
    check_cuda(ccall((:shmhub_gpu_stream_peek_device, LC.libshmhub_cuda), Int32,
                     (Ptr{LC.shmhub_gpu_stream}, Ptr{Ptr{Cvoid}}, Ptr{Cvoid}, Ptr{L.shmhub_frame_info}),
                     handle(g), frame, raw_ptr(stream), info))
    return frame[], FrameInfo(info)
end

"""    validate(g, info) -> Bool: the frame `info` describes was not overwritten (nor begun to be) since."""
function validate(g::GPUStream, info::FrameInfo)
    r = Ref(L.shmhub_frame_info(sizeof(L.shmhub_frame_info), 0, info.seq, info.timestamp_ns, info.missed))
    st = ccall((:shmhub_gpu_stream_validate, LC.libshmhub_cuda), Int32,
               (Ptr{LC.shmhub_gpu_stream}, Ptr{L.shmhub_frame_info}), handle(g), r)
    st == L.SHMHUB_E_OVERWRITTEN && return false
    check_cuda(st)
    return true
end

"""
    wait(g::GPUStream; timeout=nothing) -> Bool

Waits on the host for a frame newer than the handle's cursor; `false` on timeout (seconds;
`nothing`: forever). One blocking `ccall` (not sliced like `wait(::Stream)`): give a timeout.
"""
function Base.wait(g::GPUStream; timeout=nothing)
    st = ccall((:shmhub_gpu_stream_wait, LC.libshmhub_cuda), Int32, (Ptr{LC.shmhub_gpu_stream}, Int64),
               handle(g), timeout_ns(timeout))
    st == L.SHMHUB_E_TIMEOUT && return false
    check_cuda(st)
    return true
end

# ---------------------------------------------------------------------------------------------
# Pinned host segments

segment_ptr(seg::Segment) = handle(seg)
segment_ptr(s::Stream) = L.shmhub_stream_segment(handle(s))
segment_ptr(x) = throw(ArgumentError("register needs a ShmHub.Segment or ShmHub.Stream, not $(typeof(x))"))

"""
    register(seg_or_stream; read_only=false)

Page-locks the whole mapping of a `Segment` or `Stream` for the GPU (`cudaHostRegister`), so copies
between it and device memory run at pinned speed. Read-only handles are always registered
read-only; `read_only=true` asks for it on a writable one. Call `unregister` before `close`
(`pinned(f, seg)` does both). Throws `ShmHubError` (`SHMHUB_E_BUSY` when already registered).
"""
function register(x::Union{Segment,Stream}; read_only::Bool=false)
    need()
    p = segment_ptr(x)
    check_cuda(ccall((:shmhub_cuda_register, LC.libshmhub_cuda), Int32, (Ptr{L.shmhub_segment}, UInt32),
                     p, read_only ? LC.SHMHUB_CUDA_REGISTER_READ_ONLY : UInt32(0)))
    return nothing
end
register(x; read_only::Bool=false) = segment_ptr(x)

"""    unregister(seg_or_stream): undoes `register` (`SHMHUB_E_INVALID` when not registered)."""
function unregister(x::Union{Segment,Stream})
    need()
    check_cuda(ccall((:shmhub_cuda_unregister, LC.libshmhub_cuda), Int32, (Ptr{L.shmhub_segment},),
                     segment_ptr(x)))
    return nothing
end
unregister(x) = segment_ptr(x)

"""
    pinned(f, seg_or_stream; read_only=false)

`register`s, runs `f(seg_or_stream)` and `unregister`s, even when `f` throws:
`pinned(seg) do s ... end`. Finish the asynchronous copies from the mapping inside `f`.
"""
function pinned(f, x::Union{Segment,Stream}; read_only::Bool=false)
    register(x; read_only=read_only)
    try
        return f(x)
    finally
        isopen(x) && unregister(x)
    end
end

end # module Cuda
