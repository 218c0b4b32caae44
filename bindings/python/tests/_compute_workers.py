"""Worker functions for test_synched.py / test_parallel.py (importable by name in children)."""

from __future__ import annotations

import os
import signal

import numpy as np

import shmhub


def tag(r: int, w: int) -> int:
    return (r << 16) | w


def cycle(sm: "shmhub.SynchedMemory", w: int, rounds: int, zero_copy: bool) -> int:
    """Runs ``rounds`` write-then-read rounds as worker ``w``; returns the mixed-round reads."""
    sm.attach(w)
    n = sm.segment_len
    mixed = 0
    expect = np.array([[tag(0, v)] for v in range(sm.workers)], dtype=np.uint64)
    for r in range(rounds):
        np.sqrt(np.arange(((w * 7 + r * 3) % 5) * 20000, dtype=np.float64)).sum()  # uneven work
        if zero_copy:
            sm.local[:] = tag(r, w)
            g = sm.sync(timeout=60)
        else:
            g = sm.write_and_sync(np.full(n, tag(r, w), np.uint64), timeout=60)
        expect[:, 0] = [tag(r, v) for v in range(sm.workers)]
        half = n // 2
        ok = bool((g[:, :half] == expect).all())
        if w == 0:
            np.sqrt(np.arange(20000, dtype=np.float64)).sum()  # a slow reader
        ok = ok and bool((g[:, half:] == expect).all())
        mixed += 0 if ok else 1
    sm.close()
    return mixed


def cycle_by_name(name: str, w: int, rounds: int, zero_copy: bool) -> int:
    return cycle(shmhub.SynchedMemory.open(name), w, rounds, zero_copy)


def die_after_one_round(name: str, w: int) -> None:
    sm = shmhub.SynchedMemory.open(name).attach(w)
    sm.write_and_sync(np.zeros(sm.segment_len, sm.dtype), timeout=60)
    os.kill(os.getpid(), signal.SIGKILL)


def square_rows(args) -> float:
    arr, lo, hi = args  # a shmhub array, received by name: squared in place
    arr[lo:hi] **= 2
    return float(arr[lo:hi].sum())


def matmul_trace(n: int) -> float:
    rng = np.random.default_rng(n)
    a = rng.standard_normal((n, n))
    return float(np.trace(a @ a.T))
