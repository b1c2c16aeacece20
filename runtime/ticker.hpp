#pragma once

// Periodic `tick` messages that do not keep their receiver alive. CAF's own timers hold a
// strong reference to the receiver, so an actor that always has a timer armed can never
// become unreachable: dropping its last handle would leak it and hang the actor system's
// shutdown. The ticker holds only addresses and forgets an actor once it is gone.

#include <chrono>

#include <caf/actor_addr.hpp>

namespace kafka_actors {

/// Sends `tick_atom_v` to `who` every `period` until `unwatch_ticks` or until `who` is gone.
void watch_ticks(const caf::actor_addr& who, std::chrono::milliseconds period);

void unwatch_ticks(const caf::actor_addr& who);

} // namespace kafka_actors
