"""
    ShmHub

Julia API over `libshmhub.so.1`: named shared-memory segments of typed N-d arrays and streams of
frames. The raw C API is `ShmHub.LibShmHub` (generated from `abi/shmhub.h`); this module adds
handles with finalizers, zero-copy array views that keep their segment alive, and exceptions.

Set `ENV["SHMHUB_LIB"]` before loading to choose the library file (default `libshmhub.so.1`).

# Row-major vs column-major
C arrays are row-major, Julia arrays column-major. A C array of shape `(d1, ..., dn)` is exposed
in Julia with its dimensions reversed, `(dn, ..., d1)`, so the memory is shared without a copy:
the C element `C[i1, ..., in]` (0-based) is `J[in+1, ..., i1+1]`. A 480×640 C image is a 640×480
Julia matrix whose first index is the column. Shapes given to `create_segment`/`create_stream`
are Julia dims and are stored reversed, so Python/C see the transposed shape. `c_order(A)` makes a
copy indexed in C order for those who want it.
"""
module ShmHub

include("LibShmHub.jl")
include("LibShmHubCuda.jl")  # raw layer of abi/shmhub_cuda.h (libshmhub_cuda, loaded only when called)
const L = LibShmHub

export Segment, Stream, SegmentArray, FrameInfo, ShmHubError
export create_segment, open_segment, array, arraynames, unlink
export create_stream, open_stream, write!, read_latest!, read_next!, c_order
export SynchedMemory, create_synched, open_synched, attach!, write_and_sync!, finalize_run!, profile
export blas_set_threads
export SharedDict, create_dict, open_dict, add!, compare_and_set!, Pickled
export MemoryPool, PoolBuffer, create_pool, open_pool, acquire, release!, adopt, reclaim!, buffer_id

# ---------------------------------------------------------------------------------------------
# Errors

"""
    ShmHubError(code, name, message)

A failed libshmhub call: `code` is the `shmhub_status` (e.g. `LibShmHub.SHMHUB_E_NOT_FOUND`),
`name` its enumerator name and `message` the library's message naming the segment and problem.
"""
struct ShmHubError <: Exception
    code::Int32
    name::String
    message::String
end

Base.showerror(io::IO, e::ShmHubError) = print(io, "ShmHubError ", e.name, " (", e.code, "): ", e.message)

# `check(ccall(...))` must wrap the failing call directly. shmhub_last_error() is thread-local to
# the OS thread that made the call. A Julia task only switches (and can only migrate to another
# thread) at a yield point: I/O, `wait`, `sleep`, `yield`, a contended lock. None lies between a
# ccall returning and `throw_error` running `shmhub_last_error()`, so the message is the one the
# failing call left on this thread. The pointer is taken before anything allocates; if a GC
# triggered by the later `unsafe_string` runs one of our finalizers, those call only `*_close`,
# which cannot fail and so never touch the message.
@inline function check(status::Integer)
    status == L.SHMHUB_OK && return nothing
    throw_error(Int32(status))
end

@noinline function throw_error(code::Int32)
    msgptr = L.shmhub_last_error()          # first, before anything else can run
    namptr = L.shmhub_status_name(code)     # static string; does not touch the message
    throw(ShmHubError(code, unsafe_string(namptr), unsafe_string(msgptr)))
end

closed_error(what) = throw(ArgumentError("$what is closed"))

# ---------------------------------------------------------------------------------------------
# Dtypes

const JULIA_TO_DTYPE = Dict{DataType,Int32}(
    Bool => L.SHMHUB_DTYPE_BOOL, Int8 => L.SHMHUB_DTYPE_INT8, Int16 => L.SHMHUB_DTYPE_INT16,
    Int32 => L.SHMHUB_DTYPE_INT32, Int64 => L.SHMHUB_DTYPE_INT64, UInt8 => L.SHMHUB_DTYPE_UINT8,
    UInt16 => L.SHMHUB_DTYPE_UINT16, UInt32 => L.SHMHUB_DTYPE_UINT32, UInt64 => L.SHMHUB_DTYPE_UINT64,
    Float16 => L.SHMHUB_DTYPE_FLOAT16, Float32 => L.SHMHUB_DTYPE_FLOAT32,
    Float64 => L.SHMHUB_DTYPE_FLOAT64, ComplexF32 => L.SHMHUB_DTYPE_COMPLEX64,
    ComplexF64 => L.SHMHUB_DTYPE_COMPLEX128)

const DTYPE_TO_JULIA = Dict{Int32,DataType}(v => k for (k, v) in JULIA_TO_DTYPE)

"""    dtype_code(T) -> Int32: the shmhub dtype code of the Julia element type `T`."""
function dtype_code(::Type{T}) where {T}
    code = get(JULIA_TO_DTYPE, T, nothing)
    code === nothing && throw(ArgumentError("shmhub has no dtype for Julia type $T"))
    return code
end

"""    julia_type(code) -> DataType: the Julia element type of a shmhub dtype code."""
function julia_type(code::Integer)
    T = get(DTYPE_TO_JULIA, Int32(code), nothing)
    T === nothing && throw(ArgumentError("unknown shmhub dtype code $code"))
    return T
end

# Julia dims (n1, ..., nk) -> C shape (nk, ..., n1), as the C API wants it.
c_shape(dims) = UInt64[UInt64(d) for d in reverse(Tuple(dims))]

# C shape pointer -> Julia dims, reversed.
julia_dims(shape::Ptr{UInt64}, ndim::Integer) = ntuple(i -> Int(unsafe_load(shape, Int(ndim) - i + 1)), Int(ndim))

# Timeouts: seconds (Real) or `nothing` (forever) -> int64 nanoseconds (negative: forever).
timeout_ns(::Nothing) = Int64(-1)
timeout_ns(t::Real) = (t < 0 || isinf(t)) ? Int64(-1) : round(Int64, t * 1e9)

