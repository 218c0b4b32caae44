"""The Python package's console command (`shmhub` after pip install, `python -m shmhub`) against
the C command on the same segments: list, info, unlink, watch and purge, text and --json."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

import shmhub

from conftest import c_peer_path

PY_SCRIPT = os.path.join(os.path.dirname(sys.executable), "shmhub")
TIME_KEYS = {"age_s", "last_write_age_s", "rate_hz"}


@pytest.fixture
def c_cli():
    path = os.path.join(os.path.dirname(os.path.dirname(c_peer_path())), "shmhub")
    if not os.access(path, os.X_OK):
        pytest.skip(f"C command not built: {path}")
    return path


def run(cmd, *args, check=True):
    p = subprocess.run([*cmd, *args], capture_output=True, text=True, timeout=60)
    if check:
        assert p.returncode == 0, p.stderr
    return p


def strip_times(v):
    if isinstance(v, dict):
        return {k: strip_times(x) for k, x in v.items() if k not in TIME_KEYS}
    if isinstance(v, list):
        return [strip_times(x) for x in v]
    return v


def norm_text(s):
    s = re.sub(r"\b\d+(ms|s|m|h|d)\b", "AGE", s)
    s = re.sub(r"\d+ ms ago|AGE ago", "AGO", s)
    return re.sub(r" +", " ", s)


@pytest.fixture
def segments(shm_dir, c_cli):
    """A dead creator's arrays segment, a live one, a stream whose writer died, a corrupt file."""
    run([c_cli], "create", "dead-arrays", "--array", "x:f4:10x3", "--array", "t:f8:scalar",
        "--dir", shm_dir)
    live = shmhub.create("live-arrays", {"v": ((2, 2), "i8")}, dir=shm_dir)
    code = ("import os, sys, numpy as np, shmhub\n"
            "s = shmhub.Stream.create('dead-stream', (4, 2), 'u1', dir=sys.argv[1])\n"
            "s.write(np.ones((4, 2), 'u1'))\n"
            "os._exit(0)\n")
    run([sys.executable, "-c", code, shm_dir])
    with open(os.path.join(shm_dir, "shmhub.junk"), "wb") as f:
        f.write(b"not a segment" * 100)
    yield live
    live.close()


def test_console_script_is_installed():
    assert os.access(PY_SCRIPT, os.X_OK)
    out = run([PY_SCRIPT], "--version").stdout
    assert out == f"shmhub {shmhub.__version__} (layout 1.1)\n"
    assert run([sys.executable, "-m", "shmhub"], "--help").stdout.startswith("usage: shmhub")


@pytest.mark.parametrize("py", [[PY_SCRIPT], [sys.executable, "-m", "shmhub"]])
def test_list_and_info_match_c(segments, shm_dir, c_cli, py):
    c = json.loads(run([c_cli], "list", "--json", "--no-rate", "--dir", shm_dir).stdout)
    p = json.loads(run(py, "list", "--json", "--no-rate", "--dir", shm_dir).stdout)
    assert [e["name"] for e in p] == ["dead-arrays", "dead-stream", "junk", "live-arrays"]
    assert strip_times(p) == strip_times(c)
    c_txt = run([c_cli], "list", "--no-rate", "--dir", shm_dir).stdout
    p_txt = run(py, "list", "--no-rate", "--dir", shm_dir).stdout
    assert norm_text(p_txt) == norm_text(c_txt)
    for name in ("dead-arrays", "dead-stream", "live-arrays"):
        for extra in ([], ["--no-rate"]):
            c = run([c_cli], "info", name, "--json", "--dir", shm_dir, *extra).stdout
            p = run(py, "info", name, "--json", "--dir", shm_dir, *extra).stdout
            assert strip_times(json.loads(p)) == strip_times(json.loads(c))
            assert ("rate_hz" in p) == ("rate_hz" in c)
        c = run([c_cli], "info", name, "--no-rate", "--dir", shm_dir).stdout
        p = run(py, "info", name, "--no-rate", "--dir", shm_dir).stdout
        assert norm_text(p) == norm_text(c)
    c = run([c_cli], "info", "junk", "--dir", shm_dir, check=False)
    p = run(py, "info", "junk", "--dir", shm_dir, check=False)
    assert (p.returncode, p.stdout, p.stderr) == (c.returncode, c.stdout, c.stderr) and c.returncode == 1


