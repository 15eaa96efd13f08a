#!/usr/bin/env bash
# Golden CLI outputs: each line of DIR/commands.txt is "NAME ARGS..." (arguments split on spaces, paths
# relative to the source root). `lexgate ARGS` must print exactly DIR/NAME.expected on stdout and end
# with the exit code in its last line ("exit N"). LEXGATE_UPDATE_GOLDEN=1 rewrites the files.
# Usage: golden_commands.sh LEXGATE_BINARY SOURCE_ROOT DIR
set -u
LEXGATE=${1:?usage: golden_commands.sh LEXGATE SOURCE_ROOT DIR}
ROOT=${2:?}
DIR=${3:?}
export LEXGATE_HOME="$ROOT"
unset LC_ALL LC_MESSAGES LANG LANGUAGE
cd "$ROOT" || exit 2
TMP=$(mktemp -d "${TMPDIR:-/tmp}/lexgate-golden.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
export LEXGATE_CACHE_DIR="$TMP/cache"  # the compiled-rules cache: this run's own, never the user's
passed=0
failed=0
while read -r name args; do
  case "$name" in ''|'#'*) continue ;; esac
  # shellcheck disable=SC2086
  "$LEXGATE" $args >"$TMP/out" 2>"$TMP/err" </dev/null
  echo "exit $?" >>"$TMP/out"
  if [ "${LEXGATE_UPDATE_GOLDEN:-}" = 1 ]; then cp "$TMP/out" "$DIR/$name.expected"; fi
  if cmp -s "$TMP/out" "$DIR/$name.expected"; then
    passed=$((passed + 1)); echo "PASS $name"
  else
    failed=$((failed + 1)); echo "FAIL $name: lexgate $args"
    diff "$DIR/$name.expected" "$TMP/out" | head -20
    head -c 600 "$TMP/err"
  fi
done <"$DIR/commands.txt"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
