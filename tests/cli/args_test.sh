#!/usr/bin/env bash
# The CLI's argument and config handling, in kcat's and getopt's habits (issue 11): attached
# short values, range-checked numbers, broker lists checked at parse time, stray and repeated
# arguments refused, usage errors on stderr with exit 2, config errors naming file, variable
# and key, whole characters in errors. Needs no broker: every case fails before connecting,
# except the attached-value round trip, which runs on the embedded cluster.
set -uo pipefail
cli=$1
fails=0
pass=0
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
check() { # name, condition-exit-code
  if [[ $2 -eq 0 ]]; then pass=$((pass + 1)); else
    echo "FAIL: $1"; echo "  stderr: $(head -c 400 "$out/err" 2>/dev/null)"; fails=$((fails + 1)); fi
}
# usage NAME EXPECTED-STDERR-TEXT ARGS...: exit 2 within 5 s, the text on stderr, stdout empty.
usage() {
  local name=$1 text=$2; shift 2
  timeout 5 "$cli" "$@" </dev/null >"$out/stdout" 2>"$out/err"
  local rc=$?
  [[ $rc -eq 2 ]]; check "$name: exit 2 (got $rc)" $?
  grep -qF -- "$text" "$out/err"; check "$name: says '$text'" $?
  [[ ! -s "$out/stdout" ]]; check "$name: nothing on stdout" $?
}
# config NAME EXPECTED-TEXT... -- ARGS: exit 1, every text on stderr.
config_error() {
  local name=$1; shift
  local texts=()
  while [[ $1 != -- ]]; do texts+=("$1"); shift; done
  shift
  timeout 10 "$cli" "$@" </dev/null >"$out/stdout" 2>"$out/err"
  local rc=$?
  [[ $rc -eq 1 ]]; check "$name: exit 1 (got $rc)" $?
  for t in "${texts[@]}"; do grep -qF -- "$t" "$out/err"; check "$name: says '$t'" $?; done
}

# No arguments at all: usage on stderr, exit 2.
timeout 5 "$cli" >"$out/stdout" 2>"$out/err"; [[ $? -eq 2 ]]; check "no arguments exit 2" $?
[[ ! -s "$out/stdout" ]] && grep -q "usage: kafka-actors" "$out/err"
check "no arguments: usage on stderr only" $?

# Numbers are range-checked before anything is allocated or connected.
usage "quickstart -p huge" "'-p' needs a number in 1..1000, got '99999999999'" quickstart -p 99999999999
usage "quickstart -p beyond the mock's reach" "'-p' needs a number in 1..1000, got '2000000000'" quickstart -p 2000000000
usage "quickstart -n huge" "'-n' needs a number in 2..1000000000" quickstart -n 99999999999
usage "consume -c -5" "got '-5'" consume -t x -c -5
usage "consume --timeout -3" "'--timeout' needs a number in 1..31536000, got '-3'" consume -t x --timeout -3
usage "produce -p -5" "'-p' needs a number in -1..2147483647, got '-5'" produce -t x -p -5
usage "consume -c10x" "'-c' needs a number, got '10x'" consume -t x -c10x

# Broker lists are checked at parse time, not at the first connect.
usage "-b port out of range" "port '99999' of '127.0.0.1:99999' must be 1..65535" consume -t x -b 127.0.0.1:99999
usage "-b port not a number" "port 'notaport' of 'host:notaport' must be 1..65535" consume -t x -b host:notaport
usage "-b :::" "':::' has several ':'" consume -t x -b :::
usage "-b ," "has an empty entry" consume -t x -b ,
usage "-b trailing comma" "'h:1,' has an empty entry" produce -t x -b h:1,
usage "-b no host" "':9092' names no host" consume -t x --bootstrap :9092
usage "-b unclosed bracket" "opens '[' without closing it" consume -t x -b '[::1:9092'

# Stray, repeated and empty arguments are refused, not silently dropped or picked.
usage "stray positional" "unexpected argument 'stray'" produce -t x stray
usage "repeated -p" "'-p' given twice ('1' and '2')" produce -t x -p 1 -p 2
usage "repeated --config" "'--config' given twice" consume -t x --config a.json --config b.json
usage "empty -K" "'-K' needs a non-empty value" consume -t x -K ''
usage "flag with a value" "'--live' takes no value" health --live=yes
usage "unknown option in a bundle" "unknown option '-z' in '-ez'" consume -t x -ez

# An unknown option is named whole, even when it is not ASCII; a hint follows.
usage "unknown option hint" "try 'kafka-actors consume --help'" consume --nope
timeout 5 "$cli" consume -t 'ünï' </dev/null >/dev/null 2>"$out/err"; [[ $? -eq 1 ]]
check "non-ASCII topic exits 1" $?
grep -qF "topic name 'ünï' contains 'ü'" "$out/err"; check "non-ASCII topic: whole characters" $?
LC_ALL=C grep -q $'\xc3'"'" "$out/err"; [[ $? -ne 0 ]]; check "non-ASCII topic: no lone byte" $?

