"""The Pythonic layer over the SWIG module ``shmhub.raw`` (which mirrors abi/shmhub.h).

Lifetime rule: a ``Segment`` or ``Stream`` owns a ``_Handle``; every numpy view holds a reference
to that ``_Handle`` through its ``base`` chain, and every call in flight holds one in a local
variable. ``close()`` drops the object's own reference, so the object becomes unusable at once
(later calls raise ``ClosedError``; a call waiting in another thread notices within one wait slice
and raises it too), but the C handle is closed only when the last view and the last call in flight
have let go of it (like ``numpy.memmap``). Nothing here unlinks a segment unless asked
(``unlink()`` or ``unlink_on_close=True``); this module never imports
``multiprocessing.shared_memory``.

Blocking waits run in slices of at most 50 ms with the GIL released, so signal handlers (Ctrl-C)
run between slices, while the overall deadline stays the one asked for.

Fork: a ``_Handle`` records the process that made it. Dropped in any other process (a forked
child's garbage collection, or ``close()`` there), it only unmaps its memory: it never calls the C
close, so it never releases the creator's single-writer claim nor unlinks an ``unlink_on_close``
segment (docs/ownership.md, "Fork").
"""

from __future__ import annotations

import asyncio
import ctypes
import itertools
import math
import numbers
import operator
import os
import re
import secrets
import threading
import time
import weakref
from builtins import open as builtins_open
from typing import (Any, AsyncIterator, Callable, Dict, Iterator, List, Mapping, NamedTuple,
                    Optional, Sequence, Tuple, Union)

import numpy as np

from . import raw as _raw
# The per-frame hot path: METH_FASTCALL C functions of the extension (shmhub_raw.i, "hot path").
from ._raw import (hot_info as _hot_info, hot_loan_cm as _hot_loan_cm,
                   hot_new as _hot_new, hot_peek as _hot_peek, hot_read as _hot_read,
                   hot_read_next as _hot_read_next, hot_validate as _hot_validate,
                   hot_write as _hot_write)
from ._errors import (BusyError, ClosedError, CorruptError, InvalidError, ShmHubError,
                      WaitTimeoutError, check)

_NS = 1_000_000_000
_SLICE_NS = 50_000_000  # longest single C wait: signal handlers and close() are seen between slices
_MAX_EXTENT = 2**63 - 1
_HOT_SLOW = 1  # a hot-path C function's answer "take the checked Python path"
_ZERO_TYPES = (int, float)  # timeout types whose 0 skips _timeout_ns (never bool: type(True) is bool)


class FrameInfo(NamedTuple):
    """What a stream read returned."""

    seq: int
    """Sequence number of the frame (the first frame is 1)."""
    timestamp: float
    """Commit time, seconds since the epoch (CLOCK_REALTIME)."""
    missed: int
    """Frames skipped since this handle's previous read (lost to an overrun, for read_next)."""


DTypeLike = Union[str, type, np.dtype]
ShapeLike = Union[int, Sequence[int]]

_version_checked = False


def _check_version() -> None:
    global _version_checked
    if not _version_checked:
        check(_raw.shmhub_check_version(_raw.SHMHUB_VERSION_NUMBER))
        _version_checked = True


def _seconds(value: Any, what: str) -> float:
    """A finite-or-infinite, non-negative number of seconds (TypeError/ValueError naming ``what``)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{what} must be a number of seconds, not {type(value).__name__} {value!r}")
    t = float(value)
    if math.isnan(t):
        raise ValueError(f"{what} must be a number of seconds, not nan")
    if t < 0:
        raise ValueError(f"{what} must be >= 0 seconds, not {value!r}")
    return t


def _timeout_ns(timeout: Optional[float], what: str = "timeout") -> int:
    """None and math.inf wait forever (-1); seconds become nanoseconds; 0 tries once. A negative
    or nan timeout is a ValueError, a non-number (``"1"``) a TypeError."""
    if timeout is None:
        return -1
    t = _seconds(timeout, what + " (None or math.inf for forever)")
    if math.isinf(t) or t * _NS >= 2**63 - 1:
        return -1
    return int(t * _NS)


def _sliced_wait(call: Callable[[int], int], total_ns: int, is_closed: Callable[[], bool],
                 closed_msg: Callable[[], str]) -> int:
    """Runs ``call(slice_ns)`` (a C wait that releases the GIL) in slices of at most 50 ms until it
    returns something other than SHMHUB_E_TIMEOUT or ``total_ns`` (-1: forever) has passed.
    Between slices the interpreter runs signal handlers (KeyboardInterrupt is raised from here),
    and a handle closed meanwhile raises ClosedError. Returns the last status."""
    if 0 <= total_ns <= _SLICE_NS:
        return call(total_ns)
    deadline = None if total_ns < 0 else time.monotonic_ns() + total_ns
    timeout_code = _raw.SHMHUB_E_TIMEOUT
    while True:
        part = _SLICE_NS
        if deadline is not None:
            part = min(_SLICE_NS, max(0, deadline - time.monotonic_ns()))
        status = call(part)
        if status != timeout_code:
            return status
        if deadline is not None and time.monotonic_ns() >= deadline:
            return status
        if is_closed():
            raise ClosedError(_raw.SHMHUB_E_INVALID, closed_msg())


def _index(value: Any, what: str, lo: int, hi: int) -> int:
    """An integer in [lo, hi], else TypeError/ValueError naming ``what``."""
    if isinstance(value, bool):
        raise TypeError(f"{what} must be an integer, not bool")
    try:
        v = operator.index(value)
    except TypeError:
        raise TypeError(f"{what} must be an integer, not {type(value).__name__} {value!r}") from None
    if not lo <= v <= hi:
        raise ValueError(f"{what} must be from {lo} to {hi}, not {v}")
    return v


def _dtype_code(dtype: DTypeLike) -> Tuple[int, np.dtype]:
    try:
        dt = np.dtype(dtype)
    except TypeError:  # numpy's "data type 'x' not understood": a bad value, like every bad dtype here
        raise InvalidError(_raw.SHMHUB_E_INVALID, f"dtype {dtype!r} not understood") from None
    status, code = _raw.shmhub_dtype_from_str(dt.str)
    check(status)
    return code, dt


def _np_dtype(code: int) -> np.dtype:
    return np.dtype(_raw.shmhub_dtype_str(code))


def _shape(shape: ShapeLike, what: str = "shape") -> Tuple[int, ...]:
    """A tuple of non-negative ints below 2**63: an int or a sequence of ints (never a str, a
    float or a bool; nothing is truncated)."""
    if isinstance(shape, (str, bytes)):  # a ValueError (InvalidError), never split into characters
        raise InvalidError(_raw.SHMHUB_E_INVALID, f"{what} must be an int or a sequence of ints, "
                           f"not {type(shape).__name__} {shape!r}")
    if isinstance(shape, bool):
        raise TypeError(f"{what} must be an int or a sequence of ints, not bool")
    try:
        dims: Sequence[Any] = (operator.index(shape),)
    except TypeError:
        try:
            dims = tuple(shape)  # type: ignore[arg-type]
        except TypeError:
            raise TypeError(f"{what} must be an int or a sequence of ints, not "
                            f"{type(shape).__name__} {shape!r}") from None
    out = []
    for d in dims:
        if isinstance(d, (bool, np.bool_)):
            raise TypeError(f"{what} {shape!r}: extent {d!r} is not an integer")
        try:
            v = operator.index(d)
        except TypeError:
            raise TypeError(f"{what} {shape!r}: extent {d!r} is not an integer") from None
        if v < 0:
            raise InvalidError(_raw.SHMHUB_E_INVALID, f"{what} {shape!r} has a negative extent")
        if v > _MAX_EXTENT:
            raise InvalidError(_raw.SHMHUB_E_INVALID,
                               f"{what} {shape!r}: extent {v} is too large (at most 2**63 - 1)")
        out.append(v)
    if len(out) > _raw.SHMHUB_MAX_NDIM:
        raise InvalidError(_raw.SHMHUB_E_INVALID,
                           f"{what} {shape!r} has {len(out)} dimensions (at most "
                           f"{_raw.SHMHUB_MAX_NDIM})")
    return tuple(out)


class _SegmentOpts:
    """shmhub_segment_opts plus the bytes its ``dir`` pointer refers to (kept alive here)."""

    def __init__(self, *, mode: int = 0o600, dir: Optional[str] = None, flags: int = 0,
                 timeout: Optional[float] = 1.0) -> None:
        self.raw = _raw.shmhub_segment_opts()
        self.raw.mode = _index(mode, "mode", 0, 0o7777)
        if dir is not None and not isinstance(dir, str):
            raise TypeError(f"dir must be a str or None, not {type(dir).__name__}")
        self.raw.flags = flags
        self.raw.open_timeout_ns = _timeout_ns(timeout)
        if dir and "\x00" in dir:  # create_string_buffer would silently truncate it
            raise InvalidError(_raw.SHMHUB_E_INVALID, f"directory {dir!r} contains a NUL character")
        self._dir = ctypes.create_string_buffer(dir.encode()) if dir else None
        if self._dir is not None:
            _raw.segment_opts_set_dir(self.raw, ctypes.addressof(self._dir))


_libc = ctypes.CDLL(None, use_errno=True)
_libc.munmap.argtypes = (ctypes.c_void_p, ctypes.c_size_t)
_libc.munmap.restype = ctypes.c_int


class _Handle:
    """Owns one C handle; closes it when the last Python reference (object, view, or call in
    flight) dies. ``pid`` is the process that made it: in any other process (a forked child) the
    handle is never passed to the C close; only its mapping (``base``, ``size``; 0 if unknown) is
    unmapped, so the creator's writer claim and ``unlink_on_close`` are left alone."""

    __slots__ = ("ptr", "close_fn", "base", "size", "pid", "__weakref__")

    def __init__(self, ptr: Any, close_fn: Any, base: int, size: int) -> None:
        self.ptr = ptr
        self.close_fn = close_fn
        self.base = base
        self.size = size
        self.pid = os.getpid()

    def __del__(self) -> None:
        ptr, self.ptr = self.ptr, None
        if ptr is None or self.close_fn is None:
            return
        if self.pid != os.getpid():
            # Inherited across fork: drop this process's mapping only (the C handle's small
            # private allocation is left; the parent's handle is untouched).
            if self.base and self.size:
                _libc.munmap(self.base, self.size)
            return
        self.close_fn(ptr)


