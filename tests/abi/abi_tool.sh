#!/usr/bin/env bash
# ABI helper shared by `make abi-baseline` and the ABI tests.
#   abi_tool.sh baseline SRC BUILD   rewrite abi/symbols.txt and abi/shmhub.abi.xml from the build
#   abi_tool.sh header-symbols SRC   print the functions the public header declares, sorted
#   abi_tool.sh lib-symbols LIB      print the exported functions of LIB (name@@node), sorted
#   abi_tool.sh abidw LIB SRC        print the abidw XML of LIB
#   abi_tool.sh compat OLD.xml LIB SRC   exit 0 when LIB is compatible with OLD.xml: nothing removed
#                                    or changed (added functions are fine), else print why, exit 1
set -euo pipefail
cmd=$1; shift

header_symbols() {
    # Every declaration is `SHMHUB_API <type> shmhub_x(`; comments never start with SHMHUB_API.
    tr '\n' ' ' <"$1/abi/shmhub.h" | grep -oE 'SHMHUB_API[^;(]*\bshmhub_[a-z0-9_]+[[:space:]]*\(' |
        grep -oE 'shmhub_[a-z0-9_]+[[:space:]]*\($' | tr -d ' (' | sort
}

lib_symbols() {
    nm -D --defined-only "$1" | awk '$2 != "A" { print $3 }' | sort
}

run_abidw() {
    abidw --no-corpus-path --no-comp-dir-path --no-show-locs --drop-private-types \
        --headers-dir "$2/abi" "$1"
}

case "$cmd" in
header-symbols) header_symbols "$1" ;;
lib-symbols) lib_symbols "$1" ;;
abidw) run_abidw "$1" "$2" ;;
baseline)
    src=$1 build=$2
    header_symbols "$src" >"$src/abi/symbols.txt"
    run_abidw "$build/libshmhub.so.1" "$src" >"$src/abi/shmhub.abi.xml"
    echo "wrote $src/abi/symbols.txt ($(wc -l <"$src/abi/symbols.txt") functions) and $src/abi/shmhub.abi.xml"
    ;;
compat)
    old=$1 lib=$2 src=$3
    set +e
    report=$(abidiff --headers-dir2 "$src/abi" --drop-private-types "$old" "$lib" 2>&1)
    rc=$?
    set -e
    # abidiff exit status is a bit field: 1 error, 2 usage, 4 ABI change, 8 incompatible change.
    if (( rc & 3 )); then echo "abidiff failed to run (status $rc):"; echo "$report"; exit 1; fi
    if (( rc & 8 )); then echo "incompatible ABI change:"; echo "$report"; exit 1; fi
    if (( rc & 4 )); then
        # Allowed only when the summary shows nothing removed or changed (additions only).
        bad=$(echo "$report" | grep -E 'summary:' | grep -E '(^|[ ,:])[1-9][0-9]* (Removed|Changed)' || true)
        if [ -n "$bad" ]; then echo "ABI change other than additions:"; echo "$report"; exit 1; fi
    fi
    echo "compatible with $(basename "$old") (abidiff status $rc)"
    [ -z "$report" ] || echo "$report" | grep -E 'summary' || true
    ;;
*) echo "unknown command $cmd" >&2; exit 2 ;;
esac
