#!/usr/bin/env bash
# CLI smoke tests under Valgrind memcheck (issue 11): the Release binary, as users run it. Any invalid
# read/write, use of uninitialised memory or definite/indirect leak fails the test (exit 99 from
# valgrind); the command's own exit code must be the expected one too.
# Usage: valgrind_smoke.sh LEXGATE SOURCE_ROOT
set -uo pipefail
lexgate=${1:?} src=${2:?}
export LEXGATE_HOME=$src
unset LC_ALL LC_MESSAGES LANG LANGUAGE
supp=$(dirname "$0")/lexgate.supp
fail=0
vg() {  # NAME EXPECTED_EXIT ARGS…
  local name=$1 want=$2; shift 2
  local log; log=$(mktemp)
  local start=$(date +%s)
  valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect \
    --errors-for-leak-kinds=definite,indirect --suppressions="$supp" --log-file="$log" \
    "$lexgate" "$@" >/dev/null 2>&1
  local rc=$?
  if [ "$rc" != "$want" ]; then
    echo "FAIL $name: exit $rc, expected $want"; cat "$log"; fail=1
  else
    echo "PASS $name ($(( $(date +%s) - start )) s)"
  fi
  rm -f "$log"
}
vg "check cn-transfer-120k-scc" 1 check "$src/examples/cn-transfer-120k-scc.json" --format json
vg "check eu-transfer-us-no-dpf-prohibited (text, zh_CN)" 2 check "$src/examples/eu-transfer-us-no-dpf-prohibited.json" --format text --locale zh_CN
vg "test cn/tech-export" 0 test --rules "$src/rulesets/cn/tech-export"
vg "deadline --explain" 0 deadline --from 2025-09-29 --add "10 working_days" --calendar CN --explain --locale zh_CN
vg "jurisdictions --group EU" 0 jurisdictions --group EU --locale de
exit $fail
