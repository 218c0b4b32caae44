#!/usr/bin/env bash
# ABI 1.1 only adds to 1.0 ($1 = source dir, $2 = build dir):
#  1. every function of 1.0 (tests/abi/v1.0/symbols.txt, the list shipped with 1.0) is still
#     exported at its 1.0 node (name@@SHMHUB_1.0): binaries linked against 1.0 keep resolving;
#  2. every function added since is at a later node (SHMHUB_1.1...), never at SHMHUB_1.0;
#  3. abidiff against the 1.0 baseline (abi/shmhub-1.0.abi.xml) shows additions only;
#  4. programs compiled against the 1.0 header (tests/abi/v1.0/shmhub.h, a verbatim copy of the
#     released header) run unchanged on this library: the cross-language C peer writes and reads
#     an arrays segment and a stream, and the 1.0 version check passes.
set -euo pipefail
src=$1 build=$2
tool="bash $src/tests/abi/abi_tool.sh"
lib=$build/libshmhub.so.1
fail() { echo "FAIL: $*" >&2; exit 1; }
exported=$($tool lib-symbols "$lib")
while read -r sym; do
    # a here-string, not `echo | grep -q`: grep -q exits at the first match, and under pipefail
    # echo's next write then fails with SIGPIPE (seen: shmhub_dtype_str reported missing)
    grep -qx "$sym@@SHMHUB_1.0" <<<"$exported" || fail "1.0 function $sym is not exported as $sym@@SHMHUB_1.0"
done <"$src/tests/abi/v1.0/symbols.txt"
echo "ok: all $(wc -l <"$src/tests/abi/v1.0/symbols.txt") functions of 1.0 keep their SHMHUB_1.0 node"
added=$(comm -13 "$src/tests/abi/v1.0/symbols.txt" <(echo "$exported" | sed 's/@@.*//'))
for sym in $added; do
    node=$(echo "$exported" | grep "^$sym@@" | sed 's/.*@@//')
    [ "$node" != SHMHUB_1.0 ] || fail "$sym was added after 1.0 but is exported at SHMHUB_1.0 (list it in the SHMHUB_1.1 node of abi/shmhub.map)"
done
echo "ok: $(echo "$added" | grep -c . || true) functions added since 1.0, none at the 1.0 node"
$tool compat "$src/abi/shmhub-1.0.abi.xml" "$lib" "$src" || fail "the library is not a compatible extension of 1.0"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; for n in "${names[@]:-}"; do [ -n "$n" ] && "$build/shmhub" unlink "$n" >/dev/null 2>&1; done; true' EXIT
names=()
gcc -std=c11 -O1 -I"$src/tests/abi/v1.0" "$src/tests/xlang/c_peer.c" -L"$build" -lshmhub \
    -Wl,-rpath,"$build" -o "$tmp/peer10"
printf '#include <shmhub.h>\nint main(void) { return SHMHUB_CHECK_VERSION() != SHMHUB_OK; }\n' >"$tmp/v.c"
gcc -std=c99 -I"$src/tests/abi/v1.0" "$tmp/v.c" -L"$build" -lshmhub -Wl,-rpath,"$build" -o "$tmp/v10"
"$tmp/v10" || fail "a program built against the 1.0 header fails the version check on this library"
n=abi10-$$; names+=("$n" "$n-s")
"$tmp/peer10" write-arrays "$n" && "$tmp/peer10" check-arrays "$n" || fail "1.0 peer: arrays"
"$tmp/peer10" write-stream "$n-s" 20 && "$tmp/peer10" read-stream "$n-s" 20 || fail "1.0 peer: stream"
echo "ok: programs built against the 1.0 header run unchanged on $(readlink -f "$lib" | xargs basename)"
