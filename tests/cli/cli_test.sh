#!/usr/bin/env bash
# CLI behaviour: help, usage errors, bad input, and a produce/consume round trip on the real
# broker when $KAFKA_ACTORS_BOOTSTRAP is set (the embedded cluster dies with each command).
set -uo pipefail
cli=$1
kafka_script=${2:-}
fails=0
pass=0
check() { # name, condition-exit-code
  if [[ $2 -eq 0 ]]; then pass=$((pass + 1)); else echo "FAIL: $1"; fails=$((fails + 1)); fi
}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

"$cli" --help >"$out/help" 2>&1; check "--help exits 0" $?
grep -q quickstart "$out/help"; check "--help lists quickstart" $?
"$cli" >/dev/null 2>&1; [[ $? -eq 2 ]]; check "no command exits 2" $?
"$cli" frobnicate 2>"$out/err"; [[ $? -eq 2 ]]; check "unknown command exits 2" $?
grep -q "unknown command 'frobnicate'" "$out/err"; check "unknown command named" $?
for c in quickstart produce consume; do
  "$cli" $c --help >"$out/h" 2>&1; check "$c --help exits 0" $?
  grep -q "usage: kafka-actors $c" "$out/h"; check "$c --help prints usage" $?
done
"$cli" produce </dev/null 2>"$out/err"; [[ $? -eq 2 ]]; check "produce without -t exits 2" $?
grep -q "missing -t TOPIC" "$out/err" && grep -q "try 'kafka-actors produce --help'" "$out/err"
check "usage error gives a hint" $?
"$cli" produce -t 'bad topic' </dev/null 2>"$out/err"; [[ $? -eq 1 ]]; check "invalid topic exits 1" $?
grep -q "'bad topic'" "$out/err"; check "invalid topic named" $?
"$cli" consume -t t -c many 2>"$out/err"; [[ $? -eq 2 ]]; check "non-numeric -c exits 2" $?
echo '{"producer": {"linger.mss": 1}}' >"$out/bad.json"
"$cli" produce -t t --config "$out/bad.json" </dev/null 2>"$out/err"; [[ $? -eq 1 ]]
check "unknown config key exits 1" $?
grep -q "bad.json" "$out/err" && grep -q "producer.linger.mss" "$out/err"
check "unknown config key names file and key" $?
"$cli" produce -b 127.0.0.1:1 -t t --config <(echo '{"connect.timeout.ms": 1000}') </dev/null 2>"$out/err"
[[ $? -eq 1 ]]; check "unreachable broker exits 1" $? 2>/dev/null
grep -q "127.0.0.1:1" "$out/err"; check "unreachable broker names the address" $?

# Embedded: produce lines with keys and headers; every line is acknowledged.
printf 'k1:v1\nk2:v2\nk3:v3\n' | "$cli" produce -t lines -K : -H src=test 2>"$out/err"
check "embedded produce exits 0" $?
grep -q "3 records delivered" "$out/err"; check "embedded produce reports 3 delivered" $?

if [[ -n "${KAFKA_ACTORS_BOOTSTRAP:-}" ]]; then
  topic="cli-$$-$RANDOM"
  # The broker does not auto-create topics: produce to a missing one fails and says so.
  echo x | "$cli" produce -b "$KAFKA_ACTORS_BOOTSTRAP" -t "$topic-missing" 2>"$out/err"
  [[ $? -eq 1 ]]; check "produce to a missing topic exits 1" $?
  grep -q "line 1: .*UNKNOWN_TOPIC_OR_PART" "$out/err"; check "missing topic error names the line" $?
  "$kafka_script" topics --create --topic "$topic" --partitions 3 --replication-factor 1 >/dev/null 2>&1
  check "topic created" $?
  seq 1 200 | sed 's/^/key-/; s/$/:value/' | "$cli" produce -b "$KAFKA_ACTORS_BOOTSTRAP" -t "$topic" -K : 2>"$out/err"
  check "real produce exits 0" $?
  "$cli" consume -b "$KAFKA_ACTORS_BOOTSTRAP" -t "$topic" -K : -e >"$out/lines" 2>"$out/err"
  check "real consume -e exits 0" $?
  [[ $(wc -l <"$out/lines") -eq 200 ]]; check "consume read 200 lines" $?
  grep -q '^key-17:value$' "$out/lines"; check "consume prints key:value" $?
  "$cli" consume -b "$KAFKA_ACTORS_BOOTSTRAP" -t "$topic" -c 5 --timeout 60 >"$out/five" 2>"$out/err"
  check "consume -c exits 0" $?
  [[ $(wc -l <"$out/five") -eq 5 ]]; check "consume -c 5 prints 5" $?
fi

echo "$pass passed, $fails failed"
[[ $fails -eq 0 ]]
