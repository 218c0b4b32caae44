#!/usr/bin/env python3
"""SynchedMemory cycle-time benchmark (issue 15): one cycle = write 4 KB into this worker's
segment between two barriers, then read; median per cycle over many cycles, worker 0's clock.

Same run, same machine, side by side:
* ``build/compute_bench`` (C): shmhub SynchedMemory (futex, spin-then-futex, spin) and a
  process-shared pthread barrier doing the same cycle, with 2 processes and with twice as many
  processes as cores (futex);
* ``multiprocessing.Barrier`` (Python) doing the same cycle on a ``multiprocessing.Array``;
* shmhub.SynchedMemory from Python (when the package is installed), futex and spin-then-futex.

Writes ``bench/results/compute_bench.md`` (and ``.png`` when matplotlib is installed). Needs only
the standard library besides the C program, so it runs on a bare machine too:
``python3 bench/compute_bench.py --c-bench build/compute_bench [--cpus 0,1]``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import statistics
import subprocess
import sys
import time

SEG_BYTES = 4096
HERE = os.path.dirname(os.path.abspath(__file__))


def mp_worker(barrier, arr, w, workers, cycles, out):
    local = bytes([w]) * SEG_BYTES
    view = memoryview(arr).cast("B")
    times = []
    for c in range(-100, cycles):
        t0 = time.perf_counter()
        barrier.wait()
        view[w * SEG_BYTES:(w + 1) * SEG_BYTES] = local
        barrier.wait()
        _ = view[((w + 1) % workers) * SEG_BYTES]
        if c >= 0:
            times.append(time.perf_counter() - t0)
    if w == 0:
        out.put(times)


def bench_mp_barrier(workers, cycles):
    ctx = mp.get_context("fork")
    barrier = ctx.Barrier(workers)
    arr = ctx.RawArray("b", workers * SEG_BYTES)
    out = ctx.Queue()
    ps = [ctx.Process(target=mp_worker, args=(barrier, arr, w, workers, cycles, out))
          for w in range(workers)]
    for p in ps:
        p.start()
    times = out.get(timeout=600)
    for p in ps:
        p.join()
    return times


def shmhub_worker(name, w, cycles, barrier_mode, out):
    import numpy as np
    import shmhub
    sm = shmhub.SynchedMemory.open(name, barrier=barrier_mode)
    sm.attach(w)
    local = np.full(SEG_BYTES // 4, w, np.float32)
    times = []
    for c in range(-100, cycles):
        t0 = time.perf_counter()
        g = sm.write_and_sync(local, timeout=60)
        _ = g[(w + 1) % sm.workers, 0]
        if c >= 0:
            times.append(time.perf_counter() - t0)
    sm.close()
    if w == 0:
        out.put(times)


def bench_shmhub_python(workers, cycles, barrier_mode):
    import shmhub
    name = f"bench-pysynched-{os.getpid()}"
    sm = shmhub.SynchedMemory.create(name, workers=workers, segment_len=SEG_BYTES // 4,
                                     dtype="f4", unlink_on_close=True)
    ctx = mp.get_context("fork")
    out = ctx.Queue()
    ps = [ctx.Process(target=shmhub_worker, args=(name, w, cycles, barrier_mode, out))
          for w in range(workers)]
    for p in ps:
        p.start()
    times = out.get(timeout=600)
    for p in ps:
        p.join()
    sm.close()
    return times


def summary(times):
    s = sorted(times)
    return statistics.median(s) * 1e6, s[int(len(s) * 0.9)] * 1e6


def measure(args):
    rows = []
    out = subprocess.run([args.c_bench, str(args.cycles)], capture_output=True, text=True,
                         check=True).stdout
    for line in out.splitlines():
        if line.startswith("#"):
            continue
        what, workers, mode, med, p90 = line.split()
        rows.append({"case": f"C {what}", "workers": int(workers), "mode": mode,
                     "median_us": float(med), "p90_us": float(p90)})
    med, p90 = summary(bench_mp_barrier(2, args.cycles // 4))
    rows.append({"case": "Python multiprocessing.Barrier", "workers": 2, "mode": "-",
                 "median_us": med, "p90_us": p90})
    try:
        import numpy  # noqa: F401
        import shmhub  # noqa: F401
        have_shmhub = True
    except ImportError:
        have_shmhub = False
    if have_shmhub:
        for mode in ("futex", "spin_then_futex"):
            med, p90 = summary(bench_shmhub_python(2, args.cycles // 4, mode))
            rows.append({"case": "Python shmhub.SynchedMemory", "workers": 2, "mode": mode,
                         "median_us": med, "p90_us": p90})
    return {"cores": os.cpu_count(), "affinity": sorted(os.sched_getaffinity(0)),
            "cycles": args.cycles, "machine": os.uname().machine, "rows": rows}


def render(res, out_dir):
    rows = res["rows"]

    def find(case, workers, mode):
        for r in rows:
            if r["case"] == case and r["workers"] == workers and r["mode"] == mode:
                return r["median_us"]
        return float("nan")
    cores = len(res["affinity"])
    over = 2 * cores
    pt2 = find("C pthread_barrier", 2, "pshared")
    ptn = find("C pthread_barrier", over, "pshared")
    mpb = find("Python multiprocessing.Barrier", 2, "-")
    lines = [
        "# SynchedMemory cycle time (bench/compute_bench.py)",
        "",
        f"One cycle: write 4 KB into this worker's segment between two barriers, then read. "
        f"Median and 90th percentile per cycle (worker 0), {res['cycles']} cycles "
        f"(a quarter of that for the Python rows and the oversubscribed case), "
        f"{cores} CPUs ({res['affinity']}). Every ratio is against a baseline of the same run.",
        "",
        "| case | processes | barrier | median µs | p90 µs | vs pthread barrier (same processes) | vs multiprocessing.Barrier |",
        "|---|---:|---|---:|---:|---:|---:|",
    ]
    for r in rows:
        base = pt2 if r["workers"] == 2 else ptn
        lines.append(f"| {r['case']} | {r['workers']} | {r['mode']} | {r['median_us']:.2f} | "
                     f"{r['p90_us']:.2f} | {r['median_us'] / base:.2f}x | "
                     f"{r['median_us'] / mpb:.3f}x |")
    stf = find("C shmhub_synched", 2, "spin_then_futex")
    fo = find("C shmhub_synched", over, "futex")
    lines += [
        "",
        f"Goals: spin-then-futex median with 2 processes <= 2 µs: **{stf:.2f} µs** "
        f"({'met' if stf <= 2 else 'NOT met'}); futex mode with {over} processes on {cores} CPUs "
        f"<= 1.1x the pthread barrier: **{fo / ptn:.2f}x** ({'met' if fo / ptn <= 1.1 else 'NOT met'}).",
    ]
    md = "\n".join(lines) + "\n"
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "compute_bench.md"), "w") as f:
        f.write(md)
    with open(os.path.join(out_dir, "compute_bench.json"), "w") as f:
        json.dump(res, f, indent=1)
    print(md)
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    labels = [f"{r['case'].replace('Python ', 'Py ')}\n{r['workers']}p {r['mode']}" for r in rows]
    fig, ax = plt.subplots(figsize=(10, 4.5))
    ax.barh(range(len(rows)), [r["median_us"] for r in rows], color="tab:blue")
    ax.set_yticks(range(len(rows)), labels, fontsize=7)
    ax.set_xscale("log")
    ax.set_xlabel("median µs per cycle (log)")
    ax.set_title(f"SynchedMemory cycle (4 KB, two barriers), {cores} CPUs")
    fig.tight_layout()
    fig.savefig(os.path.join(out_dir, "compute_bench.png"), dpi=100)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--c-bench", default=os.path.join(HERE, "..", "build", "compute_bench"))
    ap.add_argument("--cycles", type=int, default=20000)
    ap.add_argument("--cpus", help="run pinned to these CPUs, e.g. 0,1")
    ap.add_argument("--json-out", help="only measure; write the raw results here")
    ap.add_argument("--render", help="only render results from this JSON file")
    ap.add_argument("--out", default=os.path.join(HERE, "results"))
    args = ap.parse_args()
    if args.render:
        with open(args.render) as f:
            render(json.load(f), args.out)
        return 0
    if args.cpus:
        os.sched_setaffinity(0, {int(c) for c in args.cpus.split(",")})
    res = measure(args)
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump(res, f, indent=1)
    else:
        render(res, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
