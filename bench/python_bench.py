#!/usr/bin/env python3
"""shmhub Python binding benchmark against iceoryx2, pyshmem and multiprocessing.shared_memory,
every figure a ratio against peers measured in the same run (medians of interleaved repetitions).

    .venv/bin/python bench/python_bench.py            # full run (make bench-python), a few minutes
    .venv/bin/python bench/python_bench.py --quick    # smoke run: fewer repetitions and frames

1. Same-process write + read round trip at 8×f64, 100², 1000², 4000² (float32), in copy mode and
   zero-copy mode, every library with its DEFAULT options and its cheapest idiom (the calls are
   listed in the results file, table "Idioms"); plus a per-call table of the shmhub Python API
   against the raw SWIG call it wraps (what the Python layer costs).
2. Cross-process throughput: a writer process publishes frames of 64 B, 40 KB and 4 MB as fast as
   it can; this process reads them; frames/s received and frames lost (lossless readers: shmhub
   read_next, iceoryx2 with RetryUntilDelivered back-pressure; pyshmem has only latest-value
   reads, so its losses are by design).
3. One-way wake latency: the writer sleeps 1–2 ms between frames and stamps time.time_ns(); the
   reader blocks (shmhub read_next / read_new, iceoryx2 Listener.timed_wait_one + receive, pyshmem
   read_new) and takes time.time_ns() when its read returns; p50/p99 and missed frames.
4. A markdown report on stdout, bench/results/python_bench.md and bench/results/python_bench.png.

Every segment and service created here is removed in ``finally`` blocks (also on Ctrl-C). The
``multiprocessing.shared_memory`` import is for the baseline only; the library never uses it.
"""

from __future__ import annotations

import argparse
import ctypes
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
HDR_WORDS = 2  # int64 words at the start of each stamped frame: write time (ns), sequence number
LAT_SHAPE = (100, 100)
LAT_DTYPE = np.float32

PEERS = ["shmhub", "iceoryx2", "pyshmem", "shared_memory"]
# an extra shmhub column: slots=8, the Python binding's 1.0 default; the goal columns use today's
# default (slots=0: the C library picks the ring depth from the frame size)
EXTRA = "shmhub slots=8"
COLUMNS = PEERS + [EXTRA]
# (label, shape, dtype) of the round-trip frames
RT_SIZES = [("8×f64", (8,), np.float64), ("100²", (100, 100), np.float32),
            ("1000²", (1000, 1000), np.float32), ("4000²", (4000, 4000), np.float32)]
# (label, shape) of the cross-process throughput frames (float32)
TP_SIZES = [("64 B", (16,)), ("40 KB", (10000,)), ("4 MB", (1000, 1000))]

IDIOMS = {
    ("copy", "shmhub"): "`s.write(a)`; `s.read(out=buf)` (Stream.create with default options)",
    ("copy", "iceoryx2"): "`m = pub.loan_slice_uninit(n)`; `ctypes.memmove(m.payload_ptr, a.ctypes.data, n)`; "
                          "`m.assume_init().send()`; `r = sub.receive()`; "
                          "`ctypes.memmove(buf.ctypes.data, r.payload_ptr, n)`; `r.delete()` "
                          "(Slice[c_uint8] service, default options, `initial_max_slice_len(n)`)",
    ("copy", "pyshmem"): "`p.write(a)`; `p.read(out=buf)` (pyshmem.create, default options)",
    ("copy", "shared_memory"): "`np.copyto(shm_arr, a)`; `np.copyto(buf, shm_arr)` (no consistency protocol)",
    ("zero-copy", "shmhub"): "`with s.loan() as b: b[...] = a`; `v = s.peek()`; `s.validate()`",
    ("zero-copy", "iceoryx2"): "`m = pub.loan_slice_uninit(n)`; numpy view of `m.payload_ptr`; `v[...] = a`; "
                               "`m.assume_init().send()`; `r = sub.receive()`; numpy view of "
                               "`r.payload_ptr`; `r.delete()`",
    ("zero-copy", "pyshmem"): "`with p.write_view() as v: v[...] = a`; `p.read(out=buf)` "
                              "(pyshmem has no zero-copy read)",
    ("zero-copy", "shared_memory"): "`shm_arr[...] = a`; use `shm_arr` (no protocol: may be torn)",
}

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


def _dist_version(dist: str) -> str:
    try:
        from importlib.metadata import version
        return version(dist)
    except Exception:
        return "?"


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
        "iceoryx2": _dist_version("iceoryx2"),
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
        self.iox: list = []  # iceoryx2 ports, services and nodes, deleted in reverse order

    def shmhub_stream(self, name: str, shape, dtype, **kw):
        """A stream with the binding's default options unless kw says otherwise."""
        import shmhub
        self.shmhub_names.append(name)
        s = shmhub.Stream.create(name, shape, dtype, unlink_on_close=True, **kw)
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
        for obj in reversed(self.iox):
            try:
                obj.delete()
            except Exception:
                pass
        self.iox.clear()


