#!/usr/bin/env python3
"""PyFerris-style parallel patterns over shared arrays with ``shmhub.parallel.parallel_map``:

1. a pipeline: normalise -> square -> partial sums, each stage a ``parallel_map`` over chunks of
   one shared array (the chunks travel as views, by name; the stages write in place);
2. producer-consumer: a producer fills batches into a shared (batches x n) array, consumers
   (``parallel_map`` over batch indices) compute each batch's statistics in place of a copy.

Every answer is checked against plain NumPy. Run: ``python examples/compute/ferris.py``
(``--small`` in make test).
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import shmhub  # noqa: E402
from shmhub.parallel import parallel_map  # noqa: E402
from _common import unique  # noqa: E402


def normalise(job):
    view, mean, std = job
    view -= mean
    view /= std
    return None


def square(view):
    np.square(view, out=view)
    return None


def partial_sum(view):
    return float(view.sum())


def batch_stats(job):
    batches, b = job                 # the whole (batches x n) array, by name; row b is ours
    row = batches[b]
    return b, float(row.mean()), float(row.std()), float(row.max())


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=4_000_000)
    ap.add_argument("--batches", type=int, default=64)
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--small", action="store_true")
    a = ap.parse_args()
    if a.small:
        a.n, a.batches = 10_000, 8
    workers = a.workers or 2
    rng = np.random.default_rng(3)
    name = unique("ferris")
    seg = shmhub.create(name, {"x": ((a.n,), "f8"), "batches": ((a.batches, a.n // a.batches), "f8")},
                        unlink_on_close=True)
    x, batches = seg["x"], seg["batches"]
    src = rng.normal(5.0, 2.0, a.n)
    x[:] = src

    # 1. pipeline
    chunks = [x[i:i + a.n // 8] for i in range(0, a.n, a.n // 8)]
    mean, std = float(x.mean()), float(x.std())
    parallel_map(normalise, [(c, mean, std) for c in chunks], workers=workers)
    parallel_map(square, chunks, workers=workers)
    total = sum(parallel_map(partial_sum, chunks, workers=workers))
    want = (((src - mean) / std) ** 2)
    ok1 = bool(np.allclose(x, want)) and bool(np.isclose(total, want.sum()))
    print(f"pipeline normalise -> square -> sum over {a.n} doubles: sum {total:.3f} "
          f"(numpy {want.sum():.3f}) {'OK' if ok1 else 'WRONG'}")

    # 2. producer-consumer
    batches[:] = rng.random(batches.shape)                  # the producer fills every batch
    stats = parallel_map(batch_stats, [(batches, b) for b in range(a.batches)], workers=workers)
    ref = [(b, float(r.mean()), float(r.std()), float(r.max())) for b, r in enumerate(np.array(batches))]
    ok2 = all(s[0] == r[0] and np.allclose(s[1:], r[1:]) for s, r in zip(stats, ref))
    print(f"producer-consumer: {a.batches} batches of {a.n // a.batches} consumed by {workers} "
          f"workers {'OK' if ok2 else 'WRONG'}")
    del x, batches, chunks
    seg.close()
    ok = ok1 and ok2
    print("ferris: OK" if ok else "ferris: FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
