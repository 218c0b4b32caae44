# Live analytics over a stream of Float32 frames: prints each frame's mean and maximum, then how
# many frames were read. Stops when no frame arrives for IDLE seconds (default 2).
#
#   SHMHUB_LIB=/path/to/libshmhub.so.1 julia --project=bindings/julia examples/julia/analytics.jl NAME [IDLE]
#
# Frames are read with read_next! (lossless, in order; `missed` counts frames lost to overrun).
using ShmHub

function main(args)
    if isempty(args)
        println(stderr, "usage: julia --project=bindings/julia examples/julia/analytics.jl NAME [IDLE_SECONDS]")
        return 2
    end
    name = args[1]
    idle = length(args) >= 2 ? parse(Float64, args[2]) : 2.0
    s = open_stream(Float32, name)
    frame = Array{Float32}(undef, size(s))   # Julia dims: the C shape reversed
    frames = 0
    missed = 0
    try
        while true
            info = read_next!(s, frame; timeout=idle)
            info === nothing && break          # nothing for `idle` seconds: the writer stopped
            frames += 1
            missed += Int(info.missed)
            m = sum(Float64, frame) / length(frame)
            println("frame ", info.seq, ": mean=", round(m; digits=6), " max=", maximum(frame),
                    info.missed > 0 ? "  (missed $(info.missed))" : "")
        end
        println("frames read: ", frames, ", missed: ", missed, ", stream count: ", count(s))
    finally
        close(s)
    end
    return 0
end

exit(main(ARGS))
