#pragma once

// kafka_bench --scaling: consume throughput of the actor API over partitions (1, 3, 12) and
// members of one consumer group (1, 2, 3).

#include <cstdint>
#include <string>

#include <caf/actor_system.hpp>

#include "kafka_actors/config/kafka_config.hpp"

namespace kafka_bench {

/// Fills one topic of `records` 100-byte records per partition count, reads each with every
/// member count, prints each run and a table, writes scaling.csv into `out_dir` unless empty.
/// Returns 0, or 1 if a run failed or lost records.
int run_scaling_bench(caf::actor_system& sys, const kafka_actors::kafka_config& cfg,
                      int64_t records, const std::string& out_dir);

} // namespace kafka_bench