def test_purge_matches_c(segments, shm_dir, c_cli):
    for args in (["--dry-run"], ["--dry-run", "--json"]):
        c = run([c_cli], "purge", *args, "--dir", shm_dir).stdout
        p = run([PY_SCRIPT], "purge", *args, "--dir", shm_dir).stdout
        assert p == c
    lines = run([PY_SCRIPT], "purge", "--dry-run", "--dir", shm_dir).stdout.splitlines()
    assert [ln.split()[2] for ln in lines] == ["dead-arrays", "dead-stream"], lines
    assert "writer pid" in lines[1] and "dead" in lines[1]
    assert all(os.path.exists(os.path.join(shm_dir, f"shmhub.{n}"))
               for n in ("dead-arrays", "dead-stream"))
    out = json.loads(run([PY_SCRIPT], "purge", "--json", "--dir", shm_dir).stdout)
    assert [(d["name"], d["action"]) for d in out] == [("dead-arrays", "unlinked"),
                                                       ("dead-stream", "unlinked")]
    left = sorted(f for f in os.listdir(shm_dir))
    assert left == ["shmhub.junk", "shmhub.live-arrays"]  # live creator, and unreadable, stay
    assert run([c_cli], "purge", "--dir", shm_dir).stdout == ""


def test_unlink_and_watch_match_c(shm_dir, c_cli):
    s = shmhub.Stream.create("w", 16, "f4", dir=shm_dir)
    s.write(np.zeros(16, "f4"))
    c = run([c_cli], "watch", "w", "--json", "--count", "2", "--interval", "0.05", "--dir",
            shm_dir).stdout.splitlines()
    p = run([PY_SCRIPT], "watch", "w", "--json", "--count", "2", "--interval", "0.05", "--dir",
            shm_dir).stdout.splitlines()
    assert len(c) == len(p) == 2
    for cl, pl in zip(c, p):
        cj, pj = json.loads(cl), json.loads(pl)
        assert list(cj) == list(pj) == ["time", "streams"]
        assert [list(x) for x in cj["streams"]] == [list(x) for x in pj["streams"]]
        assert pj["streams"][0]["count"] == 1 and pj["streams"][0]["writer_alive"] is True
    txt = run([PY_SCRIPT], "watch", "w", "--count", "1", "--interval", "0.05", "--dir",
              shm_dir).stdout
    assert "NAME" in txt and "MISSED" in txt and f"{os.getpid()} alive" in txt
    c = run([c_cli], "unlink", "nope", "--dir", shm_dir, check=False)
    p = run([PY_SCRIPT], "unlink", "nope", "--dir", shm_dir, check=False)
    assert (p.returncode, p.stderr) == (c.returncode, c.stderr) and c.returncode == 1
    run([PY_SCRIPT], "unlink", "w", "--dir", shm_dir)
    assert not os.path.exists(os.path.join(shm_dir, "shmhub.w"))
    p = run([PY_SCRIPT], "frobnicate", check=False)
    assert p.returncode == 2


@pytest.fixture
def containers(shm_dir):
    """A dictionary with three keys and a pool with one buffer in use, both of this process."""
    d = shmhub.SharedDict.create("d", capacity=16, value_bytes=4096, dir=shm_dir)
    d["a"], d["b"], d["c"] = 1, 2.5, "three"
    p = shmhub.MemoryPool.create("p", classes=[(4096, 4), (1 << 20, 2)], dir=shm_dir)
    buf = p.acquire(100)
    yield d, p
    p.release(buf)
    p.close()
    d.close()


