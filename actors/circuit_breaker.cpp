#include "kafka_actors/actors/circuit_breaker.hpp"

#include <chrono>

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "kafka_actors/runtime/errors.hpp"

namespace kafka_actors {

namespace {

struct breaker_actor_state {
  static inline const char* name = "kafka-circuit-breaker";
  breaker_state breaker;
  std::string label;
};

circuit_breaker_actor::behavior_type
breaker_impl(circuit_breaker_actor::stateful_pointer<breaker_actor_state> self,
             breaker_config cfg, std::string label) {
  self->state.breaker = breaker_state{cfg};
  self->state.label = std::move(label);
  auto status = [=] {
    auto now = self->clock().now();
    auto& b = self->state.breaker;
    breaker_status s;
    auto phase = b.phase(now);
    s.phase = to_string(phase);
    s.times_opened = b.times_opened();
    if (phase == breaker_phase::open)
      s.reopens_in_ms
        = std::chrono::duration_cast<std::chrono::milliseconds>(b.reopens_at() - now).count();
    return s;
  };
  return {
    [=](allow_atom) -> caf::result<bool> {
      auto& st = self->state;
      if (st.breaker.allow(self->clock().now()))
        return true;
      auto s = status();
      return make_error(errc::circuit_open, "breaker '" + st.label + "' is " + s.phase
                                              + (s.phase == "open"
                                                   ? ", probes in " + std::to_string(s.reopens_in_ms)
                                                       + " ms"
                                                   : ", probes in flight"));
    },
    [=](outcome_atom, bool ok) {
      auto now = self->clock().now();
      if (ok)
        self->state.breaker.on_success(now);
      else
        self->state.breaker.on_failure(now);
    },
    [=](status_atom) { return status(); },
  };
}

} // namespace

circuit_breaker_actor spawn_circuit_breaker(caf::actor_system& sys, breaker_config cfg,
                                            std::string name) {
  return sys.spawn(breaker_impl, cfg, std::move(name));
}

} // namespace kafka_actors
