"""The segment lock (``with seg.lock()``, ``arr.get_lock()``, ``Stream.write_locked``) and the
pyshmem idioms (wait_for_count, read_after, age/is_stale, unlink, to_config/create_from_config,
writer_alive)."""

from __future__ import annotations

import json
import math
import multiprocessing as mp
import os
import signal
import threading
import time

import numpy as np
import pytest

import shmhub
from _workers import add_under_lock as _add_under_lock


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_lock_excludes_processes(name, method):
    seg = shmhub.create(name, {"n": (1, "i8")})
    ctx = mp.get_context(method)
    procs = [ctx.Process(target=_add_under_lock, args=(name, 500)) for _ in range(3)]
    for p in procs:
        p.start()
    _add_under_lock(name, 500)
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    assert seg["n"][0] == 2000
    assert seg.lock().holder_pid == 0


def test_lock_basics_timeouts_and_errors(name):
    seg = shmhub.create(name, {"a": (4, "f8")})
    lk = seg.lock(timeout=0.05)
    with lk:
        assert lk.holder_pid == os.getpid() and lk.recovered is False
        other = shmhub.open(name).lock()
        assert other.acquire(block=False) is False  # not recursive, per process
        t0 = time.monotonic()
        assert other.acquire(timeout=0.12) is False
        assert time.monotonic() - t0 >= 0.12
        with pytest.raises(TimeoutError, match="lock held by process"):
            with shmhub.open(name).lock(timeout=0.01):
                pass
    assert lk.holder_pid == 0
    with pytest.raises(ValueError, match="not held"):
        lk.release()
    ro = shmhub.open(name, readonly=True)
    with pytest.raises(PermissionError, match="read-only"):
        with ro.lock():
            pass
    with pytest.raises(ValueError, match="nan"):
        seg.lock(timeout=math.nan)
    with pytest.raises(ValueError, match="not a view"):
        np.zeros(3).view(shmhub.SharedArray).get_lock()


def test_lock_released_by_threads_waiting(name):
    seg = shmhub.create(name, {"a": (1, "i8")})
    order = []
    lk = seg.lock()
    lk.acquire()

    def waiter():
        with seg.lock(timeout=10):
            order.append("waiter")

    t = threading.Thread(target=waiter)
    t.start()
    time.sleep(0.1)
    order.append("holder")
    lk.release()
    t.join(10)
    assert order == ["holder", "waiter"]


def test_lock_of_killed_holder_is_recovered(name):
    seg = shmhub.create(name, {"a": (1, "i8")})
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            shmhub.open(name).lock().acquire()
            os.write(w, b"x")
            time.sleep(60)
        finally:
            os._exit(1)
    assert os.read(r, 1) == b"x"
    lk = seg.lock()
    assert lk.holder_pid == pid
    assert lk.acquire(timeout=0.05) is False  # alive: not taken over
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    assert lk.acquire(timeout=10) is True
    assert lk.recovered is True and lk.recoveries == 1
    lk.release()
    with seg.lock() as again:
        assert again.recovered is False


def test_stream_write_locked(name):
    s = shmhub.Stream.create(name, 3, "i4")
    s.write_locked([1, 2, 3])
    with s.lock(timeout=1):
        assert s.lock().acquire(block=False) is False
    assert s.read().tolist() == [1, 2, 3]
    r = shmhub.Stream.open(name, readonly=True)
    with pytest.raises(PermissionError):
        r.write_locked([0, 0, 0])


# ---- pyshmem parity --------------------------------------------------------------------------

def test_wait_for_count_and_read_after(name):
    s = shmhub.Stream.create(name, 1, "i8", slots=16)
    r = shmhub.Stream.open(name)
    assert r.wait_for_count(0, timeout=0) == 0
    with pytest.raises(TimeoutError):
        r.wait_for_count(1, timeout=0.06)

    def produce():
        for i in range(1, 6):
            time.sleep(0.01)
            s.write([i * 10])

    t = threading.Thread(target=produce)
    t.start()
    assert r.wait_for_count(5, timeout=10) >= 5
    t.join()
    assert r.cursor == 0  # untouched
    assert r.read_after(2, timeout=0)[0] == 30 and r.last_info.seq == 3
    assert r.read_next(timeout=0)[0] == 40


def test_age_staleness_unlink_config(name, make_name):
    s = shmhub.Stream.create(name, (2, 3), "f4", slots=4, multi_writer=True)
    assert s.age is None and s.is_stale(10)
    s.write(np.ones((2, 3)))
    assert 0 <= s.age < 60 and not s.is_stale(60) and s.is_stale(0) in (True, False)
    with pytest.raises(ValueError):
        s.is_stale(-1)
    cfg = s.to_config()
    assert json.loads(json.dumps(cfg)) == cfg
    assert cfg["slots"] == 4 and cfg["multi_writer"] is True and cfg["shape"] == [2, 3]
    other_name = make_name()
    t = shmhub.Stream.create_from_config(json.loads(json.dumps(cfg)), name=other_name)
    assert (t.name, t.shape, t.dtype, t.slots, t.multi_writer) == \
        (other_name, (2, 3), np.dtype("f4"), 4, True)
    t.unlink()
    assert not os.path.exists(f"/dev/shm/shmhub.{other_name}")
    with pytest.raises(FileNotFoundError):
        t.unlink()
    t.write(np.zeros((2, 3)))  # the handle stays valid


def test_writer_alive(name):
    s = shmhub.Stream.create(name, 1, "u1")
    assert s.writer_alive() is False  # no writer yet
    s.write([1])
    assert s.writer_alive() is True
    s.close()
    pid = os.fork()
    if pid == 0:
        try:
            w = shmhub.Stream.open(name)
            w.write([2])  # the claim stays: the process exits without closing
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    r = shmhub.Stream.open(name)
    assert r.writer_pid == pid and r.writer_alive() is False
