// KafkaService on the embedded mock cluster: routing, round trips, and bad input.

#include "support/service_fixture.hpp"

using namespace kafka_actors;
using namespace kafka_actors::test;

namespace {

class service_test : public service_fixture {};

} // namespace

TEST_F(service_test, round_trip_of_10000_messages_single_and_batched) {
  start();
  auto topic = unique_topic("roundtrip");
  ASSERT_FALSE(create_topic(topic_config{topic, 3, 1, {}}));
  collector got;
  subscription sub{{topic}, "roundtrip-group", got.handler()};
  stop_on_exit stopper{*this}; // first to go: the handlers use the locals above
  ASSERT_TRUE(subscribe(std::move(sub)));
  // 5,000 one by one (pipelined send_message), 5,000 as send_messages_batch.
  auto singles = numbered(topic, "single", 0, 5000);
  size_t answered = 0, failed = 0;
  std::set<std::pair<int32_t, int64_t>> positions;
  size_t sent = 0;
  while (answered < singles.size()) {
    while (sent < singles.size() && sent - answered < 500)
      (*self)->send(service, send_atom_v, singles[sent++]);
    (*self)->receive(
      [&](delivery_report& r) {
        ++answered;
        positions.emplace(r.partition, r.offset);
      },
      [&](caf::error&) {
        ++answered;
        ++failed;
      });
  }
  EXPECT_EQ(failed, 0u);
  EXPECT_EQ(positions.size(), 5000u); // every report names a distinct position
  EXPECT_EQ(send(numbered(topic, "batch", 0, 5000)), 0u);
  ASSERT_TRUE(got.wait_for(10000)) << got.total();
  EXPECT_TRUE(await([&] { return got.total() >= 10000; }));
  EXPECT_EQ(got.distinct(), 10000u);
  EXPECT_EQ(got.duplicates(), 0u);
  EXPECT_TRUE(got.saw("single-4999"));
  EXPECT_TRUE(got.saw("batch-0"));
  // Offsets arrive in order within each partition.
  for (auto& [p, offs] : got.offsets())
    EXPECT_TRUE(std::is_sorted(offs.begin(), offs.end())) << "partition " << p;
  // Everything acknowledged is stored for commit: the stored positions sum to the total.
  ASSERT_TRUE(await([&] {
    int64_t sum = 0;
    for (auto& [id, cs] : status().consumers)
      for (auto& [tp, off] : cs.stored)
        sum += off;
    return sum == 10000;
  }));
}

TEST_F(service_test, batch_send_reports_each_record_in_order) {
  start();
  auto topic = unique_topic("batch");
  ASSERT_FALSE(create_topic(topic_config{topic, 2, 1, {}}));
  auto records = numbered(topic, "r", 0, 300);
  records[10].partition = 1;
  batch_report rep;
  (*self)->request(service, call_timeout, send_atom_v, records)
    .receive([&](batch_report& r) { rep = std::move(r); },
             [&](caf::error& err) { FAIL() << describe(err); });
  ASSERT_EQ(rep.results.size(), 300u);
  EXPECT_EQ(rep.failed(), 0u);
  EXPECT_EQ(rep.results[10].partition, 1);
  for (auto& r : rep.results) {
    EXPECT_EQ(r.topic, topic);
    EXPECT_GE(r.offset, 0);
  }
}

TEST_F(service_test, create_topic_twice_says_already_exists) {
  start();
  auto topic = unique_topic("twice");
  EXPECT_FALSE(create_topic(topic_config{topic, 1, 1, {}}));
  auto err = create_topic(topic_config{topic, 1, 1, {}});
  EXPECT_EQ(code_of(err), errc::topic_already_exists) << describe(err);
  EXPECT_NE(describe(err).find(topic), std::string::npos);
}

TEST_F(service_test, invalid_topic_name_is_a_clear_error_and_nothing_is_sent) {
  start();
  auto err = create_topic(topic_config{"no spaces allowed", 1, 1, {}});
  EXPECT_EQ(code_of(err), errc::invalid_topic) << describe(err);
  caf::error send_err;
  (*self)->request(service, call_timeout, send_atom_v, message{"bad/topic", "x"})
    .receive([](delivery_report&) {}, [&](caf::error& e) { send_err = std::move(e); });
  EXPECT_EQ(code_of(send_err), errc::invalid_topic) << describe(send_err);
  EXPECT_NE(describe(send_err).find("bad/topic"), std::string::npos);
}

