// The consumer on the embedded mock cluster: commits, restarts, credit and pausing.

#include "support/gate.hpp"
#include "support/service_fixture.hpp"

using namespace kafka_actors;
using namespace kafka_actors::test;

namespace {

class consumer_test : public service_fixture {};

} // namespace

TEST_F(consumer_test, restart_in_same_group_redelivers_nothing_already_acked) {
  start();
  auto topic = unique_topic("restart");
  ASSERT_FALSE(create_topic(topic_config{topic, 3, 1, {}}));
  ASSERT_EQ(send(numbered(topic, "first", 0, 1000)), 0u);
  collector a, b;
  stop_on_exit stopper{*this}; // first to go: the handlers use the locals above
  auto id = subscribe(subscription{{topic}, "restart-group", a.handler()});
  ASSERT_TRUE(id);
  ASSERT_TRUE(a.wait_for(1000));
  auto final_status = stop_subscription(*id);
  ASSERT_TRUE(final_status) << describe(final_status.error());
  int64_t stored = 0;
  for (auto& [tp, off] : final_status->stored)
    stored += off;
  EXPECT_EQ(stored, 1000);
  ASSERT_EQ(send(numbered(topic, "second", 0, 500)), 0u);
  ASSERT_TRUE(subscribe(subscription{{topic}, "restart-group", b.handler()}));
  ASSERT_TRUE(b.wait_for(500));
  // Exactly the new records: nothing of the first 1,000 comes back.
  EXPECT_TRUE(await([&] { return status().consumers.size() == 1; }));
  EXPECT_EQ(b.total(), 500u);
  EXPECT_FALSE(b.saw("first-0"));
  EXPECT_TRUE(b.saw("second-499"));
  EXPECT_EQ(a.duplicates() + b.duplicates(), 0u);
}

TEST_F(consumer_test, stop_with_unacked_work_redelivers_only_that_work) {
  cfg.flow.consumer_max_in_flight = 100;
  cfg.flow.consumer_batch_size = 20;
  cfg.flow.drain_timeout = std::chrono::milliseconds{300};
  start();
  auto topic = unique_topic("unacked");
  ASSERT_FALSE(create_topic(topic_config{topic, 1, 1, {}}));
  ASSERT_EQ(send(numbered(topic, "m", 0, 1000)), 0u);
  collector a;
  gate blocked;
  open_on_exit blocked_guard{blocked};
  std::atomic<int> handled{0};
  subscription sub{{topic}, "unacked-group"};
  sub.on_record = [&](const record& r) -> caf::error {
    if (handled.load() == 300)
      blocked.pass(); // the 301st record stalls its batch
    a.add(r);
    ++handled;
    return caf::none;
  };
  auto id = subscribe(std::move(sub));
  ASSERT_TRUE(id);
  ASSERT_TRUE(await([&] { return handled.load() == 300; }));
  auto final_status = stop_subscription(*id); // drain times out: the stalled batch is not acked
  blocked.open();
  ASSERT_TRUE(final_status) << describe(final_status.error());
  int64_t stored = 0;
  for (auto& [tp, off] : final_status->stored)
    stored += off;
  EXPECT_EQ(stored, 300); // the contiguous acked prefix, batches of 20
  collector b;
  ASSERT_TRUE(subscribe(subscription{{topic}, "unacked-group", b.handler()}));
  ASSERT_TRUE(b.wait_for(700));
  EXPECT_TRUE(b.saw("m-300"));
  EXPECT_TRUE(b.saw("m-999"));
  EXPECT_FALSE(b.saw("m-299"));
  EXPECT_EQ(b.total(), 700u); // everything not acknowledged, and nothing else
  shutdown(); // its handlers use this body's locals
}

