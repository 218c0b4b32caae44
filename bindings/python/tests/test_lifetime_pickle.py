"""View lifetime, pickling by name, and multiprocessing pools (fork and spawn)."""

import gc
import multiprocessing as mp
import pickle
import weakref

import numpy as np
import pytest

import shmhub
from shmhub import _core

import _workers


# ---- view lifetime -------------------------------------------------------------------------------

def test_view_outlives_every_handle(name):
    """Chosen semantics (like numpy.memmap): close() makes the Segment unusable at once, but the
    mapping stays alive until the last numpy view of it dies; views hold it through ``base``."""
    seg = shmhub.create(name, {"a": ((256, 256), "f8"), "b": (10, "i2")})
    a = seg["a"]
    a[:] = np.arange(256 * 256).reshape(256, 256)
    sl = seg["b"][2:8:2]
    seg["b"][:] = np.arange(10)
    handle_ref = weakref.ref(seg._handle)
    seg.close()
    del seg
    gc.collect()
    assert handle_ref() is not None  # the mapping is kept by the views
    assert a[255, 255] == 256 * 256 - 1 and a.sum() == (256 * 256 - 1) * 256 * 256 / 2
    assert sl.tolist() == [2, 4, 6]
    a[0, 0] = -1  # still writable, still the shared memory
    with shmhub.open(name) as other:
        assert other["a"][0, 0] == -1
    derived = a[10:20]  # views of views keep it too
    del a, sl
    gc.collect()
    assert handle_ref() is not None
    assert derived[0, 0] == 10 * 256
    del derived
    gc.collect()
    assert handle_ref() is None  # last view gone: unmapped


def test_closed_segment_refuses_use(name):
    seg = shmhub.create(name, {"a": (3, "u1")})
    seg.close()
    for use in (lambda: seg["a"], lambda: seg.info(), lambda: seg.size, lambda: seg.path):
        with pytest.raises(ValueError) as ei:
            use()
        assert name in str(ei.value)


# ---- pickling by name ----------------------------------------------------------------------------

def test_segment_and_stream_pickle_by_name(name, make_name):
    seg = shmhub.create(name, {"a": (1000, "f8")})
    blob = pickle.dumps(seg)
    assert len(blob) < 300 and name.encode() in blob
    seg2 = pickle.loads(blob)
    assert isinstance(seg2, shmhub.Segment) and seg2.name == name and seg2 is not seg
    seg2["a"][3] = 42.0
    assert seg["a"][3] == 42.0
    ro = pickle.loads(pickle.dumps(shmhub.open(name, readonly=True)))
    assert ro.readonly and not ro["a"].flags.writeable

    sname = make_name()
    s = shmhub.Stream.create(sname, (2, 3), "i4")
    blob = pickle.dumps(s)
    assert len(blob) < 300
    s2 = pickle.loads(blob)
    assert s2.name == sname and s2.shape == (2, 3) and s2.dtype == np.int32
    s.write(np.full((2, 3), 7))
    assert s2.read().tolist() == [[7] * 3] * 2
    s2.close()
    s.close()


def test_views_pickle_by_name_and_alias(name):
    seg = shmhub.create(name, {"a": ((20, 30), "i4"), "s": ((), "f8")})
    a = seg["a"]
    a[:] = np.arange(600).reshape(20, 30)
    cases = [a, a[3:9], a[::3, 5::-2], a[2, 1:], a.T, a[4, 5, ...], seg["s"]]
    for v in cases:
        blob = pickle.dumps(v)
        assert len(blob) < 1024
        assert b"\x00\x00\x00\x00" * 16 not in blob  # no data
        w = pickle.loads(blob)
        assert isinstance(w, shmhub.SharedArray)
        assert w.shape == v.shape and w.strides == v.strides and w.dtype == v.dtype
        assert np.array_equal(w, v)
        assert w.ctypes.data != v.ctypes.data  # another mapping ...
        w[...] = -7                            # ... of the same memory
        assert np.all(v == -7)
        v[...] = 5
        assert np.all(w == 5)
        a[:] = np.arange(600).reshape(20, 30)
    # a pickled view is usable after every handle of the original is gone
    w = pickle.loads(pickle.dumps(a[1:3]))
    seg.close()
    del seg, a, cases, v
    gc.collect()
    assert w.tolist() == np.arange(30, 90).reshape(2, 30).tolist()


