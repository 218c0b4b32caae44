#!/usr/bin/env bash
# CLI tests for `shmhub` streams: create --stream, info/list stream fields, watch.
# Usage: test_cli_stream.sh BIN_DIR (the directory holding the built `shmhub` and `stream_bench`,
# whose --feed mode publishes frames). Works in its own SHMHUB_DIR, removed on exit.
set -euo pipefail

BIN_DIR=${1:?usage: test_cli_stream.sh BIN_DIR}
SHMHUB="$BIN_DIR/shmhub"
FEED="$BIN_DIR/stream_bench"
[[ -x "$SHMHUB" ]] || { echo "FAIL: no executable $SHMHUB" >&2; exit 1; }
[[ -x "$FEED" ]] || { echo "FAIL: no executable $FEED" >&2; exit 1; }

SHMHUB_DIR=$(mktemp -d)
export SHMHUB_DIR
WORK=$(mktemp -d)
PIDS=()
cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$SHMHUB_DIR" "$WORK"
}
trap cleanup EXIT

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# lines_check PYTHON_EXPR: the same with L = the list of JSON objects, one per line of stdout.
lines_check() {
    python3 -c 'import json,sys; L=[json.loads(l) for l in open(sys.argv[1]) if l.strip()]; sys.exit(0 if eval(sys.argv[2]) else 1)' \
        "$WORK/out" "$1" || fail "JSON lines check '$1' failed on: $(cat "$WORK/out")"
}
seg() { echo "$SHMHUB_DIR/shmhub.$1"; }
ms() { echo $(( $(date +%s%N) / 1000000 )); }

# --- help ---------------------------------------------------------------------------------------
for args in "watch --help" "help watch" "create --help" "info --help"; do
    # shellcheck disable=SC2086
    run 0 "$SHMHUB" $args
    out_has "usage: shmhub"
done
run 0 "$SHMHUB" create --help
out_has "--stream"
run 0 "$SHMHUB" watch --help
out_has "MISSED"
out_has "slots"
run 0 "$SHMHUB" --help
out_has "watch NAME"
pass "help mentions streams and watch"

# --- create --stream + info ---------------------------------------------------------------------
run 0 "$SHMHUB" create cam --stream --dtype f4 --shape 480x640 --slots 4
[[ -f "$(seg cam)" ]] || fail "create --stream left no file $(seg cam)"
run 0 "$SHMHUB" info cam --json
json_check 'd["kind"] == "stream" and d["status"] == "ok" and isinstance(d["stream"], dict)'
json_check 'd["stream"]["dtype"] == "<f4" and d["stream"]["shape"] == [480, 640] and d["stream"]["slots"] == 4'
json_check 'd["stream"]["frame_nbytes"] == 480 * 640 * 4 and d["stream"]["writer_mode"] == "single"'
json_check 'd["stream"]["count"] == 0 and d["stream"]["last_write_age_s"] is None and d["stream"]["writer_pid"] == 0'
json_check 'd["stream"]["writer_alive"] is False and d["stream"]["rate_hz"] == 0'
run 0 "$SHMHUB" info cam --json --no-rate
json_check '"rate_hz" not in d["stream"]'
run 0 "$SHMHUB" info cam
out_has "stream:"
out_has "shape:         [480, 640]"
out_has "last write:    never"
run 0 "$SHMHUB" create multi --stream --dtype u2 --shape scalar --multi-writer --mode 0640
[[ $(stat -c %a "$(seg multi)") == 640 ]] || fail "--mode not applied to the stream"
run 0 "$SHMHUB" info multi --json
json_check 'd["stream"]["writer_mode"] == "multi" and d["stream"]["shape"] == [] and d["stream"]["slots"] == 8 and d["stream"]["frame_nbytes"] == 2'
run 0 "$SHMHUB" create plain --array x:f4:3
run 0 "$SHMHUB" info plain --json
json_check 'd["stream"] is None'
pass "create --stream and info (human and --json)"

