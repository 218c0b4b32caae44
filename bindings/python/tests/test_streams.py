"""Streams: writes, latest/lossless/new reads, waits, loans, seek, overrun, cross-process lossless."""

import json
import multiprocessing as mp
import pickle
import threading
import time

import numpy as np
import pytest

import shmhub

import _workers


def frame(seq, shape=(3, 4), dtype="f4"):
    return np.full(shape, seq, dtype)


def test_write_read_and_metadata(name):
    with shmhub.Stream.create(name, (3, 4), "f4", slots=16) as s:
        assert (s.name, s.shape, s.dtype, s.nbytes, s.slots) == (name, (3, 4), np.float32, 48, 16)
        assert not s.multi_writer and s.count == 0 and s.last_write_time is None and s.cursor == 0
        assert s.writer_pid == 0
        t0 = time.time()
        s.write(frame(1))
        s.write(frame(2).tolist())  # any array-like, converted to the dtype
        assert s.count == 2 and s.writer_pid > 0
        assert t0 - 1 <= s.last_write_time <= time.time() + 1
        f = s.read()
        assert f.shape == (3, 4) and f.dtype == np.float32 and np.all(f == 2)
        assert s.last_info.seq == 2 and s.last_info.missed == 1 and s.cursor == 2  # frame 1 skipped
        assert abs(s.last_info.timestamp - s.last_write_time) < 1e-6
        out = np.empty((3, 4), "f4")
        r = s.read(out=out)
        assert r is out and np.all(out == 2)
        assert "count=2" in repr(s)


def test_read_next_lossless_and_seek(name):
    with shmhub.Stream.create(name, (3, 4), "f4", slots=8) as s:
        for i in range(1, 6):
            s.write(frame(i))
        r = shmhub.Stream.open(name)
        assert r.cursor == 5  # a new reader starts at the head
        with pytest.raises(TimeoutError):
            r.read_next(timeout=0)
        r.seek(0)  # replay the ring
        got = [int(r.read_next(timeout=0)[0, 0]) for _ in range(5)]
        assert got == [1, 2, 3, 4, 5] and r.last_info.missed == 0 and r.last_info.seq == 5
        r.seek(2)
        out = np.empty((3, 4), "f4")
        assert r.read_next(timeout=0, out=out) is out and out[0, 0] == 3
        # the creating handle's cursor starts at 0
        assert [int(s.read_next(timeout=0)[0, 0]) for _ in range(5)] == [1, 2, 3, 4, 5]
        r.close()


def test_wait_and_read_new(name):
    with shmhub.Stream.create(name, 4, "i8") as w, shmhub.Stream.open(name) as r:
        assert r.wait(timeout=0) is False
        w.write([1, 1, 1, 1])
        assert r.wait(timeout=0) is True
        w.write([2, 2, 2, 2])
        assert r.read_new(timeout=0.5).tolist() == [2, 2, 2, 2]  # the newest, skipping 1
        assert r.last_info.seq == 2 and r.last_info.missed == 1
        with pytest.raises(TimeoutError):
            r.read_new(timeout=0.02)
        threading.Timer(0.05, w.write, args=([3, 3, 3, 3],)).start()
        t = time.monotonic()
        assert r.read_new(timeout=5).tolist() == [3, 3, 3, 3]
        assert time.monotonic() - t < 4


def test_describe_open_from(name):
    with shmhub.Stream.create(name, (2, 5), "u2", slots=4, multi_writer=True) as s:
        d = s.describe()
        assert json.loads(json.dumps(d)) == json.loads(json.dumps(d))  # JSON-able
        assert d["name"] == name and tuple(d["shape"]) == (2, 5) and d["dtype"] == "<u2"
        assert d["slots"] == 4 and d["writer_mode"] == "multi" and d["frame_nbytes"] == 20
        d2 = pickle.loads(pickle.dumps(d))
        with shmhub.Stream.open_from(d2) as o:
            assert o.shape == (2, 5) and o.dtype == np.uint16 and o.multi_writer
            s.write(np.arange(10).reshape(2, 5))
            o.write(np.ones((2, 5)))  # multi-writer: both handles write
            o.seek(0)
            assert o.read_next(timeout=0).ravel().tolist() == list(range(10))
            assert o.read_next(timeout=0).sum() == 10


