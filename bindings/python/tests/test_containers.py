"""SharedDict and MemoryPool from Python: the mapping protocol, typed values that other languages
read, counters across processes, pickling by name, numpy views of pool buffers, hand-over by id
through multiprocessing, reclaim after a process died, and bad input."""

from __future__ import annotations

import enum
import multiprocessing as mp
import os
import pickle
import signal
import subprocess
import sys
import struct
from collections.abc import MutableMapping

import numpy as np
import pytest

import shmhub
from shmhub import raw

import _container_workers as w


@pytest.fixture
def sdict(name):
    d = shmhub.SharedDict.create(name, capacity=128, value_bytes=1 << 20)
    yield d
    d.close()


def test_mapping_and_typed_values(sdict, name):
    d = sdict
    assert isinstance(d, MutableMapping)
    values = {"i": -5, "f": 2.5, "s": "héllo ✓", "b": b"\x00\x01", "ba": bytearray(b"xy"),
              "a": np.arange(12, dtype=np.int16).reshape(3, 4), "p": {"nested": [1, None]},
              "t": True, "big": 1 << 70, "none": None}
    for k, v in values.items():
        d[k] = v
    assert len(d) == len(values)
    assert sorted(d) == sorted(values)
    other = shmhub.SharedDict.open(name)
    for k, v in values.items():
        got = other[k]
        if isinstance(v, np.ndarray):
            assert got.dtype == v.dtype and got.shape == v.shape and (got == v).all()
            got[0, 0] = 99  # a private, writable copy
        elif isinstance(v, bytearray):
            assert got == bytes(v)
        else:
            assert got == v and type(got) is type(v)
    assert d["a"][0, 0] == 0
    # typed, so other languages read them: check the raw type codes
    for k, code in (("i", raw.SHMHUB_VALUE_I64), ("f", raw.SHMHUB_VALUE_F64), ("s", raw.SHMHUB_VALUE_STR),
                    ("b", raw.SHMHUB_VALUE_BYTES), ("a", raw.SHMHUB_VALUE_NDARRAY),
                    ("p", raw.SHMHUB_VALUE_PICKLE), ("t", raw.SHMHUB_VALUE_PICKLE)):
        st, t, _ = raw.dict_get_value(d._ptr, k)
        assert st == 0 and t == code, k
    del d["i"]
    assert "i" not in d and "f" in d and 5 not in d
    with pytest.raises(KeyError):
        d["i"]
    with pytest.raises(KeyError):
        del d["i"]
    assert d.get("i", 7) == 7
    d.update(x=1, y=2)
    assert d.pop("x") == 1
    d.clear()
    assert len(d) == 0 and list(d) == [] and other.get("y") is None
    other.close()


class Color(enum.IntEnum):  # module level: pickled by the fallback
    RED = 1


class Text(str):
    pass


def test_set_in_one_c_call(sdict, monkeypatch):
    """int (64-bit), float, str, bytes and bytearray are set by one C call (dict_set_value), with
    the same type codes and bytes as the Python encoder; anything else falls back to it."""
    import shmhub.dict as sd

    cases = [(-(1 << 63), raw.SHMHUB_VALUE_I64), ((1 << 63) - 1, raw.SHMHUB_VALUE_I64),
             (0, raw.SHMHUB_VALUE_I64), (-0.0, raw.SHMHUB_VALUE_F64),
             (float("inf"), raw.SHMHUB_VALUE_F64), ("", raw.SHMHUB_VALUE_STR),
             ("a\x00b 😀", raw.SHMHUB_VALUE_STR), (b"", raw.SHMHUB_VALUE_BYTES),
             (bytearray(b"\x00" * 600), raw.SHMHUB_VALUE_BYTES)]
    for v, code in cases:
        sdict["py"] = v  # the Python encoder, for the bytes to compare with
        st, t_py, b_py = raw.dict_get_value(sdict._ptr, "py")
        assert st == 0 and t_py == code
        monkeypatch.setattr(sd, "_encode", None)  # the one-call path must not need it
        sdict["c"] = v
        monkeypatch.undo()
        st, t_c, b_c = raw.dict_get_value(sdict._ptr, "c")
        assert (st, t_c, b_c) == (0, code, b_py), v
        got = sdict["c"]
        assert got == v and (type(got) is type(v) or type(v) is bytearray)
    nan = float("nan")
    sdict["n"] = nan
    assert sdict["n"] != sdict["n"]
    # Not plain: pickled by the fallback, as before.
    for v in (1 << 63, -(1 << 63) - 1, True, Color.RED, Text("t"), None, (1, 2)):
        sdict["o"] = v
        st, t, _ = raw.dict_get_value(sdict._ptr, "o")
        assert t == raw.SHMHUB_VALUE_PICKLE and sdict["o"] == v and type(sdict["o"]) is type(v), v
    # Keys the C call cannot pass as they are take the fallback and fail as before.
    with pytest.raises(ValueError, match="NUL"):
        sdict["a\x00b"] = 1
    with pytest.raises(UnicodeEncodeError):
        sdict["\ud800"] = 1
    with pytest.raises(UnicodeEncodeError):
        sdict["\ud800"] = "x"
    with pytest.raises(ValueError, match="not valid UTF-8"):
        sdict["k"] = "\ud800"  # a lone surrogate value: the encoder's surrogatepass, refused in C
    assert "a" not in sdict and "k" not in sdict


