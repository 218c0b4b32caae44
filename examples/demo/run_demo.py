"""The live multi-language demo (make demo).

    C producer ──PREFIX.frames (1000x1000 f4, 50 Hz)──► Python consumer (numpy, zero-copy peek)
        │      ──PREFIX.ref (named arrays)───────────► Python consumer (reference pattern)
        └──────PREFIX.ticks (64 f8, 10 kHz)──────────► Rust service (lossless) ──PREFIX.stats──► Python
    shmhub watch --json shows the live rates of all three streams while it runs.

Runs for --seconds (DEMO_SECONDS in make), prints a summary table, exits 1 if any consumer saw a
torn frame or nothing at all, and removes every segment it created (also on Ctrl-C or when a child
fails).

Usage: run_demo.py --build BUILD_DIR --service RUST_BINARY [--seconds S]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def run(argv: list[str], **kw) -> subprocess.Popen:
    return subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, **kw)


def last_json(text: str, role: str) -> dict | None:
    for line in reversed(text.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                obj = json.loads(line)
            except ValueError:
                continue
            if obj.get("role") == role:
                return obj
    return None


def fmt(v, unit: str = "") -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:,.1f}{unit}"
    return f"{v:,}{unit}"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--service", required=True, help="the Rust demo_service binary")
    ap.add_argument("--seconds", type=float, default=float(os.environ.get("DEMO_SECONDS", 10)))
    args = ap.parse_args()
    cli = os.path.join(args.build, "shmhub")
    prefix = f"demo{os.getpid()}"
    names = [f"{prefix}.{s}" for s in ("frames", "ticks", "ref", "stats")]
    children: list[subprocess.Popen] = []
    interrupted = False

    def on_signal(signum, _frame):
        raise KeyboardInterrupt

    # Explicit handlers: a shell may start us with SIGINT ignored (background jobs), and Ctrl-C
    # must still clean up.
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    print(f"shmhub demo: {args.seconds:g} s, segments {prefix}.{{frames,ticks,ref,stats}}\n", flush=True)
    try:
        producer = run([os.path.join(args.build, "demo_producer"), prefix, "--seconds",
                        str(args.seconds)])
        children.append(producer)
        # The consumers run a little longer than the producer so they drain the last frames.
        service = run([args.service, prefix, "--seconds", str(args.seconds + 1.0)])
        children.append(service)
        consumer = run([sys.executable, os.path.join(HERE, "consumer.py"), prefix, "--seconds",
                        str(args.seconds + 1.0)])
        children.append(consumer)

        # Watch once every stream exists (the Rust service creates .stats).
        deadline = time.monotonic() + 10
        while not all(os.path.exists(f"/dev/shm/shmhub.{n}") for n in names):
            if time.monotonic() > deadline or any(c.poll() not in (None, 0) for c in children):
                raise RuntimeError("the demo's processes did not create their segments")
            time.sleep(0.05)
        watch = run([cli, "watch", f"{prefix}.frames", f"{prefix}.ticks", f"{prefix}.stats",
                     "--json", "--interval", "1"])
        children.append(watch)

        def show_watch() -> None:
            assert watch.stdout is not None
            for line in watch.stdout:
                try:
                    snap = json.loads(line)
                except ValueError:
                    continue
                cols = [f"{s['name'].split('.', 1)[1]:>6}: {s['hz']:>8,.0f} Hz {s['mb_s']:>7,.1f} MB/s"
                        for s in snap.get("streams", [])]
                print("  watch │ " + " │ ".join(cols), flush=True)

        t = threading.Thread(target=show_watch, daemon=True)
        t.start()

        outputs = {}
        for role, proc in (("producer", producer), ("rust", service), ("python", consumer)):
            out, _ = proc.communicate(timeout=args.seconds + 60)
            outputs[role] = (proc.returncode, out)
        watch.send_signal(signal.SIGINT)
        watch.wait(timeout=5)
        t.join(timeout=2)
    except KeyboardInterrupt:
        interrupted = True
        print("\nshmhub demo: interrupted", file=sys.stderr)
        outputs = {}
    except (RuntimeError, subprocess.TimeoutExpired) as e:
        print(f"shmhub demo: {e}", file=sys.stderr)
        outputs = {}
    finally:
        for c in children:
            if c.poll() is None:
                c.terminate()
        for c in children:
            try:
                c.wait(timeout=5)
            except subprocess.TimeoutExpired:
                c.kill()
        subprocess.run([cli, "unlink", *names], stderr=subprocess.DEVNULL, check=False)
    if interrupted or not outputs:
        return 1

    failed = [r for r, (rc, _) in outputs.items() if rc != 0]
    prod = last_json(outputs["producer"][1], "producer") or {}
    rust = last_json(outputs["rust"][1], "rust") or {}
    py = last_json(outputs["python"][1], "python") or {}
    secs = prod.get("seconds") or args.seconds
    rows = [
        ("C → Python (numpy, zero-copy)", "frames 1000x1000 f4", prod.get("frames"), py.get("frames"),
         py.get("missed"), py.get("torn"), py.get("latency_us_p50"), py.get("latency_us_p99"),
         (py.get("frames") or 0) * 4e6 / secs / 1e6),
        ("C → Rust (lossless)", "ticks 64 f8", prod.get("ticks"), rust.get("ticks"),
         rust.get("missed"), rust.get("torn"), rust.get("latency_us_p50"),
         rust.get("latency_us_p99"), (rust.get("ticks") or 0) * 512 / secs / 1e6),
        ("Rust → Python (lossless)", "stats 4 f8", rust.get("published"), py.get("stats_frames"),
         None if rust.get("published") is None or py.get("stats_frames") is None
         else max(0, rust["published"] - py["stats_frames"]), py.get("stats_torn"),
         py.get("stats_latency_us_p50"), py.get("stats_latency_us_p99"),
         (py.get("stats_frames") or 0) * 32 / secs / 1e6),
    ]
    head = ("consumer", "stream", "produced", "consumed", "missed", "torn", "p50 µs", "p99 µs", "MB/s")
    table = [head] + [(r[0], r[1], fmt(r[2]), fmt(r[3]), fmt(r[4]), fmt(r[5]), fmt(r[6]),
                       fmt(r[7]), fmt(r[8])) for r in rows]
    widths = [max(len(str(row[i])) for row in table) for i in range(len(head))]
    print()
    for i, row in enumerate(table):
        print("  ".join(str(c).ljust(widths[j]) if j < 2 else str(c).rjust(widths[j])
                        for j, c in enumerate(row)))
        if i == 0:
            print("  ".join("-" * w for w in widths))
    print(f"\nproducer: {fmt(prod.get('frame_hz'))} frames/s ({fmt(prod.get('frame_mb_s'))} MB/s), "
          f"{fmt(prod.get('tick_hz'))} ticks/s over {fmt(secs)} s; frame mean deviation from the "
          f"reference seen by Python: {py.get('mean_deviation')}")

    problems = []
    if failed:
        problems.append(f"processes failed: {', '.join(failed)}")
    for r in rows:
        if r[5]:
            problems.append(f"{r[0]}: {r[5]} torn frames")
        if not r[3]:
            problems.append(f"{r[0]}: consumed nothing")
    if problems:
        print("\nDEMO FAILED: " + "; ".join(problems))
        return 1
    print("\ndemo ok: no torn frames, every consumer received data, segments removed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