def _mapping_of(seg: Any) -> Tuple[int, int]:
    """(base address, size) of a C segment handle's mapping, from its first array (0, 0 if none)."""
    if _raw.shmhub_segment_array_count(seg) == 0:
        return 0, 0
    status, arr = _raw.shmhub_segment_array_at(seg, 0)
    if status:
        return 0, 0
    return (_raw.shmhub_array_data(arr) - _raw.shmhub_array_offset(arr),
            _raw.shmhub_segment_size(seg))


class _ViewOwner:
    """Exposes mapped memory to numpy through __array_interface__; keeps its _Handle alive."""

    __slots__ = ("handle", "__array_interface__")

    def __init__(self, handle: _Handle, addr: int, shape: Tuple[int, ...], typestr: str,
                 strides: Optional[Tuple[int, ...]], readonly: bool) -> None:
        self.handle = handle
        self.__array_interface__ = {
            "version": 3, "data": (addr, readonly), "shape": shape, "typestr": typestr,
            "strides": strides,
        }


_auto_names = itertools.count()


class SharedArray(np.ndarray):
    """A numpy view of shared memory. Pickles **by name**: the receiving process reopens the
    segment and gets a zero-copy view of the same bytes (views of views keep their offset and
    strides). Results of ufuncs and reductions (``a + 1``, ``a.sum()``) are plain numpy arrays and
    scalars in private memory, as with ``numpy.memmap``; slices stay shared views.

    ``SharedArray(shape, dtype)`` creates a new shared segment with a generated name holding one
    zero-filled array; it is unlinked when the last view of it in the creating process goes, and
    other processes attach by unpickling a view (e.g. as an argument of a ``multiprocessing.Pool``
    task) while the creator still holds one. Use :func:`create` for a segment with a name of your
    choice that outlives its creator.
    """

    _shm: Optional[Tuple[str, Optional[str], str, int, int, bool]]  # seg, dir, array, base, size, ro

    def __new__(cls, shape: ShapeLike, dtype: DTypeLike = float, *, dir: Optional[str] = None,
                mode: int = 0o600) -> "SharedArray":
        name = f"pyarr-{os.getpid()}-{next(_auto_names)}-{secrets.token_hex(4)}"
        seg = Segment.create(name, {"data": (shape, dtype)}, dir=dir, mode=mode,
                             unlink_on_close=True)
        view = seg["data"]
        seg.close()  # the view keeps the handle (and so the name) alive
        return view

    def __array_finalize__(self, obj: Any) -> None:
        meta = getattr(obj, "_shm", None)
        if meta is not None:
            addr = self.__array_interface__["data"][0]
            if not (meta[3] <= addr < meta[3] + max(meta[4], 1)):
                meta = None  # new memory (a ufunc result...), not a view of the mapping
        self._shm = meta

    def __array_wrap__(self, arr: Any, context: Any = None, return_scalar: bool = False) -> Any:
        if arr is self:
            return arr
        if isinstance(arr, SharedArray) and arr._shm is not None:
            return arr  # still a view of the mapping
        if not isinstance(arr, np.ndarray):
            return arr
        out = arr.view(np.ndarray)
        if out.ndim == 0 and (return_scalar or np.lib.NumpyVersion(np.__version__) < "2.0.0"):
            return out[()]
        return out

    def __getitem__(self, index: Any) -> Any:
        res = super().__getitem__(index)
        if type(res) is SharedArray and res._shm is None and self._shm is not None:
            return res.view(np.ndarray)  # fancy indexing: a private copy
        return res

    def get_lock(self, timeout: Optional[float] = None) -> "SegmentLock":
        """The lock of the segment holding this array (as ``multiprocessing.Array.get_lock()``):
        ``with a.get_lock(): a[0] += 1``. See :class:`SegmentLock`."""
        owner: Any = self
        while isinstance(owner, np.ndarray):
            owner = owner.base
        meta = getattr(self, "_shm", None)
        if not isinstance(owner, _ViewOwner) or meta is None:
            raise ValueError("get_lock(): this array is not a view of a shmhub segment")
        return SegmentLock(owner.handle, meta[0], None, timeout)

    def __dlpack__(self, **kwargs: Any) -> Any:  # kDLCPU export, zero-copy (shmhub/_dlpack.py)
        from ._dlpack import cpu_dlpack
        return cpu_dlpack(self, **kwargs)

    def __dlpack_device__(self) -> Tuple[int, int]:
        return (1, 0)

    def __reduce__(self):
        meta = getattr(self, "_shm", None)
        if meta is None:
            return np.asarray(self).__reduce__()
        seg_name, seg_dir, arr_name, base, _size, readonly = meta
        offset = self.__array_interface__["data"][0] - base
        return (_rebuild_view, (seg_name, seg_dir, arr_name, offset, self.shape, self.strides,
                                self.dtype.str, readonly))


def _make_view(handle: _Handle, addr: int, shape: Tuple[int, ...], dtype: np.dtype,
               strides: Optional[Tuple[int, ...]], readonly: bool,
               meta: Optional[Tuple[str, Optional[str], str, int, int, bool]]) -> SharedArray:
    owner = _ViewOwner(handle, addr, shape, dtype.str, strides, readonly)
    arr = np.asarray(owner).view(SharedArray)
    arr._shm = meta
    return arr


# Mappings reopened by unpickled views in this process, cached WEAKLY: the entry lives as long
# as some view of it does (a pool worker does not keep every segment it was ever sent mapped).
_reopened: Dict[Tuple[str, Optional[str], bool], Tuple["weakref.ref[_Handle]", Tuple[int, int]]] = {}
_reopened_lock = threading.RLock()  # re-entered if GC runs a `forget` callback inside


def _file_id(path: str) -> Tuple[int, int]:
    st = os.stat(path)
    return st.st_dev, st.st_ino


def _reopen(name: str, dir: Optional[str], readonly: bool) -> "Segment":
    # The cached mapping is reused only while the name still refers to the same file: a segment
    # unlinked (and perhaps created again under its name) must not be served from a stale mapping.
    key = (name, dir, readonly)
    with _reopened_lock:
        cached = _reopened.get(key)
        handle = cached[0]() if cached is not None else None
        if handle is not None and handle.ptr is not None:
            try:
                if _file_id(_raw.shmhub_segment_path(handle.ptr)) == cached[1]:  # type: ignore[index]
                    return Segment._from_handle(handle, readonly, dir)
            except OSError:
                pass
    seg = Segment.open(name, dir=dir, readonly=readonly)
    fid = _file_id(seg.path)
    assert seg._handle is not None

    def forget(ref: "weakref.ref[_Handle]", key: Tuple[str, Optional[str], bool] = key) -> None:
        with _reopened_lock:
            if _reopened.get(key, (None,))[0] is ref:
                del _reopened[key]

    with _reopened_lock:
        _reopened[key] = (weakref.ref(seg._handle, forget), fid)
    return seg


