#!/usr/bin/env bash
# CLI tests for dictionaries and pools: create --dict/--pool, dict get/set/keys (human and JSON),
# the list/info fields, and bad input (exit 2 for usage, 1 for a failed operation).
# Usage: test_cli_containers.sh BIN_DIR. Works in its own SHMHUB_DIR, removed on exit.
set -euo pipefail

BIN_DIR=${1:?usage: test_cli_containers.sh BIN_DIR}
SHMHUB="$BIN_DIR/shmhub"
[[ -x "$SHMHUB" ]] || { echo "FAIL: no executable $SHMHUB" >&2; exit 1; }
SHMHUB_DIR=$(mktemp -d)
export SHMHUB_DIR
WORK=$(mktemp -d)
trap 'rm -rf "$SHMHUB_DIR" "$WORK"' EXIT
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

run 0 "$SHMHUB" create cache --dict --capacity 8 --value-bytes 4KiB
run 0 "$SHMHUB" dict set cache greeting "héllo"
run 0 "$SHMHUB" dict set cache hits 41 --type i64
run 0 "$SHMHUB" dict set cache ratio 0.25 --type f64
run 0 "$SHMHUB" dict set cache raw 00ff10 --type bytes
run 0 "$SHMHUB" dict get cache greeting
[[ "$(cat "$WORK/out")" == "héllo" ]] || fail "get greeting: $(cat "$WORK/out")"
run 0 "$SHMHUB" dict get cache hits --json
json_check 'd == {"key": "hits", "type": "i64", "value": 41}'
run 0 "$SHMHUB" dict get cache ratio --json
json_check 'd["value"] == 0.25 and d["type"] == "f64"'
run 0 "$SHMHUB" dict get cache raw
out_has "00ff10"
run 0 "$SHMHUB" dict keys cache --json
json_check 'd == ["greeting", "hits", "ratio", "raw"]'
run 0 "$SHMHUB" dict keys cache
[[ "$(wc -l < "$WORK/out")" == 4 ]] || fail "keys: $(cat "$WORK/out")"
pass "dict set/get/keys"

run 0 "$SHMHUB" create frames --pool --class 1MiB:4 --class 64K:2
run 0 "$SHMHUB" list --no-rate
out_has "dict 4/8 keys"
out_has "pool 64KiB: 0/2 in use"
run 0 "$SHMHUB" info cache --no-rate
out_has "contents:        dict 4/8 keys"
run 0 "$SHMHUB" info frames --json --no-rate
json_check 'd["kind"] == "pool" and [c["buffer_bytes"] for c in d["pool"]] == [65536, 1048576] and d["pool"][1]["count"] == 4'
run 0 "$SHMHUB" info cache --json --no-rate
json_check 'd["dict"]["keys"] == 4 and d["dict"]["capacity"] == 8 and d["dict"]["recoveries"] == 0'
pass "list/info show keys, value bytes and buffers per class"

run 1 "$SHMHUB" dict get cache missing
err_has "no key 'missing'"
run 1 "$SHMHUB" dict get frames x
err_has "not a dict"
run 2 "$SHMHUB" dict set cache n x --type i64
run 2 "$SHMHUB" dict set cache n 1 --type nope
run 2 "$SHMHUB" dict frob cache
run 2 "$SHMHUB" create bad --dict --class 1MiB:1
run 2 "$SHMHUB" create bad --pool
run 2 "$SHMHUB" create bad --pool --class 1MiB
run 2 "$SHMHUB" create bad --dict --value-bytes 12Q
run 1 "$SHMHUB" create bad --dict --capacity 0
err_has "capacity"
run 1 "$SHMHUB" create cache --dict
err_has "already exists"
"$SHMHUB" dict set cache k5 5 >/dev/null && "$SHMHUB" dict set cache k6 6 >/dev/null &&
    "$SHMHUB" dict set cache k7 7 >/dev/null && "$SHMHUB" dict set cache k8 8 >/dev/null
run 1 "$SHMHUB" dict set cache k9 9
err_has "full"
run 0 "$SHMHUB" help dict
out_has "dict get NAME KEY"
pass "bad input: usage errors exit 2, failures exit 1 with the library's message"

# --- watch: a dictionary's writes/s and a pool's acquires/s -------------------------------------
run 0 "$SHMHUB" create rates --dict --capacity 4 --value-bytes 64KiB
( i=0; while :; do i=$((i + 1)); "$SHMHUB" dict set rates n "$i" --type i64 >/dev/null || exit 1; done ) &
setter=$!  # sets until watch is done
run 0 "$SHMHUB" watch rates frames --json --interval 0.3 --count 3
kill "$setter" && wait "$setter" 2>/dev/null || true
python3 - "$WORK/out" <<'PY' || fail "watch --json on a dict and a pool: $(cat "$WORK/out")"
import json, sys
L = [json.loads(x) for x in open(sys.argv[1])]
assert len(L) == 3 and all(o["streams"] == [] for o in L)
assert all([c["name"] for c in o["containers"]] == ["rates", "frames"] for o in L)
d = [o["containers"][0] for o in L]
p = [o["containers"][1] for o in L]
assert all(set(c) == {"name", "kind", "writes", "writes_per_s"} and c["kind"] == "dict" for c in d)
assert all(set(c) == {"name", "kind", "acquires", "acquires_per_s"} and c["kind"] == "pool" for c in p)
assert d[0]["writes"] <= d[1]["writes"] <= d[2]["writes"] and d[2]["writes"] > d[0]["writes"]
assert any(c["writes_per_s"] > 0 for c in d)
assert all(c["acquires"] == 0 and c["acquires_per_s"] == 0 for c in p)
PY
run 0 "$SHMHUB" watch rates frames --interval 0.1 --count 1
grep -qE '^rates +[0-9.]+ +- +[0-9]+ +- +- +dict writes/s' "$WORK/out" || fail "human watch dict row: $(cat "$WORK/out")"
grep -qE '^frames +0\.0 +- +0 +- +- +pool acquires/s' "$WORK/out" || fail "human watch pool row: $(cat "$WORK/out")"
run 1 "$SHMHUB" watch rates nosuch --count 1 --interval 0.1
err_has "'nosuch'"
pass "watch shows a dictionary's writes/s and a pool's acquires/s"
