"""DLPack export of memory that another Python object keeps alive, built with ctypes (no compiled
helper): the capsules ``numpy.from_dlpack``, ``torch.from_dlpack`` and ``cupy.from_dlpack`` take.

Both capsule kinds are made: the versioned ``dltensor_versioned`` (DLPack >= 1.0, with the
read-only flag) when the consumer passes ``max_version >= (1, 0)``, else the legacy ``dltensor``.
The managed tensor holds a reference to its owner until the consumer calls the deleter (or the
capsule dies unconsumed), so a view keeps the shared mapping (or the GPU stream) alive.
"""

from __future__ import annotations

import ctypes
import threading
from typing import Any, Dict, Optional, Sequence, Tuple

import numpy as np

KDL_CPU = 1
KDL_CUDA = 2
DLPACK_VERSION = (1, 0)
FLAG_READ_ONLY = 1

_NAME_LEGACY = b"dltensor"
_NAME_VERSIONED = b"dltensor_versioned"


class DLDevice(ctypes.Structure):
    _fields_ = [("device_type", ctypes.c_int32), ("device_id", ctypes.c_int32)]


class DLDataType(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint8), ("bits", ctypes.c_uint8), ("lanes", ctypes.c_uint16)]


class DLTensor(ctypes.Structure):
    _fields_ = [
        ("data", ctypes.c_void_p), ("device", DLDevice), ("ndim", ctypes.c_int32),
        ("dtype", DLDataType), ("shape", ctypes.POINTER(ctypes.c_int64)),
        ("strides", ctypes.POINTER(ctypes.c_int64)), ("byte_offset", ctypes.c_uint64),
    ]


_Deleter = ctypes.CFUNCTYPE(None, ctypes.c_void_p)


class DLManagedTensor(ctypes.Structure):
    _fields_ = [("dl_tensor", DLTensor), ("manager_ctx", ctypes.c_void_p), ("deleter", _Deleter)]


class DLPackVersion(ctypes.Structure):
    _fields_ = [("major", ctypes.c_uint32), ("minor", ctypes.c_uint32)]


class DLManagedTensorVersioned(ctypes.Structure):
    _fields_ = [
        ("version", DLPackVersion), ("manager_ctx", ctypes.c_void_p), ("deleter", _Deleter),
        ("flags", ctypes.c_uint64), ("dl_tensor", DLTensor),
    ]


# Managed tensors alive in consumers: address -> (struct, shape, strides, owner).
_live: Dict[int, Tuple[Any, Any, Any, Any]] = {}
_live_lock = threading.Lock()


def _release(addr: Optional[int]) -> None:
    if addr:
        with _live_lock:
            _live.pop(addr, None)


_deleter = _Deleter(_release)

_api = ctypes.pythonapi
_api.PyCapsule_New.restype = ctypes.py_object
_api.PyCapsule_New.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p]
_api.PyCapsule_IsValid.restype = ctypes.c_int
_api.PyCapsule_IsValid.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
_api.PyCapsule_GetPointer.restype = ctypes.c_void_p
_api.PyCapsule_GetPointer.argtypes = [ctypes.c_void_p, ctypes.c_char_p]

_CapsuleDestructor = ctypes.CFUNCTYPE(None, ctypes.c_void_p)


def _make_destructor(name: bytes) -> Any:
    def destroy(capsule: int) -> None:
        # A consumer renames the capsule ("used_dltensor") when it takes ownership; a capsule still
        # carrying our name was never consumed, so its tensor is released here.
        if _api.PyCapsule_IsValid(capsule, name):
            _release(_api.PyCapsule_GetPointer(capsule, name))
    return _CapsuleDestructor(destroy)


_destroy_legacy = _make_destructor(_NAME_LEGACY)
_destroy_versioned = _make_destructor(_NAME_VERSIONED)


def dl_dtype(dtype: np.dtype) -> DLDataType:
    """The DLPack type of a numpy dtype (bool, ints, uints, floats, complex)."""
    dtype = np.dtype(dtype)
    codes = {"b": 6, "i": 0, "u": 1, "f": 2, "c": 5}
    if dtype.kind not in codes or dtype.byteorder == ">":
        raise BufferError(f"dtype {dtype} has no DLPack equivalent")
    return DLDataType(codes[dtype.kind], dtype.itemsize * 8, 1)


def export(data: int, shape: Sequence[int], strides: Optional[Sequence[int]], dtype: np.dtype,
           device: Tuple[int, int], owner: Any, readonly: bool, versioned: bool) -> Any:
    """A DLPack capsule over ``data`` (address) with ``shape`` and element ``strides`` (None: C
    order); ``owner`` is kept alive until the consumer releases the tensor."""
    ndim = len(shape)
    c_shape = (ctypes.c_int64 * max(ndim, 1))(*shape)
    c_strides = None
    if strides is not None:
        c_strides = (ctypes.c_int64 * max(ndim, 1))(*strides)
    if versioned:
        m: Any = DLManagedTensorVersioned()
        m.version = DLPackVersion(*DLPACK_VERSION)
        m.flags = FLAG_READ_ONLY if readonly else 0
        name, destructor = _NAME_VERSIONED, _destroy_versioned
    else:
        if readonly:
            raise BufferError("a read-only array exports only a versioned DLPack capsule "
                              "(ask with max_version=(1, 0))")
        m = DLManagedTensor()
        name, destructor = _NAME_LEGACY, _destroy_legacy
    t = m.dl_tensor
    t.data = data
    t.device = DLDevice(*device)
    t.ndim = ndim
    t.dtype = dl_dtype(dtype)
    t.shape = ctypes.cast(c_shape, ctypes.POINTER(ctypes.c_int64))
    t.strides = (ctypes.cast(c_strides, ctypes.POINTER(ctypes.c_int64)) if c_strides is not None
                 else ctypes.POINTER(ctypes.c_int64)())
    t.byte_offset = 0
    m.manager_ctx = None
    m.deleter = _deleter
    addr = ctypes.addressof(m)
    with _live_lock:
        _live[addr] = (m, c_shape, c_strides, owner)
    return _api.PyCapsule_New(addr, name, ctypes.cast(destructor, ctypes.c_void_p))


def _wants_versioned(max_version: Optional[Tuple[int, int]]) -> bool:
    return max_version is not None and tuple(max_version)[0] >= 1


def cpu_dlpack(arr: np.ndarray, *, stream: Any = None, max_version: Optional[Tuple[int, int]] = None,
               dl_device: Optional[Tuple[int, int]] = None, copy: Optional[bool] = None) -> Any:
    """``__dlpack__`` of a numpy view of shared memory (kDLCPU), zero-copy unless ``copy=True``."""
    if stream is not None:
        raise BufferError("stream must be None for CPU (kDLCPU) arrays")
    if dl_device is not None and tuple(dl_device) != (KDL_CPU, 0):
        raise BufferError(f"shared-memory arrays live on the CPU, not on device {dl_device}")
    if copy:
        return np.array(arr, copy=True).__dlpack__(max_version=max_version)
    itemsize = arr.dtype.itemsize
    if any(st % itemsize for st in arr.strides):
        raise BufferError("strides are not a multiple of the element size")
    strides = [st // itemsize for st in arr.strides]
    return export(arr.__array_interface__["data"][0], arr.shape, strides, arr.dtype,
                  (KDL_CPU, 0), arr, not arr.flags.writeable, _wants_versioned(max_version))


def live_exports() -> int:
    """Number of exported tensors not yet released by their consumers (for tests)."""
    with _live_lock:
        return len(_live)
