#!/usr/bin/env bash
# Checks the stream protocol model (tests/model/stream.pml) with spin: the model must hold, and
# every mutant must be REJECTED (so the check can fail). Usage: tests/model/run.sh [long]
#   (default)  MAXDEATHS=1, bounded to well under a minute: make test (ctest model_stream), make model
#   long       MAXDEATHS=2
# Both also let a writer die between publishing head and the wake-up (DIE_IN_WAKE_WINDOW), the
# defect this model found; it holds since src/stream.c wakes on takeover and bounds each sleep.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
long=${1:-}
command -v spin >/dev/null || { echo "FAIL: spin is not installed (make deps installs it)" >&2; exit 1; }
command -v cc >/dev/null || { echo "FAIL: no C compiler" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/shmhub-model.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp "$here/stream.pml" "$work/"
deaths=1; [[ $long == long ]] && deaths=2
fail=0

# check NAME EXPECT(hold|reject) SPIN_DEFINES...
check() {
    local name=$1 expect=$2; shift 2
    (cd "$work" && rm -f pan pan.* ./*.trail &&
        spin -a -DMAXDEATHS=$deaths "$@" stream.pml >spin.out 2>&1 &&
        cc -O2 -DSAFETY -DCOLLAPSE -o pan pan.c 2>cc.err &&
        ./pan -m200000 >pan.out 2>&1) || { cat "$work"/spin.out "$work"/cc.err 2>/dev/null >&2; echo "FAIL: $name: spin or pan did not run" >&2; fail=1; return; }
    local errors states what
    errors=$(sed -n 's/.*errors: \([0-9]*\).*/\1/p' "$work/pan.out" | head -1)
    states=$(sed -n 's/^ *\([0-9]*\) states, stored.*/\1/p' "$work/pan.out" | head -1)
    what=$(grep -m1 -oE 'assertion violated.*|invalid end state' "$work/pan.out" || true)
    if grep -q "max search depth too small" "$work/pan.out"; then
        echo "FAIL: $name: search depth too small (the check is incomplete)" >&2; fail=1; return
    fi
    if [[ $expect == hold && $errors == 0 ]]; then
        printf '%-28s holds     %10s states\n' "$name" "$states"
    elif [[ $expect == reject && $errors != 0 ]]; then
        printf '%-28s REJECTED  %10s states  (%s)\n' "$name" "$states" "$what"
    else
        printf '%-28s WRONG: expected %s, got %s error(s) %s\n' "$name" "$expect" "$errors" "$what" >&2
        fail=1
    fi
}

echo "spin model of the stream protocol (writer deaths per run: $deaths)"
check "model" hold
check "mutant: head first" reject -DMUTANT_HEAD_FIRST
check "mutant: no re-check" reject -DMUTANT_NO_RECHECK
check "mutant: wake first" reject -DMUTANT_WAKE_FIRST
check "mutant: claim race" reject -DMUTANT_CLAIM_RACE
check "death in wake window" hold -DDIE_IN_WAKE_WINDOW
exit $fail
