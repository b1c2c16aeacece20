#pragma once

// Admin actor: topic creation and reachability checks. librdkafka's admin calls wait for the
// broker, so this actor runs detached (a thread of its own) and never stalls the scheduler.
// On the embedded cluster it creates topics through the mock API, which has no CreateTopics.

#include <memory>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/expected.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "kafka_actors/config/kafka_config.hpp"
#include "kafka_actors/config/topic_config.hpp"
#include "kafka_actors/runtime/atoms.hpp"

namespace kafka_actors {

class embedded_cluster;

using admin_actor = caf::typed_actor<
  // Creates a topic; fails with errc::topic_already_exists when it is there.
  caf::replies_to<create_topic_atom, topic_config>::with<bool>,
  // Succeeds once a broker answered a metadata request within connect_timeout; fails with
  // errc::broker_unreachable naming the addresses tried otherwise. Replies with broker count.
  caf::replies_to<ping_atom>::with<int32_t>,
  // Total lag of `group` over every partition of `topics`: end offset minus committed offset
  // (a partition without a commit counts from its start).
  caf::replies_to<lag_atom, std::string, std::vector<std::string>>::with<int64_t>,
  caf::reacts_to<stop_atom>>;

/// `cluster` is the embedded cluster behind cfg, if any.
caf::expected<admin_actor> spawn_admin(caf::actor_system& sys, const kafka_config& cfg,
                                       std::shared_ptr<embedded_cluster> cluster);

} // namespace kafka_actors
