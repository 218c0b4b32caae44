"""shmhub.cuda: GPU streams shared between processes (CUDA IPC), zero-copy into PyTorch and CuPy.

    >>> import torch, shmhub.cuda as sc
    >>> s = sc.GPUStream.create("feat", shape=(1024, 256), dtype="float32")   # device 0
    >>> s.write(torch.randn(1024, 256, device="cuda"))
    >>> r = sc.GPUStream.open("feat")                      # any process on the same GPU
    >>> t = torch.from_dlpack(r)                           # newest frame, zero-copy
    >>> r.read(out := torch.empty(1024, 256, device="cuda"))  # or a copy, ordered on the GPU

The calls go to ``libshmhub_cuda.so.1`` (abi/shmhub_cuda.h) through ctypes; set
``SHMHUB_CUDA_LIBRARY`` to its path when it is not on the loader's path. ``available()`` says
whether the library loaded and sees a GPU, and ``unavailable_reason()`` why not. A ``GPUStream``
exposes its newest frame through ``__cuda_array_interface__`` (v3, with ``stream``) and
``__dlpack__``/``__dlpack_device__``; ``peek()`` returns a ``GPUFrame`` pinned to one frame, to
``validate()`` after use. docs/cuda.md has the rules (one import per process, lifetime, MPS).

Pinned host segments: ``register(obj)`` page-locks the whole mapping of a ``shmhub.Segment`` or
``shmhub.Stream`` (``cudaHostRegister``) so copies between it and the GPU run at pinned speed;
``unregister(obj)`` undoes it, and ``with pinned(obj): ...`` does both:

    >>> seg = shmhub.create("batch", {"x": ((4096, 1024), "float32")})
    >>> with sc.pinned(seg):
    ...     t = torch.from_numpy(seg["x"]).to("cuda", non_blocking=True)   # pinned-speed H2D

A registration never outlives the mapping: when the segment's C handle finally closes (after
``close()`` and its last view), it is unregistered first.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import threading
from typing import Any, Iterator, Optional, Tuple

import numpy as np

from . import _dlpack
from . import raw as _raw
from ._core import Segment, Stream
from ._errors import InvalidError, _make

__all__ = ["GPUStream", "GPUFrame", "FrameInfo", "available", "unavailable_reason", "register",
           "unregister", "is_registered", "pinned", "REGISTER_READ_ONLY"]

_OK = 0
_E_TIMEOUT = -10
_E_OVERWRITTEN = -18
MIRROR = 0x1
REGISTER_READ_ONLY = 0x1  # SHMHUB_CUDA_REGISTER_READ_ONLY
_CUDA_VERSION = 10100

_DTYPES = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
           "float16", "float32", "float64", "complex64", "complex128"]


class _Opts(ctypes.Structure):
    _fields_ = [("size", ctypes.c_uint32), ("slots", ctypes.c_uint32), ("flags", ctypes.c_uint32),
                ("reserved", ctypes.c_uint32), ("close_timeout_ns", ctypes.c_int64),
                ("segment", ctypes.c_void_p)]


class _SegOpts(ctypes.Structure):
    _fields_ = [("size", ctypes.c_uint32), ("mode", ctypes.c_uint32), ("dir", ctypes.c_char_p),
                ("flags", ctypes.c_uint32), ("reserved", ctypes.c_uint32),
                ("open_timeout_ns", ctypes.c_int64)]


class FrameInfo(ctypes.Structure):
    """What a read returned: ``seq`` (first frame is 1), ``timestamp_ns``, ``missed``."""
    _fields_ = [("size", ctypes.c_uint32), ("reserved", ctypes.c_uint32), ("seq", ctypes.c_uint64),
                ("timestamp_ns", ctypes.c_int64), ("missed", ctypes.c_uint64)]

    def __init__(self) -> None:
        super().__init__(ctypes.sizeof(FrameInfo), 0, 0, 0, 0)

    def __repr__(self) -> str:
        return f"FrameInfo(seq={self.seq}, timestamp_ns={self.timestamp_ns}, missed={self.missed})"


_lib: Any = None
_reason = ""


def _load() -> Any:
    global _lib, _reason
    if _lib is not None or _reason:
        return _lib
    path = os.environ.get("SHMHUB_CUDA_LIBRARY") or "libshmhub_cuda.so.1"
    try:
        lib = ctypes.CDLL(path)
    except OSError as e:
        _reason = f"cannot load {path}: {e}"
        return None
    P, V, I32, U32, U64, I64, SZ = (ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int32,
                                    ctypes.c_uint32, ctypes.c_uint64, ctypes.c_int64, ctypes.c_size_t)
    sigs = {
        "shmhub_cuda_check_version": (I32, [U32]),
        "shmhub_cuda_last_error": (ctypes.c_char_p, []),
        "shmhub_cuda_device_count": (I32, []),
        "shmhub_gpu_stream_opts_init": (I32, [P, SZ]),
        "shmhub_gpu_stream_create": (I32, [ctypes.c_char_p, I32, U32, P, I32, P, P]),
        "shmhub_gpu_stream_open": (I32, [ctypes.c_char_p, P, P]),
        "shmhub_gpu_stream_close": (None, [P]),
        "shmhub_gpu_stream_write_device": (I32, [P, V, SZ, V]),
        "shmhub_gpu_stream_read_latest_device": (I32, [P, V, SZ, V, P]),
        "shmhub_gpu_stream_peek_device": (I32, [P, P, V, P]),
        "shmhub_gpu_stream_validate": (I32, [P, P]),
        "shmhub_gpu_stream_wait": (I32, [P, I64]),
        "shmhub_gpu_stream_count": (U64, [P]),
        "shmhub_gpu_stream_slots": (U32, [P]),
        "shmhub_gpu_stream_dtype": (I32, [P]),
        "shmhub_gpu_stream_ndim": (U32, [P]),
        "shmhub_gpu_stream_shape": (ctypes.POINTER(U64), [P]),
        "shmhub_gpu_stream_frame_nbytes": (U64, [P]),
        "shmhub_gpu_stream_device": (I32, [P]),
        "shmhub_gpu_stream_is_creator": (I32, [P]),
        "shmhub_gpu_stream_importers": (U32, [P]),
        "shmhub_gpu_stream_mirror_name": (ctypes.c_char_p, [P]),
        "shmhub_gpu_stream_name": (ctypes.c_char_p, [P]),
        "shmhub_cuda_register": (I32, [P, U32]),
        "shmhub_cuda_unregister": (I32, [P]),
    }
    for fn, (res, args) in sigs.items():
        f = getattr(lib, fn)
        f.restype, f.argtypes = res, args
    if lib.shmhub_cuda_check_version(_CUDA_VERSION) != _OK:
        _reason = lib.shmhub_cuda_last_error().decode()
        return None
    _lib = lib
    return lib


def _need() -> Any:
    lib = _load()
    if lib is None:
        raise RuntimeError(f"shmhub.cuda: {_reason}")
    return lib


def _check(status: int) -> None:
    if status != _OK:
        raise _make(status, _lib.shmhub_cuda_last_error().decode(errors="replace"))


def available() -> bool:
    """True when libshmhub_cuda loads and sees at least one CUDA device."""
    lib = _load()
    return lib is not None and lib.shmhub_cuda_device_count() > 0


def unavailable_reason() -> str:
    """Why available() is False ("" when it is True)."""
    lib = _load()
    if lib is None:
        return _reason
    if lib.shmhub_cuda_device_count() > 0:
        return ""
    return lib.shmhub_cuda_last_error().decode(errors="replace")


def _stream_handle(stream: Any) -> Optional[int]:
    """A cudaStream_t value from None (legacy default), an int, or a torch/cupy stream object."""
    if stream is None:
        return None
    if isinstance(stream, int):
        return stream or None
    for attr in ("cuda_stream", "ptr", "handle"):
        v = getattr(stream, attr, None)
        if isinstance(v, int):
            return v or None
    raise TypeError(f"not a CUDA stream: {stream!r}")


def _device_buffer(obj: Any, nbytes: int, what: str) -> Tuple[int, Any]:
    """Address of a contiguous device array (``__cuda_array_interface__``) of ``nbytes`` bytes."""
    cai = getattr(obj, "__cuda_array_interface__", None)
    if cai is None:
        raise TypeError(f"{what} must be a CUDA array (torch.Tensor on cuda, cupy.ndarray...)")
    dt = np.dtype(cai["typestr"])
    shape = tuple(cai["shape"])
    n = int(np.prod(shape, dtype=np.int64)) * dt.itemsize
    strides = cai.get("strides")
    if strides is not None:
        expect, acc = [], dt.itemsize
        for d in reversed(shape):
            expect.append(acc)
            acc *= d
        if tuple(reversed(expect)) != tuple(strides) and n > 0:
            raise ValueError(f"{what} must be C-contiguous")
    if n != nbytes:
        raise ValueError(f"{what} holds {n} bytes; a frame is {nbytes}")
    return cai["data"][0], cai


class _Owner:
    """Owns one C handle; closes it when the last reference (stream object, frame or exported
    view) dies, so a view never outlives the imported memory it points at."""

    __slots__ = ("h", "__weakref__")

    def __init__(self, h: int) -> None:
        self.h = h

    def __del__(self) -> None:
        h, self.h = self.h, None
        if h and _lib is not None:
            _lib.shmhub_gpu_stream_close(h)


class GPUFrame:
    """One frame of a GPU stream, zero-copy (a ``peek``): CUDA array interface v3 and DLPack.
    The writer may overwrite it later; ``validate()`` after use says whether it did."""

    def __init__(self, stream: "GPUStream", ptr: int, info: FrameInfo) -> None:
        self._own = stream._own  # keeps the handle (and the imported memory) alive
        self._stream = stream
        self.ptr = ptr
        self.info = info
        self.__cuda_array_interface__ = stream._cai(ptr, 1)

    @property
    def seq(self) -> int:
        return self.info.seq

    def validate(self) -> bool:
        """True if the frame has not been overwritten (nor begun to be) since the peek."""
        st = _lib.shmhub_gpu_stream_validate(self._own.h, ctypes.byref(self.info))
        if st == _E_OVERWRITTEN:
            return False
        _check(st)
        return True

    def __dlpack__(self, *, stream: Any = None, max_version: Any = None, dl_device: Any = None,
                   copy: Any = None) -> Any:
        # The frame's write was waited for on the stream given to peek() (default: the legacy
        # default stream, which blocking streams follow); the view holds this frame.
        return self._stream._export(self.ptr, stream, max_version, dl_device, copy, self._own,
                                    wait=False)

    def __dlpack_device__(self) -> Tuple[int, int]:
        return (_dlpack.KDL_CUDA, self._stream.device)


class GPUStream:
    """A GPU stream (abi/shmhub_cuda.h): ``create`` or ``open`` by name, then ``write``/``read``
    device arrays or view the newest frame zero-copy. Closing is explicit (``close()``, ``with``)
    or at garbage collection; views exported through DLPack or the CUDA array interface keep the
    handle alive."""

    def __init__(self, handle: int) -> None:
        self._own: Optional[_Owner] = _Owner(handle)
        self._closed = False
        self._cai_used = False
        lib = _lib
        self.name = lib.shmhub_gpu_stream_name(handle).decode()
        nd = lib.shmhub_gpu_stream_ndim(handle)
        shp = lib.shmhub_gpu_stream_shape(handle)
        self.shape = tuple(int(shp[i]) for i in range(nd))
        self.dtype = np.dtype(_DTYPES[lib.shmhub_gpu_stream_dtype(handle) - 1])
        self.nbytes = int(lib.shmhub_gpu_stream_frame_nbytes(handle))
        self.slots = int(lib.shmhub_gpu_stream_slots(handle))
        self.device = int(lib.shmhub_gpu_stream_device(handle))
        m = lib.shmhub_gpu_stream_mirror_name(handle)
        self.mirror_name = m.decode() if m else None
        self._info = FrameInfo()  # reused per read: the hot path allocates nothing

    # ---- construction ----
    @staticmethod
    def _opts(slots: int, mirror: bool, close_timeout: float, dir: Optional[str],
              unlink_on_close: bool, keep: list) -> _Opts:
        o = _Opts()
        _check(_need().shmhub_gpu_stream_opts_init(ctypes.byref(o), ctypes.sizeof(o)))
        o.slots = slots
        o.flags = MIRROR if mirror else 0
        o.close_timeout_ns = int(close_timeout * 1e9)
        so = _SegOpts(ctypes.sizeof(_SegOpts), 0o600, dir.encode() if dir else None,
                      1 if unlink_on_close else 0, 0, 1_000_000_000)
        keep.append(so)
        o.segment = ctypes.addressof(so)
        return o

    @classmethod
    def create(cls, name: str, shape: Tuple[int, ...], dtype: Any = "float32", device: int = 0,
               slots: int = 3, mirror: bool = False, dir: Optional[str] = None,
               unlink_on_close: bool = True, close_timeout: float = 5.0) -> "GPUStream":
        """Creates the stream and allocates its frames on ``device``; ``mirror=True`` keeps the
        CPU stream ``NAME.cpu`` in step (``shmhub.Stream.open(s.mirror_name)``)."""
        lib = _need()
        dt = np.dtype(dtype)
        if dt.name not in _DTYPES:
            raise ValueError(f"gpu stream '{name}': unsupported dtype {dt}")
        keep: list = []
        o = cls._opts(slots, mirror, close_timeout, dir, unlink_on_close, keep)
        shp = (ctypes.c_uint64 * max(len(shape), 1))(*shape)
        h = ctypes.c_void_p()
        _check(lib.shmhub_gpu_stream_create(name.encode(), _DTYPES.index(dt.name) + 1, len(shape),
                                            shp, device, ctypes.byref(o), ctypes.byref(h)))
        return cls(h.value)

    @classmethod
    def open(cls, name: str, dir: Optional[str] = None) -> "GPUStream":
        """Opens a stream by name and imports its frames (once per process)."""
        lib = _need()
        keep: list = []
        o = cls._opts(3, False, 5.0, dir, False, keep)
        h = ctypes.c_void_p()
        _check(lib.shmhub_gpu_stream_open(name.encode(), ctypes.byref(o), ctypes.byref(h)))
        return cls(h.value)

    def close(self) -> None:
        """Drops this object's hold on the handle (idempotent); the C handle closes when the
        frames and views exported from it have died too. A consumer of the CUDA array interface
        (``torch.as_tensor``, ``cupy.asarray``) holds this object itself, so once the interface
        was used the handle stays until the object dies."""
        self._closed = True
        if not self._cai_used:
            self._own = None

    def __enter__(self) -> "GPUStream":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def _owner(self) -> Any:
        """The C handle's owner, for a local that holds it across a C call (ctypes releases the
        GIL): a close() in another thread then cannot free the handle under the call."""
        own = self._own
        if own is None or self._closed:
            raise ValueError(f"gpu stream '{self.name}' is closed")
        return own

    # ---- properties ----
    @property
    def count(self) -> int:
        """Number of committed frames."""
        own = self._owner()
        return int(_lib.shmhub_gpu_stream_count(own.h))

    @property
    def importers(self) -> int:
        own = self._owner()
        return int(_lib.shmhub_gpu_stream_importers(own.h))

    @property
    def is_creator(self) -> bool:
        own = self._owner()
        return bool(_lib.shmhub_gpu_stream_is_creator(own.h))

    # ---- writing and reading ----
    def write(self, array: Any, stream: Any = None) -> None:
        """Publishes ``array`` (a contiguous CUDA array of one frame's bytes), ordered on
        ``stream`` (None: the legacy default stream, which PyTorch and CuPy use by default)."""
        ptr, _ = _device_buffer(array, self.nbytes, "the frame")
        own = self._owner()
        _check(_lib.shmhub_gpu_stream_write_device(own.h, ptr, self.nbytes,
                                                   _stream_handle(stream)))

    def read(self, out: Any, stream: Any = None) -> FrameInfo:
        """Copies the newest frame into ``out`` on the GPU, ordered after its write (no host
        wait). Returns the frame's info (reused by the next read: copy what you keep)."""
        ptr, _ = _device_buffer(out, self.nbytes, "out")
        own = self._owner()
        _check(_lib.shmhub_gpu_stream_read_latest_device(own.h, ptr, self.nbytes,
                                                         _stream_handle(stream),
                                                         ctypes.byref(self._info)))
        return self._info

    def wait(self, timeout: Optional[float] = None) -> bool:
        """Waits on the host for a frame newer than the last one read; False on timeout."""
        ns = -1 if timeout is None else int(timeout * 1e9)
        own = self._owner()
        st = _lib.shmhub_gpu_stream_wait(own.h, ns)
        if st == _E_TIMEOUT:
            return False
        _check(st)
        return True

    def peek(self, stream: Any = None) -> GPUFrame:
        """The newest frame, zero-copy; ``stream`` (None: legacy default) waits for its write."""
        info = FrameInfo()
        p = ctypes.c_void_p()
        own = self._owner()
        _check(_lib.shmhub_gpu_stream_peek_device(own.h, ctypes.byref(p),
                                                  _stream_handle(stream), ctypes.byref(info)))
        return GPUFrame(self, p.value, info)

    def validate(self, info: FrameInfo) -> bool:
        own = self._owner()
        st = _lib.shmhub_gpu_stream_validate(own.h, ctypes.byref(info))
        if st == _E_OVERWRITTEN:
            return False
        _check(st)
        return True

    # ---- zero-copy protocols (the newest frame at the time of the call) ----
    def _cai(self, ptr: int, stream: Optional[int]) -> dict:
        return {"version": 3, "shape": self.shape, "typestr": self.dtype.str, "strides": None,
                "data": (ptr, False), "stream": stream}

    @property
    def __cuda_array_interface__(self) -> dict:
        # The legacy default stream (1) waits on the frame's "written" event; consumers order
        # their work after it (CAI v3 "stream").
        info = FrameInfo()
        p = ctypes.c_void_p()
        own = self._owner()
        _check(_lib.shmhub_gpu_stream_peek_device(own.h, ctypes.byref(p), None,
                                                  ctypes.byref(info)))
        self._cai_used = True
        return self._cai(p.value, 1)

    def _export(self, ptr: Optional[int], stream: Any, max_version: Any, dl_device: Any,
                copy: Any, owner: Any, wait: bool = True) -> Any:
        if dl_device is not None and tuple(dl_device) != (_dlpack.KDL_CUDA, self.device):
            raise BufferError(f"gpu stream '{self.name}' lives on CUDA device {self.device}")
        if copy:
            raise BufferError(f"gpu stream '{self.name}': DLPack export is zero-copy only "
                              "(use read() to copy)")
        # DLPack stream: None = legacy default (1), 1 legacy, 2 per-thread, -1 no sync, else a handle.
        if stream == 0:
            raise BufferError("stream=0 is ambiguous in DLPack; pass 1 for the legacy default")
        cs = None if stream is None or stream == 1 else (None if stream == -1 else stream)
        if ptr is None or wait:
            info = FrameInfo()
            p = ctypes.c_void_p()
            own = self._owner()
            _check(_lib.shmhub_gpu_stream_peek_device(own.h, ctypes.byref(p), cs,
                                                      ctypes.byref(info)))
            ptr = p.value
        return _dlpack.export(ptr, self.shape, None, self.dtype, (_dlpack.KDL_CUDA, self.device),
                              owner, False, max_version is not None and tuple(max_version)[0] >= 1)

    def __dlpack__(self, *, stream: Any = None, max_version: Any = None, dl_device: Any = None,
                   copy: Any = None) -> Any:
        self._owner()
        return self._export(None, stream, max_version, dl_device, copy, self._own)

    def __dlpack_device__(self) -> Tuple[int, int]:
        return (_dlpack.KDL_CUDA, self.device)

    def __repr__(self) -> str:
        return (f"GPUStream({self.name!r}, shape={self.shape}, dtype={self.dtype}, "
                f"device={self.device}, slots={self.slots})")



# ---- pinned host segments (shmhub_cuda_register / shmhub_cuda_unregister) ----------------------

_pin_lock = threading.Lock()  # a register or unregister and the change of its handle's close


class _Unpin:
    """Stands in for a registered handle's close function: unregisters the mapping, then closes
    the C handle, so a registration never outlives its mapping (CUDA would keep a stale range)."""

    __slots__ = ("close_fn", "lib", "seg")

    def __init__(self, close_fn: Any, lib: Any, seg: int) -> None:
        self.close_fn = close_fn
        self.lib = lib
        self.seg = seg

    def __call__(self, ptr: Any) -> None:
        self.lib.shmhub_cuda_unregister(self.seg)  # a failure cannot stop the close (no raise here)
        self.close_fn(ptr)


def _segment_of(obj: Any, what: str) -> Tuple[Any, int, bool, str]:
    """(the _Handle, the C segment pointer, read-only, a name for messages) of a Segment or Stream.
    TypeError for anything else, ClosedError for a closed one."""
    if isinstance(obj, Segment):
        h = obj._h()
        return h, int(h.ptr), obj.readonly, f"segment '{obj.name}'"
    if isinstance(obj, Stream):
        h = obj._h()
        return h, int(_raw.shmhub_stream_segment(h.ptr)), obj.readonly, f"stream '{obj.name}'"
    if isinstance(obj, (GPUStream, GPUFrame)):
        raise TypeError(f"{what}: a GPU stream's frames are device memory; only host segments "
                        "(shmhub.Segment, shmhub.Stream) are registered")
    raise TypeError(f"{what} needs a shmhub.Segment or shmhub.Stream, not {type(obj).__name__}")


def register(obj: Any, read_only: Optional[bool] = None) -> None:
    """Page-locks the whole mapping of ``obj`` (a ``shmhub.Segment`` or ``shmhub.Stream``) for the
    GPU with ``cudaHostRegister``, so copies between it and device memory run at pinned speed
    (``torch.from_numpy(seg["x"]).to("cuda", non_blocking=True)``, ``cupy.asarray(...)``).

    Args:
        obj: an open Segment or Stream of this process.
        read_only: register with ``cudaHostRegisterReadOnly`` (the GPU only reads the memory).
            None (the default) follows the handle: a read-only handle is registered read-only,
            a writable one read-write. False on a read-only handle is an error.

    Call :func:`unregister` (or use :func:`pinned`) when done. Until then the registration lasts:
    if the object is closed first, the mapping is unregistered when its C handle closes (after
    the last view of it is gone).

    Raises:
        TypeError: ``obj`` is not a Segment or Stream (None, a GPUStream...), or ``read_only`` is
            not a bool or None.
        ClosedError (ValueError): ``obj`` is closed.
        InvalidError (ValueError): ``read_only=False`` on a read-only handle.
        BusyError (BlockingIOError): the mapping is already registered.
        SpaceError (MemoryError): CUDA could not page-lock that much memory.
        ShmHubError: another CUDA error (the message names the call and its error name).
        RuntimeError: libshmhub_cuda cannot be loaded (``unavailable_reason()``).
    """
    if read_only is not None and not isinstance(read_only, bool):
        raise TypeError(f"read_only must be a bool or None, not {type(read_only).__name__}")
    h, seg, ro, what = _segment_of(obj, "register")
    if ro and read_only is False:
        raise InvalidError(_raw.SHMHUB_E_INVALID, f"{what}: a read-only handle can only be "
                           "registered read-only (read_only=None or True)")
    flags = REGISTER_READ_ONLY if (read_only or ro) else 0
    lib = _need()
    with _pin_lock:
        _check(lib.shmhub_cuda_register(seg, flags))
        h.close_fn = _Unpin(h.close_fn, lib, seg)


def unregister(obj: Any) -> None:
    """Undoes :func:`register` (``cudaHostUnregister``) for ``obj``, a Segment or Stream.

    Raises:
        TypeError: ``obj`` is not a Segment or Stream.
        ClosedError (ValueError): ``obj`` is closed (its mapping is unregistered when its C
            handle closes).
        InvalidError (ValueError): ``obj``'s mapping is not registered.
        ShmHubError: ``cudaHostUnregister`` failed (the mapping stays registered).
        RuntimeError: libshmhub_cuda cannot be loaded.
    """
    h, seg, _, _ = _segment_of(obj, "unregister")
    lib = _need()
    with _pin_lock:
        _check(lib.shmhub_cuda_unregister(seg))
        if isinstance(h.close_fn, _Unpin):
            h.close_fn = h.close_fn.close_fn


def is_registered(obj: Any) -> bool:
    """True while ``obj``'s mapping is registered through :func:`register` (TypeError for
    anything but a Segment or Stream, ClosedError once it is closed)."""
    h, _, _, _ = _segment_of(obj, "is_registered")
    return isinstance(h.close_fn, _Unpin)


@contextlib.contextmanager
def pinned(obj: Any, read_only: Optional[bool] = None) -> Iterator[Any]:
    """``with pinned(seg) as seg: ...``: :func:`register` on entry, :func:`unregister` on exit
    (unless ``obj`` was closed inside the block: its C handle then unregisters when it closes).
    Same arguments and exceptions as :func:`register`."""
    register(obj, read_only)
    try:
        yield obj
    finally:
        if not obj.closed:
            unregister(obj)
