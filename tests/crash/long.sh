#!/usr/bin/env bash
# make test-long: the full crash campaigns (10,000 writer kills over single and multi writer,
# 1,000 reader kills), the containers' kill campaign (2,000 dict and pool writer kills), the
# synched dead-worker test (50 runs per barrier mode), the hostile-segment tests (streams and
# containers) for longer, and the
# spin model with two deaths per run and deaths in the wake window. Every check is enforced (no
# CRASH_PENDING): until issue 12's core fixes land, the pending invariants fail here (and only
# here). Prints each part's table, then a summary. Usage: tests/crash/long.sh BUILD_DIR
set -uo pipefail
build=${1:?usage: long.sh BUILD_DIR}
here=$(cd "$(dirname "$0")/.." && pwd)
: "${CRASH_WRITER_KILLS:=5000}" "${CRASH_READER_KILLS:=1000}" "${HOSTILE_SECONDS:=20}"
: "${CONTAINERS_KILLS:=2000}" "${SYNCHED_DEAD_ROUNDS:=50}"
export CRASH_WRITER_KILLS CRASH_READER_KILLS HOSTILE_SECONDS CONTAINERS_KILLS SYNCHED_DEAD_ROUNDS
declare -A result
run() { # NAME COMMAND...
    local name=$1; shift
    echo "=== $name: $*"
    local t0=$SECONDS
    if "$@"; then result[$name]="passed ($((SECONDS - t0)) s)"; else result[$name]="FAILED ($((SECONDS - t0)) s)"; fi
}
run crash "$build/tests/crash/crash_campaign" all
run containers "$build/tests/test_containers_kill"
run synched "$build/tests/test_synched"
run hostile "$build/tests/test_hostile"
run hostile_c "$build/tests/test_hostile_containers"
run model bash "$here/model/run.sh" long
echo
echo "test-long summary (writer kills: 2 x $CRASH_WRITER_KILLS, reader kills: $CRASH_READER_KILLS, container kills: $CONTAINERS_KILLS, synched dead-worker runs: 3 x $SYNCHED_DEAD_ROUNDS, hostile: ${HOSTILE_SECONDS} s x 3 streams + 3 containers)"
rc=0
for k in crash containers synched hostile hostile_c model; do
    printf '  %-10s %s\n' "$k" "${result[$k]}"
    [[ ${result[$k]} == passed* ]] || rc=1
done
exit $rc
