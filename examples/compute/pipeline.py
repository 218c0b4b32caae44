#!/usr/bin/env python3
"""A producer -> matrix-vector multiply -> consumer pipeline over streams, at N = 100, 1000 and
10000 (an N x N float32 matrix, N-vectors), measured in frames per second, lock-step (the
producer sends x_i, the consumer waits for y_i = M x_i):

* shmhub, C stage: the matrix is a named array read in place by OpenBLAS ``cblas_sgemv``
  (``build/example_sgemv_stage``), y written into a stream loan;
* shmhub, Python stage: numpy ``M @ x`` on the zero-copy view of the matrix;
* pyshmem 1.4.0 (baseline, same run, same topology): the matrix is a pyshmem stream the stage
  reads every frame (pyshmem has no zero-copy read), x and y are pyshmem streams.

Every y is checked against M x computed by the consumer (the first and last frames in full runs,
every frame with ``--small``). Run: ``python examples/compute/pipeline.py --build build``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import shmhub  # noqa: E402
from _common import unique  # noqa: E402

FRAMES = {100: 2000, 1000: 300, 10000: 9}
TIMEOUT = 60.0


def x_of(i: int, n: int) -> np.ndarray:
    return np.random.default_rng(i).standard_normal(n, dtype=np.float32)


# ---- stages (run in their own process) --------------------------------------------------------

def stage_shmhub(mname: str, xname: str, yname: str, frames: int) -> None:
    seg = shmhub.open(mname, readonly=True)
    m = seg["M"]                                        # zero-copy view of the shared matrix
    xs, ys = shmhub.Stream.open(xname), shmhub.Stream.open(yname)
    xs.seek(0)
    x = np.empty(m.shape[0], np.float32)
    y = np.empty(m.shape[0], np.float32)
    for _ in range(frames):
        xs.read_next(timeout=TIMEOUT, out=x)
        np.matmul(m, x, out=y)
        ys.write(y)


def wait_count(s, n: int) -> None:
    """pyshmem's advice for lock-step exchanges: poll the level (``count``), not ``read_new``
    (edge-triggered, it can miss a write published just before the call); its default poll
    interval."""
    deadline = time.monotonic() + TIMEOUT
    while s.count < n:
        if time.monotonic() > deadline:
            raise TimeoutError(f"pyshmem stream: count {s.count} < {n}")
        time.sleep(1e-5)


def stage_pyshmem(mname: str, xname: str, yname: str, frames: int) -> None:
    import pyshmem
    ms, xs, ys = pyshmem.open(mname), pyshmem.open(xname), pyshmem.open(yname)
    mbuf = ms.read()
    x = np.empty(mbuf.shape[0], np.float32)
    y = np.empty(mbuf.shape[0], np.float32)
    for i in range(frames):
        wait_count(xs, i + 1)
        xs.read(out=x)
        ms.read(out=mbuf)                               # the matrix, copied every frame
        np.matmul(mbuf, x, out=y)
        ys.write(y)


# ---- producer + consumer ---------------------------------------------------------------------

def run_shmhub(n: int, frames: int, stage: str, build: str, verify_all: bool) -> float:
    base = unique(f"pipe{n}")
    seg = shmhub.create(base + "-M", {"M": ((n, n), "f4")}, unlink_on_close=True)
    m = seg["M"]
    m[:] = np.random.default_rng(7).standard_normal((n, n), dtype=np.float32)
    xs = shmhub.Stream.create(base + "-x", n, "f4", slots=4, unlink_on_close=True)
    ys = shmhub.Stream.create(base + "-y", n, "f4", slots=4, unlink_on_close=True)
    if stage == "c":
        exe = os.path.join(build, "example_sgemv_stage")
        proc = subprocess.Popen([exe, base + "-M", base + "-x", base + "-y", str(frames)])
    else:
        proc = subprocess.Popen([sys.executable, __file__, "--stage", "shmhub", base + "-M",
                                 base + "-x", base + "-y", str(frames)])
    y = np.empty(n, np.float32)
    t0 = time.perf_counter()
    ok = True
    for i in range(frames):
        if i == 1:
            t0 = time.perf_counter()  # frame 0 includes the stage's start-up: not timed
        x = x_of(i, n)
        xs.write(x)
        ys.read_next(timeout=TIMEOUT, out=y)
        if verify_all or i in (0, frames - 1):
            ok &= bool(np.allclose(y, m @ x, rtol=1e-3, atol=1e-3 * np.sqrt(n)))
    dt = time.perf_counter() - t0
    ok &= proc.wait(timeout=TIMEOUT) == 0
    del m
    seg.close()
    xs.close()
    ys.close()
    if not ok:
        raise SystemExit(f"pipeline shmhub/{stage} N={n}: WRONG result")
    return (frames - 1) / dt


def run_pyshmem(n: int, frames: int, verify_all: bool) -> float:
    import pyshmem
    base = unique(f"ppipe{n}")
    mat = np.random.default_rng(7).standard_normal((n, n), dtype=np.float32)
    ms = pyshmem.create(base + "-M", shape=(n, n), dtype=np.float32)
    xs = pyshmem.create(base + "-x", shape=(n,), dtype=np.float32, notify=True)
    ys = pyshmem.create(base + "-y", shape=(n,), dtype=np.float32, notify=True)
    try:
        ms.write(mat)
        proc = subprocess.Popen([sys.executable, __file__, "--stage", "pyshmem", base + "-M",
                                 base + "-x", base + "-y", str(frames)])
        y = np.empty(n, np.float32)
        t0 = time.perf_counter()
        ok = True
        for i in range(frames):
            if i == 1:
                t0 = time.perf_counter()  # frame 0 includes the stage's start-up: not timed
            x = x_of(i, n)
            xs.write(x)
            wait_count(ys, i + 1)
            ys.read(out=y)
            if verify_all or i in (0, frames - 1):
                ok &= bool(np.allclose(y, mat @ x, rtol=1e-3, atol=1e-3 * np.sqrt(n)))
        dt = time.perf_counter() - t0
        ok &= proc.wait(timeout=TIMEOUT) == 0
    finally:
        for s in (ms, xs, ys):
            try:
                s.unlink()
            except Exception:
                pass
    if not ok:
        raise SystemExit(f"pipeline pyshmem N={n}: WRONG result")
    return (frames - 1) / dt


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--stage", nargs=5, metavar=("KIND", "M", "X", "Y", "FRAMES"),
                    help="(internal) run one stage")
    ap.add_argument("--build", default=os.environ.get("SHMHUB_BUILD", "build"))
    ap.add_argument("--sizes", default="100,1000,10000")
    ap.add_argument("--small", action="store_true", help="N = 100 and 1000, few frames, all checked")
    a = ap.parse_args()
    if a.stage:
        kind, mname, xname, yname, frames = a.stage
        (stage_shmhub if kind == "shmhub" else stage_pyshmem)(mname, xname, yname, int(frames))
        return 0
    sizes = [100, 1000] if a.small else [int(s) for s in a.sizes.split(",")]
    have_c = os.access(os.path.join(a.build, "example_sgemv_stage"), os.X_OK)
    print(f"{'N':>6} | {'shmhub C sgemv':>15} | {'shmhub numpy':>13} | {'pyshmem 1.4.0':>13} | "
          f"{'C / pyshmem':>11}")
    for n in sizes:
        frames = 10 if a.small else FRAMES.get(n, 10)
        rate_c = run_shmhub(n, frames, "c", a.build, a.small) if have_c else float("nan")
        rate_py = run_shmhub(n, frames, "python", a.build, a.small)
        rate_p = run_pyshmem(n, frames, a.small)
        print(f"{n:>6} | {rate_c:12.1f} Hz | {rate_py:10.1f} Hz | {rate_p:10.1f} Hz | "
              f"{rate_c / rate_p:10.2f}x")
    if not have_c:
        print(f"note: {a.build}/example_sgemv_stage not built (needs libopenblas-dev)")
    print("pipeline: OK (every checked y = M x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
