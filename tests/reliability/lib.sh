# Shared by the reliability scenarios (sourced, not run). Each scenario script takes
#   --short | --full      the CI version (default) or the long one (scripts/reliability --full)
#   --bin DIR             where ledger_check, rel_produce, rel_consume, ... were built
#   --figures FILE        writes its figures there as scenario.run.name=value lines
#   --work DIR            ledgers and logs (default: a fresh directory under /tmp, removed
#                         on success)
# and exits 0 when every safe run passed its figure, 1 when one did not, 2 on a setup error,
# 77 when there is no broker to run against (ctest reports a skip).

set -euo pipefail

REL_MODE=short
REL_BIN=""
REL_FIGURES=/dev/null
REL_WORK=""
REL_KEEP=0
REL_ARGS=()

rel_log() { echo "[$(date +%T)] ${REL_SCENARIO:-reliability}: $*" >&2; }
rel_die() { rel_log "error: $*"; exit 2; }

# Parses the common options; the rest stays in REL_ARGS for the scenario.
rel_parse() {
  while (($#)); do
    case $1 in
      --short) REL_MODE=short; shift ;;
      --full) REL_MODE=full; shift ;;
      --bin) REL_BIN=$2; shift 2 ;;
      --figures) REL_FIGURES=$2; shift 2 ;;
      --work) REL_WORK=$2; REL_KEEP=1; shift 2 ;;
      *) REL_ARGS+=("$1"); shift ;;
    esac
  done
  [[ -n $REL_BIN && -x $REL_BIN/ledger_check ]] || rel_die "--bin DIR must hold ledger_check (got '$REL_BIN')"
  if [[ -z $REL_WORK ]]; then
    REL_WORK=$(mktemp -d "/tmp/ka-rel-${REL_SCENARIO}-XXXXXX")
  fi
  mkdir -p "$REL_WORK"
  [[ $REL_FIGURES == /dev/null ]] || : >"$REL_FIGURES"
  rel_log "mode $REL_MODE, work dir $REL_WORK"
}

# The broker the scenario runs against; exit 77 (skip) without one.
rel_need_bootstrap() {
  if [[ -z ${KAFKA_ACTORS_BOOTSTRAP:-} ]]; then
    rel_log "no broker: run under scripts/kafka run -- ... (skipped)"
    exit 77
  fi
  REL_BOOTSTRAP=$KAFKA_ACTORS_BOOTSTRAP
  # Brokers in the cluster: replication of the topics the scenario creates.
  local n
  n=$(awk -F, '{print NF}' <<<"$REL_BOOTSTRAP")
  REL_REPLICATION=$((n >= 3 ? 3 : 1))
}

# Removes the work dir when the scenario passed and it was ours.
rel_cleanup() {
  local rc=$1
  if ((rc == 0 && REL_KEEP == 0)); then
    rm -rf "$REL_WORK"
  else
    rel_log "ledgers and logs kept in $REL_WORK"
  fi
}

# figure RUN NAME VALUE: one line scenario.run.name=value.
figure() { echo "$REL_SCENARIO.$1.$2=$3" >>"$REL_FIGURES"; }

# figures RUN FILE: every name=value line of FILE as figures of RUN.
figures() {
  local run=$1 file=$2 line
  while IFS= read -r line; do
    [[ $line == *=* ]] && figure "$run" "${line%%=*}" "${line#*=}"
  done <"$file"
  return 0
}

# value FILE NAME: the value of NAME in a name=value file (empty if absent).
value() { sed -n "s/^$2=//p" "$1" | tail -n 1; }

# Size in bytes of FILE (0 if it does not exist yet).
size_of() { stat -c %s "$1" 2>/dev/null || echo 0; }

# await SECONDS WHAT CMD...: re-checks CMD every 0.1 s until it succeeds; exit 1 naming WHAT
# after SECONDS.
await() {
  local limit=$1 what=$2 deadline
  shift 2
  deadline=$(($(date +%s) + limit))
  until "$@"; do
    if (($(date +%s) >= deadline)); then
      rel_log "timed out after ${limit}s waiting for $what"
      return 1
    fi
    sleep 0.1
  done
}

# grown FILE BYTES: true once FILE is at least BYTES long.
grown() { (($(size_of "$1") >= $2)); }

# alive PID: true while the process runs.
alive() { kill -0 "$1" 2>/dev/null; }

# check RUN PRODUCED CONSUMED [ledger_check options]: runs the checker, keeps its figures
# as RUN's, prints its findings; returns its exit code (0 clean, 1 violations, 2 bad input).
check() {
  local run=$1 produced=$2 consumed=$3 rc=0
  shift 3
  "$REL_BIN/ledger_check" --produced "$produced" --consumed "$consumed" "$@" \
    >"$REL_WORK/$run.check" 2>"$REL_WORK/$run.findings" || rc=$?
  figures "$run" "$REL_WORK/$run.check"
  sed "s/^/  /" "$REL_WORK/$run.findings" >&2
  rel_log "$run: $(tr '\n' ' ' <"$REL_WORK/$run.check")"
  ((rc != 2)) || rel_die "ledger_check could not read the ledgers of $run"
  return "$rc"
}
