#pragma once

// kafka_bench --lanes: the partition manager's lanes against today's single handler lane
// (slow handler on 12 partitions, key lanes on one partition, a fast handler's cost).

#include <caf/actor_system.hpp>

#include "paths.hpp"

namespace kafka_bench {

/// Runs the lanes measurements `reps` times (smaller counts with `quick`), prints each run and
/// a table of medians; returns 0, or 1 if a run failed.
int run_lanes_bench(caf::actor_system& sys, const kafka_actors::kafka_config& cfg, int reps,
                    bool quick);

} // namespace kafka_bench
