#!/usr/bin/env bash
# lexgate ask on a real terminal (tmux): answers each question shown (one invalid answer first, to see it
# re-asked), reaches a settled verdict, saves the case, and `lexgate check` on the saved case decides
# identically (same verdict, same exit code). Then the same answers piped on a plain stdin (no TTY).
# Usage: ask_tmux.sh LEXGATE_BINARY SOURCE_ROOT
set -u
LEXGATE=${1:?usage: ask_tmux.sh LEXGATE SOURCE_ROOT}
ROOT=${2:?}
export LEXGATE_HOME="$ROOT"
unset LC_ALL LC_MESSAGES LANG LANGUAGE
TMP=$(mktemp -d "${TMPDIR:-/tmp}/lexgate-ask.XXXXXX")
SOCK="lexgate-ask-$$"
trap 'tmux -L "$SOCK" kill-server 2>/dev/null; rm -rf "$TMP"' EXIT
fail() { echo "FAIL $1"; [ -f "$TMP/pane" ] && tail -30 "$TMP/pane"; exit 1; }
command -v tmux >/dev/null || fail "tmux is not installed"

# The answer for each fact the questionnaire may ask; anything else: "?" (don't know).
answer() {
  case "$1" in
    exporter.jurisdiction) echo CN-BJ ;; recipient.jurisdiction) echo de ;;
    data.subjects.personal) echo 120_000 ;; data.subjects.sensitive_personal) echo 0 ;;
    history.since_year_start.personal|history.since_year_start.sensitive_personal) echo 0 ;;
    exporter.ciio|data.important|exporter.in_ftz|data.collected_abroad_returned) echo no ;;
    exporter.us_person|exporter.padfa_data_broker) echo no ;;
    pia_done|notice_given|separate_consent|pia_records_kept) echo yes ;;
    safeguards) echo no ;;
    purpose) echo other ;;
    *) echo '?' ;;
  esac
}

cat >"$TMP/run.sh" <<RUN
"$LEXGATE" ask --kind transfer --date 2025-06-10 --locale en --save "$TMP/case.json"
echo "EXIT=\$?" >"$TMP/rc"
sleep 60
RUN
tmux -L "$SOCK" new-session -d -x 220 -y 60 "bash $TMP/run.sh" || fail "tmux new-session"

asked=0
invalid_done=0
for _ in $(seq 1 300); do
  sleep 0.1
  tmux -L "$SOCK" capture-pane -p -S -2000 >"$TMP/pane" 2>/dev/null
  [ -f "$TMP/rc" ] && break
  # the last line is the prompt "> " when a question waits
  last=$(grep -v '^[[:space:]]*$' "$TMP/pane" | tail -1)
  [ "$last" = ">" ] || continue
  fact=$(grep -v '^ *[0-9]*) ' "$TMP/pane" | grep -o '\[[A-Za-z_.]*\]$' | tail -1 | tr -d '[]')  # not an enum list line
  [ -n "$fact" ] || continue
  n=$(grep -c '^>' "$TMP/pane")
  [ "$n" -gt "$asked" ] || continue
  asked=$n
  if [ $invalid_done = 0 ] && [ "$fact" = exporter.jurisdiction ]; then
    tmux -L "$SOCK" send-keys "Atlantis" Enter; invalid_done=1; continue
  fi
  tmux -L "$SOCK" send-keys "$(answer "$fact")" Enter
done
[ -f "$TMP/rc" ] || fail "ask did not finish (last question: ${fact:-none})"
grep -q "Not understood: Atlantis" "$TMP/pane" || fail "an invalid answer is not reported"
grep -q "The verdict is settled: conditional" "$TMP/pane" || fail "no settled verdict shown"
grep -q "Case saved to $TMP/case.json" "$TMP/pane" || fail "no save message"
ask_rc=$(sed 's/EXIT=//' "$TMP/rc")
[ "$ask_rc" = 1 ] || fail "ask exit code $ask_rc, want 1 (conditional)"
echo "PASS ask under tmux: $asked prompts, settled verdict conditional, exit $ask_rc"

"$LEXGATE" check "$TMP/case.json" --format json >"$TMP/decision.json"
check_rc=$?
[ "$check_rc" = "$ask_rc" ] || fail "check on the saved case exits $check_rc, ask $ask_rc"
grep -q '"verdict": "conditional"' "$TMP/decision.json" || fail "check on the saved case: $(head -3 "$TMP/decision.json")"
echo "PASS saved case: lexgate check decides identically (conditional, exit $check_rc)"

# Scripted: the same questions, in the order the terminal run asked them, answered from a pipe (no
# terminal) in Chinese (是/否 for yes/no).
: >"$TMP/answers"
for f in $(grep -v '^ *[0-9]*) ' "$TMP/pane" | grep -o '\[[A-Za-z_.]*\]$' | tr -d '[]' | uniq); do
  answer "$f" | sed 's/^yes$/是/; s/^no$/否/' >>"$TMP/answers"
done
"$LEXGATE" ask --kind transfer --date 2025-06-10 --locale zh_CN --save "$TMP/case2.json" <"$TMP/answers" >"$TMP/out2"
rc2=$?
grep -q "结论已确定：附条件允许" "$TMP/out2" || { cat "$TMP/out2"; fail "scripted zh run: no settled verdict"; }
"$LEXGATE" check "$TMP/case2.json" --format json >/dev/null
[ $? = "$rc2" ] || fail "scripted zh run: check disagrees"
echo "PASS ask on a plain stdin (zh_CN): settled, saved case decided identically (exit $rc2)"