def _rebuild_view(seg_name: str, seg_dir: Optional[str], arr_name: str, offset: int,
                  shape: Tuple[int, ...], strides: Tuple[int, ...], typestr: str,
                  readonly: bool) -> SharedArray:
    seg = _reopen(seg_name, seg_dir, readonly)
    full = seg[arr_name]
    meta = full._shm
    assert meta is not None
    dtype = np.dtype(typestr)
    # The segment found under this name may not be the one the view was pickled from (it may have
    # been recreated smaller): never build a view reaching outside the array's bytes.
    lo = hi = offset
    if all(n > 0 for n in shape):
        lo += sum(min(0, st * (n - 1)) for n, st in zip(shape, strides))
        hi += sum(max(0, st * (n - 1)) for n, st in zip(shape, strides)) + dtype.itemsize
    if len(shape) != len(strides) or lo < 0 or hi > meta[4]:
        raise InvalidError(_raw.SHMHUB_E_RANGE,
                           f"segment '{seg_name}': array '{arr_name}' ({meta[4]} bytes) does not "
                           f"hold the pickled view (bytes {lo} to {hi})")
    assert seg._handle is not None
    return _make_view(seg._handle, meta[3] + offset, tuple(shape), dtype, tuple(strides), readonly,
                      meta)


# ---- segments ------------------------------------------------------------------------------------

class Segment(Mapping[str, SharedArray]):
    """A named shared-memory segment of typed N-d arrays; a read-only mapping name → numpy view.

    Create with :func:`create`, attach with :func:`open`. ``seg["close"]`` is a zero-copy,
    C-contiguous, 64-byte aligned numpy array of the segment's memory. Segments compare by
    identity and are hashable. ``with seg.lock(): ...`` takes the segment's cross-process lock.
    """

    def __init__(self) -> None:
        """Segments are made by :func:`create` / :meth:`Segment.create` and :func:`open` /
        :meth:`Segment.open`, never directly."""
        raise TypeError("use shmhub.create() or shmhub.open() to make a Segment")

    @classmethod
    def _from_handle(cls, handle: _Handle, readonly: bool, dir: Optional[str]) -> "Segment":
        self = object.__new__(cls)
        self._handle = handle
        self._readonly = readonly
        self._dir = dir
        seg = handle.ptr
        self._name = _raw.shmhub_segment_name(seg)
        self._views = {}
        self._order = []
        for i in range(_raw.shmhub_segment_array_count(seg)):
            status, arr = _raw.shmhub_segment_array_at(seg, i)
            check(status)
            self._order.append(_raw.shmhub_array_name(arr))
        return self

    _handle: Optional[_Handle]
    _readonly: bool
    _dir: Optional[str]
    _name: str
    _views: Dict[str, SharedArray]
    _order: List[str]

    __eq__ = object.__eq__  # identity (Mapping's value comparison would compare numpy arrays)
    __ne__ = object.__ne__
    __hash__ = object.__hash__

    # -- constructors
    @classmethod
    def create(cls, name: str, arrays: Mapping[str, Tuple[ShapeLike, DTypeLike]], *,
               mode: int = 0o600, dir: Optional[str] = None, unlink_on_close: bool = False,
               prefault: bool = False) -> "Segment":
        """Creates segment ``name`` holding ``arrays`` ({array name: (shape, dtype)}), zero-filled.

        Args:
            name: 1 to 200 characters of ``[A-Za-z0-9._-]``.
            arrays: array name → (shape, dtype); a shape is an int or a sequence of ints.
            mode: permission bits of the segment file (default 0o600: this user only).
            dir: a directory for the segment file instead of POSIX shm (``$SHMHUB_DIR``).
            unlink_on_close: remove the name when this handle (and its last view) goes.
            prefault: populate the pages now (latency-sensitive writers).

        Raises:
            FileExistsError (ExistsError): the name exists.
            ValueError (InvalidError): a bad name, dtype or shape.
            TypeError: a shape that is not made of integers.
            MemoryError (SpaceError): shared memory is full.
        """
        _check_version()
        if not isinstance(arrays, Mapping):
            raise TypeError(f"arrays must be a mapping of name to (shape, dtype), not "
                            f"{type(arrays).__name__}")
        status, layout = _raw.shmhub_layout_new()
        check(status)
        try:
            for arr_name, spec in arrays.items():
                try:
                    shape, dtype = spec
                except (TypeError, ValueError):
                    raise ValueError(f"array {arr_name!r}: expected (shape, dtype), got {spec!r}") from None
                code, _ = _dtype_code(dtype)
                shp = _shape(shape, f"array {arr_name!r}: shape")
                ext = (ctypes.c_uint64 * max(len(shp), 1))(*shp)
                check(_raw.shmhub_layout_add(layout, arr_name, code, len(shp),
                                             _raw_u64_ptr(ext)))
            flags = (_raw.SHMHUB_UNLINK_ON_CLOSE if unlink_on_close else 0) | \
                    (_raw.SHMHUB_PREFAULT if prefault else 0)
            opts = _SegmentOpts(mode=mode, dir=dir, flags=flags)
            status, seg = _raw.shmhub_segment_create(name, layout, opts.raw)
            check(status)
        finally:
            _raw.shmhub_layout_free(layout)
        return cls._from_handle(_segment_handle(seg), False, dir)

    @classmethod
    def open(cls, name: str, *, dir: Optional[str] = None, readonly: bool = False,
             timeout: Optional[float] = 1.0, allow_foreign_owner: bool = False,
             prefault: bool = False) -> "Segment":
        """Opens arrays segment ``name`` (validated before use).

        Args:
            name: the segment's name.
            dir: the directory it was created in (default ``$SHMHUB_DIR`` or POSIX shm).
            readonly: map it read-only (views are not writeable).
            timeout: seconds to wait for a segment still being initialised by its creator
                (None or math.inf: forever).
            allow_foreign_owner: accept a segment created by another user.
            prefault: populate the pages now.

        Raises:
            FileNotFoundError (NotFoundError): no such segment.
            ValueError (CorruptError): a corrupt or incompatible segment, or a segment of another
                kind (a stream: use :meth:`Stream.open`) opened writable; other kinds open only
                with ``readonly=True``, for inspection.
            TimeoutError (WaitTimeoutError): its creator is still initialising it past ``timeout``.
            PermissionError: the OS refused, or another user's segment.
        """
        _check_version()
        flags = (_raw.SHMHUB_READ_ONLY if readonly else 0) | \
                (_raw.SHMHUB_ALLOW_FOREIGN_OWNER if allow_foreign_owner else 0) | \
                (_raw.SHMHUB_PREFAULT if prefault else 0)
        opts = _SegmentOpts(dir=dir, flags=flags, timeout=timeout)
        status, seg = _raw.shmhub_segment_open(name, opts.raw)
        check(status)
        handle = _segment_handle(seg)
        kind = _raw.shmhub_segment_kind(seg)
        # Arrays and synched segments are arrays (a synched segment's `data` is [workers, len]);
        # the other kinds keep their internals (a stream's ring) behind their own classes.
        if kind not in (_raw.SHMHUB_KIND_ARRAYS, _raw.SHMHUB_KIND_SYNCHED) and not readonly:
            kname = _raw.shmhub_kind_name(kind)
            del handle
            hint = " (use shmhub.Stream.open)" if kind == _raw.SHMHUB_KIND_STREAM else ""
            raise CorruptError(_raw.SHMHUB_E_WRONG_KIND,
                               f"segment '{name}' is a {kname} segment, not an arrays segment"
                               f"{hint}; open it with readonly=True to inspect it")
        return cls._from_handle(handle, readonly, dir)

    # -- access
    def _h(self) -> _Handle:
        h = self._handle
        if h is None:
            raise ClosedError(_raw.SHMHUB_E_INVALID, f"segment '{self._name}' is closed")
        return h

    def __getitem__(self, array_name: str) -> SharedArray:
        view = self._views.get(array_name)
        if view is not None:
            return view
        h = self._h()
        status, arr = _raw.shmhub_segment_find(h.ptr, array_name)
        check(status)
        ndim = _raw.shmhub_array_ndim(arr)
        shape = _raw.shape_tuple(_raw.shmhub_array_shape(arr), ndim)
        dtype = _np_dtype(_raw.shmhub_array_dtype(arr))
        addr = _raw.shmhub_array_data(arr)
        nbytes = _raw.shmhub_array_nbytes(arr)
        meta = (self._name, self._dir, array_name, addr, nbytes, self._readonly)
        view = _make_view(h, addr, shape, dtype, None, self._readonly, meta)
        if self._readonly:
            view.flags.writeable = False
        self._views[array_name] = view
        return view

    def __contains__(self, array_name: object) -> bool:
        # Mapping's default catches KeyError, but a missing array raises NotFoundError.
        return array_name in self._order

    def get(self, array_name: str, default: Any = None) -> Any:
        return self[array_name] if array_name in self._order else default

    def __iter__(self) -> Iterator[str]:
        return iter(self._order)

    def __len__(self) -> int:
        return len(self._order)

    @property
    def arrays(self) -> Dict[str, SharedArray]:
        """Every array, in layout order, as zero-copy numpy views."""
        return {n: self[n] for n in self._order}

    @property
    def name(self) -> str:
        """The segment's name."""
        return self._name

    @property
    def path(self) -> str:
        """The segment's file (``/dev/shm/shmhub.NAME`` or ``DIR/shmhub.NAME``)."""
        h = self._h()
        return _raw.shmhub_segment_path(h.ptr)

    @property
    def kind(self) -> str:
        """``"arrays"`` (other kinds open only read-only, for inspection)."""
        h = self._h()
        return _raw.shmhub_kind_name(_raw.shmhub_segment_kind(h.ptr))

    @property
    def size(self) -> int:
        """Total mapped bytes, header included."""
        h = self._h()
        return _raw.shmhub_segment_size(h.ptr)

    @property
    def creator_pid(self) -> int:
        """Process id of the segment's creator."""
        h = self._h()
        return _raw.shmhub_segment_creator_pid(h.ptr)

    @property
    def created(self) -> float:
        """Creation time, seconds since the epoch."""
        h = self._h()
        return _raw.shmhub_segment_created_ns(h.ptr) / _NS

    @property
    def readonly(self) -> bool:
        """True if this handle maps the segment read-only."""
        return self._readonly

    @property
    def closed(self) -> bool:
        """True after :meth:`close`."""
        return self._handle is None

    def lock(self, timeout: Optional[float] = None) -> "SegmentLock":
        """The segment's robust cross-process lock: ``with seg.lock(): ...`` (waits up to
        ``timeout`` seconds on entry, None: forever; TimeoutError). See :class:`SegmentLock`."""
        return SegmentLock(self._h(), self._name, None, timeout)

    def info(self) -> Dict[str, Any]:
        """Everything ``shmhub info`` shows, as a dict."""
        h = self._h()
        seg = h.ptr
        arrays = []
        for n in self._order:
            status, arr = _raw.shmhub_segment_find(seg, n)
            check(status)
            arrays.append({
                "name": n, "dtype": _raw.shmhub_dtype_str(_raw.shmhub_array_dtype(arr)),
                "shape": _raw.shape_tuple(_raw.shmhub_array_shape(arr), _raw.shmhub_array_ndim(arr)),
                "nbytes": _raw.shmhub_array_nbytes(arr), "offset": _raw.shmhub_array_offset(arr),
            })
        lv = _raw.shmhub_segment_layout_version(seg)
        return {"name": self._name, "path": self.path, "kind": self.kind, "size": self.size,
                "creator_pid": self.creator_pid,
                "creator_uid": _raw.shmhub_segment_creator_uid(seg), "created": self.created,
                "layout_version": f"{lv // 100}.{lv % 100}", "readonly": self._readonly,
                "arrays": arrays}

    def close(self) -> None:
        """Releases this object's handle (idempotent). Views already taken keep the mapping alive
        until they are garbage; the segment itself persists until unlinked."""
        self._views.clear()
        self._handle = None

    def __enter__(self) -> "Segment":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __reduce__(self):
        return (_reopen_segment, (self._name, self._dir, self._readonly))

    def __repr__(self) -> str:
        state = "closed" if self._handle is None else f"{len(self)} arrays"
        return f"<shmhub.Segment {self._name!r} {state}>"


