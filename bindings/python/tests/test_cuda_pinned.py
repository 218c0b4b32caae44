"""shmhub.cuda pinned host segments: register / unregister / is_registered / pinned.

Argument errors are checked everywhere (no GPU, no libshmhub_cuda needed). The wrappers'
bookkeeping runs against the CUDA runtime test double: each scenario of _cuda_pinned_worker.py
runs in a subprocess with LD_PRELOAD=$SHMHUB_BUILD/tests/cuda/libfake_cudart.so in front of the
real libshmhub_cuda.so.1 (which links libcudart dynamically), so the library's cudaHostRegister
and cudaHostUnregister calls land in the double. Those skip, saying why, when the build has no
libshmhub_cuda (no CUDA toolkit). The real-GPU tests are in tests/cuda/test_gpu_python.py.
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

import shmhub
import shmhub.cuda as sc

from conftest import TESTS_DIR

BUILD = os.environ.get("SHMHUB_BUILD", "")
CUDA_LIB = os.path.join(BUILD, "cuda", "libshmhub_cuda.so.1")
FAKE = os.path.join(BUILD, "tests", "cuda", "libfake_cudart.so")


# ---- argument errors: no library, no GPU ----

@pytest.mark.parametrize("fn", [sc.register, sc.unregister, sc.is_registered])
@pytest.mark.parametrize("bad", [None, "name", 42, np.zeros(4)])
def test_not_a_segment_is_a_type_error(fn, bad):
    with pytest.raises(TypeError, match=r"needs a shmhub\.Segment or shmhub\.Stream, not"):
        fn(bad)


def test_pinned_of_none_is_a_type_error():
    with pytest.raises(TypeError, match="register needs a shmhub.Segment"):
        with sc.pinned(None):
            pass


def test_gpu_stream_is_refused_with_the_reason():
    fake_gpu_stream = object.__new__(sc.GPUStream)  # no handle: never reaches the library
    with pytest.raises(TypeError, match="frames are device memory"):
        sc.register(fake_gpu_stream)


def test_closed_handles_raise_closed_error(name):
    seg = shmhub.create(name, {"x": ((8,), np.uint8)}, unlink_on_close=True)
    seg.close()
    for fn in (sc.register, sc.unregister, sc.is_registered):
        with pytest.raises(shmhub.ClosedError, match=f"segment '{name}' is closed"):
            fn(seg)
    s = shmhub.Stream.create(name + "s", (4,), np.uint8, unlink_on_close=True)
    s.close()
    with pytest.raises(shmhub.ClosedError, match=f"stream '{name}s' is closed"):
        sc.register(s)


def test_bad_read_only_argument(name):
    seg = shmhub.create(name, {"x": ((8,), np.uint8)}, unlink_on_close=True)
    with pytest.raises(TypeError, match="read_only must be a bool or None, not str"):
        sc.register(seg, read_only="yes")
    ro = shmhub.open(name, readonly=True)
    with pytest.raises(shmhub.InvalidError, match="a read-only handle can only be registered"):
        sc.register(ro, read_only=False)
    assert not sc.is_registered(ro)
    ro.close()
    seg.close()


def test_without_the_library_says_why(name):
    seg = shmhub.create(name, {"x": ((8,), np.uint8)}, unlink_on_close=True)
    code = ("import shmhub, shmhub.cuda as sc, sys\n"
            "seg = shmhub.open(sys.argv[1])\n"
            "try:\n    sc.register(seg)\nexcept RuntimeError as e:\n    print('raised', e)\n")
    env = dict(os.environ, SHMHUB_CUDA_LIBRARY="/nonexistent/libshmhub_cuda.so.1")
    p = subprocess.run([sys.executable, "-c", code, name], capture_output=True, text=True,
                       timeout=60, env=env, cwd=TESTS_DIR)
    assert p.returncode == 0, p.stderr
    assert "raised shmhub.cuda: cannot load /nonexistent/libshmhub_cuda.so.1" in p.stdout
    seg.close()


# ---- the bookkeeping against the CUDA runtime test double ----

@pytest.mark.parametrize("scenario", ["segment", "readonly", "stream", "close_while_registered",
                                      "cuda_failures"])
def test_against_the_fake_cuda_runtime(scenario, make_name):
    if not (os.path.exists(CUDA_LIB) and os.path.exists(FAKE)):
        pytest.skip(f"needs {CUDA_LIB} and {FAKE} (SHMHUB_BUILD={BUILD!r}): libshmhub_cuda is "
                    "built only when CMake finds the CUDA toolkit")
    env = dict(os.environ, LD_PRELOAD=FAKE, SHMHUB_CUDA_LIBRARY=CUDA_LIB)
    p = subprocess.run([sys.executable, os.path.join(TESTS_DIR, "_cuda_pinned_worker.py"),
                        scenario, make_name("pin")], capture_output=True, text=True, timeout=60,
                       env=env, cwd=TESTS_DIR)
    assert p.returncode == 0 and p.stdout.strip() == "ok", p.stdout + p.stderr
