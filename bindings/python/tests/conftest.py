"""Shared fixtures for the shmhub Python tests.

* ``make_name()`` / ``name``: unique segment names (``pyt<pid>-<n>-<hex>``); every name handed out
  is unlinked from POSIX shm after the test, whoever created it (this process, a subprocess, the C
  peer); ``shm_dir`` removes every segment file in its directory.
* ``shm_dir``: a private directory used as the ``dir=`` of segments a test corrupts or chowns.
* ``c_peer``: the C peer program ``$SHMHUB_BUILD/tests/c_peer`` (skips only when it is missing).
* ``run_py(code)``: runs Python code in a fresh interpreter with the same environment.
"""

from __future__ import annotations

import glob
import itertools
import os
import subprocess
import sys
import uuid

import pytest

import shmhub

TESTS_DIR = os.path.dirname(os.path.abspath(__file__))
# Worker functions for multiprocessing live in _workers.py: importable by name in spawned children
# (they inherit sys.path), whatever import mode pytest uses for the test modules themselves.
if TESTS_DIR not in sys.path:
    sys.path.insert(0, TESTS_DIR)

PREFIX = f"pyt{os.getpid()}-"
_counter = itertools.count()


def _unlink_quietly(name: str, dir: str | None = None) -> None:
    try:
        shmhub.unlink(name, dir=dir)
    except (FileNotFoundError, PermissionError):
        pass


@pytest.fixture
def shm_dir(tmp_path):
    """A private segment directory (like SHMHUB_DIR) for tests that corrupt or chown files."""
    d = tmp_path / "shm"
    d.mkdir()
    yield str(d)
    for f in glob.glob(os.path.join(str(d), "shmhub.*")):
        os.unlink(f)


@pytest.fixture
def make_name():
    """Returns a factory of unique names; all of them are unlinked at teardown."""
    made: list[str] = []

    def make(tag: str = "t") -> str:
        n = f"{PREFIX}{next(_counter)}-{tag}-{uuid.uuid4().hex[:8]}"
        made.append(n)
        return n

    yield make
    for n in made:  # (shm_dir's own teardown empties the private directory)
        _unlink_quietly(n)


@pytest.fixture
def name(make_name):
    return make_name()


@pytest.fixture(scope="session", autouse=True)
def _no_leftovers():
    """Safety net: after the session nothing with this run's prefix is left in /dev/shm."""
    yield
    left = glob.glob(f"/dev/shm/shmhub.{PREFIX}*")
    for f in left:
        os.unlink(f)
    assert not left, f"segments left behind: {left}"


def c_peer_path() -> str:
    build = os.environ.get("SHMHUB_BUILD", os.path.join(TESTS_DIR, "..", "..", "..", "build"))
    return os.path.join(build, "tests", "c_peer")


@pytest.fixture
def c_peer():
    path = c_peer_path()
    if not os.access(path, os.X_OK):
        pytest.skip(f"C peer not built: {path} is missing (set SHMHUB_BUILD to the CMake build "
                    f"directory and build target c_peer)")

    def run(*args: str, timeout: float = 30) -> subprocess.CompletedProcess:
        return subprocess.run([path, *map(str, args)], capture_output=True, text=True,
                              timeout=timeout)
    run.path = path  # type: ignore[attr-defined]
    return run


@pytest.fixture
def run_py():
    def run(code: str, *args: str, timeout: float = 60, check: bool = True) -> subprocess.CompletedProcess:
        p = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                           timeout=timeout, cwd=TESTS_DIR)
        if check:
            assert p.returncode == 0, f"subprocess failed ({p.returncode}):\n{p.stdout}\n{p.stderr}"
        return p
    return run
