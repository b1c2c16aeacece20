// Faults injected into the embedded mock cluster: nothing may be lost.

#include "support/service_fixture.hpp"

using namespace kafka_actors;
using namespace kafka_actors::test;

namespace {

class fault_test : public service_fixture {};

constexpr int16_t produce_api = 0; // Kafka protocol API key of Produce
constexpr int16_t fetch_api = 1;

} // namespace

TEST_F(fault_test, broker_down_during_produce_then_back_delivers_everything) {
  start();
  auto topic = unique_topic("down");
  ASSERT_FALSE(create_topic(topic_config{topic, 3, 1, {}}));
  ASSERT_EQ(send(numbered(topic, "before", 0, 500)), 0u);
  ASSERT_FALSE(cluster->set_broker_down(1));
  ASSERT_FALSE(cluster->set_broker_down(2));
  (*self)->send(service, send_atom_v, numbered(topic, "during", 0, 1000));
  // Records for partitions led by the downed brokers stay in flight...
  ASSERT_TRUE(await([&] { return status().producer.in_flight_messages > 0; }));
  ASSERT_FALSE(cluster->set_broker_up(1));
  ASSERT_FALSE(cluster->set_broker_up(2));
  batch_report rep;
  (*self)->receive([&](batch_report& r) { rep = std::move(r); },
                   [&](caf::error& err) { FAIL() << describe(err); });
  EXPECT_EQ(rep.results.size(), 1000u);
  EXPECT_EQ(rep.failed(), 0u);
  collector got;
  stop_on_exit stopper{*this}; // first to go: the handlers use the locals above
  ASSERT_TRUE(subscribe(subscription{{topic}, "down-group", got.handler()}));
  ASSERT_TRUE(got.wait_for(1500));
  EXPECT_EQ(got.distinct(), 1500u);
  EXPECT_EQ(got.duplicates(), 0u); // idempotent producer: retries wrote no copies
}

TEST_F(fault_test, injected_produce_and_fetch_errors_are_retried_without_loss) {
  start();
  auto topic = unique_topic("inject");
  ASSERT_FALSE(create_topic(topic_config{topic, 3, 1, {}}));
  cluster->push_request_errors(produce_api, 5, 6);  // NOT_LEADER_OR_FOLLOWER
  cluster->push_request_errors(produce_api, 3, 7);  // REQUEST_TIMED_OUT
  ASSERT_EQ(send(numbered(topic, "e", 0, 3000)), 0u);
  cluster->push_request_errors(fetch_api, 5, 6);
  collector got;
  ASSERT_TRUE(subscribe(subscription{{topic}, "inject-group", got.handler()}));
  ASSERT_TRUE(got.wait_for(3000));
  EXPECT_EQ(got.distinct(), 3000u);
  EXPECT_EQ(got.duplicates(), 0u);
}
