#pragma once

// A topology file: the topics a cluster should have, for reconcile() (topic_plan.hpp).
//   {"topics": [{"name": "orders", "partitions": 6, "replication": 1,
//                "configs": {"retention.ms": "86400000"}}, ...]}

#include <string>
#include <vector>

#include <caf/expected.hpp>

#include "kafka_actors/runtime/topic_config.hpp"

namespace kafka_actors {

/// The topics in file order. partitions is required (1..100000); replication 1..32 or
/// absent/-1 (the broker's default on create, not compared by reconcile); configs
/// optional. Errors (errc::invalid_config) name the file and the JSON path; duplicate
/// names and unknown keys are errors.
caf::expected<std::vector<topic_config>> load_desired_topics(const std::string& path);

} // namespace kafka_actors
