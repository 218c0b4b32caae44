#!/usr/bin/env python3
"""shmhub Python binding benchmark, with same-run baselines.

    .venv/bin/python bench/python_bench.py            # full run (make bench-python), ~2 minutes
    .venv/bin/python bench/python_bench.py --quick    # smoke run: no 10000x10000, fewer iterations

1. write + read round trip (Hz, median of several interleaved repetitions) at 100², 1000², 4000²
   and 10000² float32 frames for: shmhub (allocating read), shmhub ``read(out=)``, pyshmem
   (allocating read, and ``read(out=)``), raw ``multiprocessing.shared_memory`` (np.copyto in,
   np.copyto out) and two np.copyto between private arrays (the memcpy floor); plus a per-call
   breakdown (bare write, bare read(out=), bare np.copyto) that separates call overhead from copy.
2. read_new wake latency: a writer in another process (this file, ``--writer``) sleeps 1–2 ms
   (uniform) between frames and stamps ``time.time_ns()`` and a sequence number in each frame;
   the reader takes ``time.time_ns()`` when its read returns. shmhub read_new / read_next against
   pyshmem read_new (default polling stream, and ``notify=True`` futex stream).
3. A markdown table on stdout, bench/results/python_bench.md and bench/results/python_bench.png.

Every segment created here is removed in ``finally`` blocks (also on Ctrl-C). The
``multiprocessing.shared_memory`` import is for the baseline only; the library never uses it.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from typing import Callable, Dict, List, Optional, Tuple

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
RESULTS = os.path.join(HERE, "results")
PREFIX = f"pybench{os.getpid()}"
HDR_WORDS = 2  # int64 words at the start of each latency frame: write time (ns), sequence number
LAT_SHAPE = (100, 100)
LAT_DTYPE = np.float32


# ---- helpers ---------------------------------------------------------------------------------------

def _hdr(frame: np.ndarray) -> np.ndarray:
    """The first HDR_WORDS int64 words of a C-contiguous frame (a view)."""
    return frame.reshape(-1).view(np.int64)[:HDR_WORDS]


def _fmt_hz(hz: float) -> str:
    if hz >= 1e6:
        return f"{hz / 1e6:.2f} M"
    if hz >= 1e3:
        return f"{hz / 1e3:.1f} k"
    if hz >= 10:
        return f"{hz:.0f}"
    return f"{hz:.2f}"


def _size_label(n: int) -> str:
    return f"{n}²"


def _machine_info() -> Dict[str, str]:
    import pyshmem
    import shmhub
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        nproc = str(len(os.sched_getaffinity(0)))
    except AttributeError:
        nproc = str(os.cpu_count())
    mem = "unknown"
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal"):
                    mem = f"{int(line.split()[1]) / 2**20:.1f} GiB"
                    break
    except OSError:
        pass
    return {
        "date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S %Z"),
        "nproc": nproc,
        "cpu": cpu,
        "memory": mem,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pyshmem": getattr(pyshmem, "__version__", "?"),
        "shmhub": getattr(shmhub, "__version__", "?"),
    }


# ---- resources (all cleaned up in finally) ---------------------------------------------------------

class RawShm:
    """A multiprocessing.shared_memory segment viewed as one numpy array; created, closed and
    unlinked by this process only (so the resource tracker never warns)."""

    def __init__(self, name: str, shape: Tuple[int, ...], dtype) -> None:
        from multiprocessing import shared_memory  # baseline only
        nbytes = int(np.prod(shape)) * np.dtype(dtype).itemsize
        self.shm = shared_memory.SharedMemory(name=name, create=True, size=max(nbytes, 1))
        self.arr: Optional[np.ndarray] = np.ndarray(shape, dtype=dtype, buffer=self.shm.buf)

    def destroy(self) -> None:
        if self.shm is None:
            return
        self.arr = None
        gc.collect()  # drop any exported buffer before close()
        try:
            self.shm.close()
        except BufferError:
            pass  # a view is still alive somewhere; unlink anyway, the mapping dies with it
        try:
            self.shm.unlink()  # also unregisters it from the resource tracker
        except FileNotFoundError:
            pass
        self.shm = None


class Resources:
    """Tracks everything this run creates so a finally block can remove it all."""

    def __init__(self) -> None:
        self.shmhub_streams: list = []
        self.shmhub_names: List[str] = []
        self.pyshmem_handles: list = []
        self.pyshmem_names: List[str] = []
        self.raw: List[RawShm] = []
        self.procs: List[subprocess.Popen] = []

    def shmhub_stream(self, name: str, shape, dtype, slots: int):
        import shmhub
        self.shmhub_names.append(name)
        s = shmhub.Stream.create(name, shape, dtype, slots=slots, unlink_on_close=True)
        self.shmhub_streams.append(s)
        return s

    def pyshmem_stream(self, name: str, shape, dtype, notify: bool = False):
        import pyshmem
        self.pyshmem_names.append(name)
        p = pyshmem.create(name, shape=shape, dtype=dtype, notify=notify)
        self.pyshmem_handles.append(p)
        return p

    def raw_shm(self, name: str, shape, dtype) -> RawShm:
        r = RawShm(name, shape, dtype)
        self.raw.append(r)
        return r

    def release(self) -> None:
        """Removes everything created so far (idempotent)."""
        import pyshmem
        import shmhub
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
            try:
                proc.wait(timeout=5)
            except Exception:
                pass
        self.procs.clear()
        for s in self.shmhub_streams:
            try:
                s.close()
            except Exception:
                pass
        self.shmhub_streams.clear()
        gc.collect()
        for name in self.shmhub_names:
            try:
                shmhub.unlink(name)  # normally already gone (unlink_on_close)
            except FileNotFoundError:
                pass
            except Exception as e:  # pragma: no cover - report, keep cleaning
                print(f"warning: shmhub.unlink({name!r}): {e}", file=sys.stderr)
        self.shmhub_names.clear()
        for p in self.pyshmem_handles:
            try:
                p.unlink()
            except Exception:
                try:
                    p.close()
                except Exception:
                    pass
        self.pyshmem_handles.clear()
        for name in self.pyshmem_names:
            try:
                pyshmem.unlink_quiet(name)
            except Exception:
                pass
            _remove_pyshmem_lock_file(name)
        self.pyshmem_names.clear()
        for r in self.raw:
            r.destroy()
        self.raw.clear()


def _remove_pyshmem_lock_file(name: str) -> None:
    """pyshmem leaves a per-name lock file behind (/tmp/pyshmem-locks-UID/ps_HASH.lock, hashed
    from the name); remove the one of this run's own, uniquely named, stream."""
    try:
        from pyshmem import _shared
        os.remove(_shared._lock_path(name))
    except Exception:
        pass


