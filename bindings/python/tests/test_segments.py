"""Segments: create/open/info/list/close/unlink, dtypes, layouts, alignment, read-only, persistence."""

import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import shmhub

DTYPES = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
          "float16", "float32", "float64", "complex64", "complex128"]


def test_create_open_info_close_unlink(name):
    seg = shmhub.create(name, {"close": ((100, 7), np.float32), "vol": (100, "i8")})
    assert isinstance(seg, shmhub.Segment)
    assert seg.name == name and not seg.closed and not seg.readonly
    assert seg.kind == "arrays"
    assert seg.path == f"/dev/shm/shmhub.{name}" and os.path.exists(seg.path)
    assert seg.creator_pid == os.getpid()
    assert list(seg) == ["close", "vol"] and len(seg) == 2
    assert "close" in seg and "nope" not in seg and seg.get("nope") is None
    info = seg.info()
    assert info["name"] == name and info["kind"] == "arrays" and info["creator_uid"] == os.getuid()
    assert info["layout_version"] == "1.1" and info["size"] == seg.size >= 4096 + 100 * 7 * 4
    assert [(a["name"], a["dtype"], a["shape"], a["nbytes"]) for a in info["arrays"]] == [
        ("close", "<f4", (100, 7), 2800), ("vol", "<i8", (100,), 800)]
    assert all(a["offset"] % 64 == 0 for a in info["arrays"])
    seg["close"][:] = 1.5
    seg["vol"][:] = np.arange(100)

    other = shmhub.open(name)
    assert other["close"].shape == (100, 7) and other["close"].dtype == np.float32
    assert np.all(other["close"] == 1.5) and np.array_equal(other["vol"], np.arange(100))
    assert set(other.arrays) == {"close", "vol"}
    other.close()
    other.close()  # idempotent
    assert other.closed
    seg.close()

    listed = {e["name"]: e for e in shmhub.list()}
    assert listed[name]["status"] == "ok" and listed[name]["kind"] == "arrays"
    assert listed[name]["arrays"] == ["close", "vol"] and listed[name]["creator_pid"] == os.getpid()

    shmhub.unlink(name)
    assert not os.path.exists(f"/dev/shm/shmhub.{name}")
    assert name not in {e["name"] for e in shmhub.list()}
    with pytest.raises(FileNotFoundError):
        shmhub.open(name)


def test_context_managers_and_unlink_on_close(name, make_name):
    with shmhub.create(name, {"a": (3, "u1")}) as seg:
        seg["a"][:] = [1, 2, 3]
    assert seg.closed
    with shmhub.open(name) as seg2:
        assert list(seg2["a"]) == [1, 2, 3]
    assert seg2.closed
    # closing never unlinks unless asked
    assert os.path.exists(f"/dev/shm/shmhub.{name}")

    n2 = make_name()
    with shmhub.create(n2, {"a": (3, "u1")}, unlink_on_close=True) as tmp:
        assert os.path.exists(tmp.path)
    del tmp
    assert not os.path.exists(f"/dev/shm/shmhub.{n2}")


def test_list_in_private_dir_and_repr(shm_dir, make_name):
    names = sorted(make_name() for _ in range(3))
    segs = [shmhub.create(n, {"x": (1, "f8")}, dir=shm_dir) for n in names]
    assert segs[0].path == os.path.join(shm_dir, f"shmhub.{names[0]}")
    assert [e["name"] for e in shmhub.list(dir=shm_dir)] == names
    assert repr(segs[0]) == f"<shmhub.Segment {names[0]!r} 1 arrays>"
    segs[0].close()
    assert "closed" in repr(segs[0])
    for n in names:
        shmhub.unlink(n, dir=shm_dir)
    assert shmhub.list(dir=shm_dir) == []


@pytest.mark.parametrize("dtype", DTYPES)
def test_every_dtype_round_trips_byte_identically(name, dtype):
    rng = np.random.default_rng(abs(hash(dtype)) % 2**32)
    dt = np.dtype(dtype)
    shape = (7, 9)
    with shmhub.create(name, {"a": (shape, dtype)}) as seg:
        a = seg["a"]
        assert a.dtype == dt and a.shape == shape
        raw = rng.integers(0, 256, size=a.nbytes, dtype=np.uint8)
        if dtype == "bool":
            raw &= 1  # numpy bools are 0 or 1
        a.view(np.uint8).reshape(-1)[:] = raw  # arbitrary bit patterns, NaNs included
        want = raw.tobytes()
        assert a.tobytes() == want
    with shmhub.open(name) as seg:
        assert seg["a"].dtype == dt
        assert seg["a"].tobytes() == want


def test_dtype_spellings(make_name):
    for spelling, want in [(np.float32, "<f4"), ("f4", "<f4"), ("<f4", "<f4"), ("=f4", "<f4"),
                           ("?", "|b1"), (bool, "|b1"), ("B", "|u1"), (np.dtype("<c16"), "<c16"),
                           ("float16", "<f2"), (int, "<i8")]:
        with shmhub.create(make_name(), {"a": (2, spelling)}, unlink_on_close=True) as seg:
            assert seg["a"].dtype.str == want, spelling


