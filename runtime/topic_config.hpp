#pragma once

// The topic model (the seed's TopicConfig): what create_topic creates.

#include <cstdint>
#include <map>
#include <string>

#include <caf/error.hpp>
#include <caf/meta/type_name.hpp>

namespace kafka_actors {

/// What `create_topic` creates.
struct topic_config {
  std::string name;
  int32_t partitions = 1;
  int16_t replication_factor = 1;
  /// Topic-level configs, e.g. {"cleanup.policy", "compact"}.
  std::map<std::string, std::string> configs;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, topic_config& x) {
  return f(caf::meta::type_name("kafka_actors::topic_config"), x.name,
           x.partitions, x.replication_factor, x.configs);
}

/// Checks a name against Kafka's rules (1..249 chars of [a-zA-Z0-9._-], not "." or "..").
/// The error names the topic and the broken rule.
caf::error validate_topic_name(const std::string& name);

/// Checks name, partition count and replication factor.
caf::error validate(const topic_config& cfg);

} // namespace kafka_actors
