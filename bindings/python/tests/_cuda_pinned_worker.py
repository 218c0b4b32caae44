"""Scenarios of shmhub.cuda's pinned-segment wrappers, run by test_cuda_pinned.py in a subprocess
whose LD_PRELOAD is the CUDA runtime test double (tests/cuda/libfake_cudart.so) and whose
SHMHUB_CUDA_LIBRARY is the real libshmhub_cuda.so.1: the library's cudaHostRegister and
cudaHostUnregister calls land in the double, which records the ranges and flags and can be told
to fail. Usage: python _cuda_pinned_worker.py SCENARIO NAME; prints "ok" when every check held.
"""

from __future__ import annotations

import ctypes
import gc
import os
import sys

import numpy as np

import shmhub
import shmhub.cuda as sc

fake = ctypes.CDLL(os.environ["LD_PRELOAD"])
fake.fake_cuda_registered.restype, fake.fake_cuda_registered.argtypes = ctypes.c_size_t, [ctypes.c_void_p]
fake.fake_cuda_fail.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.c_int]
fake.fake_cuda_last_register_flags.restype = ctypes.c_uint
PORTABLE, READ_ONLY_FLAG = 0x1, 0x8  # cudaHostRegisterPortable, cudaHostRegisterReadOnly
ERR_MEMORY, ERR_UNKNOWN = 2, 999     # cudaErrorMemoryAllocation, cudaErrorUnknown


def mapping(name: str) -> tuple:
    """(start, bytes) of this process's mapping of segment NAME, from /proc/self/maps."""
    lo, hi, path = None, None, f"/dev/shm/shmhub.{name}"
    with open("/proc/self/maps") as f:
        for line in f:
            if line.rstrip().endswith(path):
                a, b = (int(x, 16) for x in line.split()[0].split("-"))
                lo, hi = min(a, lo if lo is not None else a), max(b, hi or b)
    assert lo is not None, f"{path} is not mapped"
    return lo, hi - lo


def expect(exc: type, fn, *args, contains: str = "", **kw) -> BaseException:
    try:
        fn(*args, **kw)
    except exc as e:
        assert contains in str(e), f"{contains!r} not in {e}"
        return e
    raise AssertionError(f"{fn.__name__}{args} did not raise {exc.__name__}")


def segment(name: str) -> None:
    seg = shmhub.create(name, {"x": ((1000,), np.float32)})
    base, size = mapping(name)
    assert not sc.is_registered(seg)
    sc.register(seg)
    # The library registered exactly this handle's whole mapping, read-write.
    assert fake.fake_cuda_registered(ctypes.c_void_p(base)) == size == seg.size
    assert fake.fake_cuda_last_register_flags() == PORTABLE
    assert sc.is_registered(seg) and fake.fake_cuda_registered_count() == 1
    e = expect(shmhub.BusyError, sc.register, seg, contains=f"segment '{name}': already registered")
    assert isinstance(e, BlockingIOError) and e.name == "SHMHUB_E_BUSY"
    assert fake.fake_cuda_count(b"cudaHostRegister") == 1  # refused before CUDA was asked
    sc.unregister(seg)
    assert not sc.is_registered(seg) and fake.fake_cuda_registered_count() == 0
    expect(shmhub.InvalidError, sc.unregister, seg, contains=f"segment '{name}': not registered")
    sc.register(seg, read_only=True)  # a writable handle may ask for read-only
    assert fake.fake_cuda_last_register_flags() == PORTABLE | READ_ONLY_FLAG
    sc.unregister(seg)
    seg.close()
    assert fake.fake_cuda_count(b"cudaHostUnregister") == 2


def readonly(name: str) -> None:
    w = shmhub.create(name, {"x": ((64,), np.uint8)})
    ro = shmhub.open(name, readonly=True)
    sc.register(ro)  # read-only handles are registered read-only by themselves
    assert fake.fake_cuda_last_register_flags() == PORTABLE | READ_ONLY_FLAG
    sc.unregister(ro)
    expect(shmhub.InvalidError, sc.register, ro, read_only=False,
           contains=f"segment '{name}': a read-only handle can only be registered read-only")
    assert fake.fake_cuda_registered_count() == 0
    # Two handles of one segment are two mappings: each registers its own.
    sc.register(ro)
    sc.register(w)
    assert fake.fake_cuda_registered_count() == 2
    sc.unregister(w)
    sc.unregister(ro)
    ro.close()
    w.close()


