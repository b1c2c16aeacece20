#!/usr/bin/env bash
# kafka-actors topics, groups and migrate against the real broker at $KAFKA_ACTORS_BOOTSTRAP
# (issue 11): every admin action, tables and --json, plan --check exit codes, a group reset
# refused while the group has a member, and migrations applied, re-applied and refused after
# an applied file changed. Skips (77) without a broker.
set -uo pipefail
cli=$1
bs=${KAFKA_ACTORS_BOOTSTRAP:-}
[[ -n $bs ]] || { echo "no real broker: run under scripts/kafka run"; exit 77; }
fails=0
pass=0
out=$(mktemp -d)
bg=
trap '[[ -n $bg ]] && kill $bg 2>/dev/null; rm -rf "$out"' EXIT
check() { # name, condition-exit-code
  if [[ $2 -eq 0 ]]; then pass=$((pass + 1)); else
    echo "FAIL: $1"; echo "  stdout: $(head -c 600 "$out/stdout" 2>/dev/null)"
    echo "  stderr: $(head -c 600 "$out/err" 2>/dev/null)"; fails=$((fails + 1)); fi
}
run() { timeout 120 "$cli" "$@" -b "$bs" >"$out/stdout" 2>"$out/err"; }
json() { python3 -c "import json,sys; d=json.load(open('$out/stdout')); sys.exit(0 if ($1) else 1)"; }
id="$$-$RANDOM"
t="adm-$id"; t2="adm2-$id"; g="grp-$id"; ledger="__ka_migrations_cli_$id"

# topics: create, list, describe, grow, alter, delete.
run topics create "$t" -p 2 -X retention.ms=3600000; check "create exits 0" $?
run topics create "$t" -p 2; [[ $? -eq 1 ]]; check "create again exits 1" $?
grep -q "already exists" "$out/err"; check "create again says it exists" $?
run topics list; grep -qx "$t" "$out/stdout"; check "list shows the topic" $?
! grep -q "__consumer_offsets" "$out/stdout"; check "list hides internal topics" $?
run topics describe "$t" --json
json "len(d['partitions'])==2 and d['replication']==1 and d['configs'].get('retention.ms')=='3600000'"
check "describe --json: 2 partitions, replication 1, retention.ms" $?
run topics describe "$t"; grep -q "PARTITION" "$out/stdout" && grep -q "Partitions: 2" "$out/stdout"
check "describe prints a table" $?
run topics add-partitions "$t" -p 3; check "add-partitions exits 0" $?
run topics add-partitions "$t" -p 1; [[ $? -eq 1 ]]; check "shrinking exits 1" $?
run topics alter "$t" -X cleanup.policy=delete; check "alter exits 0" $?
run topics describe "$t" --json
json "len(d['partitions'])==3 and d['configs'].get('cleanup.policy')=='delete' and d['configs'].get('retention.ms')=='3600000'"
check "alter keeps the earlier config" $?

# A topology file's desired topics through plan/apply.
cat >"$out/topology.json" <<JSON
{"topics": [{"name": "$t", "partitions": 4, "replication": 1},
            {"name": "$t2", "partitions": 2, "replication": 1, "configs": {"retention.ms": "7200000"}}]}
JSON
run topics plan "$out/topology.json" --check; [[ $? -eq 3 ]]; check "plan --check with changes exits 3" $?
grep -q "create topic $t2" "$out/stdout" && grep -q "$t" "$out/stdout"; check "plan lists the changes" $?
run topics describe "$t2"; [[ $? -eq 1 ]]; check "plan changed nothing" $?
run topics apply "$out/topology.json"; check "apply exits 0" $?
run topics plan "$out/topology.json" --check; check "plan --check after apply exits 0" $?
grep -q "up to date" "$out/stdout"; check "plan after apply is up to date" $?