def test_loan_commit_and_abandon(name):
    with shmhub.Stream.create(name, (4, 4), "f8") as s:
        with s.loan() as buf:
            assert buf.shape == (4, 4) and buf.ctypes.data % 64 == 0 and buf.flags.writeable
            buf[:] = 9
        assert s.count == 1 and np.all(s.read() == 9)
        with pytest.raises(RuntimeError):
            with s.loan() as buf:
                buf[:] = -1
                raise RuntimeError("boom")
        assert s.count == 1  # abandoned: nothing published
        assert np.all(s.read() == 9)
        s.write(np.full((4, 4), 10.0))
        assert s.count == 2 and s.last_info.seq == 1  # the abandoned seq was not consumed
        assert s.read()[0, 0] == 10 and s.last_info.seq == 2
        with s.loan():
            with pytest.raises(BlockingIOError):
                s.write(np.zeros((4, 4)))  # one loan per handle
        assert s.count == 3


def test_overrun_counts_missed(name):
    slots = 4
    with shmhub.Stream.create(name, 2, "u4", slots=slots) as w, shmhub.Stream.open(name) as r:
        w.write([1, 1])
        assert r.read_next(timeout=0).tolist() == [1, 1] and r.last_info.missed == 0
        for i in range(2, 21):  # 19 more frames: the reader falls far behind
            w.write([i, i])
        f = r.read_next(timeout=0)
        head = 20
        oldest_safe = head - slots + 2
        assert r.last_info.seq == oldest_safe and f.tolist() == [oldest_safe] * 2
        assert r.last_info.missed == oldest_safe - 2
        prev = r.last_info.seq
        while True:
            try:
                r.read_next(timeout=0)
            except TimeoutError:
                break
            assert r.last_info.seq == prev + 1 + r.last_info.missed and r.last_info.missed == 0
            prev = r.last_info.seq
        assert prev == head


def test_scalar_and_every_dtype_stream(make_name):
    for dtype in ["bool", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "f2", "f4", "f8", "c8",
                  "c16"]:
        with shmhub.Stream.create(make_name(), (), dtype, unlink_on_close=True) as s:
            assert s.shape == ()
            v = np.array(1, dtype)
            s.write(v)
            got = s.read()
            assert got.shape == () and got.dtype == np.dtype(dtype) and got.tobytes() == v.tobytes()


def test_stream_in_private_dir(shm_dir, name):
    with shmhub.Stream.create(name, 3, "f4", dir=shm_dir) as s:
        s.write([1, 2, 3])
        with shmhub.Stream.open(name, dir=shm_dir) as r:
            assert r.read().tolist() == [1, 2, 3]
        o = pickle.loads(pickle.dumps(s))
        assert o.read().tolist() == [1, 2, 3]
        o.close()
    with pytest.raises(FileNotFoundError):
        shmhub.Stream.open(name)


@pytest.mark.parametrize("wait", ["futex", "spin_then_futex"])
def test_lossless_with_writer_in_another_process(make_name, wait):
    name = make_name(wait)
    n = 150
    with shmhub.Stream.create(name, (8, 8), "i4", slots=32) as s:
        r = shmhub.Stream.open(name, wait=wait)
        ctx = mp.get_context("fork")
        p = ctx.Process(target=_workers.write_frames, args=(name, n))
        p.start()
        try:
            for seq in range(1, n + 1):
                f = r.read_next(timeout=10)
                assert r.last_info.seq == seq and r.last_info.missed == 0
                assert np.all(f == seq)
        finally:
            p.join(20)
        assert p.exitcode == 0
        assert s.count == n
        r.close()
