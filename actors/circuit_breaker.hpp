#pragma once

// A circuit breaker as an actor, for a dependency shared by several actors (a database, an
// HTTP service). Callers ask `allow` before a call and report its `outcome`. Time comes from
// the actor clock, so CAF's test coordinator drives it deterministically. Producers and handler
// lanes embed the same state machine (runtime/breaker_state.hpp) without a message per call.

#include <cstdint>
#include <string>

#include <caf/actor_system.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "kafka_actors/runtime/atoms.hpp"
#include "kafka_actors/runtime/breaker_state.hpp"

namespace kafka_actors {

struct breaker_status {
  /// "closed", "open" or "half_open".
  std::string phase;
  uint64_t times_opened = 0;
  /// Until an open breaker lets probes through.
  int64_t reopens_in_ms = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, breaker_status& x) {
  return f(caf::meta::type_name("kafka_actors::breaker_status"), x.phase, x.times_opened,
           x.reopens_in_ms);
}

using circuit_breaker_actor = caf::typed_actor<
  // true when the call may go; errc::circuit_open (with the time left) when it may not.
  caf::replies_to<allow_atom>::with<bool>,
  // The outcome of an allowed call: true for success.
  caf::reacts_to<outcome_atom, bool>,
  caf::replies_to<status_atom>::with<breaker_status>>;

circuit_breaker_actor spawn_circuit_breaker(caf::actor_system& sys, breaker_config cfg,
                                            std::string name);

} // namespace kafka_actors
