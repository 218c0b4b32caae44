"""Process pools that do not oversubscribe the cores (docs/compute.md).

Every worker process of a NumPy program runs a multi-threaded BLAS (OpenBLAS starts one thread
per core in each process), so N workers on C cores run N x C BLAS threads and get slower with
more processes. :class:`Pool` is a :class:`multiprocessing.pool.Pool` whose workers cap their
BLAS threads with threadpoolctl (default: cores // processes, at least 1), and
:func:`parallel_map` is PyFerris's ``parallel_map`` on top of it.

shmhub objects (segments, arrays, streams, synched memory) pickle **by name**, so passing them to
pool tasks hands over a name, and the worker maps the same memory: nothing is copied.

    >>> seg = shmhub.create("returns", {"r": ((1000, 50), "f8")})
    >>> with shmhub.parallel.Pool(2) as pool:
    ...     results = pool.map(score, [(seg["r"], seed) for seed in range(8)])
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.pool
import os
from typing import Any, Callable, Iterable, List, Optional, Sequence, Union

_AUTO = "auto"
BlasThreads = Union[int, str, None]

# The worker's threadpoolctl limiter (kept alive for the worker's life).
_limiter: Any = None


def cores() -> int:
    """Cores this process may run on (its CPU affinity), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def blas_threads_for(processes: int, blas_threads: BlasThreads = _AUTO) -> Optional[int]:
    """The BLAS thread cap for each of ``processes`` workers: cores // processes (at least 1)
    for "auto", the given int, or None (no cap)."""
    if blas_threads is None:
        return None
    if blas_threads == _AUTO:
        return max(1, cores() // max(1, processes))
    n = int(blas_threads)
    if n < 1:
        raise ValueError(f"blas_threads must be >= 1, 'auto' or None, not {blas_threads!r}")
    return n


def limit_blas_threads(n: int) -> Any:
    """Caps every BLAS library loaded in this process at ``n`` threads (threadpoolctl); returns
    the limiter. NumPy is imported first so that its BLAS is loaded and seen."""
    import numpy  # noqa: F401  (loads the BLAS numpy links)
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=n, user_api="blas")


def _init_worker(blas_threads: Optional[int], initializer: Optional[Callable[..., Any]],
                 initargs: Sequence[Any]) -> None:
    global _limiter
    if blas_threads is not None:
        _limiter = limit_blas_threads(blas_threads)
    if initializer is not None:
        initializer(*initargs)


def _worker_blas_threads(_: Any = None) -> List[int]:
    """(Used by tests and examples) the thread counts of the BLAS libraries in this worker."""
    from threadpoolctl import threadpool_info

    return [int(i["num_threads"]) for i in threadpool_info() if i.get("user_api") == "blas"]


class Pool(multiprocessing.pool.Pool):
    """``multiprocessing.Pool`` whose workers cap BLAS threads (``blas_threads``: "auto" =
    cores // processes, at least 1; an int; None leaves BLAS alone). Other arguments as
    :class:`multiprocessing.pool.Pool`; ``context`` defaults to the platform's default."""

    def __init__(self, processes: Optional[int] = None,
                 initializer: Optional[Callable[..., Any]] = None, initargs: Sequence[Any] = (),
                 maxtasksperchild: Optional[int] = None, context: Any = None, *,
                 blas_threads: BlasThreads = _AUTO) -> None:
        n = processes if processes is not None else cores()
        if n < 1:
            raise ValueError(f"processes must be at least 1, not {n}")
        self.blas_threads = blas_threads_for(n, blas_threads)
        super().__init__(n, _init_worker, (self.blas_threads, initializer, tuple(initargs)),
                         maxtasksperchild, context or multiprocessing.get_context())


def parallel_map(fn: Callable[[Any], Any], items: Iterable[Any], workers: Optional[int] = None,
                 chunksize: Optional[int] = None, *,
                 blas_threads: BlasThreads = _AUTO) -> List[Any]:
    """``[fn(x) for x in items]`` on ``workers`` processes (default: the cores), in order, with
    BLAS capped as in :class:`Pool` (PyFerris's ``parallel_map``). ``fn`` must be picklable
    (a module-level function); shmhub objects among the items travel by name."""
    seq = items if isinstance(items, (list, tuple)) else list(items)
    n = workers if workers is not None else cores()
    if n < 1:
        raise ValueError(f"workers must be at least 1, not {n}")
    if not seq:
        return []
    with Pool(min(n, len(seq)), blas_threads=blas_threads) as pool:
        return pool.map(fn, seq, chunksize)
