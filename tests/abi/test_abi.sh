#!/usr/bin/env bash
# ABI contract checks ($1 = source dir, $2 = build dir):
#  1. exported symbols == abi/symbols.txt == header declarations, all at node SHMHUB_1.0 or later;
#  2. the SONAME is libshmhub.so.1 and nothing but shmhub_* is exported;
#  3. abidiff against the checked-in baseline passes (additions only);
#  4. the check can fail: a library with a function removed, and one with a changed signature, are
#     refused; one with a function added is accepted.
set -euo pipefail
src=$1 build=$2
tool="bash $src/tests/abi/abi_tool.sh"
lib=$build/libshmhub.so.1
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v abidiff >/dev/null || fail "abidiff not installed (make deps installs abigail-tools)"

readelf -d "$lib" | grep -q 'SONAME.*\[libshmhub.so.1\]' || fail "SONAME is not libshmhub.so.1"
exported=$($tool lib-symbols "$lib")
echo "$exported" | grep -vqE '^shmhub_[a-z0-9_]+@@SHMHUB_1\.[0-9]+$' &&
    fail "exports outside shmhub_*@@SHMHUB_1.x: $(echo "$exported" | grep -vE '^shmhub_[a-z0-9_]+@@SHMHUB_1\.[0-9]+$')"
diff -u "$src/abi/symbols.txt" <(echo "$exported" | sed 's/@@.*//') ||
    fail "exported symbols differ from abi/symbols.txt (run make abi-baseline after an intended addition)"
diff -u "$src/abi/symbols.txt" <($tool header-symbols "$src") ||
    fail "abi/symbols.txt differs from the declarations in abi/shmhub.h"
echo "ok: $(wc -l <"$src/abi/symbols.txt") symbols agree (header, symbols.txt, nm -D), SONAME libshmhub.so.1"

$tool compat "$src/abi/shmhub.abi.xml" "$lib" "$src" || fail "ABI differs incompatibly from abi/shmhub.abi.xml"

# Mutations prove the check can fail. Objects come from the same build (compiled -g, PIC).
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
objs=$(ls "$build"/CMakeFiles/shmhub_obj.dir/src/*.o)
link() { gcc -shared -g -o "$1" -Wl,-soname,libshmhub.so.1 -Wl,--version-script="$2" "${@:3}" -lpthread; }

printf 'SHMHUB_1.0 { global: shmhub_*; local: shmhub_unlink_in; *; };\n' >"$tmp/drop.map"
link "$tmp/libdrop.so" "$tmp/drop.map" $objs
$tool compat "$src/abi/shmhub.abi.xml" "$tmp/libdrop.so" "$src" >/dev/null &&
    fail "a removed function was not detected"
echo "ok: removing shmhub_unlink_in is refused"

mkdir -p "$tmp/mut/abi" "$tmp/mut/src"
cp "$src"/src/*.c "$src"/src/*.h "$tmp/mut/src/"
sed 's/SHMHUB_API uint32_t shmhub_array_ndim(/SHMHUB_API uint64_t shmhub_array_ndim(/' "$src/abi/shmhub.h" >"$tmp/mut/abi/shmhub.h"
sed -i 's/SHMHUB_API uint32_t shmhub_array_ndim(/SHMHUB_API uint64_t shmhub_array_ndim(/' "$tmp/mut/src/array.c"
grep -q 'uint64_t shmhub_array_ndim' "$tmp/mut/src/array.c" || fail "mutation did not apply"
mobjs=()
for o in $objs; do # the same sources the build compiled (src/x.c -> x.c.o)
    f="$tmp/mut/src/$(basename "$o" .o)"
    gcc -std=c11 -D_GNU_SOURCE -g -O1 -fPIC -fvisibility=hidden -I"$tmp/mut/abi" -c "$f" -o "$f.o"
    mobjs+=("$f.o")
done
link "$tmp/libchg.so" "$src/abi/shmhub.map" "${mobjs[@]}"
$tool compat "$src/abi/shmhub.abi.xml" "$tmp/libchg.so" "$tmp/mut" >/dev/null &&
    fail "a changed return type was not detected"
echo "ok: changing shmhub_array_ndim's return type is refused"

printf '#include "shmhub.h"\n/** @brief test */\nSHMHUB_API int32_t shmhub_extra_thing(int32_t x);\nint32_t shmhub_extra_thing(int32_t x) { return x; }\n' >"$tmp/extra.c"
gcc -g -fPIC -fvisibility=hidden -I"$src/abi" -c "$tmp/extra.c" -o "$tmp/extra.o"
link "$tmp/libadd.so" "$src/abi/shmhub.map" $objs "$tmp/extra.o"
$tool compat "$src/abi/shmhub.abi.xml" "$tmp/libadd.so" "$src" >/dev/null ||
    fail "an added function was refused"
echo "ok: adding a function is accepted"
