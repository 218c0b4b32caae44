"""SynchedMemory across processes: each worker owns one segment of a shared array; every round all
workers write their own segment, synchronise, and read every segment (docs/compute.md).

    >>> sm = shmhub.SynchedMemory.create("run1", workers=4, segment_len=1000, profile=True)
    >>> # in each worker process:
    >>> sm = shmhub.SynchedMemory.open("run1"); sm.attach(worker_id)
    >>> for r in range(40):
    ...     g = sm.write_and_sync(my_part)        # (workers, segment_len) read-only view
    >>> print(sm.profile_table())

Two barriers per round (the C library's ``shmhub_synched_*``), so a read never mixes rounds.
Objects pickle by name: the receiving process reopens the segment (it must ``attach`` itself).
"""

from __future__ import annotations

from typing import Any, Optional, Tuple

import numpy as np

from . import _errors
from . import raw as _raw
from ._core import (_NS, DTypeLike, _check_version, _dtype_code, _Handle, _make_view, _np_dtype,
                    _SegmentOpts, _timeout_ns)
from ._errors import InvalidError, ShmHubError, check


class FinishedError(ShmHubError, EOFError):
    """The synchronised run was ended by :meth:`SynchedMemory.finalize` (SHMHUB_E_FINISHED)."""


_errors._BY_CODE.setdefault(_raw.SHMHUB_E_FINISHED, FinishedError)

_BARRIER_MODES = {"futex": _raw.SHMHUB_WAIT_FUTEX,
                  "spin_then_futex": _raw.SHMHUB_WAIT_SPIN_THEN_FUTEX,
                  "spin": _raw.SHMHUB_WAIT_SPIN}


class _SynchedOpts:
    def __init__(self, *, barrier: str = "futex", spin: float = 50e-6, liveness: float = 1.0,
                 profile: bool = False, profile_rounds: int = 4096,
                 segment: Optional[_SegmentOpts] = None) -> None:
        if barrier not in _BARRIER_MODES:
            raise ValueError(f"barrier must be one of {sorted(_BARRIER_MODES)}, not {barrier!r}")
        self.raw = _raw.shmhub_synched_opts()
        self.raw.barrier_mode = _BARRIER_MODES[barrier]
        self.raw.spin_ns = int(spin * _NS)
        self.raw.liveness_ns = int(liveness * _NS)
        self.raw.flags = _raw.SHMHUB_SYNCHED_PROFILE if profile else 0
        self.raw.profile_rounds = profile_rounds if profile else 0
        self.segment = segment  # kept alive while the C struct points at it
        if segment is not None:
            _raw.synched_opts_set_segment(self.raw, segment.raw)


