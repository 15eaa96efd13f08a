#!/usr/bin/env bash
# Builds lexgate twice — Release, and Debug with AddressSanitizer + UndefinedBehaviorSanitizer — and
# runs the whole test suite (ctest) in both. Exits non-zero if anything fails.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${JOBS:-2}
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$jobs"
# The compiled-rules cache of the commands under test: one per build tree, never ~/.cache/lexgate.
LEXGATE_CACHE_DIR="$PWD/build/test-cache" ctest --test-dir build --output-on-failure -j "$jobs"
# The sanitizer build runs the tests only: no benchmarks (they are timed in the Release build). -g1 keeps
# the line tables (sanitizer reports still name file:line) but not full debug info, which cost over a
# quarter of this build's compile time; a developer's own Debug build keeps -g.
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DLEXGATE_SANITIZE=ON -DLEXGATE_BENCH=OFF \
  -DCMAKE_CXX_FLAGS_DEBUG=-g1 -DCMAKE_C_FLAGS_DEBUG=-g1 >/dev/null
cmake --build build-asan -j "$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  LEXGATE_CACHE_DIR="$PWD/build-asan/test-cache" ctest --test-dir build-asan --output-on-failure -j "$jobs"
# Bounded fuzz run (issue 11; SECURITY.md): clang build of the four fuzz targets only, then 60 s of
# libFuzzer shared between them. Fails if any input crashes, leaks, hangs or runs out of memory.
bash scripts/fuzz.sh "${LEXGATE_FUZZ_SECONDS:-60}"
