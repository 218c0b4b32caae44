"""py_peer: the Python side of the cross-language matrix; same CLI and contents as c_peer.c.

    py_peer.py write-arrays NAME
    py_peer.py check-arrays NAME
    py_peer.py write-stream NAME N [DTYPE] [INTERVAL_US]
    py_peer.py read-stream NAME N [DTYPE] [TIMEOUT_MS]

Exit 0 = success, 1 = contents differ, 2 = usage or API error. Element i of frame seq (arrays:
seq 0) of dtype d has key k = seq * 1000 + i; the byte formulas are documented in c_peer.c and
reproduced here with numpy (all values are exact in binary).
"""

from __future__ import annotations

import sys
import time

import numpy as np

import shmhub

DTYPES = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
          "float16", "float32", "float64", "complex64", "complex128"]
CODE = {name: i + 1 for i, name in enumerate(DTYPES)}  # shmhub_dtype_code values
FRAME_SHAPE = (4, 6)


def values(dtype: str, seq: int, n: int) -> np.ndarray:
    """The n elements of frame seq, as the C peer computes them."""
    k = np.arange(n, dtype=np.uint64) + np.uint64(seq * 1000)
    if dtype == "bool":
        return (k % np.uint64(3) == 0)
    if dtype in DTYPES[1:9]:
        with np.errstate(over="ignore"):
            u = k * np.uint64(0x9E3779B97F4A7C15) + np.uint64(CODE[dtype])
        return u.astype(np.dtype(dtype))  # truncation to the low bytes, two's complement
    if dtype == "float16":
        return (np.uint16(0x3C00) + (k % np.uint64(1024)).astype(np.uint16)).view(np.float16)
    if dtype == "float32":
        return (k % np.uint64(4096)).astype(np.float32) * np.float32(0.5) - np.float32(3.25)
    if dtype == "float64":
        return k.astype(np.float64) * 0.25 - 7.125
    if dtype == "complex64":
        m = (k % np.uint64(4096)).astype(np.float32)
        out = np.empty(n, np.complex64)  # parts set separately: -m keeps C's -0.0 for k = 0
        out.real, out.imag = m * np.float32(1.5), -m
        return out
    if dtype == "complex128":
        kf = k.astype(np.float64)
        out = np.empty(n, np.complex128)
        out.real, out.imag = kf * 0.125, 1.0e6 - kf
        return out
    raise ValueError(f"unknown dtype {dtype}")


def layout() -> dict:
    spec = {name: ((3, 5), name) for name in DTYPES}
    spec["scalar"] = ((), "float64")
    spec["cube"] = ((2, 3, 4), "uint16")
    spec["empty"] = ((0,), "int32")
    return spec


def expected(name: str, shape, dtype) -> np.ndarray:
    n = int(np.prod(shape)) if shape else 1
    return values(np.dtype(dtype).name if name not in DTYPES else name, 0, n).reshape(shape)


def same_bytes(what: str, got: np.ndarray, want: np.ndarray) -> bool:
    if got.dtype != want.dtype or got.shape != want.shape or got.tobytes() != want.tobytes():
        print(f"py_peer: {what}: bytes differ (got {got.dtype}{got.shape}, want "
              f"{want.dtype}{want.shape})", file=sys.stderr)
        return False
    return True


def write_arrays(name: str) -> int:
    seg = shmhub.create(name, layout())
    for arr_name, (shape, dtype) in layout().items():
        seg[arr_name][...] = expected(arr_name, shape, dtype)
    seg.close()
    return 0


def check_arrays(name: str) -> int:
    seg = shmhub.open(name, readonly=True)
    spec = layout()
    if list(seg) != list(spec):
        print(f"py_peer: arrays {list(seg)} != {list(spec)}", file=sys.stderr)
        return 1
    ok = all(same_bytes(f"array '{n}'", seg[n], expected(n, shape, dtype))
             for n, (shape, dtype) in spec.items())
    return 0 if ok else 1


