#!/usr/bin/env bash
# Lint goldens: every tests/lint/NAME.gate is linted on its own (with the shipped schema and
# jurisdictions) as of 2026-01-01; stdout plus the exit code must equal NAME.expected, and where
# NAME.json.expected exists, the --format json output too. `shipped.expected` holds the lint of the shipped
# rulesets (the findings documented as real in docs/rules.md). LEXGATE_UPDATE_GOLDEN=1 rewrites them.
# Usage: run_lint_golden.sh LEXGATE SOURCE_ROOT
set -u
LEXGATE=$1
ROOT=$2
cd "$ROOT" || exit 2
export LEXGATE_HOME="$ROOT"
fail=0
check() {  # name expected-file command...
  local name=$1 expected=$2
  shift 2
  local out rc
  out=$("$@" 2>&1)
  rc=$?
  out=$(printf '%s\nexit %s\n' "$out" "$rc")
  if [ "${LEXGATE_UPDATE_GOLDEN:-}" = 1 ]; then
    printf '%s\n' "$out" > "$expected"
  elif [ "$out" != "$(cat "$expected" 2>/dev/null)" ]; then
    echo "FAIL $name"
    diff <(printf '%s\n' "$out") "$expected" | head -40
    fail=1
  fi
}
for f in tests/lint/*.gate; do
  base=${f%.gate}
  check "$f" "$base.expected" "$LEXGATE" lint "$f" --as-of 2026-01-01 --locale en
  if [ -f "$base.json.expected" ]; then
    check "$f (json)" "$base.json.expected" "$LEXGATE" lint "$f" --as-of 2026-01-01 --locale en --format json
  fi
done
check "shipped rulesets" tests/lint/shipped.expected "$LEXGATE" lint rulesets --as-of 2026-01-01 --locale en
[ $fail = 0 ] && echo "lint goldens: all match"
exit $fail
