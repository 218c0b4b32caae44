# The live demo's Julia consumer: the Julia version of examples/demo/consumer.py (make demo).
#
# Reads PREFIX.frames (1000x1000 Float32 frames from the C producer) with `read_latest!` into a
# preallocated Matrix after `wait`, checks every frame is whole against the reference pattern
# PREFIX.ref["base"] (a zero-copy view of the producer's segment), computes the frame's deviation
# from that pattern, and drains PREFIX.stats (4 Float64 per row, [tick seq, mean, max, tick seq],
# published by the Rust service) losslessly with `read_next!(...; timeout=0)` between frames.
# Prints one JSON summary line at the end, with the same keys as the Python consumer.
#
#   SHMHUB_LIB=build/libshmhub.so.1 julia --project=bindings/julia examples/julia/demo_consumer.jl PREFIX [--seconds S]
#
# Row-major vs column-major: the C frame [1000][1000] is a 1000x1000 Julia matrix with its
# dimensions reversed (C element [r][c] is J[c+1, r+1]). Frame and base share that layout, so the
# whole-frame check compares them element by element in memory order: C element [0][0] is
# `frame[1]` and the C last element is `frame[end]`.
#
# NOT EXECUTED: no Julia runtime exists on our machines; this file is only syntax-checked
# (make test-julia). See docs/julia.md.
using ShmHub

const LIB = ShmHub.LibShmHub

usage() = println(stderr, "usage: julia --project=bindings/julia examples/julia/demo_consumer.jl PREFIX [--seconds S]")

"""Opens a segment/stream another process is about to create (retries until `deadline`)."""
function open_when_ready(f, name::AbstractString, deadline::Float64)
    while true
        try
            return f(name)
        catch e
            retry = e isa ShmHubError && (e.code == LIB.SHMHUB_E_NOT_FOUND || e.code == LIB.SHMHUB_E_TIMEOUT)
            (retry && time() <= deadline) || rethrow()
            sleep(0.02)
        end
    end
end

"""Like numpy.percentile's default (linear interpolation); `nothing` for no values."""
function pct(values::Vector{Float64}, q::Float64)
    isempty(values) && return nothing
    v = sort(values)
    h = (length(v) - 1) * q / 100
    lo = floor(Int, h)
    hi = min(lo + 1, length(v) - 1)
    return v[lo + 1] + (h - lo) * (v[hi + 1] - v[lo + 1])
end

"""
    check_against(frame, base, seq) -> (whole, deviation)

`whole`: element 1 and the last equal `seq` and the rest equal `base + (seq % 100) * 0.01` (as
numpy.allclose with atol=1e-4, rtol=1e-5). `deviation`: mean of the frame's inner elements minus
that of base's, in Float64. `base` is the raw Array of the segment view (caller preserves it).
"""
function check_against(frame::Matrix{Float32}, base::Array{Float32}, seq::UInt64)
    n = length(frame)
    off = Float32((seq % 100) * 0.01)
    whole = frame[1] == seq && frame[n] == seq
    sf = 0.0
    sb = 0.0
    @inbounds for i in 2:n-1
        f = frame[i]
        b = base[i]
        e = b + off
        whole &= abs(Float64(f) - Float64(e)) <= 1e-4 + 1e-5 * abs(Float64(e))
        sf += Float64(f)
        sb += Float64(b)
    end
    inner = max(n - 2, 1)
    return whole, sf / inner - sb / inner
end

json_num(x::Nothing) = "null"
json_num(x::Integer) = string(x)
json_num(x::Real) = isfinite(x) ? repr(Float64(x)) : "null"

function json_line(pairs)
    parts = String[]
    for (k, v) in pairs
        push!(parts, string("\"", k, "\": ", v isa AbstractString ? string("\"", v, "\"") : json_num(v)))
    end
    return string("{", join(parts, ", "), "}")
end

mutable struct StatsReader
    prefix::String
    stream::Union{Nothing,Stream{Float64}}
    row::Vector{Float64}
    live_from::UInt64
    frames::Int
    torn::Int
    lat_us::Vector{Float64}
end

StatsReader(prefix) = StatsReader(prefix, nothing, Float64[], 0, 0, 0, Float64[])