function segment_opts(; unlink_on_close::Bool=false, read_only::Bool=false)
    r = Ref{L.shmhub_segment_opts}()
    check(L.shmhub_segment_opts_init(r, sizeof(L.shmhub_segment_opts)))
    o = r[]
    flags = o.flags | (unlink_on_close ? L.SHMHUB_UNLINK_ON_CLOSE : UInt32(0)) |
            (read_only ? L.SHMHUB_READ_ONLY : UInt32(0))
    return L.shmhub_segment_opts(o.size, o.mode, o.dir, flags, o.reserved, o.open_timeout_ns)
end

# ---------------------------------------------------------------------------------------------
# Segments

"""
    Segment

An open mapping of a named segment. Closed by `close(seg)` (idempotent) or by its finalizer;
closing never unlinks unless the segment was created with `unlink_on_close=true`. Arrays from
`array(seg, name)` keep the `Segment` reachable, so the finalizer cannot unmap memory a view
still uses; an explicit `close` does, and views then throw instead of reading unmapped memory.
`close` is not meant to race with other calls on the same handle from another thread.
"""
mutable struct Segment
    ptr::Ptr{L.shmhub_segment}
    name::String
    read_only::Bool
    function Segment(ptr::Ptr{L.shmhub_segment}, name::AbstractString)
        seg = new(ptr, String(name), L.shmhub_segment_read_only(ptr) != 0)
        return finalizer(close, seg)
    end
end

Base.isopen(seg::Segment) = seg.ptr != C_NULL

function Base.close(seg::Segment)
    p = seg.ptr
    if p != C_NULL
        seg.ptr = C_NULL          # first, so a second close (or the finalizer) is a no-op
        L.shmhub_segment_close(p)
    end
    return nothing
end

handle(seg::Segment) = isopen(seg) ? seg.ptr : closed_error("segment '$(seg.name)'")

Base.show(io::IO, seg::Segment) =
    print(io, "Segment(\"", seg.name, "\"", isopen(seg) ? "" : ", closed", ")")

"""
    create_segment(name, arrays; unlink_on_close=false) -> Segment

Creates segment `name` holding the arrays described by
`arrays::Vector{Pair{String,Tuple{DataType,Dims}}}`, e.g.
`["image" => (Float32, (640, 480)), "count" => (Int64, ())]`, zero-filled. Dims are Julia dims:
C and Python see the reversed shape (a (640, 480) Julia matrix is a 480×640 C array).
"""
function create_segment(name::AbstractString, arrays::AbstractVector{<:Pair}; unlink_on_close::Bool=false)
    lay = Ref{Ptr{L.shmhub_layout}}(C_NULL)
    check(L.shmhub_layout_new(lay))
    try
        for (aname, spec) in arrays
            T, dims = spec
            shape = c_shape(dims)
            check(L.shmhub_layout_add(lay[], String(aname), dtype_code(T), UInt32(length(shape)), shape))
        end
        opts = Ref(segment_opts(unlink_on_close=unlink_on_close))
        out = Ref{Ptr{L.shmhub_segment}}(C_NULL)
        check(L.shmhub_segment_create(String(name), lay[], opts, out))
        return Segment(out[], name)
    finally
        L.shmhub_layout_free(lay[])
    end
end

"""
    open_segment(name; read_only=false) -> Segment

Opens an existing segment (validated by the library before anything is trusted).
"""
function open_segment(name::AbstractString; read_only::Bool=false)
    opts = Ref(segment_opts(read_only=read_only))
    out = Ref{Ptr{L.shmhub_segment}}(C_NULL)
    check(L.shmhub_segment_open(String(name), opts, out))
    return Segment(out[], name)
end

"""    unlink(name): removes segment `name`; existing mappings stay valid until closed."""
unlink(name::AbstractString) = check(L.shmhub_unlink(String(name)))

"""    arraynames(seg) -> Vector{String}: the segment's arrays, in layout order."""
function arraynames(seg::Segment)
    p = handle(seg)
    names = String[]
    for i in 0:Int(L.shmhub_segment_array_count(p)) - 1
        out = Ref{Ptr{L.shmhub_array}}(C_NULL)
        check(L.shmhub_segment_array_at(p, Csize_t(i), out))
        push!(names, unsafe_string(L.shmhub_array_name(out[])))
    end
    return names
end

"""
    SegmentArray{T,N} <: AbstractArray{T,N}

A zero-copy view of one array of a segment: `data` is `unsafe_wrap(Array, ptr, dims; own=false)`
over the mapping and `seg` is the owning `Segment`. Holding `seg` keeps the mapping alive (its
finalizer cannot run) as long as the view is reachable; indexing checks the segment is still
open, so an explicit `close(seg)` makes views throw rather than touch unmapped memory.
`parent(A)` gives the raw `Array` for hot loops: use it only inside `GC.@preserve A` and never
after `close(seg)`. Dims are the C shape reversed (see the module docs).
"""
struct SegmentArray{T,N} <: AbstractArray{T,N}
    data::Array{T,N}
    seg::Segment
end

Base.size(A::SegmentArray) = size(A.data)
Base.IndexStyle(::Type{<:SegmentArray}) = IndexLinear()
Base.parent(A::SegmentArray) = A.data
Base.strides(A::SegmentArray) = strides(A.data)
Base.elsize(::Type{<:SegmentArray{T}}) where {T} = sizeof(T)
Base.pointer(A::SegmentArray) = (handle(A.seg); pointer(A.data))
Base.unsafe_convert(::Type{Ptr{T}}, A::SegmentArray{T}) where {T} = pointer(A)

@inline function Base.getindex(A::SegmentArray, i::Int)
    isopen(A.seg) || closed_error("segment '$(A.seg.name)'")
    @boundscheck checkbounds(A, i)
    return @inbounds A.data[i]
end