def _remove_pyshmem_lock_file(name: str) -> None:
    """pyshmem leaves a per-name lock file behind (/tmp/pyshmem-locks-UID/ps_HASH.lock, hashed
    from the name); remove the one of this run's own, uniquely named, stream."""
    try:
        from pyshmem import _shared
        os.remove(_shared._lock_path(name))
    except Exception:
        pass



# ---- timing -----------------------------------------------------------------------------------------

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


# ---- iceoryx2 ---------------------------------------------------------------------------------------

def _iox():
    import iceoryx2 as iox2
    iox2.set_log_level(iox2.LogLevel.Error)
    return iox2


def _view(ptr: int, shape, dtype) -> np.ndarray:
    """A numpy view of `ptr` (no copy); the caller keeps the owner alive while using it."""
    n = int(np.prod(shape)) * np.dtype(dtype).itemsize
    return np.frombuffer((ctypes.c_uint8 * n).from_address(ptr), np.uint8).view(dtype).reshape(shape)


class IoxPubSub:
    """One iceoryx2 publish-subscribe service of Slice[c_uint8] frames of `nbytes`; ports on demand."""

    def __init__(self, res: "Resources", name: str, nbytes: int, lossless: bool = False,
                 create: bool = True) -> None:
        iox2 = _iox()
        self.iox2 = iox2
        self.nbytes = nbytes
        self.node = iox2.NodeBuilder.new().create(iox2.ServiceType.Ipc)
        res.iox.append(self.node) if hasattr(self.node, "delete") else None
        b = self.node.service_builder(iox2.ServiceName.new(name)).publish_subscribe(
            iox2.Slice[ctypes.c_uint8])
        if lossless:
            b = b.enable_safe_overflow(False)
        self.svc = b.create() if create else b.open()
        self.lossless = lossless
        self.res = res

    def publisher(self):
        b = self.svc.publisher_builder().initial_max_slice_len(self.nbytes)
        if self.lossless:
            b = b.backpressure_strategy(self.iox2.BackpressureStrategy.RetryUntilDelivered)
        p = b.create()
        self.res.iox.append(p)
        return p

    def subscriber(self):
        s = self.svc.subscriber_builder().create()
        self.res.iox.append(s)
        return s


# ---- 1. same-process round trip ------------------------------------------------------------------

