"""shmhub.parallel: Pool caps BLAS threads in its workers (threadpoolctl), parallel_map keeps
order, and shmhub arrays travel to the workers by name (written in place, no copy)."""

from __future__ import annotations

import numpy as np
import pytest

import shmhub
from shmhub import parallel

import _compute_workers as cw


def test_blas_threads_rule():
    c = parallel.cores()
    assert parallel.blas_threads_for(1) == c
    assert parallel.blas_threads_for(c) == 1
    assert parallel.blas_threads_for(4 * c) == 1  # at least 1
    assert parallel.blas_threads_for(2, None) is None
    assert parallel.blas_threads_for(2, 3) == 3
    with pytest.raises(ValueError):
        parallel.blas_threads_for(2, 0)


def test_pool_caps_blas_threads_in_workers():
    from threadpoolctl import threadpool_info
    parent = [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]
    with parallel.Pool(2, blas_threads=1) as pool:
        per_worker = pool.map(parallel._worker_blas_threads, range(4))
    assert all(t == [1] for t in per_worker)
    with parallel.Pool(1, blas_threads=None) as pool:
        assert pool.map(parallel._worker_blas_threads, [0]) == [parent]
    with parallel.Pool(1) as pool:  # auto: cores // 1
        assert pool.map(parallel._worker_blas_threads, [0]) == [[parallel.cores()]]


def test_parallel_map_order_and_shared_arrays(name):
    assert parallel.parallel_map(cw.matmul_trace, [3, 4, 5], workers=2) == \
        [cw.matmul_trace(n) for n in (3, 4, 5)]
    assert parallel.parallel_map(cw.matmul_trace, [], workers=2) == []
    seg = shmhub.create(name, {"x": ((1000,), "f8")})
    x = seg["x"]
    x[:] = np.arange(1000)
    sums = parallel.parallel_map(cw.square_rows, [(x, i, i + 250) for i in range(0, 1000, 250)],
                                 workers=2)
    assert np.array_equal(x, np.arange(1000.0) ** 2)  # written by the workers, in place
    assert sums == [float((np.arange(i, i + 250.0) ** 2).sum()) for i in range(0, 1000, 250)]
    with pytest.raises(ValueError):
        parallel.parallel_map(cw.matmul_trace, [1], workers=0)
    seg.close()
