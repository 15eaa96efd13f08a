#!/usr/bin/env bash
# For every examples/*.json: the C example (C ABI) and the Python example (ctypes) print byte-identical
# decision JSON to `lexgate check CASE --format json`, and exit with the same code.
# usage: examples_identical.sh LEXGATE EMBED_C LIBLEXGATE SOURCE_DIR [PYTHON]
set -uo pipefail
lexgate=$1 embed_c=$2 lib=$3 root=$4 python=${5:-python3}
tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT
# A sanitised liblexgate.so loaded into an uninstrumented python needs the ASan runtime preloaded (and
# python's own allocations are not ours to leak-check).
py_env=()
# (ldd output is read whole: with pipefail, `ldd | grep -q` fails when grep stops reading early)
if [[ $(ldd "$lib" 2>/dev/null) == *libasan* ]]; then
  py_env=(env "LD_PRELOAD=$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)" ASAN_OPTIONS=detect_leaks=0)
fi
fail=0 n=0
for case in "$root"/examples/*.json; do
  n=$((n + 1))
  LC_ALL=C "$lexgate" check "$case" --format json --locale en >"$tmp/cli" 2>"$tmp/cli.err"; want=$?
  "$embed_c" "$root" "$case" en >"$tmp/c" 2>"$tmp/c.err"; got_c=$?
  "${py_env[@]}" "$python" "$root/examples/embed-python/check.py" --lib "$lib" --locale en "$root" "$case" >"$tmp/py" 2>"$tmp/py.err"; got_py=$?
  name=$(basename "$case")
  if ! cmp -s "$tmp/cli" "$tmp/c" || [[ $want != "$got_c" ]]; then
    echo "FAIL embed-c $name: exit $got_c, want $want"; diff "$tmp/cli" "$tmp/c" | head -5; cat "$tmp/c.err"; fail=1
  fi
  if ! cmp -s "$tmp/cli" "$tmp/py" || [[ $want != "$got_py" ]]; then
    echo "FAIL embed-python $name: exit $got_py, want $want"; diff "$tmp/cli" "$tmp/py" | head -5; cat "$tmp/py.err"; fail=1
  fi
  [[ -s $tmp/cli ]] || { echo "FAIL $name: the CLI printed nothing"; cat "$tmp/cli.err"; fail=1; }
done
# A bad case: 65 from all three.
echo '{"kind": "transfer", "volume": -1, "nonsense": true}' >"$tmp/bad.json"
"$lexgate" check "$tmp/bad.json" --format json >/dev/null 2>&1; want=$?
"$embed_c" "$root" "$tmp/bad.json" >/dev/null 2>&1; got_c=$?
"${py_env[@]}" "$python" "$root/examples/embed-python/check.py" --lib "$lib" "$root" "$tmp/bad.json" >/dev/null 2>&1; got_py=$?
[[ $want == 65 && $got_c == 65 && $got_py == 65 ]] || { echo "FAIL bad case: cli $want, c $got_c, python $got_py (want 65)"; fail=1; }
echo "$n examples compared"
exit $fail
