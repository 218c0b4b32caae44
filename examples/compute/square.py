#!/usr/bin/env python3
"""Squaring a million doubles in place with 4 worker processes (the classic
``multiprocessing.Array`` example), three ways in the same run:

* shmhub: a named segment; each worker opens it by name (the array pickles by name) and squares
  its slice in place;
* ``multiprocessing.Array`` (lock=False), inherited by the workers;
* ``multiprocessing.shared_memory.SharedMemory``, attached by name in each worker.

Every result is checked against ``x ** 2``. Run: ``python examples/compute/square.py``
(``--small`` for the quick check ``make test`` runs).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import shmhub  # noqa: E402
from _common import best_of, unique  # noqa: E402

_mp_array = None  # set in the workers of the multiprocessing.Array variant (inherited on fork)


def square_shmhub(args):
    arr, lo, hi = args          # a shmhub view: travels by name, maps the same memory
    arr[lo:hi] **= 2


def square_mp_array(args):
    lo, hi = args
    view = np.frombuffer(_mp_array, dtype=np.float64)
    view[lo:hi] **= 2


def square_shared_memory(args):
    from multiprocessing import shared_memory
    name, n, lo, hi = args
    shm = shared_memory.SharedMemory(name=name)
    # Python < 3.13 registers every attach with the resource tracker, which would unlink the
    # parent's segment when this worker exits: the known workaround.
    from multiprocessing import resource_tracker
    resource_tracker.unregister(shm._name, "shared_memory")  # type: ignore[attr-defined]
    try:
        view = np.ndarray((n,), np.float64, buffer=shm.buf)
        view[lo:hi] **= 2
        del view
    finally:
        shm.close()


def chunks(n, workers):
    step = (n + workers - 1) // workers
    return [(i, min(n, i + step)) for i in range(0, n, step)]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--small", action="store_true", help="10 000 doubles, one repeat")
    a = ap.parse_args()
    if a.small:
        a.n, a.repeat = 10_000, 1
    x = np.random.default_rng(0).random(a.n)
    want = x ** 2
    parts = chunks(a.n, a.workers)
    ctx = mp.get_context("fork")
    results = {}
    with ctx.Pool(a.workers) as pool:
        # shmhub
        name = unique("square")
        seg = shmhub.create(name, {"x": ((a.n,), "f8")}, unlink_on_close=True)
        arr = seg["x"]

        def run_shmhub():
            arr[:] = x
            pool.map(square_shmhub, [(arr, lo, hi) for lo, hi in parts])
            return np.array(arr)
        t, got = best_of(run_shmhub, a.repeat)
        results["shmhub"] = (t, bool(np.array_equal(got, want)))
        del arr
        seg.close()

    # multiprocessing.Array: must exist before the pool forks
    global _mp_array
    _mp_array = mp.Array("d", a.n, lock=False)
    mview = np.frombuffer(_mp_array, dtype=np.float64)
    with ctx.Pool(a.workers) as pool:
        def run_mp():
            mview[:] = x
            pool.map(square_mp_array, parts)
            return mview.copy()
        t, got = best_of(run_mp, a.repeat)
        results["multiprocessing.Array"] = (t, bool(np.array_equal(got, want)))

        from multiprocessing import shared_memory
        shm = shared_memory.SharedMemory(create=True, size=a.n * 8)
        try:
            sview = np.ndarray((a.n,), np.float64, buffer=shm.buf)

            def run_sm():
                sview[:] = x
                pool.map(square_shared_memory, [(shm.name, a.n, lo, hi) for lo, hi in parts])
                return sview.copy()
            t, got = best_of(run_sm, a.repeat)
            results["multiprocessing.shared_memory"] = (t, bool(np.array_equal(got, want)))
            del sview
        finally:
            shm.close()
            shm.unlink()

    base = results["multiprocessing.Array"][0]
    print(f"squaring {a.n} doubles in place with {a.workers} workers (best of {a.repeat}):")
    for k, (t, ok) in results.items():
        print(f"  {k:32s} {t * 1e3:9.2f} ms  {base / t:5.2f}x vs multiprocessing.Array  "
              f"{'correct' if ok else 'WRONG'}")
    ok = all(v[1] for v in results.values())
    print("square: OK" if ok else "square: FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
