"""The live demo's Python consumer (make demo).

Reads PREFIX.frames zero-copy (peek + validate: the numbers come from the shared ring itself, not
a copy), checks every frame is whole against the reference pattern in PREFIX.ref (also zero-copy),
computes the frame's deviation from that pattern, and drains PREFIX.stats, which the Rust service
publishes. Prints one JSON summary line at the end.

Usage: consumer.py PREFIX --seconds S
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time

import numpy as np

import shmhub


def open_when_ready(fn, name: str, deadline: float):
    """Opens a segment/stream another process is about to create."""
    while True:
        try:
            return fn(name)
        except FileNotFoundError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def pct(values: list, q: float) -> float | None:
    return float(np.percentile(values, q)) if values else None


def read_stats(prefix: str, result: dict, stopped) -> None:
    """Reads the Rust service's stream losslessly in its own thread: read_next blocks on the
    futex with the GIL released, so this costs the frame loop nothing."""
    stats = None
    live_from = 0
    while not stopped():
        if stats is None:
            try:
                stats = shmhub.Stream.open(f"{prefix}.stats", timeout=0)
                live_from = stats.count  # frames after this arrived while we were listening
                stats.seek(0)  # from its first frame: lossless from the start
            except (FileNotFoundError, TimeoutError):
                time.sleep(0.01)
                continue
        try:
            row = stats.read_next(timeout=0.1)
        except TimeoutError:
            continue
        if stats.last_info.seq > live_from:  # the backlog read at start has no live latency
            result["lat_us"].append((time.time() - stats.last_info.timestamp) * 1e6)
        result["frames"] += 1
        if row[0] != row[-1]:  # the service stamps the tick seq at both ends
            result["torn"] += 1


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("prefix")
    ap.add_argument("--seconds", type=float, default=10.0)
    args = ap.parse_args()
    stop = False

    def on_signal(*_):
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    t_open = time.monotonic() + 10
    ref = open_when_ready(lambda n: shmhub.open(n, readonly=True), f"{args.prefix}.ref", t_open)
    base = ref["base"]  # zero-copy view of the producer's reference pattern
    frames = open_when_ready(lambda n: shmhub.Stream.open(n, readonly=False),
                             f"{args.prefix}.frames", t_open)
    stats_result = {"frames": 0, "torn": 0, "lat_us": []}
    stats_thread = threading.Thread(target=read_stats, args=(args.prefix, stats_result, lambda: stop),
                                    daemon=True)
    stats_thread.start()

    flat_base = base.ravel()
    got = torn = overwritten = 0
    first_seq = last_seq = 0
    lat_us: list[float] = []
    deviations: list[float] = []
    end = time.monotonic() + args.seconds
    while not stop and time.monotonic() < end:
        if frames.wait(timeout=0.05):
            view = frames.peek()  # no copy: a read-only view into the ring
            info = frames.last_info
            received = time.time()
            seq = info.seq
            flat = view.ravel()
            off = np.float32((seq % 100) * 0.01)
            whole = (flat[0] == seq and flat[-1] == seq and
                     np.allclose(flat[1:-1], flat_base[1:-1] + off, atol=1e-4))
            deviation = float(flat[1:-1].mean(dtype=np.float64) - flat_base[1:-1].mean(dtype=np.float64))
            if not frames.validate():
                overwritten += 1  # the ring wrapped while we computed: discard, not a torn read
                continue
            if not whole:
                torn += 1
            got += 1
            first_seq = first_seq or seq
            last_seq = seq
            deviations.append(deviation)
            lat_us.append((received - info.timestamp) * 1e6)
    stop = True
    stats_thread.join(timeout=2)
    stats_frames, stats_torn, stats_lat_us = (stats_result["frames"], stats_result["torn"],
                                              stats_result["lat_us"])
    seen = last_seq - first_seq + 1 if got else 0
    print(json.dumps({
        "role": "python", "stream": "frames", "frames": got, "missed": max(0, seen - got),
        "torn": torn, "overwritten_while_computing": overwritten,
        "latency_us_p50": pct(lat_us, 50), "latency_us_p99": pct(lat_us, 99),
        "mean_deviation": float(np.mean(deviations)) if deviations else None,
        "stats_frames": stats_frames, "stats_torn": stats_torn,
        "stats_latency_us_p50": pct(stats_lat_us, 50), "stats_latency_us_p99": pct(stats_lat_us, 99),
    }), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
