"""The Pythonic layer over the SWIG module ``shmhub.raw`` (which mirrors abi/shmhub.h).

Lifetime rule: a ``Segment`` or ``Stream`` owns a ``_Handle``; every numpy view holds a reference
to that ``_Handle`` through its ``base`` chain. ``close()`` drops the object's own reference, so the
object becomes unusable at once, but the mapping stays valid until the last view dies (like
``numpy.memmap``). Nothing here unlinks a segment unless asked (``unlink()`` or
``unlink_on_close=True``); this module never imports ``multiprocessing.shared_memory``.
"""

from __future__ import annotations

import asyncio
import ctypes
import os
import time
from collections import namedtuple
from typing import Any, AsyncIterator, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from . import raw as _raw
from ._errors import InvalidError, ShmHubError, WaitTimeoutError, check

_NS = 1_000_000_000

#: What a stream read returned: sequence number (first frame is 1), commit time (seconds since the
#: epoch, CLOCK_REALTIME) and how many frames were skipped since this handle's previous read.
FrameInfo = namedtuple("FrameInfo", ["seq", "timestamp", "missed"])

DTypeLike = Union[str, type, np.dtype]
ShapeLike = Union[int, Sequence[int]]

_version_checked = False


def _check_version() -> None:
    global _version_checked
    if not _version_checked:
        check(_raw.shmhub_check_version(_raw.SHMHUB_VERSION_NUMBER))
        _version_checked = True


def _timeout_ns(timeout: Optional[float]) -> int:
    """None waits forever (-1); seconds become nanoseconds; 0 tries once."""
    if timeout is None:
        return -1
    if timeout < 0:
        raise ValueError(f"timeout must be None or >= 0 seconds, not {timeout!r}")
    return min(int(timeout * _NS), 2**63 - 1)


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


def _shape(shape: ShapeLike) -> Tuple[int, ...]:
    out = (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(d) for d in shape)
    if any(d < 0 for d in out):
        raise InvalidError(_raw.SHMHUB_E_INVALID, f"shape {shape!r} has a negative extent")
    return out


class _SegmentOpts:
    """shmhub_segment_opts plus the bytes its ``dir`` pointer refers to (kept alive here)."""

    def __init__(self, *, mode: int = 0o600, dir: Optional[str] = None, flags: int = 0,
                 timeout: Optional[float] = 1.0) -> None:
        self.raw = _raw.shmhub_segment_opts()
        self.raw.mode = mode
        self.raw.flags = flags
        self.raw.open_timeout_ns = _timeout_ns(timeout)
        if dir and "\x00" in dir:  # create_string_buffer would silently truncate it
            raise InvalidError(_raw.SHMHUB_E_INVALID, f"directory {dir!r} contains a NUL character")
        self._dir = ctypes.create_string_buffer(dir.encode()) if dir else None
        if self._dir is not None:
            _raw.segment_opts_set_dir(self.raw, ctypes.addressof(self._dir))


class _Handle:
    """Owns one C handle; closes it when the last Python reference (object or view) dies."""

    __slots__ = ("ptr", "close_fn", "base", "size", "__weakref__")

    def __init__(self, ptr: Any, close_fn: Any, base: int, size: int) -> None:
        self.ptr = ptr
        self.close_fn = close_fn
        self.base = base
        self.size = size

    def __del__(self) -> None:
        ptr, self.ptr = self.ptr, None
        if ptr is not None and self.close_fn is not None:
            self.close_fn(ptr)


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


class SharedArray(np.ndarray):
    """A numpy view of shared memory. Pickles **by name**: the receiving process reopens the
    segment and gets a zero-copy view of the same bytes (views of views keep their offset and
    strides). Arrays computed from it (``a + 1``) are ordinary memory and pickle by value."""

    _shm: Optional[Tuple[str, Optional[str], str, int, int, bool]]  # seg, dir, array, base, size, ro

    def __array_finalize__(self, obj: Any) -> None:
        meta = getattr(obj, "_shm", None)
        if meta is not None:
            addr = self.__array_interface__["data"][0]
            if not (meta[3] <= addr < meta[3] + max(meta[4], 1)):
                meta = None  # new memory (a ufunc result...), not a view of the mapping
        self._shm = meta

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


