#!/usr/bin/env python3
"""The SynchedMemory crate's example across processes: 4 workers, 40 write-then-read rounds,
uneven work (Fibonacci iterations 50 k / 900 k / 950 k / 1 M per round, done while reading the
other workers' data). Prints the profile table, writes the plot, and checks that no read mixed
two rounds.

``--one-barrier`` runs the same program with one barrier per round (write, barrier, read), the
crate's bug: fast workers overwrite their segment while slow ones still read it, and the check
FAILS (exit status 1).

Run: ``python examples/compute/synched_fib.py`` (``--small``: 100x less work, as in make test).
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

COUNTS = (50_000, 900_000, 950_000, 1_000_000)
SEG_LEN = 1024


def fib(n: int) -> int:
    a, b = 0, 1
    for _ in range(n):
        a, b = b, (a + b) % 1_000_000_007
    return a


def tag(r: int, w: int) -> int:
    return r * 16 + w


def worker(name: str, w: int, rounds: int, count: int, one_barrier: bool, barrier, q) -> None:
    sm = shmhub.SynchedMemory.open(name)
    sm.attach(w)
    workers = sm.workers
    raw = shmhub.open(name)["data"] if one_barrier else None  # the one-barrier variant writes directly
    local = np.full(SEG_LEN, tag(0, w), np.int64)
    mixed = 0
    for r in range(rounds):
        if one_barrier:
            raw[w, :] = local                    # write ...
            barrier.wait()                       # ... one barrier ...
            g = raw                              # ... read: nothing stops the next round's writes
        else:
            g = sm.write_and_sync(local, timeout=120)
        ok = True
        for v in range(workers):                 # compute on each worker's data in turn
            fib(count // workers)
            ok &= bool((g[v] == tag(r, v)).all())
        mixed += 0 if ok else 1
        local[:] = tag(r + 1, w)
    q.put((w, mixed))
    if one_barrier:
        del raw, g
    sm.close()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=40)
    ap.add_argument("--small", action="store_true", help="100x less work per round")
    ap.add_argument("--one-barrier", action="store_true", help="the one-barrier bug: must fail")
    ap.add_argument("--plot", default="synched_profile.png", help="where to write the plot")
    a = ap.parse_args()
    counts = [c // 100 for c in COUNTS] if a.small else list(COUNTS)
    name = unique("fib")
    sm = shmhub.SynchedMemory.create(name, workers=4, segment_len=SEG_LEN, dtype=np.int64,
                                     profile=True, unlink_on_close=True)
    ctx = mp.get_context("fork")
    q = ctx.Queue()
    barrier = ctx.Barrier(4)
    procs = [ctx.Process(target=worker, args=(name, w, a.rounds, counts[w], a.one_barrier, barrier, q))
             for w in range(4)]
    for p in procs:
        p.start()
    mixed = dict(q.get(timeout=600) for _ in procs)
    for p in procs:
        p.join()
    total = sum(mixed.values())
    variant = "one barrier per round" if a.one_barrier else "two barriers per round"
    if not a.one_barrier:
        print(sm.profile_table())
        print(f"plot: {sm.plot_profile(a.plot)}")
    print(f"{variant}: {total} of {4 * a.rounds} reads mixed two rounds "
          f"(per worker: {[mixed[w] for w in range(4)]})")
    sm.close()
    ok = total == 0 and all(p.exitcode == 0 for p in procs)
    print("synched_fib: OK (0 mixed-round reads)" if ok else "synched_fib: FAILED (mixed-round reads)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