def _reopen_segment(name: str, dir: Optional[str], readonly: bool) -> Segment:
    return Segment.open(name, dir=dir, readonly=readonly)


def _segment_handle(seg: Any) -> _Handle:
    base, size = _mapping_of(seg)
    return _Handle(seg, _raw.shmhub_segment_close, base, size)


class SegmentLock:
    """A segment's robust cross-process lock (C: ``shmhub_segment_lock``), for updating several
    arrays (or a read-modify-write) atomically with respect to other processes.

    ``with seg.lock(): ...``, ``with arr.get_lock(): ...``, or ``acquire()``/``release()`` as
    ``multiprocessing.Lock``. The owner is the process, not the thread (another thread of the
    holder's process waits like another process); it is not recursive. If the holder died holding
    it (even by SIGKILL), the next acquirer takes it over and :attr:`recovered` is True: the data
    it protects may be half-updated. Waits stop on Ctrl-C (50 ms slices). A read-only handle
    cannot lock (PermissionError). The lock stays held if this process forgets to release it
    until the process exits, after which it is recovered as above.
    """

    def __init__(self, handle: _Handle, name: str, stream_ptr_of: Optional[Callable[[Any], Any]],
                 timeout: Optional[float]) -> None:
        self._handle = handle
        self._name = name
        self._seg_of = stream_ptr_of  # maps handle.ptr to the C segment (streams), or None
        self._timeout = timeout
        _timeout_ns(timeout)  # validate now
        #: True if the last acquire() took the lock over from a holder that had died.
        self.recovered = False

    def _seg(self) -> Any:
        ptr = self._handle.ptr
        if ptr is None:
            raise ClosedError(_raw.SHMHUB_E_INVALID, f"segment '{self._name}' is closed")
        return self._seg_of(ptr) if self._seg_of else ptr

    def acquire(self, block: bool = True, timeout: Optional[float] = None) -> bool:
        """Takes the lock; True when taken, False if ``block`` is False or ``timeout`` seconds
        (None: forever) passed first."""
        total = _timeout_ns(timeout) if block else 0
        seg = self._seg()
        h = self._handle
        box: List[int] = []

        def call(ns: int) -> int:
            status, rec = _raw.shmhub_segment_lock(seg, ns)
            if status == 0:
                box.append(rec)
            return status

        status = _sliced_wait(call, total, lambda: h.ptr is None,
                              lambda: f"segment '{self._name}' is closed")
        if status == _raw.SHMHUB_E_TIMEOUT:
            return False
        check(status)
        self.recovered = bool(box and box[0])
        return True

    def release(self) -> None:
        """Releases the lock (RuntimeError-like ValueError if this process does not hold it)."""
        check(_raw.shmhub_segment_unlock(self._seg()))

    @property
    def holder_pid(self) -> int:
        """Process id of the current holder (0 when free); a snapshot."""
        return _raw.shmhub_segment_lock_holder_pid(self._seg())

    @property
    def recoveries(self) -> int:
        """How many times this lock was taken over from a dead holder (stored in the segment)."""
        return _raw.shmhub_segment_lock_recoveries(self._seg())

    def __enter__(self) -> "SegmentLock":
        if not self.acquire(True, self._timeout):
            raise WaitTimeoutError(_raw.SHMHUB_E_TIMEOUT,
                                   f"segment '{self._name}': lock held by process "
                                   f"{self.holder_pid} past the timeout of {self._timeout} s")
        return self

    def __exit__(self, *exc: Any) -> None:
        self.release()

    def __repr__(self) -> str:
        return f"<shmhub.SegmentLock of {self._name!r}>"


def _raw_u64_ptr(arr: "ctypes.Array[ctypes.c_uint64]") -> Any:
    """A SWIG `uint64_t *` for a ctypes array (the raw module has no numpy dependency)."""
    return _raw.u64_from_addr(ctypes.addressof(arr))


# ---- module-level helpers -----------------------------------------------------------------------

