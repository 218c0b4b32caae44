"""SharedDict: a crash-safe shared dictionary (``collections.abc.MutableMapping[str, Any]``).

Values are stored typed, so C, Rust and Julia read the same bytes: ``int`` (64-bit) as
``SHMHUB_VALUE_I64``, ``float`` as ``F64``, ``str`` as ``STR``, ``bytes``/``bytearray`` as
``BYTES``, numpy arrays of a supported dtype as ``NDARRAY``; anything else (``bool``, ``None``,
big ints, tuples...) is pickled (``PICKLE``). A reader never sees a torn value; a process killed
mid-write leaves every key at its old or new value (docs/containers.md).

    >>> d = SharedDict.create("cache", capacity=10_000, value_bytes=64 << 20)
    >>> d["model"] = "v2"; d.add("hits")        # atomic counter
    >>> SharedDict.open("cache")["model"]        # any process, by name
    'v2'
"""

from __future__ import annotations

import pickle
import struct
from collections.abc import MutableMapping
from typing import Any, Iterator, Optional

import numpy as np

from . import raw as _raw
# A set in one C call: METH_FASTCALL function of the extension (shmhub_raw.i, end of file).
from ._raw import dict_set_value as _set_value
# A get in one C call: the value itself for int/float/str/bytes, else (status, type, data).
from ._raw import dict_get_value_fast as _get_value
from ._core import _HOT_SLOW, _check_version, _Handle, _np_dtype, _SegmentOpts, _timeout_ns
from ._errors import InvalidError, check

__all__ = ["SharedDict"]

_BYTES = _raw.SHMHUB_VALUE_BYTES
_I64 = _raw.SHMHUB_VALUE_I64
_F64 = _raw.SHMHUB_VALUE_F64
_STR = _raw.SHMHUB_VALUE_STR
_NDARRAY = _raw.SHMHUB_VALUE_NDARRAY
_PICKLE = _raw.SHMHUB_VALUE_PICKLE
_NOT_FOUND = _raw.SHMHUB_E_NOT_FOUND
_INVALID = _raw.SHMHUB_E_INVALID
_I64_MIN, _I64_MAX = -(1 << 63), (1 << 63) - 1


def _encode(value: Any):
    """(type code, bytes-like) for a Python value."""
    t = type(value)
    if t is int and _I64_MIN <= value <= _I64_MAX:
        return _I64, struct.pack("<q", value)
    if t is float:
        return _F64, struct.pack("<d", value)
    if t is str:
        return _STR, value.encode("utf-8", "surrogatepass")
    if t is bytes or t is bytearray:
        return _BYTES, value
    if isinstance(value, np.ndarray) and value.dtype.kind in "biufc" and value.dtype.byteorder != ">":
        status, code = _raw.shmhub_dtype_from_str(value.dtype.str)
        if status == 0:
            arr = np.ascontiguousarray(value)
            head = struct.pack("<II", code, arr.ndim) + struct.pack(f"<{arr.ndim}Q", *arr.shape)
            return _NDARRAY, head + arr.tobytes()
    return _PICKLE, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


def _decode(type_code: int, data: bytes, key: str, name: str) -> Any:
    if type_code == _I64:
        return struct.unpack("<q", data)[0]
    if type_code == _F64:
        return struct.unpack("<d", data)[0]
    if type_code == _STR:
        return data.decode("utf-8", "surrogatepass")
    if type_code == _BYTES:
        return data
    if type_code == _NDARRAY:
        dtype_code, ndim = struct.unpack_from("<II", data)
        shape = struct.unpack_from(f"<{ndim}Q", data, 8)
        return np.frombuffer(data, _np_dtype(dtype_code), offset=8 + 8 * ndim).reshape(shape).copy()
    if type_code == _PICKLE:
        return pickle.loads(data)
    raise InvalidError(_raw.SHMHUB_E_INVALID,
                       f"dict '{name}': key '{key}' holds a value of unknown type {type_code}")