@inline function Base.setindex!(A::SegmentArray, v, i::Int)
    isopen(A.seg) || closed_error("segment '$(A.seg.name)'")
    A.seg.read_only && throw(ArgumentError("segment '$(A.seg.name)' is open read-only"))
    @boundscheck checkbounds(A, i)
    @inbounds A.data[i] = v
    return A
end

"""
    array(seg, name) -> SegmentArray

The array `name` of `seg`, shared with every process that maps the segment (no copy). Its dims
are the C shape reversed. Other processes may write it at any time; use streams for
never-torn reads.
"""
function array(seg::Segment, name::AbstractString)
    out = Ref{Ptr{L.shmhub_array}}(C_NULL)
    check(L.shmhub_segment_find(handle(seg), String(name), out))
    a = out[]
    T = julia_type(L.shmhub_array_dtype(a))
    dims = julia_dims(L.shmhub_array_shape(a), L.shmhub_array_ndim(a))
    data = unsafe_wrap(Array, Ptr{T}(L.shmhub_array_data(a)), dims; own=false)
    return SegmentArray{T,length(dims)}(data, seg)
end

"""
    c_order(A) -> Array

A copy of `A` with its dimensions reversed, so that `c_order(A)[i1+1, ..., in+1]` is the C element
`C[i1, ..., in]`. Costs a copy; the view `A` itself is the zero-copy way.
"""
c_order(A::AbstractArray) = permutedims(A, ndims(A):-1:1)

# ---------------------------------------------------------------------------------------------
# Streams

"""
    FrameInfo(seq, timestamp_ns, missed)

What a read returned: the frame's sequence number (the first frame is 1), its commit time
(CLOCK_REALTIME ns) and how many frames this handle skipped since its previous read.
"""
struct FrameInfo
    seq::UInt64
    timestamp_ns::Int64
    missed::UInt64
end

new_info() = Ref(L.shmhub_frame_info(sizeof(L.shmhub_frame_info), 0, 0, 0, 0))
FrameInfo(r::Base.RefValue{L.shmhub_frame_info}) = FrameInfo(r[].seq, r[].timestamp_ns, r[].missed)

"""
    Stream{T}

A handle to a stream of frames of element type `T` and Julia dims `size(s)` (the C shape
reversed). Closed by `close(s)` (idempotent) or its finalizer. A handle's read cursor is its own:
do not read from one handle on several threads at once.
"""
mutable struct Stream{T}
    ptr::Ptr{L.shmhub_stream}
    name::String
    dims::Tuple{Vararg{Int}}
    nbytes::Int
    function Stream{T}(ptr::Ptr{L.shmhub_stream}, name::AbstractString) where {T}
        dims = julia_dims(L.shmhub_stream_shape(ptr), L.shmhub_stream_ndim(ptr))
        s = new{T}(ptr, String(name), dims, Int(L.shmhub_stream_frame_nbytes(ptr)))
        finalizer(close, s)
        code = L.shmhub_stream_dtype(ptr)
        if get(DTYPE_TO_JULIA, Int32(code), nothing) !== T
            close(s)      # `ptr` is dead from here on: the message uses only `code`
            throw(ArgumentError("stream '$name' has dtype code $code, not $T"))
        end
        return s
    end
end

Base.isopen(s::Stream) = s.ptr != C_NULL

function Base.close(s::Stream)
    p = s.ptr
    if p != C_NULL
        s.ptr = C_NULL
        L.shmhub_stream_close(p)
    end
    return nothing
end

handle(s::Stream) = isopen(s) ? s.ptr : closed_error("stream '$(s.name)'")

Base.eltype(::Stream{T}) where {T} = T
Base.size(s::Stream) = s.dims
Base.show(io::IO, s::Stream{T}) where {T} =
    print(io, "Stream{", T, "}(\"", s.name, "\", ", s.dims, isopen(s) ? "" : ", closed", ")")

"""
    create_stream(name, T, dims; slots=8, unlink_on_close=false) -> Stream{T}

Creates a stream of frames of element type `T` and Julia dims `dims` (stored as the reversed C
shape), keeping `slots` frames in its ring.
"""
function create_stream(name::AbstractString, ::Type{T}, dims::Dims; slots::Integer=8,
                       unlink_on_close::Bool=false) where {T}
    shape = c_shape(dims)
    segref = Ref(segment_opts(unlink_on_close=unlink_on_close))
    r = Ref{L.shmhub_stream_opts}()
    check(L.shmhub_stream_opts_init(r, sizeof(L.shmhub_stream_opts)))
    o = r[]
    out = Ref{Ptr{L.shmhub_stream}}(C_NULL)
    GC.@preserve segref begin
        segptr = Base.unsafe_convert(Ptr{L.shmhub_segment_opts}, segref)
        opts = Ref(L.shmhub_stream_opts(o.size, UInt32(slots), o.writer_mode, o.wait_mode, o.spin_ns,
                                        o.flags, o.reserved, o.lock_timeout_ns, segptr))
        check(L.shmhub_stream_create(String(name), dtype_code(T), UInt32(length(shape)), shape, opts, out))
    end
    return Stream{T}(out[], name)
end

function open_raw_stream(name::AbstractString)
    out = Ref{Ptr{L.shmhub_stream}}(C_NULL)
    check(L.shmhub_stream_open(String(name), C_NULL, out))
    return out[]
end

"""
    open_stream(T, name) -> Stream{T}
    open_stream(name) -> Stream{T} with T read from the stream

Opens an existing stream; the cursor starts at the newest committed frame, so `read_next!`
returns the frames committed after the open.
"""
open_stream(::Type{T}, name::AbstractString) where {T} = Stream{T}(open_raw_stream(name), name)

function open_stream(name::AbstractString)
    p = open_raw_stream(name)
    code = L.shmhub_stream_dtype(p)
    T = get(DTYPE_TO_JULIA, Int32(code), nothing)
    if T === nothing
        L.shmhub_stream_close(p)
        throw(ArgumentError("stream '$name' has unknown dtype code $code"))
    end
    return Stream{T}(p, name)