TEST_F(consumer_test, without_credit_it_pauses_then_resumes_and_loses_nothing) {
  cfg.flow.consumer_max_in_flight = 50;
  cfg.flow.consumer_batch_size = 10;
  cfg.flow.pause_grace = std::chrono::milliseconds{50};
  start();
  auto topic = unique_topic("pause");
  ASSERT_FALSE(create_topic(topic_config{topic, 2, 1, {}}));
  ASSERT_EQ(send(numbered(topic, "p", 0, 2000)), 0u);
  collector got;
  gate slow;
  open_on_exit slow_guard{slow};
  subscription sub{{topic}, "pause-group"};
  sub.on_record = [&](const record& r) -> caf::error {
    slow.pass();
    got.add(r);
    return caf::none;
  };
  auto id = subscribe(std::move(sub));
  ASSERT_TRUE(id);
  // The handler holds its first batch: credit runs out, the consumer pauses.
  ASSERT_TRUE(await([&] {
    auto s = status().consumers[*id];
    return s.paused && s.pauses >= 1;
  }));
  auto s = status().consumers[*id];
  EXPECT_LE(s.dispatched, 50u) << "dispatched past the granted credit";
  EXPECT_EQ(s.credit, 0);
  slow.open();
  ASSERT_TRUE(got.wait_for(2000));
  auto after = status().consumers[*id];
  EXPECT_GE(after.resumes, 1u);
  EXPECT_EQ(got.distinct(), 2000u);
  EXPECT_EQ(got.duplicates(), 0u);
  shutdown(); // its handlers use this body's locals
}

TEST_F(consumer_test, failing_handler_is_restarted_and_the_record_redelivered) {
  start();
  auto topic = unique_topic("poison");
  ASSERT_FALSE(create_topic(topic_config{topic, 1, 1, {}}));
  ASSERT_EQ(send(numbered(topic, "x", 0, 100)), 0u);
  collector got;
  std::atomic<int> failures{0};
  subscription sub{{topic}, "poison-group"};
  sub.on_record = [&](const record& r) -> caf::error {
    if (r.payload() == "x-42" && failures.fetch_add(1) == 0)
      return make_error(errc::invalid_argument, "transient failure");
    got.add(r);
    return caf::none;
  };
  stop_on_exit stopper{*this}; // first to go: the handlers use the locals above
  ASSERT_TRUE(subscribe(std::move(sub)));
  ASSERT_TRUE(got.wait_for(100, std::chrono::seconds{90}));
  EXPECT_TRUE(got.saw("x-42"));
  EXPECT_EQ(got.distinct(), 100u);
  auto st = status();
  EXPECT_EQ(st.restarts, 1u);
  EXPECT_NE(st.last_failure.find(topic + "[0]@42"), std::string::npos) << st.last_failure;
  EXPECT_NE(st.last_failure.find("transient failure"), std::string::npos);
}

TEST_F(consumer_test, byte_bound_limits_what_is_in_flight_regardless_of_credit) {
  cfg.flow.consumer_max_in_flight = 1000; // plenty of record credit...
  cfg.flow.consumer_max_in_flight_bytes = 1000; // ...but ~10 records of 100 B
  cfg.flow.consumer_batch_size = 5;
  cfg.flow.pause_grace = std::chrono::milliseconds{50};
  start();
  auto topic = unique_topic("bytes");
  ASSERT_FALSE(create_topic(topic_config{topic, 1, 1, {}}));
  message_batch records;
  for (int i = 0; i < 200; ++i)
    records.push_back(message{topic, std::to_string(i) + std::string(100, 'x')});
  ASSERT_EQ(send(records), 0u);
  collector got;
  gate slow;
  open_on_exit slow_guard{slow};
  subscription sub{{topic}, "bytes-group"};
  sub.on_record = [&](const record& r) -> caf::error {
    slow.pass();
    got.add(r);
    return caf::none;
  };
  auto id = subscribe(std::move(sub));
  ASSERT_TRUE(id);
  ASSERT_TRUE(await([&] { return status().consumers[*id].paused; }));
  auto s = status().consumers[*id];
  EXPECT_LE(s.in_flight_bytes, 1000u + 5 * 104u) << "one batch may pass the bound, no more";
  EXPECT_LE(s.dispatched, 15u);
  EXPECT_GT(s.credit, 900); // it was the bytes, not the record credit, that stopped it
  slow.open();
  ASSERT_TRUE(got.wait_for(200));
  EXPECT_EQ(got.duplicates(), 0u);
  shutdown(); // its handlers use this body's locals
}
