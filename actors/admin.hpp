#pragma once

// Admin actor: topic creation, reachability checks and the Admin API (topics, configs,
// groups, committed offsets). librdkafka's admin calls wait for the
// broker, so this actor runs detached (a thread of its own) and never stalls the scheduler.
// On the embedded cluster it creates topics through the mock API, which has no CreateTopics.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/expected.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "kafka_actors/config/kafka_config.hpp"
#include "kafka_actors/config/topic_config.hpp"
#include "kafka_actors/runtime/admin_client.hpp"
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
  // The high watermark of each "topic[partition]", asked of the partition's leader (not the
  // cached value, which a paused partition stops refreshing). Partitions whose query failed
  // are left out; after the first failure the rest are not asked (the brokers are likely
  // away, and each query would wait connect_timeout).
  caf::replies_to<watermarks_atom, std::vector<std::string>>::with<std::map<std::string, int64_t>>,
  // The Admin API (runtime/admin_client.hpp has each call's contract). A real cluster only:
  // on the embedded one these fail with errc::invalid_config saying so.
  caf::replies_to<list_topics_atom, bool>::with<std::vector<std::string>>, // bool: internal too
  caf::replies_to<describe_topic_atom, std::string>::with<topic_description>,
  caf::replies_to<delete_topic_atom, std::string>::with<bool>,
  caf::replies_to<add_partitions_atom, std::string, int32_t>::with<bool>,
  caf::replies_to<alter_configs_atom, std::string,
                  std::map<std::string, std::string>>::with<bool>,
  caf::replies_to<list_groups_atom>::with<std::vector<group_listing>>,
  caf::replies_to<describe_group_atom, std::string>::with<group_description>,
  caf::replies_to<group_offsets_atom, std::string,
                  std::vector<std::string>>::with<std::vector<partition_offsets>>,
  caf::reacts_to<stop_atom>>;

/// `cluster` is the embedded cluster behind cfg, if any.
caf::expected<admin_actor> spawn_admin(caf::actor_system& sys, const kafka_config& cfg,
                                       std::shared_ptr<embedded_cluster> cluster);

} // namespace kafka_actors