def bench_roundtrip(res: Resources, quick: bool) -> Tuple[dict, dict]:
    """Returns {mode: {size: {peer: stats}}} and the per-call table {size: {call: µs}}."""
    import shmhub
    from shmhub import raw as shraw
    out: Dict[str, Dict[str, dict]] = {"copy": {}, "zero-copy": {}}
    calls: Dict[str, Dict[str, float]] = {}
    for label, shape, dtype in RT_SIZES:
        nb = int(np.prod(shape)) * np.dtype(dtype).itemsize
        big = nb >= 32 << 20
        tag = label.replace("×", "x").replace("²", "sq")
        rng = np.random.default_rng(nb)
        a = rng.random(shape).astype(dtype)
        buf = np.empty_like(a)
        s = res.shmhub_stream(f"{PREFIX}_rt{tag}", shape, dtype)
        s0 = res.shmhub_stream(f"{PREFIX}_rt{tag}_s8", shape, dtype, slots=8)
        p = res.pyshmem_stream(f"{PREFIX}_rt{tag}_py", shape, dtype)
        raw = res.raw_shm(f"{PREFIX}_rt{tag}_raw", shape, dtype)
        rarr = raw.arr
        ix = IoxPubSub(res, f"{PREFIX}_rt{tag}_iox", nb)
        pub, sub = ix.publisher(), ix.subscriber()
        memmove, adata, bdata = ctypes.memmove, a.ctypes.data, buf.ctypes.data

        def c_shmhub():
            s.write(a)
            s.read(out=buf)

        def c_shmhub0():
            s0.write(a)
            s0.read(out=buf)

        def c_iox():
            m = pub.loan_slice_uninit(nb)
            memmove(m.payload_ptr, adata, nb)
            m.assume_init().send()
            r = sub.receive()
            memmove(bdata, r.payload_ptr, nb)
            r.delete()

        def c_pyshmem():
            p.write(a)
            p.read(out=buf)

        def c_raw():
            np.copyto(rarr, a)
            np.copyto(buf, rarr)

        def z_shmhub():
            with s.loan() as b:
                b[...] = a
            s.peek()
            s.validate()

        def z_shmhub0():
            with s0.loan() as b:
                b[...] = a
            s0.peek()
            s0.validate()

        def z_iox():
            m = pub.loan_slice_uninit(nb)
            _view(m.payload_ptr, shape, dtype)[...] = a
            m.assume_init().send()
            r = sub.receive()
            _view(r.payload_ptr, shape, dtype)
            r.delete()

        def z_pyshmem():
            with p.write_view() as v:
                v[...] = a
            p.read(out=buf)

        def z_raw():
            rarr[...] = a

        # correctness spot checks before timing
        for f in (c_shmhub, c_shmhub0, c_iox, c_pyshmem, c_raw):
            buf[...] = 0
            f()
            assert np.array_equal(buf, a), f.__name__
        z_shmhub()
        assert np.array_equal(s.peek(), a) and s.validate()
        m = pub.loan_slice_uninit(nb)
        _view(m.payload_ptr, shape, dtype)[...] = a
        m.assume_init().send()
        r = sub.receive()
        assert np.array_equal(_view(r.payload_ptr, shape, dtype), a)
        r.delete()
        del m, r
        fns = {("copy", "shmhub"): c_shmhub, ("copy", "iceoryx2"): c_iox,
               ("copy", "pyshmem"): c_pyshmem, ("copy", "shared_memory"): c_raw,
               ("zero-copy", "shmhub"): z_shmhub, ("zero-copy", "iceoryx2"): z_iox,
               ("zero-copy", "pyshmem"): z_pyshmem, ("zero-copy", "shared_memory"): z_raw,
               ("copy", EXTRA): c_shmhub0, ("zero-copy", EXTRA): z_shmhub0}
        t0 = time.perf_counter()
        if big:
            r_ = _interleaved_hz(fns, reps=3 if quick else 7, target_s=0, max_n=1, fixed_n=2)
        else:
            r_ = _interleaved_hz(fns, reps=5 if quick else 11, target_s=0.03 if quick else 0.1,
                                 max_n=300_000)
        for (mode, peer), v in r_.items():
            out[mode].setdefault(label, {})[peer] = v
        print(f"  round trip {label}: {time.perf_counter() - t0:.1f} s", file=sys.stderr)

        # per call: the Python API against the raw SWIG call it wraps (µs, median)
        if not big:
            ptr = s._ptr()
            info = shraw.shmhub_frame_info()
            st, addr = shraw.shmhub_stream_peek(ptr, info)

            def raw_loan_commit():
                shraw.shmhub_stream_loan(ptr)
                shraw.shmhub_stream_commit(ptr)

            def py_loan_commit():
                with s.loan():
                    pass

            bfns = {
                "write: s.write(a)": lambda: s.write(a),
                "write: raw shmhub_stream_write": lambda: shraw.shmhub_stream_write(ptr, a),
                "read: s.read(out=buf)": lambda: s.read(out=buf),
                "read: raw shmhub_stream_read_latest": lambda: shraw.shmhub_stream_read_latest(ptr, buf, info),
                "read_next: s.read_next(0, out=buf)": lambda: (s.write(a), s.read_next(0, out=buf)),
                "read_next: raw write + read_next": lambda: (shraw.shmhub_stream_write(ptr, a),
                                                             shraw.shmhub_stream_read_next(ptr, buf, 0, info)),
                "loan+commit: with s.loan()": py_loan_commit,
                "loan+commit: raw loan + commit": raw_loan_commit,
                "peek: s.peek()": s.peek,
                "peek: raw shmhub_stream_peek": lambda: shraw.shmhub_stream_peek(ptr, info),
                "validate: s.validate()": s.validate,
                "validate: raw shmhub_stream_validate": lambda: shraw.shmhub_stream_validate(ptr, info),
            }
            br = _interleaved_hz(bfns, reps=5, target_s=0.02 if quick else 0.05, max_n=400_000)
            calls[label] = {k: 1e6 / v["median"] for k, v in br.items()}
            del bfns, br
        del fns, c_shmhub, c_shmhub0, z_shmhub0, c_iox, c_pyshmem, c_raw, z_shmhub, z_iox, z_pyshmem, z_raw, rarr
        del pub, sub
        res.release()
        del a, buf, s, s0, p, raw, ix
        gc.collect()
    return out, calls


# ---- writer processes (--writer) ---------------------------------------------------------------------

def _parse_shape(text: str) -> Tuple[int, ...]:
    return tuple(int(x) for x in text.split("x"))


