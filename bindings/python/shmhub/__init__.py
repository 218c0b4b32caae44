"""shmhub: named shared-memory segments of typed N-d arrays and live streams, zero-copy.

    >>> import numpy as np, shmhub
    >>> seg = shmhub.create("prices", {"close": ((1000, 500), np.float32)})
    >>> seg["close"][:] = 1.0                 # a numpy view of the shared memory
    >>> other = shmhub.open("prices")         # any process, by name
    >>> s = shmhub.Stream.create("cam0", shape=(480, 640), dtype=np.uint8)
    >>> s.write(np.zeros((480, 640), np.uint8)); frame = s.read()

See docs/python.md. The raw SWIG module generated from abi/shmhub.h is ``shmhub.raw``.
"""

from . import raw as _raw
from ._core import (FrameInfo, Segment, SegmentLock, SharedArray, Stream, create, list, open,
                    unlink)
from ._errors import (BusyError, ClosedError, CorruptError, EmptyError, ExistsError, InvalidError,
                      NotFoundError, PeerDeadError, PermissionDeniedError, ShmHubError,
                      SpaceError, WaitTimeoutError)
from . import parallel
from .synched import FinishedError, SynchedMemory
from ._errors import FullError
from .dict import SharedDict
from .pool import Buffer, MemoryPool

__version__ = _raw.shmhub_version_string()

__all__ = [
    "Segment", "Stream", "SharedArray", "SegmentLock", "FrameInfo", "create", "open", "unlink",
    "list", "ClosedError",
    "ShmHubError", "NotFoundError", "ExistsError", "PermissionDeniedError", "WaitTimeoutError",
    "InvalidError", "CorruptError", "PeerDeadError", "EmptyError", "BusyError", "SpaceError",
    "SynchedMemory", "FinishedError", "parallel", "__version__",
    "__version__", "SharedDict", "MemoryPool", "Buffer", "FullError",
]
