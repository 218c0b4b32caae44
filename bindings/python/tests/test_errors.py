"""Every failure is an exception subclassing the matching built-in, with .code/.name/.message."""

import os
import pickle

import numpy as np
import pytest

import shmhub
from shmhub import raw


def check_err(ei, cls, builtin, code, *words):
    e = ei.value
    assert isinstance(e, cls) and isinstance(e, builtin) and isinstance(e, shmhub.ShmHubError)
    assert e.code == code and e.name == raw.shmhub_status_name(code)
    assert isinstance(e.message, str) and e.message
    for w in words:
        assert w in e.message, (w, e.message)
    assert e.name in str(e)
    back = pickle.loads(pickle.dumps(e))  # exceptions survive multiprocessing
    assert type(back) is type(e) and back.code == e.code and back.message == e.message


def test_missing(name):
    with pytest.raises(FileNotFoundError) as ei:
        shmhub.open(name)
    check_err(ei, shmhub.NotFoundError, FileNotFoundError, raw.SHMHUB_E_NOT_FOUND, name)
    with pytest.raises(FileNotFoundError) as ei:
        shmhub.unlink(name)
    check_err(ei, shmhub.NotFoundError, FileNotFoundError, raw.SHMHUB_E_NOT_FOUND, name)
    with pytest.raises(FileNotFoundError) as ei:
        shmhub.Stream.open(name)
    check_err(ei, shmhub.NotFoundError, FileNotFoundError, raw.SHMHUB_E_NOT_FOUND, name)


def test_missing_array(name):
    with shmhub.create(name, {"a": (1, "u1")}) as seg:
        with pytest.raises(FileNotFoundError) as ei:
            seg["nope"]
        check_err(ei, shmhub.NotFoundError, FileNotFoundError, raw.SHMHUB_E_NOT_FOUND, name, "nope")


def test_exists(name):
    with shmhub.create(name, {"a": (1, "u1")}):
        with pytest.raises(FileExistsError) as ei:
            shmhub.create(name, {"a": (1, "u1")})
        check_err(ei, shmhub.ExistsError, FileExistsError, raw.SHMHUB_E_EXISTS, name)
        with pytest.raises(FileExistsError):
            shmhub.Stream.create(name, 4, "f4")


@pytest.mark.parametrize("bad", ["", "a/b", "has space", "x" * 201, "é", "../etc", "a\x00b"])
def test_bad_name(bad):
    with pytest.raises(ValueError) as ei:
        shmhub.create(bad, {"a": (1, "u1")})
    if "\x00" in bad:  # refused by the raw module before C could truncate it to "a"
        assert not os.path.exists("/dev/shm/shmhub.a") or shmhub.open("a", readonly=True).creator_pid != os.getpid()
    else:
        check_err(ei, shmhub.InvalidError, ValueError, raw.SHMHUB_E_INVALID)
    with pytest.raises(ValueError):
        shmhub.open(bad)
    with pytest.raises(ValueError):
        shmhub.Stream.create(bad, 4, "f4")
    with pytest.raises(ValueError):
        shmhub.unlink(bad)


def test_bad_array_name_and_dir_with_nul(name, shm_dir):
    with pytest.raises(ValueError):
        shmhub.create(name, {"a\x00b": (1, "u1")})
    with pytest.raises(ValueError):
        shmhub.create(name, {"a": (1, "u1")}, dir=shm_dir + "\x00/x")
    assert not os.path.exists(f"/dev/shm/shmhub.{name}") and os.listdir(shm_dir) == []


@pytest.mark.parametrize("dtype", [">f4", "U5", object, "datetime64[ns]", "V8", "nonsense",
                                   [("x", "f4")]])
def test_bad_dtype(name, dtype):
    with pytest.raises(ValueError) as ei:
        shmhub.create(name, {"a": (3, dtype)})
    check_err(ei, shmhub.InvalidError, ValueError, raw.SHMHUB_E_INVALID)
    with pytest.raises(ValueError):
        shmhub.Stream.create(name, 3, dtype)
    assert not os.path.exists(f"/dev/shm/shmhub.{name}")


@pytest.mark.parametrize("shape", [-1, (2, -3), (1,) * 9, (2**40, 2**40), "abc"])
def test_bad_shape(name, shape):
    with pytest.raises(ValueError) as ei:
        shmhub.create(name, {"a": (shape, "f4")})
    if shape != "abc":
        assert isinstance(ei.value, shmhub.InvalidError) and ei.value.code == raw.SHMHUB_E_INVALID


def test_bad_array_specs(name):
    with pytest.raises(ValueError):
        shmhub.create(name, {"bad name": (1, "f4")})
    with pytest.raises(ValueError):
        shmhub.create(name, {"a": "f4"})
    with pytest.raises(ValueError):
        shmhub.Stream.create(name, (0, 4), "f4")  # a frame must hold at least one byte
    with pytest.raises(ValueError):
        shmhub.Stream.create(name, 4, "f4", slots=1)


def _corrupt(path, offset):
    with open(path, "r+b") as f:
        f.seek(offset)
        b = f.read(1)
        f.seek(offset)
        f.write(bytes([b[0] ^ 0xFF]))


@pytest.mark.parametrize("offset", [0, 4, 130, 256 + 3])  # magic, version, checksum, directory
def test_corrupted_header(shm_dir, name, offset):
    with shmhub.create(name, {"a": ((4, 4), "f4")}, dir=shm_dir) as seg:
        path = seg.path
    assert path.startswith(shm_dir)
    _corrupt(path, offset)
    with pytest.raises(ValueError) as ei:
        shmhub.open(name, dir=shm_dir)
    e = ei.value
    assert isinstance(e, shmhub.CorruptError), e
    assert e.code in (raw.SHMHUB_E_CORRUPT, raw.SHMHUB_E_VERSION) and name in e.message
    entry = {x["name"]: x for x in shmhub.list(dir=shm_dir)}[name]
    assert entry["status"] == e.name and name in entry["error"]