@pytest.mark.parametrize("py", [[PY_SCRIPT], [sys.executable, "-m", "shmhub"]])
def test_list_and_info_show_containers_as_c(containers, shm_dir, c_cli, py):
    c = json.loads(run([c_cli], "list", "--json", "--no-rate", "--dir", shm_dir).stdout)
    p = json.loads(run(py, "list", "--json", "--no-rate", "--dir", shm_dir).stdout)
    assert strip_times(p) == strip_times(c)
    assert [(e["name"], e["kind"]) for e in p] == [("d", "dict"), ("p", "pool")]
    used = p[0]["dict"]["value_bytes_used"]
    assert p[0]["dict"] == {"keys": 3, "capacity": 16, "value_bytes_used": used,
                            "value_bytes": 4096, "writes": 3, "recoveries": 0} and used > 0
    assert [(k["buffer_bytes"], k["count"], k["in_use"], k["acquires"]) for k in p[1]["pool"]] == \
        [(4096, 4, 1, 1), (1 << 20, 2, 0, 0)]
    c_txt = run([c_cli], "list", "--no-rate", "--dir", shm_dir).stdout
    p_txt = run(py, "list", "--no-rate", "--dir", shm_dir).stdout
    assert norm_text(p_txt) == norm_text(c_txt)
    assert "dict 3/16 keys" in p_txt
    assert "pool 4KiB: 1/4 in use (peak 1, reclaimed 0), 1MiB: 0/2" in p_txt
    for name in ("d", "p"):
        c = run([c_cli], "info", name, "--json", "--dir", shm_dir).stdout
        p = run(py, "info", name, "--json", "--dir", shm_dir).stdout
        assert strip_times(json.loads(p)) == strip_times(json.loads(c))
        c = run([c_cli], "info", name, "--dir", shm_dir).stdout
        p = run(py, "info", name, "--dir", shm_dir).stdout
        assert norm_text(p) == norm_text(c)
        assert "\ncontents:        " + ("dict 3/16 keys" if name == "d" else "pool 4KiB: 1/4") in p


def test_watch_shows_containers_as_c(containers, shm_dir, c_cli):
    """A dictionary being written and a pool being acquired while watch runs: both show rates
    above 0, with the C command's JSON fields and table cells."""
    d, pool = containers
    s = shmhub.Stream.create("s", 4, "u1", dir=shm_dir)
    s.write(np.zeros(4, "u1"))
    stop = threading.Event()

    def busy():
        i = 0
        while not stop.is_set():
            d["n"] = i
            pool.release(pool.acquire(64))
            i += 1

    t = threading.Thread(target=busy)
    t.start()
    try:
        while d.writes < 10:  # the writer is under way before watch takes its first sample
            time.sleep(0.01)
        args = ["watch", "s", "d", "p", "--json", "--count", "2", "--interval", "0.2", "--dir",
                shm_dir]
        c = [json.loads(ln) for ln in run([c_cli], *args).stdout.splitlines()]
        p = [json.loads(ln) for ln in run([PY_SCRIPT], *args).stdout.splitlines()]
        txt = run([PY_SCRIPT], "watch", "d", "p", "--count", "1", "--interval", "0.2", "--dir",
                  shm_dir).stdout
    finally:
        stop.set()
        t.join()
        s.close()
    assert len(c) == len(p) == 2
    for cj, pj in zip(c, p):
        assert list(cj) == list(pj) == ["time", "streams", "containers"]
        assert [list(x) for x in cj["streams"]] == [list(x) for x in pj["streams"]]
        assert [list(x) for x in cj["containers"]] == [list(x) for x in pj["containers"]] == [
            ["name", "kind", "writes", "writes_per_s"], ["name", "kind", "acquires", "acquires_per_s"]]
        assert [x["name"] for x in pj["streams"]] == ["s"]
        dj, pl = pj["containers"]
        assert (dj["name"], dj["kind"], pl["name"], pl["kind"]) == ("d", "dict", "p", "pool")
        assert dj["writes_per_s"] > 0 and pl["acquires_per_s"] > 0
        assert dj["writes"] >= 10 and pl["acquires"] >= 2
    assert p[1]["containers"][0]["writes"] > p[0]["containers"][0]["writes"]
    assert p[1]["containers"][1]["acquires"] > p[0]["containers"][1]["acquires"]
    rows = {ln.split()[0]: ln.split() for ln in txt.splitlines()[1:] if ln.strip()}
    assert rows["NAME"] == ["NAME", "HZ", "MB/S", "COUNT", "MISSED", "LAST", "WRITER"]
    for name, kind, unit in (("d", "dict", "writes/s"), ("p", "pool", "acquires/s")):
        r = rows[name]  # NAME HZ - COUNT - - KIND UNIT
        assert r[2] == r[4] == r[5] == "-" and r[6:] == [kind, unit], r
        assert float(r[1]) > 0 and int(r[3]) > 0, r