class SynchedMemory:
    """Per-worker segments of one shared array with a two-barrier write-then-read cycle.

    ``write_and_sync(local)`` returns a read-only ``(workers, segment_len)`` view of every
    worker's data for this round, valid until this worker's next write. For zero-copy writes,
    fill ``sm.local`` (its first access in a round waits until every worker has finished reading
    the previous round) and then call ``sync()``.
    """

    def __init__(self, ptr: Any, dir: Optional[str], barrier: str, liveness: float) -> None:
        self._handle: Optional[_Handle] = _Handle(ptr, _raw.shmhub_synched_close, 0, 0)
        self._dir = dir
        self._barrier = barrier
        self._liveness = liveness
        self._name: str = _raw.shmhub_segment_name(_raw.shmhub_synched_segment(ptr))
        self._workers: int = _raw.shmhub_synched_workers(ptr)
        self._len: int = _raw.shmhub_synched_segment_len(ptr)
        self._dtype: np.dtype = _np_dtype(_raw.shmhub_synched_dtype(ptr))
        status, addr = _raw.shmhub_synched_global(ptr)
        check(status)
        self._addr: int = addr
        self._global = _make_view(self._handle, addr, (self._workers, self._len), self._dtype,
                                  None, True, None)
        self._global.flags.writeable = False
        self._local: Optional[np.ndarray] = None
        self._writing = False

    # -- constructors
    @classmethod
    def create(cls, name: str, workers: int, segment_len: int, dtype: DTypeLike = np.float64, *,
               profile: bool = False, profile_rounds: int = 4096, barrier: str = "futex",
               spin: float = 50e-6, liveness: float = 1.0, mode: int = 0o600,
               dir: Optional[str] = None, unlink_on_close: bool = False) -> "SynchedMemory":
        """Creates ``name`` with ``workers`` segments of ``segment_len`` elements of ``dtype``.
        ``barrier`` is "futex" (default), "spin_then_futex" (spinning ``spin`` seconds first) or
        "spin"; a dead worker is reported within ``liveness`` seconds."""
        _check_version()
        code, _ = _dtype_code(dtype)
        sopts = _SegmentOpts(mode=mode, dir=dir,
                             flags=_raw.SHMHUB_UNLINK_ON_CLOSE if unlink_on_close else 0)
        opts = _SynchedOpts(barrier=barrier, spin=spin, liveness=liveness, profile=profile,
                            profile_rounds=profile_rounds, segment=sopts)
        if workers < 0 or segment_len < 0:
            raise InvalidError(_raw.SHMHUB_E_INVALID,
                               f"synched '{name}': workers and segment_len must be positive")
        status, ptr = _raw.shmhub_synched_create(name, code, int(workers), int(segment_len),
                                                 opts.raw)
        check(status)
        return cls(ptr, dir, barrier, liveness)

    @classmethod
    def open(cls, name: str, *, barrier: str = "futex", spin: float = 50e-6,
             liveness: float = 1.0, dir: Optional[str] = None,
             timeout: Optional[float] = 1.0) -> "SynchedMemory":
        """Opens an existing synched segment by name (not yet a worker: call :meth:`attach`)."""
        _check_version()
        sopts = _SegmentOpts(dir=dir, timeout=timeout)
        opts = _SynchedOpts(barrier=barrier, spin=spin, liveness=liveness, segment=sopts)
        status, ptr = _raw.shmhub_synched_open(name, opts.raw)
        check(status)
        return cls(ptr, dir, barrier, liveness)

    # -- worker side
    def _h(self) -> _Handle:
        """The C handle's owner, for a local that holds it across a C call: a close() in another
        thread while a barrier waits (the GIL released) then cannot free the handle under it."""
        h = self._handle
        if h is None:
            raise InvalidError(_raw.SHMHUB_E_INVALID, f"synched '{self._name}' is closed")
        return h

    def attach(self, worker: int) -> "SynchedMemory":
        """Claims worker id ``worker`` for this process. BlockingIOError (BusyError) while a live
        process holds it; a dead holder's id is claimed again."""
        if worker < 0:
            raise InvalidError(_raw.SHMHUB_E_RANGE, f"synched '{self._name}': worker {worker} < 0")
        h = self._h()
        check(_raw.shmhub_synched_attach(h.ptr, int(worker)))
        return self

    def write_and_sync(self, local: Any, timeout: Optional[float] = None) -> np.ndarray:
        """Waits until every worker has read the previous round, copies ``local`` (segment_len
        elements, converted to the dtype) into this worker's segment, waits until every worker
        has written, and returns the read-only (workers, segment_len) view of this round.
        ConnectionError (PeerDeadError) if a worker died, TimeoutError, EOFError (FinishedError)
        after finalize."""
        arr = np.asarray(local, dtype=self._dtype, order="C")
        if arr.size != self._len:
            raise InvalidError(_raw.SHMHUB_E_SIZE,
                               f"synched '{self._name}': {arr.size} elements, a worker segment "
                               f"holds {self._len}")
        if self._writing:
            raise InvalidError(_raw.SHMHUB_E_INVALID,
                               f"synched '{self._name}': sm.local is being written; call sync()")
        h = self._h()
        check(_raw.shmhub_synched_write_and_sync(h.ptr, arr, _timeout_ns(timeout)))
        return self._global

    def begin_write(self, timeout: Optional[float] = None) -> np.ndarray:
        """Waits until every worker has finished reading the previous round; returns this
        worker's segment (writable, zero-copy). Finish with :meth:`sync`."""
        if not self._writing:
            h = self._h()
            status, addr = _raw.shmhub_synched_begin_write(h.ptr, _timeout_ns(timeout))
            check(status)
            self._writing = True
            if self._local is None:
                self._local = _make_view(h, addr, (self._len,), self._dtype, None,
                                         False, None)
        assert self._local is not None
        return self._local

    @property
    def local(self) -> np.ndarray:
        """This worker's segment, writable in place. The first access in a round performs the
        round's first barrier (as :meth:`begin_write`); then call :meth:`sync`."""
        return self.begin_write()

    def sync(self, timeout: Optional[float] = None) -> np.ndarray:
        """Waits until every worker has written this round; returns the read-only global view."""
        if not self._writing:
            raise InvalidError(_raw.SHMHUB_E_INVALID,
                               f"synched '{self._name}': sync() without begin_write()/local")
        self._writing = False
        h = self._h()
        check(_raw.shmhub_synched_sync(h.ptr, _timeout_ns(timeout)))
        return self._global

    @property
    def global_view(self) -> np.ndarray:
        """Every worker's segment, (workers, segment_len), read-only; this round's data until
        this worker's next write."""
        self._h()
        return self._global

    def finalize(self) -> None:
        """Ends the run for every worker: their barriers raise EOFError (FinishedError)."""
        h = self._h()
        check(_raw.shmhub_synched_finalize(h.ptr))

    # -- properties
    @property
    def name(self) -> str:
        return self._name

    @property
    def workers(self) -> int:
        return self._workers

    @property
    def segment_len(self) -> int:
        return self._len

    @property
    def dtype(self) -> np.dtype:
        return self._dtype

    @property
    def worker(self) -> Optional[int]:
        """This handle's worker id, or None when not attached."""
        h = self._h()
        w = _raw.shmhub_synched_worker(h.ptr)
        return None if w < 0 else w

    @property
    def round(self) -> int:
        """Rounds this handle's worker has completed."""
        h = self._h()
        return _raw.shmhub_synched_round(h.ptr)

    # -- profile
    def profile(self) -> np.ndarray:
        """Per worker and round: (compute, wait, cycle) in seconds, shape (workers, rounds, 3),
        rounds being the fewest any worker has recorded. ValueError if profiling is off."""
        h = self._h()
        ptr = h.ptr
        per = []
        for w in range(self._workers):
            status, n = _raw.shmhub_synched_profile(ptr, w, np.empty(0, np.int64))
            check(status)
            buf = np.zeros(3 * n, np.int64)
            status, n2 = _raw.shmhub_synched_profile(ptr, w, buf)
            check(status)
            per.append(buf[:3 * min(n, n2)].reshape(-1, 3))
        rounds = min(len(p) for p in per) if per else 0
        return np.stack([p[:rounds] for p in per]).astype(np.float64) / _NS

    def profile_table(self) -> str:
        """The SynchedMemory crate's table: compute ms per block (round) and worker, then Total
        Comp (ms), Total Time (ms) and Comp Ratio (%) per worker."""
        p = self.profile()
        workers, rounds = p.shape[0], p.shape[1]
        head = f"{'Block':>12} |" + "".join(f"{'Worker ' + str(w):>12}" for w in range(workers))
        lines = [head, "-" * len(head)]
        for r in range(rounds):
            lines.append(f"{r:>12} |" + "".join(f"{p[w, r, 0] * 1e3:12.3f}" for w in range(workers)))
        lines.append("-" * len(head))
        comp = p[:, :, 0].sum(axis=1) * 1e3
        total = p[:, :, 2].sum(axis=1) * 1e3
        ratio = np.divide(comp, total, out=np.zeros_like(comp), where=total > 0) * 100
        lines.append(f"{'Total Comp':>12} |" + "".join(f"{c:12.3f}" for c in comp))
        lines.append(f"{'Total Time':>12} |" + "".join(f"{t:12.3f}" for t in total))
        lines.append(f"{'Comp Ratio %':>12} |" + "".join(f"{x:12.1f}" for x in ratio))
        return "\n".join(lines)

    def plot_profile(self, path: str) -> str:
        """Writes a PNG: stacked compute and wait time per round for each worker."""
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        p = self.profile()
        workers, rounds = p.shape[0], p.shape[1]
        fig, axes = plt.subplots(workers, 1, figsize=(8, 1.6 * workers + 1), sharex=True,
                                 squeeze=False)
        x = np.arange(rounds)
        for w in range(workers):
            ax = axes[w][0]
            ax.bar(x, p[w, :, 0] * 1e3, color="tab:blue", label="compute")
            ax.bar(x, p[w, :, 1] * 1e3, bottom=p[w, :, 0] * 1e3, color="tab:orange", label="wait")
            ax.set_ylabel(f"worker {w}\nms")
        axes[0][0].legend(loc="upper right", fontsize="small")
        axes[-1][0].set_xlabel("round (block)")
        fig.suptitle(f"SynchedMemory '{self._name}': compute and wait per round")
        fig.tight_layout()
        fig.savefig(path, dpi=100)
        plt.close(fig)
        return path

    # -- lifetime
    @property
    def closed(self) -> bool:
        return self._handle is None

    def close(self) -> None:
        """Releases this handle (and its worker id) once no view of its memory is left; views
        already returned keep the mapping alive."""
        self._local = None
        self._global = None  # type: ignore[assignment]
        self._handle = None

    def __enter__(self) -> "SynchedMemory":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __reduce__(self) -> Tuple[Any, ...]:
        return (_reopen, (self._name, self._dir, self._barrier, self._liveness))

    def __repr__(self) -> str:
        state = "closed" if self._handle is None else \
            f"{self._workers} x {self._len} {self._dtype}"
        return f"<shmhub.SynchedMemory {self._name!r} {state}>"


def _reopen(name: str, dir: Optional[str], barrier: str, liveness: float) -> SynchedMemory:
    return SynchedMemory.open(name, dir=dir, barrier=barrier, liveness=liveness)