# Reopened segments of this process, reused by unpickled views (one mapping per name and dir).
_reopened: Dict[Tuple[str, Optional[str], bool], Tuple["Segment", Tuple[int, int]]] = {}


def _file_id(path: str) -> Tuple[int, int]:
    st = os.stat(path)
    return st.st_dev, st.st_ino


def _reopen(name: str, dir: Optional[str], readonly: bool) -> "Segment":
    # The cached mapping is reused only while the name still refers to the same file: a segment
    # unlinked (and perhaps created again under its name) must not be served from a stale mapping.
    key = (name, dir, readonly)
    cached = _reopened.get(key)
    if cached is not None and cached[0]._handle is not None:
        seg, fid = cached
        try:
            if _file_id(seg.path) == fid:
                return seg
        except OSError:
            pass
    seg = Segment.open(name, dir=dir, readonly=readonly)
    _reopened[key] = (seg, _file_id(seg.path))
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
    return _make_view(seg._handle, meta[3] + offset, tuple(shape), dtype, tuple(strides), readonly,
                      meta)


# ---- segments ------------------------------------------------------------------------------------

class Segment(Mapping[str, SharedArray]):
    """A named shared-memory segment of typed N-d arrays; a read-only mapping name → numpy view.

    Create with :func:`create`, attach with :func:`open`. ``seg["close"]`` is a zero-copy,
    C-contiguous, 64-byte aligned numpy array of the segment's memory.
    """

    def __init__(self, handle: _Handle, readonly: bool, dir: Optional[str]) -> None:
        self._handle: Optional[_Handle] = handle
        self._readonly = readonly
        self._dir = dir
        seg = handle.ptr
        self._name: str = _raw.shmhub_segment_name(seg)
        self._views: Dict[str, SharedArray] = {}
        self._order: List[str] = []
        for i in range(_raw.shmhub_segment_array_count(seg)):
            status, arr = _raw.shmhub_segment_array_at(seg, i)
            check(status)
            self._order.append(_raw.shmhub_array_name(arr))

    # -- constructors
    @classmethod
    def create(cls, name: str, arrays: Mapping[str, Tuple[ShapeLike, DTypeLike]], *,
               mode: int = 0o600, dir: Optional[str] = None, unlink_on_close: bool = False,
               prefault: bool = False) -> "Segment":
        """Creates segment ``name`` holding ``arrays`` ({array name: (shape, dtype)}), zero-filled.

        Raises FileExistsError (ExistsError) if the name exists, ValueError for bad names,
        dtypes or shapes, MemoryError (SpaceError) when shared memory is full.
        """
        _check_version()
        status, layout = _raw.shmhub_layout_new()
        check(status)
        try:
            for arr_name, spec in arrays.items():
                try:
                    shape, dtype = spec
                except (TypeError, ValueError):
                    raise ValueError(f"array {arr_name!r}: expected (shape, dtype), got {spec!r}") from None
                code, _ = _dtype_code(dtype)
                shp = _shape(shape)
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
        return cls(_segment_handle(seg), False, dir)

    @classmethod
    def open(cls, name: str, *, dir: Optional[str] = None, readonly: bool = False,
             timeout: Optional[float] = 1.0, allow_foreign_owner: bool = False,
             prefault: bool = False) -> "Segment":
        """Opens segment ``name`` (validated before use). Raises FileNotFoundError (NotFoundError),
        ValueError (CorruptError) for a corrupt or incompatible segment, TimeoutError while its
        creator is still initialising it past ``timeout`` seconds."""
        _check_version()
        flags = (_raw.SHMHUB_READ_ONLY if readonly else 0) | \
                (_raw.SHMHUB_ALLOW_FOREIGN_OWNER if allow_foreign_owner else 0) | \
                (_raw.SHMHUB_PREFAULT if prefault else 0)
        opts = _SegmentOpts(dir=dir, flags=flags, timeout=timeout)
        status, seg = _raw.shmhub_segment_open(name, opts.raw)
        check(status)
        return cls(_segment_handle(seg), readonly, dir)

    # -- access
    def _ptr(self) -> Any:
        if self._handle is None:
            raise InvalidError(_raw.SHMHUB_E_INVALID, f"segment '{self._name}' is closed")
        return self._handle.ptr

    def __getitem__(self, array_name: str) -> SharedArray:
        view = self._views.get(array_name)
        if view is not None:
            return view
        status, arr = _raw.shmhub_segment_find(self._ptr(), array_name)
        check(status)
        ndim = _raw.shmhub_array_ndim(arr)
        shape = _raw.shape_tuple(_raw.shmhub_array_shape(arr), ndim)
        dtype = _np_dtype(_raw.shmhub_array_dtype(arr))
        addr = _raw.shmhub_array_data(arr)
        nbytes = _raw.shmhub_array_nbytes(arr)
        meta = (self._name, self._dir, array_name, addr, nbytes, self._readonly)
        view = _make_view(self._handle, addr, shape, dtype, None, self._readonly, meta)
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
        return self._name

    @property
    def path(self) -> str:
        return _raw.shmhub_segment_path(self._ptr())

    @property
    def kind(self) -> str:
        return _raw.shmhub_kind_name(_raw.shmhub_segment_kind(self._ptr()))

    @property
    def size(self) -> int:
        return _raw.shmhub_segment_size(self._ptr())

    @property
    def creator_pid(self) -> int:
        return _raw.shmhub_segment_creator_pid(self._ptr())

    @property
    def created(self) -> float:
        """Creation time, seconds since the epoch."""
        return _raw.shmhub_segment_created_ns(self._ptr()) / _NS

    @property
    def readonly(self) -> bool:
        return self._readonly

    @property
    def closed(self) -> bool:
        return self._handle is None

    def info(self) -> Dict[str, Any]:
        """Everything ``shmhub info`` shows, as a dict."""
        seg = self._ptr()
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
    return _Handle(seg, _raw.shmhub_segment_close, 0, _raw.shmhub_segment_size(seg))


