#pragma once

// kafka_bench --monitoring: what turning monitoring on costs the produce and consume paths
// through KafkaService, monitoring off against on in one run against one broker.

#include <cstddef>
#include <cstdint>

#include <caf/actor_system.hpp>

#include "kafka_actors/config/kafka_config.hpp"

namespace kafka_bench {

struct monitoring_options {
  /// Records of 100 B per run.
  int64_t count = 3000000;
  /// Pairs of runs (off, on) per path; the table shows medians.
  int reps = 3;
  int partitions = 3;
  /// Produce: 1000-record requests outstanding.
  size_t batches = 64;
};

/// Runs the pairs, prints every run and a table; returns 0, or 1 if a run failed, lost a
/// record or a scrape failed (an overhead over the target is a finding, not a failure).
int run_monitoring_bench(caf::actor_system& sys, const kafka_actors::kafka_config& cfg,
                         const monitoring_options& opts);

} // namespace kafka_bench