def test_get_in_one_c_call(sdict, monkeypatch):
    """d[key] of an int, float, str or bytes value is one C call (dict_get_value_fast) returning
    the value itself, equal to and of the type of what was stored; ndarray and pickled values,
    values over its 16 KiB buffer, missing keys and keys it cannot pass take the checked path."""
    import shmhub.dict as sd

    plain = [-(1 << 63), (1 << 63) - 1, 0, -0.0, float("inf"), "", "a\x00b 😀", b"", b"\x00" * 600,
             b"z" * 16384]
    for i, v in enumerate(plain):
        sdict[f"p{i}"] = v
    monkeypatch.setattr(sd, "_decode", None)  # the one-call path must need neither
    monkeypatch.setattr(sd._raw, "dict_get_value", None)
    for i, v in enumerate(plain):
        got = sdict[f"p{i}"]
        assert got == v and type(got) is type(v), v
    monkeypatch.undo()
    big = os.urandom(16385)  # one byte over the stack buffer: read at its size
    arr = np.arange(12, dtype=np.float32).reshape(3, 4)
    sdict["big"], sdict["arr"], sdict["tup"] = big, arr, (1, "x")
    assert sdict["big"] == big
    assert np.array_equal(sdict["arr"], arr) and sdict["arr"].dtype == np.float32
    assert sdict["tup"] == (1, "x")
    with pytest.raises(KeyError):
        sdict["missing"]
    assert sdict.get("missing", 7) == 7
    with pytest.raises(TypeError):
        sdict[5]
    with pytest.raises(ValueError, match="NUL"):
        sdict["a\x00b"]
    with pytest.raises(UnicodeEncodeError):
        sdict["\ud800"]


def test_large_values_roundtrip(sdict):
    for n in (0, 511, 512, 513, 100_000):
        v = os.urandom(n)
        sdict["v"] = v
        assert sdict["v"] == v


def test_counters(sdict):
    assert sdict.add("c") == 1
    assert sdict.add("c", 41) == 42
    assert sdict.add("c", -50) == -8
    assert sdict.compare_and_set("c", -8, 100) is True
    assert sdict.compare_and_set("c", -8, 5) is False
    assert sdict["c"] == 100
    with pytest.raises(KeyError):
        sdict.compare_and_set("nope", 0, 1)
    sdict["s"] = "text"
    with pytest.raises(ValueError, match="'s' holds a str"):
        sdict.add("s")


def test_no_lost_increments_across_processes(sdict, name):
    ctx = mp.get_context("fork")
    with ctx.Pool(2) as pool:
        assert pool.starmap(w.add_many, [(name, 20_000)] * 2) == [20_000, 20_000]
    assert sdict["counter"] == 40_000


def test_pickles_by_name(sdict, name):
    sdict["k"] = "shared"
    clone = pickle.loads(pickle.dumps(sdict))
    assert clone.name == name and clone["k"] == "shared"
    ctx = mp.get_context("spawn")
    with ctx.Pool(1) as pool:
        assert pool.apply(w.read_key, (sdict, "k")) == "shared"


def test_bad_input_and_full(name, make_name):
    d = shmhub.SharedDict.create(name, capacity=2, value_bytes=1024)
    with pytest.raises(ValueError, match="longer than 255"):
        d["k" * 256] = 1
    with pytest.raises(ValueError, match="NUL"):
        d["a\x00b"] = 1
    with pytest.raises(ValueError, match="empty key"):
        d[""] = 1
    with pytest.raises(TypeError):
        d[5] = 1  # type: ignore[index]
    d["a"] = 1
    d["b"] = 2
    with pytest.raises(shmhub.FullError, match="capacity") as ei:
        d["c"] = 3
    assert isinstance(ei.value, MemoryError) and ei.value.code == raw.SHMHUB_E_FULL
    with pytest.raises(shmhub.FullError):
        d["a"] = b"x" * 2000
    assert d["a"] == 1 and len(d) == 2
    s = shmhub.Stream.create(make_name("s"), 4, "u1")
    with pytest.raises(shmhub.CorruptError, match="not a dict"):
        shmhub.SharedDict.open(s.name)
    s.close()
    with pytest.raises(FileNotFoundError):
        shmhub.SharedDict.open(make_name("missing"))
    ro = shmhub.SharedDict.open(name, readonly=True)
    assert ro["b"] == 2
    with pytest.raises(PermissionError):
        ro["b"] = 3
    d.close()
    with pytest.raises(ValueError, match="closed"):
        d["a"]