def _raw_u64_ptr(arr: "ctypes.Array[ctypes.c_uint64]") -> Any:
    """A SWIG `uint64_t *` for a ctypes array (the raw module has no numpy dependency)."""
    return _raw.u64_from_addr(ctypes.addressof(arr))


# ---- module-level helpers -----------------------------------------------------------------------

def create(name: str, arrays: Mapping[str, Tuple[ShapeLike, DTypeLike]], **kwargs: Any) -> Segment:
    """Creates a segment: ``shmhub.create("prices", {"close": ((1000, 500), np.float32)})``."""
    return Segment.create(name, arrays, **kwargs)


def open(name: str, **kwargs: Any) -> Segment:  # noqa: A001 - mirrors the C verb
    """Opens an existing segment by name (see :meth:`Segment.open`)."""
    return Segment.open(name, **kwargs)


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
    def __init__(self, *, slots: int = 8, multi_writer: bool = False, wait: str = "futex",
                 spin: float = 50e-6, liveness: bool = False, lock_timeout: Optional[float] = 5.0,
                 segment: Optional[_SegmentOpts] = None) -> None:
        if wait not in _WAIT_MODES:
            raise ValueError(f"wait must be one of {sorted(_WAIT_MODES)}, not {wait!r}")
        self.raw = _raw.shmhub_stream_opts()
        self.raw.slots = slots
        self.raw.writer_mode = _raw.SHMHUB_WRITER_MULTI if multi_writer else _raw.SHMHUB_WRITER_SINGLE
        self.raw.wait_mode = _WAIT_MODES[wait]
        self.raw.spin_ns = int(spin * _NS)
        self.raw.flags = _raw.SHMHUB_STREAM_LIVENESS if liveness else 0
        self.raw.lock_timeout_ns = _timeout_ns(lock_timeout)
        self.segment = segment  # kept alive while the C struct points at it
        if segment is not None:
            _raw.stream_opts_set_segment(self.raw, segment.raw)