# Records and a group: produce 20 to partition 0, consume them in group $g.
seq 1 20 | timeout 60 "$cli" produce -b "$bs" -t "$t" -p 0 >/dev/null 2>"$out/err"; check "produce 20" $?
seq 1 3 | timeout 60 "$cli" produce -b "$bs" -t "$t" -p 9 >/dev/null 2>"$out/err"; [[ $? -eq 1 ]]
check "produce to a partition the topic lacks exits 1" $?
grep -q "has 4 partitions (0..3); nothing was sent" "$out/err"; check "produce -p 9 names the partitions" $?
timeout 60 "$cli" consume -b "$bs" -t "$t" -G "$g" -e >/dev/null 2>"$out/err"; check "consume -e in the group" $?
run groups list; grep -q "^$g " "$out/stdout"; check "groups list shows the group" $?
# The group committed, so the broker has __consumer_offsets: listed only when asked.
run topics list --internal --json; json "'__consumer_offsets' in d and '$t' in d and d == sorted(d)"
check "list --internal --json shows internal topics" $?
run groups lag "$g" --json; json "d['lag']==0 and sum(p['committed'] for p in d['partitions'] if p['committed']>0)==20"
check "lag 0 after consuming all" $?
run groups reset "$g" --to-earliest; check "reset dry run exits 0" $?
grep -q "dry run" "$out/err"; check "reset says dry run" $?
run groups lag "$g" --json; json "d['lag']==0"; check "dry run changed nothing" $?
run groups reset "$g" --to-earliest --execute; check "reset --execute exits 0" $?
run groups lag "$g" --json; json "d['lag']==20"; check "lag 20 after reset to earliest" $?
run groups reset "$g" --shift-by 5 --execute -t "$t"; check "reset --shift-by exits 0" $?
run groups lag "$g" --json; json "d['lag']==15"; check "lag 15 after shift by 5" $?
run topics delete-records "$t" -p 0 --before 10; check "delete-records exits 0" $?
grep -q "now starts at offset 10" "$out/err"; check "delete-records reports the new start" $?

# A group with a member: reset is refused, naming the state.
timeout 120 "$cli" consume -b "$bs" -t "$t" -G "$g" >/dev/null 2>"$out/bg.err" &
bg=$!
joined=1
for _ in $(seq 1 120); do
  run groups describe "$g" --json && json "len(d['members'])>0" && { joined=0; break; }
  sleep 0.5
done
check "the consumer joins the group" $joined
run groups describe "$g"; grep -q "Stable" "$out/stdout"; check "describe shows a stable group" $?
run groups reset "$g" --to-latest --execute; [[ $? -eq 1 ]]; check "reset of a live group exits 1" $?
grep -q "active member" "$out/err"; check "reset of a live group says why" $?
kill -INT $bg; wait $bg; bg=

# Migrations: plan, apply, re-apply, status, a changed file.
mkdir -p "$out/mig"
echo '{"operations":[{"op":"create_topic","topic":"'"mig-$id"'","partitions":2,"replication":1}]}' >"$out/mig/v001_base.json"
echo '{"operations":[{"op":"add_partitions","topic":"'"mig-$id"'","partitions":3}]}' >"$out/mig/v002_grow.json"
run migrate plan "$out/mig" --ledger "$ledger" --check; [[ $? -eq 3 ]]; check "migrate plan --check pending exits 3" $?
grep -q "v001 base" "$out/stdout" && grep -q "add partitions" "$out/stdout"; check "migrate plan lists both" $?
run migrate apply "$out/mig" --ledger "$ledger"; check "migrate apply exits 0" $?
grep -q "2 applied" "$out/err"; check "migrate apply applied 2" $?
run migrate apply "$out/mig" --ledger "$ledger"; check "migrate apply again exits 0" $?
grep -q "up to date" "$out/err"; check "migrate apply again changes nothing" $?
run migrate plan "$out/mig" --ledger "$ledger" --check; check "migrate plan --check after apply exits 0" $?
run migrate status "$out/mig" --ledger "$ledger" --json
json "[m['state'] for m in d['migrations']]==['applied','applied']"; check "migrate status: both applied" $?
run topics describe "mig-$id" --json; json "len(d['partitions'])==3"; check "the migrated topic has 3 partitions" $?
echo '{"operations":[{"op":"create_topic","topic":"'"mig-$id"'","partitions":9,"replication":1}]}' >"$out/mig/v001_base.json"
run migrate status "$out/mig" --ledger "$ledger"; [[ $? -eq 1 ]]; check "status after a changed file exits 1" $?
grep -q "v001_base.json" "$out/err" && grep -q "checksum_mismatch" "$out/stdout"; check "status names the changed file" $?
run migrate apply "$out/mig" --ledger "$ledger"; [[ $? -eq 1 ]]; check "apply after a changed file exits 1" $?

run topics delete "$t"; check "delete exits 0" $?
run topics describe "$t"; [[ $? -eq 1 ]]; check "describe after delete exits 1" $?
grep -q "does not exist" "$out/err"; check "describe after delete says so" $?

echo "$pass passed, $fails failed"
[[ $fails -eq 0 ]]
