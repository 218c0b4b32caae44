#!/usr/bin/env bash
# Runs the validator fuzzer on a scratch copy of the seed corpus and fails on any crash.
# Usage: tests/fuzz/run.sh BUILD_DIR   (the directory holding fuzz_validate; BUILD_DIR/tests/fuzz
#        is also accepted for a top-level build dir). FUZZ_SECONDS (default 20) bounds the run.
set -euo pipefail
build=${1:?usage: run.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
bin=$build/fuzz_validate
[[ -x $bin ]] || bin=$build/tests/fuzz/fuzz_validate
[[ -x $bin ]] || { echo "run.sh: no fuzz_validate in $build" >&2; exit 2; }
bin=$(cd "$(dirname "$bin")" && pwd)/fuzz_validate

work=$(mktemp -d "${TMPDIR:-/tmp}/shmhub-fuzzrun.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir "$work/corpus" "$work/artifacts"
cp "$here"/corpus/* "$work/corpus/"

set +e
(cd "$work" && "$bin" -max_total_time="${FUZZ_SECONDS:-20}" -rss_limit_mb=2048 -timeout=10 \
    -artifact_prefix="$work/artifacts/" -print_final_stats=1 "$work/corpus")
rc=$?
set -e
if [[ $rc -ne 0 ]] || compgen -G "$work/artifacts/*" >/dev/null; then
  keep=$(cd "$(dirname "$bin")" && pwd)/fuzz-artifacts
  mkdir -p "$keep"
  cp "$work"/artifacts/* "$keep"/ 2>/dev/null || true
  echo "run.sh: fuzz_validate failed (exit $rc); reproducers copied to $keep" >&2
  exit 1
fi
echo "run.sh: no crash in ${FUZZ_SECONDS:-20} s"
