#!/usr/bin/env bash
# ledger_check as the scenario scripts use it: its exit code (0 clean, 1 violations, 2 bad
# input), its figures on stdout and its findings on stderr.
#   ledger_check_test.sh PATH/TO/ledger_check
set -euo pipefail
check=$1
dir=$(mktemp -d /tmp/ka-ledger-check-XXXXXX)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
t=$'\t'
printf 'p%sk%s0%s00000001%sacked%s0%s0\np%sk%s1%s00000002%sacked%s0%s1\n' \
  "$t" "$t" "$t" "$t" "$t" "$t" "$t" "$t" "$t" "$t" "$t" "$t" >"$dir/produced"
printf '# run pid=1\nc%sk%s0%s00000001%s0%s0\nc%sk%s1%s00000002%s0%s1\n' \
  "$t" "$t" "$t" "$t" "$t" "$t" "$t" "$t" "$t" "$t" >"$dir/all"
head -n 2 "$dir/all" >"$dir/first"

rc=0; "$check" --produced "$dir/produced" --consumed "$dir/all" >"$dir/out" 2>"$dir/err" || rc=$?
((rc == 0)) || fail "a clean run exits $rc"
grep -qx 'lost=0' "$dir/out" && grep -qx 'clean=1' "$dir/out" || fail "clean figures: $(cat "$dir/out")"

rc=0; "$check" --produced "$dir/produced" --consumed "$dir/first" >"$dir/out" 2>"$dir/err" || rc=$?
((rc == 1)) || fail "a lost record exits $rc, not 1"
grep -qx 'lost=1' "$dir/out" || fail "lost figure: $(cat "$dir/out")"
grep -q "lost: key 'k' seq 1" "$dir/err" || fail "no finding names the lost record: $(cat "$dir/err")"

# A re-read segment: within the bound passes, past it fails.
cat "$dir/all" "$dir/all" >"$dir/twice"
"$check" --produced "$dir/produced" --consumed "$dir/twice" --max-segment-duplicates 2 >/dev/null 2>&1 \
  || fail "2 re-read records fail a bound of 2"
rc=0; "$check" --produced "$dir/produced" --consumed "$dir/twice" --max-segment-duplicates 1 \
  >/dev/null 2>&1 || rc=$?
((rc == 1)) || fail "2 re-read records pass a bound of 1 (exit $rc)"

echo "c${t}k${t}x${t}00000001${t}0${t}0" >"$dir/bad"
rc=0; "$check" --produced "$dir/produced" --consumed "$dir/bad" >/dev/null 2>"$dir/err" || rc=$?
((rc == 2)) || fail "a malformed ledger exits $rc, not 2"
grep -q "bad:1: seq 'x'" "$dir/err" || fail "the error names file, line and field: $(cat "$dir/err")"
rc=0; "$check" --produced "$dir/produced" >/dev/null 2>&1 || rc=$?
((rc == 2)) || fail "a missing --consumed exits $rc, not 2"
echo "ledger_check: all cases behave"