# ---- 1. round trip ---------------------------------------------------------------------------------

METHODS = ["shmhub", "shmhub out=", "shmhub out= (slots=2)", "pyshmem", "pyshmem out=", "raw shared_memory", "np.copyto ×2"]


def _time_loop(fn: Callable[[], object], n: int) -> float:
    t0 = time.perf_counter()
    for _ in range(n):
        fn()
    return time.perf_counter() - t0


def _calibrate(fn: Callable[[], object], target_s: float, max_n: int) -> int:
    """Iterations of fn that take about target_s (after one warm-up call)."""
    fn()
    n, dt = 1, _time_loop(fn, 1)
    while dt < 0.02 and n < max_n:
        n *= 4
        dt = _time_loop(fn, n)
    per = dt / n
    return int(max(1, min(max_n, round(target_s / per))))


def _interleaved_hz(fns: Dict[str, Callable[[], object]], reps: int, target_s: float,
                    max_n: int, fixed_n: Optional[int] = None) -> Dict[str, Dict[str, float]]:
    """Median (and min/max) Hz of each fn over `reps` repetitions, interleaved round-robin in a
    shuffled order per repetition so machine noise hits every method alike."""
    iters = {k: (fixed_n if fixed_n else _calibrate(f, target_s, max_n)) for k, f in fns.items()}
    if fixed_n:
        for f in fns.values():
            f()  # warm-up (page faults)
    samples: Dict[str, List[float]] = {k: [] for k in fns}
    order = list(fns)
    rng = random.Random(1)
    for _ in range(reps):
        rng.shuffle(order)
        for k in order:
            n = iters[k]
            samples[k].append(n / _time_loop(fns[k], n))
    return {k: {"median": statistics.median(v), "min": min(v), "max": max(v), "n": iters[k],
                "reps": len(v)} for k, v in samples.items()}


