// Circuit breakers against the embedded mock cluster: brokers down, a handler's dependency down.

#include <atomic>

#include "support/scenarios.hpp"

using namespace kafka_actors;
using namespace kafka_actors::test;
using namespace std::chrono_literals;

namespace {

class breaker_test : public scenario_fixture {};

} // namespace

TEST_F(breaker_test, producer_breaker_opens_when_brokers_go_down_and_closes_after_probe) {
  cfg.producer_breaker = breaker_config{3, 1.0, 10, 1000ms, 1};
  start();
  auto topic = unique_topic("brk");
  ASSERT_FALSE(create_topic(topic_config{topic, 3, 1, {}}));
  ASSERT_EQ(send(numbered(topic, "warm", 0, 10)), 0u);
  for (int b = 1; b <= 3; ++b)
    ASSERT_FALSE(cluster->set_broker_down(b));
  auto t_down = std::chrono::steady_clock::now();
  // Records accepted before the breaker opens stay in flight, and must not be lost.
  (*self)->send(service, send_atom_v, numbered(topic, "inflight", 0, 100));
  ASSERT_TRUE(await([&] { return status().producer.breaker == "open"; }, 15s));
  auto opened_after = std::chrono::steady_clock::now() - t_down;
  EXPECT_LT(opened_after, 15s);
  // While open, sends fail fast with circuit_open.
  auto t_send = std::chrono::steady_clock::now();
  auto err = send_one(message{topic, "refused"});
  EXPECT_EQ(code_of(err), errc::circuit_open) << describe(err);
  EXPECT_LT(std::chrono::steady_clock::now() - t_send, 500ms);
  for (int b = 1; b <= 3; ++b)
    ASSERT_FALSE(cluster->set_broker_up(b));
  batch_report inflight;
  (*self)->receive([&](batch_report& r) { inflight = std::move(r); },
                   [&](caf::error& e) { ADD_FAILURE() << describe(e); });
  // Nothing lost across the cycle: each record was delivered, or refused up front with
  // circuit_open if the breaker had opened before the request arrived.
  ASSERT_EQ(inflight.results.size(), 100u);
  for (auto& r : inflight.results)
    EXPECT_TRUE(r.ok() || r.error_code == -2) << r.error;
  // After the open period a probe goes through and closes the breaker.
  ASSERT_TRUE(await([&] { return !send_one(message{topic, "probe"}); },
    20s));
  EXPECT_EQ(status().producer.breaker, "closed");
  EXPECT_GE(status().producer.breaker_opened, 1u);
}

TEST_F(breaker_test, handler_dependency_down_pauses_partitions_then_probes_without_loss) {
  configure_dependency_breaker();
  start();
  run_dependency_breaker();
}
