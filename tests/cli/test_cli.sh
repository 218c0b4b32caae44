#!/usr/bin/env bash
# CLI tests for `shmhub`. Usage: test_cli.sh BIN_DIR (the directory holding the built `shmhub`).
# Works in its own SHMHUB_DIR, removed on exit.
set -euo pipefail

BIN_DIR=${1:?usage: test_cli.sh BIN_DIR}
SHMHUB="$BIN_DIR/shmhub"
[[ -x "$SHMHUB" ]] || { echo "FAIL: no executable $SHMHUB" >&2; exit 1; }

SHMHUB_DIR=$(mktemp -d)
export SHMHUB_DIR
WORK=$(mktemp -d)
trap 'rm -rf "$SHMHUB_DIR" "$WORK"' EXIT

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
seg() { echo "$SHMHUB_DIR/shmhub.$1"; }

# --- version and help ---------------------------------------------------------------------------
run 0 "$SHMHUB" --version
grep -qE '^shmhub [0-9]+\.[0-9]+\.[0-9]+ \(layout [0-9]+\.[0-9]+\)$' "$WORK/out" || fail "bad --version: $(cat "$WORK/out")"
for args in "--help" "help" "-h" "create --help" "list --help" "info --help" "unlink --help" "help info"; do
    # shellcheck disable=SC2086
    run 0 "$SHMHUB" $args
    out_has "usage: shmhub"
done
pass "--version and --help"

# --- create + info --json + unlink --------------------------------------------------------------
run 0 "$SHMHUB" create prices --array close:f4:1000x500 --array n:i8:scalar --array flags:bool:7 --mode 0640
[[ -f "$(seg prices)" ]] || fail "create left no file $(seg prices)"
[[ $(stat -c %a "$(seg prices)") == 640 ]] || fail "mode is $(stat -c %a "$(seg prices)"), expected 640"
run 0 "$SHMHUB" info prices --json
json_check 'd["name"] == "prices" and d["kind"] == "arrays" and d["status"] == "ok" and d["error"] is None'
json_check '[a["name"] for a in d["arrays"]] == ["close", "n", "flags"]'
json_check 'd["arrays"][0]["dtype"] == "<f4" and d["arrays"][0]["shape"] == [1000, 500] and d["arrays"][0]["nbytes"] == 2000000'
json_check 'd["arrays"][1]["dtype"] == "<i8" and d["arrays"][1]["shape"] == [] and d["arrays"][1]["nbytes"] == 8'
json_check 'd["arrays"][2]["dtype"] == "|b1" and d["arrays"][2]["shape"] == [7] and d["arrays"][2]["nbytes"] == 7'
json_check 'all(a["offset"] % 64 == 0 and a["offset"] + a["nbytes"] <= d["size"] for a in d["arrays"])'
json_check 'd["layout_version"] == "1.1" and d["path"].endswith("/shmhub.prices") and d["creator_alive"] is False'
json_check 'isinstance(d["created_ns"], int) and 0 <= d["age_s"] < 60'
run 0 "$SHMHUB" info prices
out_has "close"; out_has "float32"; out_has "[1000, 500]"; out_has "aligned"
# options after or before NAME
run 0 "$SHMHUB" info --json prices
run 0 "$SHMHUB" unlink prices
[[ ! -e "$(seg prices)" ]] || fail "unlink left $(seg prices)"
pass "create, info --json, unlink"

# the acceptance line
if ! { "$SHMHUB" create demo --array x:f4:100x100 && "$SHMHUB" info demo --json >"$WORK/out" &&
        "$SHMHUB" unlink demo; }; then
    fail "acceptance: create demo && info demo --json && unlink demo"
fi
json_check 'd["arrays"] == [dict(d["arrays"][0], name="x", dtype="<f4", shape=[100, 100], nbytes=40000)]'
pass "acceptance: create demo / info --json / unlink"

