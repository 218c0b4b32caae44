#!/usr/bin/env python3
"""Proves check.py can fail: each mutation of a temp copy of LibShmHub.jl must make it exit
non-zero with a message naming the damaged function, field or constant. Runs under pytest or alone."""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
# SHMHUB_JL_TARGET=cuda checks LibShmHubCuda.jl with its own mutations (see cparse.py).
TARGET = os.environ.get("SHMHUB_JL_TARGET", "core")
SRC = os.path.join(HERE, "..", "src", "LibShmHubCuda.jl" if TARGET == "cuda" else "LibShmHub.jl")
CHECK = os.path.join(HERE, "check.py")


def _swap_lines(text, a, b):
    lines = text.split("\n")
    i, j = lines.index(a), lines.index(b)
    lines[i], lines[j] = lines[j], lines[i]
    return "\n".join(lines)


def _remove_function(text, name):
    start = text.index("function %s(" % name)
    end = text.index("\nend\n", start) + len("\nend\n")
    return text[:start] + text[end:]


def _replace_once(text, old, new):
    assert text.count(old) == 1, (old, text.count(old))
    return text.replace(old, new)


MUTATIONS = {
    # (a) one argument type changed in one ccall: uint64_t seq → UInt32
    "arg_type": (lambda t: _replace_once(t, "(Ptr{shmhub_stream}, UInt64), stream, seq)",
                                         "(Ptr{shmhub_stream}, UInt32), stream, seq)"),
                 "shmhub_stream_seek"),
    # (b) one function removed
    "removed_function": (lambda t: _remove_function(t, "shmhub_stream_wait"), "shmhub_stream_wait"),
    # (c) two struct fields swapped (same types, so only the order/offset check can see it)
    "swapped_fields": (lambda t: _swap_lines(t, "    seq::UInt64", "    missed::UInt64"), "shmhub_frame_info"),
    # (c') two fields of different sizes swapped: layout changes too
    "swapped_fields_layout": (lambda t: _swap_lines(t, "    dir::Ptr{Cchar}", "    flags::UInt32"),
                              "shmhub_segment_opts"),
    # (d) an enum value changed
    "enum_value": (lambda t: _replace_once(t, "\nconst SHMHUB_E_NOT_FOUND = shmhub_status_code(-2)",
                                           "\nconst SHMHUB_E_NOT_FOUND = shmhub_status_code(-20)"),
                   "SHMHUB_E_NOT_FOUND"),
    # a field widened: every later offset and the struct size move
    "field_layout": (lambda t: _replace_once(t, "    reserved::UInt32\n    lock_timeout_ns::Int64\n",
                                             "    reserved::UInt32\n    lock_timeout_ns::Int32\n"),
                     "lock_timeout_ns"),
    # extras: a return type, a macro value, a Cstring demoted to a pointer
    "return_type": (lambda t: _replace_once(t, "ccall((:shmhub_stream_count, libshmhub), UInt64,",
                                            "ccall((:shmhub_stream_count, libshmhub), Int64,"),
                    "shmhub_stream_count"),
    "macro_value": (lambda t: _replace_once(t, "const SHMHUB_MAX_NDIM = Int32(8)", "const SHMHUB_MAX_NDIM = Int32(9)"),
                    "SHMHUB_MAX_NDIM"),
    "cstring_arg": (lambda t: _replace_once(t, "(Cstring,), name)", "(Ptr{Cchar},), name)"), "shmhub_unlink"),
}

CUDA_MUTATIONS = {
    "arg_type": (lambda t: _replace_once(t, "(Ptr{shmhub_gpu_stream}, Int64), stream, timeout_ns)",
                                         "(Ptr{shmhub_gpu_stream}, Int32), stream, timeout_ns)"),
                 "shmhub_gpu_stream_wait"),
    "removed_function": (lambda t: _remove_function(t, "shmhub_gpu_stream_validate"),
                         "shmhub_gpu_stream_validate"),
    "swapped_fields": (lambda t: _swap_lines(t, "    slots::UInt32", "    flags::UInt32"),
                       "shmhub_gpu_stream_opts"),
    "field_layout": (lambda t: _replace_once(t, "    close_timeout_ns::Int64\n", "    close_timeout_ns::Int32\n"),
                     "close_timeout_ns"),
    # an imported core type swapped for another: the check resolves ..LibShmHub's structs
    "imported_type": (lambda t: _replace_once(t, "Ptr{Cvoid}, Ptr{shmhub_frame_info}), stream, dst",
                                              "Ptr{Cvoid}, Ptr{shmhub_segment_opts}), stream, dst"),
                      "shmhub_gpu_stream_read_latest_device"),
    "macro_value": (lambda t: _replace_once(t, "const SHMHUB_GPU_MAX_SLOTS = Int32(64)",
                                            "const SHMHUB_GPU_MAX_SLOTS = Int32(65)"), "SHMHUB_GPU_MAX_SLOTS"),
    "library": (lambda t: _replace_once(t, "ccall((:shmhub_gpu_stream_count, libshmhub_cuda)",
                                        "ccall((:shmhub_gpu_stream_count, libshmhub)"), "shmhub_gpu_stream_count"),
}
if TARGET == "cuda":
    MUTATIONS = CUDA_MUTATIONS


def run_check(text):
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "LibShmHub.jl")
        with open(path, "w") as f:
            f.write(text)
        r = subprocess.run([sys.executable, CHECK, path], capture_output=True, text=True)
        return r.returncode, r.stdout + r.stderr


def _one(key):
    text = open(SRC).read()
    mutate, must_name = MUTATIONS[key]
    mutated = mutate(text)
    assert mutated != text
    rc, out = run_check(mutated)
    assert rc != 0, "%s: check.py passed a broken file:\n%s" % (key, out)
    named = [ln for ln in out.splitlines() if must_name in ln and "problem(s)" not in ln]
    assert named, "%s: no message names %s:\n%s" % (key, must_name, out)
    return named


def test_pristine_passes():
    rc, out = run_check(open(SRC).read())
    assert rc == 0, out


def test_arg_type():
    _one("arg_type")


def test_removed_function():
    _one("removed_function")


def test_swapped_fields():
    _one("swapped_fields")


def test_swapped_fields_layout():
    _one("swapped_fields_layout")


def test_enum_value():
    _one("enum_value")


def test_field_layout():
    _one("field_layout")


def test_return_type():
    _one("return_type")


def test_macro_value():
    _one("macro_value")


def test_cstring_arg():
    _one("cstring_arg")


if __name__ == "__main__":
    rc, out = run_check(open(SRC).read())
    print("pristine: %s" % ("passes" if rc == 0 else "FAILS\n" + out))
    failed = rc != 0
    for key in MUTATIONS:
        try:
            named = _one(key)
            print("mutation %-22s caught: %s" % (key, named[0]))
        except AssertionError as e:
            failed = True
            print("mutation %-22s NOT CAUGHT: %s" % (key, e))
    sys.exit(1 if failed else 0)
