#!/usr/bin/env bash
# `cmake --install` into a temporary prefix, then consume it the two documented ways: find_package(lexgate)
# (examples/embed-c/CMakeLists.txt) and pkg-config lexgate.pc. Only lexgate/ public headers are installed.
# The installed example must give the same decision as the installed CLI.
# usage: install_test.sh BUILD_DIR SOURCE_DIR LEXGATE
set -euo pipefail
build=$1 root=$2
tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
cmake --install "$build" --prefix "$prefix" >/dev/null
libdir=$(cd "$prefix" && ls -d lib*/ | head -1); libdir=${libdir%/}
fail=0
[[ -f $prefix/include/lexgate/lexgate.h && -f $prefix/include/lexgate/lexgate.hpp ]] || { echo "FAIL public headers missing"; fail=1; }
extra=$(cd "$prefix/include" && find . -type f | grep -v '^./lexgate/' || true)
[[ -z $extra ]] || { echo "FAIL headers installed outside include/lexgate: $extra"; fail=1; }
internal=$(cd "$prefix/include/lexgate" && ls | grep -vE '^(lexgate\.h|lexgate\.hpp|engine\.hpp|decision\.hpp|result\.hpp)$' || true)
[[ -z $internal ]] || { echo "FAIL unexpected headers: $internal"; fail=1; }
[[ -f $prefix/$libdir/pkgconfig/lexgate.pc && -f $prefix/$libdir/cmake/lexgate/lexgateConfig.cmake ]] || { echo "FAIL package files missing"; fail=1; }
# find_package
cmake -S "$root/examples/embed-c" -B "$tmp/b" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$tmp/b" >/dev/null
# pkg-config
PKG_CONFIG_PATH=$prefix/$libdir/pkgconfig cc "$root/examples/embed-c/main.c" $(PKG_CONFIG_PATH=$prefix/$libdir/pkgconfig pkg-config --cflags --libs lexgate) -o "$tmp/embed-pc"
# A C++ consumer of the C++ API through find_package.
mkdir -p "$tmp/cxx"
cat >"$tmp/cxx/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.25)
project(cxx_consumer LANGUAGES CXX)
set(CMAKE_CXX_STANDARD 20)
find_package(lexgate REQUIRED)
add_executable(cxx main.cc)
target_link_libraries(cxx PRIVATE lexgate::lexgate)
target_compile_definitions(cxx PRIVATE SHARE="${LEXGATE_SHARE_DIR}")
CM
cat >"$tmp/cxx/main.cc" <<'CC'
#include <lexgate/lexgate.hpp>
#include <fstream>
#include <iostream>
#include <sstream>
int main(int, char** argv) {
  auto engine = lexgate::Engine::LoadInstalled(SHARE);
  if (!engine.ok()) { std::cerr << engine.status().message() << "\n"; return static_cast<int>(engine.status().code()); }
  std::ifstream in(argv[1]);
  std::stringstream ss;
  ss << in.rdbuf();
  auto d = engine->Evaluate(ss.str(), {"", "en"});
  if (!d.ok()) { std::cerr << d.status().message() << "\n"; return static_cast<int>(d.status().code()); }
  std::cout << d->json();
  return d->exit_code();
}
CC
cmake -S "$tmp/cxx" -B "$tmp/cxxb" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$tmp/cxxb" >/dev/null
share=$prefix/share/lexgate
export LEXGATE_I18N=$share/i18n LD_LIBRARY_PATH=$prefix/$libdir
unset LEXGATE_HOME
case1=$root/examples/cn-transfer-120k-scc.json
set +e
LC_ALL=C "$prefix/bin/lexgate" check "$case1" --format json --locale en >"$tmp/want"; want=$?
# Consumers built without sanitizers need the ASan runtime preloaded when the library is sanitised.
run_env=()
# (ldd output is read whole: with pipefail, `ldd | grep -q` fails when grep stops reading early)
if [[ $(ldd "$prefix/$libdir/liblexgate.so" 2>/dev/null) == *libasan* ]]; then
  run_env=(env "LD_PRELOAD=$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)" ASAN_OPTIONS=detect_leaks=0)
fi
"${run_env[@]}" "$tmp/b/embed-c" "$share" "$case1" en >"$tmp/got1"; got1=$?
"${run_env[@]}" "$tmp/embed-pc" "$share" "$case1" en >"$tmp/got2"; got2=$?
"${run_env[@]}" "$tmp/cxxb/cxx" "$case1" >"$tmp/got3"; got3=$?
set -e
for k in 1 2 3; do
  g=got$k
  if ! cmp -s "$tmp/want" "$tmp/$g" || [[ ${!g} != "$want" ]]; then echo "FAIL installed consumer $k: exit ${!g}, want $want"; fail=1; fi
done
[[ -s $tmp/want ]] || { echo "FAIL installed CLI printed nothing"; fail=1; }
# The installed `lexgate serve` finds its server program (libexec/lexgate/lexgate-serve) and answers.
[[ -x $prefix/bin/lexgate-serve ]] && { echo "FAIL lexgate-serve installed in bin/"; fail=1; }
"${run_env[@]}" "$prefix/bin/lexgate" serve --listen 127.0.0.1:0 --no-cache 2>"$tmp/serve.err" &
serve_pid=$!
port=""
for _ in $(seq 1 100); do
  port=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\).*|\1|p' "$tmp/serve.err")
  [[ -n $port ]] && break
  sleep 0.1
done
if [[ -z $port ]]; then
  echo "FAIL installed lexgate serve did not start:"; cat "$tmp/serve.err"; fail=1
elif ! curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; then
  echo "FAIL installed lexgate serve does not answer /healthz"; fail=1
fi
kill -TERM "$serve_pid" 2>/dev/null; wait "$serve_pid" || { echo "FAIL installed lexgate serve exit $?"; fail=1; }
# Only the API is exported from liblexgate.so.
leaked=$(nm -DC --defined-only "$prefix/$libdir/liblexgate.so" | awk '{ $1=""; $2=""; print }' | grep -vE '^ *(lexgate_|lexgate::Engine|lexgate::VerdictName|lexgate::Version)' || true)
[[ -z $leaked ]] || { echo "FAIL liblexgate.so exports internals:"; echo "$leaked" | head; fail=1; }
[[ $fail == 0 ]] && echo "install: find_package, pkg-config and C++ consumers agree with the installed CLI"
exit $fail
