"""SynchedMemory from Python: the two-barrier cycle across processes (0 mixed-round reads, copy
and zero-copy), worker ids, dead workers, timeouts, finalize, the profile table and plot, pickling
by name, and bad input."""

from __future__ import annotations

import multiprocessing as mp
import pickle

import numpy as np
import pytest

import shmhub
from shmhub import raw

import _compute_workers as cw


@pytest.mark.parametrize("barrier", ["futex", "spin_then_futex"])
@pytest.mark.parametrize("zero_copy", [False, True])
def test_cycle_has_no_mixed_rounds(name, barrier, zero_copy):
    sm = shmhub.SynchedMemory.create(name, workers=3, segment_len=256, dtype=np.uint64)
    ctx = mp.get_context("fork")
    with ctx.Pool(3) as pool:
        mixed = pool.starmap(cw.cycle_by_name, [(name, w, 40, zero_copy) for w in range(3)])
    assert mixed == [0, 0, 0]
    sm.close()


def test_pickles_by_name(name):
    sm = shmhub.SynchedMemory.create(name, workers=2, segment_len=8, dtype=np.float32)
    ctx = mp.get_context("spawn")
    with ctx.Pool(2) as pool:  # the objects travel by name to fresh interpreters
        mixed = pool.starmap(cw.cycle, [(sm, w, 5, w == 1) for w in range(2)])
    assert mixed == [0, 0]
    other = pickle.loads(pickle.dumps(sm))
    assert other.name == name and other.workers == 2 and other.dtype == np.float32
    assert other.worker is None  # a worker id is never pickled: attach in the receiver
    other.close()
    sm.close()


def test_worker_ids_and_bad_input(name):
    sm = shmhub.SynchedMemory.create(name, workers=2, segment_len=4, dtype="f8")
    assert (sm.workers, sm.segment_len, sm.dtype, sm.worker) == (2, 4, np.float64, None)
    with pytest.raises(ValueError):
        sm.write_and_sync(np.zeros(4))  # not attached
    with pytest.raises(ValueError):
        sm.attach(2)
    sm.attach(0)
    assert sm.worker == 0
    other = shmhub.SynchedMemory.open(name)
    with pytest.raises(BlockingIOError):
        other.attach(0)
    with pytest.raises(ValueError):
        sm.write_and_sync(np.zeros(5))
    with pytest.raises(ValueError):
        sm.sync()
    with pytest.raises(ValueError):
        shmhub.SynchedMemory.create(name + "x", workers=0, segment_len=4)
    with pytest.raises(ValueError):
        shmhub.SynchedMemory.create(name + "x", workers=2, segment_len=4, barrier="nope")
    with pytest.raises(FileExistsError):
        shmhub.SynchedMemory.create(name, workers=2, segment_len=4)
    with pytest.raises(FileNotFoundError):
        shmhub.SynchedMemory.open(name + "-missing")
    with pytest.raises(ValueError):
        sm.profile()  # profiling is off
    g = sm.global_view
    assert g.shape == (2, 4) and not g.flags.writeable
    del g  # views keep the handle (and its worker id) alive
    sm.close()
    other.attach(0)  # released by close
    other.close()
    with pytest.raises(ValueError):
        sm.attach(1)  # closed
    seg = shmhub.open(name)  # the generic view of the segment
    assert seg.kind == "synched" and seg["data"].shape == (2, 4)
    seg.close()


def test_dead_worker_breaks_the_barrier(name):
    sm = shmhub.SynchedMemory.create(name, workers=2, segment_len=16, dtype="i4", liveness=0.2)
    sm.attach(0)
    p = mp.get_context("fork").Process(target=cw.die_after_one_round, args=(name, 1))
    p.start()
    sm.write_and_sync(np.ones(16, "i4"), timeout=60)
    with pytest.raises(shmhub.PeerDeadError) as e:
        sm.write_and_sync(np.ones(16, "i4"))  # forever but for the liveness check
    assert "worker 1 died" in str(e.value) and isinstance(e.value, ConnectionError)
    p.join()
    sm.close()


def test_timeout_and_finalize(name):
    sm = shmhub.SynchedMemory.create(name, workers=2, segment_len=4, dtype="u1")
    sm.attach(0)
    with pytest.raises(TimeoutError):
        sm.write_and_sync(np.zeros(4, "u1"), timeout=0.02)
    sm.close()
    sm = shmhub.SynchedMemory.create(name + "f", workers=1, segment_len=4, dtype="u1",
                                     unlink_on_close=True)
    sm.attach(0)
    g = sm.write_and_sync([1, 2, 3, 4])
    assert g.tolist() == [[1, 2, 3, 4]]
    sm.finalize()
    with pytest.raises(shmhub.FinishedError) as e:
        sm.write_and_sync([1, 2, 3, 4])
    assert isinstance(e.value, EOFError) and e.value.name == "SHMHUB_E_FINISHED"
    sm.close()


def test_profile_table_and_plot(name, tmp_path):
    sm = shmhub.SynchedMemory.create(name, workers=2, segment_len=32, dtype="u8", profile=True)
    with mp.get_context("fork").Pool(2) as pool:
        assert pool.starmap(cw.cycle_by_name, [(name, w, 6, False) for w in range(2)]) == [0, 0]
    p = sm.profile()
    assert p.shape == (2, 6, 3)
    assert (p >= 0).all() and (p[:, :, 2] >= p[:, :, 0] + p[:, :, 1]).all()
    table = sm.profile_table()
    lines = table.splitlines()
    assert "Block" in lines[0] and "Worker 0" in lines[0] and "Worker 1" in lines[0]
    assert [ln.split("|")[0].strip() for ln in lines[-3:]] == ["Total Comp", "Total Time",
                                                                "Comp Ratio %"]
    assert len(lines) == 2 + 6 + 1 + 3
    total_comp = [float(x) for x in lines[-3].split("|")[1].split()]
    assert np.allclose(total_comp, p[:, :, 0].sum(axis=1) * 1e3, atol=1e-3)
    png = sm.plot_profile(str(tmp_path / "profile.png"))
    with open(png, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    sm.close()


def test_raw_blas_set_threads():
    from threadpoolctl import threadpool_info
    before = [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]
    assert before, "numpy's BLAS is loaded"
    assert raw.shmhub_blas_set_threads(0) == raw.SHMHUB_E_INVALID
    assert raw.shmhub_blas_set_threads(1) == 0  # found by dlsym in numpy's private OpenBLAS
    assert all(i["num_threads"] == 1 for i in threadpool_info() if i["user_api"] == "blas")
    assert raw.shmhub_blas_set_threads(before[0]) == 0
