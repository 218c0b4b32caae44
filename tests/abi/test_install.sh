#!/usr/bin/env bash
# Installs the build into a temporary prefix and builds a consumer two ways: CMake's
# find_package(shmhub CONFIG) and pkg-config's shmhub.pc ($1 = source dir, $2 = build dir).
set -euo pipefail
src=$1 build=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
cat >"$tmp/app.c" <<'C'
#include <shmhub.h>
#include <stdio.h>
int main(void) {
    if (SHMHUB_CHECK_VERSION() != SHMHUB_OK) { puts(shmhub_last_error()); return 1; }
    printf("linked against shmhub %s\n", shmhub_version_string());
    return 0;
}
C
mkdir -p "$tmp/proj"
cp "$tmp/app.c" "$tmp/proj/"
cat >"$tmp/proj/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.25)
project(app C)
find_package(shmhub CONFIG REQUIRED)
add_executable(app app.c)
target_link_libraries(app PRIVATE shmhub::shmhub)
CM
cmake -S "$tmp/proj" -B "$tmp/proj/build" -DCMAKE_PREFIX_PATH="$tmp/prefix" >/dev/null
cmake --build "$tmp/proj/build" >/dev/null
LD_LIBRARY_PATH="$(dirname "$(dirname "$(find "$tmp/prefix" -name shmhubConfig.cmake)")")/.." "$tmp/proj/build/app"
echo "ok: find_package(shmhub CONFIG) consumer builds and runs"
pc=$(find "$tmp/prefix" -name shmhub.pc | head -1)
[ -n "$pc" ] || { echo "FAIL: no shmhub.pc installed" >&2; exit 1; }
command -v pkg-config >/dev/null || { echo "SKIP: pkg-config not installed (shmhub.pc present)"; exit 0; }
flags=$(PKG_CONFIG_PATH=$(dirname "$pc") pkg-config --cflags --libs shmhub)
# shellcheck disable=SC2086
cc "$tmp/app.c" $flags -o "$tmp/app_pc"
LD_LIBRARY_PATH=$(PKG_CONFIG_PATH=$(dirname "$pc") pkg-config --variable=libdir shmhub) "$tmp/app_pc"
echo "ok: pkg-config shmhub.pc consumer builds and runs"
[ -x "$tmp/prefix/bin/shmhub" ] && "$tmp/prefix/bin/shmhub" --version
