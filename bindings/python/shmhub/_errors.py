"""Exceptions: every failing C call becomes one, carrying the status code and the library's message.

Each class subclasses the matching built-in exception too, so ``except FileNotFoundError`` works.
"""

from __future__ import annotations

from . import raw as _raw


class ShmHubError(Exception):
    """A shmhub call failed.

    Attributes:
        code: the ``shmhub_status`` (a negative int).
        name: the status's enumerator name, e.g. ``"SHMHUB_E_NOT_FOUND"``.
        message: the library's message (``shmhub_last_error()``), naming the segment.
    """

    def __init__(self, code: int, message: str) -> None:
        self.code = code
        self.name = _raw.shmhub_status_name(code)
        self.message = message
        super().__init__(f"{message} [{self.name}]")

    def __str__(self) -> str:
        return f"{self.message} [{self.name}]"

    def __reduce__(self):
        return (_make, (self.code, self.message))


class NotFoundError(ShmHubError, FileNotFoundError):
    """No segment (or array) by that name."""


class ExistsError(ShmHubError, FileExistsError):
    """A segment (or array) by that name already exists."""


class PermissionDeniedError(ShmHubError, PermissionError):
    """The OS refused access, or the segment belongs to another user."""


class WaitTimeoutError(ShmHubError, TimeoutError):
    """The timeout expired first."""


class InvalidError(ShmHubError, ValueError):
    """An argument is invalid, or a buffer has the wrong size."""


class ClosedError(InvalidError):
    """The object was closed (``close()``, or by another thread while this call waited).

    A ``ValueError``, as for I/O on a closed file; the C handle itself stays alive until every call
    in flight on it has returned, so no call ever touches freed memory."""

    def __reduce__(self):
        return (ClosedError, (self.code, self.message))


class CorruptError(ShmHubError, ValueError):
    """The segment failed validation, has an incompatible version, or is of another kind."""


class PeerDeadError(ShmHubError, ConnectionError):
    """The process this call depends on (a creator or writer) has died."""


class EmptyError(ShmHubError, LookupError):
    """The stream has no frame yet."""


class BusyError(ShmHubError, BlockingIOError):
    """The resource is in use (another writer, an open loan, or the frame was overwritten)."""


class SpaceError(ShmHubError, MemoryError):
    """No space left for shared memory, or out of memory."""


class FullError(ShmHubError, MemoryError):
    """A container is full: a dictionary's keys or value bytes (since 1.1)."""


_BY_CODE = {
    _raw.SHMHUB_E_INVALID: InvalidError,
    _raw.SHMHUB_E_NOT_FOUND: NotFoundError,
    _raw.SHMHUB_E_EXISTS: ExistsError,
    _raw.SHMHUB_E_PERMISSION: PermissionDeniedError,
    _raw.SHMHUB_E_NO_SPACE: SpaceError,
    _raw.SHMHUB_E_NO_MEMORY: SpaceError,
    _raw.SHMHUB_E_CORRUPT: CorruptError,
    _raw.SHMHUB_E_VERSION: CorruptError,
    _raw.SHMHUB_E_WRONG_KIND: CorruptError,
    _raw.SHMHUB_E_TIMEOUT: WaitTimeoutError,
    _raw.SHMHUB_E_PEER_DEAD: PeerDeadError,
    _raw.SHMHUB_E_READ_ONLY: PermissionDeniedError,
    _raw.SHMHUB_E_SIZE: InvalidError,
    _raw.SHMHUB_E_RANGE: InvalidError,
    _raw.SHMHUB_E_IO: ShmHubError,
    _raw.SHMHUB_E_BUSY: BusyError,
    _raw.SHMHUB_E_EMPTY: EmptyError,
    _raw.SHMHUB_E_OVERWRITTEN: BusyError,
    _raw.SHMHUB_E_FULL: FullError,
}


def _make(code: int, message: str) -> ShmHubError:
    return _BY_CODE.get(code, ShmHubError)(code, message)


def check(status: int) -> None:
    """Raises the exception for a failed status; reads the message at once, on this thread."""
    if status != 0:
        raise _make(status, _raw.shmhub_last_error())
