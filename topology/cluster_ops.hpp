#pragma once

// The bridge from plans (topic_op, pure) to a cluster (admin_client): what the cluster has
// for the topics a plan names, and carrying out one op.

#include <map>
#include <string>
#include <vector>

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include "kafka_actors/runtime/admin_client.hpp"
#include "kafka_actors/topology/topic_op.hpp"
#include "kafka_actors/topology/topic_plan.hpp"

namespace kafka_actors {

/// The state of each of `topics` that exists; a missing topic is simply absent.
caf::expected<std::map<std::string, topic_state>>
cluster_state(admin_client& admin, const std::vector<std::string>& topics);

/// Carries out `op`. A create of an existing topic that differs from the op is an error
/// (plan_ops keeps it for exactly that report).
caf::error execute(admin_client& admin, const topic_op& op);

} // namespace kafka_actors
