#!/usr/bin/env bash
# CLI produce: an empty bootstrap is an error (only an absent one means embedded), librdkafka's
# own log stays off stderr unless --debug, a missing topic fails fast with one message.
# Usage: produce_test.sh KAFKA_ACTORS_BINARY
set -uo pipefail
cli=$1
fails=0
pass=0
check() { # name, condition-exit-code
  if [[ $2 -eq 0 ]]; then pass=$((pass + 1)); else echo "FAIL: $1"; fails=$((fails + 1)); fi
}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
unset KAFKA_ACTORS_BOOTSTRAP_SERVERS

# -b '' is not "embedded": a usage error before anything is sent (every option's value must
# be non-empty).
echo x | "$cli" produce -b '' -t t 2>"$out/err"; rc=$?
[[ $rc -eq 2 ]]; check "-b '' exits 2" $?
grep -q "'-b' needs a non-empty value" "$out/err"; check "-b '' says it needs a value" $?
! grep -q "delivered" "$out/err"; check "-b '' delivers nothing" $?
echo x | "$cli" produce -b '  ' -t t 2>"$out/err"; [[ $? -eq 1 ]]; check "-b blank exits 1" $?

# KAFKA_ACTORS_BOOTSTRAP_SERVERS set but empty is an error too.
echo x | KAFKA_ACTORS_BOOTSTRAP_SERVERS= "$cli" produce -t t 2>"$out/err"; rc=$?
[[ $rc -eq 1 ]]; check "empty KAFKA_ACTORS_BOOTSTRAP_SERVERS exits 1" $?
grep -q "KAFKA_ACTORS_BOOTSTRAP_SERVERS" "$out/err" && grep -qi "empty" "$out/err"
check "empty variable is named" $?
! grep -q "delivered" "$out/err"; check "empty variable delivers nothing" $?

# Absent: the embedded default still works.
printf 'a\nb\n' | "$cli" produce -t emb 2>"$out/err"; check "embedded produce exits 0" $?
grep -q "2 records delivered" "$out/err"; check "embedded produce delivers 2" $?
! grep -q '^%[0-9]|' "$out/err"; check "embedded produce prints no raw librdkafka lines" $?

# -p past int32 wrapped to another partition (4294967296 became 0): a usage error now.
echo x | "$cli" produce -t emb -p 4294967296 2>"$out/err"; rc=$?
[[ $rc -eq 2 ]]; check "-p past int32 exits 2" $?
grep -q "'-p' needs a number in -1..2147483647" "$out/err"; check "-p error names the range" $?
! grep -q "delivered" "$out/err"; check "-p past int32 delivers nothing" $?

# Unreachable broker: one error naming the address, no raw librdkafka log lines.
conf=$out/short.json
echo '{"connect.timeout.ms": 1000}' >"$conf"
echo x | "$cli" produce -b 127.0.0.1:1 -t t --config "$conf" 2>"$out/err"; rc=$?
[[ $rc -eq 1 ]]; check "unreachable broker exits 1" $?
grep -q "127.0.0.1:1" "$out/err"; check "unreachable broker names the address" $?
! grep -q '%[0-9]|' "$out/err"; check "no raw %N| librdkafka lines by default" $?
[[ $(grep -c "kafka-actors produce:" "$out/err") -eq 1 ]]; check "one error line" $?
grep -qi "refused\|connect" "$out/err"; check "the error names the real cause" $?
# --debug shows librdkafka's own lines.
echo x | "$cli" produce -d -b 127.0.0.1:1 -t t --config "$conf" 2>"$out/err"
grep -q '^%[0-9]|' "$out/err"; check "--debug shows librdkafka's log" $?

# Real broker (auto-create off): a missing topic fails at once with one message.
if [[ -n "${KAFKA_ACTORS_BOOTSTRAP:-}" ]]; then
  topic="produce-missing-$$-$RANDOM"
  start=$(date +%s)
  printf 'x\ny\nz\n' | "$cli" produce -b "$KAFKA_ACTORS_BOOTSTRAP" -t "$topic" 2>"$out/err"; rc=$?
  took=$(( $(date +%s) - start ))
  [[ $rc -eq 1 ]]; check "missing topic exits 1" $?
  [[ $took -lt 15 ]]; check "missing topic fails fast (${took}s)" $?
  grep -q "topic '$topic' does not exist" "$out/err"; check "missing topic named" $?
  [[ $(grep -c "kafka-actors produce:" "$out/err") -eq 1 ]]; check "missing topic: one line" $?
fi

echo "produce_test: $pass passed, $fails failed"
[[ $fails -eq 0 ]]