def test_readonly_views_pickle_read_only(name):
    with shmhub.create(name, {"a": (10, "u2")}) as seg:
        seg["a"][:] = 3
        ro = shmhub.open(name, readonly=True)
        w = pickle.loads(pickle.dumps(ro["a"][2:5]))
        assert not w.flags.writeable and w.tolist() == [3, 3, 3]


def test_ufunc_results_pickle_by_value(name):
    with shmhub.create(name, {"a": (1000, "f8")}) as seg:
        a = seg["a"]
        a[:] = 1.0
        for r in (a + 1, a * a, np.sqrt(a), a.copy(), a.sum(keepdims=True)):
            blob = pickle.dumps(r)
            assert len(blob) >= r.nbytes
            back = pickle.loads(blob)
            assert not isinstance(back, shmhub.SharedArray) or getattr(back, "_shm", None) is None
            assert np.array_equal(back, r)
            back[...] = 0  # independent memory
        assert np.all(a == 1.0)


def test_pickle_of_view_of_1gib_array_is_tiny(name):
    # 1 GiB of fallocated tmpfs; only the pages we touch get written
    with shmhub.create(name, {"big": ((1 << 27,), "f8")}) as seg:
        big = seg["big"]
        assert big.nbytes == 1 << 30
        big[-1] = 3.5
        big[0] = 1.5
        blob = pickle.dumps(big)
        assert len(blob) < 1024
        back = pickle.loads(blob)
        assert back.nbytes == 1 << 30 and back[-1] == 3.5 and back[0] == 1.5
        assert len(pickle.dumps(big[1 << 26:])) < 1024
        assert len(pickle.dumps(big[::1000])) < 1024


# ---- multiprocessing pools -------------------------------------------------------------------------

@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_pool_over_large_shared_array(make_name, method):
    name = make_name(method)
    n = 16 << 20  # 16 Mi int64 = 128 MiB
    with shmhub.create(name, {"x": (n, "i8")}) as seg:
        x = seg["x"]
        x[:] = np.arange(n, dtype=np.int64)
        step = n // 8
        tasks = [x[i:i + step] for i in range(0, n, step)] + [x[5::7], x[100:200]]
        for t in tasks:
            size = len(pickle.dumps((_workers.slice_sum, (t,))))
            assert size < 1024, size
        ctx = mp.get_context(method)
        with ctx.Pool(2) as pool:
            results = pool.map(_workers.slice_sum, tasks, chunksize=1)
        for t, (total, shared, has_base) in zip(tasks, results):
            assert total == int(t.sum())
            assert shared and has_base  # the worker got a zero-copy view, not a copy
        # workers can write too: a write through a pickled view lands in our memory
        with ctx.Pool(1) as pool:
            assert pool.apply(_workers.write_through_pickled_view, (x[10:20], -5))
        assert np.all(x[10:20] == -5) and x[9] == 9 and x[20] == 20


def test_unpickling_after_the_name_was_recreated(name):
    """Views pickle by *name*: after unlink + create under the same name, unpickling gives the new
    segment's memory (never a stale cached mapping), and a view that does not fit the new array is
    refused instead of pointing outside it."""
    seg = shmhub.create(name, {"a": (1000, "f8")})
    seg["a"][:] = 1
    old = pickle.loads(pickle.dumps(seg["a"]))  # this process now holds a reopened mapping
    tail = pickle.dumps(seg["a"][900:])
    seg.close()
    shmhub.unlink(name)
    with shmhub.create(name, {"a": (1000, "f8")}) as seg2:
        seg2["a"][:] = 2
        w = pickle.loads(pickle.dumps(seg2["a"]))
        assert w[0] == 2
        w[0] = 5
        assert seg2["a"][0] == 5 and old[0] == 1  # the old mapping is another (unlinked) segment
    shmhub.unlink(name)
    with shmhub.create(name, {"a": (10, "f8")}):
        with pytest.raises(ValueError) as ei:
            pickle.loads(tail)
        assert isinstance(ei.value, shmhub.InvalidError) and name in ei.value.message
    shmhub.unlink(name)
    with pytest.raises(FileNotFoundError):
        pickle.loads(tail)  # by name: gone is gone, even though `old` still maps it
