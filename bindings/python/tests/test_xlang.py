"""C <-> Python byte-identical contents for every dtype, through the C peer program.

The contents formula (documented at the top of tests/xlang/c_peer.c) comes from the Python peer,
tests/xlang/py_peer.py:
element i (C order) of frame ``seq`` (arrays: seq = 0) of dtype code d has key k = seq * 1000 + i.
These tests skip only when the peer binary ($SHMHUB_BUILD/tests/c_peer) is missing.
"""

import importlib.util
import pathlib
import subprocess
import time

import numpy as np
import pytest

import shmhub

# (name, shmhub dtype code), in dtype-code order
DTYPES = [("bool", 1), ("int8", 2), ("int16", 3), ("int32", 4), ("int64", 5), ("uint8", 6),
          ("uint16", 7), ("uint32", 8), ("uint64", 9), ("float16", 10), ("float32", 11),
          ("float64", 12), ("complex64", 13), ("complex128", 14)]

_spec = importlib.util.spec_from_file_location(
    "py_peer", pathlib.Path(__file__).resolve().parents[3] / "tests" / "xlang" / "py_peer.py")
_py_peer = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_py_peer)
STREAM_SHAPE = (4, 6)


def expected(dtype: str, seq: int, n: int) -> np.ndarray:
    """The c_peer contents: n elements of `dtype` for frame `seq` (little-endian, C order).
    One implementation serves these tests and the Python peer of the cross-language matrix."""
    return _py_peer.values(dtype, seq, n)


def arrays_spec():
    """The c_peer arrays segment: 17 arrays in this order."""
    spec = [(d, (3, 5), d) for d, _ in DTYPES]
    spec += [("scalar", (), "float64"), ("cube", (2, 3, 4), "uint16"), ("empty", (0,), "int32")]
    return spec


def test_formula_sanity():
    # a few values computed by hand from the formula
    assert expected("float64", 0, 2).tolist() == [-7.125, -6.875]
    assert expected("bool", 0, 4).tolist() == [True, False, False, True]
    assert expected("uint8", 0, 1).tolist() == [(0 * 0x9E3779B97F4A7C15 + 6) % 256]
    assert expected("int64", 1, 1).tolist() == [
        int(np.array((1000 * 0x9E3779B97F4A7C15 + 5) % 2**64, np.uint64).view(np.int64))]
    assert expected("float16", 0, 1).view("<u2").tolist() == [0x3C00]
    assert np.signbit(expected("complex64", 0, 1).imag[0])  # -0.0


def check_ok(p: subprocess.CompletedProcess) -> None:
    assert p.returncode == 0, f"c_peer exit {p.returncode}: {p.stderr}"


def test_c_writes_arrays_python_checks(c_peer, name):
    check_ok(c_peer("write-arrays", name))
    with shmhub.open(name) as seg:
        spec = arrays_spec()
        assert list(seg) == [n for n, _, _ in spec]
        for arr_name, shape, dtype in spec:
            a = seg[arr_name]
            assert a.shape == shape and a.dtype == np.dtype(dtype), arr_name
            assert a.ctypes.data % 64 == 0
            want = expected(dtype, 0, int(np.prod(shape)))
            assert a.tobytes() == want.tobytes(), arr_name


def test_python_writes_arrays_c_checks(c_peer, name):
    spec = arrays_spec()
    with shmhub.create(name, {n: (shape, dtype) for n, shape, dtype in spec}) as seg:
        for arr_name, shape, dtype in spec:
            seg[arr_name][...] = expected(dtype, 0, int(np.prod(shape))).reshape(shape)
    check_ok(c_peer("check-arrays", name))


def test_python_writes_wrong_byte_c_notices(c_peer, name):
    spec = arrays_spec()
    with shmhub.create(name, {n: (shape, dtype) for n, shape, dtype in spec}) as seg:
        for arr_name, shape, dtype in spec:
            seg[arr_name][...] = expected(dtype, 0, int(np.prod(shape))).reshape(shape)
        seg["float32"].view(np.uint8)[1, 7] ^= 1
    p = c_peer("check-arrays", name)
    assert p.returncode == 1 and "float32" in p.stderr


@pytest.mark.parametrize("dtype", [d for d, _ in DTYPES])
def test_c_writes_stream_python_reads(c_peer, make_name, dtype):
    name = make_name()
    n = 5
    check_ok(c_peer("write-stream", name, n, dtype))
    with shmhub.Stream.open(name) as s:
        assert s.shape == STREAM_SHAPE and s.dtype == np.dtype(dtype) and s.count == n
        s.seek(0)
        for seq in range(1, n + 1):
            f = s.read_next(timeout=1)
            assert s.last_info.seq == seq and s.last_info.missed == 0
            assert f.tobytes() == expected(dtype, seq, 24).tobytes(), seq
        assert s.read().tobytes() == expected(dtype, n, 24).tobytes()


@pytest.mark.parametrize("dtype", [d for d, _ in DTYPES])
def test_python_writes_stream_c_reads(c_peer, make_name, dtype):
    name = make_name()
    n = 5
    with shmhub.Stream.create(name, STREAM_SHAPE, dtype, slots=max(8, n + 2)) as s:
        for seq in range(1, n + 1):
            s.write(expected(dtype, seq, 24).reshape(STREAM_SHAPE))
        check_ok(c_peer("read-stream", name, n, dtype))


def test_live_python_writer_c_reader(c_peer, name):
    n = 50
    reader = subprocess.Popen([c_peer.path, "read-stream", name, str(n), "float32", "5000"],
                              stderr=subprocess.PIPE, text=True)
    try:
        with shmhub.Stream.create(name, STREAM_SHAPE, "float32", slots=n + 2) as s:
            for seq in range(1, n + 1):
                s.write(expected("float32", seq, 24).reshape(STREAM_SHAPE))
                time.sleep(0.001)
            assert reader.wait(20) == 0, reader.stderr.read()
    finally:
        if reader.poll() is None:
            reader.kill()
            reader.wait()


def test_live_c_writer_python_reader(c_peer, name):
    n = 50
    writer = subprocess.Popen([c_peer.path, "write-stream", name, str(n), "int16", "1000"],
                              stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                s = shmhub.Stream.open(name)
                break
            except FileNotFoundError:
                assert time.monotonic() < deadline
                time.sleep(0.005)
        with s:
            s.seek(0)
            for seq in range(1, n + 1):
                f = s.read_next(timeout=5)
                assert s.last_info.seq == seq and s.last_info.missed == 0
                assert f.tobytes() == expected("int16", seq, 24).tobytes()
        assert writer.wait(20) == 0, writer.stderr.read()
    finally:
        if writer.poll() is None:
            writer.kill()
            writer.wait()
