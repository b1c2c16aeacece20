#pragma once

// One change to a cluster's topics: what a migration file lists and what reconciling a
// topology file plans.

#include <cstdint>
#include <map>
#include <string>

namespace kafka_actors {

struct topic_op {
  enum class kind { create_topic, delete_topic, add_partitions, alter_configs };
  kind k;
  std::string topic;
  /// create_topic: the count; add_partitions: the new total (Kafka grows to a total).
  int32_t partitions = -1;
  /// create_topic only; -1: the broker's default.replication.factor.
  int16_t replication = -1;
  /// create_topic: the topic's configs; alter_configs: the keys to set. Keys not listed
  /// keep their values, so an applier must use IncrementalAlterConfigs (SET), not the
  /// legacy AlterConfigs that resets every unlisted key to its default.
  std::map<std::string, std::string> configs;
};

bool operator==(const topic_op& x, const topic_op& y);
inline bool operator!=(const topic_op& x, const topic_op& y) {
  return !(x == y);
}

/// "create_topic", "delete_topic", "add_partitions", "alter_configs": the file's spelling.
const char* to_string(topic_op::kind k);

/// One line for a plan or a log, e.g. "create topic orders (6 partitions, replication 1,
/// cleanup.policy=delete)", "add partitions to orders (to 12)", "alter configs of orders:
/// retention.ms=86400000", "delete topic legacy".
std::string describe(const topic_op& op);

} // namespace kafka_actors
