#pragma once

// What to change on a cluster: reconcile() from a topology file's desired topics,
// plan_ops() for one migration. Pure: the caller describes the cluster (topic_state) and
// applies the ops.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <caf/expected.hpp>

#include "kafka_actors/runtime/topic_config.hpp"
#include "kafka_actors/topology/desired_topics.hpp"
#include "kafka_actors/topology/migration.hpp"
#include "kafka_actors/topology/topic_op.hpp"

namespace kafka_actors {

/// A topic as the cluster has it.
struct topic_state {
  std::string name;
  int32_t partitions = 0;
  /// -1 when unknown (a topic this plan itself creates with the broker's default).
  int16_t replication = -1;
  /// Only values set explicitly on the topic, not broker or static defaults: a desired
  /// value equal to a default still counts as a change (pinning it).
  std::map<std::string, std::string> configs;
};

/// The ops that make `actual` match `desired`, by topic name, per topic add_partitions
/// before alter_configs: creates missing topics, grows partition counts, sets configs
/// whose desired value differs (only keys listed in desired; unlisted configs are never
/// removed). Topics not desired are left alone. Desired replication -1 is not compared.
/// An error lists every topic that cannot be reconciled (fewer partitions than it has,
/// another replication factor, a name desired twice); an up-to-date cluster gives {}.
caf::expected<std::vector<topic_op>>
reconcile(const std::vector<topic_config>& desired,
          const std::map<std::string, topic_state>& actual);

/// What applying `m` now would change, so that applying it again after a partial run is
/// harmless. Skipped: create_topic of a topic that exists as this migration would leave it
/// at some step (the op's partition count or one a later add_partitions of the migration
/// grows it to; the op's replication unless either is -1; each of the op's configs at the
/// op's value or one a later alter_configs sets), add_partitions to a count the topic has
/// or exceeds, alter_configs whose values are all set (otherwise only the keys that differ
/// remain), delete_topic of a missing topic. Kept, for the applier to report: create_topic
/// of an existing topic that differs, add_partitions or alter_configs of a missing topic.
/// Each op sees the effect of the ones before it in the file.
std::vector<topic_op> plan_ops(const migration& m,
                               const std::map<std::string, topic_state>& actual);

/// `state` as it is after `op` ran: a plan of several migrations shows each one against what
/// the earlier ones leave.
void apply_effect(std::map<std::string, topic_state>& state, const topic_op& op);

} // namespace kafka_actors