class Stream:
    """A live stream of frames of one shape and dtype: never-torn latest reads, lossless reads,
    futex waits (the GIL is released), zero-copy loans, asyncio. See docs/streams.md."""

    def __init__(self, ptr: Any, dir: Optional[str], readonly: bool, wait: str,
                 liveness: bool) -> None:
        self._handle: Optional[_Handle] = _Handle(ptr, _raw.shmhub_stream_close, 0, 0)
        self._dir = dir
        self._readonly = readonly
        self._wait_mode = wait
        self._liveness = liveness
        self._name: str = _raw.shmhub_segment_name(_raw.shmhub_stream_segment(ptr))
        self._shape: Tuple[int, ...] = _raw.shape_tuple(_raw.shmhub_stream_shape(ptr),
                                                        _raw.shmhub_stream_ndim(ptr))
        self._dtype: np.dtype = _np_dtype(_raw.shmhub_stream_dtype(ptr))
        self._nbytes: int = _raw.shmhub_stream_frame_nbytes(ptr)
        self._info = _raw.shmhub_frame_info()
        self._last_info: Optional[FrameInfo] = None
        self._info_pending = False  # _info holds a successful read not yet turned into _last_info

    @classmethod
    def create(cls, name: str, shape: ShapeLike, dtype: DTypeLike, *, slots: int = 8,
               multi_writer: bool = False, wait: str = "futex", spin: float = 50e-6,
               liveness: bool = False, lock_timeout: Optional[float] = 5.0, mode: int = 0o600,
               dir: Optional[str] = None, unlink_on_close: bool = False,
               prefault: bool = False) -> "Stream":
        """Creates stream ``name`` of frames with ``shape`` and ``dtype`` and ``slots`` in its ring."""
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
        return cls(ptr, dir, False, wait, liveness)

    @classmethod
    def open(cls, name: str, *, dir: Optional[str] = None, readonly: bool = False,
             wait: str = "futex", spin: float = 50e-6, liveness: bool = False,
             lock_timeout: Optional[float] = 5.0, timeout: Optional[float] = 1.0,
             shape: Optional[ShapeLike] = None, dtype: Optional[DTypeLike] = None) -> "Stream":
        """Opens stream ``name``; its cursor starts at the newest frame. With ``shape``/``dtype``
        given, raises ValueError if the stream's differ."""
        _check_version()
        flags = _raw.SHMHUB_READ_ONLY if readonly else 0
        sopts = _SegmentOpts(dir=dir, flags=flags, timeout=timeout)
        opts = _StreamOpts(wait=wait, spin=spin, liveness=liveness, lock_timeout=lock_timeout,
                           segment=sopts)
        status, ptr = _raw.shmhub_stream_open(name, opts.raw)
        check(status)
        s = cls(ptr, dir, readonly, wait, liveness)
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

    # -- properties
    def _ptr(self) -> Any:
        if self._handle is None:
            raise InvalidError(_raw.SHMHUB_E_INVALID, f"stream '{self._name}' is closed")
        return self._handle.ptr

    name = property(lambda self: self._name)
    shape = property(lambda self: self._shape)
    dtype = property(lambda self: self._dtype)
    nbytes = property(lambda self: self._nbytes, doc="Bytes per frame.")
    closed = property(lambda self: self._handle is None)

    @property
    def slots(self) -> int:
        return _raw.shmhub_stream_slots(self._ptr())

    @property
    def multi_writer(self) -> bool:
        return _raw.shmhub_stream_writer_mode(self._ptr()) == _raw.SHMHUB_WRITER_MULTI

    @property
    def count(self) -> int:
        """Frames committed so far (the newest sequence number)."""
        return _raw.shmhub_stream_count(self._ptr())

    @property
    def last_write_time(self) -> Optional[float]:
        """Time of the newest commit (seconds since the epoch), or None before the first."""
        ns = _raw.shmhub_stream_last_write_ns(self._ptr())
        return ns / _NS if ns else None

    @property
    def cursor(self) -> int:
        """Sequence number of the last frame this handle returned."""
        return _raw.shmhub_stream_cursor(self._ptr())

    def seek(self, seq: int) -> None:
        """The next read_next() returns frame seq + 1 (or the oldest in the ring; 0 replays it)."""
        _raw.shmhub_stream_seek(self._ptr(), seq)

    @property
    def writer_pid(self) -> int:
        return _raw.shmhub_stream_writer_pid(self._ptr())

    @property
    def recoveries(self) -> int:
        return _raw.shmhub_stream_recoveries(self._ptr())

    # -- writing
    def write(self, frame: Any) -> None:
        """Publishes one frame (copied). ``frame`` must have the stream's shape (any array-like;
        converted to the stream's dtype, C order)."""
        # np.asarray(order="C"), not np.ascontiguousarray, which turns a 0-d frame into shape (1,)
        arr = np.asarray(frame, dtype=self._dtype, order="C")
        if arr.shape != self._shape:
            raise InvalidError(_raw.SHMHUB_E_SIZE,
                               f"stream '{self._name}': frame shape {arr.shape}, expected {self._shape}")
        check(_raw.shmhub_stream_write(self._ptr(), arr))

    def loan(self) -> "_Loan":
        """``with s.loan() as buf: buf[...] = ...`` writes in place; committed on exit, abandoned
        if the block raises. ``buf`` must not be used after the block."""
        return _Loan(self)

    # -- reading
    def _out(self, out: Optional[np.ndarray]) -> np.ndarray:
        if out is None:
            return np.empty(self._shape, self._dtype)
        if out.shape != self._shape or out.dtype != self._dtype or not out.flags.c_contiguous:
            raise InvalidError(_raw.SHMHUB_E_SIZE,
                               f"stream '{self._name}': out must be a C-contiguous {self._dtype} "
                               f"array of shape {self._shape}")
        return out

    def _finish(self, status: int, out: np.ndarray) -> np.ndarray:
        if status:
            check(status)
        # last_info is built on demand: reading three SWIG fields and making a namedtuple costs
        # more than the C read itself for small frames (measured: 1.8 us of 3.5 us at 100x100).
        self._info_pending = True
        return out

    @property
    def last_info(self) -> Optional[FrameInfo]:
        """FrameInfo(seq, timestamp, missed) of this handle's last successful read or peek."""
        if self._info_pending:
            i = self._info
            self._last_info = FrameInfo(i.seq, i.timestamp_ns / _NS, i.missed)
            self._info_pending = False
        return self._last_info

    def read(self, out: Optional[np.ndarray] = None) -> np.ndarray:
        """The newest frame, never torn (a copy; into ``out`` if given). LookupError (EmptyError)
        before the first frame. ``last_info`` says which frame it was."""
        buf = self._out(out)
        return self._finish(_raw.shmhub_stream_read_latest(self._ptr(), buf, self._info), buf)

    def read_next(self, timeout: Optional[float] = None,
                  out: Optional[np.ndarray] = None) -> np.ndarray:
        """Lossless: the frame after this handle's cursor, waiting up to ``timeout`` seconds
        (None: forever) with the GIL released. After an overrun, the oldest frame still in the
        ring; ``last_info.missed`` counts the frames lost. TimeoutError on timeout."""
        buf = self._out(out)
        return self._finish(_raw.shmhub_stream_read_next(self._ptr(), buf, _timeout_ns(timeout),
                                                         self._info), buf)

    def peek(self) -> np.ndarray:
        """Zero-copy: a read-only numpy view of the newest frame inside the ring (no copy). The
        writer may overwrite it at any time (after ``slots`` more frames): compute on it, then call
        :meth:`validate`; only if that returns True is the result from one whole frame.
        ``last_info`` describes the frame. LookupError (EmptyError) before the first frame."""
        status, addr = _raw.shmhub_stream_peek(self._ptr(), self._info)
        check(status)
        self._info_pending = True
        info = self.last_info
        assert info is not None
        self._peeked = (info.seq, self._info.timestamp_ns)
        assert self._handle is not None
        return _make_view(self._handle, addr, self._shape, self._dtype, None, True, None)

    def validate(self) -> bool:
        """True if the frame of the last :meth:`peek` has not been overwritten since."""
        seq, ts = getattr(self, "_peeked", (0, 0))
        if not seq:
            raise ValueError(f"stream '{self._name}': validate() without a peek()")
        info = _raw.shmhub_frame_info()
        info.seq, info.timestamp_ns = seq, ts
        status = _raw.shmhub_stream_validate(self._ptr(), info)
        if status == _raw.SHMHUB_E_OVERWRITTEN:
            return False
        check(status)
        return True

    def wait(self, timeout: Optional[float] = None) -> bool:
        """Waits for a frame newer than the cursor; True if one came, False on timeout."""
        status = _raw.shmhub_stream_wait(self._ptr(), _timeout_ns(timeout))
        if status == _raw.SHMHUB_E_TIMEOUT:
            return False
        check(status)
        return True

    def read_new(self, timeout: Optional[float] = None,
                 out: Optional[np.ndarray] = None) -> np.ndarray:
        """Waits for a frame newer than the last one this handle returned, then returns the newest
        (skipping any in between). TimeoutError if none comes within ``timeout`` seconds."""
        check(_raw.shmhub_stream_wait(self._ptr(), _timeout_ns(timeout)))
        return self.read(out)

    # -- asyncio: waits run in the default executor with the GIL released (no polling loop)
    _ASYNC_SLICE = 0.25  # seconds per blocking wait, so cancellation is honoured promptly

    async def read_new_async(self, timeout: Optional[float] = None,
                             out: Optional[np.ndarray] = None) -> np.ndarray:
        """``await s.read_new_async(timeout=1.0)``: read_new() without blocking the event loop."""
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else time.monotonic() + timeout
        ptr = self._ptr()
        while True:
            left = self._ASYNC_SLICE if deadline is None else max(0.0, deadline - time.monotonic())
            part = min(left, self._ASYNC_SLICE)
            status = await loop.run_in_executor(None, _raw.shmhub_stream_wait, ptr,
                                                _timeout_ns(part))
            if status == 0:
                return self.read(out)
            if status != _raw.SHMHUB_E_TIMEOUT:
                check(status)
            if deadline is not None and time.monotonic() >= deadline:
                raise WaitTimeoutError(_raw.SHMHUB_E_TIMEOUT,
                                       f"stream '{self._name}': no new frame within {timeout} s")

    async def read_next_async(self, timeout: Optional[float] = None) -> np.ndarray:
        """``await s.read_next_async()``: lossless read_next() without blocking the event loop."""
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = self._ASYNC_SLICE if deadline is None else max(0.0, deadline - time.monotonic())
            part = min(left, self._ASYNC_SLICE)
            status = await loop.run_in_executor(None, self._wait_once, part)
            if status == 0:
                return self.read_next(timeout=0)
            if status != _raw.SHMHUB_E_TIMEOUT:
                check(status)
            if deadline is not None and time.monotonic() >= deadline:
                raise WaitTimeoutError(_raw.SHMHUB_E_TIMEOUT,
                                       f"stream '{self._name}': no frame within {timeout} s")

    def _wait_once(self, seconds: float) -> int:
        return _raw.shmhub_stream_wait(self._ptr(), _timeout_ns(seconds))

    def __aiter__(self) -> AsyncIterator[np.ndarray]:
        return self._aiter()

    async def _aiter(self) -> AsyncIterator[np.ndarray]:
        """``async for frame in s``: every frame in order (lossless), forever."""
        while True:
            yield await self.read_next_async()

    # -- lifetime
    def close(self) -> None:
        """Releases the handle (idempotent); a loan still open is abandoned."""
        self._handle = None

    def __enter__(self) -> "Stream":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __reduce__(self):
        return (_reopen_stream, (self._name, self._dir, self._readonly, self._wait_mode,
                                 self._liveness))

    def __repr__(self) -> str:
        if self._handle is None:
            return f"<shmhub.Stream {self._name!r} closed>"
        return (f"<shmhub.Stream {self._name!r} {self._dtype} {self._shape} slots={self.slots} "
                f"count={self.count}>")


def _reopen_stream(name: str, dir: Optional[str], readonly: bool, wait: str,
                   liveness: bool) -> Stream:
    return Stream.open(name, dir=dir, readonly=readonly, wait=wait, liveness=liveness)


class _Loan:
    def __init__(self, stream: Stream) -> None:
        self._stream = stream
        self._open = False

    def __enter__(self) -> np.ndarray:
        s = self._stream
        status, addr = _raw.shmhub_stream_loan(s._ptr())
        check(status)
        self._open = True
        assert s._handle is not None
        return _make_view(s._handle, addr, s._shape, s._dtype, None, False, None)

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if not self._open:
            return
        self._open = False
        ptr = self._stream._ptr()
        if exc_type is None:
            check(_raw.shmhub_stream_commit(ptr))
        else:
            check(_raw.shmhub_stream_abandon(ptr))
