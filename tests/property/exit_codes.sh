#!/usr/bin/env bash
# Every verdict maps to its exit code, as a user sees it: `lexgate check` on every example exits with
# the code cli/exit_codes.h gives the verdict printed in its JSON (permitted 0 … indeterminate 3).
set -uo pipefail
lexgate=$1 src=$2
declare -A code=([permitted]=0 [conditional]=1 [prohibited]=2 [indeterminate]=3)
# The table itself, read from the header: the verdict names and their numbers.
for v in permitted conditional prohibited indeterminate; do
  k="k${v^}"
  n=$(sed -n "s/^ *$k = \([0-9]*\),.*/\1/p" "$src/cli/exit_codes.h")
  [ "$n" = "${code[$v]}" ] || { echo "exit_codes.h: $k is '$n', expected ${code[$v]}"; exit 1; }
done
fail=0 n=0 seen=""
for f in "$src"/examples/*.json; do
  out=$("$lexgate" check "$f" --format json 2>/dev/null); rc=$?
  v=$(printf '%s' "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["verdict"])')
  n=$((n + 1)); seen="$seen $v"
  if [ "$rc" != "${code[$v]:-x}" ]; then echo "FAIL $f: verdict $v but exit $rc"; fail=1; fi
done
for v in permitted conditional prohibited indeterminate; do
  case "$seen" in *" $v"*) ;; *) echo "FAIL: no example has verdict $v (the test would not cover it)"; fail=1 ;; esac
done
echo "$n examples: exit code = verdict"
exit $fail