def stream(name: str) -> None:
    s = shmhub.Stream.create(name, (16, 16), np.uint16)
    base, size = mapping(name)
    with sc.pinned(s) as same:
        assert same is s and sc.is_registered(s)
        assert fake.fake_cuda_registered(ctypes.c_void_p(base)) == size
        assert fake.fake_cuda_last_register_flags() == PORTABLE
        s.write(np.full((16, 16), 7, np.uint16))  # the stream works as before
        assert int(s.read()[3, 3]) == 7
    assert not sc.is_registered(s) and fake.fake_cuda_registered_count() == 0
    r = shmhub.Stream.open(name, readonly=True)
    with sc.pinned(r):
        assert fake.fake_cuda_last_register_flags() == PORTABLE | READ_ONLY_FLAG
    # An exception inside the block still unregisters.
    try:
        with sc.pinned(s):
            raise KeyError("inside")
    except KeyError:
        pass
    assert fake.fake_cuda_registered_count() == 0
    r.close()
    s.close()


def close_while_registered(name: str) -> None:
    seg = shmhub.create(name, {"x": ((1000,), np.float64)})
    base, _ = mapping(name)
    sc.register(seg)
    view = seg["x"]
    seg.close()  # the view still holds the mapping: it stays registered
    expect(shmhub.ClosedError, sc.unregister, seg, contains="is closed")
    expect(shmhub.ClosedError, sc.is_registered, seg, contains="is closed")
    assert fake.fake_cuda_registered(ctypes.c_void_p(base)) > 0
    view[:] = 1.5
    del view
    gc.collect()  # the C handle closes now: unregistered first, then unmapped
    assert fake.fake_cuda_registered_count() == 0
    assert fake.fake_cuda_count(b"cudaHostUnregister") == 1
    assert not any(line.rstrip().endswith(f"shmhub.{name}") for line in open("/proc/self/maps"))
    # The pinned() block whose object was closed inside: the handle unregisters when it goes.
    again = shmhub.open(name)
    with sc.pinned(again):
        again.close()
    gc.collect()
    assert fake.fake_cuda_registered_count() == 0
    assert fake.fake_cuda_count(b"cudaHostUnregister") == 2


def cuda_failures(name: str) -> None:
    seg = shmhub.create(name, {"x": ((100,), np.int32)})
    fake.fake_cuda_fail(b"cudaHostRegister", 1, ERR_UNKNOWN)
    e = expect(shmhub.ShmHubError, sc.register, seg,
               contains=f"segment '{name}': cudaHostRegister of {seg.size} bytes failed: "
                        "cudaErrorUnknown")
    assert e.name == "SHMHUB_E_IO" and not sc.is_registered(seg)
    fake.fake_cuda_fail(b"cudaHostRegister", 1, ERR_MEMORY)
    e = expect(shmhub.SpaceError, sc.register, seg, contains="cudaErrorMemoryAllocation")
    assert isinstance(e, MemoryError) and not sc.is_registered(seg)
    assert fake.fake_cuda_registered_count() == 0
    sc.register(seg)
    fake.fake_cuda_fail(b"cudaHostUnregister", 1, ERR_UNKNOWN)
    e = expect(shmhub.ShmHubError, sc.unregister, seg,
               contains=f"segment '{name}': cudaHostUnregister failed: cudaErrorUnknown")
    assert e.name == "SHMHUB_E_IO"
    assert sc.is_registered(seg) and fake.fake_cuda_registered_count() == 1  # still registered
    sc.unregister(seg)
    assert fake.fake_cuda_registered_count() == 0
    seg.close()


if __name__ == "__main__":
    fake.fake_cuda_reset()
    globals()[sys.argv[1]](sys.argv[2])
    gc.collect()
    assert fake.fake_cuda_registered_count() == 0, "a registration outlived the test"
    print("ok")