def write_stream(name: str, n: int, dtype: str, interval_us: int) -> int:
    dtype = np.dtype(dtype).name
    s = shmhub.Stream.create(name, FRAME_SHAPE, dtype, slots=max(8, n + 2))
    for seq in range(1, n + 1):
        s.write(values(dtype, seq, 24).reshape(FRAME_SHAPE))
        if interval_us:
            time.sleep(interval_us / 1e6)
    s.close()
    return 0


def read_stream(name: str, n: int, dtype: str, timeout_ms: int) -> int:
    dtype = np.dtype(dtype).name
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        try:
            s = shmhub.Stream.open(name, shape=FRAME_SHAPE, dtype=dtype)
            break
        except FileNotFoundError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.01)
    s.seek(0)
    ok = True
    for seq in range(1, n + 1):
        frame = s.read_next(timeout=max(0.0, deadline - time.monotonic()))
        if s.last_info.seq != seq:
            print(f"py_peer: read_next returned frame {s.last_info.seq}, expected {seq}",
                  file=sys.stderr)
            return 1
        ok &= same_bytes(f"frame {seq}", frame, values(dtype, seq, 24).reshape(FRAME_SHAPE))
    latest = s.read()
    if s.last_info.seq != n:
        print(f"py_peer: read_latest returned frame {s.last_info.seq}, expected {n}", file=sys.stderr)
        return 1
    ok &= same_bytes("latest frame", latest, values(dtype, n, 24).reshape(FRAME_SHAPE))
    return 0 if ok else 1


def check_dict(name: str) -> int:
    """The dictionary written by `c_peer write-dict` (entries documented in c_peer.c), read back as
    Python values: ints, floats, str, bytes, a numpy array and an unpickled tuple."""
    d = shmhub.SharedDict.open(name)
    want = {
        "i64": -1234567890123, "f64": 6.02214076e23, "counter": 42,
        "str": "h\u00e9llo, w\u00f6rld \u2713", "bytes": bytes(range(256)), "empty": b"",
        "big": (np.arange(1 << 20, dtype=np.uint32) * 7 & 0xFF).astype(np.uint8).tobytes(),
        "ndarray": (np.arange(12, dtype=np.float32) * 0.5 - 1).reshape(3, 4), "pickle": (1, "a"),
    }
    ok = sorted(d) == sorted(want) and len(d) == len(want)
    if not ok:
        print(f"py_peer: keys {sorted(d)}, expected {sorted(want)}", file=sys.stderr)
    for k, v in want.items():
        got = d[k]
        same = (isinstance(got, np.ndarray) and got.dtype == v.dtype and got.shape == v.shape and
                bool((got == v).all())) if isinstance(v, np.ndarray) else (type(got) is type(v) and got == v)
        if not same:
            print(f"py_peer: key {k!r}: got {got!r:.80}, expected {v!r:.80}", file=sys.stderr)
            ok = False
    d.close()
    return 0 if ok else 1


def main(argv: list[str]) -> int:
    try:
        if len(argv) >= 2 and argv[0] == "write-arrays":
            return write_arrays(argv[1])
        if len(argv) >= 2 and argv[0] == "check-arrays":
            return check_arrays(argv[1])
        if len(argv) >= 2 and argv[0] == "check-dict":
            return check_dict(argv[1])
        if len(argv) >= 3 and argv[0] == "write-stream":
            return write_stream(argv[1], int(argv[2]), argv[3] if len(argv) > 3 else "float32",
                                int(argv[4]) if len(argv) > 4 else 0)
        if len(argv) >= 3 and argv[0] == "read-stream":
            return read_stream(argv[1], int(argv[2]), argv[3] if len(argv) > 3 else "float32",
                               int(argv[4]) if len(argv) > 4 else 5000)
    except shmhub.ShmHubError as e:
        print(f"py_peer: {e}", file=sys.stderr)
        return 2
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