TEST_F(service_test, oversize_message_fails_alone_and_names_the_record) {
  cfg.producer["message.max.bytes"] = "10000";
  start();
  auto topic = unique_topic("oversize");
  ASSERT_FALSE(create_topic(topic_config{topic, 1, 1, {}}));
  auto records = numbered(topic, "ok", 0, 5);
  records[3].content = std::string(20000, 'x');
  batch_report rep;
  (*self)->request(service, call_timeout, send_atom_v, records)
    .receive([&](batch_report& r) { rep = std::move(r); },
             [&](caf::error& err) { FAIL() << describe(err); });
  ASSERT_EQ(rep.results.size(), 5u);
  EXPECT_EQ(rep.failed(), 1u);
  EXPECT_FALSE(rep.results[3].ok());
  EXPECT_NE(rep.results[3].error.find("record 3"), std::string::npos) << rep.results[3].error;
  EXPECT_NE(rep.results[3].error.find("message.max.bytes"), std::string::npos);
  EXPECT_TRUE(rep.results[4].ok());
}

TEST_F(service_test, try_send_past_the_window_is_refused_with_backpressure) {
  cfg.flow.producer_max_in_flight_messages = 10;
  start();
  auto topic = unique_topic("bp");
  ASSERT_FALSE(create_topic(topic_config{topic, 1, 1, {}}));
  // Take the only broker leading the partition down so nothing completes.
  ASSERT_FALSE(cluster->set_broker_down(1));
  ASSERT_FALSE(cluster->set_broker_down(2));
  ASSERT_FALSE(cluster->set_broker_down(3));
  (*self)->send(service, send_atom_v, numbered(topic, "fill", 0, 10));
  batch_report rep;
  (*self)->request(service, call_timeout, try_send_atom_v, numbered(topic, "more", 0, 5))
    .receive([&](batch_report& r) { rep = std::move(r); },
             [&](caf::error& err) { FAIL() << describe(err); });
  ASSERT_EQ(rep.results.size(), 5u);
  EXPECT_EQ(rep.failed(), 5u);
  EXPECT_NE(rep.results[0].error.find("backpressure"), std::string::npos) << rep.results[0].error;
  // A waiting send is parked, not refused: it completes once the brokers are back.
  (*self)->send(service, send_atom_v, numbered(topic, "wait", 0, 5));
  ASSERT_FALSE(cluster->set_broker_up(1));
  ASSERT_FALSE(cluster->set_broker_up(2));
  ASSERT_FALSE(cluster->set_broker_up(3));
  size_t ok = 0;
  for (int i = 0; i < 2; ++i)
    (*self)->receive([&](batch_report& r) { ok += r.results.size() - r.failed(); },
                     [&](caf::error& err) { ADD_FAILURE() << describe(err); });
  EXPECT_EQ(ok, 15u);
}

TEST(service_errors, unknown_config_key_fails_at_spawn) {
  actor_system_config sys_cfg;
  caf::actor_system sys{sys_cfg};
  auto cfg = kafka_config::embedded();
  cfg.producer["linger.mss"] = "5";
  auto s = spawn_kafka_service(sys, cfg);
  ASSERT_FALSE(s);
  EXPECT_EQ(code_of(s.error()), errc::invalid_config);
  EXPECT_NE(describe(s.error()).find("linger.mss"), std::string::npos) << describe(s.error());
}

TEST(service_errors, unreachable_bootstrap_names_the_addresses_tried) {
  actor_system_config sys_cfg;
  caf::actor_system sys{sys_cfg};
  auto cfg = kafka_config::remote("127.0.0.1:1,127.0.0.1:2");
  cfg.connect_timeout = std::chrono::milliseconds{1500};
  auto s = spawn_kafka_service(sys, cfg);
  ASSERT_TRUE(s) << describe(s.error());
  caf::scoped_actor self{sys};
  caf::error err;
  self->request(*s, std::chrono::seconds{30}, ping_atom_v)
    .receive([](int32_t) {}, [&](caf::error& e) { err = std::move(e); });
  EXPECT_EQ(code_of(err), errc::broker_unreachable) << describe(err);
  EXPECT_NE(describe(err).find("127.0.0.1:1,127.0.0.1:2"), std::string::npos) << describe(err);
  self->request(*s, std::chrono::seconds{30}, stop_all_atom_v)
    .receive([](bool) {}, [](caf::error&) {});
}
