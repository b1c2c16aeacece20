#pragma once

// Shared plumbing of the kafka-actors CLI: argument scanning, config resolution, errors.

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <chrono>
#include <iostream>

#include <caf/actor_system.hpp>
#include <caf/expected.hpp>

#include "kafka_actors/config/kafka_config.hpp"
#include "kafka_actors/runtime/errors.hpp"
#include "kafka_actors/system_config.hpp"
#include "tools/args.hpp"

namespace kafka_actors::cli {

/// Resolves the config: --config FILE, then KAFKA_ACTORS_* variables, then -b.
caf::expected<kafka_config> load_config(const args& a);

/// Request timeout of the CLI's calls into KafkaService.
inline const auto call_timeout = std::chrono::seconds{120};

/// An actor system configured as kafka-actors wants it.
struct session {
  actor_system_config sys_cfg;
  caf::actor_system sys{sys_cfg};
};

/// Prints "kafka-actors CMD: <error>" to stderr; returns exit code 1.
inline int report(const char* cmd, const caf::error& err) {
  std::cerr << "kafka-actors " << cmd << ": " << describe(err) << "\n";
  return 1;
}

int quickstart(const std::vector<std::string>& argv);
int produce(const std::vector<std::string>& argv);
int consume(const std::vector<std::string>& argv);
int health(const std::vector<std::string>& argv);
int topics(const std::vector<std::string>& argv);
int groups(const std::vector<std::string>& argv);
int migrate(const std::vector<std::string>& argv);
int completion(const std::vector<std::string>& argv);
int node(const std::vector<std::string>& argv);

} // namespace kafka_actors::cli
