"""The per-frame hot path (issue 16 item 1): cached slot views, the C frame-info structs, the C
check of ``out`` arrays, the reused loan context manager and the default ring depth. Each test
checks a guarantee the caching could break: views never outlive (or pin) the handle wrongly, a
loan view is read-only after its block, and a wrong ``out`` is refused every time."""

from __future__ import annotations

import gc
import os
import weakref

import numpy as np
import pytest

import shmhub


def _handle_ref(s):
    return weakref.ref(s._handle)


# -- slot views and the handle's lifetime --------------------------------------------------------

def test_cached_slot_views_do_not_keep_a_closed_stream_alive(name):
    s = shmhub.Stream.create(name, 8, "f8", slots=2, unlink_on_close=True)
    for _ in range(3):  # fills both slots' loan and peek caches
        with s.loan() as buf:
            buf[:] = 1
        s.peek()
    del buf  # the last loan's view (read-only now) would hold the handle, as any view does
    ref = _handle_ref(s)
    s.close()
    assert ref() is None  # the caches went with close(): no view was kept, so the handle is gone
    assert not os.path.exists(f"/dev/shm/shmhub.{name}")  # unlink_on_close ran at once


def test_dropped_stream_frees_its_handle_without_gc(name):
    s = shmhub.Stream.create(name, 8, "f8", unlink_on_close=True)
    with s.loan() as buf:
        buf[:] = 2
    s.peek()
    ref = _handle_ref(s)
    gc.disable()
    try:
        del s, buf  # no reference cycle (stream -> loan manager -> stream) may pin the handle
        assert ref() is None
    finally:
        gc.enable()
    assert not os.path.exists(f"/dev/shm/shmhub.{name}")


def test_views_taken_before_close_keep_the_mapping(name):
    s = shmhub.Stream.create(name, 8, "i8", slots=2, unlink_on_close=True)
    with s.loan() as loaned:
        loaned[:] = 7
    peeked = s.peek()
    ref = _handle_ref(s)
    s.close()
    assert ref() is not None  # the views hold the handle
    assert peeked.tolist() == [7] * 8 and loaned.tolist() == [7] * 8  # still mapped
    del peeked
    assert ref() is not None
    del loaned
    assert ref() is None
    assert not os.path.exists(f"/dev/shm/shmhub.{name}")


def test_peek_view_is_cached_per_slot_and_read_only(name):
    with shmhub.Stream.create(name, 4, "u2", slots=2) as s:
        s.write([1, 1, 1, 1])
        v1 = s.peek()
        s.write([2, 2, 2, 2])
        v2 = s.peek()
        s.write([3, 3, 3, 3])
        v3 = s.peek()
        assert v1 is v3 and v1 is not v2  # frame 3 lands in frame 1's slot: the same view
        assert v3.tolist() == [3] * 4 and s.validate() and s.last_info.seq == 3
        assert not v3.flags.writeable
        with pytest.raises(ValueError):
            v3.flags.writeable = True  # the slot view cannot be made writeable
        with pytest.raises(ValueError):
            v3[0] = 9


def test_loan_view_is_fresh_and_read_only_after_commit(name):
    with shmhub.Stream.create(name, 4, "u1", slots=2) as s:
        views = []
        for i in range(1, 4):  # the third loan reuses the first loan's slot
            with s.loan() as buf:
                assert buf.flags.writeable
                buf[:] = i
            views.append(buf)
        assert views[0] is not views[2]  # a fresh view per loan, even of the same slot
        for v in views:
            assert not v.flags.writeable
            with pytest.raises(ValueError):
                v[0] = 99  # would scribble on a frame already published
        assert s.read().tolist() == [3] * 4 and s.count == 3


def test_loan_manager_is_reused_and_nested_loans_are_refused(name):
    with shmhub.Stream.create(name, 2, "f4") as s:
        assert s.loan() is s.loan()  # one context manager per handle: no allocation per loan
        with s.loan() as buf:
            with pytest.raises(BlockingIOError):
                with s.loan():
                    pass
            buf[:] = 5  # the refused nested loan left the open one alone
        assert s.read().tolist() == [5, 5] and s.count == 1
        assert not buf.flags.writeable


def test_loan_after_close_is_refused(name):
    s = shmhub.Stream.create(name, 2, "f4")
    s.close()
    with pytest.raises(shmhub.ClosedError):
        with s.loan():
            pass


# -- the C check of out arrays -------------------------------------------------------------------

def _ro():
    a = np.zeros((2, 3), "f8")
    a.flags.writeable = False
    return a


BAD_OUTS = {
    "dtype": lambda: np.empty((2, 3), "f4"),
    "shape, same size": lambda: np.empty((3, 2), "f8"),
    "flat, same size": lambda: np.empty(6, "f8"),
    "Fortran order": lambda: np.empty((2, 3), "f8", order="F"),
    "strided": lambda: np.empty((2, 6), "f8")[:, ::2],
    "read-only": _ro,
    "not an array": lambda: bytearray(48),
}


