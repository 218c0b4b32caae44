"""CPU DLPack export of segment arrays (shmhub/_dlpack.py): numpy.from_dlpack views the shared
memory without a copy, read-only mappings export only versioned capsules (flagged read-only), the
view keeps the mapping alive, and released tensors are forgotten. Also: shmhub.cuda loads without a
GPU and says why it is unavailable."""

from __future__ import annotations

import ctypes
import gc

import numpy as np
import pytest

import shmhub
from shmhub import _dlpack

DTYPES = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
          "float16", "float32", "float64", "complex64", "complex128"]


@pytest.mark.parametrize("dtype", DTYPES)
def test_numpy_from_dlpack_is_zero_copy(name, dtype):
    seg = shmhub.create(name, {"x": ((6, 4), dtype)})
    a = seg["x"]
    a[:] = (np.arange(24).reshape(6, 4) % 2).astype(dtype)
    assert a.__dlpack_device__() == (1, 0)
    v = np.from_dlpack(a)
    assert v.__array_interface__["data"][0] == a.__array_interface__["data"][0]
    assert v.dtype == np.dtype(dtype) and v.shape == (6, 4)
    assert np.array_equal(v, a)
    v[0, 0] = 1
    assert a[0, 0] == 1
    seg.close()


def test_strided_views_and_keepalive(name):
    seg = shmhub.create(name, {"x": ((10, 10), np.float64)})
    seg["x"][:] = np.arange(100).reshape(10, 10)
    before = _dlpack.live_exports()
    v = np.from_dlpack(seg["x"][::2, 1::3])
    assert np.array_equal(v, np.arange(100).reshape(10, 10)[::2, 1::3])
    seg.close()
    del seg
    gc.collect()
    assert v.sum() == np.arange(100).reshape(10, 10)[::2, 1::3].sum()  # the mapping is still there
    assert _dlpack.live_exports() == before + 1
    del v
    gc.collect()
    assert _dlpack.live_exports() == before


def test_read_only_exports_versioned_only(name):
    seg = shmhub.create(name, {"x": ((3,), np.int32)})
    seg["x"][:] = [1, 2, 3]
    ro = shmhub.open(name, readonly=True)
    a = ro["x"]
    with pytest.raises(BufferError):
        a.__dlpack__()                      # a legacy capsule cannot say "read-only"
    cap = a.__dlpack__(max_version=(1, 0))
    valid = ctypes.pythonapi.PyCapsule_IsValid
    valid.restype, valid.argtypes = ctypes.c_int, [ctypes.py_object, ctypes.c_char_p]
    assert valid(cap, b"dltensor_versioned")
    ptr = ctypes.pythonapi.PyCapsule_GetPointer
    ptr.restype, ptr.argtypes = ctypes.c_void_p, [ctypes.py_object, ctypes.c_char_p]
    m = _dlpack.DLManagedTensorVersioned.from_address(ptr(cap, b"dltensor_versioned"))
    assert m.flags & _dlpack.FLAG_READ_ONLY and m.version.major == 1
    assert m.dl_tensor.device.device_type == 1 and m.dl_tensor.ndim == 1
    del cap, m
    v = np.from_dlpack(a)                   # numpy asks for a versioned capsule
    assert not v.flags.writeable and list(v) == [1, 2, 3]
    with pytest.raises(BufferError):
        a.__dlpack__(stream=1)
    with pytest.raises(BufferError):
        a.__dlpack__(dl_device=(2, 0), max_version=(1, 0))
    c = np.from_dlpack(a, copy=True)
    assert c.flags.writeable and c.__array_interface__["data"][0] != a.__array_interface__["data"][0]
    ro.close()
    seg.close()


def test_cuda_module_without_gpu_says_why(run_py):
    out = run_py(
        "import os, shmhub.cuda as sc\n"
        "os.environ['SHMHUB_CUDA_LIBRARY'] = '/nonexistent/libshmhub_cuda.so.1'\n"
        "assert not sc.available()\n"
        "print(sc.unavailable_reason())\n"
        "try:\n"
        "    sc.GPUStream.open('x')\n"
        "except RuntimeError as e:\n"
        "    print('raised', e)\n").stdout
    assert "cannot load /nonexistent/libshmhub_cuda.so.1" in out
    assert "raised shmhub.cuda:" in out
