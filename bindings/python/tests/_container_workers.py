"""Worker functions for the SharedDict / MemoryPool tests (run in other processes; importable)."""

import numpy as np


def add_many(name, n):
    import shmhub
    d = shmhub.SharedDict.open(name)
    for _ in range(n):
        d.add("counter")
    d.close()
    return n


def read_key(d, key):
    """Receives a SharedDict pickled by name."""
    return d[key]


def fill_buffer(pool, buf_id, value):
    """Receives a MemoryPool (by name) and a buffer id (by value); fills the buffer, gives it back."""
    buf = pool.adopt(buf_id)
    np.asarray(buf)[:] = value
    total = int(np.asarray(buf)[:16].sum())
    pool.release(buf)
    return total


def take_and_die(pool_name, dict_name):
    """Takes two buffers and the dictionary's lock, then dies without giving anything back."""
    import os
    import signal
    import shmhub
    pool = shmhub.MemoryPool.open(pool_name)
    pool.acquire(1)
    pool.acquire(1)
    os.kill(os.getpid(), signal.SIGKILL)
