"""Threads and processes writing different arrays and reading one stream concurrently."""

import multiprocessing as mp
import threading

import numpy as np

import shmhub

import _workers


def test_threads_write_different_arrays(name):
    k = 6
    with shmhub.create(name, {f"a{i}": ((256, 256), "i4") for i in range(k)}) as seg:
        views = [seg[f"a{i}"] for i in range(k)]
        barrier = threading.Barrier(k)

        def work(i):
            barrier.wait()
            for rep in range(20):
                views[i][rep % 256, :] = i * 100 + rep
            views[i][...] += 0  # a full-array read-modify-write too
        ths = [threading.Thread(target=work, args=(i,)) for i in range(k)]
        for t in ths:
            t.start()
        for t in ths:
            t.join()
        for i in range(k):
            a = views[i]
            for rep in range(20):
                assert np.all(a[rep] == i * 100 + rep)
            assert np.all(a[20:] == 0)


def test_processes_write_different_arrays(name):
    k = 4
    with shmhub.create(name, {f"a{i}": (1 << 16, "i8") for i in range(k)}) as seg:
        ctx = mp.get_context("fork")
        with ctx.Pool(2) as pool:
            sums = pool.starmap(_workers.write_array, [(name, f"a{i}", i + 1) for i in range(k)])
        assert sums == [(i + 1) << 16 for i in range(k)]
        for i in range(k):
            assert np.all(seg[f"a{i}"] == i + 1)


def test_threads_read_one_stream_each_with_own_handle(name):
    n, readers = 100, 3
    with shmhub.Stream.create(name, (16,), "u8", slots=128) as w:
        handles = [shmhub.Stream.open(name) for _ in range(readers)]
        results = [[] for _ in range(readers)]
        errors = []

        def read(i):
            try:
                for _ in range(n):
                    f = handles[i].read_next(timeout=10)
                    assert np.all(f == f[0])  # never torn
                    results[i].append((handles[i].last_info.seq, int(f[0]),
                                       handles[i].last_info.missed))
            except Exception as e:  # pragma: no cover - reported below
                errors.append(e)

        ths = [threading.Thread(target=read, args=(i,)) for i in range(readers)]
        for t in ths:
            t.start()
        for seq in range(1, n + 1):
            w.write(np.full(16, seq, np.uint64))
        for t in ths:
            t.join(20)
        assert not errors
        for r in results:
            assert r == [(s, s, 0) for s in range(1, n + 1)]
        for h in handles:
            h.close()


def test_multi_writer_threads_and_processes(name):
    per = 50
    with shmhub.Stream.create(name, 2, "i8", slots=1024, multi_writer=True) as s:
        def write_thread(tag):
            with shmhub.Stream.open(name) as h:
                for i in range(per):
                    h.write([tag, i])
        ths = [threading.Thread(target=write_thread, args=(t,)) for t in (1, 2)]
        ctx = mp.get_context("fork")
        ps = [ctx.Process(target=write_thread, args=(t,)) for t in (3, 4)]
        for x in ths + ps:
            x.start()
        for t in ths:
            t.join(20)
        for p in ps:
            p.join(20)
            assert p.exitcode == 0
        assert s.count == 4 * per
        s.seek(0)
        seen = {}
        for _ in range(4 * per):
            tag, i = s.read_next(timeout=0).tolist()
            assert i == seen.get(tag, -1) + 1  # each writer's frames keep their order
            seen[tag] = i
        assert seen == {1: per - 1, 2: per - 1, 3: per - 1, 4: per - 1}