end

function check_frame(s::Stream, A::AbstractArray)
    size(A) == s.dims || throw(DimensionMismatch("frame of stream '$(s.name)' has dims $(s.dims), got $(size(A))"))
    sizeof(A) == s.nbytes || throw(DimensionMismatch("frame is $(s.nbytes) bytes, got $(sizeof(A))"))
    return nothing
end

"""    write!(s, A): publishes one frame copied from `A` (dims `size(s)`). Returns `s`."""
function write!(s::Stream{T}, A::Array{T}) where {T}
    check_frame(s, A)
    GC.@preserve A check(L.shmhub_stream_write(handle(s), pointer(A), Csize_t(sizeof(A))))
    return s
end
write!(s::Stream{T}, A::AbstractArray{T}) where {T} = write!(s, Array{T}(A))

"""
    read_latest!(s, A) -> FrameInfo or nothing

Copies the newest committed frame into `A` (never torn) and moves the cursor to it. Returns
`nothing` when the stream has no frame yet.
"""
function read_latest!(s::Stream{T}, A::Array{T}) where {T}
    check_frame(s, A)
    info = new_info()
    st = GC.@preserve A L.shmhub_stream_read_latest(handle(s), pointer(A), Csize_t(sizeof(A)), info)
    st == L.SHMHUB_E_EMPTY && return nothing
    check(st)
    return FrameInfo(info)
end

# Blocking waits are cut into slices of at most SLICE_NS so the Julia thread reaches a GC
# safepoint and lets other tasks run (`yield`) between them: a ccall blocked for seconds would
# otherwise stall every other thread's garbage collection.
const SLICE_NS = Int64(100_000_000)

# `f(p, ns)` gets the handle afresh for every slice: another task may `close(s)` while this one
# yields between slices, and then `handle(s)` throws instead of passing a freed pointer to C.
function sliced(f, s, timeout)
    total = timeout_ns(timeout)
    deadline = total < 0 ? typemax(UInt64) : time_ns() + UInt64(total)
    while true
        now = time_ns()
        left = now >= deadline ? Int64(0) : (deadline == typemax(UInt64) ? SLICE_NS : Int64(min(deadline - now, UInt64(SLICE_NS))))
        st = f(handle(s), left)
        (st != L.SHMHUB_E_TIMEOUT || left == 0 || time_ns() >= deadline) && return st
        yield()
    end
end

"""
    read_next!(s, A; timeout=nothing) -> FrameInfo or nothing

Lossless read: copies the frame after the handle's cursor into `A`, waiting up to `timeout`
seconds (`nothing`: forever; 0: do not wait), and advances the cursor. Returns `nothing` on
timeout. After an overrun it returns the oldest frame still in the ring and `info.missed` says
how many were lost. Throws `ShmHubError` for other failures: `SHMHUB_E_PEER_DEAD` (the writer
died, with liveness), `SHMHUB_E_SIZE`, `SHMHUB_E_BUSY` (the writer overwrote the frame being
copied 1000 times in a row: a reader far slower than the writer; retry, or use `read_latest!`)
and `SHMHUB_E_CORRUPT` (an impossible sequence number in the control block: a damaged or hostile
segment).
"""
function read_next!(s::Stream{T}, A::Array{T}; timeout=nothing) where {T}
    check_frame(s, A)
    info = new_info()
    attempt = (p, ns) -> L.shmhub_stream_read_next(p, pointer(A), Csize_t(sizeof(A)), ns, info)
    st = GC.@preserve A info sliced(attempt, s, timeout)
    st == L.SHMHUB_E_TIMEOUT && return nothing
    check(st)   # `sliced` returns straight after the failing ccall: no yield in between
    return FrameInfo(info)
end

"""
    wait(s::Stream; timeout=nothing) -> Bool

Waits until a frame newer than the handle's cursor is committed (no copy). `true` when there is
one, `false` on timeout.
"""
function Base.wait(s::Stream; timeout=nothing)
    st = sliced((p, ns) -> L.shmhub_stream_wait(p, ns), s, timeout)
    st == L.SHMHUB_E_TIMEOUT && return false
    check(st)
    return true
end

"""    count(s::Stream) -> Int: number of committed frames (the newest sequence number)."""
Base.count(s::Stream) = Int(L.shmhub_stream_count(handle(s)))

# ---------------------------------------------------------------------------------------------
# Synched memory (1.1): per-worker segments, a two-barrier write-then-read cycle across processes

"""
    SynchedMemory{T}

A synched-memory segment: `workers` segments of `segment_len` elements of `T`, one per worker.
Each round every worker calls `write_and_sync!` (waits until all have finished reading the
previous round, copies its data in, waits until all have written), then reads the whole. Worker
ids are the C ids, 0-based, shared with the other languages. Closed by `close` or its finalizer.

Barrier waits are one blocking `ccall` each (a barrier cannot be retried in slices: a timeout
ends the run for every worker), so a long wait holds this Julia thread outside a GC safepoint.
"""
mutable struct SynchedMemory{T}
    ptr::Ptr{L.shmhub_synched}
    name::String
    workers::Int
    len::Int
    function SynchedMemory{T}(ptr::Ptr{L.shmhub_synched}, name::AbstractString) where {T}
        sm = new{T}(ptr, String(name), Int(L.shmhub_synched_workers(ptr)),
                    Int(L.shmhub_synched_segment_len(ptr)))
        finalizer(close, sm)
        code = L.shmhub_synched_dtype(ptr)
        if get(DTYPE_TO_JULIA, Int32(code), nothing) !== T
            close(sm)
            throw(ArgumentError("synched '$name' has dtype code $code, not $T"))
        end
        return sm
    end
end

Base.isopen(sm::SynchedMemory) = sm.ptr != C_NULL

