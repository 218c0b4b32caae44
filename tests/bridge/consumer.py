"""The Python consumer of the bridge tests: the same contract as `bridge_producer check` (see
tests/bridge/bridge_producer.c), through the shmhub Python package on the receiving side.

    consumer.py NAME FRAME_BYTES LAST TIMEOUT_S   (segments in $SHMHUB_DIR)

Reads frames losslessly from the oldest in the ring until a frame's k is LAST, checks every byte
against the producer's formula, prints the counts as JSON; exit 0 iff all frames matched and LAST
was seen."""
import json
import os
import sys
import time

import numpy as np
import shmhub


def expected(k: int, n: int) -> np.ndarray:
    j = np.arange(n, dtype=np.uint64)
    out = ((np.uint64(k) * np.uint64(131) + j * np.uint64(7) + (j >> np.uint64(8))) & np.uint64(0xFF)).astype(np.uint8)
    if n >= 8:
        out[:8] = np.frombuffer(np.uint64(k).tobytes(), dtype=np.uint8)
    return out


def main() -> int:
    name, n, last, timeout = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    d = os.environ.get("SHMHUB_DIR")
    deadline = time.monotonic() + timeout
    while True:
        try:
            s = shmhub.Stream.open(name, dir=d, readonly=True)
            break
        except FileNotFoundError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.01)
    assert s.shape == (n,) and s.dtype == np.uint8, (s.shape, s.dtype)
    s.seek(0)
    frames = gaps = local_missed = bad = first = prev = 0
    while prev != last and time.monotonic() < deadline:
        try:
            f = s.read_next(timeout=0.05)
        except TimeoutError:
            continue
        local_missed += s.last_info.missed
        k = int(np.frombuffer(f[:8].tobytes(), dtype=np.uint64)[0])
        if k <= prev or not np.array_equal(f, expected(k, n)):
            bad += 1
            if bad <= 5:
                print(f"consumer: frame k={k} (after {prev}) differs from the producer's", file=sys.stderr)
        if frames == 0:
            first = k
        elif k > prev + 1:
            gaps += k - prev - 1
        frames += 1
        prev = k
    s.close()
    print(json.dumps({"frames": frames, "gaps": gaps, "local_missed": local_missed, "first": first,
                      "last": prev, "bad": bad}))
    return 0 if bad == 0 and prev == last else 1


if __name__ == "__main__":
    sys.exit(main())
