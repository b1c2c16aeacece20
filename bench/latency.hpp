#pragma once

// kafka_bench --latency: end-to-end latency (produce call -> handler) at a fixed rate, raw
// librdkafka against the actor API, in one run with the same kafka_config for both.

#include <cstdint>
#include <string>

#include <caf/actor_system.hpp>

#include "kafka_actors/config/kafka_config.hpp"

namespace kafka_bench {

struct latency_options {
  /// Records per second, paced in 1 ms slots.
  int64_t rate = 50000;
  int seconds = 20;
  int partitions = 3;
  /// Run the actor path before the raw one (the first path meets a broker fresher from its
  /// warm-up: this tells an order effect from a path's own).
  bool actor_first = false;
  /// Where latency.csv and the CDF files go; empty: nowhere.
  std::string out_dir;
};

/// Runs the raw path, then the actor path, prints each and a table; returns 0, or 1 if a path
/// failed or lost records (a p99 over the target is a finding, not a failure).
int run_latency_bench(caf::actor_system& sys, const kafka_actors::kafka_config& cfg,
                      const latency_options& opts);

} // namespace kafka_bench
