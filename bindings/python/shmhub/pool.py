"""MemoryPool: size classes of shared, 64-byte aligned buffers that processes take, hand to each
other by id, and give back; the buffers of a process that died are reclaimed.

    >>> pool = MemoryPool.create("frames", classes=[(1 << 20, 16), (16 << 20, 4)])
    >>> with pool.acquire(1_000_000) as buf:       # a 1 MiB buffer
    ...     np.asarray(buf)[:4] = 1                # writable uint8, zero-copy
    >>> buf = pool.acquire(1 << 20); job_id = buf.id
    >>> # in a worker: other = MemoryPool.open("frames").adopt(job_id)

A ``Buffer`` dropped without ``release`` stays owned by this process (so a buffer handed to
another process by id stays valid) until it is adopted, released, or this process dies.
"""

from __future__ import annotations

import ctypes
import math
import time
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

from . import raw as _raw
from ._core import _check_version, _Handle, _SegmentOpts, _timeout_ns
from ._errors import InvalidError, WaitTimeoutError, check

__all__ = ["MemoryPool", "Buffer"]

_SLICE_NS = 50_000_000  # blocking acquires wait in slices so Ctrl-C interrupts within 100 ms


class _Class(ctypes.Structure):
    _fields_ = [("buffer_bytes", ctypes.c_uint64), ("count", ctypes.c_uint32),
                ("reserved", ctypes.c_uint32)]


