"""Soak test (make soak): the demo topology for --seconds with random SIGKILLs and restarts.

    C producer ──PREFIX.frames / .ref / .ticks──► Python consumer, Rust service ──PREFIX.stats──►

Every 1.5-4 s a random process of the topology is killed with SIGKILL and restarted, as a
supervisor would: a killed consumer is restarted; a killed Rust service has its stale .stats
stream unlinked and is restarted (with the consumer, which held the old .stats); a killed producer
has its segments unlinked and the whole topology restarts on fresh segments. Meanwhile this
process (the long-lived observer) opens every stream by name, reads its newest frame and closes it
once per sample, and records the RSS and open file descriptors of every process and the
PREFIX /dev/shm entries.

Promises checked, printed as a summary table (exit status 1 on any failure):
  * memory and fds stay flat: per role, the median RSS / fds of the last third of the samples is
    within 20 % + 4 MiB (fds: + 2) of the first third's; the observer's own RSS and fds likewise
  * /dev/shm stays flat: never more than the topology's 4 entries, none left at the end
  * no torn frame reported by a consumer that was stopped gracefully; no process exited by itself
    with an error

Usage: soak.py --build BUILD_DIR --service RUST_DEMO_SERVICE [--seconds S] (SOAK_SECONDS in make)
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DEMO = os.path.join(HERE, "..", "..", "examples", "demo")
BIG = "1000000"  # the children run until killed


def rss_kb(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def nfds(pid: int) -> int | None:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return None


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--service", required=True)
    ap.add_argument("--seconds", type=float, default=float(os.environ.get("SOAK_SECONDS", 600)))
    ap.add_argument("--seed", type=int, default=int(time.time()))
    args = ap.parse_args()
    rng = random.Random(args.seed)
    import shmhub  # the package under test (installed into the venv by make soak)

    prefix = f"soak{os.getpid()}"
    seg = {k: f"{prefix}.{k}" for k in ("ref", "frames", "ticks", "stats")}
    cli = os.path.join(args.build, "shmhub")
    argv = {
        "producer": [os.path.join(args.build, "demo_producer"), prefix, "--seconds", BIG],
        "service": [args.service, prefix, "--seconds", BIG],
        "consumer": [sys.executable, os.path.join(DEMO, "consumer.py"), prefix, "--seconds", BIG],
    }
    procs: dict[str, subprocess.Popen] = {}
    kills = {k: 0 for k in argv}
    restarts = {k: 0 for k in argv}
    self_exits: list[str] = []
    torn = 0
    finals: list[dict] = []
    samples: dict[str, list[tuple[int, int]]] = {k: [] for k in list(argv) + ["observer"]}
    shm_max = 0
    observed = observe_errors = 0

    def unlink(*names: str) -> None:
        subprocess.run([cli, "unlink", *names], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=False)

    def start(role: str) -> None:
        procs[role] = subprocess.Popen(argv[role], stdout=subprocess.PIPE,
                                       stderr=subprocess.DEVNULL, text=True)
        restarts[role] += 1
        if role == "producer":  # the others open what it creates
            deadline = time.monotonic() + 10
            while not os.path.exists(f"/dev/shm/shmhub.{seg['ticks']}"):
                if time.monotonic() > deadline:
                    raise RuntimeError("the producer did not create its streams")
                time.sleep(0.02)

    def kill(role: str) -> None:
        p = procs.get(role)
        if p and p.poll() is None:
            p.kill()
            kills[role] += 1
        if p:
            p.wait()
            if p.stdout:
                p.stdout.close()

    def check_exits() -> None:
        for role, p in procs.items():
            rc = p.poll()
            if rc is not None and rc != -signal.SIGKILL:
                self_exits.append(f"{role} exited with {rc}")
                if p.stdout:
                    p.stdout.close()
                procs[role] = subprocess.Popen(argv[role], stdout=subprocess.PIPE,
                                               stderr=subprocess.DEVNULL, text=True)

    def observe() -> None:
        nonlocal observed, observe_errors
        for k in ("frames", "ticks", "stats"):
            try:
                with shmhub.Stream.open(seg[k], readonly=True) as s:
                    if s.count:
                        s.read()
                observed += 1
            except (FileNotFoundError, TimeoutError, BlockingIOError):
                pass  # between a kill and its restart
            except Exception as e:  # noqa: BLE001 - anything else is a finding
                observe_errors += 1
                print(f"soak: observer: {seg[k]}: {e!r}", file=sys.stderr)

    def sample() -> None:
        nonlocal shm_max
        for role, p in procs.items():
            r, f = rss_kb(p.pid), nfds(p.pid)
            if r is not None and f is not None and p.poll() is None:
                samples[role].append((r, f))
        samples["observer"].append((rss_kb(os.getpid()) or 0, nfds(os.getpid()) or 0))
        shm = [e for e in os.listdir("/dev/shm") if e.startswith(f"shmhub.{prefix}.")]
        shm_max = max(shm_max, len(shm))

    print(f"soak: {args.seconds:g} s, seed {args.seed}, segments {prefix}.*", flush=True)
    t0 = time.monotonic()
    end = t0 + args.seconds
    next_kill = t0 + rng.uniform(1.5, 4)
    next_report = t0 + 60
    try:
        start("producer")
        start("service")
        start("consumer")
        restarts = {k: 0 for k in argv}
        time.sleep(1.0)
        while time.monotonic() < end:
            time.sleep(0.5)
            check_exits()
            observe()
            sample()
            now = time.monotonic()
            if now >= next_kill:
                victim = rng.choice(["producer", "service", "consumer", "consumer"])
                if victim == "consumer":
                    kill("consumer")
                    start("consumer")
                elif victim == "service":
                    kill("service")
                    kill("consumer")  # it holds the stale .stats
                    unlink(seg["stats"])
                    start("service")
                    start("consumer")
                else:
                    kill("producer")
                    kill("service")
                    kill("consumer")
                    unlink(*seg.values())
                    start("producer")
                    start("service")
                    start("consumer")
                next_kill = now + rng.uniform(1.5, 4)
            if now >= next_report:
                print(f"soak: {now - t0:.0f} s, kills {kills}, observer RSS "
                      f"{samples['observer'][-1][0]} kB", flush=True)
                next_report = now + 60
    finally:
        for role in ("consumer", "service", "producer"):  # graceful stop: they print their JSON
            p = procs.get(role)
            if p and p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    out, _ = p.communicate(timeout=15)
                except subprocess.TimeoutExpired:
                    p.kill()
                    out, _ = p.communicate()
                for line in (out or "").splitlines():
                    if line.startswith("{"):
                        try:
                            finals.append(json.loads(line))
                        except ValueError:
                            pass
        unlink(*seg.values())
    left = [e for e in os.listdir("/dev/shm") if e.startswith(f"shmhub.{prefix}.")]
    for j in finals:
        torn += int(j.get("torn") or 0) + int(j.get("stats_torn") or 0)

    def flat(rows: list[tuple[int, int]]) -> tuple[str, str, bool]:
        if len(rows) < 6:
            return "-", "-", True
        third = len(rows) // 3
        r0 = statistics.median(r for r, _ in rows[:third])
        r1 = statistics.median(r for r, _ in rows[-third:])
        f0 = statistics.median(f for _, f in rows[:third])
        f1 = statistics.median(f for _, f in rows[-third:])
        ok = r1 <= r0 * 1.2 + 4096 and f1 <= f0 + 2
        return f"{r0 / 1024:.1f} -> {r1 / 1024:.1f}", f"{f0:g} -> {f1:g}", ok

    print()
    head = ("process", "kills", "restarts", "samples", "RSS MiB (first -> last third)",
            "fds (first -> last third)", "flat")
    rows = []
    failed = False
    for role in ("producer", "service", "consumer", "observer"):
        r, f, ok = flat(samples[role])
        failed |= not ok
        rows.append((role, str(kills.get(role, "-")), str(restarts.get(role, "-")),
                     str(len(samples[role])), r, f, "yes" if ok else "NO"))
    widths = [max(len(x[i]) for x in [head] + rows) for i in range(len(head))]
    for i, row in enumerate([head] + rows):
        print("  ".join(c.ljust(widths[j]) for j, c in enumerate(row)))
        if i == 0:
            print("  ".join("-" * w for w in widths))
    print(f"\n/dev/shm entries: at most {shm_max} during the run (topology: 4), {len(left)} left; "
          f"observer opened {observed} streams ({observe_errors} errors); "
          f"torn frames reported: {torn}; self-exits: {len(self_exits)}")
    problems = []
    if failed:
        problems.append("RSS or fds grew")
    if shm_max > 4 or left:
        problems.append("/dev/shm entries leaked")
    if torn:
        problems.append(f"{torn} torn frames")
    if observe_errors:
        problems.append(f"{observe_errors} observer errors")
    if self_exits:
        problems.append("processes exited by themselves: " + "; ".join(self_exits[:5]))
    if problems:
        print("SOAK FAILED: " + "; ".join(problems))
        return 1
    print("soak ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
