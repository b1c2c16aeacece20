#!/usr/bin/env bash
# `kafka-actors health` against a running CLI producer with monitoring on (embedded default):
# ready (exit 0), alive (--live), no answer once it is gone (exit 3); not ready (exit 1) and
# a foreign answer (exit 3) from a stand-in server; usage errors (exit 2).
set -uo pipefail
cli=$1
fails=0
pass=0
check() { # name, condition-exit-code
  if [[ $2 -eq 0 ]]; then pass=$((pass + 1)); else echo "FAIL: $1"; fails=$((fails + 1)); fi
}
out=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$out"
}
trap cleanup EXIT

# A loopback port nothing listens on now (the kernel's pick, handed back).
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null \
    || echo $((20000 + RANDOM % 20000))
}

# Polls `health ARGS` until it exits with WANT (60 s); leaves its output in $out/h.
await_health() { # want, args...
  local want=$1; shift
  local rc=-1
  for _ in $(seq 1 120); do
    "$cli" health "$@" >"$out/h" 2>"$out/herr"; rc=$?
    [[ $rc -eq $want ]] && return 0
    sleep 0.5
  done
  echo "health $* exited $rc, want $want:"; cat "$out/h" "$out/herr"
  return 1
}

"$cli" health --help >"$out/help" 2>&1; check "health --help exits 0" $?
grep -q "usage: kafka-actors health" "$out/help"; check "health --help prints usage" $?
"$cli" health --url ftp://x 2>"$out/err"; [[ $? -eq 2 ]]; check "bad --url exits 2" $?
grep -q "http://" "$out/err"; check "bad --url says what is wanted" $?
"$cli" health --timeout 0 2>/dev/null; [[ $? -eq 2 ]]; check "out-of-range --timeout exits 2" $?
port=$(free_port)
"$cli" health --url "http://127.0.0.1:$port" --timeout 2 >/dev/null 2>"$out/err"
[[ $? -eq 3 ]]; check "nothing listening exits 3" $?
grep -q "no answer from http://127.0.0.1:$port/readyz" "$out/err" && grep -q "monitoring.enabled" "$out/err"
check "nothing listening names the URL and the setting" $?

# A producing CLI service with monitoring on (stdin held open through a fifo): ready once
# the brokers answer, alive, the config's monitoring.listen is the default URL, and no answer
# once it is gone.
port=$(free_port)
url="http://127.0.0.1:$port"
mkfifo "$out/in"
KAFKA_ACTORS_MONITORING_ENABLED=true KAFKA_ACTORS_MONITORING_LISTEN="127.0.0.1:$port" \
  KAFKA_ACTORS_MONITORING_INTERVAL_MS=200 \
  "$cli" produce -t health-lines <"$out/in" >/dev/null 2>"$out/produce-err" &
producer=$!
pids+=($producer)
exec 3>"$out/in"
printf 'a\nb\n' >&3
await_health 0 --url "$url"; check "producing service: ready (exit 0)" $?
grep -q '"status":"ready"' "$out/h" && grep -q '"name":"brokers","ok":true' "$out/h"
check "ready body says ready and lists the checks" $?
await_health 0 --url "$url" --live; check "--live: alive (exit 0)" $?
grep -q '"status":"alive"' "$out/h"; check "--live body says alive" $?
echo "{\"monitoring\": {\"listen\": \"127.0.0.1:$port\"}}" >"$out/cfg.json"
"$cli" health --config "$out/cfg.json" >/dev/null 2>&1; check "--config gives the URL" $?
exec 3>&- # end of input: the producer delivers and exits
wait "$producer"; check "producer exits 0 at the end of its input" $?
grep -q "2 records delivered" "$out/produce-err"; check "producer delivered its 2 lines" $?
await_health 3 --url "$url" --timeout 2; check "service gone: no answer (exit 3)" $?

# Not ready, and not an endpoint of ours: a stand-in server answering 503 with a report, then
# 404 (the CLI's side of the contract; the service's not-ready answers are tested in
# tests/embedded/monitoring_test.cpp).
port=$(free_port)
cat >"$out/fake.py" <<'PY'
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/readyz":
            body = b'{"status":"not_ready","checks":[{"name":"brokers","ok":false,"reason":"broker_unreachable"}]}'
            self.send_response(503)
        else:
            body = b'not here'
            self.send_response(404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
python3 "$out/fake.py" "$port" &
pids+=($!)
await_health 1 --url "http://127.0.0.1:$port"; check "not ready answers exit 1" $?
grep -q '"reason":"broker_unreachable"' "$out/h"; check "not ready body is printed" $?
"$cli" health --url "http://127.0.0.1:$port" --live >/dev/null 2>"$out/err"
[[ $? -eq 3 ]]; check "a 404 exits 3" $?
grep -q "answered HTTP 404" "$out/err"; check "a 404 is named" $?

echo "health_test: $pass passed, $fails failed"
[[ $fails -eq 0 ]]
