# Helpers shared by the CLI test scripts (sourced; $WORK must be set by the caller).
fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok - $*"; }

# run EXPECTED_RC CMD...: runs CMD with stdout/stderr in $WORK/out, $WORK/err; checks the exit code.
run() {
    local want=$1 rc=0
    shift
    "$@" >"$WORK/out" 2>"$WORK/err" || rc=$?
    if [[ $rc != "$want" ]]; then
        echo "--- stdout" >&2; cat "$WORK/out" >&2
        echo "--- stderr" >&2; cat "$WORK/err" >&2
        fail "'$*' exited $rc, expected $want"
    fi
}
err_has() { grep -qF -- "$1" "$WORK/err" || fail "stderr lacks '$1': $(cat "$WORK/err")"; }
out_has() { grep -qF -- "$1" "$WORK/out" || fail "stdout lacks '$1': $(cat "$WORK/out")"; }
# json_check PYTHON_EXPR: evaluates the expression with d = the JSON on stdout of the last run.
json_check() {
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' \
        "$WORK/out" "$1" || fail "JSON check '$1' failed on: $(cat "$WORK/out")"
}