function Base.close(sm::SynchedMemory)
    p = sm.ptr
    if p != C_NULL
        sm.ptr = C_NULL
        L.shmhub_synched_close(p)
    end
    return nothing
end

handle(sm::SynchedMemory) = isopen(sm) ? sm.ptr : closed_error("synched '$(sm.name)'")

Base.eltype(::SynchedMemory{T}) where {T} = T
Base.show(io::IO, sm::SynchedMemory{T}) where {T} =
    print(io, "SynchedMemory{", T, "}(\"", sm.name, "\", ", sm.workers, " x ", sm.len,
          isopen(sm) ? "" : ", closed", ")")

"""
    create_synched(name, T, workers, segment_len; profile=false, unlink_on_close=false)

Creates a synched-memory segment of `workers` segments of `segment_len` elements of `T`.
"""
function create_synched(name::AbstractString, ::Type{T}, workers::Integer, segment_len::Integer;
                        profile::Bool=false, unlink_on_close::Bool=false) where {T}
    segref = Ref(segment_opts(unlink_on_close=unlink_on_close))
    r = Ref{L.shmhub_synched_opts}()
    check(L.shmhub_synched_opts_init(r, sizeof(L.shmhub_synched_opts)))
    o = r[]
    out = Ref{Ptr{L.shmhub_synched}}(C_NULL)
    GC.@preserve segref begin
        segptr = Base.unsafe_convert(Ptr{L.shmhub_segment_opts}, segref)
        flags = profile ? L.SHMHUB_SYNCHED_PROFILE : UInt32(0)
        opts = Ref(L.shmhub_synched_opts(o.size, o.barrier_mode, o.spin_ns, o.liveness_ns, flags,
                                         o.profile_rounds, segptr))
        check(L.shmhub_synched_create(String(name), dtype_code(T), UInt32(workers),
                                      UInt64(segment_len), opts, out))
    end
    return SynchedMemory{T}(out[], name)
end

"""    open_synched(T, name) -> SynchedMemory{T}: opens an existing synched-memory segment."""
function open_synched(::Type{T}, name::AbstractString) where {T}
    out = Ref{Ptr{L.shmhub_synched}}(C_NULL)
    check(L.shmhub_synched_open(String(name), C_NULL, out))
    return SynchedMemory{T}(out[], name)
end

"""    attach!(sm, worker): claims worker id `worker` (0-based) for this process. Returns `sm`."""
function attach!(sm::SynchedMemory, worker::Integer)
    check(L.shmhub_synched_attach(handle(sm), UInt32(worker)))
    return sm
end

"""
    write_and_sync!(sm, A; timeout=nothing) -> Matrix{T}

One round: copies `A` (`segment_len` elements) into this worker's segment between the two
barriers and returns every worker's data as a `segment_len × workers` matrix (column `w + 1` is
worker `w`), a view of the shared memory valid until this worker's next `write_and_sync!`. Do
not write to it, and do not use it after `close(sm)`.
"""
function write_and_sync!(sm::SynchedMemory{T}, A::Vector{T}; timeout=nothing) where {T}
    length(A) == sm.len || throw(DimensionMismatch("synched '$(sm.name)': segment holds $(sm.len) elements, got $(length(A))"))
    p = handle(sm)
    GC.@preserve A check(L.shmhub_synched_write_and_sync(p, pointer(A), Csize_t(sizeof(A)), timeout_ns(timeout)))
    data = Ref{Ptr{Cvoid}}(C_NULL)
    check(L.shmhub_synched_global(p, data))
    return unsafe_wrap(Array, Ptr{T}(data[]), (sm.len, sm.workers); own=false)
end
write_and_sync!(sm::SynchedMemory{T}, A::AbstractVector; timeout=nothing) where {T} =
    write_and_sync!(sm, Vector{T}(A); timeout=timeout)

"""    finalize_run!(sm): ends the run for every worker (their barriers fail with SHMHUB_E_FINISHED)."""
finalize_run!(sm::SynchedMemory) = (check(L.shmhub_synched_finalize(handle(sm))); nothing)

"""
    profile(sm, worker) -> Matrix{Int64}

Worker `worker`'s recorded rounds as a `3 × rounds` matrix of nanoseconds: compute, wait and
cycle time per round (the segment must have been created with `profile=true`).
"""
function profile(sm::SynchedMemory, worker::Integer)
    p = handle(sm)
    n = Ref{Csize_t}(0)
    check(L.shmhub_synched_profile(p, UInt32(worker), Ptr{Int64}(C_NULL), Csize_t(0), n))
    buf = zeros(Int64, 3, Int(n[]))
    got = Ref{Csize_t}(0)
    GC.@preserve buf check(L.shmhub_synched_profile(p, UInt32(worker), pointer(buf), Csize_t(n[]), got))
    return buf[:, 1:min(Int(got[]), Int(n[]))]
end

"""
    blas_set_threads(n) -> Bool

Caps every BLAS library loaded in this process (OpenBLAS, MKL, BLIS) at `n` threads; `false`
when none is loaded (Julia's own OpenBLAS is normally found).
"""
function blas_set_threads(n::Integer)
    st = L.shmhub_blas_set_threads(Int32(n))
    st == L.SHMHUB_E_NOT_FOUND && return false
    check(st)
    return true
end

# ---------------------------------------------------------------------------------------------
# Shared dictionaries (docs/containers.md)

"""
    Pickled(data)

A value stored by Python's pickle (`SHMHUB_VALUE_PICKLE`): opaque outside Python, so Julia
returns its bytes in this wrapper (and stores a `Pickled` back as it came).
"""
struct Pickled
    data::Vector{UInt8}
end