# --dir overrides SHMHUB_DIR; "--" allows names that start with "-"
OTHER="$WORK/other"
mkdir "$OTHER"
run 0 "$SHMHUB" create --dir "$OTHER" elsewhere --array v:u4:5
[[ -f "$OTHER/shmhub.elsewhere" && ! -e "$(seg elsewhere)" ]] || fail "create --dir did not use $OTHER"
run 1 "$SHMHUB" info elsewhere
run 0 "$SHMHUB" info elsewhere --dir "$OTHER" --json
json_check 'd["path"] == sys.argv[1].rsplit("/", 1)[0] + "/other/shmhub.elsewhere"'
run 0 "$SHMHUB" list --dir "$OTHER" --json
json_check '[e["name"] for e in d] == ["elsewhere"]'
run 0 "$SHMHUB" unlink --dir "$OTHER" elsewhere
[[ ! -e "$OTHER/shmhub.elsewhere" ]] || fail "unlink --dir left the file"
run 1 "$SHMHUB" list --dir "$WORK/no-such-dir"
run 0 "$SHMHUB" create --array x:f4:2 -- -dash
run 0 "$SHMHUB" info --json -- -dash
json_check 'd["name"] == "-dash"'
run 0 "$SHMHUB" unlink -- -dash
pass "--dir and names starting with '-'"

# --- errors -------------------------------------------------------------------------------------
run 0 "$SHMHUB" create dup --array x:u1:4
run 1 "$SHMHUB" create dup --array x:u1:4
err_has "'dup'"
pass "create an existing name exits 1"

run 1 "$SHMHUB" info missing
err_has "segment 'missing'"
run 1 "$SHMHUB" unlink missing
err_has "segment 'missing'"
pass "info/unlink a missing segment exit 1 naming it"

run 1 "$SHMHUB" create 'bad/name' --array x:f4:3
err_has "bad/name"
run 1 "$SHMHUB" info 'bad name'
run 1 "$SHMHUB" create ok1 --array 'bad array:f4:3'      # array name judged by the library
run 1 "$SHMHUB" create ok1 --array x:f4:4294967296x4294967296   # size overflows
run 1 "$SHMHUB" create ok1 --array x:f4:3 --array x:f4:3 # duplicate array
[[ ! -e "$(seg ok1)" ]] || fail "a failed create left $(seg ok1)"
pass "bad names and sizes exit 1"

for spec in x:f5:3 x:f4:3y x:f4:-1 x:f4:+1 x:f4:' 1' x:f4:1x x:f4:x1 x:f4:1xx2 x:f4:99999999999999999999 \
            x:f4:1x2x3x4x5x6x7x8x9 x:f4 x:f4:3:4 :f4:3 x::3 '>f4'; do
    run 2 "$SHMHUB" create bad --array "$spec"
    err_has "Try 'shmhub create --help'"
done
run 0 "$SHMHUB" create eight --array x:u1:1x2x1x2x1x2x1x2 --array s:f8: --array t:c16:scalar
run 0 "$SHMHUB" unlink eight
run 2 "$SHMHUB" create bad --mode 999 --array x:f4:3
run 2 "$SHMHUB" create bad --array
run 2 "$SHMHUB" create --array x:f4:3
run 2 "$SHMHUB" create a b --array x:f4:3
[[ ! -e "$(seg bad)" ]] || fail "a usage error created $(seg bad)"
pass "malformed --array / --mode / arguments exit 2"

run 2 "$SHMHUB" frobnicate
err_has "frobnicate"
run 2 "$SHMHUB"
run 2 "$SHMHUB" --bogus
run 2 "$SHMHUB" info --bogus dup
run 2 "$SHMHUB" info
run 2 "$SHMHUB" info a b
run 2 "$SHMHUB" list extra
run 2 "$SHMHUB" unlink
pass "unknown command/option and missing NAME exit 2"

# --- list ---------------------------------------------------------------------------------------
run 0 "$SHMHUB" create l1 --array a:f8:10 --array b:u2:3x4
run 0 "$SHMHUB" create l2
run 0 "$SHMHUB" list
out_has "NAME"; out_has "l1"; out_has "l2"; out_has "a:<f8[10]"
run 0 "$SHMHUB" list --json
json_check '{"dup", "l1", "l2"} <= {e["name"] for e in d} and all(e["status"] == "ok" for e in d)'
json_check '[e for e in d if e["name"] == "l1"][0]["arrays"][1]["shape"] == [3, 4]'
run 0 "$SHMHUB" list --dir "$SHMHUB_DIR" --json
json_check '"l1" in [e["name"] for e in d]'
pass "list and list --json"

