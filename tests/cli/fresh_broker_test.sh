#!/usr/bin/env bash
# kafka-actors groups commands on a broker that has just started: its __consumer_offsets is
# created and loaded by the first group request, and librdkafka 2.0.2 crashes on the
# NOT_COORDINATOR answer its ListConsumerGroupOffsets then gets (issue #5040). `groups lag G`
# without -t segfaulted on every fresh broker (2 of 2) until the admin client warmed the
# coordinator up for it too. Starts a broker of its own (the shared one is minutes old).
#
#   fresh_broker_test.sh KAFKA_ACTORS_CLI SCRIPTS_KAFKA
set -uo pipefail
cli=$1
kafka=$2
port=27700
state=$(mktemp -d)
out=$(mktemp -d)
trap 'rm -rf "$state" "$out"' EXIT
[[ -x $cli && -x $kafka ]] || { echo "usage: $0 KAFKA_ACTORS_CLI SCRIPTS_KAFKA"; exit 2; }
# Like the other real-broker tests, it runs under `scripts/kafka run` (so the jars are
# fetched), and skips outside it.
[[ -n ${KAFKA_ACTORS_BOOTSTRAP:-} ]] || { echo "no real broker: run under scripts/kafka run"; exit 77; }

cat >"$out/steps.sh" <<'EOF'
set -uo pipefail
cli=$1 bs=$2 out=$3
fails=0
step() { # name, expected exit, command...
  local name=$1 want=$2
  shift 2
  timeout 120 "$cli" "$@" -b "$bs" >"$out/stdout" 2>"$out/err"
  local rc=$?
  if [[ $rc -ne $want ]]; then
    echo "FAIL: $name: exit $rc, expected $want"
    echo "  stdout: $(head -c 600 "$out/stdout")"
    echo "  stderr: $(head -c 600 "$out/err")"
    fails=$((fails + 1))
  else
    echo "ok: $name"
  fi
}
# The first group request of the broker's life: no coordinator is loaded yet.
step "groups lag of a group, every topic, first request" 0 groups lag g1
grep -q "total lag: 0" "$out/stdout" || { echo "FAIL: no 'total lag: 0' in: $(cat "$out/stdout")"; fails=$((fails + 1)); }
step "groups lag --json of another group" 0 groups lag g2 --json
step "groups describe of a missing group" 0 groups describe g3
grep -q "State: Dead" "$out/stdout" || { echo "FAIL: describe: no 'State: Dead' in: $(cat "$out/stdout")"; fails=$((fails + 1)); }
step "groups reset of an unknown topic" 1 groups reset g4 -t no-such-topic --to-earliest
grep -q "does not exist" "$out/err" || { echo "FAIL: reset: the error does not say the topic is missing: $(cat "$out/err")"; fails=$((fails + 1)); }
step "topics create" 0 topics create fresh-t -p 2
step "groups lag with -t" 0 groups lag g5 -t fresh-t
step "groups reset, a dry run" 0 groups reset g5 -t fresh-t --to-earliest
exit $((fails > 0))
EOF

KAFKA_ACTORS_STATE=$state KAFKA_ACTORS_PORT_BASE=$port "$kafka" run -- \
  bash "$out/steps.sh" "$cli" "127.0.0.1:$port" "$out"
