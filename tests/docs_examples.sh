#!/usr/bin/env bash
# Every ```gate block of docs/language.md is loaded as a ruleset directory and its tests are run:
# an example in the docs is also a test.
set -euo pipefail
lexgate=$1
root=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
awk -v dir="$tmp" '/^```gate$/{n++; f=sprintf("%s/block%02d.gate", dir, n); inblock=1; next} /^```$/{inblock=0; next} inblock{print > f}' "$root/docs/language.md"
count=$(ls "$tmp"/*.gate | wc -l)
[ "$count" -ge 3 ] || { echo "expected at least 3 gate blocks in docs/language.md, found $count"; exit 1; }
LEXGATE_HOME=$root "$lexgate" test "$tmp"