# --- bad combinations ---------------------------------------------------------------------------
run 2 "$SHMHUB" create bad --stream --dtype f4
err_has "--shape"
run 2 "$SHMHUB" create bad --stream --shape 4
err_has "--dtype"
run 2 "$SHMHUB" create bad --stream --dtype f4 --shape 4 --array x:f4:3
err_has "--array"
run 2 "$SHMHUB" create bad --dtype f4 --shape 4
err_has "--stream"
run 2 "$SHMHUB" create bad --slots 4 --array x:f4:3
run 2 "$SHMHUB" create bad --stream --dtype nope --shape 4
err_has "nope"
run 2 "$SHMHUB" create bad --stream --dtype f4 --shape 4y5
err_has "4y5"
run 2 "$SHMHUB" create bad --stream --dtype f4 --shape 4 --slots many
err_has "--slots"
run 2 "$SHMHUB" create bad --stream --dtype f4 --shape 4 --slots -3
run 1 "$SHMHUB" create bad --stream --dtype f4 --shape 4 --slots 1
err_has "'bad'"
err_has "slots"
run 1 "$SHMHUB" create cam --stream --dtype f4 --shape 4
err_has "'cam'"
run 1 "$SHMHUB" create 'bad/name' --stream --dtype f4 --shape 4
[[ ! -e "$(seg bad)" ]] || fail "a failed create left $(seg bad)"
pass "bad create --stream combinations exit 2 (usage) or 1 (library)"

# --- a fed stream: list, info --rate, watch -----------------------------------------------------
"$FEED" --feed feed 120 1000 &  # killed below and at exit; long enough for a loaded machine
PIDS+=($!)
FEED_PID=$!
for _ in $(seq 50); do
    if "$SHMHUB" info feed --json >"$WORK/out" 2>/dev/null &&
        python3 -c 'import json,sys; sys.exit(0 if json.load(open(sys.argv[1]))["stream"]["count"] > 0 else 1)' "$WORK/out"; then
        break
    fi
    sleep 0.1
done
run 0 "$SHMHUB" info feed --json
json_check 'd["stream"]["count"] > 0 and d["stream"]["writer_pid"] == '"$FEED_PID"' and d["stream"]["writer_alive"] is True'
json_check 'd["stream"]["dtype"] == "<f4" and d["stream"]["shape"] == [64] and 0 <= d["stream"]["last_write_age_s"] < 1'

run 0 "$SHMHUB" info feed --json
json_check 'd["stream"]["rate_hz"] > 100'
run 0 "$SHMHUB" info feed
out_has "rate:"

run 0 "$SHMHUB" list --json
json_check 'sorted(e["name"] for e in d) == ["cam", "feed", "multi", "plain"]'
json_check 'all((e["stream"] is None) == (e["kind"] != "stream") for e in d)'
json_check '[e for e in d if e["name"] == "cam"][0]["stream"]["shape"] == [480, 640]'
json_check '[e for e in d if e["name"] == "feed"][0]["stream"]["count"] > 0'
json_check '[e for e in d if e["name"] == "feed"][0]["stream"]["rate_hz"] > 100'
json_check '[e for e in d if e["name"] == "cam"][0]["stream"]["rate_hz"] == 0'
run 0 "$SHMHUB" list --json --no-rate
json_check 'all("rate_hz" not in (e["stream"] or {}) for e in d)'
run 0 "$SHMHUB" list
grep -qE '^feed +stream .*stream <f4\[64\] x8 single, [0-9]+ frames.* Hz' "$WORK/out" || fail "list lacks the feed stream and its rate: $(cat "$WORK/out")"
grep -qE '^cam +stream .*last never' "$WORK/out" || fail "list lacks cam's 'never': $(cat "$WORK/out")"
pass "info and list show stream fields (count, rate, writer, last write; --no-rate)"

