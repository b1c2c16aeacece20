#include "kafka_actors/runtime/queue_waker.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "unit/caf_test_fixture.hpp"

using namespace kafka_actors;

namespace {

struct counter_state {
  int polls = 0;
};

caf::behavior poll_counter(caf::stateful_actor<counter_state>* self) {
  return {[=](poll_atom) { ++self->state.polls; }};
}

class queue_waker_test : public test::caf_fixture {};

} // namespace

TEST_F(queue_waker_test, coalesces_wakeups_until_the_actor_clears) {
  auto target = sys.spawn(poll_counter);
  queue_waker waker{target.address()};
  waker.wake();
  waker.wake();
  waker.wake();
  run();
  auto& st = dynamic_cast<caf::stateful_actor<counter_state>&>(
    *caf::actor_cast<caf::abstract_actor*>(target));
  EXPECT_EQ(st.state.polls, 1); // one mailbox message for three events
  waker.wake();
  run();
  EXPECT_EQ(st.state.polls, 1); // not cleared: the actor is still draining
  waker.clear();
  waker.wake();
  run();
  EXPECT_EQ(st.state.polls, 2);
  caf::anon_send_exit(target, caf::exit_reason::user_shutdown);
  run();
}
