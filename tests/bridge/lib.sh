# Helpers for the bridge tests (sourced; $WORK set by the caller). See docs/bridge.md.
fail() { echo "FAIL: $*" >&2; dump_logs; exit 1; }
pass() { echo "ok - $*"; }
dump_logs() {
    for f in "$WORK"/*.err "$WORK"/*.out "$WORK"/*.json; do
        [[ -s $f ]] && { echo "--- $f" >&2; tail -n 20 "$f" >&2; }
    done
    return 0
}
# jq_ FILE EXPR: evaluates a Python expression with d = the JSON in FILE, prints the result.
jq_() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }
# check FILE EXPR WHAT: the Python expression over d must be true.
check() {
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2" \
        || fail "$3: '$2' is false for $(cat "$1" 2>/dev/null)"
}
# wait_until SECONDS CMD...: polls CMD every 50 ms; fails with the command's text on timeout.
wait_until() {
    local limit=$1 i
    shift
    for ((i = 0; i < limit * 20; i++)); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.05
    done
    fail "timed out after ${limit}s waiting for: $*"
}
json_true() { [[ -s $1 ]] && python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2"; }
# A port per test run (the tests run serially; the pid spreads concurrent runs of different trees).
PORT=$((20000 + ($$ * 7) % 40000))
