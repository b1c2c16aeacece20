// The breaker actor on CAF's deterministic test coordinator: time moves only when the test
// advances the actor clock.

#include "kafka_actors/actors/circuit_breaker.hpp"

#include <caf/event_based_actor.hpp>

#include "kafka_actors/runtime/errors.hpp"
#include "unit/caf_test_fixture.hpp"

using namespace kafka_actors;
using namespace std::chrono_literals;

namespace {

class circuit_breaker_test : public test::caf_fixture {
protected:
  // Asks `allow` and runs the system until the answer is in.
  caf::expected<bool> allow(const circuit_breaker_actor& b) {
    caf::expected<bool> result{false};
    auto asker = sys.spawn([&, b](caf::event_based_actor* self) {
      self->request(b, caf::infinite, allow_atom_v)
        .then([&](bool x) { result = x; }, [&](caf::error& e) { result = std::move(e); });
    });
    run();
    return result;
  }

  breaker_status status(const circuit_breaker_actor& b) {
    breaker_status out;
    sys.spawn([&, b](caf::event_based_actor* self) {
      self->request(b, caf::infinite, status_atom_v).then([&](breaker_status& s) {
        out = std::move(s);
      });
    });
    run();
    return out;
  }
};

} // namespace

TEST_F(circuit_breaker_test, opens_fails_fast_then_probes_and_closes) {
  auto b = spawn_circuit_breaker(sys, breaker_config{3, 1.0, 10, 2000ms, 2}, "payments");
  run();
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(allow(b));
    caf::anon_send(b, outcome_atom_v, false);
    run();
  }
  auto denied = allow(b);
  ASSERT_FALSE(denied);
  EXPECT_EQ(code_of(denied.error()), errc::circuit_open);
  EXPECT_NE(describe(denied.error()).find("payments"), std::string::npos);
  EXPECT_EQ(status(b).phase, "open");
  EXPECT_EQ(status(b).reopens_in_ms, 2000);
  sched.clock().advance_time(1999ms);
  EXPECT_FALSE(allow(b));
  sched.clock().advance_time(1ms);
  EXPECT_EQ(status(b).phase, "half_open");
  EXPECT_TRUE(allow(b)); // two probes
  EXPECT_TRUE(allow(b));
  EXPECT_FALSE(allow(b));
  caf::anon_send(b, outcome_atom_v, true);
  caf::anon_send(b, outcome_atom_v, true);
  run();
  EXPECT_EQ(status(b).phase, "closed");
  EXPECT_EQ(status(b).times_opened, 1u);
  caf::anon_send_exit(b, caf::exit_reason::user_shutdown);
  run();
}
