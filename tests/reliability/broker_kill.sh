#!/usr/bin/env bash
# Scenario a: a real 3-broker cluster of its own (scripts/kafka start --brokers 3), a topic of
# replication 3 with min.insync.replicas=2, keyed records with per-key sequence numbers
# produced through KafkaService (send_messages_batch and send_message) while broker 1 is
# SIGKILLed and later restarted, then broker 2 is SIGSTOPped for a few seconds and SIGCONTed.
# Pass: 0 acknowledged records lost, 0 reordered per key, every record answered (acked or a
# failure reported to the caller). Then the unsafe run: acks=1 without idempotence, a
# partition leader SIGKILLed under load (--full: restarted, then another one): the checker
# should report loss (likely, not certain: the figures say whether it happened).
#
#   broker_kill.sh --bin DIR --kafka scripts/kafka [--port-base 27600] [--short|--full]
#                  [--figures FILE] [--work DIR]
#
# Runs when $KAFKA_ACTORS_BOOTSTRAP is set (a Kafka-enabled test run) or REL_OWN_CLUSTER=1;
# else exits 77 (skipped). Its cluster uses its own state dir (under the work dir) and ports
# BASE..BASE+5, never the default broker's.
REL_SCENARIO=broker_kill
# shellcheck source=tests/reliability/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
rel_parse "$@"
KAFKA=""
PORT_BASE=27600
set -- "${REL_ARGS[@]+"${REL_ARGS[@]}"}"
while (($#)); do
  case $1 in
    --kafka) KAFKA=$2; shift 2 ;;
    --port-base) PORT_BASE=$2; shift 2 ;;
    *) rel_die "unknown option '$1'" ;;
  esac
done
[[ -x $KAFKA ]] || rel_die "--kafka must name scripts/kafka (got '$KAFKA')"
if [[ -z ${KAFKA_ACTORS_BOOTSTRAP:-} && ${REL_OWN_CLUSTER:-0} != 1 ]]; then
  rel_log "not a Kafka-enabled run (no KAFKA_ACTORS_BOOTSTRAP, no REL_OWN_CLUSTER=1): skipped"
  exit 77
fi
unset KAFKA_ACTORS_BOOTSTRAP
export KAFKA_ACTORS_STATE=$REL_WORK/kafka KAFKA_ACTORS_PORT_BASE=$PORT_BASE

if [[ $REL_MODE == full ]]; then
  RATE=10000 WARM=60000 DOWN=100000 AFTER=60000 PAUSE_S=12 UNSAFE_WARM=100000 UNSAFE_AFTER=60000
  UNSAFE_KILLS=2
else
  RATE=5000 WARM=10000 DOWN=15000 AFTER=10000 PAUSE_S=5 UNSAFE_WARM=20000 UNSAFE_AFTER=20000
  UNSAFE_KILLS=1
fi
PARTITIONS=12
KEYS=200

kafka() { "$KAFKA" "$@" 2>>"$REL_WORK/kafka.log"; }
PRODUCER=""
finish() {
  local rc=$?
  [[ -n $PRODUCER ]] && alive "$PRODUCER" && kill "$PRODUCER" 2>/dev/null
  kafka stop >/dev/null || true
  rel_cleanup "$rc"
}
trap finish EXIT

lines() { if [[ -f $1 ]]; then wc -l <"$1"; else echo 0; fi; }
has_lines() { (($(lines "$1") >= $2)); }
# progress FILE N WHAT: waits until FILE has N more lines than now (the producer goes on).
progress() {
  local target=$(($(lines "$1") + $2))
  await 300 "$3 ($2 more answers)" has_lines "$1" "$target"
}

# broker_back I: broker I answers a metadata request that lists all three brokers.
broker_back() {
  timeout 10 kcat -b "127.0.0.1:$((PORT_BASE + 2 * ($1 - 1)))" -L -m 5 2>/dev/null | grep -Eq '^ *3 brokers:'
}
# restart I: restart-broker, which gives up after 60 s; a broker recovering its logs on a
# loaded machine can take longer, so wait on for it.
restart() {
  kafka restart-broker "$1" && return 0
  await 300 "broker $1 to answer again" broker_back "$1" || rel_die "broker $1 did not come back"
}

bs=$(kafka start --brokers 3 | tail -n 1)
[[ -n $bs ]] || rel_die "the cluster did not start (see $REL_WORK/kafka.log)"
rel_log "cluster at $bs"
figure params brokers 3
figure params partitions $PARTITIONS
figure params keys $KEYS

# produce RUN TOPIC RATE [-X ...]: starts the producer in the background (PRODUCER).
produce() {
  local run=$1 topic=$2 rate=$3
  shift 3
  rm -f "$REL_WORK/$run.stop"
  "$REL_BIN/rel_produce" -b "$bs" -t "$topic" --ledger "$REL_WORK/$run.produced" \
    --stop-file "$REL_WORK/$run.stop" --rate "$rate" --keys $KEYS \
    --partitions $PARTITIONS --replication 3 -C min.insync.replicas=2 "$@" \
    >"$REL_WORK/$run.produce" 2>"$REL_WORK/$run.produce.err" &
  PRODUCER=$!
}