# --- corrupt and truncated segments -------------------------------------------------------------
# Flip every byte of the immutable header + checksum (0..135): info must exit exactly 1 naming the
# segment; the rest of the 256-byte header page must not crash it either.
run 0 "$SHMHUB" create victim --array x:f4:16x16 --array y:u1:3
python3 - "$SHMHUB" "$(seg victim)" <<'EOF' || fail "byte-flip test"
import subprocess, sys
shmhub, path = sys.argv[1], sys.argv[2]
with open(path, "rb") as f:
    orig = f.read()
def info():
    p = subprocess.run([shmhub, "info", "victim"], capture_output=True, text=True, timeout=10)
    return p.returncode, p.stderr
for i in range(256):
    with open(path, "r+b") as f:
        f.seek(i); f.write(bytes([orig[i] ^ 0xFF]))
    try:
        rc, err = info()
    finally:
        with open(path, "r+b") as f:
            f.seek(i); f.write(orig[i:i + 1])
    if rc < 0 or rc not in (0, 1):
        sys.exit(f"byte {i} flipped: info exited {rc}: {err}")
    if i < 136 and (rc != 1 or "segment 'victim'" not in err):
        sys.exit(f"byte {i} flipped: info exited {rc} (want 1 naming the segment): {err!r}")
rc, err = info()
if rc != 0:
    sys.exit(f"restored segment does not open: {err}")
EOF
pass "flipping each header byte 0..135 gives exit 1 naming the segment"

# Corrupt copies left in place for list: a bad checksum, two truncations, an empty file.
run 0 "$SHMHUB" create big --array x:f8:1000x100
cp "$(seg victim)" "$(seg badsum)"
python3 -c 'import sys; f=open(sys.argv[1],"r+b"); f.seek(128); b=f.read(1); f.seek(128); f.write(bytes([b[0]^1]))' "$(seg badsum)"
cp "$(seg big)" "$(seg trunc100)"; truncate -s 100 "$(seg trunc100)"
cp "$(seg big)" "$(seg trunc4096)"; truncate -s 4096 "$(seg trunc4096)"
: >"$(seg empty)"
for name in badsum trunc100 trunc4096 empty; do
    run 1 "$SHMHUB" info "$name"
    err_has "segment '$name'"
    run 1 "$SHMHUB" info "$name" --json
    [[ ! -s "$WORK/out" ]] || fail "info --json $name printed to stdout on failure"
done
pass "corrupt checksum, truncated and empty segments: info exits 1"

run 0 "$SHMHUB" list
grep -qE '^badsum +corrupt ' "$WORK/out" || fail "list does not mark badsum corrupt: $(cat "$WORK/out")"
grep -qE '^trunc100 +[A-Za-z_]+ ' "$WORK/out" || fail "list lacks trunc100: $(cat "$WORK/out")"
grep -qE '^big +arrays ' "$WORK/out" || fail "list lacks big: $(cat "$WORK/out")"
run 0 "$SHMHUB" list --json
json_check '{e["name"]: e["status"] for e in d}["badsum"] == "corrupt"'
json_check 'all(e["status"] != "ok" and isinstance(e["error"], str) and e["error"] for e in d if e["name"] in ("badsum", "trunc100", "trunc4096", "empty"))'
json_check 'all(e["status"] == "ok" and e["error"] is None for e in d if e["name"] in ("big", "victim", "l1"))'
pass "list with corrupt segments exits 0, marks them and stays valid JSON"

# --- unlink several -----------------------------------------------------------------------------
run 0 "$SHMHUB" create u1
run 0 "$SHMHUB" create u2
run 1 "$SHMHUB" unlink u1 nosuch u2
err_has "segment 'nosuch'"
[[ ! -e "$(seg u1)" && ! -e "$(seg u2)" ]] || fail "unlink stopped at the missing name"
run 0 "$SHMHUB" unlink badsum trunc100 trunc4096 empty big victim l1 l2 dup
run 0 "$SHMHUB" list --json
json_check 'd == []'
pass "unlink goes on past a missing name and exits 1"

echo "all CLI tests passed"
