# Shared by state_cli.sh and state_pg.sh (sourced; they need $LEXGATE, $TMP and $ROOT): counting checks,
# running lexgate, and generating cases.
passed=0
failed=0
ok()   { passed=$((passed + 1)); echo "PASS $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1${2:+ — $2}"; }
run()  { "$LEXGATE" "$@" >"$TMP/out" 2>"$TMP/err" </dev/null; rc=$?; }
expect_rc() { if [ "$rc" -eq "$2" ]; then ok "$1"; else fail "$1" "exit $rc, wanted $2: $(head -c 300 "$TMP/err")"; fi; }
# cn CASE_ID DATE PERSONAL EXPORTER: a CN transfer without history
cn() {
  cat >"$TMP/$1.json" <<JSON
{ "id": "$1", "kind": "transfer", "date": "$2",
  "exporter": { "name": "$4", "jurisdiction": "CN-BJ", "ciio": false, "in_ftz": false },
  "recipient": { "name": "Acme GmbH", "jurisdiction": "DE", "role": "controller" },
  "data": { "subjects": { "personal": $3, "sensitive_personal": 0 }, "important": false, "core": false, "subjects_in": ["CN"],
            "collected_abroad_returned": false, "domestic_data_added": false },
  "purpose": "other", "mechanism": "remote_access", "transaction": "intra_group",
  "safeguards": [], "pia_done": true, "notice_given": true, "separate_consent": true }
JSON
  echo "$TMP/$1.json"
}
# us CASE_ID DATE GEOLOCATION: US data brokerage to a covered person, no history
us() {
  jq --arg id "$1" --arg d "$2" --argjson n "$3" \
     '.id = $id | .date = $d | .rejected_offer_on = $d | .data.subjects.precise_geolocation = $n | .data.subjects.health = 0 | del(.history)' \
     "$ROOT/examples/us-rejected-brokerage-report.json" >"$TMP/$1.json"
  echo "$TMP/$1.json"
}
# has_rule NAME [FILE]: a finding of that rule applies (not merely "unknown") in the decision ($TMP/out)
has_rule()  { jq -e --arg r "$1" '[.findings[] | select((.rule | endswith($r)) and .applies == "yes")] | length > 0' "${2:-$TMP/out}" >/dev/null; }