def bench_roundtrip(res: Resources, sizes: List[int], quick: bool) -> Tuple[dict, dict]:
    roundtrip: Dict[int, Dict[str, Dict[str, float]]] = {}
    breakdown: Dict[int, Dict[str, float]] = {}
    for n in sizes:
        shape = (n, n)
        big = n >= 10000
        slots = 2 if big else 8
        rng = np.random.default_rng(n)
        a = rng.random(shape, dtype=np.float32)
        buf = np.empty_like(a)
        mid = np.empty_like(a)
        s = res.shmhub_stream(f"{PREFIX}_rt{n}", shape, np.float32, slots)
        # a 2-slot ring too: an 8-slot ring of 4 MB frames (32 MB) no longer fits in cache
        s2 = s if big else res.shmhub_stream(f"{PREFIX}_rt{n}_s2", shape, np.float32, 2)
        p = res.pyshmem_stream(f"{PREFIX}_rt{n}_py", shape, np.float32)
        raw = res.raw_shm(f"{PREFIX}_rt{n}_raw", shape, np.float32)
        rarr = raw.arr

        def f_shmhub():
            s.write(a)
            return s.read()

        def f_shmhub_out():
            s.write(a)
            return s.read(out=buf)

        def f_shmhub_out2():
            s2.write(a)
            return s2.read(out=buf)

        def f_pyshmem():
            p.write(a)
            return p.read()

        def f_pyshmem_out():
            p.write(a)
            return p.read(out=buf)

        def f_raw():
            np.copyto(rarr, a)
            np.copyto(buf, rarr)

        def f_copyto():
            np.copyto(mid, a)
            np.copyto(buf, mid)

        fns = {"shmhub": f_shmhub, "shmhub out=": f_shmhub_out,
               "shmhub out= (slots=2)": f_shmhub_out2, "pyshmem": f_pyshmem,
               "pyshmem out=": f_pyshmem_out, "raw shared_memory": f_raw, "np.copyto ×2": f_copyto}
        # correctness spot check before timing
        f_shmhub_out()
        assert np.array_equal(buf, a) and np.array_equal(f_shmhub(), a)
        assert np.array_equal(f_pyshmem(), a)
        t0 = time.perf_counter()
        if big:
            r = _interleaved_hz(fns, reps=3 if quick else 5, target_s=0, max_n=1, fixed_n=1)
        else:
            r = _interleaved_hz(fns, reps=5 if quick else 9, target_s=0.04 if quick else 0.12,
                                max_n=200_000)
        roundtrip[n] = r
        print(f"  round trip {_size_label(n)}: {time.perf_counter() - t0:.1f} s "
              '(' + ', '.join(f"{k} {_fmt_hz(v['median'])}Hz" for k, v in r.items()) + ')',
              file=sys.stderr)

        # per-call breakdown (µs per call, median): separates Python-call overhead from copy cost
        if not big:
            src = s.read()
            bfns = {
                "shmhub write": lambda: s.write(a),
                "shmhub read(out=)": lambda: s.read(out=buf),
                "pyshmem write": lambda: p.write(a),
                "pyshmem read(out=)": lambda: p.read(out=buf),
                "np.copyto (private→private)": lambda: np.copyto(buf, src),
                "np.copyto (raw shm→private)": lambda: np.copyto(buf, rarr),
            }
            br = _interleaved_hz(bfns, reps=5, target_s=0.03 if quick else 0.06, max_n=400_000)
            breakdown[n] = {k: 1e6 / v["median"] for k, v in br.items()}
            del src
        # free this size's memory before the next one (10000² needs ~2.8 GB in all)
        del fns, f_shmhub, f_shmhub_out, f_shmhub_out2, f_pyshmem, f_pyshmem_out, f_raw, f_copyto, rarr
        if not big:
            del bfns
        res.release()
        del a, buf, mid, s, s2, p, raw
        gc.collect()
    return roundtrip, breakdown