class SharedDict(MutableMapping):
    """A shared dictionary of ``str`` keys (1 to 255 bytes of UTF-8, no NUL). Pickles by name."""

    def __init__(self, ptr: Any, dir: Optional[str], readonly: bool) -> None:
        self._handle: Optional[_Handle] = _Handle(ptr, _raw.shmhub_dict_close, 0, 0)
        self._ptr = ptr
        seg = _raw.shmhub_dict_segment(ptr)
        self.name: str = _raw.shmhub_segment_name(seg)
        self.path: str = _raw.shmhub_segment_path(seg)
        self.dir = dir
        self.readonly = readonly

    @staticmethod
    def _opts(lock_timeout: Optional[float], sopts: _SegmentOpts, capacity: int = 1024,
              value_bytes: int = 1 << 20):
        o = _raw.shmhub_dict_opts()
        o.capacity = capacity
        o.value_bytes = value_bytes
        o.lock_timeout_ns = _timeout_ns(lock_timeout)
        _raw.dict_opts_set_segment(o, sopts.raw)
        return o

    @classmethod
    def create(cls, name: str, capacity: int = 1024, value_bytes: int = 1 << 20, *,
               dir: Optional[str] = None, mode: int = 0o600, unlink_on_close: bool = False,
               lock_timeout: Optional[float] = 5.0) -> "SharedDict":
        """Creates dictionary ``name`` for at most ``capacity`` keys and ``value_bytes`` bytes of
        keys and values (16 bytes per entry included; a rewrite needs room for old and new)."""
        _check_version()
        if not (0 < capacity < 2**32) or not (0 < value_bytes < 2**64):
            raise InvalidError(_raw.SHMHUB_E_INVALID,
                               f"dict '{name}': capacity {capacity} or value_bytes {value_bytes} "
                               "out of range")
        sopts = _SegmentOpts(mode=mode, dir=dir,
                             flags=_raw.SHMHUB_UNLINK_ON_CLOSE if unlink_on_close else 0)
        o = cls._opts(lock_timeout, sopts, capacity, value_bytes)
        status, ptr = _raw.shmhub_dict_create(name, o)
        check(status)
        return cls(ptr, dir, False)

    @classmethod
    def open(cls, name: str, *, dir: Optional[str] = None, readonly: bool = False,
             lock_timeout: Optional[float] = 5.0, timeout: Optional[float] = 1.0) -> "SharedDict":
        """Opens dictionary ``name`` (any process)."""
        _check_version()
        sopts = _SegmentOpts(dir=dir, flags=_raw.SHMHUB_READ_ONLY if readonly else 0,
                             timeout=timeout)
        status, ptr = _raw.shmhub_dict_open(name, cls._opts(lock_timeout, sopts))
        check(status)
        return cls(ptr, dir, readonly)

    # ---- lifetime ----------------------------------------------------------------------------
    def _h(self) -> _Handle:
        """The C handle's owner, for a local that holds it across a C call: a close() in another
        thread while the call runs (the GIL released) then cannot free the handle under it."""
        h = self._handle
        if h is None:
            raise ValueError(f"dict '{self.name}' is closed")
        return h

    def close(self) -> None:
        """Closes this handle (idempotent); never unlinks unless created with unlink_on_close."""
        self._handle = None
        self._ptr = None

    @property
    def closed(self) -> bool:
        return self._handle is None

    def __enter__(self) -> "SharedDict":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __reduce__(self):
        return (_reopen, (self.name, self.dir, self.readonly))

    def __repr__(self) -> str:
        state = "closed" if self.closed else f"{len(self)} keys"
        return f"<shmhub.SharedDict '{self.name}' {state}>"

    # ---- the mapping -------------------------------------------------------------------------
    def __getitem__(self, key: str) -> Any:
        h = self._h()
        r = _get_value(h.ptr, key)
        if r.__class__ is not tuple:
            return r
        status, type_code, data = r
        if status == _INVALID:  # a key the fast path does not take: the checked call says why
            status, type_code, data = _raw.dict_get_value(h.ptr, key)
        if status == _NOT_FOUND:
            raise KeyError(key)
        check(status)
        return _decode(type_code, data, key, self.name)

    def __setitem__(self, key: str, value: Any) -> None:
        # int/float/str/bytes in one C call; anything else (and bad keys) the checked way.
        h = self._h()
        status = _set_value(h.ptr, key, value)
        if status == _HOT_SLOW:
            type_code, data = _encode(value)
            status = _raw.shmhub_dict_set(h.ptr, key, type_code, data)
        if status:
            check(status)

    def __delitem__(self, key: str) -> None:
        h = self._h()
        status = _raw.shmhub_dict_delete(h.ptr, key)
        if status == _NOT_FOUND:
            raise KeyError(key)
        check(status)

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        h = self._h()
        status = _raw.shmhub_dict_contains(h.ptr, key)
        if status == _NOT_FOUND:
            return False
        check(status)
        return True

    def __len__(self) -> int:
        h = self._h()
        return int(_raw.shmhub_dict_len(h.ptr))

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys_snapshot())

    def keys_snapshot(self) -> list:
        """The keys, sorted, as one consistent snapshot."""
        h = self._h()
        status, lst = _raw.shmhub_dict_keys(h.ptr)
        check(status)
        try:
            return [_raw.shmhub_list_name(lst, i) for i in range(_raw.shmhub_list_count(lst))]
        finally:
            _raw.shmhub_list_close(lst)

    def clear(self) -> None:
        """Removes every key at once (one atomic switch)."""
        h = self._h()
        check(_raw.shmhub_dict_clear(h.ptr))

    # ---- counters ----------------------------------------------------------------------------
    def add(self, key: str, n: int = 1) -> int:
        """Atomically adds ``n`` to the int counter ``key`` (a missing key starts at 0); returns
        the new value (wrapping around at 64 bits)."""
        h = self._h()
        status, new = _raw.shmhub_dict_add_i64(h.ptr, key, n)
        check(status)
        return new

    def compare_and_set(self, key: str, expected: int, new: int) -> bool:
        """Atomically sets int ``key`` to ``new`` if it equals ``expected``; True if it did."""
        h = self._h()
        status, actual = _raw.shmhub_dict_cas_i64(h.ptr, key, expected, new)
        if status == _NOT_FOUND:
            raise KeyError(key)
        check(status)
        return actual == expected

    # ---- figures -----------------------------------------------------------------------------
    @property
    def capacity(self) -> int:
        h = self._h()
        return int(_raw.shmhub_dict_capacity(h.ptr))

    @property
    def value_bytes(self) -> int:
        h = self._h()
        return int(_raw.shmhub_dict_value_bytes(h.ptr))

    @property
    def bytes_used(self) -> int:
        h = self._h()
        return int(_raw.shmhub_dict_bytes_used(h.ptr))

    @property
    def writes(self) -> int:
        h = self._h()
        return int(_raw.shmhub_dict_writes(h.ptr))

    @property
    def recoveries(self) -> int:
        """How many times a caller took the lock over from a process that died holding it."""
        h = self._h()
        return int(_raw.shmhub_dict_recoveries(h.ptr))


def _reopen(name: str, dir: Optional[str], readonly: bool) -> SharedDict:
    return SharedDict.open(name, dir=dir, readonly=readonly)
