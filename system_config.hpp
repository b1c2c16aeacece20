#pragma once

// The CAF configuration every kafka-actors program starts from: our message types and error
// category registered, and as many scheduler workers as the machine has cores (CAF's default
// of at least 4 costs ~15 % on 2 cores, DESIGN §9). It registers the actors' protocol types,
// so it sits above the actors: runtime/ knows no actor.

#include <caf/actor_system_config.hpp>
#include <caf/error.hpp>

namespace kafka_actors {

struct node_tls;

class actor_system_config : public caf::actor_system_config {
public:
  actor_system_config();

  /// Loads CAF's middleman (BASP over TCP), which publish_node and connect_kafka_service
  /// (actors/node.hpp) need. Call it before the actor_system is constructed.
  actor_system_config& with_network();

  /// The middleman with TLS between nodes (actors/node.hpp, enable_node_tls): checks the
  /// files and names the one that cannot be used. Before the actor_system is constructed.
  caf::error with_tls(const node_tls& tls);

private:
  bool network_ = false;
};

} // namespace kafka_actors