"""
    SharedDict <: AbstractDict{String,Any}

A crash-safe shared dictionary of `String` keys (1 to 255 bytes of UTF-8, no NUL). Values are
stored typed, so C, Python and Rust read the same bytes: `Int64` (`SHMHUB_VALUE_I64`), `Float64`
(`F64`), `String` (`STR`), `Vector{UInt8}` (`BYTES`), arrays of a shmhub dtype (`NDARRAY`: the C
shape is the Julia dims reversed, as for segments) and `Pickled` (Python's pickles, opaque here).
A reader never sees a torn value; a process killed mid-write leaves every key at its old or new
value. Iteration walks a sorted snapshot of the keys. Closed by `close(d)` (idempotent) or its
finalizer.
"""
mutable struct SharedDict <: AbstractDict{String,Any}
    ptr::Ptr{L.shmhub_dict}
    name::String
    function SharedDict(ptr::Ptr{L.shmhub_dict}, name::AbstractString)
        d = new(ptr, String(name))
        return finalizer(close, d)
    end
end

Base.isopen(d::SharedDict) = d.ptr != C_NULL

function Base.close(d::SharedDict)
    p = d.ptr
    if p != C_NULL
        d.ptr = C_NULL
        L.shmhub_dict_close(p)
    end
    return nothing
end

handle(d::SharedDict) = isopen(d) ? d.ptr : closed_error("dict '$(d.name)'")

Base.show(io::IO, d::SharedDict) =
    print(io, "SharedDict(\"", d.name, "\"", isopen(d) ? ", $(length(d)) keys" : ", closed", ")")

function dict_opts(; capacity::Integer=1024, value_bytes::Integer=1 << 20, lock_timeout=5.0,
                   segptr::Ptr{L.shmhub_segment_opts}=Ptr{L.shmhub_segment_opts}(C_NULL))
    r = Ref{L.shmhub_dict_opts}()
    check(L.shmhub_dict_opts_init(r, sizeof(L.shmhub_dict_opts)))
    o = r[]
    return Ref(L.shmhub_dict_opts(o.size, UInt32(capacity), UInt64(value_bytes),
                                  timeout_ns(lock_timeout), segptr))
end

"""
    create_dict(name; capacity=1024, value_bytes=1 << 20, unlink_on_close=false, lock_timeout=5.0) -> SharedDict

Creates dictionary `name` for at most `capacity` keys and `value_bytes` bytes of keys and values
(16 bytes per entry included; a rewrite needs room for the old and the new value).
"""
function create_dict(name::AbstractString; capacity::Integer=1024, value_bytes::Integer=1 << 20,
                     unlink_on_close::Bool=false, lock_timeout=5.0)
    segref = Ref(segment_opts(unlink_on_close=unlink_on_close))
    out = Ref{Ptr{L.shmhub_dict}}(C_NULL)
    GC.@preserve segref begin
        segptr = Base.unsafe_convert(Ptr{L.shmhub_segment_opts}, segref)
        opts = dict_opts(capacity=capacity, value_bytes=value_bytes, lock_timeout=lock_timeout,
                         segptr=segptr)
        check(L.shmhub_dict_create(String(name), opts, out))
    end
    return SharedDict(out[], name)
end

"""    open_dict(name; read_only=false, lock_timeout=5.0) -> SharedDict: opens an existing dictionary."""
function open_dict(name::AbstractString; read_only::Bool=false, lock_timeout=5.0)
    segref = Ref(segment_opts(read_only=read_only))
    out = Ref{Ptr{L.shmhub_dict}}(C_NULL)
    GC.@preserve segref begin
        segptr = Base.unsafe_convert(Ptr{L.shmhub_segment_opts}, segref)
        check(L.shmhub_dict_open(String(name), dict_opts(lock_timeout=lock_timeout, segptr=segptr), out))
    end
    return SharedDict(out[], name)
end

# (type code, bytes) of a Julia value.
encode_value(v::Int64) = (L.SHMHUB_VALUE_I64, collect(reinterpret(UInt8, [htol(v)])))
encode_value(v::Float64) = (L.SHMHUB_VALUE_F64, collect(reinterpret(UInt8, [htol(v)])))
encode_value(v::AbstractString) = (L.SHMHUB_VALUE_STR, Vector{UInt8}(codeunits(String(v))))
encode_value(v::Vector{UInt8}) = (L.SHMHUB_VALUE_BYTES, v)
encode_value(v::Pickled) = (L.SHMHUB_VALUE_PICKLE, v.data)
function encode_value(v::AbstractArray{T}) where {T}
    code = dtype_code(T)
    shape = c_shape(size(v))
    head = vcat(collect(reinterpret(UInt8, UInt32[UInt32(code), UInt32(length(shape))])),
                collect(reinterpret(UInt8, shape)))
    return (L.SHMHUB_VALUE_NDARRAY, vcat(head, collect(reinterpret(UInt8, vec(collect(v))))))
end
encode_value(v) = throw(ArgumentError("SharedDict cannot store a $(typeof(v)): use Int64, " *
                                      "Float64, String, Vector{UInt8} or an array of a shmhub dtype"))

function decode_value(d::SharedDict, key::AbstractString, type::UInt32, data::Vector{UInt8})
    if type == L.SHMHUB_VALUE_I64 && length(data) == 8
        return ltoh(reinterpret(Int64, data)[1])
    elseif type == L.SHMHUB_VALUE_F64 && length(data) == 8
        return ltoh(reinterpret(Float64, data)[1])
    elseif type == L.SHMHUB_VALUE_STR
        return String(data)
    elseif type == L.SHMHUB_VALUE_BYTES
        return data
    elseif type == L.SHMHUB_VALUE_PICKLE
        return Pickled(data)
    elseif type == L.SHMHUB_VALUE_NDARRAY && length(data) >= 8
        code, ndim = reinterpret(UInt32, data[1:8])
        if ndim <= L.SHMHUB_MAX_NDIM && length(data) >= 8 + 8 * Int(ndim)
            shape = reinterpret(UInt64, data[9:8+8*Int(ndim)])
            T = julia_type(code)
            dims = ntuple(i -> Int(shape[Int(ndim) - i + 1]), Int(ndim))
            body = data[9+8*Int(ndim):end]
            if length(body) == sizeof(T) * prod(dims)
                return reshape(collect(reinterpret(T, body)), dims)
            end
        end
    end
    throw(ArgumentError("dict '$(d.name)': key '$key' holds a value of type $type that does not " *
                        "decode ($(length(data)) bytes)"))
