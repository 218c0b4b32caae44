#!/usr/bin/env bash
# The Doxygen docs of abi/shmhub.h build with no warning at all (every public symbol documented,
# no doc errors). Usage: test_docs.sh SOURCE_DIR BUILD_DIR
set -u

src=${1:?usage: test_docs.sh SOURCE_DIR BUILD_DIR}
build=${2:?usage: test_docs.sh SOURCE_DIR BUILD_DIR}
src=$(cd "$src" && pwd) || exit 1

if ! command -v doxygen >/dev/null 2>&1; then
    echo "SKIP: doxygen not installed"
    exit 0
fi

for f in "$src/docs/Doxyfile" "$src/abi/shmhub.h"; do
    [ -f "$f" ] || { echo "FAIL: missing $f"; exit 1; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/shmhub-docs.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/out"

# QUIET=YES in the Doxyfile: anything doxygen prints is a warning or an error.
(cd "$tmp" && SHMHUB_SRC="$src" SHMHUB_DOCS_OUT="$tmp/out" doxygen "$src/docs/Doxyfile") \
    >"$tmp/log" 2>&1
rc=$?

fail=0
if [ "$rc" -ne 0 ]; then
    echo "FAIL: doxygen exited with status $rc"
    fail=1
fi
if [ -s "$tmp/log" ]; then
    echo "FAIL: doxygen printed warnings or errors:"
    sed 's/^/  /' "$tmp/log"
    fail=1
fi
if [ ! -f "$tmp/out/html/shmhub_8h.html" ]; then
    echo "FAIL: no HTML page for shmhub.h was generated"
    fail=1
fi
[ "$fail" -eq 0 ] || exit 1

echo "PASS: doxygen $(doxygen --version) built the docs of abi/shmhub.h with no warnings"
exit 0
