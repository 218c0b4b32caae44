#!/usr/bin/env bash
# libshmhub_cuda's ABI: its exports are exactly the functions abi/shmhub_cuda.h declares, all in the
# SHMHUB_CUDA_1.0 node; the header compiles alone as C99 -pedantic and as C++; the library stays
# compatible with its abidw baseline abi/shmhub_cuda.abi.xml (additions only).
# Usage: test_cuda_abi.sh SRC BUILD
set -euo pipefail
src=$1 lib=$2/cuda/libshmhub_cuda.so.1
declared=$(tr '\n' ' ' <"$src/abi/shmhub_cuda.h" |
    grep -oE 'SHMHUB_API[^;(]*\bshmhub_[a-z0-9_]+[[:space:]]*\(' |
    grep -oE 'shmhub_[a-z0-9_]+[[:space:]]*\($' | tr -d ' (' | sort)
[ -n "$declared" ] || { echo "no declarations found in shmhub_cuda.h"; exit 1; }
bad=$(echo "$declared" | grep -vE '^shmhub_(gpu|cuda)_' || true)
[ -z "$bad" ] || { echo "shmhub_cuda.h declares names outside shmhub_gpu_*/shmhub_cuda_*: $bad"; exit 1; }
want=$(echo "$declared" | sed 's/$/@@SHMHUB_CUDA_1.0/')
have=$(nm -D --defined-only "$lib" | awk '$2 != "A" { print $3 }' | sort)
if [ "$want" != "$have" ]; then
    echo "exports of $lib differ from the header (< header, > library):"
    diff <(echo "$want") <(echo "$have") || true
    exit 1
fi
echo "exports: $(echo "$have" | wc -l) functions, all @@SHMHUB_CUDA_1.0, as declared"
printf '#include <shmhub_cuda.h>\nint main(void) { return SHMHUB_CUDA_VERSION_NUMBER > 0 ? 0 : 1; }\n' |
    cc -std=c99 -pedantic -Wall -Wextra -Werror -I"$src/abi" -x c -c - -o /dev/null
printf '#include <shmhub_cuda.h>\nint main() { shmhub_gpu_stream_opts o = SHMHUB_GPU_STREAM_OPTS_INIT; return (int)o.slots - 3; }\n' |
    c++ -std=c++11 -pedantic -Wall -Wextra -Werror -I"$src/abi" -x c++ -c - -o /dev/null
echo "header: compiles alone as C99 -pedantic and as C++"
bash "$src/tests/abi/abi_tool.sh" compat "$src/abi/shmhub_cuda.abi.xml" "$lib" "$src"