"""Reads every stats row committed so far (timeout 0: never blocks); opens the stream first."""
function drain!(r::StatsReader)
    if r.stream === nothing
        s = try
            open_stream(Float64, r.prefix * ".stats")
        catch e
            (e isa ShmHubError && (e.code == LIB.SHMHUB_E_NOT_FOUND || e.code == LIB.SHMHUB_E_TIMEOUT)) || rethrow()
            return r    # the Rust service has not created it yet
        end
        r.row = Vector{Float64}(undef, size(s))
        r.live_from = UInt64(count(s))  # rows after this one arrived while we were listening
        # From its first row (lossless from the start, as the Python consumer's seek(0)).
        # ShmHub.jl has no seek, so this uses the raw C API on the handle.
        LIB.shmhub_stream_seek(ShmHub.handle(s), UInt64(0))
        r.stream = s
    end
    s = r.stream::Stream{Float64}
    row = r.row
    while true
        info = read_next!(s, row; timeout=0)
        info === nothing && break
        if info.seq > r.live_from   # the backlog read at start has no live latency
            push!(r.lat_us, (time() - info.timestamp_ns / 1e9) * 1e6)
        end
        r.frames += 1
        if row[1] != row[end]       # the service stamps the tick seq at both ends
            r.torn += 1
        end
    end
    return r
end

function main(args)
    prefix = nothing
    seconds = 10.0
    i = 1
    while i <= length(args)
        a = args[i]
        if a == "--seconds" && i < length(args)
            seconds = parse(Float64, args[i + 1])
            i += 2
        elseif startswith(a, "--seconds=")
            seconds = parse(Float64, a[length("--seconds=") + 1:end])
            i += 1
        elseif !startswith(a, "-") && prefix === nothing
            prefix = a
            i += 1
        else
            usage()
            return 2
        end
    end
    prefix === nothing && (usage(); return 2)

    # Ctrl-C: an InterruptException we catch, then the summary (a script exits on SIGINT by
    # default; this is what Base.exit_on_sigint(false) calls). SIGTERM is not handled.
    ccall(:jl_exit_on_sigint, Cvoid, (Cint,), 0)
    t_open = time() + 10
    ref = open_when_ready(n -> open_segment(n; read_only=true), prefix * ".ref", t_open)
    base = array(ref, "base")    # zero-copy view of the producer's reference pattern
    frames = open_when_ready(n -> open_stream(Float32, n), prefix * ".frames", t_open)
    ndims(base) == 2 && length(size(frames)) == 2 && size(base) == size(frames) ||
        error("$(prefix).frames has dims $(size(frames)), $(prefix).ref base has $(size(base))")
    frame = Matrix{Float32}(undef, size(frames))   # Julia dims: the C shape reversed
    stats = StatsReader(prefix)

    got = 0
    torn = 0
    overwritten = 0              # read_latest! copies a never-torn frame: nothing to discard
    first_seq = UInt64(0)
    last_seq = UInt64(0)
    lat_us = Float64[]
    deviations = Float64[]
    stop_at = time() + seconds
    try
        while time() < stop_at
            if wait(frames; timeout=0.05)
                info = read_latest!(frames, frame)
                received = time()
                if info !== nothing
                    seq = info.seq
                    whole, deviation = GC.@preserve base check_against(frame, parent(base), seq)
                    whole || (torn += 1)
                    got += 1
                    first_seq == 0 && (first_seq = seq)
                    last_seq = seq
                    push!(deviations, deviation)
                    push!(lat_us, (received - info.timestamp_ns / 1e9) * 1e6)
                end
            end
            drain!(stats)
        end
        drain!(stats)
    catch e
        e isa InterruptException || rethrow()
    end

    seen = got > 0 ? Int(last_seq - first_seq) + 1 : 0
    println(json_line([
        "role" => "julia", "stream" => "frames", "frames" => got, "missed" => max(0, seen - got),
        "torn" => torn, "overwritten_while_computing" => overwritten,
        "latency_us_p50" => pct(lat_us, 50.0), "latency_us_p99" => pct(lat_us, 99.0),
        "mean_deviation" => isempty(deviations) ? nothing : sum(deviations) / length(deviations),
        "stats_frames" => stats.frames, "stats_torn" => stats.torn,
        "stats_latency_us_p50" => pct(stats.lat_us, 50.0), "stats_latency_us_p99" => pct(stats.lat_us, 99.0),
    ]))
    flush(stdout)
    stats.stream === nothing || close(stats.stream)
    close(frames)
    close(ref)
    return 0
end

exit(main(ARGS))