end

# (status, type, bytes): the value of key, whatever its size (a concurrent writer may grow it).
function get_raw(d::SharedDict, key::AbstractString)
    type = Ref{UInt32}(0)
    n = Ref{Csize_t}(0)
    buf = Vector{UInt8}(undef, 256)
    for _ in 1:16
        st = L.shmhub_dict_get(handle(d), String(key), type, buf, length(buf), n)
        if st == L.SHMHUB_E_SIZE
            resize!(buf, Int(n[]))
            continue
        end
        st == L.SHMHUB_OK && resize!(buf, Int(n[]))
        return st, type[], buf
    end
    throw(ArgumentError("dict '$(d.name)': key '$key' kept growing while read"))
end

function Base.getindex(d::SharedDict, key::AbstractString)
    st, type, data = get_raw(d, key)
    st == L.SHMHUB_E_NOT_FOUND && throw(KeyError(key))
    check(st)
    return decode_value(d, key, type, data)
end

function Base.get(d::SharedDict, key::AbstractString, default)
    st, type, data = get_raw(d, key)
    st == L.SHMHUB_E_NOT_FOUND && return default
    check(st)
    return decode_value(d, key, type, data)
end

function Base.setindex!(d::SharedDict, value, key::AbstractString)
    type, data = encode_value(value)
    GC.@preserve data check(L.shmhub_dict_set(handle(d), String(key), type, data, length(data)))
    return d
end

function Base.delete!(d::SharedDict, key::AbstractString)
    st = L.shmhub_dict_delete(handle(d), String(key))
    st == L.SHMHUB_E_NOT_FOUND || check(st)
    return d
end

function Base.haskey(d::SharedDict, key::AbstractString)
    st = L.shmhub_dict_contains(handle(d), String(key))
    st == L.SHMHUB_E_NOT_FOUND && return false
    check(st)
    return true
end

Base.length(d::SharedDict) = Int(L.shmhub_dict_len(handle(d)))

function Base.empty!(d::SharedDict)
    check(L.shmhub_dict_clear(handle(d)))
    return d
end

"""    keys_snapshot(d) -> Vector{String}: the keys, sorted, as one consistent snapshot."""
function keys_snapshot(d::SharedDict)
    out = Ref{Ptr{L.shmhub_list}}(C_NULL)
    check(L.shmhub_dict_keys(handle(d), out))
    lst = out[]
    try
        return [unsafe_string(L.shmhub_list_name(lst, i)) for i in 0:Int(L.shmhub_list_count(lst))-1]
    finally
        L.shmhub_list_close(lst)
    end
end

Base.keys(d::SharedDict) = keys_snapshot(d)

# Iterates key => value pairs over a snapshot of the keys; a key deleted meanwhile is skipped.
function Base.iterate(d::SharedDict, state=(keys_snapshot(d), 1))
    ks, i = state
    while i <= length(ks)
        st, type, data = get_raw(d, ks[i])
        if st != L.SHMHUB_E_NOT_FOUND
            check(st)
            return (ks[i] => decode_value(d, ks[i], type, data)), (ks, i + 1)
        end
        i += 1
    end
    return nothing
end

"""
    add!(d, key, n=1) -> Int64

Atomically adds `n` to the `Int64` counter `key` (a missing key starts at 0); returns the new
value (wrapping around at 64 bits).
"""
function add!(d::SharedDict, key::AbstractString, n::Integer=1)
    out = Ref{Int64}(0)
    check(L.shmhub_dict_add_i64(handle(d), String(key), Int64(n), out))
    return out[]
end

"""
    compare_and_set!(d, key, expected, new) -> Bool

Atomically sets the `Int64` counter `key` to `new` if it equals `expected`; `true` if it did.
Throws `KeyError` for a missing key.
"""
function compare_and_set!(d::SharedDict, key::AbstractString, expected::Integer, new::Integer)
    actual = Ref{Int64}(0)
    st = L.shmhub_dict_cas_i64(handle(d), String(key), Int64(expected), Int64(new), actual)
    st == L.SHMHUB_E_NOT_FOUND && throw(KeyError(key))
    check(st)
    return actual[] == Int64(expected)
end

# ---------------------------------------------------------------------------------------------
# Memory pools (docs/containers.md)

"""
    MemoryPool

A pool of shared buffers in size classes fixed at create. `acquire(pool, nbytes)` takes a
buffer of the smallest class that fits; `release!(pool, buf)` gives it back. Dropping a
`PoolBuffer` does not give it back (a buffer handed to another process by `buffer_id(buf)` stays
valid there; `adopt(pool, id)` takes it over); the buffers of a process that died are reclaimed.
Closed by `close(pool)` (idempotent) or its finalizer.
"""
mutable struct MemoryPool
    ptr::Ptr{L.shmhub_pool}
    name::String
    function MemoryPool(ptr::Ptr{L.shmhub_pool}, name::AbstractString)
        p = new(ptr, String(name))
        return finalizer(close, p)
    end
end

Base.isopen(p::MemoryPool) = p.ptr != C_NULL

function Base.close(p::MemoryPool)
    ptr = p.ptr
    if ptr != C_NULL
        p.ptr = C_NULL
        L.shmhub_pool_close(ptr)
    end
    return nothing
end

handle(p::MemoryPool) = isopen(p) ? p.ptr : closed_error("pool '$(p.name)'")

Base.show(io::IO, p::MemoryPool) =
    print(io, "MemoryPool(\"", p.name, "\"", isopen(p) ? "" : ", closed", ")")