# finish_producing RUN: stops the producer, waits for every answer, keeps its figures.
finish_producing() {
  local run=$1 rc=0
  touch "$REL_WORK/$run.stop"
  wait "$PRODUCER" || rc=$?
  PRODUCER=""
  ((rc == 0)) || { cat "$REL_WORK/$run.produce.err" >&2; rel_die "rel_produce of $run exited $rc"; }
  figures "$run.producer" "$REL_WORK/$run.produce"
}

# read_back RUN TOPIC: consumes the topic in a fresh group until its lag is 0.
read_back() {
  local run=$1 topic=$2
  "$REL_BIN/rel_consume" -b "$bs" -t "$topic" -G "$run-reader" --ledger "$REL_WORK/$run.consumed" \
    --batch-size 500 --in-flight 4000 --drain --max-seconds 300 \
    >"$REL_WORK/$run.consume" 2>"$REL_WORK/$run.consume.err" \
    || { cat "$REL_WORK/$run.consume.err" >&2; rel_die "reading $topic back failed"; }
}

# --- safe: acks=all, idempotent, replication 3, min.insync.replicas=2 ------------------------
rel_log "safe run: $RATE records/s, broker 1 SIGKILLed, then broker 2 SIGSTOPped ${PAUSE_S}s"
produce safe "rel-safe-$$" "$RATE"
await 120 "the first $WARM answers" has_lines "$REL_WORK/safe.produced" "$WARM"
rel_log "SIGKILL broker 1"
kafka kill-broker 1
progress "$REL_WORK/safe.produced" "$DOWN" "producing with broker 1 dead"
rel_log "restarting broker 1"
restart 1
rel_log "broker 1 is back"
progress "$REL_WORK/safe.produced" "$AFTER" "producing after broker 1 came back"
rel_log "SIGSTOP broker 2 for ${PAUSE_S}s"
kafka pause-broker 2
sleep "$PAUSE_S" # the fault's duration: broker 2 hangs this long
kafka resume-broker 2
rel_log "SIGCONT broker 2"
progress "$REL_WORK/safe.produced" "$AFTER" "producing after broker 2 resumed"
finish_producing safe
rel_log "reading the topic back"
read_back safe "rel-safe-$$"
safe_rc=0
check safe "$REL_WORK/safe.produced" "$REL_WORK/safe.consumed" || safe_rc=$?
figure safe kills 1
figure safe pauses 1
figure safe pause_s "$PAUSE_S"
figure safe rate "$RATE"
figure safe pass $((safe_rc == 0 ? 1 : 0))

# --- unsafe: acks=1, no idempotence, a leader killed (--full: twice) ------------------------
# acks=1 loses what a leader acknowledged and no follower had fetched when it died: a window
# of milliseconds, so one kill may lose nothing. --full restarts the broker and kills another
# leader for a second chance (never two brokers down at once: the three are also the KRaft
# controller quorum, which two dead brokers would break).
produce unsafe "rel-unsafe-$$" 0 -X acks=1 -X enable.idempotence=false
await 120 "the first $UNSAFE_WARM answers" has_lines "$REL_WORK/unsafe.produced" "$UNSAFE_WARM"
# live_leader: the broker leading the lowest-numbered partition whose leader was not killed.
live_leader() {
  kafka topics --describe --topic "rel-unsafe-$$" \
    | awk -v dead=" ${killed[*]-} " '/Partition: [0-9]+\t/ {
        for (i = 1; i <= NF; i++) if ($i == "Leader:" && index(dead, " " $(i + 1) " ") == 0) { print $(i + 1); exit }
      }'
}
killed=()
for ((round = 1; round <= UNSAFE_KILLS; round++)); do
  leader=$(live_leader)
  [[ $leader =~ ^[1-3]$ ]] || rel_die "no live leader found (got '$leader')"
  rel_log "unsafe run: acks=1, no idempotence, as fast as it goes; SIGKILL broker $leader (a leader, kill $round of $UNSAFE_KILLS)"
  kafka kill-broker "$leader"
  killed+=("$leader")
  progress "$REL_WORK/unsafe.produced" "$UNSAFE_AFTER" "producing with broker $leader dead"
  if ((round < UNSAFE_KILLS)); then
    restart "$leader"
    progress "$REL_WORK/unsafe.produced" "$UNSAFE_AFTER" "producing after broker $leader came back"
  fi
done
finish_producing unsafe
# Read back with the last killed broker still down: its partitions have new leaders
# (followers that may lack what it acknowledged last); a restart would only truncate its log
# to theirs.
read_back unsafe "rel-unsafe-$$"
unsafe_rc=0
check unsafe "$REL_WORK/unsafe.produced" "$REL_WORK/unsafe.consumed" || unsafe_rc=$?
lost=$(value "$REL_WORK/unsafe.check" lost)
figure unsafe kills "${#killed[@]}"
figure unsafe killed_leader "${killed[*]}"
figure unsafe loss_detected $((lost > 0 ? 1 : 0))
if ((lost > 0)); then
  rel_log "unsafe run: the checker caught $lost acknowledged records lost"
else
  rel_log "unsafe run: no loss happened this time (acks=1 loses only what the followers had not fetched yet)"
fi

((safe_rc == 0)) || { rel_log "FAILED: the safe run lost, reordered or left records unanswered"; exit 1; }
rel_log "passed"
