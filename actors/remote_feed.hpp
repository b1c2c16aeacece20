#pragma once

// The remote feed: the local handler of a consumer whose real handler is an actor that may
// live on another node (actors/remote_handler.hpp). It copies each record batch into a
// remote_batch at the moment it ships it (records revoked by then are left out), passes the
// handler's credit and acknowledgements on (runtime/remote_feed_flow keeps the books), and
// watches the handler: lost, its unacknowledged batches wait for the next handler attached;
// none within the deadline, the feed quits with an error saying so (KafkaService then stops
// the subscription and reports it failed).

#include <chrono>
#include <cstdint>
#include <string>

#include <caf/actor_system.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "kafka_actors/actors/consumer.hpp"
#include "kafka_actors/actors/remote_handler.hpp"
#include "kafka_actors/runtime/atoms.hpp"

namespace kafka_actors {

using remote_feed_bridge = handler_actor::extend_with<remote_feed_actor>::extend<
  // A handler takes the subscription over; errc::invalid_argument while one is attached.
  caf::replies_to<attach_atom, remote_handler_actor>::with<bool>,
  // Internal: the deadline of a handler loss came.
  caf::reacts_to<tick_atom, uint64_t>>;

/// Spawns a feed for `handler`. `name` says which subscription it serves, for errors.
remote_feed_bridge spawn_remote_feed(caf::actor_system& sys, remote_handler_actor handler,
                                     std::chrono::milliseconds handler_deadline,
                                     std::string name);

} // namespace kafka_actors