run 0 "$SHMHUB" watch feed cam --json --interval 0.2 --count 3
[[ $(wc -l <"$WORK/out") == 3 ]] || fail "watch --count 3 printed $(wc -l <"$WORK/out") lines"
lines_check 'len(L) == 3 and all(len(o["streams"]) == 2 and o["time"].endswith("Z") for o in L)'
lines_check 'all(o["streams"][0]["name"] == "feed" and o["streams"][0]["hz"] > 0 and o["streams"][0]["mb_s"] > 0 for o in L)'
lines_check 'L[0]["streams"][0]["count"] < L[1]["streams"][0]["count"] < L[2]["streams"][0]["count"]'
lines_check 'all(o["streams"][0]["writer_alive"] is True and o["streams"][0]["missed"] >= 0 for o in L)'
lines_check 'all(set(s) == {"name","count","hz","mb_s","missed","last_write_age_s","writer_pid","writer_alive"} for o in L for s in o["streams"])'
lines_check 'all(o["streams"][1]["hz"] == 0 and o["streams"][1]["count"] == 0 and o["streams"][1]["last_write_age_s"] is None for o in L)'
run 0 "$SHMHUB" watch feed --interval 0.2 --count 2
[[ $(grep -c '^NAME' "$WORK/out") == 2 ]] || fail "human watch did not append 2 tables: $(cat "$WORK/out")"
grep -qE '^feed +[0-9.]+ +[0-9.]+ +[0-9]+ +[0-9]+ ' "$WORK/out" || fail "human watch row: $(cat "$WORK/out")"
if grep -q $'\033' "$WORK/out"; then fail "watch wrote ANSI escapes to a non-terminal"; fi
pass "watch --json and human on a fed stream"

# --- watch errors -------------------------------------------------------------------------------
run 1 "$SHMHUB" watch nosuch --count 1 --interval 0.1
err_has "'nosuch'"
run 1 "$SHMHUB" watch feed nosuch --count 1 --interval 0.1
err_has "'nosuch'"
run 1 "$SHMHUB" watch plain --count 1 --interval 0.1
err_has "'plain'"
run 2 "$SHMHUB" watch
run 2 "$SHMHUB" watch feed --interval 0
run 2 "$SHMHUB" watch feed --interval abc
run 2 "$SHMHUB" watch feed --count 0
pass "watch errors: missing or non-stream names exit 1, bad options 2"

# --- signals and unlink while watching ----------------------------------------------------------
for sig in INT TERM; do
    "$SHMHUB" watch feed --json --interval 5 >"$WORK/sig.out" 2>"$WORK/sig.err" &
    wpid=$!
    PIDS+=("$wpid")
    sleep 0.3
    t0=$(ms)
    kill -s "$sig" "$wpid"
    rc=0
    wait "$wpid" || rc=$?
    elapsed=$(( $(ms) - t0 ))
    [[ $rc == 0 ]] || fail "watch exited $rc on SIG$sig: $(cat "$WORK/sig.err")"
    (( elapsed < 1000 )) || fail "watch took ${elapsed} ms to exit on SIG$sig"
done
pass "SIGINT and SIGTERM end watch with status 0 within 1 s"

"$SHMHUB" watch feed --json --interval 0.2 --count 3 >"$WORK/out" 2>"$WORK/err" &
wpid=$!
PIDS+=("$wpid")
sleep 0.1
"$SHMHUB" unlink feed
rc=0
wait "$wpid" || rc=$?
[[ $rc == 0 ]] || fail "watch exited $rc after the stream was unlinked: $(cat "$WORK/err")"
[[ ! -e "$(seg feed)" ]] || fail "unlink left $(seg feed)"
lines_check 'len(L) == 3 and all(o["streams"][0]["name"] == "feed" for o in L)'
lines_check 'L[2]["streams"][0]["count"] > L[0]["streams"][0]["count"]'
pass "a stream unlinked while watched stays shown"

kill "$FEED_PID" 2>/dev/null || true
echo "all stream CLI tests passed"
