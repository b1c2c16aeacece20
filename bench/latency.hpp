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
  /// Raw/actor pairs, the order alternating from pair to pair; the verdict compares the
  /// medians of the pairs' p99s (one pair's tail moves 5-10x with the broker).
  int pairs = 1;
  /// A control: a thread that keeps this fraction of a core busy while the raw path runs, to
  /// see what CPU taken from the broker's two cores alone does to raw librdkafka's tail.
  double raw_burn = 0;
  /// Topics with message.timestamp.type=LogAppendTime: a record's timestamp is then the
  /// broker's append, so the split below is send -> append and append -> handler.
  bool append_time = false;
  /// "raw" or "actor": run that path only (e.g. under a profiler); empty: both.
  std::string only_path;
};

/// Runs the raw path, then the actor path, prints each and a table; returns 0, or 1 if a path
/// failed or lost records (a p99 over the target is a finding, not a failure).
int run_latency_bench(caf::actor_system& sys, const kafka_actors::kafka_config& cfg,
                      const latency_options& opts);

} // namespace kafka_bench
