"""The compute examples (examples/compute/, docs/examples.md), each run small with its answers
checked by the example itself; the SynchedMemory example's 0-mixed-rounds property, and its
deliberately one-barrier variant, which must fail that property."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from conftest import TESTS_DIR, c_peer_path

EXAMPLES = os.path.normpath(os.path.join(TESTS_DIR, "..", "..", "..", "examples", "compute"))
BUILD = os.path.dirname(os.path.dirname(c_peer_path()))


def run(script: str, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, os.path.join(EXAMPLES, script), *args],
                          capture_output=True, text=True, timeout=timeout, cwd=EXAMPLES)


@pytest.mark.parametrize("script,marker", [
    ("square.py", "square: OK"),
    ("two_arrays.py", "two_arrays: OK"),
    ("sharpe.py", "sharpe: OK"),
    ("ferris.py", "ferris: OK"),
])
def test_example_answers(script, marker):
    p = run(script, "--small")
    assert p.returncode == 0, p.stdout + p.stderr
    assert marker in p.stdout
    assert "WRONG" not in p.stdout and "DIFFERS" not in p.stdout


def test_pipeline_example():
    p = run("pipeline.py", "--small", "--build", BUILD)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "pipeline: OK" in p.stdout
    rows = [ln for ln in p.stdout.splitlines() if re.match(r"\s+\d+ \|", ln)]
    assert [int(r.split("|")[0]) for r in rows] == [100, 1000]
    if os.access(os.path.join(BUILD, "example_sgemv_stage"), os.X_OK):
        assert "nan" not in " ".join(rows)  # the C (OpenBLAS) stage ran


def test_synched_example_has_no_mixed_rounds(tmp_path):
    png = tmp_path / "profile.png"
    p = run("synched_fib.py", "--small", "--plot", str(png))
    assert p.returncode == 0, p.stdout + p.stderr
    assert "two barriers per round: 0 of 160 reads mixed two rounds" in p.stdout
    assert "Comp Ratio %" in p.stdout and "Block" in p.stdout
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_one_barrier_variant_fails_the_property():
    p = run("synched_fib.py", "--small", "--one-barrier")
    assert p.returncode == 1, p.stdout + p.stderr
    m = re.search(r"one barrier per round: (\d+) of 160 reads mixed", p.stdout)
    assert m and int(m.group(1)) > 0, p.stdout
