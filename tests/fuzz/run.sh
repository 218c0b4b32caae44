#!/usr/bin/env bash
# Runs libFuzzer targets on scratch copies of their committed seed corpora; fails on any crash.
# Usage: tests/fuzz/run.sh BUILD_DIR [TARGET...]   (default: every target; BUILD_DIR/tests/fuzz is
#        also searched). FUZZ_SECONDS (default 20) bounds each target's run; FUZZ_RUNS, when set,
#        runs that many executions per target instead (make fuzz-long: 10,000,000) and prints the
#        figures (executions, seconds, exec/s, coverage) of each.
# Corpora: tests/fuzz/corpus (fuzz_validate), tests/fuzz/corpus_<name> (fuzz_<name>).
set -euo pipefail
build=${1:?usage: run.sh BUILD_DIR [TARGET...]}
shift
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=(fuzz_validate fuzz_open fuzz_cli fuzz_layout)
here=$(cd "$(dirname "$0")" && pwd)
rc_all=0
summary=()
for t in "${targets[@]}"; do
  bin=$build/$t
  [[ -x $bin ]] || bin=$build/tests/fuzz/$t
  [[ -x $bin ]] || { echo "run.sh: no $t in $build" >&2; exit 2; }
  bin=$(cd "$(dirname "$bin")" && pwd)/$t
  corpus=$here/corpus_${t#fuzz_}
  [[ $t == fuzz_validate ]] && corpus=$here/corpus
  work=$(mktemp -d "${TMPDIR:-/tmp}/shmhub-fuzzrun.XXXXXX")
  mkdir "$work/corpus" "$work/artifacts"
  cp "$corpus"/* "$work/corpus/"
  if [[ -n ${FUZZ_RUNS:-} ]]; then limit=(-runs="$FUZZ_RUNS"); what="$FUZZ_RUNS runs"
  else limit=(-max_total_time="${FUZZ_SECONDS:-20}"); what="${FUZZ_SECONDS:-20} s"; fi
  start=$(date +%s%N)
  set +e
  (cd "$work" && "$bin" "${limit[@]}" -rss_limit_mb=2048 -timeout=10 \
      -artifact_prefix="$work/artifacts/" -print_final_stats=1 "$work/corpus") >"$work/log" 2>&1
  rc=$?
  set -e
  secs=$(awk -v a="$start" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -1)
  cov=$(grep -oE 'cov: [0-9]+' "$work/log" | tail -1 | cut -d' ' -f2)
  if [[ $rc -ne 0 ]] || compgen -G "$work/artifacts/*" >/dev/null; then
    keep=$(dirname "$bin")/fuzz-artifacts
    mkdir -p "$keep"
    cp "$work"/artifacts/* "$keep"/ 2>/dev/null || true
    tail -40 "$work/log" >&2
    echo "run.sh: $t failed (exit $rc); reproducers copied to $keep" >&2
    rc_all=1
  else
    echo "run.sh: $t: no crash in $what"
  fi
  summary+=("$(printf '%-14s %12s %9.1f %10.0f %6s %s' "$t" "${runs:-?}" "$secs" \
      "$(awk -v r="${runs:-0}" -v s="$secs" 'BEGIN { print (s > 0 ? r / s : 0) }')" "${cov:-?}" "$([[ $rc -eq 0 ]] && echo ok || echo CRASH)")")
  rm -rf "$work"
done
printf '\n%-14s %12s %9s %10s %6s %s\n' target executions seconds "exec/s" cov result
printf '%s\n' "${summary[@]}"
exit $rc_all
