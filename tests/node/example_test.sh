#!/usr/bin/env bash
# examples/node_client.cpp against `kafka-actors node` on loopback: two processes, 1,000
# records through the remote KafkaService (the client gone before the node stops: the node
# once hung at exit on the admin actor's address the middleman held), then SIGINT stops the
# node in order (exit 0).
set -uo pipefail
cli=$1
client=$2
out=$(mktemp -d)
node_pid=
trap '[[ -n $node_pid ]] && kill -9 $node_pid 2>/dev/null; rm -rf "$out"' EXIT
"$cli" node --port 0 >"$out/port" 2>"$out/node.err" &
node_pid=$!
for _ in $(seq 1 600); do [[ -s "$out/port" ]] && break; sleep 0.1; done
port=$(head -1 "$out/port")
[[ -n $port ]] || { echo "FAIL: the node printed no port"; cat "$out/node.err"; exit 1; }
timeout 60 "$client" 127.0.0.1 "$port" 1000 >"$out/client.out" 2>"$out/client.err"
rc=$?
[[ $rc -eq 0 ]] || { echo "FAIL: client exit $rc"; cat "$out/client.err"; exit 1; }
grep -q "^1000 of 1000 records delivered through node 127.0.0.1:$port" "$out/client.out" \
  || { echo "FAIL: client output"; cat "$out/client.out"; exit 1; }
# SIGINT, though bash starts background jobs with it ignored: the node takes it back.
kill -INT $node_pid
wait $node_pid
rc=$?
node_pid=
[[ $rc -eq 0 ]] || { echo "FAIL: node exit $rc after SIGINT"; cat "$out/node.err"; exit 1; }
grep -q "kafka-actors node: stopped" "$out/node.err" || { echo "FAIL: node did not stop in order"; exit 1; }
echo "node example: ok"