# ---- 2. wake latency (writer in another process) ---------------------------------------------------

def writer_main(kind: str, name: str, count: int, seed: int) -> int:
    """--writer mode: opens the stream the reader created, waits for 'go' on stdin, then writes
    `count` frames 1–2 ms apart, each stamped with time.time_ns() and its sequence number."""
    rng = random.Random(seed)
    frame = np.zeros(LAT_SHAPE, LAT_DTYPE)
    hdr = _hdr(frame)
    if kind == "shmhub":
        import shmhub
        s = shmhub.Stream.open(name, shape=LAT_SHAPE, dtype=LAT_DTYPE)
        write = s.write
    else:
        import pyshmem
        s = pyshmem.open(name)
        write = s.write
    try:
        print("ready", flush=True)
        if sys.stdin.readline().strip() != "go":
            return 1
        time.sleep(0.05)  # let the reader park in its wait
        sleep, uniform, now = time.sleep, rng.uniform, time.time_ns
        for i in range(1, count + 1):
            sleep(uniform(0.001, 0.002))
            hdr[1] = i
            hdr[0] = now()
            write(frame)
        print("done", flush=True)
    finally:
        s.close()
    return 0


def _one_latency(res: Resources, label: str, kind: str, mode: str, n: int, warm: int,
                 notify: bool = False) -> dict:
    """Runs one writer process against one reader loop; returns latency stats."""
    name = f"{PREFIX}_lat_{len(res.procs)}_{kind}{'_n' if notify else ''}"
    total = n + warm
    buf = np.empty(LAT_SHAPE, LAT_DTYPE)
    h = _hdr(buf)
    if kind == "shmhub":
        s = res.shmhub_stream(name, LAT_SHAPE, LAT_DTYPE, slots=8)
        if mode == "read_next":
            read = lambda: s.read_next(timeout=5.0, out=buf)  # noqa: E731
        else:
            read = lambda: s.read_new(timeout=5.0, out=buf)  # noqa: E731
        missed_lib = lambda: s.last_info.missed  # noqa: E731
    else:
        p = res.pyshmem_stream(name, LAT_SHAPE, LAT_DTYPE, notify=notify)
        read = lambda: p.read_new(timeout=5.0, out=buf)  # noqa: E731
        missed_lib = lambda: p.missed_writes  # noqa: E731
    proc = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--writer", kind, name,
                             str(total), str(len(res.procs) + 7)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    res.procs.append(proc)
    line = proc.stdout.readline().strip()
    if line != "ready":
        raise RuntimeError(f"{label}: writer did not start (got {line!r}, rc={proc.poll()})")
    lat: List[int] = []
    got = missed_seq = missed_by_lib = 0
    last = 0
    now = time.time_ns
    proc.stdin.write("go\n")
    proc.stdin.flush()
    while last < total:
        read()
        t = now()
        seq = int(h[1])
        if seq <= last:
            continue  # cannot happen with these APIs; counted as nothing
        if seq > warm:
            lat.append(t - int(h[0]))
            got += 1
            missed_seq += seq - max(last, warm) - 1
            missed_by_lib += missed_lib() if last >= warm else 0
        last = seq
    proc.stdout.readline()
    proc.wait(timeout=10)
    ls = np.array(lat, dtype=np.float64) / 1e3
    return {"label": label, "frames": n, "received": got, "missed": missed_seq,
            "missed_lib": missed_by_lib, "p50": float(np.percentile(ls, 50)),
            "p90": float(np.percentile(ls, 90)), "p99": float(np.percentile(ls, 99)),
            "max": float(ls.max()), "mean": float(ls.mean())}