"""
    create_pool(name, classes; unlink_on_close=false) -> MemoryPool

Creates pool `name` with size classes `classes`, pairs `buffer_bytes => count`
(e.g. `[1 << 20 => 16, 16 << 20 => 4]`).
"""
function create_pool(name::AbstractString, classes::AbstractVector{<:Pair}; unlink_on_close::Bool=false)
    cls = [L.shmhub_pool_class(UInt64(first(c)), UInt32(last(c)), UInt32(0)) for c in classes]
    segref = Ref(segment_opts(unlink_on_close=unlink_on_close))
    r = Ref{L.shmhub_pool_opts}()
    check(L.shmhub_pool_opts_init(r, sizeof(L.shmhub_pool_opts)))
    o = r[]
    out = Ref{Ptr{L.shmhub_pool}}(C_NULL)
    GC.@preserve segref cls begin
        segptr = Base.unsafe_convert(Ptr{L.shmhub_segment_opts}, segref)
        opts = Ref(L.shmhub_pool_opts(o.size, UInt32(length(cls)), pointer(cls), segptr))
        check(L.shmhub_pool_create(String(name), opts, out))
    end
    return MemoryPool(out[], name)
end

"""    open_pool(name) -> MemoryPool: opens an existing pool."""
function open_pool(name::AbstractString)
    out = Ref{Ptr{L.shmhub_pool}}(C_NULL)
    check(L.shmhub_pool_open(String(name), C_NULL, out))
    return MemoryPool(out[], name)
end

"""
    PoolBuffer <: AbstractVector{UInt8}

A buffer taken from a `MemoryPool` (64-byte aligned, its class's size), indexed as bytes without
a copy; `unsafe_wrap`-style typed views: `reinterpret(T, buf)`. It keeps its pool reachable.
After `release!` (or a close of the pool) indexing throws instead of touching the memory.
"""
mutable struct PoolBuffer <: AbstractVector{UInt8}
    ptr::Ptr{L.shmhub_buffer}
    pool::MemoryPool
    id::UInt64
    data::Ptr{UInt8}
    nbytes::Int
    function PoolBuffer(ptr::Ptr{L.shmhub_buffer}, pool::MemoryPool)
        b = new(ptr, pool, L.shmhub_buffer_id(ptr), Ptr{UInt8}(L.shmhub_buffer_data(ptr)),
                Int(L.shmhub_buffer_size(ptr)))
        # Frees the handle only: the buffer stays this process's (PoolBuffer docs).
        return finalizer(b) do x
            h = x.ptr
            x.ptr = C_NULL
            h != C_NULL && L.shmhub_buffer_close(h)
        end
    end
end

Base.isopen(b::PoolBuffer) = b.ptr != C_NULL && isopen(b.pool)
Base.size(b::PoolBuffer) = (b.nbytes,)
Base.IndexStyle(::Type{PoolBuffer}) = IndexLinear()
function live_data(b::PoolBuffer)
    isopen(b) || closed_error("buffer $(b.id) of pool '$(b.pool.name)'")
    return b.data
end
function Base.getindex(b::PoolBuffer, i::Int)
    @boundscheck checkbounds(b, i)
    return unsafe_load(live_data(b), i)
end
function Base.setindex!(b::PoolBuffer, v, i::Int)
    @boundscheck checkbounds(b, i)
    unsafe_store!(live_data(b), convert(UInt8, v), i)
    return b
end
Base.pointer(b::PoolBuffer) = live_data(b)
Base.unsafe_convert(::Type{Ptr{UInt8}}, b::PoolBuffer) = pointer(b)

"""    buffer_id(buf) -> UInt64: the id another process passes to `adopt`."""
buffer_id(b::PoolBuffer) = b.id

"""
    acquire(pool, nbytes; timeout=nothing) -> PoolBuffer

Takes a buffer of the smallest class holding `nbytes`, waiting up to `timeout` seconds
(`nothing`: forever) while that class is empty.
"""
function acquire(p::MemoryPool, nbytes::Integer; timeout=nothing)
    out = Ref{Ptr{L.shmhub_buffer}}(C_NULL)
    check(L.shmhub_pool_acquire(handle(p), Csize_t(nbytes), timeout_ns(timeout), out))
    return PoolBuffer(out[], p)
end

"""    adopt(pool, id) -> PoolBuffer: takes over a buffer another process handed over by id."""
function adopt(p::MemoryPool, id::Integer)
    out = Ref{Ptr{L.shmhub_buffer}}(C_NULL)
    check(L.shmhub_pool_adopt(handle(p), UInt64(id), out))
    return PoolBuffer(out[], p)
end

"""    release!(pool, buf): gives `buf` back to the pool; `buf` is dead afterwards."""
function release!(p::MemoryPool, b::PoolBuffer)
    b.pool === p || throw(ArgumentError("buffer $(b.id) belongs to pool '$(b.pool.name)', not '$(p.name)'"))
    h = b.ptr
    h == C_NULL && closed_error("buffer $(b.id) of pool '$(p.name)'")
    b.ptr = C_NULL    # first: the finalizer must not free the handle release frees
    check(L.shmhub_pool_release(handle(p), h))
    return nothing
end

"""    reclaim!(pool) -> Int: returns the buffers of dead processes to the pool; how many."""
function reclaim!(p::MemoryPool)
    n = Ref{UInt64}(0)
    check(L.shmhub_pool_reclaim(handle(p), n))
    return Int(n[])
end

# ---------------------------------------------------------------------------------------------

# The hand-written CUDA layer, `ShmHub.Cuda` (GPUStream, pinned host segments). Defining it never
# opens libshmhub_cuda: that happens on its first call, so loading ShmHub works without CUDA.
include("ShmHubCuda.jl")

function __init__()
    # Header/library agreement: the generated file's SHMHUB_VERSION_NUMBER against the library.
    check(L.shmhub_check_version(UInt32(L.SHMHUB_VERSION_NUMBER)))
end

end # module ShmHub