class Buffer:
    """One buffer of a pool, owned by this process. ``np.asarray(buf)`` is a writable uint8 view
    (no copy); ``buf.view(dtype, shape)`` a typed one. Views keep the pool's mapping alive."""

    __slots__ = ("_pool", "_pool_handle", "_handle", "id", "size", "_addr", "__weakref__")

    def __init__(self, pool: "MemoryPool", ptr: Any, pool_handle: _Handle) -> None:
        self._pool = pool
        self._pool_handle = pool_handle  # views of the buffer keep the pool's mapping alive
        self._handle: Optional[_Handle] = _Handle(ptr, _raw.shmhub_buffer_close, 0, 0)
        self.id: int = int(_raw.shmhub_buffer_id(ptr))
        self.size: int = int(_raw.shmhub_buffer_size(ptr))
        self._addr: int = int(_raw.shmhub_buffer_data(ptr))

    @property
    def __array_interface__(self) -> Dict[str, Any]:
        if self._handle is None:
            raise ValueError(f"pool '{self._pool.name}': buffer {self.id} was released")
        return {"version": 3, "data": (self._addr, False), "shape": (self.size,),
                "typestr": "|u1", "strides": None}

    def view(self, dtype: Any = np.uint8, shape: Any = None) -> np.ndarray:
        """A typed view of the buffer's first bytes (all of them when ``shape`` is None)."""
        dt = np.dtype(dtype)
        raw = np.asarray(self)
        if shape is None:
            return raw[: self.size // dt.itemsize * dt.itemsize].view(dt)
        shp = (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(s) for s in shape)
        need = math.prod(shp) * dt.itemsize
        if need > self.size:
            raise InvalidError(_raw.SHMHUB_E_SIZE, f"pool '{self._pool.name}': a {shp} {dt} view "
                               f"needs {need} bytes, the buffer has {self.size}")
        return raw[:need].view(dt).reshape(shp)

    @property
    def released(self) -> bool:
        return self._handle is None

    def release(self) -> None:
        """Gives the buffer back to its pool (same as ``pool.release(buf)``)."""
        self._pool.release(self)

    def __enter__(self) -> "Buffer":
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._handle is not None:
            self._pool.release(self)

    def __len__(self) -> int:
        return self.size

    def __repr__(self) -> str:
        state = "released" if self._handle is None else f"{self.size} bytes"
        return f"<shmhub.Buffer id={self.id} of pool '{self._pool.name}' {state}>"


class MemoryPool:
    """A pool of shared buffers in fixed size classes. Pickles by name."""

    def __init__(self, ptr: Any, dir: Optional[str]) -> None:
        self._handle: Optional[_Handle] = _Handle(ptr, _raw.shmhub_pool_close, 0, 0)
        self._ptr = ptr
        seg = _raw.shmhub_pool_segment(ptr)
        self.name: str = _raw.shmhub_segment_name(seg)
        self.path: str = _raw.shmhub_segment_path(seg)
        self.dir = dir

    @classmethod
    def create(cls, name: str, classes: Sequence[Tuple[int, int]], *, dir: Optional[str] = None,
               mode: int = 0o600, unlink_on_close: bool = False) -> "MemoryPool":
        """Creates pool ``name`` with ``classes``: (buffer bytes, count) pairs, in any order."""
        _check_version()
        cl = list(classes)
        if not cl or any(len(c) != 2 for c in cl):
            raise InvalidError(_raw.SHMHUB_E_INVALID,
                               f"pool '{name}': classes must be (buffer_bytes, count) pairs")
        if any(not (0 < int(b) < 2**64 and 0 < int(n) < 2**32) for b, n in cl):
            raise InvalidError(_raw.SHMHUB_E_INVALID, f"pool '{name}': size class out of range")
        arr = (_Class * len(cl))(*[_Class(int(b), int(n), 0) for b, n in cl])
        sopts = _SegmentOpts(mode=mode, dir=dir,
                             flags=_raw.SHMHUB_UNLINK_ON_CLOSE if unlink_on_close else 0)
        o = _raw.shmhub_pool_opts()
        _raw.pool_opts_set_classes(o, ctypes.addressof(arr), len(cl))
        _raw.pool_opts_set_segment(o, sopts.raw)
        status, ptr = _raw.shmhub_pool_create(name, o)
        check(status)
        return cls(ptr, dir)

    @classmethod
    def open(cls, name: str, *, dir: Optional[str] = None,
             timeout: Optional[float] = 1.0) -> "MemoryPool":
        """Opens pool ``name`` (any process)."""
        _check_version()
        sopts = _SegmentOpts(dir=dir, timeout=timeout)
        o = _raw.shmhub_pool_opts()
        _raw.pool_opts_set_segment(o, sopts.raw)
        status, ptr = _raw.shmhub_pool_open(name, o)
        check(status)
        return cls(ptr, dir)

    def _h(self) -> _Handle:
        """The C handle's owner, for a local that holds it across a C call: a close() in another
        thread while the call runs (the GIL released) then cannot free the handle under it."""
        h = self._handle
        if h is None:
            raise ValueError(f"pool '{self.name}' is closed")
        return h

    def close(self) -> None:
        """Closes this handle (idempotent). Buffers keep the mapping alive while they live."""
        self._handle = None
        self._ptr = None

    def __enter__(self) -> "MemoryPool":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __reduce__(self):
        return (_reopen, (self.name, self.dir))

    def __repr__(self) -> str:
        return f"<shmhub.MemoryPool '{self.name}'{' closed' if self._handle is None else ''}>"

    # ---- buffers -----------------------------------------------------------------------------
    def _wrap(self, ptr: Any, h: _Handle) -> Buffer:
        return Buffer(self, ptr, h)

    def acquire(self, nbytes: int, timeout: Optional[float] = None) -> Buffer:
        """A buffer of the smallest class holding ``nbytes``, waiting up to ``timeout`` seconds
        (None: forever) while that class is empty. Buffers of dead processes are reclaimed."""
        h = self._h()
        p = h.ptr
        if nbytes <= 0:
            raise InvalidError(_raw.SHMHUB_E_INVALID, f"pool '{self.name}': nbytes must be > 0")
        total = _timeout_ns(timeout)
        deadline = None if total < 0 else time.monotonic_ns() + total
        while True:
            left = _SLICE_NS if deadline is None else max(0, deadline - time.monotonic_ns())
            status, ptr = _raw.shmhub_pool_acquire(p, int(nbytes), min(left, _SLICE_NS))
            if status == 0:
                return self._wrap(ptr, h)
            if status != _raw.SHMHUB_E_TIMEOUT or (deadline is not None and
                                                  time.monotonic_ns() >= deadline):
                check(status)
            time.sleep(0)  # lets Python run signal handlers (Ctrl-C) between slices
            if self._handle is None:
                raise ValueError(f"pool '{self.name}' was closed while acquire waited")

    def release(self, buf: Buffer) -> None:
        """Gives ``buf`` back to the pool; its views must not be used afterwards."""
        if buf._pool is not self:
            raise InvalidError(_raw.SHMHUB_E_INVALID,
                               f"pool '{self.name}': buffer {buf.id} belongs to another pool object")
        h = buf._handle
        if h is None:
            raise InvalidError(_raw.SHMHUB_E_INVALID,
                               f"pool '{self.name}': buffer {buf.id} was already released")
        ptr, h.ptr = h.ptr, None  # the C call frees the handle, whatever it returns
        buf._handle = None
        h = self._h()
        check(_raw.shmhub_pool_release(h.ptr, ptr))

    def adopt(self, id: int) -> Buffer:
        """Takes over the buffer another process handed over by its ``id``."""
        h = self._h()
        status, ptr = _raw.shmhub_pool_adopt(h.ptr, int(id))
        check(status)
        return self._wrap(ptr, h)

    def reclaim(self) -> int:
        """Returns the buffers of dead processes to the pool; how many."""
        h = self._h()
        status, n = _raw.shmhub_pool_reclaim(h.ptr)
        check(status)
        return int(n)

    # PyFerris names
    get_buffer = acquire
    return_buffer = release

    def stats(self) -> List[Dict[str, int]]:
        """Per size class (smallest first): buffer_bytes, count, in_use, free, high_water,
        reclaimed, acquires."""
        h = self._h()
        p = h.ptr
        out = []
        for c in range(_raw.shmhub_pool_nclasses(p)):
            s = _raw.shmhub_pool_stats_info()
            check(_raw.shmhub_pool_stats(p, c, s))
            out.append({k: int(getattr(s, k)) for k in (
                "buffer_bytes", "count", "in_use", "free", "high_water", "reclaimed", "acquires")})
        return out


def _reopen(name: str, dir: Optional[str]) -> MemoryPool:
    return MemoryPool.open(name, dir=dir)
