"""Real-GPU tests of shmhub.cuda (make test-gpu): C writer -> Python reader and back for every
dtype, zero-copy consumers (torch.from_dlpack, torch.as_tensor, cupy.asarray, cupy.from_dlpack)
that keep the stream alive, DLPack stream= and versioned capsules, event ordering from a Python
writer, peek/validate, the CPU mirror, CPU DLPack of segment arrays into torch, and pinned host
segments (shmhub.cuda.register/pinned: page-locked per CUDA, H2D copies from them, read-only
handles, a registration ending with its handle).

Needs: SHMHUB_CUDA_LIBRARY (libshmhub_cuda.so.1), SHMHUB_GPU_PEER (the gpu_peer program), torch
and cupy with a GPU. Each missing piece skips the module and says which.
"""

from __future__ import annotations

import ctypes
import gc
import os
import subprocess
import uuid

import numpy as np
import pytest

import shmhub
import shmhub.cuda as sc

torch = pytest.importorskip("torch", reason="torch is not installed")
cupy = pytest.importorskip("cupy", reason="cupy is not installed")

if not sc.available():
    pytest.skip(f"no usable GPU for shmhub.cuda: {sc.unavailable_reason()}", allow_module_level=True)
PEER = os.environ.get("SHMHUB_GPU_PEER", "")
if not os.access(PEER, os.X_OK):
    pytest.skip("SHMHUB_GPU_PEER does not name the gpu_peer program", allow_module_level=True)

DTYPES = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
          "float16", "float32", "float64", "complex64", "complex128"]
SHAPE = (37, 5)


def pattern(n: int, seed: int) -> np.ndarray:
    """Byte i of a frame written with seed (tests/cuda/gpu_common.cuh pattern_byte)."""
    i = np.arange(n, dtype=np.uint64)
    s = np.uint64(seed)
    return (((i * np.uint64(131)) + s * np.uint64(7) + (i >> np.uint64(8))) ^ (s * np.uint64(29))
            ).astype(np.uint8)


def frame_bytes(dtype: str) -> int:
    return int(np.prod(SHAPE)) * np.dtype(dtype).itemsize


@pytest.fixture
def name():
    n = f"pyg-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    yield n
    for x in (n, n + ".cpu"):
        try:
            shmhub.unlink(x)
        except FileNotFoundError:
            pass


def start_writer(name: str, dtype: str, seed: int, mode: str = "wait") -> subprocess.Popen:
    p = subprocess.Popen([PEER, "write", name, str(DTYPES.index(dtype) + 1), str(seed), mode],
                         stdout=subprocess.PIPE, text=True)
    line = p.stdout.readline()
    assert line.startswith("written"), line
    return p


def device_bytes(view) -> np.ndarray:
    return cupy.asnumpy(cupy.asarray(view).reshape(-1).view(cupy.uint8))


@pytest.mark.parametrize("dtype", DTYPES)
def test_c_writer_python_reader(name, dtype):
    p = start_writer(name, dtype, 300 + DTYPES.index(dtype))
    r = sc.GPUStream.open(name)
    assert r.dtype == np.dtype(dtype) and r.shape == SHAPE and not r.is_creator
    frame_ptr = r.peek().ptr
    want = pattern(frame_bytes(dtype), 300 + DTYPES.index(dtype))
    # Four zero-copy consumers: all see the frame's own device memory, byte-identical.
    views = [cupy.from_dlpack(r), cupy.asarray(r)]
    if dtype not in ("uint16", "uint32", "uint64"):  # torch.as_tensor: no such CAI typestr
        views.append(torch.as_tensor(r, device="cuda"))
    views.append(torch.from_dlpack(r))
    for v in views:
        ptr = v.data_ptr() if isinstance(v, torch.Tensor) else v.data.ptr
        assert ptr == frame_ptr
        assert tuple(v.shape) == SHAPE
        got = device_bytes(cupy.from_dlpack(v) if isinstance(v, torch.Tensor) else v)
        assert np.array_equal(got, want)
    # A copy, ordered on the GPU.
    out = cupy.zeros(SHAPE, dtype=dtype)
    info = r.read(out)
    cupy.cuda.runtime.deviceSynchronize()
    assert info.seq == 1 and r.validate(info)
    assert np.array_equal(device_bytes(out), want)
    del views, out
    r.close()
    del r  # torch.as_tensor held the object itself: the import closes when it dies
    gc.collect()
    assert p.wait(timeout=30) == 0  # the creator's close waited for us, then succeeded


