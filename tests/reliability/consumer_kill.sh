#!/usr/bin/env bash
# Scenario b: a consumer process (rel_consume: KafkaService, a batch handler that writes each
# record to the consumed ledger as it handles it) SIGKILLed mid-batch again and again while
# it works through a backlog in a group, restarted each time (a static group.instance.id, so
# the new process takes the old one's partitions at once instead of after a session
# timeout); a last run reads until the group's lag is 0.
# Pass: 0 lost, and no process re-read more than the in-flight cap (flow.consumer.max.in.flight;
# the short run: the cap plus 2 s of handling, see DUP_BOUND)
# of records an earlier one had handled. Then the unsafe run: rel_raw_consume (offsets
# stored at poll and auto-committed before handling), killed the same way: the checker
# should report the records it committed but never handled.
#
#   consumer_kill.sh --bin DIR [--short|--full] [--figures FILE] [--work DIR]
#
# Runs against $KAFKA_ACTORS_BOOTSTRAP; exits 77 (skipped) without it.
REL_SCENARIO=consumer_kill
# shellcheck source=tests/reliability/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
rel_parse "$@"
((${#REL_ARGS[@]} == 0)) || rel_die "unknown option '${REL_ARGS[0]}'"
rel_need_bootstrap

PARTITIONS=6
IN_FLIGHT=1000   # flow.consumer.max.in.flight: the bound on what one kill may cost
BATCH=100        # flow.consumer.batch.size
COMMIT_MS=100    # auto.commit.interval.ms of the stored (handled) offsets
PER_RECORD_US=200
# A kill costs what was in flight plus what was handled since the last commit that landed.
# On a quiet machine commits land every COMMIT_MS (the full run: at most 317 re-read per kill);
# under CI's load a commit can take seconds (CI once re-read 6,928, 0 lost), so the short run
# bounds re-reads at the cap plus 2 s of handling, and the full run at the cap alone.
if [[ $REL_MODE == full ]]; then
  BACKLOG=200000 KILLS=20 UNSAFE_KILLS=5
  DUP_BOUND=$IN_FLIGHT
else
  BACKLOG=40000 KILLS=6 UNSAFE_KILLS=3
  DUP_BOUND=$((IN_FLIGHT + 2000000 / PER_RECORD_US))
fi
topic="rel-ckill-$$"

CONSUMER=""
finish() {
  local rc=$?
  [[ -n $CONSUMER ]] && alive "$CONSUMER" && kill -KILL "$CONSUMER" 2>/dev/null
  rel_cleanup "$rc"
}
trap finish EXIT

rel_log "backlog: $BACKLOG records on $topic ($PARTITIONS partitions, replication $REL_REPLICATION)"
"$REL_BIN/rel_produce" -b "$REL_BOOTSTRAP" -t "$topic" --ledger "$REL_WORK/produced" \
  --records "$BACKLOG" --rate 0 --partitions $PARTITIONS --replication "$REL_REPLICATION" \
  >"$REL_WORK/produce" 2>"$REL_WORK/produce.err" \
  || { cat "$REL_WORK/produce.err" >&2; rel_die "producing the backlog failed"; }
figures producer "$REL_WORK/produce"

# The last "# batch" or "# done" line of a consumed ledger: "batch" means the process died
# while handling a batch.
last_marker() { tail -c 262144 "$1" | grep -E '^# (batch|done) ' | tail -n 1 | cut -d' ' -f2; }

# lag GROUP: the group's lag on the topic (end minus committed offsets).
lag() { "$REL_BIN/rel_lag" -b "$REL_BOOTSTRAP" -G "$1" -t "$topic" 2>/dev/null; }
# lag_now GROUP: as lag, retried for a minute (a fresh cluster creates its offsets topic on
# a group's first use, and has no coordinator to answer until then).
lag_now() {
  local deadline=$(($(date +%s) + 60))
  until lag "$1"; do
    (($(date +%s) < deadline)) || return 1
    sleep 0.5
  done
}

# committed_below GROUP LAG: true once GROUP committed past LAG (its lag fell below it).
committed_below() {
  local now
  now=$(lag "$1") || return 1
  ((now < $2))
}

# kill_cycles RUN KILLS GROUP CMD...: starts CMD (a consumer in GROUP writing
# $REL_WORK/RUN.consumed) KILLS times, each time SIGKILLing it once it handled a few thousand
# more records and the group committed something since it started: a process killed before
# its first commit landed (a fresh group, a group coordinator still loading on a fresh
# cluster) costs everything it read, not the in-flight window the pass figure bounds.
kill_cycles() {
  local run=$1 kills=$2 group=$3 k grow before lag0 mid=0
  shift 3
  for ((k = 1; k <= kills; k++)); do
    before=$(size_of "$REL_WORK/$run.consumed")
    lag0=$(lag_now "$group") || rel_die "no lag for $group within a minute"
    # 1,000 to 4,000 records' worth of lines (about 36 bytes each), varied from kill to kill.
    grow=$(((1000 + (k * 1637) % 3000) * 36))
    "$@" >>"$REL_WORK/$run.runs" 2>>"$REL_WORK/$run.err" &
    CONSUMER=$!
    await 120 "$run consumer $k to handle more records" grown "$REL_WORK/$run.consumed" \
      $((before + grow)) || rel_die "$run consumer $k made no progress (see $REL_WORK/$run.err)"
    await 60 "a commit of $group by consumer $k" committed_below "$group" "$lag0" \
      || rel_die "$run consumer $k never committed"
    kill -KILL "$CONSUMER"
    wait "$CONSUMER" 2>/dev/null || true
    CONSUMER=""
    [[ $(last_marker "$REL_WORK/$run.consumed") == batch ]] && mid=$((mid + 1))
  done
  figure "$run" kills "$kills"
  figure "$run" kills_mid_batch "$mid"
  rel_log "$run: $kills kills, $mid of them mid-batch"
}

# --- safe: rel_consume (KafkaService, offsets stored after the handler) ----------------------
safe_consumer=("$REL_BIN/rel_consume" -b "$REL_BOOTSTRAP" -t "$topic" -G "$topic-safe"
  --ledger "$REL_WORK/safe.consumed" --instance-id "$topic-safe-1" --batch-size $BATCH
  --in-flight $IN_FLIGHT --commit-ms $COMMIT_MS --per-record-us $PER_RECORD_US)
kill_cycles safe "$KILLS" "$topic-safe" "${safe_consumer[@]}"
rel_log "safe: last run, until the group's lag is 0"
"${safe_consumer[@]}" --drain --max-seconds 600 --per-record-us 0 >"$REL_WORK/safe.final" \
  2>>"$REL_WORK/safe.err" || { cat "$REL_WORK/safe.err" >&2; rel_die "the last safe run failed"; }
figures safe.final "$REL_WORK/safe.final"
safe_rc=0
check safe "$REL_WORK/produced" "$REL_WORK/safe.consumed" \
  --max-segment-duplicates $DUP_BOUND || safe_rc=$?
figure safe in_flight_cap $IN_FLIGHT
figure safe batch_size $BATCH
figure safe commit_ms $COMMIT_MS
figure safe pass $((safe_rc == 0 ? 1 : 0))

# --- unsafe: rel_raw_consume (offsets stored at poll, auto-committed before handling) --------
unsafe_consumer=("$REL_BIN/rel_raw_consume" -b "$REL_BOOTSTRAP" -t "$topic" -G "$topic-unsafe"
  --ledger "$REL_WORK/unsafe.consumed" --instance-id "$topic-unsafe-1" --buffer $IN_FLIGHT
  --commit-ms 50 --per-record-us $PER_RECORD_US)
kill_cycles unsafe "$UNSAFE_KILLS" "$topic-unsafe" "${unsafe_consumer[@]}"
"${unsafe_consumer[@]}" --drain --max-seconds 600 --per-record-us 0 >"$REL_WORK/unsafe.final" \
  2>>"$REL_WORK/unsafe.err" || { cat "$REL_WORK/unsafe.err" >&2; rel_die "the last unsafe run failed"; }
unsafe_rc=0
check unsafe "$REL_WORK/produced" "$REL_WORK/unsafe.consumed" || unsafe_rc=$?
lost=$(value "$REL_WORK/unsafe.check" lost)
figure unsafe loss_detected $((lost > 0 ? 1 : 0))
rel_log "unsafe run: the checker reports $lost records lost"

((safe_rc == 0)) || { rel_log "FAILED: the safe run lost records or re-read more than $DUP_BOUND after a kill"; exit 1; }
rel_log "passed"
