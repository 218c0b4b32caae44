"""The GIL is released while blocked, and asyncio waits never block the event loop."""

import asyncio
import threading
import time

import numpy as np
import pytest

import shmhub
from shmhub import raw


def test_gil_released_while_blocked_in_read_next(name):
    with shmhub.Stream.create(name, 4, "f4") as s:
        r = shmhub.Stream.open(name)
        result = {}

        def reader():
            t = time.monotonic()
            try:
                r.read_next(timeout=1.0)
            except TimeoutError:
                result["timeout"] = True
            result["waited"] = time.monotonic() - t

        th = threading.Thread(target=reader)
        th.start()
        time.sleep(0.05)  # the reader is asleep in the futex wait by now
        counter = 0
        t = time.monotonic()
        while th.is_alive():
            counter += 1
        spent = time.monotonic() - t
        th.join()
        assert result == {"timeout": True, "waited": pytest.approx(1.0, abs=0.5)}
        # a held GIL would freeze this loop for the whole second; released, it spins freely
        assert spent > 0.5 and counter > 100_000, (counter, spent)
        r.close()


def test_gil_released_in_wait_and_writer_wakes_reader(name):
    with shmhub.Stream.create(name, 4, "f4") as s:
        r = shmhub.Stream.open(name)
        got = []
        th = threading.Thread(target=lambda: got.append(r.read_next(timeout=5.0).tolist()))
        th.start()
        time.sleep(0.1)
        s.write([1, 2, 3, 4])  # needs the GIL while the reader sleeps
        th.join(5)
        assert got == [[1, 2, 3, 4]]
        r.close()


def _writer_later(s, frames, delay):
    def run():
        for f in frames:
            time.sleep(delay)
            s.write(f)
    th = threading.Thread(target=run)
    th.start()
    return th


def test_read_new_async_gets_frame_and_loop_stays_responsive(name):
    async def main():
        with shmhub.Stream.create(name, (2, 2), "i4") as w, shmhub.Stream.open(name) as r:
            ticks = 0
            stop = False

            async def ticker():
                nonlocal ticks
                while not stop:
                    ticks += 1
                    await asyncio.sleep(0.01)

            tick_task = asyncio.create_task(ticker())
            th = _writer_later(w, [np.full((2, 2), 7)], 0.4)
            t = time.monotonic()
            frame = await r.read_new_async(timeout=5)
            waited = time.monotonic() - t
            stop = True
            await tick_task
            th.join()
            return frame, waited, ticks

    frame, waited, ticks = asyncio.run(main())
    assert frame.tolist() == [[7, 7], [7, 7]]
    assert 0.3 < waited < 4
    assert ticks >= 15, ticks  # the loop ran every 10 ms while we waited ~0.4 s


def test_read_new_async_timeout(name):
    async def main():
        with shmhub.Stream.create(name, 2, "f8") as s:
            t = time.monotonic()
            with pytest.raises(TimeoutError) as ei:
                await s.read_new_async(timeout=0.3)
            return time.monotonic() - t, ei.value

    waited, err = asyncio.run(main())
    assert 0.25 < waited < 2
    assert isinstance(err, shmhub.WaitTimeoutError) and err.code == raw.SHMHUB_E_TIMEOUT


def test_async_for_receives_frames_in_order(name):
    n = 12

    async def main():
        with shmhub.Stream.create(name, 3, "u2", slots=32) as w, shmhub.Stream.open(name) as r:
            th = _writer_later(w, [np.full(3, i) for i in range(1, n + 1)], 0.01)
            got = []
            async for frame in r:
                got.append(int(frame[0]))
                assert r.last_info.missed == 0
                if len(got) == n:
                    break
            th.join()
            return got

    assert asyncio.run(main()) == list(range(1, n + 1))


def test_read_new_async_from_another_process(name, run_py):
    import subprocess
    import sys
    import textwrap

    async def main():
        with shmhub.Stream.create(name, 4, "f4") as s:
            r = shmhub.Stream.open(name)
            code = textwrap.dedent("""
                import sys, time, shmhub
                s = shmhub.Stream.open(sys.argv[1])
                time.sleep(0.2)
                s.write([5, 6, 7, 8])
            """)
            p = subprocess.Popen([sys.executable, "-c", code, name])
            try:
                frame = await r.read_new_async(timeout=10)
            finally:
                p.wait(20)
            r.close()
            return frame, p.returncode

    frame, rc = asyncio.run(main())
    assert rc == 0 and frame.tolist() == [5, 6, 7, 8]
