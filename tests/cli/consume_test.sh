#!/usr/bin/env bash
# `kafka-actors consume` loses nothing: only printed lines are committed (-c, SIGINT, SIGTERM),
# -e ends when every partition is at its end, a timeout is a failure, a missing topic is named
# at once. Needs the real broker ($KAFKA_ACTORS_BOOTSTRAP): the embedded cluster dies with
# each command.
set -uo pipefail
cli=$1
kafka_script=$2
fails=0
pass=0
check() { # name, condition-exit-code
  if [[ $2 -eq 0 ]]; then pass=$((pass + 1)); else echo "FAIL: $1"; fails=$((fails + 1)); fi
}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# Embedded: it starts empty, so any topic is missing, and says so at once.
start=$SECONDS
"$cli" consume -t nowhere -e 2>"$out/err"; rc=$?
[[ $rc -eq 1 ]]; check "embedded missing topic exits 1" $?
grep -q "topic 'nowhere' does not exist" "$out/err"; check "embedded missing topic named" $?
(( SECONDS - start < 20 )); check "embedded missing topic fails fast" $?
"$cli" consume -t t -c -5 2>/dev/null; [[ $? -eq 2 ]]; check "negative -c is a usage error" $?
"$cli" consume -t t --timeout -3 2>/dev/null; [[ $? -eq 2 ]]; check "negative --timeout is a usage error" $?
# Past a year the deadline (now + seconds, in nanoseconds) overflowed.
"$cli" consume -t t --timeout 9223372036854775807 2>"$out/err"; [[ $? -eq 2 ]]
check "--timeout past a year is a usage error" $?
grep -q "1..31536000" "$out/err"; check "--timeout error names the range" $?

if [[ -z "${KAFKA_ACTORS_BOOTSTRAP:-}" ]]; then
  echo "$pass passed, $fails failed"
  [[ $fails -eq 0 ]]
  exit
fi
B=$KAFKA_ACTORS_BOOTSTRAP
topic() { # name partitions
  "$kafka_script" topics --create --topic "$1" --partitions "$2" --replication-factor 1 >/dev/null 2>&1
}

start=$SECONDS
"$cli" consume -b "$B" -t "missing-$$" -e 2>"$out/err"; rc=$?
[[ $rc -eq 1 ]]; check "missing topic exits 1" $?
grep -q "topic 'missing-$$' does not exist" "$out/err"; check "missing topic named" $?
(( SECONDS - start < 20 )); check "missing topic fails fast" $?

# -c: the next run of the group starts right after what was printed.
t="cc-$$-$RANDOM"; topic "$t" 3
seq 1 1000 | sed 's/^/c-/' | "$cli" produce -b "$B" -t "$t" 2>/dev/null; check "produce 1000" $?
"$cli" consume -b "$B" -t "$t" -G "g-$t" -c 10 >"$out/c1"; check "consume -c 10 exits 0" $?
[[ $(wc -l <"$out/c1") -eq 10 ]]; check "-c 10 prints 10" $?
"$cli" consume -b "$B" -t "$t" -G "g-$t" -e >"$out/c2"; check "rest with -e exits 0" $?
[[ $(wc -l <"$out/c2") -eq 990 ]]; check "the rest is exactly 990 records (none lost)" $?
[[ $(cat "$out/c1" "$out/c2" | sort -u | wc -l) -eq 1000 ]]; check "-c and the rest cover all 1000" $?

# -e on a large topic ends when every partition is at its end, not at the timeout.
t="ce-$$-$RANDOM"; topic "$t" 3
seq 1 100000 | sed 's/^/e-/' | "$cli" produce -b "$B" -t "$t" 2>/dev/null
start=$SECONDS
"$cli" consume -b "$B" -t "$t" -e --timeout 50 >"$out/e1"; check "-e on 100,000 exits 0" $?
(( SECONDS - start < 40 )); check "-e ends at the end, not at the timeout" $?
[[ $(wc -l <"$out/e1") -eq 100000 ]]; check "-e printed 100,000" $?

# A timeout is never success.
"$cli" consume -b "$B" -t "$t" -G "idle-$t-x" -c 200000 --timeout 3 >/dev/null 2>"$out/err"
[[ $? -eq 1 ]]; check "timeout exits 1" $?
grep -q "timed out" "$out/err"; check "timeout is reported" $?

# SIGINT and SIGTERM while a slow reader holds the pipe: whatever was printed is committed,
# nothing else; the next run of the group brings the rest.
for sig in INT TERM; do
  g="sig-$sig-$t"
  ( "$cli" consume -b "$B" -t "$t" -G "$g" | (sleep 6; cat) >"$out/s1" ) &
  sleep 4
  pkill -"$sig" -f -- "-G $g" ; wait
  "$cli" consume -b "$B" -t "$t" -G "$g" -e >"$out/s2"
  n1=$(wc -l <"$out/s1")
  (( n1 > 0 && n1 < 100000 )); check "SIG$sig arrived mid-stream ($n1 printed)" $?
  [[ $(cat "$out/s1" "$out/s2" | sort -u | wc -l) -eq 100000 ]]; check "SIG$sig lost nothing" $?
done
"$cli" consume -b "$B" -t "$t" -G "rc-$t" >/dev/null & pid=$!
sleep 3; kill -INT $pid; wait $pid; [[ $? -eq 130 ]]; check "SIGINT exits 130" $?
"$cli" consume -b "$B" -t "$t" -G "rc2-$t" >/dev/null & pid=$!
sleep 3; kill -TERM $pid; wait $pid; [[ $? -eq 143 ]]; check "SIGTERM exits 143" $?

echo "$pass passed, $fails failed"
[[ $fails -eq 0 ]]