def create(name: str, arrays: Mapping[str, Tuple[ShapeLike, DTypeLike]], *, mode: int = 0o600,
           dir: Optional[str] = None, unlink_on_close: bool = False,
           prefault: bool = False) -> Segment:
    """Creates a segment: ``shmhub.create("prices", {"close": ((1000, 500), np.float32)})``.
    Arguments and exceptions as :meth:`Segment.create`."""
    return Segment.create(name, arrays, mode=mode, dir=dir, unlink_on_close=unlink_on_close,
                          prefault=prefault)


def open(name: str, *, dir: Optional[str] = None, readonly: bool = False,  # noqa: A001
         timeout: Optional[float] = 1.0, allow_foreign_owner: bool = False,
         prefault: bool = False) -> Segment:
    """Opens an existing arrays segment by name. Arguments and exceptions as
    :meth:`Segment.open`."""
    return Segment.open(name, dir=dir, readonly=readonly, timeout=timeout,
                        allow_foreign_owner=allow_foreign_owner, prefault=prefault)


def unlink(name: str, dir: Optional[str] = None) -> None:
    """Removes a segment's name; mappings stay valid until closed. FileNotFoundError if missing."""
    check(_raw.shmhub_unlink_in(name, dir))


def list(dir: Optional[str] = None) -> List[Dict[str, Any]]:  # noqa: A001
    """Every segment in ``dir`` (default ``$SHMHUB_DIR`` or POSIX shm): name, kind, size, creator,
    and ``status`` ("ok" or the error's name) with ``error`` for segments that fail validation."""
    status, snap = _raw.shmhub_list_open(dir)
    check(status)
    out = []
    try:
        for i in range(_raw.shmhub_list_count(snap)):
            name = _raw.shmhub_list_name(snap, i)
            entry: Dict[str, Any] = {"name": name}
            try:
                with Segment.open(name, dir=dir, readonly=True, timeout=0,
                                  allow_foreign_owner=True) as seg:
                    entry.update(kind=seg.kind, size=seg.size, creator_pid=seg.creator_pid,
                                 created=seg.created, arrays=[n for n in seg], status="ok",
                                 error=None)
            except ShmHubError as e:
                if e.code == _raw.SHMHUB_E_NOT_FOUND:
                    continue  # removed since the snapshot
                entry.update(status=e.name, error=e.message)
            out.append(entry)
    finally:
        _raw.shmhub_list_close(snap)
    return out


# ---- streams ---------------------------------------------------------------------------------------

_WAIT_MODES = {"futex": _raw.SHMHUB_WAIT_FUTEX, "spin_then_futex": _raw.SHMHUB_WAIT_SPIN_THEN_FUTEX,
               "spin": _raw.SHMHUB_WAIT_SPIN}


class _StreamOpts:
    def __init__(self, *, slots: int = 0, multi_writer: bool = False, wait: str = "futex",
                 spin: float = 50e-6, liveness: bool = False, lock_timeout: Optional[float] = 5.0,
                 segment: Optional[_SegmentOpts] = None) -> None:
        if not isinstance(wait, str) or wait not in _WAIT_MODES:
            raise ValueError(f"wait must be one of {sorted(_WAIT_MODES)}, not {wait!r}")
        self.raw = _raw.shmhub_stream_opts()
        n = _index(slots, "slots (0 for the default depth)", 0, 65536)
        if n == 1:
            raise ValueError("slots (0 for the default depth) must be 0 or from 2 to 65536, not 1")
        self.raw.slots = n
        self.raw.writer_mode = _raw.SHMHUB_WRITER_MULTI if multi_writer else _raw.SHMHUB_WRITER_SINGLE
        self.raw.wait_mode = _WAIT_MODES[wait]
        spin_s = _seconds(spin, "spin")
        if math.isinf(spin_s) or spin_s > 60:
            raise ValueError(f"spin must be at most 60 seconds, not {spin!r}")
        self.raw.spin_ns = int(spin_s * _NS)
        self.raw.flags = _raw.SHMHUB_STREAM_LIVENESS if liveness else 0
        self.raw.lock_timeout_ns = _timeout_ns(lock_timeout, "lock_timeout")
        self.segment = segment  # kept alive while the C struct points at it
        if segment is not None:
            _raw.stream_opts_set_segment(self.raw, segment.raw)


def _stream_handle(ptr: Any) -> _Handle:
    base, size = _mapping_of(_raw.shmhub_stream_segment(ptr))
    return _Handle(ptr, _raw.shmhub_stream_close, base, size)


