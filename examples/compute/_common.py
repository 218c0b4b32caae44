"""Shared helpers of the compute examples: unique names, timing, and a result line."""

from __future__ import annotations

import os
import time
import uuid
from typing import Callable, Tuple


def unique(tag: str) -> str:
    return f"ex-{tag}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


def best_of(fn: Callable[[], object], repeat: int) -> Tuple[float, object]:
    """The fastest of `repeat` runs (seconds) and the last result."""
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out
