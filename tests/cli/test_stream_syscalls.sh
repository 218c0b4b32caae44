#!/usr/bin/env bash
# Syscall guarantee of streams: publishing with no sleeping reader makes no futex call.
# Usage: test_stream_syscalls.sh BIN_DIR (the build directory holding `shmhub` and `test_stream`).
# Runs `test_stream --publish-only N` under `strace -f -c -e trace=futex` and expects no futex
# call beyond those of `--publish-only 0` (create + close + unlink); as a control, `test_stream --publish-to-sleeper` (a reader sleeping in read_next) must
# show some. Prints SKIP and passes when strace is missing or cannot trace here.
set -euo pipefail

BIN_DIR=${1:?usage: test_stream_syscalls.sh BIN_DIR}
# The unit-test binaries live in the tests/ subdirectory of the build tree.
TEST="$BIN_DIR/test_stream"
[[ -x "$TEST" ]] || TEST="$BIN_DIR/tests/test_stream"
[[ -x "$TEST" ]] || { echo "FAIL: no executable test_stream in $BIN_DIR or $BIN_DIR/tests" >&2; exit 1; }
command -v strace >/dev/null 2>&1 || { echo "SKIP: strace is not installed"; exit 0; }

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# futex_calls OUTFILE: the "calls" column of the futex row of a `strace -c` summary (0 if none).
futex_calls() {
    awk '$NF == "futex" { print ($4 ~ /^[0-9]+$/) ? $4 : $3; found = 1 } END { if (!found) print 0 }' "$1"
}

if ! strace -f -c -e trace=futex -o "$WORK/probe" true >/dev/null 2>&1; then
    echo "SKIP: strace cannot trace processes here (ptrace not permitted)"
    exit 0
fi

# Baseline: create + unlink with no publish (segment create wakes openers waiting for it once).
strace -f -c -e trace=futex -o "$WORK/base" "$TEST" --publish-only 0 >/dev/null 2>"$WORK/err" \
    || fail "publish-only 0 exited non-zero: $(cat "$WORK/err")"
base=$(futex_calls "$WORK/base")

N=10000
strace -f -c -e trace=futex -o "$WORK/publish" "$TEST" --publish-only "$N" >"$WORK/out" 2>"$WORK/err" \
    || fail "publish-only exited non-zero: $(cat "$WORK/err")"
grep -q "published $N frames" "$WORK/out" || fail "publish-only did not publish: $(cat "$WORK/out")"
calls=$(futex_calls "$WORK/publish")
[[ "$calls" == "$base" ]] || {
    cat "$WORK/publish" >&2
    fail "$N publishes with no waiter made $((calls - base)) futex calls (total $calls, baseline $base)"
}
echo "ok - $N publishes with no sleeping reader: 0 futex calls (create/open/close alone: $base)"

# Control: a sleeping reader must show up as futex calls (proves the count above is meaningful).
strace -f -c -e trace=futex -o "$WORK/sleeper" "$TEST" --publish-to-sleeper >/dev/null 2>"$WORK/err" \
    || fail "publish-to-sleeper exited non-zero: $(cat "$WORK/err")"
calls=$(futex_calls "$WORK/sleeper")
[[ "$calls" -ge 2 ]] || { cat "$WORK/sleeper" >&2; fail "a sleeping reader made only $calls futex calls"; }
echo "ok - with a sleeping reader: $calls futex calls (wait + wake)"

# Multi-writer mode: no system call of any kind per publish (the writer lock's owner token and
# thread id are cached per process/thread; glibc no longer caches getpid). Compares the total
# system calls of N publishes against 0 publishes.
# total_calls OUTFILE: the sum of the "calls" column (4th) over every system call row.
total_calls() {
    awk '$1 ~ /^[0-9.]+$/ && $NF != "total" && $4 ~ /^[0-9]+$/ { n += $4 } END { print n + 0 }' "$1"
}
strace -f -c -o "$WORK/mbase" "$TEST" --publish-only 0 multi >/dev/null 2>"$WORK/err" \
    || fail "publish-only 0 multi exited non-zero: $(cat "$WORK/err")"
strace -f -c -o "$WORK/multi" "$TEST" --publish-only "$N" multi >"$WORK/out" 2>"$WORK/err" \
    || fail "publish-only multi exited non-zero: $(cat "$WORK/err")"
grep -q "published $N frames" "$WORK/out" || fail "publish-only multi did not publish: $(cat "$WORK/out")"
mbase=$(total_calls "$WORK/mbase")
mcalls=$(total_calls "$WORK/multi")
(( mcalls - mbase <= 10 )) || {
    cat "$WORK/multi" >&2
    fail "$N multi-writer publishes made $((mcalls - mbase)) system calls (total $mcalls, baseline $mbase)"
}
echo "ok - $N multi-writer publishes: $((mcalls - mbase)) system calls beyond create/close ($mbase)"
