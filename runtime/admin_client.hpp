#pragma once

// Blocking calls of librdkafka's Admin API and metadata: topics, configs, groups, offsets.
// A plain class (no actor): the admin actor runs it on a thread of its own, the CLI calls it
// directly. Every call waits at most the config's connect timeout for an answer; every error
// names the topic, group or partition and the broker's words.

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <caf/meta/type_name.hpp>

#include "kafka_actors/config/kafka_config.hpp"
#include "kafka_actors/runtime/rdkafka_handles.hpp"
#include "kafka_actors/runtime/topic_config.hpp"

namespace kafka_actors {

struct partition_info {
  int32_t id = 0;
  int32_t leader = -1;
  std::vector<int32_t> replicas;
  std::vector<int32_t> isr;
};

struct topic_description {
  std::string name;
  std::vector<partition_info> partitions; // by id
  /// Configs set on the topic itself (DescribeConfigs source DYNAMIC_TOPIC_CONFIG), not
  /// broker or static defaults.
  std::map<std::string, std::string> configs;
  /// Replicas of partition 0, 0 without partitions.
  int16_t replication() const {
    return partitions.empty() ? 0 : static_cast<int16_t>(partitions.front().replicas.size());
  }
};

struct group_listing {
  std::string group;
  std::string state; // librdkafka's name: Stable, Empty, Dead, PreparingRebalance, ...
  bool simple = false;
};

struct group_member {
  std::string member_id;
  std::string client_id;
  std::string host;
  std::vector<std::pair<std::string, int32_t>> assignment; // topic, partition
};

struct group_description {
  std::string group;
  std::string state;
  std::string assignor;
  int32_t coordinator = -1;
  std::vector<group_member> members;
};

struct partition_offsets {
  std::string topic;
  int32_t partition = 0;
  int64_t committed = -1; // -1: the group committed nothing here
  int64_t low = 0;        // log start offset
  int64_t high = 0;       // end offset (high watermark)
  /// high - committed, or high - low without a commit; never negative.
  int64_t lag() const;
};

/// Where `reset_offsets` moves a group.
struct offset_reset {
  enum class kind { earliest, latest, to_offset, to_timestamp, shift };
  kind k = kind::earliest;
  /// The offset (to_offset), milliseconds since the epoch (to_timestamp) or the signed
  /// shift (shift).
  int64_t value = 0;
};

struct planned_offset {
  std::string topic;
  int32_t partition = 0;
  int64_t current = -1; // committed now, -1 without a commit
  int64_t target = 0;   // clamped to low..high
};

// For the admin actor's replies.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, partition_info& x) {
  return f(caf::meta::type_name("kafka_actors::partition_info"), x.id, x.leader, x.replicas,
           x.isr);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, topic_description& x) {
  return f(caf::meta::type_name("kafka_actors::topic_description"), x.name, x.partitions,
           x.configs);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, group_listing& x) {
  return f(caf::meta::type_name("kafka_actors::group_listing"), x.group, x.state, x.simple);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, group_member& x) {
  return f(caf::meta::type_name("kafka_actors::group_member"), x.member_id, x.client_id,
           x.host, x.assignment);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, group_description& x) {
  return f(caf::meta::type_name("kafka_actors::group_description"), x.group, x.state,
           x.assignor, x.coordinator, x.members);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, partition_offsets& x) {
  return f(caf::meta::type_name("kafka_actors::partition_offsets"), x.topic, x.partition,
           x.committed, x.low, x.high);
}
class admin_client {
public:
  /// Connects to cfg.bootstrap_servers (a real cluster: the embedded one has no Admin API
  /// worth the name, so an embedded config is errc::invalid_config saying so) and checks a
  /// broker answers within cfg.connect_timeout (errc::broker_unreachable otherwise).
  static caf::expected<admin_client> connect(const kafka_config& cfg);

  int32_t broker_count() const {
    return brokers_;
  }

  /// Topic names, sorted; internal ones (__consumer_offsets, ...) only when asked.
  caf::expected<std::vector<std::string>> list_topics(bool internal = false);
  /// errc::invalid_topic naming it when the topic does not exist.
  caf::expected<topic_description> describe_topic(const std::string& topic);
  /// errc::topic_already_exists when it is there. replication_factor -1: the broker's default.
  caf::error create_topic(const topic_config& cfg);
  /// errc::invalid_topic when it does not exist.
  caf::error delete_topic(const std::string& topic);
  /// Grows the topic to `total` partitions; fewer than it has is errc::invalid_argument.
  caf::error add_partitions(const std::string& topic, int32_t total);
  /// Sets `set` on the topic and keeps its other topic-level configs: librdkafka 2.0.2 has
  /// only the legacy AlterConfigs, which resets every config it is not given, so the current
  /// ones are read first and sent along.
  caf::error alter_configs(const std::string& topic, const std::map<std::string, std::string>& set);

  caf::expected<std::vector<group_listing>> list_groups();
  /// A group that does not exist comes back with state "Dead" and no members.
  caf::expected<group_description> describe_group(const std::string& group);
  /// Committed offsets, log start and end per partition of `topics`, or of every topic the
  /// group has committed to when `topics` is empty; sorted by topic, partition.
  caf::expected<std::vector<partition_offsets>>
  group_offsets(const std::string& group, const std::vector<std::string>& topics);
  /// What a reset of `group` on `topics` (every committed topic when empty) would commit;
  /// commits it only when `execute`. Refused (errc::invalid_argument naming the members)
  /// unless the group has no active members (state Empty or Dead).
  caf::expected<std::vector<planned_offset>>
  reset_offsets(const std::string& group, const std::vector<std::string>& topics,
                offset_reset to, bool execute);
  /// Deletes the records of topic[partition] before `offset` (-1: all, up to the end).
  /// Returns the new log start offset.
  caf::expected<int64_t> delete_records(const std::string& topic, int32_t partition,
                                        int64_t offset);

private:
  admin_client() = default;

  kafka_config cfg_;
  client_ptr rk_;
  int32_t brokers_ = 0;
};

} // namespace kafka_actors