def writer_main(kind: str, name: str, count: int, mode: str, shape_text: str) -> int:
    """--writer mode: opens what the reader created, prints 'ready', waits for 'go' on stdin, then
    writes `count` frames, each stamped with time.time_ns() and its sequence number; mode 'lat'
    sleeps 1–2 ms before each frame, mode 'tp' writes as fast as it can."""
    shape = _parse_shape(shape_text)
    rng = random.Random(count)
    frame = np.zeros(shape, np.float32)
    hdr = _hdr(frame)
    nb = frame.nbytes
    closers: list = []
    if kind == "shmhub":
        import shmhub
        s = shmhub.Stream.open(name, shape=shape, dtype=np.float32)
        closers.append(s.close)
        write = s.write
    elif kind == "pyshmem":
        import pyshmem
        s = pyshmem.open(name)
        closers.append(s.close)
        write = s.write
    else:
        iox2 = _iox()
        node = iox2.NodeBuilder.new().create(iox2.ServiceType.Ipc)
        b = node.service_builder(iox2.ServiceName.new(name)).publish_subscribe(
            iox2.Slice[ctypes.c_uint8])
        if mode == "tp":
            b = b.enable_safe_overflow(False)
        svc = b.open()
        pb = svc.publisher_builder().initial_max_slice_len(nb)
        if mode == "tp":
            pb = pb.backpressure_strategy(iox2.BackpressureStrategy.RetryUntilDelivered)
        pub = pb.create()
        closers.append(pub.delete)
        notifier = None
        if mode == "lat":
            ev = node.service_builder(iox2.ServiceName.new(name + "_ev")).event().open()
            notifier = ev.notifier_builder().create()
            closers.insert(0, notifier.delete)
        memmove, fdata = ctypes.memmove, frame.ctypes.data

        def write(_frame):
            m = pub.loan_slice_uninit(nb)
            memmove(m.payload_ptr, fdata, nb)
            m.assume_init().send()
            if notifier is not None:
                notifier.notify()
    try:
        print("ready", flush=True)
        if sys.stdin.readline().strip() != "go":
            return 1
        time.sleep(0.05)  # let the reader park in its wait
        sleep, uniform, now = time.sleep, rng.uniform, time.time_ns
        for i in range(1, count + 1):
            if mode == "lat":
                sleep(uniform(0.001, 0.002))
            hdr[1] = i
            hdr[0] = now()
            write(frame)
        print("done", flush=True)
        sys.stdin.readline()  # the reader says when it has finished (iceoryx2 keeps samples alive)
    finally:
        for c in closers:
            try:
                c()
            except Exception:
                pass
    return 0


def _spawn_writer(res: Resources, kind: str, name: str, count: int, mode: str, shape) -> subprocess.Popen:
    shape_text = "x".join(str(d) for d in shape)
    proc = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--writer", kind, name,
                             str(count), mode, shape_text],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    res.procs.append(proc)
    line = proc.stdout.readline().strip()
    if line != "ready":
        raise RuntimeError(f"{kind} writer did not start (got {line!r}, rc={proc.poll()})")
    return proc


def _reader(res: Resources, kind: str, name: str, shape, mode: str, lossless: bool):
    """Creates the stream/service `name` and returns (read() -> filled buf or None, buf, missed_lib)."""
    buf = np.empty(shape, np.float32)
    if kind == "shmhub":
        s = res.shmhub_stream(name, shape, np.float32)
        if lossless:
            return (lambda: s.read_next(timeout=5.0, out=buf)), buf
        return (lambda: s.read_new(timeout=5.0, out=buf)), buf
    if kind == "pyshmem":
        p = res.pyshmem_stream(name, shape, np.float32, notify=(mode == "lat"))
        return (lambda: p.read_new(timeout=5.0, out=buf)), buf
    nb = buf.nbytes
    ix = IoxPubSub(res, name, nb, lossless=(mode == "tp"))
    sub = ix.subscriber()
    memmove, bdata = ctypes.memmove, buf.ctypes.data
    if mode == "lat":
        iox2 = ix.iox2
        ev = ix.node.service_builder(iox2.ServiceName.new(name + "_ev")).event().create()
        res.iox.append(ev) if hasattr(ev, "delete") else None
        listener = ev.listener_builder().create()
        res.iox.append(listener)
        wait = iox2.Duration.from_millis(5000)

        def read_lat():
            got = False
            while True:
                r = sub.receive()
                if r is None:
                    if got:
                        return buf
                    listener.timed_wait(wait)
                    continue
                memmove(bdata, r.payload_ptr, nb)
                r.delete()
                got = True
        return read_lat, buf

    def read_tp():
        while True:
            r = sub.receive()
            if r is not None:
                memmove(bdata, r.payload_ptr, nb)
                r.delete()
                return buf
    return read_tp, buf


# ---- 2. cross-process throughput ---------------------------------------------------------------