def test_multi_array_segment_scalars_and_zero_extent(name):
    spec = {f"a{i}": ((i + 1, 3), DTYPES[i % len(DTYPES)]) for i in range(20)}
    spec.update({"scalar": ((), "f8"), "empty": ((0,), "i4"), "empty2": ((4, 0, 2), "c8"),
                 "cube": ((2, 3, 4), "u2")})
    with shmhub.create(name, spec) as seg:
        assert list(seg) == list(spec)
        for arr_name, (shape, dtype) in spec.items():
            a = seg[arr_name]
            assert a.shape == tuple(shape) and a.dtype == np.dtype(dtype)
            assert a.ctypes.data % 64 == 0, arr_name
            assert a.flags.c_contiguous and a.flags.writeable
            assert not np.any(a)  # zero-filled
        seg["scalar"][()] = 3.25
        seg["cube"][:] = np.arange(24).reshape(2, 3, 4)
        for i in range(20):
            seg[f"a{i}"][...] = 1
        assert seg["empty"].size == 0 and seg["empty2"].size == 0
        # arrays do not overlap: each still holds its own value
        assert float(seg["scalar"]) == 3.25
    with shmhub.open(name) as seg:
        assert seg["scalar"].shape == () and seg["scalar"][()] == 3.25
        assert np.array_equal(seg["cube"], np.arange(24).reshape(2, 3, 4))
        assert all(np.all(seg[f"a{i}"] == 1) for i in range(20))
        assert seg["empty"].tolist() == []


def test_segment_with_no_arrays(name):
    with shmhub.create(name, {}) as seg:
        assert len(seg) == 0 and seg.arrays == {}
    with shmhub.open(name) as seg:
        assert list(seg) == []


def test_views_are_aligned_and_c_contiguous(name):
    with shmhub.create(name, {f"x{i}": ((i + 1,), "u1") for i in range(70)}) as seg:
        for a in seg.arrays.values():
            assert a.ctypes.data % 64 == 0
            assert a.flags.c_contiguous and a.flags.aligned


def test_readonly_open_gives_non_writeable_views(name):
    with shmhub.create(name, {"a": ((4, 4), "f8"), "s": ((), "i4")}) as seg:
        seg["a"][:] = 7
        with shmhub.open(name, readonly=True) as ro:
            assert ro.readonly
            for v in ro.arrays.values():
                assert not v.flags.writeable
            with pytest.raises(ValueError):
                ro["a"][0, 0] = 1
            with pytest.raises(ValueError):
                ro["a"].flags.writeable = True  # numpy refuses: the owner said read-only
            sl = ro["a"][1:, ::2]
            assert not sl.flags.writeable
            seg["a"][0, 0] = 9  # writes through the writer are seen by the reader
            assert ro["a"][0, 0] == 9


def test_same_segment_two_handles_alias(name):
    with shmhub.create(name, {"a": (16, "i4")}) as w, shmhub.open(name) as r:
        w["a"][5] = 123
        assert r["a"][5] == 123
        r["a"][6] = -4
        assert w["a"][6] == -4
        assert w["a"].ctypes.data != r["a"].ctypes.data  # two mappings, same memory


def test_persists_after_creating_process_exits(name, run_py):
    run_py(textwrap.dedent("""
        import sys, numpy as np, shmhub
        seg = shmhub.create(sys.argv[1], {"a": ((10, 10), "f8"), "b": ((), "u8")})
        seg["a"][:] = np.arange(100).reshape(10, 10)
        seg["b"][()] = 2**64 - 1
    """), name)
    with shmhub.open(name) as seg:
        assert np.array_equal(seg["a"], np.arange(100).reshape(10, 10))
        assert int(seg["b"]) == 2**64 - 1
        assert seg.creator_pid != os.getpid()


def _spawn(code, *args):
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code), *args],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


def test_persists_after_sigkill_of_attached_and_creating_processes(name):
    # a creator that is killed (no close, no atexit) while holding its mapping
    p = _spawn("""
        import sys, numpy as np, shmhub
        seg = shmhub.create(sys.argv[1], {"a": (1000, "i8")})
        seg["a"][:] = np.arange(1000)
        print("ready", flush=True)
        sys.stdin.readline()
    """, name)
    assert p.stdout.readline().strip() == "ready"
    p.send_signal(signal.SIGKILL)
    assert p.wait(10) == -signal.SIGKILL
    # a process that attached, wrote, and is killed
    q = _spawn("""
        import sys, shmhub
        seg = shmhub.open(sys.argv[1])
        seg["a"][0] = -1
        print("ready", flush=True)
        sys.stdin.readline()
    """, name)
    assert q.stdout.readline().strip() == "ready"
    q.kill()
    assert q.wait(10) == -signal.SIGKILL
    with shmhub.open(name) as seg:
        a = seg["a"]
        assert a[0] == -1 and np.array_equal(a[1:], np.arange(1, 1000))
    assert name in {e["name"] for e in shmhub.list()}