@pytest.mark.parametrize("what", sorted(BAD_OUTS))
@pytest.mark.parametrize("call", ["read", "read_next"])
def test_out_check_refuses_wrong_arrays_after_a_good_one(name, what, call):
    with shmhub.Stream.create(name, (2, 3), "f8") as s:
        good = np.empty((2, 3), "f8")
        s.write(np.arange(6.0).reshape(2, 3))
        getattr(s, call)(out=good)  # a good out first: nothing cached may let a bad one through
        s.write(np.ones((2, 3)))
        bad = BAD_OUTS[what]()
        with pytest.raises(ValueError) as ei:
            getattr(s, call)(out=bad)
        assert "out must be" in str(ei.value)
        assert getattr(s, call)(out=good) is good and good.sum() == 6.0


def test_out_check_sees_an_array_changed_in_place(name):
    with shmhub.Stream.create(name, (2, 3), "f8") as s:
        s.write(np.ones((2, 3)))
        out = np.empty((2, 3), "f8")
        s.read(out=out)
        out.shape = (3, 2)  # the same object, reshaped: refused, not served from a cache
        with pytest.raises(ValueError):
            s.read(out=out)
        out.shape = (2, 3)
        out.flags.writeable = False
        with pytest.raises(ValueError):
            s.read(out=out)


def test_out_of_an_equal_dtype_spelled_otherwise_is_accepted(name):
    with shmhub.Stream.create(name, 3, "i8") as s:
        s.write([1, 2, 3])
        for dt in (np.int64, np.longlong, "<i8"):  # numpy's buffer formats 'l' and 'q'
            out = np.zeros(3, dt)
            assert s.read(out=out) is out and out.tolist() == [1, 2, 3]
        s.seek(0)
        out = np.zeros(3, np.longlong)
        assert s.read_next(0, out=out) is out and out.tolist() == [1, 2, 3]


def test_write_converts_what_the_hot_path_does_not_take(name):
    with shmhub.Stream.create(name, (2, 2), "f8") as s:
        s.write(np.array([[1, 2], [3, 4]], "i4"))  # another dtype: converted
        assert s.read().tolist() == [[1, 2], [3, 4]]
        s.write(np.arange(8.0).reshape(2, 4)[:, ::2])  # not contiguous: copied in C order
        assert s.read().tolist() == [[0, 2], [4, 6]]
        s.write([[5, 6], [7, 8]])  # a list
        assert s.read().tolist() == [[5, 6], [7, 8]]
        with pytest.raises(ValueError):
            s.write(np.zeros(4))  # same size, wrong shape
        with pytest.raises(ValueError):
            s.write(np.zeros(5))  # wrong size
        assert s.count == 3


# -- frame info and validate --------------------------------------------------------------------

def test_last_info_survives_failed_reads_and_close(name):
    s = shmhub.Stream.create(name, 1, "u4")
    r = shmhub.Stream.open(name)
    assert r.last_info is None
    s.write([5])
    r.read_next(0)
    info = r.last_info
    assert info.seq == 1 and info.missed == 0
    assert r.last_info is info  # built once per frame
    with pytest.raises(TimeoutError):
        r.read_next(0)
    assert r.last_info == info  # a failed read leaves it
    s.write([6])
    r.peek()
    assert r.last_info.seq == 2
    r.close()
    assert r.last_info.seq == 2  # kept in the handle's C state, readable after close
    s.close()


def test_validate_needs_a_peek_and_an_open_stream(name):
    s = shmhub.Stream.create(name, 1, "u4", slots=2)
    s.write([1])
    with pytest.raises(ValueError):
        s.validate()
    s.peek()
    assert s.validate()
    s.write([2])
    s.write([3])  # the peeked slot is reused
    assert not s.validate()
    s.close()
    with pytest.raises(shmhub.ClosedError):
        s.validate()
    with pytest.raises(shmhub.ClosedError):
        s.peek()


# -- default ring depth --------------------------------------------------------------------------

def test_default_slots_follow_the_frame_size(name, make_name):
    with shmhub.Stream.create(name, 8, "f8") as s:
        assert s.slots == 8
    with shmhub.Stream.create(make_name(), (1000, 1000), "f4") as s:  # 4 MB frames
        assert s.slots == 2
    with shmhub.Stream.create(make_name(), 8, "f8", slots=3) as s:  # explicit slots are obeyed
        assert s.slots == 3


def test_loan_in_a_forked_child_is_refused_and_the_parent_keeps_loaning(name):
    s = shmhub.Stream.create(name, 4, "u1")
    with s.loan() as buf:
        buf[:] = 1  # fills the loan cache in the parent
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            try:
                with s.loan() as b:  # the hot path sees the other process and refuses
                    b[:] = 9
                code = 3
            except shmhub.BusyError as e:
                code = 0 if "forked child" in str(e) else 5
        except BaseException:
            code = 4
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    with s.loan() as buf:
        buf[:] = 2
    assert s.read().tolist() == [2] * 4 and s.count == 2
    s.close()


def test_loan_block_that_raises_abandons_and_leaves_the_view_read_only(name):
    with shmhub.Stream.create(name, 3, "i4", slots=2) as s:
        with pytest.raises(KeyError):
            with s.loan() as buf:
                buf[:] = 4
                raise KeyError("boom")
        assert s.count == 0 and not buf.flags.writeable
        with s.loan() as buf2:  # the loan was given back: the next one works
            buf2[:] = 5
        assert s.read().tolist() == [5, 5, 5] and s.count == 1
