"""Functions run in other processes (multiprocessing pools, fork and spawn); importable by name."""

import time

import numpy as np


def slice_sum(view):
    """Receives a SharedArray slice (pickled by name) and returns its sum and whether it is shared."""
    from shmhub import SharedArray
    return int(np.sum(view, dtype=np.int64)), isinstance(view, SharedArray), view.base is not None


def write_array(name, array_name, value):
    import shmhub
    with shmhub.open(name) as seg:
        a = seg[array_name]
        a[...] = value
        return int(a.sum())


def write_frames(name, n, sleep_lo=0.001, sleep_hi=0.002):
    """Writes frames 1..n (every element = seq) to stream `name`, sleeping 1-2 ms between them."""
    import shmhub
    rng = np.random.default_rng(n)
    with shmhub.Stream.open(name) as s:
        for seq in range(1, n + 1):
            s.write(np.full(s.shape, seq, s.dtype))
            time.sleep(rng.uniform(sleep_lo, sleep_hi))
    return n


def write_through_pickled_view(view, value):
    view[...] = value
    return True


def add_under_lock(name, n):
    """Adds 1 to segment `name`'s array "n" n times, each a read-modify-write under its lock."""
    import shmhub
    seg = shmhub.open(name)
    a = seg["n"]
    for i in range(n):
        with a.get_lock():
            v = int(a[0])
            if i % 50 == 0:
                time.sleep(0)
            a[0] = v + 1