def test_truncated_segment(shm_dir, name):
    with shmhub.create(name, {"a": ((100, 100), "f8")}, dir=shm_dir) as seg:
        path = seg.path
    os.truncate(path, 4096 + 100)
    with pytest.raises(ValueError) as ei:
        shmhub.open(name, dir=shm_dir)
    check_err(ei, shmhub.CorruptError, ValueError, raw.SHMHUB_E_CORRUPT, name)


def test_wrong_kind(name):
    with shmhub.create(name, {"a": (4, "f4")}):
        with pytest.raises(ValueError) as ei:
            shmhub.Stream.open(name)
        check_err(ei, shmhub.CorruptError, ValueError, raw.SHMHUB_E_WRONG_KIND, name)


def test_foreign_owner(shm_dir, name):
    with shmhub.create(name, {"a": (4, "i4")}, dir=shm_dir) as seg:
        seg["a"][:] = [1, 2, 3, 4]
        path = seg.path
    os.chown(path, 65534, 65534)  # as root, chmod 0 would not stop us: make it someone else's
    with pytest.raises(PermissionError) as ei:
        shmhub.open(name, dir=shm_dir)
    check_err(ei, shmhub.PermissionDeniedError, PermissionError, raw.SHMHUB_E_PERMISSION, name)
    with shmhub.open(name, dir=shm_dir, allow_foreign_owner=True) as seg:
        assert seg["a"].tolist() == [1, 2, 3, 4]


def test_read_timeout(name):
    with shmhub.Stream.create(name, 4, "f4") as s:
        with pytest.raises(TimeoutError) as ei:
            s.read_next(timeout=0.05)
        check_err(ei, shmhub.WaitTimeoutError, TimeoutError, raw.SHMHUB_E_TIMEOUT)
        with pytest.raises(TimeoutError):
            s.read_next(timeout=0)
        with pytest.raises(TimeoutError):
            s.read_new(timeout=0.01)
        assert s.wait(timeout=0.01) is False
        with pytest.raises(ValueError):
            s.read_next(timeout=-1)


def test_wrong_frame_shape_or_out(name):
    with shmhub.Stream.create(name, (2, 3), "f4") as s:
        for bad in (np.zeros((3, 2)), np.zeros(6), np.zeros((2, 3, 1)), 1.0):
            with pytest.raises(ValueError) as ei:
                s.write(bad)
            assert isinstance(ei.value, shmhub.InvalidError) and name in ei.value.message
        assert s.count == 0
        s.write(np.ones((2, 3)))
        for out in (np.empty((2, 3), "f8"), np.empty((3, 2), "f4"), np.empty((2, 6), "f4")[:, ::2]):
            with pytest.raises(ValueError) as ei:
                s.read(out=out)
            assert isinstance(ei.value, shmhub.InvalidError)
        with pytest.raises(ValueError):
            shmhub.Stream.open(name, shape=(3, 2))
        with pytest.raises(ValueError):
            shmhub.Stream.open(name, dtype="f8")


def test_empty_stream_read(name):
    with shmhub.Stream.create(name, 4, "u1") as s:
        with pytest.raises(LookupError) as ei:
            s.read()
        check_err(ei, shmhub.EmptyError, LookupError, raw.SHMHUB_E_EMPTY, name)


def test_closed_objects(name, make_name):
    seg = shmhub.create(name, {"a": (1, "u1")})
    seg.close()
    with pytest.raises(ValueError) as ei:
        seg["a"]
    check_err(ei, shmhub.ClosedError, ValueError, raw.SHMHUB_E_INVALID, name, "closed")
    s = shmhub.Stream.create(make_name(), 4, "u1")
    s.close()
    s.close()
    for use in (lambda: s.write(np.zeros(4)), s.read, lambda: s.read_next(timeout=0),
                lambda: s.count, lambda: s.seek(0), lambda: s.wait(0), s.loan().__enter__):
        with pytest.raises(ValueError) as ei:
            use()
        assert s.name in str(ei.value) and "closed" in str(ei.value)
    assert "closed" in repr(s)


def test_readonly_stream_write_refused(name):
    with shmhub.Stream.create(name, 4, "u1") as w:
        w.write([1, 2, 3, 4])
        with shmhub.Stream.open(name, readonly=True) as r:
            with pytest.raises(PermissionError) as ei:
                r.write([0, 0, 0, 0])
            check_err(ei, shmhub.PermissionDeniedError, PermissionError, raw.SHMHUB_E_READ_ONLY)
            assert r.read().tolist() == [1, 2, 3, 4]


def test_second_single_writer_busy(name):
    with shmhub.Stream.create(name, 4, "u1") as w, shmhub.Stream.open(name) as w2:
        w.write([1, 2, 3, 4])
        with pytest.raises(BlockingIOError) as ei:
            w2.write([0, 0, 0, 0])
        check_err(ei, shmhub.BusyError, BlockingIOError, raw.SHMHUB_E_BUSY)


def test_every_status_has_an_exception_class():
    from shmhub._errors import _BY_CODE
    codes = [getattr(raw, n) for n in dir(raw) if n.startswith("SHMHUB_E_")]
    assert len(codes) == 20  # 1.1: SHMHUB_E_FINISHED (FinishedError), SHMHUB_E_FULL (FullError)
    assert set(codes) == set(_BY_CODE)
