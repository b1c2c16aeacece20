#pragma once

// Scenarios run both on the embedded cluster and on the real broker.

#include <atomic>
#include <map>

#include "support/await.hpp"
#include "support/service_fixture.hpp"

namespace kafka_actors::test {

class scenario_fixture : public service_fixture {
protected:
  /// Flow settings of the dependency-breaker scenario; call before start().
  void configure_dependency_breaker() {
    cfg.flow.consumer_max_in_flight = 100;
    cfg.flow.consumer_batch_size = 20;
    cfg.flow.pause_grace = std::chrono::milliseconds{50};
  }

  /// A handler's dependency fails after 100 records: the breaker opens, the consumer pauses,
  /// probes find it back, and nothing is lost. Call after start().
  void run_dependency_breaker() {
    using namespace std::chrono_literals;
    auto topic = unique_topic("dep");
    ASSERT_FALSE(create_topic(topic_config{topic, 2, 1, {}}));
    ASSERT_EQ(send(numbered(topic, "d", 0, 1000)), 0u);
    std::atomic<bool> dependency_up{true};
    std::atomic<int> calls_while_down{0};
    collector got;
    subscription sub{{topic}, "dep-group"};
    sub.breaker = breaker_config{5, 1.0, 20, 300ms, 2};
    std::atomic<bool> went_down{false};
    sub.on_record = [&](const record& r) -> caf::error {
      // The dependency fails after the first 100 records, until the test brings it back.
      if (got.distinct() == 100 && !went_down.exchange(true))
        dependency_up = false;
      if (!dependency_up) {
        ++calls_while_down;
        return make_error(errc::handler_failed, "database unavailable");
      }
      got.add(r);
      return caf::none;
    };
    auto id = subscribe(std::move(sub));
    ASSERT_TRUE(id);
    // The breaker opens; the lane stops returning credit and the consumer pauses.
    ASSERT_TRUE(await([&] {
      auto s = status().consumers[*id];
      return s.breaker == "open" && s.paused;
    }));
    // While open, the handler is only probed now and then, not called in a loop.
    auto before = calls_while_down.load();
    ASSERT_TRUE(await([&] { return status().consumers[*id].breaker_opened >= 2; }));
    EXPECT_LE(calls_while_down.load() - before, 10);
    dependency_up = true;
    ASSERT_TRUE(got.wait_for(1000));
    EXPECT_EQ(got.distinct(), 1000u);
    EXPECT_EQ(got.duplicates(), 0u);
    ASSERT_TRUE(await([&] { return status().consumers[*id].breaker == "closed"; }));
    EXPECT_GE(status().consumers[*id].resumes, 1u);
  }

  /// Four producers sharded by key over one handle keep each key's order; call after start()
  /// with cfg.flow.producer_shards = 4.
  void run_sharded_order() {
    auto topic = unique_topic("shards");
    ASSERT_FALSE(create_topic(topic_config{topic, 3, 1, {}}));
    message_batch records;
    for (int i = 0; i < 4000; ++i)
      records.push_back(message{topic, std::to_string(i), {}, "key-" + std::to_string(i % 40)});
    batch_report rep;
    (*self)->request(service, call_timeout, send_atom_v, records)
      .receive([&](batch_report& r) { rep = std::move(r); },
               [&](caf::error& err) { FAIL() << describe(err); });
    ASSERT_EQ(rep.results.size(), 4000u);
    EXPECT_EQ(rep.failed(), 0u);
    // Reports come back in the batch's order, and per key offsets rise with the send order.
    std::map<std::string, int64_t> last;
    for (size_t i = 0; i < records.size(); ++i) {
      EXPECT_EQ(rep.results[i].topic, topic);
      auto& prev = last[records[i].key];
      EXPECT_GT(rep.results[i].offset, prev == 0 ? -1 : prev) << records[i].key;
      prev = rep.results[i].offset;
    }
    auto st = status();
    EXPECT_EQ(st.producer.delivered, 4000u);
  }
};

} // namespace kafka_actors::test