@pytest.mark.parametrize("dtype", DTYPES)
def test_python_writer_c_reader(name, dtype):
    s = sc.GPUStream.create(name, SHAPE, dtype)
    assert s.is_creator and s.nbytes == frame_bytes(dtype)
    seed = 400 + DTYPES.index(dtype)
    src = cupy.asarray(pattern(s.nbytes, seed)).view(dtype).reshape(SHAPE)
    s.write(src)
    r = subprocess.run([PEER, "read", name, str(seed), "1"], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    s.close()


def test_views_keep_the_stream_alive(name):
    s = sc.GPUStream.create(name, (1000,), "float32")
    s.write(torch.arange(1000, dtype=torch.float32, device="cuda"))
    r = sc.GPUStream.open(name)
    t = torch.from_dlpack(r)
    c = cupy.from_dlpack(r)
    a = torch.as_tensor(r, device="cuda")
    r.close()       # explicit close: the views still hold the import
    del r
    gc.collect()
    assert float(t.sum()) == float(c.sum()) == float(a.sum()) == 499500.0
    r2 = sc.GPUStream.open(name)
    r2.close()
    with pytest.raises(ValueError):
        r2.count
    del t, c, a
    gc.collect()
    s.close()


def test_dlpack_protocol_details(name):
    s = sc.GPUStream.create(name, (8, 8), "float64")
    s.write(torch.ones(8, 8, dtype=torch.float64, device="cuda"))
    assert s.__dlpack_device__() == (2, s.device)
    is_valid = ctypes.pythonapi.PyCapsule_IsValid
    is_valid.restype, is_valid.argtypes = ctypes.c_int, [ctypes.py_object, ctypes.c_char_p]
    legacy = s.__dlpack__()                        # callable with no keywords: legacy capsule
    assert is_valid(legacy, b"dltensor")
    versioned = s.__dlpack__(max_version=(1, 0))
    assert is_valid(versioned, b"dltensor_versioned")
    side = torch.cuda.Stream()
    with torch.cuda.stream(side):                  # torch passes its current stream: event wait
        t = torch.from_dlpack(s)
        assert float(t.sum()) == 64.0
    cap = s.__dlpack__(stream=side.cuda_stream)
    assert is_valid(cap, b"dltensor")
    with pytest.raises(BufferError):
        s.__dlpack__(stream=0)
    with pytest.raises(BufferError):
        s.__dlpack__(dl_device=(1, 0))
    del legacy, versioned, cap, t
    gc.collect()
    s.close()


def test_python_writer_is_ordered_by_events(name):
    # The writer's kernel sleeps on the GPU before it produces the frame; the C reader reads as
    # soon as the frame is published and must still get the new bytes.
    s = sc.GPUStream.create(name, (64, 64), "uint8")
    s.write(cupy.zeros((64, 64), dtype=cupy.uint8))
    p = subprocess.Popen([PEER, "readnow", name, "77"], stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().startswith("ready")
    src = torch.empty(64, 64, dtype=torch.uint8, device="cuda")
    want = torch.from_numpy(pattern(64 * 64, 77).reshape(64, 64)).cuda()
    torch.cuda.synchronize()
    torch.cuda._sleep(1_000_000_000)               # ~0.5 s of GPU time on the default stream
    src.copy_(want)
    s.write(src)                                   # published now, written later
    out = p.communicate(timeout=60)[0]
    assert p.returncode == 0, out
    torch.cuda.synchronize()
    s.close()


def test_peek_validate_and_mirror(name):
    s = sc.GPUStream.create(name, (16,), "int32", slots=3, mirror=True)
    src = cupy.arange(16, dtype=cupy.int32)
    s.write(src)
    f = s.peek()
    assert f.seq == 1 and f.validate()
    assert cupy.asarray(f).sum() == 120 and torch.from_dlpack(f).sum().item() == 120
    m = shmhub.Stream.open(s.mirror_name)
    assert np.array_equal(m.read(), np.arange(16, dtype=np.int32))
    for _ in range(3):
        s.write(src)
    assert not f.validate()
    m.close()
    s.close()


def test_cpu_segment_arrays_to_torch_zero_copy(name):
    seg = shmhub.create(name, {"a": ((4, 5), np.float32), "b": ((3,), np.int16)})
    seg["a"][:] = np.arange(20, dtype=np.float32).reshape(4, 5)
    t = torch.from_dlpack(seg["a"])
    assert t.device.type == "cpu" and t.data_ptr() == seg["a"].__array_interface__["data"][0]
    t[0, 0] = 42.0
    assert seg["a"][0, 0] == 42.0
    n = np.from_dlpack(seg["b"])
    n[1] = 7
    assert seg["b"][1] == 7
    seg.close()
    assert float(t.sum()) == float(np.arange(20).sum() + 42)  # the view kept the mapping


def _memory_type(ptr: int) -> int:
    """cudaPointerGetAttributes(ptr).type: 0 unregistered host memory, 1 page-locked host memory."""
    return int(cupy.cuda.runtime.pointerGetAttributes(ptr).type)


def test_pinned_segment_h2d(name):
    seg = shmhub.create(name, {"x": ((1 << 20,), np.float32)})
    x = seg["x"]
    x[:] = np.arange(1 << 20, dtype=np.float32)
    ptr = x.__array_interface__["data"][0]
    assert _memory_type(ptr) == 0 and not torch.from_numpy(x).is_pinned()
    with sc.pinned(seg):
        assert sc.is_registered(seg)
        assert _memory_type(ptr) == 1 and torch.from_numpy(x).is_pinned()
        with pytest.raises(shmhub.BusyError, match=f"segment '{name}': already registered"):
            sc.register(seg)
        t = torch.from_numpy(x).to("cuda", non_blocking=True)  # pinned: an async DMA copy
        c = cupy.empty(1 << 20, dtype=cupy.float32)
        c.set(x)
        torch.cuda.synchronize()
        cupy.cuda.runtime.deviceSynchronize()
        assert torch.equal(t.cpu(), torch.from_numpy(x))
        assert np.array_equal(cupy.asnumpy(c), x)
    assert not sc.is_registered(seg) and _memory_type(ptr) == 0
    with pytest.raises(shmhub.InvalidError, match="not registered"):
        sc.unregister(seg)
    del t, c, x
    seg.close()


def test_pinned_read_only_segment_and_stream(name):
    w = shmhub.create(name, {"x": ((4096,), np.uint8)})
    w["x"][:] = 9
    ro = shmhub.open(name, readonly=True)
    sc.register(ro)                                # cudaHostRegisterReadOnly, implied
    c = cupy.empty(4096, dtype=cupy.uint8)
    c.set(ro["x"])                                 # H2D from the read-only registered mapping
    assert int(c.sum()) == 9 * 4096
    sc.unregister(ro)
    ro.close()
    w.close()
    s = shmhub.Stream.create(name + ".s", (256,), np.float64, unlink_on_close=True)
    s.write(np.ones(256))
    with sc.pinned(s):
        f = s.peek()
        assert _memory_type(f.__array_interface__["data"][0]) == 1
        assert float(cupy.asarray(f).sum()) == 256.0
        del f
    s.close()
    gc.collect()


def test_registration_ends_with_the_handle(name):
    seg = shmhub.create(name, {"x": ((4096,), np.uint8)})
    sc.register(seg)
    x = seg["x"]
    ptr = x.__array_interface__["data"][0]
    seg.close()                                    # the view holds the mapping, still pinned
    assert _memory_type(ptr) == 1
    del x
    gc.collect()                                   # unregistered, then unmapped
    again = shmhub.open(name)
    with sc.pinned(again):                         # a fresh mapping registers cleanly
        pass
    again.close()
