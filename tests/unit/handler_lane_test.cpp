#include "kafka_actors/actors/handler_lane.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "kafka_actors/runtime/errors.hpp"
#include "unit/caf_test_fixture.hpp"

using namespace kafka_actors;

namespace {

// Stands in for the consumer: records what the lane tells it.
struct fake_consumer_state {
  int64_t credit = 0;
  std::vector<uint64_t> acked;
  std::vector<std::pair<uint64_t, caf::error>> failed;
};

consumer_actor::behavior_type
fake_consumer(consumer_actor::stateful_pointer<fake_consumer_state> self) {
  return {
    [=](credit_atom, int64_t n) { self->state.credit += n; },
    [=](ack_atom, uint64_t id, int64_t n) {
      self->state.acked.push_back(id);
      self->state.credit += n;
    },
    [=](fail_atom, uint64_t id, caf::error& err) {
      self->state.failed.emplace_back(id, std::move(err));
    },
    [=](stop_atom) { return consumer_status{}; },
    [=](ready_atom) { return true; },
    [=](status_atom) { return consumer_status{}; },
    [=](poll_atom) {},
    [=](tick_atom) {},
  };
}

class handler_lane_test : public test::caf_fixture {
protected:
  fake_consumer_state& consumer_state(const consumer_actor& hdl) {
    return dynamic_cast<consumer_actor::stateful_base<fake_consumer_state>&>(
             *caf::actor_cast<caf::abstract_actor*>(hdl))
      .state;
  }
};

} // namespace

TEST_F(handler_lane_test, grants_credit_to_the_consumer_that_joins_and_acks_each_batch) {
  auto consumer = sys.spawn(fake_consumer);
  int batches = 0;
  auto cfg = std::make_shared<lane_config>();
  cfg->on_batch = [&](const record_batch&) -> caf::error {
    ++batches;
    return caf::none;
  };
  cfg->credit = 1000;
  auto lane = spawn_handler_lane(sys, false, cfg);
  run();
  EXPECT_EQ(consumer_state(consumer).credit, 0); // nobody joined yet
  caf::anon_send(lane, join_atom_v, consumer);
  run();
  EXPECT_EQ(consumer_state(consumer).credit, 1000);
  caf::anon_send(lane, std::make_shared<const record_batch>(7, std::vector<rd_kafka_message_s*>{}),
                 consumer);
  caf::anon_send(lane, std::make_shared<const record_batch>(8, std::vector<rd_kafka_message_s*>{}),
                 consumer);
  run();
  EXPECT_EQ(batches, 2);
  EXPECT_EQ(consumer_state(consumer).acked, (std::vector<uint64_t>{7, 8}));
  EXPECT_TRUE(consumer_state(consumer).failed.empty());
  caf::anon_send_exit(lane, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(consumer, caf::exit_reason::user_shutdown);
  run();
}

TEST_F(handler_lane_test, failing_handler_fails_the_batch_without_ack) {
  auto consumer = sys.spawn(fake_consumer);
  auto cfg = std::make_shared<lane_config>();
  cfg->on_batch = [](const record_batch&) -> caf::error {
    return make_error(errc::invalid_argument, "cannot parse");
  };
  cfg->credit = 10;
  auto lane = spawn_handler_lane(sys, false, cfg);
  caf::anon_send(lane, join_atom_v, consumer);
  caf::anon_send(lane, std::make_shared<const record_batch>(3, std::vector<rd_kafka_message_s*>{}),
                 consumer);
  run();
  auto& st = consumer_state(consumer);
  EXPECT_TRUE(st.acked.empty());
  ASSERT_EQ(st.failed.size(), 1u);
  EXPECT_EQ(st.failed[0].first, 3u);
  EXPECT_EQ(code_of(st.failed[0].second), errc::handler_failed);
  EXPECT_NE(describe(st.failed[0].second).find("cannot parse"), std::string::npos);
  EXPECT_EQ(st.credit, 10); // no credit back for a failed batch
  caf::anon_send_exit(lane, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(consumer, caf::exit_reason::user_shutdown);
  run();
}

TEST_F(handler_lane_test, exception_in_handler_becomes_an_error) {
  auto err = run_handler(record_batch{1, {}}, record_handler{},
                         batch_handler{[](const record_batch&) -> caf::error {
                           throw std::runtime_error("boom");
                         }});
  ASSERT_TRUE(err);
  EXPECT_NE(describe(err).find("boom"), std::string::npos) << describe(err);
}
