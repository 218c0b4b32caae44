#!/usr/bin/env bash
# The public header stands alone: C99 -pedantic -Werror, C11, and C++ (11 and 17), and its option
# initialiser macro agrees with shmhub_segment_opts_init ($1 = source dir, $2 = build dir).
set -euo pipefail
src=$1 build=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '#include <shmhub.h>\nint main(void) { shmhub_segment_opts o = SHMHUB_SEGMENT_OPTS_INIT; return (int)o.size == 0; }\n' >"$tmp/h.c"
cp "$tmp/h.c" "$tmp/h.cpp"
for std in c99 c11; do
    gcc -std=$std -pedantic -Wall -Wextra -Werror -I"$src/abi" -c "$tmp/h.c" -o "$tmp/h.o"
    clang -std=$std -pedantic -Wall -Wextra -Werror -I"$src/abi" -c "$tmp/h.c" -o "$tmp/h.o"
    echo "ok: header compiles alone as $std (gcc, clang)"
done
for std in c++11 c++17; do
    g++ -std=$std -pedantic -Wall -Wextra -Werror -I"$src/abi" -c "$tmp/h.cpp" -o "$tmp/h.o"
    echo "ok: header compiles alone as $std"
done
cat >"$tmp/init.c" <<'C'
#include <shmhub.h>
#include <string.h>
#include <stdio.h>
int main(void) {
    shmhub_segment_opts a = SHMHUB_SEGMENT_OPTS_INIT, b;
    memset(&b, 0xab, sizeof b);
    if (shmhub_segment_opts_init(&b, sizeof b) != SHMHUB_OK) return 1;
    if (a.size != b.size || a.mode != b.mode || a.dir != b.dir || a.flags != b.flags ||
        a.reserved != b.reserved || a.open_timeout_ns != b.open_timeout_ns) {
        puts("SHMHUB_SEGMENT_OPTS_INIT differs from shmhub_segment_opts_init");
        return 1;
    }
    if (SHMHUB_CHECK_VERSION() != SHMHUB_OK || shmhub_version_number() != SHMHUB_VERSION_NUMBER) return 1;
    return 0;
}
C
gcc -std=c99 -pedantic -Werror -I"$src/abi" "$tmp/init.c" -L"$build" -lshmhub -Wl,-rpath,"$build" -o "$tmp/init"
"$tmp/init"
echo "ok: SHMHUB_SEGMENT_OPTS_INIT == shmhub_segment_opts_init; version check passes"
