"""The ``shmhub`` console command of the Python package (``shmhub ...`` after ``pip install``, or
``python -m shmhub ...``): ``list``, ``info``, ``watch``, ``unlink`` and ``purge``, with the same
output, ``--json`` and exit status (0 success, 1 an operation failed, 2 usage error) as the C
command (src/cli/); a test compares the two on the same segments. It uses only the raw
module, call for call as the C command does. ``create`` stays with the C command.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from typing import Any, Dict, List, Optional, Sequence, Tuple

from . import raw as _raw

EXIT_OK, EXIT_ERR, EXIT_USAGE = 0, 1, 2
RATE_SAMPLE_S = 0.2
ROW_CELL_MAX = 1024 + 64 - 1  # a table cell of src/cli/cli.h, without its NUL


# ---- formatting, as src/cli/output.c -----------------------------------------------------------

def pid_alive(pid: int) -> bool:
    """kill(pid, 0) succeeds or says EPERM (exists, someone else's): the C command's test."""
    if pid <= 0 or pid > 2**31 - 1:
        return False
    try:
        os.kill(pid, 0)
    except PermissionError:
        return True
    except OSError:
        return False
    return True


def fmt_size(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    units = ("KiB", "MiB", "GiB", "TiB", "PiB", "EiB")
    v = n / 1024.0
    u = 0
    while v >= 1024.0 and u + 1 < len(units):
        v /= 1024.0
        u += 1
    return "%.1f %s" % (v, units[u])


def fmt_age(seconds: float) -> str:
    if not seconds >= 1:
        return "0s"
    for secs, unit in ((86400, "d"), (3600, "h"), (60, "m"), (1, "s")):
        if seconds >= secs:
            v = seconds / secs
            return f"{int(v)}{unit}" if v < 1e15 else "%.3g%s" % (v, unit)
    return "0s"  # pragma: no cover


def fmt_time(ns: int) -> str:
    sec, rem = divmod(ns, 1_000_000_000)
    try:
        t = time.gmtime(sec)
    except (OverflowError, OSError, ValueError):
        return f"{ns} ns"
    return time.strftime("%Y-%m-%dT%H:%M:%S", t) + ".%03dZ" % (rem // 1_000_000)


def fmt_write_age(age_s: float) -> str:
    if age_s < 0:
        return "never"
    if age_s < 1:
        return "%.0f ms ago" % (age_s * 1e3)
    return f"{fmt_age(age_s)} ago"


def sanitize(s: str) -> str:
    return "".join("?" if ord(c) < 0x20 or ord(c) == 0x7F else c for c in s)


def writer_mode_label(mode: int) -> str:
    return {_raw.SHMHUB_WRITER_MULTI: "multi", _raw.SHMHUB_WRITER_SINGLE: "single"}.get(mode, "?")


def dtype_label(code: int) -> str:
    return _raw.shmhub_dtype_str(code) or "?"


class F3(float):
    """A float printed with three decimals, as the C command's %.3f."""


def dump(v: Any) -> str:
    """JSON as the C command writes it: ", " and ": " separators, %.3f for F3."""
    if isinstance(v, F3):
        return "%.3f" % v
    if isinstance(v, dict):
        return "{" + ", ".join(f"{json.dumps(k)}: {dump(x)}" for k, x in v.items()) + "}"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(dump(x) for x in v) + "]"
    return json.dumps(v, ensure_ascii=False)


def report(name: str, msg: str) -> int:
    prefix = f"segment '{name}'"
    if msg.startswith(prefix):
        print(f"shmhub: {msg}", file=sys.stderr)
    else:
        print(f"shmhub: {prefix}: {msg}", file=sys.stderr)
    return EXIT_ERR


def now_ns() -> int:
    return time.time_ns()


def write_age_s(st: Any) -> float:
    last = _raw.shmhub_stream_last_write_ns(st)
    if last <= 0:
        return -1.0
    age = (now_ns() - last) / 1e9
    return 0.0 if age < 0 else age


def extents(addr: int, ndim: int) -> Tuple[int, ...]:
    return tuple(_raw.shape_tuple(addr, ndim))


# ---- dictionaries and pools, as src/cli/containers.c -------------------------------------------

CONTAINER_KINDS = {_raw.SHMHUB_KIND_DICT: "dict", _raw.SHMHUB_KIND_POOL: "pool"}


def fmt_bytes(v: int) -> str:
    """64B, 4KiB, 1MiB, 2GiB: the largest binary unit that divides v."""
    for shift, unit in ((30, "GiB"), (20, "MiB"), (10, "KiB")):
        if v >= 1 << shift and v % (1 << shift) == 0:
            return f"{v >> shift}{unit}"
    return f"{v}B"


class Container:
    """Dictionary or pool ``name`` opened read-only through the raw module, as the C command
    opens one; ``status`` is nonzero (and ``handle`` None) when the open failed."""

    def __init__(self, name: str, kind: int, dir: Optional[str],
                 timeout_ns: Optional[int] = None) -> None:
        self.kind = kind
        self.label = CONTAINER_KINDS[kind]
        opts = _raw.shmhub_segment_opts()
        keep = _dir_buffer(opts, dir)
        opts.flags = _raw.SHMHUB_READ_ONLY | _raw.SHMHUB_ALLOW_FOREIGN_OWNER
        if timeout_ns is not None:
            opts.open_timeout_ns = timeout_ns
        if kind == _raw.SHMHUB_KIND_DICT:
            o = _raw.shmhub_dict_opts()
            _raw.dict_opts_set_segment(o, opts)
            self.status, self.handle = _raw.shmhub_dict_open(name, o)
        else:
            o = _raw.shmhub_pool_opts()
            _raw.pool_opts_set_segment(o, opts)
            self.status, self.handle = _raw.shmhub_pool_open(name, o)
        del keep
        if self.status:
            self.handle = None

    def close(self) -> None:
        if self.handle is not None:
            (_raw.shmhub_dict_close if self.kind == _raw.SHMHUB_KIND_DICT
             else _raw.shmhub_pool_close)(self.handle)
        self.handle = None

    def pool_stats(self) -> List[Dict[str, int]]:
        out = []
        for c in range(_raw.shmhub_pool_nclasses(self.handle)):
            s = _raw.shmhub_pool_stats_info()
            if _raw.shmhub_pool_stats(self.handle, c, s):
                break
            out.append({k: int(getattr(s, k)) for k in (
                "buffer_bytes", "count", "in_use", "high_water", "reclaimed", "acquires")})
        return out

    def summary_json(self) -> Any:
        """list/info's "dict" object or "pool" array (None when unreadable)."""
        h = self.handle
        if h is None:
            return None
        if self.kind == _raw.SHMHUB_KIND_DICT:
            return {"keys": _raw.shmhub_dict_len(h), "capacity": _raw.shmhub_dict_capacity(h),
                    "value_bytes_used": _raw.shmhub_dict_bytes_used(h),
                    "value_bytes": _raw.shmhub_dict_value_bytes(h),
                    "writes": _raw.shmhub_dict_writes(h),
                    "recoveries": _raw.shmhub_dict_recoveries(h)}
        return self.pool_stats()

    def summary_text(self) -> str:
        """"dict 3/1024 keys, ..." or "pool 4KiB: 1/4 in use (peak 2, reclaimed 0), ..."."""
        d = self.summary_json()
        if d is None:
            return f"{self.label} (unreadable)"
        if self.kind == _raw.SHMHUB_KIND_DICT:
            return (f"dict {d['keys']}/{d['capacity']} keys, {d['value_bytes_used']}/"
                    f"{d['value_bytes']} value bytes, {d['writes']} writes, "
                    f"{d['recoveries']} recoveries")
        return "pool" + "".join(
            f"{',' if i else ''} {fmt_bytes(s['buffer_bytes'])}: {s['in_use']}/{s['count']} in use "
            f"(peak {s['high_water']}, reclaimed {s['reclaimed']})" for i, s in enumerate(d))

    def unit(self) -> str:
        """What watch counts: a dictionary's writes, a pool's acquires."""
        return "writes" if self.kind == _raw.SHMHUB_KIND_DICT else "acquires"

    def counter(self) -> int:
        """A dictionary's writes (sets, deletes, adds...), or a pool's acquires over its classes."""
        if self.kind == _raw.SHMHUB_KIND_DICT:
            return _raw.shmhub_dict_writes(self.handle)
        return sum(s["acquires"] for s in self.pool_stats())


def container_summary(name: str, kind: int, dir: Optional[str], as_json: bool) -> Any:
    """list/info's summary of a dictionary or pool (a fresh read-only open, as the C command)."""
    c = Container(name, kind, dir)
    try:
        return c.summary_json() if as_json else c.summary_text()
    finally:
        c.close()


# ---- one segment as list/info see it ------------------------------------------------------------

class Entry:
    def __init__(self, name: str, dir: Optional[str], timeout_ns: int) -> None:
        self.name = name
        self.dir = dir
        self.seg: Any = None
        self.stream: Any = None
        self.error = ""
        self.stream_error = ""
        self.rate_hz: Optional[float] = None
        opts = _raw.shmhub_segment_opts()
        self._dir = _dir_buffer(opts, dir)
        opts.flags = _raw.SHMHUB_READ_ONLY | _raw.SHMHUB_ALLOW_FOREIGN_OWNER
        opts.open_timeout_ns = timeout_ns
        self.status, self.seg = _raw.shmhub_segment_open(name, opts)
        if self.status:
            self.error = _raw.shmhub_last_error()
            self.seg = None
            return
        if _raw.shmhub_segment_kind(self.seg) == _raw.SHMHUB_KIND_STREAM:
            sopts = _raw.shmhub_stream_opts()
            _raw.stream_opts_set_segment(sopts, opts)
            st, self.stream = _raw.shmhub_stream_open(name, sopts)
            if st:
                self.stream_error = _raw.shmhub_last_error()
                self.stream = None

    def close(self) -> None:
        if self.stream is not None:
            _raw.shmhub_stream_close(self.stream)
        if self.seg is not None:
            _raw.shmhub_segment_close(self.seg)
        self.stream = self.seg = None

    def status_label(self) -> str:
        if self.status == 0:
            return "ok"
        if self.status == _raw.SHMHUB_E_CORRUPT:
            return "corrupt"
        return _raw.shmhub_status_name(self.status)

    def age_s(self) -> float:
        return (now_ns() - _raw.shmhub_segment_created_ns(self.seg)) / 1e9

    def arrays(self) -> List[Any]:
        out = []
        for i in range(_raw.shmhub_segment_array_count(self.seg)):
            st, a = _raw.shmhub_segment_array_at(self.seg, i)
            if st:
                break
            out.append(a)
        return out

    def stream_json(self) -> Optional[Dict[str, Any]]:
        st = self.stream
        if st is None:
            return None
        wpid = _raw.shmhub_stream_writer_pid(st)
        last = _raw.shmhub_stream_last_write_ns(st)
        d: Dict[str, Any] = {
            "dtype": _raw.shmhub_dtype_str(_raw.shmhub_stream_dtype(st)),
            "dtype_name": _raw.shmhub_dtype_name(_raw.shmhub_stream_dtype(st)),
            "shape": list(extents(_raw.shmhub_stream_shape(st), _raw.shmhub_stream_ndim(st))),
            "slots": _raw.shmhub_stream_slots(st),
            "frame_nbytes": _raw.shmhub_stream_frame_nbytes(st),
            "writer_mode": writer_mode_label(_raw.shmhub_stream_writer_mode(st)),
            "count": _raw.shmhub_stream_count(st), "writer_pid": wpid,
            "writer_alive": pid_alive(wpid), "recoveries": _raw.shmhub_stream_recoveries(st),
            "last_write_ns": last if last > 0 else None,
            "last_write_age_s": F3(write_age_s(st)) if last > 0 else None,
        }
        if self.rate_hz is not None:
            d["rate_hz"] = F3(self.rate_hz)
        return d

    def json(self, detailed: bool) -> Dict[str, Any]:
        seg = self.seg
        d: Dict[str, Any] = {"name": self.name}
        if detailed:
            d["path"] = _raw.shmhub_segment_path(seg) if seg is not None else None
            if seg is not None:
                v = _raw.shmhub_segment_layout_version(seg)
                d["layout_version"] = f"{v // 100}.{v % 100}"
            else:
                d["layout_version"] = None
        if seg is None:
            d.update({"kind": None, "size": None, "arrays": [], "creator_pid": None,
                      "creator_uid": None, "creator_alive": None, "created_ns": None,
                      "age_s": None, "stream": None, "status": self.status_label(),
                      "error": self.error})
            return d
        d["kind"] = _raw.shmhub_kind_name(_raw.shmhub_segment_kind(seg)) or "unknown"
        d["size"] = _raw.shmhub_segment_size(seg)
        d["arrays"] = [{
            "name": _raw.shmhub_array_name(a),
            "dtype": _raw.shmhub_dtype_str(_raw.shmhub_array_dtype(a)),
            "dtype_name": _raw.shmhub_dtype_name(_raw.shmhub_array_dtype(a)),
            "shape": list(extents(_raw.shmhub_array_shape(a), _raw.shmhub_array_ndim(a))),
            "nbytes": _raw.shmhub_array_nbytes(a), "offset": _raw.shmhub_array_offset(a),
            "aligned": aligned(a)} for a in self.arrays()]
        pid = _raw.shmhub_segment_creator_pid(seg)
        d.update({"creator_pid": pid, "creator_uid": _raw.shmhub_segment_creator_uid(seg),
                  "creator_alive": pid_alive(pid),
                  "created_ns": _raw.shmhub_segment_created_ns(seg), "age_s": F3(self.age_s()),
                  "stream": self.stream_json()})
        kind = _raw.shmhub_segment_kind(seg)
        if kind in CONTAINER_KINDS:
            d[CONTAINER_KINDS[kind]] = container_summary(self.name, kind, self.dir, True)
        d.update({"status": "ok", "error": self.stream_error or None})
        return d

    def row(self) -> List[str]:
        seg = self.seg
        if seg is None:
            return [sanitize(self.name), self.status_label(), "-", "-", "-", sanitize(self.error)]
        pid = _raw.shmhub_segment_creator_pid(seg)
        owner = (f"uid {_raw.shmhub_segment_creator_uid(seg)} pid {pid} "
                 f"{'alive' if pid_alive(pid) else 'dead'}")
        code = _raw.shmhub_segment_kind(seg)
        kind = _raw.shmhub_kind_name(code) or "unknown"
        if code == _raw.SHMHUB_KIND_STREAM:
            contents = self.stream_summary()
        elif code in CONTAINER_KINDS:  # the C command's table cell holds 1087 characters
            contents = container_summary(self.name, code, self.dir, False)[:ROW_CELL_MAX]
        else:
            contents = self.arrays_summary()
        return [sanitize(self.name), kind, fmt_size(_raw.shmhub_segment_size(seg)), owner,
                fmt_age(self.age_s()), contents]

    def arrays_summary(self) -> str:
        arrays = self.arrays()
        out = str(_raw.shmhub_segment_array_count(self.seg))
        for a in arrays[:4]:
            shape = ",".join(map(str, extents(_raw.shmhub_array_shape(a), _raw.shmhub_array_ndim(a))))
            out += f" {_raw.shmhub_array_name(a)}:{dtype_label(_raw.shmhub_array_dtype(a))}[{shape}]"
        count = _raw.shmhub_segment_array_count(self.seg)
        if count > 4:
            out += f" +{count - 4} more"
        return out

    def stream_summary(self) -> str:
        st = self.stream
        if st is None:
            return f"stream (unreadable: {sanitize(self.stream_error)})"
        shape = ",".join(map(str, extents(_raw.shmhub_stream_shape(st), _raw.shmhub_stream_ndim(st))))
        out = (f"stream {dtype_label(_raw.shmhub_stream_dtype(st))}[{shape}] "
               f"x{_raw.shmhub_stream_slots(st)} "
               f"{writer_mode_label(_raw.shmhub_stream_writer_mode(st))}, "
               f"{_raw.shmhub_stream_count(st)} frames, last {fmt_write_age(write_age_s(st))}")
        wpid = _raw.shmhub_stream_writer_pid(st)
        out += (f", writer {wpid} {'alive' if pid_alive(wpid) else 'dead'}" if wpid > 0
                else ", no writer")
        if self.rate_hz is not None:
            out += ", %.1f Hz" % self.rate_hz
        return out


def aligned(a: Any) -> bool:
    p = _raw.shmhub_array_data(a)
    return _raw.shmhub_array_offset(a) % _raw.SHMHUB_ALIGNMENT == 0 and \
        (not p or p % _raw.SHMHUB_ALIGNMENT == 0)


_keep: List[Any] = []


def _dir_buffer(opts: Any, dir: Optional[str]) -> Any:
    if not dir:
        return None
    import ctypes
    buf = ctypes.create_string_buffer(os.fsencode(dir))
    _raw.segment_opts_set_dir(opts, ctypes.addressof(buf))
    return buf


def sample_rates(entries: Sequence[Entry], seconds: float) -> None:
    streams = [e for e in entries if e.stream is not None]
    if not streams:
        return
    c0 = [_raw.shmhub_stream_count(e.stream) for e in streams]
    t0 = time.monotonic()
    time.sleep(seconds)
    dt = time.monotonic() - t0
    for e, c in zip(streams, c0):
        c1 = _raw.shmhub_stream_count(e.stream)
        e.rate_hz = (c1 - c) / dt if dt > 0 and c1 >= c else 0.0


def print_rows(rows: List[List[str]]) -> None:
    ncols = len(rows[0])
    width = [max(len(r[c]) for r in rows) for c in range(ncols - 1)]
    for r in rows:
        print("".join(f"{r[c]:<{width[c]}}  " for c in range(ncols - 1)) + r[-1])


def open_list(dir: Optional[str]) -> Tuple[int, List[str]]:
    st, snap = _raw.shmhub_list_open(dir)
    if st:
        print(f"shmhub: list: {_raw.shmhub_last_error()}", file=sys.stderr)
        return EXIT_ERR, []
    try:
        return EXIT_OK, [_raw.shmhub_list_name(snap, i) for i in range(_raw.shmhub_list_count(snap))]
    finally:
        _raw.shmhub_list_close(snap)


# ---- commands --------------------------------------------------------------------------------

def cmd_list(a: argparse.Namespace) -> int:
    rc, names = open_list(a.dir)
    if rc:
        return rc
    entries = []
    for n in names:
        e = Entry(n, a.dir, 0)
        if e.status != _raw.SHMHUB_E_NOT_FOUND:  # not unlinked since the snapshot
            entries.append(e)
    if not a.no_rate:
        sample_rates(entries, RATE_SAMPLE_S)
    if a.json:
        body = "".join((",\n  " if i else "\n  ") + dump(e.json(False)) for i, e in enumerate(entries))
        sys.stdout.write("[" + body + ("\n]\n" if entries else "]\n"))
    else:
        print_rows([["NAME", "KIND", "SIZE", "OWNER", "AGE", "CONTENTS"]] + [e.row() for e in entries])
    for e in entries:
        e.close()
    return EXIT_OK


def print_info_human(e: Entry) -> None:
    seg = e.seg
    v = _raw.shmhub_segment_layout_version(seg)
    pid = _raw.shmhub_segment_creator_pid(seg)
    size = _raw.shmhub_segment_size(seg)
    print(f"name:            {_raw.shmhub_segment_name(seg)}")
    print(f"path:            {sanitize(_raw.shmhub_segment_path(seg))}")
    print(f"kind:            {_raw.shmhub_kind_name(_raw.shmhub_segment_kind(seg)) or 'unknown'}")
    print(f"layout version:  {v // 100}.{v % 100}")
    print(f"size:            {size} bytes ({fmt_size(size)})")
    print(f"creator:         pid {pid} ({'alive' if pid_alive(pid) else 'dead'}), uid "
          f"{_raw.shmhub_segment_creator_uid(seg)}")
    print(f"created:         {fmt_time(_raw.shmhub_segment_created_ns(seg))} "
          f"({fmt_age(e.age_s())} ago)")
    arrays = e.arrays()
    print(f"arrays:          {_raw.shmhub_segment_array_count(seg)}")
    for i, arr in enumerate(arrays):
        dt = _raw.shmhub_array_dtype(arr)
        ndim = _raw.shmhub_array_ndim(arr)
        shape = ", ".join(map(str, extents(_raw.shmhub_array_shape(arr), ndim)))
        print(f"  [{i}] {_raw.shmhub_array_name(arr)}")
        print(f"      dtype:     {dtype_label(dt)} ({_raw.shmhub_dtype_name(dt) or '?'})")
        print(f"      shape:     [{shape}]{'' if ndim else ' (scalar)'}")
        print(f"      nbytes:    {_raw.shmhub_array_nbytes(arr)}")
        print(f"      offset:    {_raw.shmhub_array_offset(arr)} "
              f"({'aligned' if aligned(arr) else 'NOT aligned'})")
    kind = _raw.shmhub_segment_kind(seg)
    if kind in CONTAINER_KINDS:
        print(f"contents:        {container_summary(e.name, kind, e.dir, False)}")
    if _raw.shmhub_segment_kind(seg) != _raw.SHMHUB_KIND_STREAM:
        return
    st = e.stream
    if st is None:
        print(f"stream:          unreadable: {sanitize(e.stream_error)}")
        return
    dt = _raw.shmhub_stream_dtype(st)
    ndim = _raw.shmhub_stream_ndim(st)
    fn = _raw.shmhub_stream_frame_nbytes(st)
    wpid = _raw.shmhub_stream_writer_pid(st)
    print("stream:")
    print(f"  dtype:         {dtype_label(dt)} ({_raw.shmhub_dtype_name(dt) or '?'})")
    print(f"  shape:         [{', '.join(map(str, extents(_raw.shmhub_stream_shape(st), ndim)))}]"
          f"{'' if ndim else ' (scalar)'}")
    print(f"  slots:         {_raw.shmhub_stream_slots(st)}")
    print(f"  frame nbytes:  {fn} ({fmt_size(fn)})")
    print(f"  writer mode:   {writer_mode_label(_raw.shmhub_stream_writer_mode(st))}")
    print(f"  count:         {_raw.shmhub_stream_count(st)}")
    if wpid > 0:
        print(f"  writer:        pid {wpid} ({'alive' if pid_alive(wpid) else 'dead'})")
    else:
        print("  writer:        none")
    print(f"  recoveries:    {_raw.shmhub_stream_recoveries(st)}")
    last = _raw.shmhub_stream_last_write_ns(st)
    if last > 0:
        print(f"  last write:    {fmt_time(last)} ({fmt_write_age(write_age_s(st))})")
    else:
        print("  last write:    never")
    if e.rate_hz is not None:
        print("  rate:          %.1f Hz (%.2f MB/s)" % (e.rate_hz, e.rate_hz * fn / 1e6))


def cmd_info(a: argparse.Namespace) -> int:
    e = Entry(a.name, a.dir, 1_000_000_000)
    if e.seg is None:
        return report(e.name, e.error)
    if not a.no_rate:
        sample_rates([e], RATE_SAMPLE_S)
    if a.json:
        print(dump(e.json(True)))
    else:
        print_info_human(e)
    e.close()
    return EXIT_OK


def cmd_unlink(a: argparse.Namespace) -> int:
    rc = EXIT_OK
    for n in a.names:
        if _raw.shmhub_unlink_in(n, a.dir):
            rc = report(n, _raw.shmhub_last_error())
    return rc


def cmd_purge(a: argparse.Namespace) -> int:
    """Unlinks every segment whose creator is dead and, for a stream, whose writer is dead or
    absent. Segments that fail validation are left alone (their creator is unknown)."""
    rc, names = open_list(a.dir)
    if rc:
        return rc
    out = []
    for n in names:
        e = Entry(n, a.dir, 0)
        if e.seg is None:
            continue
        cpid = _raw.shmhub_segment_creator_pid(e.seg)
        wpid = _raw.shmhub_stream_writer_pid(e.stream) if e.stream is not None else 0
        kind = _raw.shmhub_kind_name(_raw.shmhub_segment_kind(e.seg)) or "unknown"
        stream_unreadable = (_raw.shmhub_segment_kind(e.seg) == _raw.SHMHUB_KIND_STREAM and
                             e.stream is None)
        e.close()
        if pid_alive(cpid) or (wpid > 0 and pid_alive(wpid)) or stream_unreadable:
            continue
        action = "would unlink" if a.dry_run else "unlinked"
        if not a.dry_run and _raw.shmhub_unlink_in(n, a.dir):
            if _raw.shmhub_last_error() and "does not exist" in _raw.shmhub_last_error():
                continue  # removed meanwhile
            rc = report(n, _raw.shmhub_last_error())
            action = "failed"
        out.append({"name": n, "kind": kind, "creator_pid": cpid, "writer_pid": wpid,
                    "action": action})
    if a.json:
        body = "".join((",\n  " if i else "\n  ") + dump(d) for i, d in enumerate(out))
        sys.stdout.write("[" + body + ("\n]\n" if out else "]\n"))
    else:
        for d in out:
            if d["action"] == "failed":
                continue
            w = f", writer pid {d['writer_pid']} dead" if d["writer_pid"] > 0 else ""
            print(f"{d['action']} {sanitize(d['name'])} ({d['kind']}, creator pid "
                  f"{d['creator_pid']} dead{w})")
    return rc


WATCH_OPEN_TIMEOUT_NS = 1_000_000_000


class _OpenError(Exception):
    """A segment watch cannot open; the message is the library's."""


def _watch_open(name: str, dir: Optional[str], sopts: Any) -> Tuple[Any, Any]:
    """(stream, container) for watch: a dictionary or pool as the C command's cli_counter_open
    finds it (the segment's kind first), anything else opened as a stream. Raises _OpenError."""
    opts = _raw.shmhub_segment_opts()
    keep = _dir_buffer(opts, dir)
    opts.flags = _raw.SHMHUB_READ_ONLY | _raw.SHMHUB_ALLOW_FOREIGN_OWNER
    opts.open_timeout_ns = WATCH_OPEN_TIMEOUT_NS
    st, seg = _raw.shmhub_segment_open(name, opts)
    del keep
    if st:
        raise _OpenError(_raw.shmhub_last_error())
    kind = _raw.shmhub_segment_kind(seg)
    _raw.shmhub_segment_close(seg)
    if kind in CONTAINER_KINDS:
        c = Container(name, kind, dir, WATCH_OPEN_TIMEOUT_NS)
        if c.status:
            raise _OpenError(_raw.shmhub_last_error())
        return None, c
    st, s = _raw.shmhub_stream_open(name, sopts)
    if st:
        raise _OpenError(_raw.shmhub_last_error())
    return s, None


def cmd_watch(a: argparse.Namespace) -> int:
    if not (a.interval > 0) or a.interval > 86400:
        return usage_error("watch", f"bad --interval '{a.interval}': expected seconds > 0 (up to 86400)")
    if a.count is not None and a.count <= 0:
        return usage_error("watch", f"bad --count '{a.count}': expected a positive number")
    opts = _raw.shmhub_segment_opts()
    keep = _dir_buffer(opts, a.dir)
    opts.flags = _raw.SHMHUB_READ_ONLY | _raw.SHMHUB_ALLOW_FOREIGN_OWNER
    opts.open_timeout_ns = WATCH_OPEN_TIMEOUT_NS
    sopts = _raw.shmhub_stream_opts()
    _raw.stream_opts_set_segment(sopts, opts)
    # (name, stream or None, Container or None): a dictionary's writes or a pool's acquires
    # take a stream's place, as in the C command
    watched: List[Tuple[str, Any, Optional[Container]]] = []
    rc = EXIT_OK
    try:
        for n in a.names:
            try:
                s, c = _watch_open(n, a.dir, sopts)
            except _OpenError as err:
                return report(n, str(err))
            watched.append((n, s, c))
        prev = [_raw.shmhub_stream_count(s) if s is not None else c.counter()
                for _, s, c in watched]
        tty = not a.json and sys.stdout.isatty()
        prev_t = time.monotonic()
        k = 0
        stop = []
        old = signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
        try:
            while a.count is None or k < a.count:
                end = time.monotonic() + a.interval
                while not stop and time.monotonic() < end:
                    time.sleep(min(0.1, max(0.0, end - time.monotonic())))
                if stop:
                    break
                t = time.monotonic()
                dt, prev_t = t - prev_t, t
                when = fmt_time(now_ns())
                rows, containers = [], []
                table = [["NAME", "HZ", "MB/S", "COUNT", "MISSED", "LAST", "WRITER"]]
                for i, (n, s, c) in enumerate(watched):
                    if c is not None:
                        count = c.counter()
                        hz = (count - prev[i]) / dt if dt > 0 and count >= prev[i] else 0.0
                        prev[i] = count
                        containers.append({"name": n, "kind": c.label, c.unit(): count,
                                           f"{c.unit()}_per_s": F3(hz)})
                        table.append([sanitize(n), "%.1f" % hz, "-", str(count), "-", "-",
                                      f"{c.label} {c.unit()}/s"])
                        continue
                    count = _raw.shmhub_stream_count(s)
                    slots = _raw.shmhub_stream_slots(s)
                    delta = count - prev[i] if count >= prev[i] else 0
                    prev[i] = count
                    hz = delta / dt if dt > 0 else 0.0
                    mb_s = hz * _raw.shmhub_stream_frame_nbytes(s) / 1e6
                    age = write_age_s(s)
                    wpid = _raw.shmhub_stream_writer_pid(s)
                    r = {"name": n, "count": count, "hz": F3(hz), "mb_s": F3(mb_s),
                         "missed": delta - slots if delta > slots else 0,
                         "last_write_age_s": None if age < 0 else F3(age),
                         "writer_pid": wpid, "writer_alive": pid_alive(wpid)}
                    rows.append(r)
                    table.append([sanitize(n), "%.1f" % hz, "%.2f" % mb_s, str(count),
                                  str(r["missed"]), fmt_write_age(age),
                                  f"{wpid} {'alive' if r['writer_alive'] else 'dead'}"
                                  if wpid > 0 else "none"])
                if a.json:
                    out: Dict[str, Any] = {"time": when, "streams": rows}
                    if containers:  # only when some are watched, as the C command
                        out["containers"] = containers
                    print(dump(out))
                else:
                    if tty:
                        sys.stdout.write("\033[H\033[2J")
                    print(when)
                    print_rows(table)
                    if not tty:
                        print()
                sys.stdout.flush()
                k += 1
        except KeyboardInterrupt:
            pass
        finally:
            signal.signal(signal.SIGTERM, old)
    finally:
        for _, s, c in watched:
            if s is not None:
                _raw.shmhub_stream_close(s)
            if c is not None:
                c.close()
        del keep
    return rc


def usage_error(cmd: Optional[str], msg: str) -> int:
    print(f"shmhub: {msg}", file=sys.stderr)
    hint = f"shmhub help {cmd}" if cmd else "shmhub --help"
    print(f"Try '{hint}' for more information.", file=sys.stderr)
    return EXIT_USAGE


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # usage errors exit 2, as the C command
        print(f"{self.prog}: {message}", file=sys.stderr)
        sys.exit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="shmhub", description="Inspect and manage shmhub shared-memory segments. "
                "Segments live in POSIX shared memory (/dev/shm/shmhub.NAME) unless --dir or "
                "the SHMHUB_DIR environment variable names another directory. Exit status: 0 "
                "success, 1 an operation failed, 2 usage error.")
    p.add_argument("-V", "--version", action="store_true",
                   help="show the library and layout versions and exit")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    c = sub.add_parser("list", help="list the segments and their state")
    c.add_argument("-j", "--json", action="store_true", help="print one JSON array of objects")
    c.add_argument("-R", "--no-rate", action="store_true",
                   help="do not measure write rates (no 200 ms pause)")
    c.add_argument("-d", "--dir", help="directory to list")
    c.set_defaults(run=cmd_list)
    c = sub.add_parser("info", help="show everything about one segment")
    c.add_argument("name", metavar="NAME")
    c.add_argument("-j", "--json", action="store_true", help="print one JSON object")
    c.add_argument("-r", "--rate", action="store_false", dest="no_rate", help=argparse.SUPPRESS)
    c.add_argument("-R", "--no-rate", action="store_true",
                   help="(streams) do not measure the write rate")
    c.add_argument("-d", "--dir", help="directory holding the segment")
    c.set_defaults(run=cmd_info, no_rate=False)
    c = sub.add_parser("watch", help="rates of streams, dicts and pools as they run")
    c.add_argument("names", metavar="NAME", nargs="+")
    c.add_argument("-j", "--json", action="store_true", help="one JSON object per line per refresh")
    c.add_argument("-i", "--interval", type=float, default=1.0,
                   help="seconds between refreshes (default 1)")
    c.add_argument("-c", "--count", type=int, help="stop after N refreshes")
    c.add_argument("-d", "--dir", help="directory holding the streams, dicts and pools")
    c.set_defaults(run=cmd_watch)
    c = sub.add_parser("unlink", help="remove segments")
    c.add_argument("names", metavar="NAME", nargs="+")
    c.add_argument("-d", "--dir", help="directory holding the segments")
    c.set_defaults(run=cmd_unlink)
    c = sub.add_parser("purge", help="remove segments whose creator (and writer) are dead")
    c.add_argument("-n", "--dry-run", action="store_true", help="only say what would be removed")
    c.add_argument("-j", "--json", action="store_true", help="print one JSON array of objects")
    c.add_argument("-d", "--dir", help="directory to purge")
    c.set_defaults(run=cmd_purge)
    return p


def main(argv: Optional[Sequence[str]] = None) -> int:
    if _raw.shmhub_check_version(_raw.SHMHUB_VERSION_NUMBER):
        print(f"shmhub: {_raw.shmhub_last_error()}", file=sys.stderr)
        return EXIT_ERR
    args = build_parser().parse_args(argv)
    if args.version:
        print(f"shmhub {_raw.shmhub_version_string()} (layout {_raw.SHMHUB_LAYOUT_MAJOR}."
              f"{_raw.SHMHUB_LAYOUT_MINOR})")
        return EXIT_OK
    if not getattr(args, "run", None):
        return usage_error(None, "missing COMMAND")
    try:
        return args.run(args)
    except BrokenPipeError:
        return EXIT_ERR


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
