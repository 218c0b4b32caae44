#!/usr/bin/env bash
# One cell of the cross-language matrix: KIND (arrays|stream|dict) written by WRITER and read by
# READER (c|python|rust), byte-identical (the peers share the contents defined in c_peer.c).
# Environment: XLANG_C_PEER, XLANG_PY (a python with shmhub installed), XLANG_RUST_PEER, SHMHUB_CLI.
set -euo pipefail
kind=$1 writer=$2 reader=$3
here=$(cd "$(dirname "$0")" && pwd)
export SHMHUB_DIR=${SHMHUB_DIR:-$(mktemp -d)}
trap 'rm -rf "$SHMHUB_DIR"' EXIT  # every segment of this cell lives (and dies) here

peer() {
    local who=$1; shift
    case $who in
    c) "$XLANG_C_PEER" "$@" ;;
    python) "$XLANG_PY" "$here/py_peer.py" "$@" ;;
    rust) "$XLANG_RUST_PEER" "$@" ;;
    *) echo "unknown peer $who" >&2; return 2 ;;
    esac
}

name="x-$kind-$writer-$reader"
case $kind in
arrays)
    peer "$writer" write-arrays "$name"
    peer "$reader" check-arrays "$name"
    echo "ok: 17 arrays, every dtype, $writer -> $reader byte-identical"
    ;;
stream)
    for dt in bool int8 int16 int32 int64 uint8 uint16 uint32 uint64 float16 float32 float64 \
              complex64 complex128; do
        peer "$writer" write-stream "$name-$dt" 20 "$dt"
        peer "$reader" read-stream "$name-$dt" 20 "$dt"
    done
    echo "ok: 14 dtypes x 20 frames (lossless + latest), $writer -> $reader byte-identical"
    # Live: the reader waits for the stream and reads while the writer publishes (500 us apart).
    peer "$reader" read-stream "$name-live" 200 float64 10000 &
    rpid=$!
    sleep 0.2
    peer "$writer" write-stream "$name-live" 200 float64 500
    wait "$rpid"
    echo "ok: 200 live frames, $writer -> $reader, none lost"
    ;;
dict)
    # Typed dictionary values (one per value type, c_peer.c): written in C, read in any language.
    peer "$writer" write-dict "$name"
    peer "$reader" check-dict "$name"
    echo "ok: 9 entries (i64, f64, counter, str, bytes, empty, 1 MiB, ndarray, pickle), $writer -> $reader"
    ;;
*) echo "unknown kind $kind" >&2; exit 2 ;;
esac
