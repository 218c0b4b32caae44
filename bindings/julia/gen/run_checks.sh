#!/usr/bin/env bash
# Static validation of the Julia bindings (no Julia runtime exists on our machines):
# golden diff, tree-sitter syntax, semantic check against the header, mutation tests.
set -euo pipefail
cd "$(dirname "$0")/../../.."
PY=${PY:-.venv/bin/python}
echo "== julia: golden (generate.py --check)"
"$PY" bindings/julia/gen/generate.py --check
echo "== julia: syntax (tree-sitter-julia)"
"$PY" bindings/julia/gen/syntax_check.py
echo "== julia: semantics (check.py vs libclang)"
"$PY" bindings/julia/gen/check.py
echo "== julia: mutations (check.py must fail)"
"$PY" bindings/julia/gen/test_mutations.py
echo "== julia: hand-written layer (ShmHub.jl: every L.name defined, arities, struct fields; mutations)"
"$PY" bindings/julia/gen/check_handwritten.py
echo "== julia (cuda): LibShmHubCuda.jl from abi/shmhub_cuda.h: golden, semantics, mutations"
SHMHUB_JL_TARGET=cuda "$PY" bindings/julia/gen/generate.py --check
SHMHUB_JL_TARGET=cuda "$PY" bindings/julia/gen/check.py
SHMHUB_JL_TARGET=cuda "$PY" bindings/julia/gen/test_mutations.py
echo "julia bindings: all static checks passed"
