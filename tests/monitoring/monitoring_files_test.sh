#!/usr/bin/env bash
# The monitoring files users copy: the Prometheus rules pass promtool's check and their unit
# tests (each alert fires after its `for`, not before, and resolves), the Grafana dashboard is
# JSON with panels, and every kafka_actors_ series either uses is one docs/METRICS.md lists.
set -euo pipefail
root=${1:?usage: monitoring_files_test.sh PROJECT_ROOT}
rules=$root/examples/prometheus/rules.yml
rules_test=$root/examples/prometheus/rules_test.yml
dashboard=$root/examples/grafana/kafka-actors.json
doc=$root/docs/METRICS.md
command -v promtool >/dev/null || { echo "promtool missing: apt-get install prometheus (scripts/install-deps)"; exit 1; }
command -v jq >/dev/null || { echo "jq missing: apt-get install jq (scripts/install-deps)"; exit 1; }

promtool check rules "$rules"
# promtool resolves rule_files relative to the test file's directory.
(cd "$(dirname "$rules_test")" && promtool test rules "$(basename "$rules_test")")

jq -e '.panels | map(select(.type != "row")) | length > 10' "$dashboard" >/dev/null \
  || { echo "$dashboard: not JSON, or fewer panels than expected"; exit 1; }
jq -e '[.panels[] | select(.type != "row") | .targets[].expr | length > 0] | all' "$dashboard" \
  >/dev/null || { echo "$dashboard: a panel without a query"; exit 1; }

missing=0
while read -r series; do
  name=${series#kafka_actors_}
  # Histograms are queried through their _bucket series.
  name=${name%_bucket}
  if ! grep -qE "\`${name}(\`|\{)" "$doc"; then
    echo "$series is used by the rules or the dashboard but docs/METRICS.md does not list it"
    missing=1
  fi
done < <(grep -ohE 'kafka_actors_[a-z_]+' "$rules" "$dashboard" | sort -u)
[[ $missing == 0 ]]
echo "monitoring files: rules, rule tests, dashboard and series names OK"