def _pid_alive(pid: int) -> bool:
    """A process (its whole thread group) exists and is not a zombie."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    try:
        with builtins_open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    if state not in ("Z", "X", "x"):
        return True
    try:  # a zombie leader whose other threads still run is alive
        for tid in os.listdir(f"/proc/{pid}/task"):
            with builtins_open(f"/proc/{pid}/task/{tid}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X", "x"):
                    return True
    except (OSError, IndexError):
        pass
    return False


def _buffer_format(dtype: np.dtype) -> str:
    """The buffer-protocol format numpy gives arrays of ``dtype`` (the hot path compares it)."""
    try:
        return memoryview(np.empty(0, dtype)).format
    except (TypeError, ValueError, BufferError):
        return "?unsupported"  # never matches: such frames always take the checked path


class Stream:
    """A live stream of frames of one shape and dtype: never-torn latest reads, lossless reads,
    futex waits (the GIL is released; Ctrl-C stops them), zero-copy loans and peeks, asyncio.
    Make one with :meth:`create` or :meth:`open`. See docs/streams.md and docs/python.md.

    Thread-safety: writes, ``read()`` and waits may be shared by threads; the cursor (for
    ``read_next``) is per handle. ``close()`` from another thread makes a waiting call raise
    :class:`ClosedError` within 50 ms; nothing is freed under it.
    """

    def __init__(self) -> None:
        """Streams are made by :meth:`Stream.create` and :meth:`Stream.open`, never directly."""
        raise TypeError("use shmhub.Stream.create() or shmhub.Stream.open() to make a Stream")

    @classmethod
    def _from_ptr(cls, ptr: Any, dir: Optional[str], readonly: bool, wait: str,
                  liveness: bool) -> "Stream":
        self = object.__new__(cls)
        self._handle = _stream_handle(ptr)
        self._dir = dir
        self._readonly = readonly
        self._wait_mode = wait
        self._liveness = liveness
        self._name = _raw.shmhub_segment_name(_raw.shmhub_stream_segment(ptr))
        self._shape = _raw.shape_tuple(_raw.shmhub_stream_shape(ptr), _raw.shmhub_stream_ndim(ptr))
        self._dtype = _np_dtype(_raw.shmhub_stream_dtype(ptr))
        self._nbytes = _raw.shmhub_stream_frame_nbytes(ptr)
        self._multi = _raw.shmhub_stream_writer_mode(ptr) == _raw.SHMHUB_WRITER_MULTI
        # The hot path's C state, made once per handle: the frame's size, shape and buffer format,
        # and the frame-info structs of the last read and peek (shmhub_raw.i, "hot path").
        self._hot = _hot_new(ptr, self._nbytes, self._shape, _buffer_format(self._dtype),
                             self._dtype.itemsize, self._multi, self._handle.pid, FrameInfo)
        # One numpy view per ring slot, built on first use and reused: peek returns the read-only
        # one itself, loan a fresh view of the writeable one (made read-only after the block).
        # They hold the _Handle like any view; close() drops these caches.
        self._peek_views = {}
        self._loan_views = {}
        self._loan_cm = _hot_loan_cm(weakref.ref(self), self._hot, _loan_view, _loan_failed)
        return self

    _handle: Optional[_Handle]
    _dir: Optional[str]
    _readonly: bool
    _wait_mode: str
    _liveness: bool
    _name: str
    _shape: Tuple[int, ...]
    _dtype: np.dtype
    _nbytes: int
    _multi: bool
    _hot: Any
    _peek_views: Dict[int, SharedArray]
    _loan_views: Dict[int, np.ndarray]
    _loan_cm: Any

    @classmethod
    def create(cls, name: str, shape: ShapeLike, dtype: DTypeLike, *, slots: int = 0,
               multi_writer: bool = False, wait: str = "futex", spin: float = 50e-6,
               liveness: bool = False, lock_timeout: Optional[float] = 5.0, mode: int = 0o600,
               dir: Optional[str] = None, unlink_on_close: bool = False,
               prefault: bool = False) -> "Stream":
        """Creates stream ``name`` of frames of ``shape`` and ``dtype``; this handle may write.

        Args:
            name: 1 to 200 characters of ``[A-Za-z0-9._-]``.
            shape: the frame shape (an int or a sequence of ints; at least one byte per frame).
            dtype: the frame dtype (numpy dtype or string).
            slots: frames kept in the ring: 0 (the default) lets the library choose from the
                frame size (8, fewer when the ring would pass 8 MiB, never fewer than 2; see
                docs/streams.md, "Default ring depth"), or 2 to 65536. A reader that falls more
                than ``slots - 2`` frames behind loses the oldest (``last_info.missed`` counts
                them).
            multi_writer: allow several writing handles/processes (they take a robust writer
                lock per frame); by default one process is the single writer and another gets
                BusyError.
            wait: how this handle's reads wait: ``"futex"`` (sleep), ``"spin_then_futex"`` (spin
                ``spin`` seconds, then sleep) or ``"spin"`` (burn a core, lowest latency).
            spin: seconds to spin first in ``"spin_then_futex"`` mode (0 to 60).
            liveness: waits raise ConnectionError (PeerDeadError) when the writer has died.
            lock_timeout: seconds a multi-writer waits for the writer lock (None: forever).
            mode: permission bits of the segment file (0o600: this user only).
            dir: a directory for the segment file instead of POSIX shm.
            unlink_on_close: remove the name when this handle (and its last view) goes.
            prefault: populate the pages now.

        Raises:
            FileExistsError (ExistsError): the name exists.
            ValueError: a bad name, shape, dtype or option; TypeError for a wrongly typed one.
            MemoryError (SpaceError): shared memory is full.
        """
        _check_version()
        code, _ = _dtype_code(dtype)
        shp = _shape(shape)
        flags = (_raw.SHMHUB_UNLINK_ON_CLOSE if unlink_on_close else 0) | \
                (_raw.SHMHUB_PREFAULT if prefault else 0)
        sopts = _SegmentOpts(mode=mode, dir=dir, flags=flags)
        opts = _StreamOpts(slots=slots, multi_writer=multi_writer, wait=wait, spin=spin,
                           liveness=liveness, lock_timeout=lock_timeout, segment=sopts)
        ext = (ctypes.c_uint64 * max(len(shp), 1))(*shp)
        status, ptr = _raw.shmhub_stream_create(name, code, len(shp), _raw_u64_ptr(ext), opts.raw)
        check(status)
        return cls._from_ptr(ptr, dir, False, wait, liveness)

    @classmethod
    def open(cls, name: str, *, dir: Optional[str] = None, readonly: bool = False,
             wait: str = "futex", spin: float = 50e-6, liveness: bool = False,
             lock_timeout: Optional[float] = 5.0, timeout: Optional[float] = 1.0,
             shape: Optional[ShapeLike] = None, dtype: Optional[DTypeLike] = None) -> "Stream":
        """Opens stream ``name``; its cursor starts at the newest frame.

        Args:
            readonly: map read-only (cannot write; waits poll every millisecond).
            wait, spin, liveness, lock_timeout: as in :meth:`create`, for this handle.
            timeout: seconds to wait for a stream still being created (None: forever).
            shape, dtype: if given, ValueError when the stream's differ.

        Raises:
            FileNotFoundError (NotFoundError), ValueError (CorruptError; also for a segment that
            is not a stream), TimeoutError, PermissionError.
        """
        _check_version()
        flags = _raw.SHMHUB_READ_ONLY if readonly else 0
        sopts = _SegmentOpts(dir=dir, flags=flags, timeout=timeout)
        opts = _StreamOpts(wait=wait, spin=spin, liveness=liveness, lock_timeout=lock_timeout,
                           segment=sopts)
        status, ptr = _raw.shmhub_stream_open(name, opts.raw)
        if status == _raw.SHMHUB_E_WRONG_KIND:
            m = re.search(r"is an? ([\w-]+) segment", _raw.shmhub_last_error())
            kind = m.group(1) if m else "other"
            article = "an" if kind[:1] in "aeiou" else "a"
            hint = "; open it with shmhub.open()" if kind == "arrays" else ""
            raise CorruptError(status, f"segment '{name}' is {article} {kind} segment, not a "
                               f"stream{hint}")
        check(status)
        s = cls._from_ptr(ptr, dir, readonly, wait, liveness)
        if shape is not None and _shape(shape) != s.shape:
            s.close()
            raise ValueError(f"stream '{name}': shape {s.shape}, expected {_shape(shape)}")
        if dtype is not None and np.dtype(dtype) != s.dtype:
            s.close()
            raise ValueError(f"stream '{name}': dtype {s.dtype}, expected {np.dtype(dtype)}")
        return s

    @classmethod
    def open_from(cls, description: Mapping[str, Any], **kwargs: Any) -> "Stream":
        """Opens the stream a :meth:`describe` dict names, checking its shape and dtype."""
        return cls.open(description["name"], dir=description.get("dir"),
                        shape=description["shape"], dtype=description["dtype"], **kwargs)

    def describe(self) -> Dict[str, Any]:
        """A small, picklable/JSON-able description another process can open with open_from()."""
        return {"name": self._name, "dir": self._dir, "shape": self._shape,
                "dtype": self._dtype.str, "slots": self.slots,
                "writer_mode": "multi" if self.multi_writer else "single",
                "frame_nbytes": self._nbytes}

    def to_config(self) -> Dict[str, Any]:
        """Everything needed to create this stream again (pyshmem's ``to_config``), JSON-able:
        name, dir, shape, dtype, slots, multi_writer. See :meth:`create_from_config`."""
        return {"name": self._name, "dir": self._dir, "shape": [*self._shape],
                "dtype": self._dtype.str, "slots": self.slots, "multi_writer": self.multi_writer}

    @classmethod
    def create_from_config(cls, config: Mapping[str, Any], **kwargs: Any) -> "Stream":
        """Creates a stream from a :meth:`to_config` dict; ``kwargs`` (any :meth:`create`
        keyword, e.g. ``name=`` or ``unlink_on_close=True``) override it."""
        args: Dict[str, Any] = {"dir": config.get("dir"), "slots": config.get("slots", 0),
                                "multi_writer": config.get("multi_writer", False)}
        args.update(kwargs)
        name = args.pop("name", config["name"])
        return cls.create(name, tuple(config["shape"]), config["dtype"], **args)

    # -- properties
    def _h(self) -> _Handle:
        h = self._handle
        if h is None:
            raise ClosedError(_raw.SHMHUB_E_INVALID, f"stream '{self._name}' is closed")
        return h

    def _closed_msg(self) -> str:
        return f"stream '{self._name}' was closed while waiting"

    name = property(lambda self: self._name, doc="The stream's (segment's) name.")
    shape = property(lambda self: self._shape, doc="The frame shape.")
    dtype = property(lambda self: self._dtype, doc="The frame dtype.")
    nbytes = property(lambda self: self._nbytes, doc="Bytes per frame.")
    closed = property(lambda self: self._handle is None, doc="True after close().")
    readonly = property(lambda self: self._readonly, doc="True if this handle cannot write.")

    @property
    def slots(self) -> int:
        """Frames the ring holds."""
        h = self._h()
        return _raw.shmhub_stream_slots(h.ptr)

    @property
    def multi_writer(self) -> bool:
        """True if created with ``multi_writer=True``."""
        return self._multi

    @property
    def count(self) -> int:
        """Frames committed so far (the newest sequence number)."""
        h = self._h()
        return _raw.shmhub_stream_count(h.ptr)

    @property
    def last_write_time(self) -> Optional[float]:
        """Time of the newest commit (seconds since the epoch), or None before the first."""
        h = self._h()
        ns = _raw.shmhub_stream_last_write_ns(h.ptr)
        return ns / _NS if ns else None

    @property
    def age(self) -> Optional[float]:
        """Seconds since the newest commit (wall clock), or None before the first frame."""
        t = self.last_write_time
        return None if t is None else max(0.0, time.time() - t)

    def is_stale(self, seconds: float) -> bool:
        """True if no frame was committed in the last ``seconds`` (or none ever was)."""
        limit = _seconds(seconds, "seconds")
        age = self.age
        return age is None or age > limit

    @property
    def cursor(self) -> int:
        """Sequence number of the last frame this handle returned."""
        h = self._h()
        return _raw.shmhub_stream_cursor(h.ptr)

    def seek(self, seq: int) -> None:
        """The next read_next() returns frame seq + 1 (or the oldest in the ring; 0 replays it)."""
        h = self._h()
        _raw.shmhub_stream_seek(h.ptr, _index(seq, "seq", 0, 2**64 - 1))

    @property
    def writer_pid(self) -> int:
        """Process id of the process that last claimed the writer role (0 if none)."""
        h = self._h()
        return _raw.shmhub_stream_writer_pid(h.ptr)

    def writer_alive(self) -> bool:
        """True if the process that last claimed the writer role is alive (a poll; the
        ``liveness=True`` waits check the same while they wait)."""
        return _pid_alive(self.writer_pid)

    @property
    def recoveries(self) -> int:
        """How many times a writer took the writer lock or role over from a dead process."""
        h = self._h()
        return _raw.shmhub_stream_recoveries(h.ptr)

    def lock(self, timeout: Optional[float] = None) -> SegmentLock:
        """The stream segment's cross-process lock (:class:`SegmentLock`), independent of the
        writer lock: ``with s.lock(): ...``. Used by :meth:`write_locked`."""
        return SegmentLock(self._h(), self._name, _raw.shmhub_stream_segment, timeout)

    # -- writing
    def _writer_check(self, h: _Handle) -> None:
        if h.pid != os.getpid() and not self._multi:
            raise BusyError(_raw.SHMHUB_E_BUSY,
                            f"stream '{self._name}': this handle was opened by process {h.pid}; "
                            f"in a forked child, open the stream again to write (the single-writer "
                            f"claim belongs to the handle's process)")

    def write(self, frame: Any) -> None:
        """Publishes one frame (copied). ``frame`` must have the stream's shape (any array-like;
        converted to the stream's dtype, C order). BusyError if another process is the single
        writer (create with ``multi_writer=True`` for several); PermissionError on a read-only
        handle."""
        h = self._handle
        if h is not None:  # hot path: a C-contiguous frame of the stream's dtype and shape
            status = _hot_write(self._hot, frame)
            if status != _HOT_SLOW:
                if status:
                    _check_stream(status)
                return
        # np.asarray(order="C"), not np.ascontiguousarray, which turns a 0-d frame into shape (1,)
        arr = np.asarray(frame, dtype=self._dtype, order="C")
        if arr.shape != self._shape:
            raise InvalidError(_raw.SHMHUB_E_SIZE,
                               f"stream '{self._name}': frame shape {arr.shape}, expected {self._shape}")
        h = self._h()
        self._writer_check(h)
        _check_stream(_raw.shmhub_stream_write(h.ptr, arr))

    def write_locked(self, frame: Any, timeout: Optional[float] = None) -> None:
        """pyshmem's ``write_locked``: :meth:`write` while holding the segment lock
        (:meth:`lock`), so writers and readers that also take the lock see whole updates in
        order. TimeoutError if the lock is not free within ``timeout`` seconds."""
        with self.lock(timeout):
            self.write(frame)

    def loan(self) -> Any:
        """``with s.loan() as buf: buf[...] = ...`` writes in place; committed on exit, abandoned
        if the block raises. ``buf`` becomes read-only after the block (the slot belongs to the
        ring again); arrays derived from it inside the block must not be kept. One loan per
        handle at a time: the context manager is the handle's own, reused (no allocation)."""
        return self._loan_cm

    # -- reading
    def _out(self, out: Optional[np.ndarray]) -> np.ndarray:
        if out is None:
            return np.empty(self._shape, self._dtype)
        if not isinstance(out, np.ndarray) or out.shape != self._shape or \
                out.dtype != self._dtype or not out.flags.c_contiguous or not out.flags.writeable:
            raise InvalidError(_raw.SHMHUB_E_SIZE,
                               f"stream '{self._name}': out must be a writeable C-contiguous "
                               f"{self._dtype} array of shape {self._shape}")
        return out

    @property
    def last_info(self) -> Optional[FrameInfo]:
        """FrameInfo(seq, timestamp, missed) of this handle's last successful read or peek."""
        return _hot_info(self._hot)  # built in C once per frame, on demand

    def _checked_out(self, out: Optional[np.ndarray]) -> np.ndarray:
        """The checked path's output array: ``out`` after the full check (InvalidError if it is
        not a writeable C-contiguous array of the stream's dtype and shape), seen with the
        stream's own dtype object, so the C hot path accepts its buffer format."""
        buf = self._out(out)
        return buf if buf.dtype is self._dtype else buf.view(self._dtype)

    def read(self, out: Optional[np.ndarray] = None) -> np.ndarray:
        """The newest frame, never torn (a copy; into ``out`` if given). LookupError (EmptyError)
        before the first frame. ``last_info`` says which frame it was."""
        h = self._handle
        if h is not None and out is not None:  # hot path: out checked in C (format, shape, order)
            status = _hot_read(self._hot, out)
            if status == 0:
                return out
            if status != _HOT_SLOW:
                check(status)
        buf = self._checked_out(out)
        h = self._h()
        status = _hot_read(self._hot, buf)
        if status:
            check(status)
        return buf if out is None else out

    def _timeout_error(self, what: str, timeout: Optional[float]) -> WaitTimeoutError:
        return WaitTimeoutError(_raw.SHMHUB_E_TIMEOUT,
                                f"stream '{self._name}': {what} within {timeout} s")

    def read_next(self, timeout: Optional[float] = None,
                  out: Optional[np.ndarray] = None) -> np.ndarray:
        """Lossless: the frame after this handle's cursor, waiting up to ``timeout`` seconds
        (None or math.inf: forever) with the GIL released; Ctrl-C interrupts the wait. After an
        overrun, the oldest frame still in the ring; ``last_info.missed`` counts the frames lost.

        Raises:
            TimeoutError (WaitTimeoutError): no frame within ``timeout``.
            ClosedError: another thread closed the stream meanwhile.
            ConnectionError (PeerDeadError): the writer died (``liveness=True``).
            BlockingIOError (BusyError): the writer overwrote the frame being copied 1000 times
                in a row (a reader far slower than the writer); retry, or use :meth:`read`.
            ValueError (CorruptError): an impossible sequence number in the stream's control
                block (a damaged or hostile segment).
        """
        total = 0 if (timeout.__class__ in _ZERO_TYPES and timeout == 0) else _timeout_ns(timeout)
        h = self._handle
        hot = self._hot
        # Hot path: one C call (the first slice) when a frame is there; slices only after it.
        short = 0 <= total <= _SLICE_NS
        first = total if short else _SLICE_NS
        t0 = time.monotonic_ns() if total > _SLICE_NS else 0
        buf = out
        status = _HOT_SLOW
        if h is not None and out is not None:
            status = _hot_read_next(hot, out, first)
        if status == _HOT_SLOW:
            buf = self._checked_out(out)
            h = self._h()
            status = _hot_read_next(hot, buf, first)
        if status == _raw.SHMHUB_E_TIMEOUT and not short:
            left = -1 if total < 0 else total - (time.monotonic_ns() - t0)
            if total < 0 or left > 0:
                if self._handle is not h:
                    raise ClosedError(_raw.SHMHUB_E_INVALID, self._closed_msg())
                status = _sliced_wait(
                    lambda ns: _hot_read_next(hot, buf, ns), left,
                    lambda: self._handle is not h, self._closed_msg)
        if status:
            if status == _raw.SHMHUB_E_TIMEOUT:
                raise self._timeout_error(f"no frame after #{self.cursor}", timeout)
            check(status)
        return buf if out is None else out

    def read_after(self, seq: int, timeout: Optional[float] = None,
                   out: Optional[np.ndarray] = None) -> np.ndarray:
        """pyshmem's ``read_after``: the first frame after sequence number ``seq`` (lossless from
        there: moves this handle's cursor to ``seq``, then :meth:`read_next`). If that frame was
        already overwritten, the oldest in the ring (``last_info.missed`` > 0)."""
        self.seek(seq)
        return self.read_next(timeout, out)

    def peek(self) -> np.ndarray:
        """Zero-copy: a read-only numpy view of the newest frame inside the ring (no copy). The
        writer may overwrite it at any time (after ``slots`` more frames): compute on it, then call
        :meth:`validate`; only if that returns True is the result from one whole frame.
        ``last_info`` describes the frame. LookupError (EmptyError) before the first frame.

        The view of each ring slot is made once per handle and returned again by later peeks
        that land in the same slot (it is read-only, so it cannot be made writeable); like any
        view it keeps the mapping alive after :meth:`close`."""
        h = self._handle
        if h is None:
            h = self._h()
        addr = _hot_peek(self._hot)
        if addr <= 0:
            check(addr)
        view = self._peek_views.get(addr)
        if view is None:
            view = _make_view(h, addr, self._shape, self._dtype, None, True, None)
            if self._handle is h:  # never cache into a closed stream (the cache would hold h)
                self._peek_views[addr] = view
        return view

    def validate(self) -> bool:
        """True if the frame of the last :meth:`peek` has not been overwritten since."""
        h = self._handle  # held in this frame: a close() meanwhile cannot free the C handle
        if h is None:
            h = self._h()
        status = _hot_validate(self._hot)
        if status == 0:
            return True
        if status == _raw.SHMHUB_E_OVERWRITTEN:
            return False
        if status == _HOT_SLOW:
            raise ValueError(f"stream '{self._name}': validate() without a peek()")
        check(status)
        return False

    def _wait_status(self, timeout: Optional[float]) -> int:
        total = _timeout_ns(timeout)
        h = self._h()
        return _sliced_wait(lambda ns: _raw.shmhub_stream_wait(h.ptr, ns), total,
                            lambda: self._handle is not h, self._closed_msg)

    def wait(self, timeout: Optional[float] = None) -> bool:
        """Waits for a frame newer than the cursor; True if one came, False on timeout (None or
        math.inf: wait forever). Ctrl-C interrupts it."""
        status = self._wait_status(timeout)
        if status == _raw.SHMHUB_E_TIMEOUT:
            return False
        check(status)
        return True

    def read_new(self, timeout: Optional[float] = None,
                 out: Optional[np.ndarray] = None) -> np.ndarray:
        """Waits for a frame newer than the last one this handle returned, then returns the newest
        (skipping any in between). TimeoutError if none comes within ``timeout`` seconds."""
        status = self._wait_status(timeout)
        if status == _raw.SHMHUB_E_TIMEOUT:
            raise self._timeout_error(f"no frame after #{self.cursor}", timeout)
        check(status)
        return self.read(out)

    def wait_for_count(self, n: int, timeout: Optional[float] = None) -> int:
        """pyshmem's ``wait_for_count``: waits until at least ``n`` frames were committed
        (``count >= n``) and returns the count; this handle's cursor is not moved. TimeoutError
        after ``timeout`` seconds (None or math.inf: forever); Ctrl-C interrupts it."""
        n = _index(n, "n", 0, 2**64 - 1)
        total = _timeout_ns(timeout)
        h = self._h()
        count = _raw.shmhub_stream_count(h.ptr)
        if count >= n:
            return count
        # A private read-only handle whose cursor sits at n - 1: its wait ends at frame n.
        opts = _StreamOpts(segment=_SegmentOpts(dir=self._dir, flags=_raw.SHMHUB_READ_ONLY))
        status, aux = _raw.shmhub_stream_open(self._name, opts.raw)
        check(status)
        ah = _stream_handle(aux)
        _raw.shmhub_stream_seek(aux, n - 1)
        status = _sliced_wait(lambda ns: _raw.shmhub_stream_wait(ah.ptr, ns), total,
                              lambda: self._handle is not h, self._closed_msg)
        count = _raw.shmhub_stream_count(ah.ptr)
        del ah
        if status == _raw.SHMHUB_E_TIMEOUT:
            raise self._timeout_error(f"{count} frames, not {n},", timeout)
        check(status)
        return count

    # -- asyncio: waits run in the default executor with the GIL released (no polling loop)
    _ASYNC_SLICE = 0.05  # seconds per blocking wait, so cancellation and close() are seen promptly

    async def _await_frame(self, timeout: Optional[float], what: str) -> None:
        total = _timeout_ns(timeout)
        loop = asyncio.get_running_loop()
        deadline = None if total < 0 else time.monotonic_ns() + total
        h = self._h()  # held by this coroutine: close() cannot free the handle under the executor
        while True:
            part = _SLICE_NS if deadline is None else \
                min(_SLICE_NS, max(0, deadline - time.monotonic_ns()))
            status = await loop.run_in_executor(None, _wait_handle, h, part)
            if status == 0:
                return
            if status != _raw.SHMHUB_E_TIMEOUT:
                check(status)
            if deadline is not None and time.monotonic_ns() >= deadline:
                raise self._timeout_error(what, timeout)
            if self._handle is not h:
                raise ClosedError(_raw.SHMHUB_E_INVALID, self._closed_msg())

    async def read_new_async(self, timeout: Optional[float] = None,
                             out: Optional[np.ndarray] = None) -> np.ndarray:
        """``await s.read_new_async(timeout=1.0)``: read_new() without blocking the event loop."""
        await self._await_frame(timeout, "no new frame")
        return self.read(out)

    async def read_next_async(self, timeout: Optional[float] = None) -> np.ndarray:
        """``await s.read_next_async()``: lossless read_next() without blocking the event loop."""
        await self._await_frame(timeout, "no frame")
        return self.read_next(timeout=0)

    def __aiter__(self) -> AsyncIterator[np.ndarray]:
        return self._aiter()

    async def _aiter(self) -> AsyncIterator[np.ndarray]:
        """``async for frame in s``: every frame in order (lossless), forever."""
        while True:
            yield await self.read_next_async()

    # -- lifetime
    def close(self) -> None:
        """Releases the handle (idempotent); a loan still open is abandoned. Calls waiting in
        other threads raise ClosedError within 50 ms; the C handle is released when they (and
        every view) have let go of it."""
        self._handle = None
        self._peek_views = {}  # the cached slot views hold the handle; views handed out keep it
        self._loan_views = {}

    def unlink(self) -> None:
        """Removes the stream's name (pyshmem's ``unlink``); handles and views stay valid until
        closed. FileNotFoundError if it is already gone."""
        check(_raw.shmhub_unlink_in(self._name, self._dir))

    def __enter__(self) -> "Stream":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __reduce__(self):
        # The cursor travels with the name: a lossless reader handed to a worker resumes where it was.
        cursor = self.cursor if self._handle is not None else 0
        return (_reopen_stream, (self._name, self._dir, self._readonly, self._wait_mode,
                                 self._liveness, cursor))

    def __repr__(self) -> str:
        if self._handle is None:
            return f"<shmhub.Stream {self._name!r} closed>"
        return (f"<shmhub.Stream {self._name!r} {self._dtype} {self._shape} slots={self.slots} "
                f"count={self.count}>")


def _wait_handle(h: _Handle, ns: int) -> int:
    """One C wait on a handle kept alive by the caller (runs in an executor thread)."""
    ptr = h.ptr
    if ptr is None:
        return _raw.SHMHUB_E_TIMEOUT
    return _raw.shmhub_stream_wait(ptr, ns)


_PY_WORDS = (("SHMHUB_WRITER_MULTI", "multi_writer=True"),)


def _check_stream(status: int) -> None:
    """check(), with the C message's enum names put in Python terms."""
    if status:
        try:
            check(status)
        except ShmHubError as e:
            msg = e.message
            for c_word, py_word in _PY_WORDS:
                msg = msg.replace(c_word, py_word)
            raise type(e)(e.code, msg) from None


def _reopen_stream(name: str, dir: Optional[str], readonly: bool, wait: str,
                   liveness: bool, cursor: Optional[int] = None) -> Stream:
    s = Stream.open(name, dir=dir, readonly=readonly, wait=wait, liveness=liveness)
    if cursor is not None:
        s.seek(cursor)
    return s


# The loan's context manager is C (shmhub_raw.i, "loan's context manager"), one per handle:
# ``__enter__`` loans the next slot and returns ``view()`` of the slot's cached writeable view
# (made here on first use); ``__exit__`` makes that view read-only, then commits, or abandons if
# the block raised. It calls back into Python only for a new slot and for errors.

def _loan_view(s: Stream, h: _Handle, addr: int) -> np.ndarray:
    """The writeable view of the ring slot at ``addr``, cached per handle (never for a stream
    closed meanwhile: the cache would hold its handle)."""
    base = np.asarray(_ViewOwner(h, addr, s._shape, s._dtype.str, None, False))
    if s._handle is h:
        s._loan_views[addr] = base
    return base


def _loan_failed(s: Optional[Stream], h: Optional[_Handle], status: int) -> None:
    """Raises the exception for a failed loan, commit or abandon."""
    if s is not None:
        if h is None:
            s._h()  # ClosedError
        if status == _HOT_SLOW:
            s._writer_check(h)  # a single-writer handle inherited across fork: BusyError
    _check_stream(status)
    raise InvalidError(_raw.SHMHUB_E_INVALID, f"loan failed (status {status})")