def bench_latency(res: Resources, n: int, warm: int) -> List[dict]:
    runs = [
        ("shmhub read_new (latest)", "shmhub", "read_new", False),
        ("shmhub read_next (lossless)", "shmhub", "read_next", False),
        ("pyshmem read_new (default stream: 10 µs poll)", "pyshmem", "read_new", False),
        ("pyshmem read_new (notify=True: futex)", "pyshmem", "read_new", True),
    ]
    out = []
    for label, kind, mode, notify in runs:
        t0 = time.perf_counter()
        r = _one_latency(res, label, kind, mode, n, warm, notify)
        res.release()
        out.append(r)
        print(f"  latency {label}: p50 {r['p50']:.1f} µs p99 {r['p99']:.1f} µs missed "
              f"{r['missed']} ({time.perf_counter() - t0:.1f} s)", file=sys.stderr)
    return out


# ---- 3. report -------------------------------------------------------------------------------------

def _ratio(x: float, y: float) -> str:
    return f"{x / y:.2f}×" if y else "n/a"


def render(info: dict, rt: dict, br: dict, lat: List[dict], quick: bool, elapsed: float) -> str:
    L: List[str] = []
    L.append("# shmhub Python binding benchmark" + (" (--quick)" if quick else ""))
    L.append("")
    L.append(f"{info['date']} · {info['nproc']} CPUs ({info['cpu']}) · {info['memory']} RAM · "
             f"Linux {info['kernel']} · Python {info['python']} · numpy {info['numpy']} · "
             f"pyshmem {info['pyshmem']} · shmhub {info['shmhub']} · run took {elapsed:.0f} s")
    L.append("")
    L.append("## 1. write + read round trip (float32 frames, Hz, median of interleaved repetitions)")
    L.append("")
    sizes = sorted(rt)
    L.append("| method | " + " | ".join(f"{_size_label(n)} ({n * n * 4 / 1e6:g} MB)" for n in sizes)
             + " |")
    L.append("|---|" + "---:|" * len(sizes))
    for m in METHODS:
        L.append(f"| {m} | " + " | ".join(f"{_fmt_hz(rt[n][m]['median'])}" for n in sizes) + " |")
    L.append("")
    L.append("Ratios (same run):")
    L.append("")
    L.append("| ratio | " + " | ".join(_size_label(n) for n in sizes) + " | goal |")
    L.append("|---|" + "---:|" * len(sizes) + "---|")

    def row(title, num, den, goal=""):
        L.append(f"| {title} | " + " | ".join(
            _ratio(rt[n][num]["median"], rt[n][den]["median"]) for n in sizes) + f" | {goal} |")

    row("shmhub / pyshmem (allocating reads)", "shmhub", "pyshmem", "≥ 5× at 100²")
    row("shmhub out= / pyshmem out=", "shmhub out=", "pyshmem out=")
    row("shmhub out= / np.copyto ×2", "shmhub out=", "np.copyto ×2", "≥ 0.9× at ≥ 1000²")
    row("shmhub out= / raw shared_memory", "shmhub out=", "raw shared_memory")
    row("shmhub out= (slots=2) / np.copyto ×2", "shmhub out= (slots=2)", "np.copyto ×2")
    row("shmhub / shmhub out=", "shmhub", "shmhub out=")
    L.append("")
    g1 = rt[100]["shmhub"]["median"] / rt[100]["pyshmem"]["median"] if 100 in rt else float("nan")
    big = [n for n in sizes if n >= 1000]
    g2 = min((rt[n]["shmhub out="]["median"] / rt[n]["np.copyto ×2"]["median"] for n in big),
             default=float("nan"))
    L.append(f"Goals (not asserted): shmhub ≥ 5× pyshmem at 100²: {g1:.2f}× "
             f"({'met' if g1 >= 5 else 'NOT met'}); out= ≥ 0.9× np.copyto ×2 at ≥ 1000²: "
             f"worst {g2:.2f}× ({'met' if g2 >= 0.9 else 'NOT met'}).")
    L.append("")
    spread = ", ".join(f"{_size_label(n)}: {rt[n][METHODS[0]]['reps']} reps × "
                       f"{min(v['n'] for v in rt[n].values())}–{max(v['n'] for v in rt[n].values())}"
                       f" iters" for n in sizes)
    L.append(f"Repetitions: {spread}. shmhub streams have 8 slots (2 at 10000², and in the `slots=2` row); pyshmem streams "
             "are default (notify=False). Write = copy into shared memory (publish), read = copy "
             "out (a fresh array, or into a preallocated `out`). The np.copyto ×2 floor copies "
             "between private arrays; raw shared_memory does np.copyto in and out of one "
             "SharedMemory buffer, with no consistency protocol.")
    L.append("")
    if br:
        L.append("Per-call breakdown (µs per call, median; `np.copyto` is the same-size copy "
                 "without any API around it):")
        L.append("")
        keys = list(next(iter(br.values())))
        bsizes = sorted(br)
        L.append("| call | " + " | ".join(_size_label(n) for n in bsizes) + " |")
        L.append("|---|" + "---:|" * len(bsizes))
        for k in keys:
            L.append(f"| {k} | " + " | ".join(f"{br[n][k]:.2f}" if br[n][k] < 100 else
                                              f"{br[n][k]:.0f}" for n in bsizes) + " |")
        L.append("")
    L.append("## 2. wake latency, writer in another process (frames 1–2 ms apart, "
             f"{LAT_SHAPE[0]}×{LAT_SHAPE[1]} float32)")
    L.append("")
    L.append("latency = reader's time.time_ns() after the read returns − writer's time.time_ns() "
             "just before its write (both CLOCK_REALTIME); missed = gaps in the sequence number "
             "stamped in the frame.")
    L.append("")
    L.append("| reader | frames | received | missed | p50 µs | p90 µs | p99 µs | max µs |")
    L.append("|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in lat:
        L.append(f"| {r['label']} | {r['frames']} | {r['received']} | {r['missed']} | "
                 f"{r['p50']:.1f} | {r['p90']:.1f} | {r['p99']:.1f} | {r['max']:.0f} |")
    L.append("")
    by = {r["label"]: r for r in lat}
    sh = by.get("shmhub read_new (latest)")
    if sh:
        for r in lat:
            if r["label"].startswith("pyshmem"):
                q = sh["p50"] / r["p50"]
                L.append(f"- p50(shmhub read_new) / p50({r['label']}) = **{q:.2f}** "
                         f"(goal ≤ 0.4: {'met' if q <= 0.4 else 'NOT met'}); p99 ratio "
                         f"{sh['p99'] / r['p99']:.2f}")
    rn = by.get("shmhub read_next (lossless)")
    if rn:
        L.append(f"- shmhub read_next missed {rn['missed']} frames (expected 0; "
                 f"last_info.missed summed: {rn['missed_lib']})")
    L.append("")
    return "\n".join(L)


def plot(path: str, rt: dict, lat: List[dict], info: dict) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(15, 6.5))
    sizes = sorted(rt)
    mb = [n * n * 4 / 1e6 for n in sizes]
    styles = {"shmhub": ("C0", "o", "-"), "shmhub out=": ("C0", "s", "--"),
              "shmhub out= (slots=2)": ("C9", "D", "-."),
              "pyshmem": ("C1", "o", "-"), "pyshmem out=": ("C1", "s", "--"),
              "raw shared_memory": ("C2", "^", ":"), "np.copyto ×2": ("k", "x", ":")}
    for m in METHODS:
        c, mk, ls = styles[m]
        y = [rt[n][m]["median"] for n in sizes]
        lo = [rt[n][m]["median"] - rt[n][m]["min"] for n in sizes]
        hi = [rt[n][m]["max"] - rt[n][m]["median"] for n in sizes]
        ax1.errorbar(mb, y, yerr=[lo, hi], color=c, marker=mk, linestyle=ls, label=m, capsize=3)
    ax1.set_xscale("log")
    ax1.set_yscale("log")
    ax1.set_xticks(mb)
    ax1.set_xticklabels([f"{_size_label(n)}\n{x:g} MB" for n, x in zip(sizes, mb)])
    ax1.set_xlabel("frame (float32)")
    ax1.set_ylabel("write + read round trips per second (median; bars: min–max)")
    ax1.set_title("Round trip Hz vs frame size")
    ax1.grid(True, which="both", alpha=0.3)
    ax1.legend(fontsize=8)
    labels = [r["label"].replace(" (", "\n(") for r in lat]
    x = np.arange(len(lat))
    w = 0.38
    b50 = ax2.bar(x - w / 2, [r["p50"] for r in lat], w, label="p50", color="C0")
    b99 = ax2.bar(x + w / 2, [r["p99"] for r in lat], w, label="p99", color="C3")
    for bars in (b50, b99):
        for b in bars:
            ax2.annotate(f"{b.get_height():.0f}", (b.get_x() + b.get_width() / 2, b.get_height()),
                         ha="center", va="bottom", fontsize=8)
    for i, r in enumerate(lat):
        ax2.annotate(f"missed {r['missed']}", (i, 0), xytext=(0, -28), textcoords="offset points",
                     ha="center", fontsize=7, color="gray", annotation_clip=False)
    ax2.set_xticks(x)
    ax2.set_xticklabels(labels, fontsize=7)
    ax2.set_yscale("log")
    ax2.set_ylabel("wake latency, µs (log)")
    ax2.set_title("Cross-process wake latency (writer sleeps 1–2 ms)")
    ax2.grid(True, axis="y", which="both", alpha=0.3)
    ax2.legend()
    fig.suptitle(f"shmhub {info['shmhub']} vs pyshmem {info['pyshmem']} · {info['nproc']} CPUs "
                 f"{info['cpu']} · Python {info['python']} · {info['date']}", fontsize=9)
    fig.subplots_adjust(left=0.06, right=0.99, top=0.9, bottom=0.2, wspace=0.22)
    fig.savefig(path, dpi=110)
    plt.close(fig)


