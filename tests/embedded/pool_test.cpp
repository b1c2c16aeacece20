// Shared librdkafka handles: counted, shared by equal configurations, released by the last
// user, and flushed on stop without losing a delivery report.

#include "kafka_actors/runtime/reaper.hpp"
#include "support/scenarios.hpp"

using namespace kafka_actors;
using namespace kafka_actors::test;
using namespace std::chrono_literals;

namespace {

class pool_test : public scenario_fixture {
protected:
  uint64_t stop(const producer_actor& p) {
    uint64_t flushed = 0;
    (*self)->request(p, call_timeout, stop_atom_v)
      .receive([&](uint64_t n) { flushed = n; },
               [&](caf::error& err) { ADD_FAILURE() << describe(err); });
    return flushed;
  }
};

} // namespace

TEST_F(pool_test, equal_configs_share_one_handle_until_the_last_user_stops) {
  start();
  auto topic = unique_topic("pool");
  ASSERT_FALSE(create_topic(topic_config{topic, 3, 1, {}}));
  await_reaper(); // handles of earlier tests are destroyed off the scheduler, maybe still now
  auto base = live_client_handles();
  auto pcfg = cfg;
  pcfg.producer["linger.ms"] = "7"; // unlike the service's own producer
  auto a = spawn_producer(*sys, pcfg);
  ASSERT_TRUE(a);
  EXPECT_EQ(live_client_handles(), base + 1);
  auto b = spawn_producer(*sys, pcfg);
  ASSERT_TRUE(b);
  EXPECT_EQ(live_client_handles(), base + 1); // shared
  auto other = pcfg;
  other.producer["linger.ms"] = "8";
  auto c = spawn_producer(*sys, other);
  ASSERT_TRUE(c);
  EXPECT_EQ(live_client_handles(), base + 2); // a different effective config
  for (auto& p : {*a, *b}) {
    (*self)->request(p, call_timeout, send_atom_v, numbered(topic, "x", 0, 100))
      .receive([&](batch_report& r) { EXPECT_EQ(r.failed(), 0u); },
               [&](caf::error& err) { ADD_FAILURE() << describe(err); });
  }
  stop(*a);
  a = caf::error{};
  // b still uses the handle.
  (*self)->request(*b, call_timeout, send_atom_v, message{topic, "still"})
    .receive([](delivery_report&) {}, [&](caf::error& err) { ADD_FAILURE() << describe(err); });
  EXPECT_EQ(live_client_handles(), base + 2);
  stop(*b);
  b = caf::error{};
  EXPECT_TRUE(await([&] { return live_client_handles() == base + 1; }));
  stop(*c);
  c = caf::error{};
  EXPECT_TRUE(await([&] { return live_client_handles() == base; }));
}

TEST_F(pool_test, stop_flushes_and_no_delivery_report_is_lost) {
  start();
  auto topic = unique_topic("flush");
  ASSERT_FALSE(create_topic(topic_config{topic, 3, 1, {}}));
  auto p = spawn_producer(*sys, cfg);
  ASSERT_TRUE(p);
  // 20,000 records in flight, then stop at once: stop waits for every report first.
  for (int i = 0; i < 4; ++i)
    (*self)->send(*p, send_atom_v, numbered(topic, "f" + std::to_string(i), 0, 5000));
  (*self)->send(*p, stop_atom_v);
  size_t delivered = 0, failed = 0, reports = 0;
  bool stopped = false;
  while (!stopped) {
    (*self)->receive(
      [&](batch_report& r) {
        ++reports;
        delivered += r.results.size() - r.failed();
        failed += r.failed();
      },
      [&](uint64_t) {
        stopped = true;
        EXPECT_EQ(reports, 4u) << "stop answered before every batch was reported";
      },
      [&](caf::error& err) { ADD_FAILURE() << describe(err); });
  }
  EXPECT_EQ(delivered, 20000u);
  EXPECT_EQ(failed, 0u);
}

TEST_F(pool_test, sharded_producers_share_a_handle_and_keep_per_key_order) {
  cfg.flow.producer_shards = 4;
  await_reaper(); // handles of earlier tests are destroyed off the scheduler, maybe still now
  auto before = live_client_handles();
  start();
  // The service's four producers hold one handle (the admin and the cluster host have theirs).
  EXPECT_EQ(live_client_handles() - before, 3); // cluster host + admin + one shared handle
  run_sharded_order();
}

// The pump's exit hook once wrote into the dispatch after CAF had destroyed the pump's state
// and the reaper its last other reference (ASan: heap-use-after-free). Many short-lived
// handles make either order of pump exit and reaper job likely.
TEST_F(pool_test, handles_released_again_and_again_leave_nothing_behind) {
  start();
  auto topic = unique_topic("churn");
  ASSERT_FALSE(create_topic(topic_config{topic, 1, 1, {}}));
  await_reaper();
  auto base = live_client_handles();
  for (int i = 0; i < 40; ++i) {
    auto pcfg = cfg;
    pcfg.producer["linger.ms"] = std::to_string(20 + i); // a handle of its own each time
    auto p = spawn_producer(*sys, pcfg);
    ASSERT_TRUE(p);
    (*self)->request(*p, call_timeout, send_atom_v, message{topic, "c" + std::to_string(i)})
      .receive([](delivery_report&) {}, [&](caf::error& err) { ADD_FAILURE() << describe(err); });
    EXPECT_EQ(stop(*p), 0u);
    p = caf::error{};
    ASSERT_TRUE(await([&] { return live_client_handles() == base; })) << "cycle " << i;
  }
  await_reaper();
}
