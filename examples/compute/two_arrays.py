#!/usr/bin/env python3
"""Two arrays in one segment, read by a worker process: the "manual offsets" example of
``multiprocessing.shared_memory`` (one buffer, two ndarrays at hand-computed offsets), written
with shmhub's named arrays instead: the layout is in the segment, the reader asks by name.

Run: ``python examples/compute/two_arrays.py`` (``--small`` is the same, quicker check).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import shmhub  # noqa: E402
from _common import unique  # noqa: E402


def reader(name: str, q) -> None:
    seg = shmhub.open(name, readonly=True)         # no offsets, no shapes: they are in the segment
    a, b = seg["prices"], seg["volumes"]
    q.put((a.shape, str(a.dtype), float(a.sum()), b.shape, str(b.dtype), int(b.sum()),
           float((a * b).sum())))
    seg.close()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--small", action="store_true")
    a = ap.parse_args()
    n = 100 if a.small else 1_000_000
    name = unique("two")
    seg = shmhub.create(name, {"prices": ((n,), "f8"), "volumes": ((n,), "i8")},
                        unlink_on_close=True)
    prices, volumes = seg["prices"], seg["volumes"]
    prices[:] = np.linspace(1.0, 2.0, n)
    volumes[:] = np.arange(n) % 7
    q = mp.get_context("spawn").Queue()
    p = mp.get_context("spawn").Process(target=reader, args=(name, q))
    p.start()
    got = q.get(timeout=60)
    p.join()
    want = ((n,), "float64", float(prices.sum()), (n,), "int64", int(volumes.sum()),
            float((prices * volumes).sum()))
    for info in seg.info()["arrays"]:
        print(f"  array {info['name']!r}: {info['dtype']} {info['shape']} at offset {info['offset']}")
    print("reader saw:", got)
    ok = p.exitcode == 0 and got[:2] == want[:2] and got[3:5] == want[3:5] and \
        np.isclose(got[2], want[2]) and got[5] == want[5] and np.isclose(got[6], want[6])
    del prices, volumes
    seg.close()
    print("two_arrays: OK" if ok else "two_arrays: FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