# ---- main ------------------------------------------------------------------------------------------

def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true",
                    help="skip 10000² and use fewer iterations (smoke test)")
    ap.add_argument("--frames", type=int, default=None,
                    help="latency frames per reader (default 2000; 300 with --quick)")
    ap.add_argument("--out", default=RESULTS, help="directory for python_bench.md/.png")
    ap.add_argument("--writer", nargs=4, metavar=("KIND", "NAME", "COUNT", "SEED"),
                    help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.writer:
        kind, name, count, seed = args.writer
        try:
            return writer_main(kind, name, int(count), int(seed))
        except KeyboardInterrupt:
            return 130

    quick = args.quick
    sizes = [100, 1000, 4000] if quick else [100, 1000, 4000, 10000]
    frames = args.frames or (300 if quick else 2000)
    info = _machine_info()
    res = Resources()
    t0 = time.perf_counter()
    try:
        print(f"round trip ({'quick' if quick else 'full'}): sizes {sizes}", file=sys.stderr)
        rt, br = bench_roundtrip(res, sizes, quick)
        print(f"wake latency: {frames} frames per reader", file=sys.stderr)
        lat = bench_latency(res, frames, warm=20)
    except KeyboardInterrupt:
        print("interrupted; cleaning up", file=sys.stderr)
        return 130
    finally:
        res.release()
    md = render(info, rt, br, lat, quick, time.perf_counter() - t0)
    print(md)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "python_bench.md"), "w") as f:
        f.write(md)
    plot(os.path.join(args.out, "python_bench.png"), rt, lat, info)
    print(f"wrote {os.path.join(args.out, 'python_bench.md')} and python_bench.png",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