def test_writers_killed_mid_loop(sdict, name):
    # Writers killed by SIGKILL while they set and add in a loop (sometimes inside the lock):
    # the next writer goes on, every value is whole, the counter lost nothing that completed.
    code = ("import sys, shmhub\n"
            "d = shmhub.SharedDict.open(sys.argv[1])\n"
            "i = 0\n"
            "while True:\n"
            "    d['v'] = bytes([i % 256]) * 3000\n"
            "    d.add('n')\n"
            "    i += 1\n")
    for _ in range(5):
        p = subprocess.Popen([sys.executable, "-c", code, name])
        while "n" not in sdict:
            pass
        start = sdict["n"]
        while sdict["n"] < start + 50:
            pass
        p.kill()
        p.wait()
        v = sdict["v"]
        assert len(v) == 3000 and v == v[:1] * 3000
        n = sdict["n"]
        assert sdict.add("n") == n + 1
        sdict["v"] = b"\0" * 3000


# ---- MemoryPool -----------------------------------------------------------------------------

@pytest.fixture
def pool(name):
    p = shmhub.MemoryPool.create(name, classes=[(1 << 20, 4), (4096, 8)])
    yield p
    p.close()


def test_pool_views_and_release(pool):
    buf = pool.acquire(1000)
    assert buf.size == 4096 and buf.id != 0
    a = np.asarray(buf)
    assert a.dtype == np.uint8 and a.shape == (4096,) and a.flags.writeable
    assert a.ctypes.data % 64 == 0
    a[:8] = 3
    f = buf.view(np.float64, (2, 4))
    assert f.shape == (2, 4) and np.shares_memory(f, a)
    with pytest.raises(ValueError):
        buf.view(np.float64, (1000,))
    pool.release(buf)
    assert buf.released
    with pytest.raises(ValueError):
        pool.release(buf)
    with pool.get_buffer(1 << 20) as big:
        assert big.size == 1 << 20
        assert pool.stats()[1]["in_use"] == 1
    assert pool.stats()[1]["in_use"] == 0
    b = pool.get_buffer(10)
    pool.return_buffer(b)
    with pytest.raises(ValueError, match="no size class"):
        pool.acquire(2 << 20)
    held = [pool.acquire(1 << 20) for _ in range(4)]
    with pytest.raises(TimeoutError):
        pool.acquire(1 << 20, timeout=0.05)
    for h in held:
        h.release()


def test_pool_drop_keeps_ownership_and_views_keep_mapping(pool, name):
    buf = pool.acquire(1)
    view = np.asarray(buf)
    del buf  # dropping the object does not release the buffer
    assert pool.stats()[0]["in_use"] == 1
    pool.close()
    view[:] = 1  # the mapping outlives the pool object while a view lives
    p2 = shmhub.MemoryPool.open(name)
    assert p2.stats()[0]["in_use"] == 1
    p2.close()


def test_pool_handover_by_id_through_multiprocessing(pool):
    buf = pool.acquire(1 << 20)
    ctx = mp.get_context("spawn")
    with ctx.Pool(1) as workers:
        assert workers.apply(w.fill_buffer, (pool, buf.id, 7)) == 7 * 16
    assert (np.asarray(buf)[:16] == 7).all()
    assert pool.stats()[1]["in_use"] == 0  # the worker gave it back
    with pytest.raises(FileNotFoundError):
        pool.adopt(buf.id)  # released since: the id is stale


def test_pool_reclaims_dead_process(pool, name, make_name):
    ctx = mp.get_context("fork")
    p = ctx.Process(target=w.take_and_die, args=(name, make_name("unused")))
    p.start()
    p.join()
    assert p.exitcode == -signal.SIGKILL
    assert pool.stats()[0]["in_use"] == 2
    assert pool.reclaim() == 2
    s = pool.stats()[0]
    assert s["in_use"] == 0 and s["reclaimed"] == 2
    with pytest.raises(FileNotFoundError):
        pool.adopt(12345)


def test_pool_bad_classes(make_name):
    with pytest.raises(ValueError):
        shmhub.MemoryPool.create(make_name(), classes=[])
    with pytest.raises(ValueError):
        shmhub.MemoryPool.create(make_name(), classes=[(64, 1), (64, 2)])
    with pytest.raises(ValueError):
        shmhub.MemoryPool.create(make_name(), classes=[(0, 1)])
