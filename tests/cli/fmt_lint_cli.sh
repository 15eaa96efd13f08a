#!/usr/bin/env bash
# lexgate fmt and lexgate lint, run as a user runs them: exit codes, stdout/stderr, files on disk.
# Usage: fmt_lint_cli.sh LEXGATE_BINARY SOURCE_ROOT
set -u
LEXGATE=${1:?usage: fmt_lint_cli.sh LEXGATE_BINARY SOURCE_ROOT}
ROOT=${2:?usage: fmt_lint_cli.sh LEXGATE_BINARY SOURCE_ROOT}
export LEXGATE_HOME="$ROOT"
unset LC_ALL LC_MESSAGES LANG LANGUAGE
TMP=$(mktemp -d "${TMPDIR:-/tmp}/lexgate-fmt.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
passed=0
failed=0
ok()   { passed=$((passed + 1)); echo "PASS $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1${2:+ — $2}"; }
run()  { "$LEXGATE" "$@" >"$TMP/out" 2>"$TMP/err" </dev/null; rc=$?; }

mkdir -p "$TMP/d/sub"
printf 'rule   r{cite art 1\nwhen x>1   # why\nthen must   y}\n' > "$TMP/d/a.gate"
printf '规则 乙 {\n  引用 条 1\n  当 x >= 1\n  则 必须 y\n}\n' > "$TMP/d/sub/b.gate"
printf 'rule r { when }\n' > "$TMP/bad.gate"
cp "$TMP/bad.gate" "$TMP/bad.orig"
want=$'rule r {\n  cite art 1\n  when x > 1  # why\n  then must y\n}'

run fmt "$TMP/d/a.gate"
[ "$rc" = 0 ] && [ "$(cat "$TMP/out")" = "$want" ] && ok "fmt FILE prints the formatted file" || fail "fmt FILE" "exit $rc: $(cat "$TMP/out" "$TMP/err")"
"$LEXGATE" fmt - < "$TMP/d/a.gate" > "$TMP/out"; rc=$?
[ "$rc" = 0 ] && [ "$(cat "$TMP/out")" = "$want" ] && ok "fmt - reads standard input" || fail "fmt -" "exit $rc"
run fmt --check "$TMP/d"
[ "$rc" = 1 ] && [ "$(cat "$TMP/out")" = "$TMP/d/a.gate" ] && ok "fmt --check DIR lists the unformatted file, exit 1" || fail "fmt --check" "exit $rc: $(cat "$TMP/out")"
run fmt "$TMP/d"
[ "$rc" = 64 ] && ok "fmt of several files without --check/--write is a usage error (64)" || fail "fmt DIR" "exit $rc"
cp "$TMP/d/sub/b.gate" "$TMP/b.before"
run fmt --write "$TMP/d"
[ "$rc" = 0 ] && [ "$(cat "$TMP/d/a.gate")" = "$want" ] && ok "fmt --write rewrites in place" || fail "fmt --write" "exit $rc"
cmp -s "$TMP/d/sub/b.gate" "$TMP/b.before" && ok "fmt --write keeps Chinese keywords (a formatted file is untouched)" || fail "fmt zh" "$(cat "$TMP/d/sub/b.gate")"
[ -z "$(ls -A "$TMP/d" | grep -v '^a.gate$' | grep -v '^sub$')" ] && ok "fmt --write leaves no temporary file" || fail "fmt temp files" "$(ls -A "$TMP/d")"
run fmt --check "$TMP/d"
[ "$rc" = 0 ] && [ ! -s "$TMP/out" ] && ok "fmt --check after --write: clean, exit 0" || fail "fmt idempotent" "exit $rc"
run fmt --write "$TMP/bad.gate"
[ "$rc" = 78 ] && grep -q "error\[LG1" "$TMP/err" && cmp -s "$TMP/bad.gate" "$TMP/bad.orig" \
  && ok "fmt on a syntax error: diagnostics, exit 78, file untouched" || fail "fmt bad" "exit $rc: $(cat "$TMP/err")"
run fmt --check "$TMP/bad.gate" --diagnostics json
[ "$rc" = 78 ] && python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d[0]["code"].startswith("LG1")' "$TMP/err" \
  && ok "fmt --diagnostics json" || fail "fmt json" "exit $rc"
run fmt --check "$TMP/nope.gate"
[ "$rc" = 66 ] && ok "fmt on a missing file → 66" || fail "fmt missing" "exit $rc"
run fmt --check --write "$TMP/d"
[ "$rc" = 64 ] && ok "fmt --check --write → 64" || fail "fmt check+write" "exit $rc"
run fmt --check "$ROOT/rulesets" "$ROOT/jurisdictions"
[ "$rc" = 0 ] && ok "the shipped rules are formatted" || fail "shipped formatted" "$(cat "$TMP/out")"

run lint "$ROOT/tests/lint/clean.gate" --as-of 2026-01-01
[ "$rc" = 0 ] && grep -q "^0 findings" "$TMP/out" && ok "lint clean file → 0" || fail "lint clean" "exit $rc"
run lint "$ROOT/tests/lint/LG5003-threshold-gap.gate" --as-of 2026-01-01
[ "$rc" = 1 ] && grep -q "warning\[LG5003\]" "$TMP/out" && ok "lint finding → 1, diagnostic on stdout" || fail "lint gap" "exit $rc"
run lint "$ROOT/tests/lint/LG5006-expired.gate" --as-of 2025-12-31
[ "$rc" = 0 ] && ok "lint --as-of before the expiry: no LG5006" || fail "lint as-of" "exit $rc"
run lint "$TMP/bad.gate"
[ "$rc" = 78 ] && grep -q "LG1" "$TMP/err" && ok "lint on broken rules → 78" || fail "lint bad" "exit $rc"
run lint "$TMP/nope"
[ "$rc" = 66 ] && ok "lint on a missing path → 66" || fail "lint missing" "exit $rc"
run lint --as-of 2026-13-01
[ "$rc" = 64 ] && ok "lint --as-of with a bad date → 64" || fail "lint bad date" "exit $rc"
for sub in fmt lint; do
  run $sub --help
  [ "$rc" = 0 ] && grep -q "Example" "$TMP/out" && grep -q "Exit codes" "$TMP/out" && ok "$sub --help: example and exit codes" || fail "$sub --help" "exit $rc"
done

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