# Config errors name the file (or variable), the key and the real problem.
echo '{"producer":{"acks":"0"}}' >"$out/acks.json"
config_error "acks vs idempotence" "acks.json" "'producer.acks' ('0')" "enable.idempotence" -- consume -t x --config "$out/acks.json"
config_error "config is a directory" "$out: is a directory" -- consume -t x --config "$out"
config_error "config missing" "$out/none.json: cannot open file" -- consume -t x --config "$out/none.json"
KAFKA_ACTORS_PRODUCER_LINGER_MS=abc config_error "env not a number" \
  "KAFKA_ACTORS_PRODUCER_LINGER_MS='abc'" "producer.linger.ms" "not a number" -- consume -t x
KAFKA_ACTORS_BOOTSTRAP_SERVERS=h:0 config_error "env bad broker list" \
  "KAFKA_ACTORS_BOOTSTRAP_SERVERS" "port '0' of 'h:0' must be 1..65535" -- consume -t x
echo '{"security":{"security.protocol":"ssl","ssl.key.location":"'"$out"'/missing-key.pem"}}' >"$out/ssl.json"
config_error "missing ssl key file" "ssl.json" "'security.ssl.key.location'" "missing-key.pem' does not exist" -- consume -t x --config "$out/ssl.json"
echo '{"bootstrap.servers":"127.0.0.1:99999"}' >"$out/bs.json"
config_error "bad broker list in a file" "bs.json" "'bootstrap.servers'" "must be 1..65535" -- consume -t x --config "$out/bs.json"

# The admin commands: the same parser, usage errors before any connection.
usage "topics without action" "missing action" topics
usage "topics unknown action" "unknown action 'frob'" topics frob
usage "topics create without topic" "missing TOPIC" topics create
usage "topics create -p 0" "'-p' needs a number in 1..100000, got '0'" topics create t -p 0
usage "topics create bad -X" "-X needs key=value, got 'retention'" topics create t -X retention
usage "topics option of another action" "'--before' does not apply to 'topics create'" topics create t --before 3
usage "topics list stray" "unexpected argument 'x'" topics list x
usage "topics plan without file" "missing FILE" topics plan
usage "groups reset without target" "exactly one of --to-earliest" groups reset g
usage "groups reset two targets" "exactly one of" groups reset g --to-earliest --to-latest
usage "groups reset bad offset" "'--to-offset' needs a number in 0.." groups reset g --to-offset -1
usage "groups lag --execute" "apply only to 'groups reset'" groups lag g --execute
usage "migrate without dir" "missing DIR" migrate plan
usage "migrate --check on apply" "'--check' applies only to 'migrate plan'" migrate apply d --check
usage "completion of another shell" "only bash" completion zsh
config_error "admin needs a broker" "needs a broker" -- topics list
mkdir -p "$out/badmig" && echo '{"operations":[]}' >"$out/badmig/v001_x.json"
config_error "migration file errors name the file" "v001_x.json" -- migrate plan "$out/badmig" -b 127.0.0.1:1
echo '{"topics":[{"name":"a","partitions":0}]}' >"$out/topo.json"
config_error "topology file errors name file and key" "topo.json" "partitions" -- topics plan "$out/topo.json"
for c in topics groups migrate completion; do
  timeout 5 "$cli" $c --help >"$out/stdout" 2>"$out/err"; check "$c --help exits 0" $?
  grep -q "usage: kafka-actors $c" "$out/stdout"; check "$c --help prints usage" $?
done
timeout 5 "$cli" completion bash >"$out/completion.bash"; check "completion bash exits 0" $?
bash -n "$out/completion.bash"; check "completion script is valid bash" $?
( source "$out/completion.bash"; COMP_WORDS=(kafka-actors top); COMP_CWORD=1; _kafka_actors
  [[ ${COMPREPLY[*]} == topics ]] ); check "completion completes 'top' to topics" $?
( source "$out/completion.bash"; COMP_WORDS=(kafka-actors groups re); COMP_CWORD=2; _kafka_actors
  [[ ${COMPREPLY[*]} == reset ]] ); check "completion completes 'groups re' to reset" $?

# Attached values work end to end (kcat's -K: and -tname), on the embedded cluster.
printf 'k1:v1\nk2:v2\n' | timeout 60 "$cli" produce -tlines -K: >/dev/null 2>"$out/err"
check "produce -tlines -K: exits 0" $?
grep -q "2 records delivered" "$out/err"; check "produce -tlines -K: delivers 2" $?

# A partition the topic does not have is refused once, before any line is sent.
printf 'a\nb\n' | timeout 60 "$cli" produce -t lines -p 7 >/dev/null 2>"$out/err"; [[ $? -eq 1 ]]
check "produce -p beyond the topic exits 1" $?
grep -q "has 3 partitions (0..2); nothing was sent" "$out/err" && [[ $(wc -l <"$out/err") -eq 1 ]]
check "produce -p beyond the topic: one line naming the partitions" $?

echo "$pass passed, $fails failed"
[[ $fails -eq 0 ]]
