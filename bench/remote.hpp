#pragma once

#include <cstdint>

#include <caf/actor_system.hpp>

#include "kafka_actors/config/kafka_config.hpp"

namespace kafka_bench {

/// Fills a topic of `partitions` with `records` 100-byte records, then reads it `reps` times
/// each through a local subscription (on_batch), a remote subscription of the same local
/// service (its feed without a wire) and a remote subscription of a `kafka-actors node`
/// child process; prints each run, the medians and remote / local. Returns 0, or 1 if a run
/// failed or lost records.
int run_remote_bench(caf::actor_system& sys, const kafka_actors::kafka_config& cfg,
                     int64_t records, int reps, int partitions);

} // namespace kafka_bench