def bench_throughput(res: Resources, quick: bool) -> List[dict]:
    out = []
    for label, shape in TP_SIZES:
        nb = int(np.prod(shape)) * 4
        count = max(50, min(200_000 if not quick else 40_000, int(2e9 / nb) // (4 if quick else 1)))
        for kind in ("shmhub", "iceoryx2", "pyshmem"):
            name = f"{PREFIX}_tp{len(res.procs)}_{kind}"
            read, buf = _reader(res, kind, name, shape, "tp", lossless=kind != "pyshmem")
            proc = _spawn_writer(res, kind, name, count, "tp", shape)
            h = _hdr(buf)
            got = missed = last = 0
            proc.stdin.write("go\n")
            proc.stdin.flush()
            t_first = t_last = 0.0
            try:
                while last < count:
                    read()
                    seq = int(h[1])
                    if seq <= last:
                        continue
                    t_last = time.perf_counter()
                    if got == 0:
                        t_first = t_last
                    got += 1
                    missed += seq - last - 1 if last else seq - 1
                    last = seq
                ok = True
            except Exception as e:  # a timeout: the writer died or stalled
                print(f"  throughput {label} {kind}: {e!r}", file=sys.stderr)
                ok = False
            proc.stdout.readline()
            proc.stdin.write("end\n")
            proc.stdin.flush()
            proc.wait(timeout=30)
            res.release()
            hz = (got - 1) / (t_last - t_first) if ok and got > 1 and t_last > t_first else 0.0
            out.append({"size": label, "kind": kind, "frames": count, "received": got,
                        "missed": missed, "hz": hz, "ok": ok})
            print(f"  throughput {label} {kind}: {hz:,.0f} frames/s, missed {missed}", file=sys.stderr)
    return out


# ---- 3. wake latency ---------------------------------------------------------------------------------

def bench_latency(res: Resources, n: int, warm: int) -> List[dict]:
    runs = [
        ("shmhub read_next (lossless)", "shmhub", True),
        ("shmhub read_new (latest)", "shmhub", False),
        ("iceoryx2 Listener.timed_wait + receive", "iceoryx2", True),
        ("pyshmem read_new (notify=True: futex)", "pyshmem", False),
    ]
    out = []
    total = n + warm
    for label, kind, lossless in runs:
        t0 = time.perf_counter()
        name = f"{PREFIX}_lat{len(res.procs)}_{kind}"
        read, buf = _reader(res, kind, name, LAT_SHAPE, "lat", lossless)
        proc = _spawn_writer(res, kind, name, total, "lat", LAT_SHAPE)
        h = _hdr(buf)
        lat: List[int] = []
        got = missed = last = 0
        now = time.time_ns
        proc.stdin.write("go\n")
        proc.stdin.flush()
        while last < total:
            read()
            t = now()
            seq = int(h[1])
            if seq <= last:
                continue
            if seq > warm:
                lat.append(t - int(h[0]))
                got += 1
                missed += seq - max(last, warm) - 1
            last = seq
        proc.stdout.readline()
        proc.stdin.write("end\n")
        proc.stdin.flush()
        proc.wait(timeout=30)
        res.release()
        ls = np.array(lat, dtype=np.float64) / 1e3
        r = {"label": label, "kind": kind, "frames": n, "received": got, "missed": missed,
             "p50": float(np.percentile(ls, 50)), "p90": float(np.percentile(ls, 90)),
             "p99": float(np.percentile(ls, 99)), "max": float(ls.max())}
        out.append(r)
        print(f"  latency {label}: p50 {r['p50']:.1f} µs p99 {r['p99']:.1f} µs missed "
              f"{r['missed']} ({time.perf_counter() - t0:.1f} s)", file=sys.stderr)
    return out


# ---- 4. report ---------------------------------------------------------------------------------------

def _ratio(x: float, y: float) -> str:
    return f"{x / y:.2f}×" if y else "n/a"


def _nbytes(label: str) -> int:
    for lab, shape, dtype in RT_SIZES:
        if lab == label:
            return int(np.prod(shape)) * np.dtype(dtype).itemsize
    return 0


def _rt_reason(mode: str, label: str) -> str:
    nb = _nbytes(label)
    if mode == "zero-copy" and nb < 1 << 20:
        return ("three calls (loan+commit, peek, validate) against copy's two, and each loan "
                "makes a fresh numpy view (ndarray.view + setflags, per-call table); copying "
                "this little costs next to nothing")
    if nb < 1 << 20:
        return "Python call overhead of write/read(out=) (per-call table)"
    if nb < 32 << 20:
        return ("copy-bound at this size on this machine: two full copies through a 2-slot ring "
                "against iceoryx2's one hot chunk")
    return "copy-bound (two full copies either way); within noise of the peer"


def render(info: dict, rt: dict, calls: dict, tp: List[dict], lat: List[dict], quick: bool,
           elapsed: float) -> Tuple[str, List[str]]:
    L: List[str] = []
    missed: List[str] = []
    L.append("# shmhub Python binding benchmark" + (" (--quick)" if quick else ""))
    L.append("")
    L.append(f"{info['date']} · {info['nproc']} CPUs ({info['cpu']}) · {info['memory']} RAM · "
             f"Linux {info['kernel']} · Python {info['python']} · numpy {info['numpy']} · "
             f"shmhub {info['shmhub']} · iceoryx2 {info['iceoryx2']} · pyshmem {info['pyshmem']} · "
             f"run took {elapsed:.0f} s")
    L.append("")
    L.append("Every figure is a median of interleaved repetitions (all methods of a row take turns "
             "in a shuffled order), and every ratio compares libraries measured in the same run. "
             "Goals are printed, never asserted; a row that misses one says so and why.")
    L.append("")
    L.append("## Idioms (every API call timed)")
    L.append("")
    L.append("| mode | library | calls per round trip |")
    L.append("|---|---|---|")
    for (mode, peer), text in IDIOMS.items():
        L.append(f"| {mode} | {peer} | {text} |")
    L.append("")
    L.append("## 1. Same-process write + read round trip (round trips/s; default options)")
    for mode in ("copy", "zero-copy"):
        L.append("")
        L.append(f"### {mode}")
        L.append("")
        L.append("| frame | " + " | ".join(COLUMNS) + " | shmhub / iceoryx2 | shmhub / pyshmem | "
                 "goal ≥ 1.0× both | reason if missed | slots=8 / iceoryx2 |")
        L.append("|---|" + "---:|" * len(COLUMNS) + "---:|---:|---|---|---:|")
        for label, _, _ in RT_SIZES:
            row = rt[mode].get(label)
            if not row:
                continue
            sh, io, ps = (row[k]["median"] for k in ("shmhub", "iceoryx2", "pyshmem"))
            met = sh >= io and sh >= ps
            why = "" if met else _rt_reason(mode, label)
            if not met:
                missed.append(f"{mode} {label}: {sh / io:.2f}× iceoryx2, {sh / ps:.2f}× pyshmem — {why}")
            L.append(f"| {label} | " + " | ".join(_fmt_hz(row[k]["median"]) for k in COLUMNS)
                     + f" | {_ratio(sh, io)} | {_ratio(sh, ps)} | {'met' if met else '**missed**'} "
                     f"| {why} | {_ratio(row[EXTRA]['median'], io)} |")
    L.append("")
    L.append("Zero-copy against copy (shmhub; goal ≥ 1.0× at every size):")
    L.append("")
    L.append("| frame | zero-copy / copy | goal |")
    L.append("|---|---:|---|")
    for label, _, _ in RT_SIZES:
        if label in rt["copy"] and label in rt["zero-copy"]:
            z = rt["zero-copy"][label]["shmhub"]["median"]
            c = rt["copy"][label]["shmhub"]["median"]
            met = z >= c
            if not met:
                missed.append(f"zero-copy ≥ copy at {label}: {z / c:.2f}× — {_rt_reason('zero-copy', label)}")
            L.append(f"| {label} | {_ratio(z, c)} | {'met' if met else '**missed**'} |")
    L.append("")
    L.append("The shared_memory column is a floor, not a peer: one np.copyto (or an in-place "
             "assignment) into a SharedMemory buffer with no consistency protocol (a reader can "
             "see a torn frame). The goal columns use `shmhub` as a user gets it: the Python "
             "binding's `Stream.create` default, `slots=0` (the C library picks the ring depth "
             "from the frame size: 8, fewer for frames over 1 MiB, 2 at 1000² and 4000²). The "
             "`shmhub slots=8` column (same calls) is the binding's 1.0 default, for comparison.")
    L.append("")
    if calls:
        labels = list(calls)
        L.append("### Per call: shmhub Python API against the raw SWIG call it wraps (µs, median)")
        L.append("")
        L.append("| call | " + " | ".join(labels) + " |")
        L.append("|---|" + "---:|" * len(labels))
        for k in calls[labels[0]]:
            L.append(f"| {k} | " + " | ".join(f"{calls[lab][k]:.2f}" for lab in labels) + " |")
        L.append("")
        L.append("The C calls themselves take 0.02–0.2 µs at these sizes (bench/results/"
                 "stream_bench.txt); the raw SWIG rows add SWIG's argument conversion. The "
                 "Python API calls one METH_FASTCALL helper of the extension per call "
                 "(bindings/python/shmhub_raw.i, \"hot path\"), so it can beat the raw SWIG call.")
        L.append("")
        L.append("Python API / raw SWIG call (goal ≤ 1.5× at 8×f64):")
        L.append("")
        L.append("| call | " + " | ".join(labels) + " | goal at 8×f64 |")
        L.append("|---|" + "---:|" * len(labels) + "---|")
        keys = list(calls[labels[0]])
        for py_key, raw_key in zip(keys[0::2], keys[1::2]):
            q = [calls[lab][py_key] / calls[lab][raw_key] for lab in labels]
            met = q[0] <= 1.5
            if not met:
                missed.append(f"per call {py_key.split(':')[0]} at {labels[0]}: {q[0]:.2f}× the raw "
                              "SWIG call (goal ≤ 1.5×): the loan makes a fresh numpy view "
                              "(ndarray.view, then setflags(False) after the block) that the raw "
                              "call does not")
            L.append(f"| {py_key.split(':')[0]} | " + " | ".join(f"{x:.2f}×" for x in q)
                     + f" | {'met' if met else '**missed**'} |")
        L.append("")
    L.append("## 2. Cross-process throughput (writer process → this process, max frames/s)")
    L.append("")
    L.append("The writer publishes as fast as it can; lossless readers: shmhub `read_next(out=)` "
             "(default options: a writer never waits, so a reader that falls `slots - 2` frames "
             "behind loses frames, counted exactly), iceoryx2 with `enable_safe_overflow(False)` and "
             "`RetryUntilDelivered` back-pressure (the writer waits for the reader); pyshmem "
             "`read_new(out=)` (latest value only: it loses frames by design).")
    L.append("")
    L.append("| frame | shmhub frames/s (lost) | iceoryx2 frames/s (lost) | pyshmem frames/s (lost) | "
             "shmhub / iceoryx2 | shmhub / pyshmem | goal: lossless, ≥ 1.0× both |")
    L.append("|---|---:|---:|---:|---:|---:|---|")
    for label, _ in TP_SIZES:
        by = {r["kind"]: r for r in tp if r["size"] == label}
        if len(by) < 3:
            continue
        sh, io, ps = by["shmhub"], by["iceoryx2"], by["pyshmem"]
        met = sh["missed"] == 0 and sh["ok"] and sh["hz"] >= io["hz"] and sh["hz"] >= ps["hz"]
        why = ""
        if not met:
            why = (f"shmhub lost {sh['missed']} of {sh['frames']} frames (no back-pressure: the "
                   "reader fell behind the ring)" if sh["missed"] else "slower than a peer")
            missed.append(f"throughput {label}: {why}")
        cell = lambda r: f"{r['hz']:,.0f} ({r['missed']})" if r["ok"] else "failed"  # noqa: E731
        L.append(f"| {label} | {cell(sh)} | {cell(io)} | {cell(ps)} | {_ratio(sh['hz'], io['hz'])} "
                 f"| {_ratio(sh['hz'], ps['hz'])} | {'met' if met else '**missed**: ' + why} |")
    L.append("")
    L.append(f"## 3. One-way wake latency (writer in another process sleeps 1–2 ms; "
             f"{LAT_SHAPE[0]}×{LAT_SHAPE[1]} float32)")
    L.append("")
    L.append("latency = reader's time.time_ns() after its read returns − writer's time.time_ns() "
             "just before its write; missed = gaps in the sequence numbers stamped in the frames.")
    L.append("")
    L.append("| reader | frames | received | missed | p50 µs | p90 µs | p99 µs | max µs |")
    L.append("|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in lat:
        L.append(f"| {r['label']} | {r['frames']} | {r['received']} | {r['missed']} | "
                 f"{r['p50']:.1f} | {r['p90']:.1f} | {r['p99']:.1f} | {r['max']:.0f} |")
    L.append("")
    by = {r["kind"] + ("" if "read_new" not in r["label"] else "_new"): r for r in lat}
    sh, io, ps = by.get("shmhub"), by.get("iceoryx2"), by.get("pyshmem_new")
    if sh and io:
        q = sh["p50"] / io["p50"]
        met = q <= 0.5 and sh["missed"] == 0
        if not met:
            missed.append(f"wake p50 {q:.2f}× iceoryx2 (goal ≤ 0.5), missed {sh['missed']}")
        L.append(f"- p50(shmhub read_next) / p50(iceoryx2) = **{q:.2f}×** (goal ≤ 0.5: "
                 f"{'met' if met else '**missed**'}); p99 ratio {sh['p99'] / io['p99']:.2f}×; "
                 f"shmhub missed {sh['missed']}, iceoryx2 missed {io['missed']}")
    if sh and ps:
        L.append(f"- p50(shmhub read_next) / p50(pyshmem futex) = {sh['p50'] / ps['p50']:.2f}×")
    L.append("")
    L.append("## Goals missed in this run")
    L.append("")
    L.extend([f"- {m}" for m in missed] or ["- none"])
    L.append("")
    return "\n".join(L), missed


def plot(path: str, rt: dict, lat: List[dict], info: dict) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(15, 6.5))
    labels = [lab for lab, _, _ in RT_SIZES if lab in rt["copy"]]
    mb = [_nbytes(lab) / 1e6 for lab in labels]
    colors = {"shmhub": "C0", "iceoryx2": "C3", "pyshmem": "C1", "shared_memory": "C2", EXTRA: "C9"}
    for mode, ls, mk in (("copy", "-", "o"), ("zero-copy", "--", "s")):
        for peer in COLUMNS:
            y = [rt[mode][lab][peer]["median"] for lab in labels]
            lo = [rt[mode][lab][peer]["median"] - rt[mode][lab][peer]["min"] for lab in labels]
            hi = [rt[mode][lab][peer]["max"] - rt[mode][lab][peer]["median"] for lab in labels]
            ax1.errorbar(mb, y, yerr=[lo, hi], color=colors[peer], linestyle=ls, marker=mk,
                         capsize=3, label=f"{peer} ({mode})")
    ax1.set_xscale("log")
    ax1.set_yscale("log")
    ax1.set_xticks(mb)
    ax1.set_xticklabels([f"{lab}\n{x:g} MB" for lab, x in zip(labels, mb)])
    ax1.set_ylabel("write + read round trips per second (median; bars: min–max)")
    ax1.set_title("Same-process round trip, default options")
    ax1.grid(True, which="both", alpha=0.3)
    ax1.legend(fontsize=7, ncol=2)
    x = np.arange(len(lat))
    w = 0.38
    b50 = ax2.bar(x - w / 2, [r["p50"] for r in lat], w, label="p50", color="C0")
    b99 = ax2.bar(x + w / 2, [r["p99"] for r in lat], w, label="p99", color="C3")
    for bars in (b50, b99):
        for b in bars:
            ax2.annotate(f"{b.get_height():.0f}", (b.get_x() + b.get_width() / 2, b.get_height()),
                         ha="center", va="bottom", fontsize=8)
    for i, r in enumerate(lat):
        ax2.annotate(f"missed {r['missed']}", (i, 0), xytext=(0, -34), textcoords="offset points",
                     ha="center", fontsize=7, color="gray", annotation_clip=False)
    ax2.set_xticks(x)
    ax2.set_xticklabels([r["label"].replace(" (", "\n(").replace(" + ", "\n+ ") for r in lat], fontsize=7)
    ax2.set_yscale("log")
    ax2.set_ylabel("one-way wake latency, µs (log)")
    ax2.set_title("Cross-process wake latency (writer sleeps 1–2 ms)")
    ax2.grid(True, axis="y", which="both", alpha=0.3)
    ax2.legend()
    fig.suptitle(f"shmhub {info['shmhub']} vs iceoryx2 {info['iceoryx2']}, pyshmem {info['pyshmem']} · "
                 f"{info['nproc']} CPUs {info['cpu']} · Python {info['python']} · {info['date']}",
                 fontsize=9)
    fig.subplots_adjust(left=0.06, right=0.99, top=0.9, bottom=0.2, wspace=0.22)
    fig.savefig(path, dpi=110)
    plt.close(fig)


# ---- main ------------------------------------------------------------------------------------------

def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true",
                    help="fewer repetitions and frames (smoke test)")
    ap.add_argument("--frames", type=int, default=None,
                    help="latency frames per reader (default 2000; 300 with --quick)")
    ap.add_argument("--out", default=RESULTS, help="directory for python_bench.md/.png")
    ap.add_argument("--writer", nargs=5, metavar=("KIND", "NAME", "COUNT", "MODE", "SHAPE"),
                    help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.writer:
        kind, name, count, mode, shape = args.writer
        try:
            return writer_main(kind, name, int(count), mode, shape)
        except KeyboardInterrupt:
            return 130

    quick = args.quick
    frames = args.frames or (300 if quick else 2000)
    info = _machine_info()
    res = Resources()
    t0 = time.perf_counter()
    try:
        print(f"round trip ({'quick' if quick else 'full'})", file=sys.stderr)
        rt, calls = bench_roundtrip(res, quick)
        print("cross-process throughput", file=sys.stderr)
        tp = bench_throughput(res, quick)
        print(f"wake latency: {frames} frames per reader", file=sys.stderr)
        lat = bench_latency(res, frames, warm=20)
    except KeyboardInterrupt:
        print("interrupted; cleaning up", file=sys.stderr)
        return 130
    finally:
        res.release()
    md, _ = render(info, rt, calls, tp, lat, quick, time.perf_counter() - t0)
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
