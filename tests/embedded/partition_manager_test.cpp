// The partition manager on the embedded cluster: order per partition and per key, parallel
// lanes, per-key failure isolation with the retry policy, null keys, and revokes mid-work.

#include <atomic>
#include <map>
#include <mutex>
#include <set>

#include "support/await.hpp"
#include "support/gate.hpp"
#include "support/lane_probe.hpp"
#include "support/lanes_scenarios.hpp"
#include "support/real_broker.hpp"

using namespace kafka_actors;
using namespace kafka_actors::test;
using namespace std::chrono_literals;

namespace {

class partition_manager_test : public lanes_fixture {
protected:
  // Sends `records` and remembers where each landed.
  void send_recording(const message_batch& records) {
    for (size_t i = 0; i < records.size(); i += 500) {
      message_batch chunk(records.begin() + static_cast<ptrdiff_t>(i),
                          records.begin()
                            + static_cast<ptrdiff_t>(std::min(records.size(), i + 500)));
      (*self)->request(service, call_timeout, send_atom_v, chunk)
        .receive(
          [&](batch_report& rep) {
            ASSERT_EQ(rep.failed(), 0u);
            for (size_t j = 0; j < chunk.size(); ++j)
              where[chunk[j].content] = {rep.results[j].partition, rep.results[j].offset};
          },
          [&](caf::error& err) { FAIL() << describe(err); });
    }
  }

  std::map<std::string, std::pair<int32_t, int64_t>> where;
};

} // namespace

TEST_F(partition_manager_test, lanes_keep_the_order_of_each_partition_each_key_and_null_keys) {
  start();
  // Keyed records on 6 partitions, and null keys as one ordered key of a partition.
  auto topic = unique_topic("pm-order");
  auto nulls = unique_topic("pm-null-one");
  ASSERT_FALSE(create_topic(topic_config{topic, 6, 1, {}}));
  ASSERT_FALSE(create_topic(topic_config{nulls, 1, 1, {}}));
  ASSERT_EQ(send(lane_records(topic, 60, 100)), 0u);
  ASSERT_EQ(send(lane_records(nulls, 0, 300)), 0u);
  lane_probe probe, null_probe;
  std::mutex mx;
  std::map<int32_t, int64_t> last_offset;
  size_t backwards = 0;
  subscription sub{{topic}, "pm-order-group"};
  sub.lanes = lanes();
  sub.on_record = [&](const record& r) -> caf::error {
    lane_probe::call c{probe, r};
    {
      std::lock_guard<std::mutex> guard{mx};
      auto i = last_offset.find(r.partition());
      if (i != last_offset.end() && r.offset() <= i->second)
        ++backwards;
      last_offset[r.partition()] = r.offset();
    }
    probe.handled(r);
    return caf::none;
  };
  subscription null_sub{{nulls}, "pm-null-one-group"};
  null_sub.lanes = lanes(4, null_key_policy::one_lane);
  null_sub.on_record = [&](const record& r) -> caf::error {
    lane_probe::call c{null_probe, r};
    null_probe.handled(r);
    return caf::none;
  };
  stop_on_exit stopper{*this}; // first to go: the handlers use the locals above
  ASSERT_TRUE(subscribe(std::move(sub)));
  ASSERT_TRUE(subscribe(std::move(null_sub)));
  ASSERT_TRUE(probe.await_handled(6000, 60s)) << probe.distinct();
  ASSERT_TRUE(null_probe.await_handled(300, 60s)) << null_probe.distinct();
  EXPECT_EQ(backwards, 0u);
  EXPECT_EQ(probe.reordered(), 0u);
  EXPECT_EQ(probe.duplicates(), 0u);
  EXPECT_EQ(probe.partition_overlaps(), 0u); // one lane per partition: one call at a time
  EXPECT_EQ(null_probe.reordered(), 0u);
  EXPECT_EQ(null_probe.partition_overlaps(), 0u); // null keys are one key here
  EXPECT_TRUE(await([&] { return lag("pm-order-group", {topic}) == 0; }, 30s));
}

TEST_F(partition_manager_test, a_blocking_handler_runs_in_parallel_across_partitions_and_key_lanes) {
  start();
  // Three subscriptions at once: 4 partitions with a lane each; one partition with 4 key
  // lanes; one partition of null keys spread unordered over 4 key lanes. In each, every call
  // blocks until four calls ran at once (lanes in parallel meet there, a single lane never
  // would).
  auto parts = unique_topic("pm-parallel");
  auto keys = unique_topic("pm-keys");
  auto nulls = unique_topic("pm-null-any");
  ASSERT_FALSE(create_topic(topic_config{parts, 4, 1, {}}));
  ASSERT_FALSE(create_topic(topic_config{keys, 1, 1, {}}));
  ASSERT_FALSE(create_topic(topic_config{nulls, 1, 1, {}}));
  ASSERT_EQ(send(lane_records(parts, 40, 10)), 0u);
  ASSERT_EQ(send(lane_records(keys, 40, 25)), 0u);
  ASSERT_EQ(send(lane_records(nulls, 0, 200)), 0u);
  lane_probe by_part, by_key, by_null;
  auto blocking = [](lane_probe& probe) {
    return [&probe](const record& r) -> caf::error {
      lane_probe::call c{probe, r};
      probe.await_overlap(4, 2s);
      probe.handled(r);
      return caf::none;
    };
  };
  subscription a{{parts}, "pm-parallel-group"};
  a.lanes = lanes();
  a.on_record = blocking(by_part);
  subscription b{{keys}, "pm-keys-group"};
  b.lanes = lanes(4);
  b.on_record = blocking(by_key);
  subscription c{{nulls}, "pm-null-any-group"};
  c.lanes = lanes(4, null_key_policy::unordered);
  c.on_record = blocking(by_null);
  stop_on_exit stopper{*this}; // first to go: the handlers use the locals above
  ASSERT_TRUE(subscribe(std::move(a)));
  ASSERT_TRUE(subscribe(std::move(b)));
  ASSERT_TRUE(subscribe(std::move(c)));
  ASSERT_TRUE(by_part.await_handled(400, 60s)) << by_part.distinct();
  ASSERT_TRUE(by_key.await_handled(1000, 60s)) << by_key.distinct();
  ASSERT_TRUE(by_null.await_handled(200, 60s)) << by_null.distinct();
  EXPECT_EQ(by_part.max_active(), 4u);
  EXPECT_EQ(by_part.partition_overlaps(), 0u);
  EXPECT_EQ(by_part.reordered(), 0u);
  EXPECT_EQ(by_key.max_active(), 4u);
  EXPECT_EQ(by_key.key_overlaps(), 0u); // a key is never on two lanes at once
  EXPECT_EQ(by_key.reordered(), 0u);
  EXPECT_EQ(by_key.duplicates(), 0u);
  EXPECT_EQ(by_null.max_active(), 4u);
  EXPECT_EQ(by_null.duplicates(), 0u);
}

TEST_F(partition_manager_test, a_waiting_key_holds_only_itself_and_the_commit_below_it) {
  start();
  auto topic = unique_topic("pm-wait");
  ASSERT_FALSE(create_topic(topic_config{topic, 2, 1, {}}));
  auto records = lane_records(topic, 20, 10); // k0..k19, 10 each
  send_recording(records);
  auto poison_at = where["k7#0"];
  lane_probe probe;
  std::atomic<bool> healed{false};
  std::atomic<int> poison_calls{0};
  subscription sub{{topic}, "pm-wait-group"};
  sub.lanes = lanes();
  sub.retry = retry_policy{};
  sub.retry->in_place_attempts = 1000000; // waits in place until the test heals it
  sub.retry->initial_backoff = 10ms;
  sub.retry->max_backoff = 20ms;
  sub.retry->retry_topic_delays = {};
  sub.on_record = [&](const record& r) -> caf::error {
    lane_probe::call c{probe, r};
    if (r.key() == "k7" && !healed) {
      ++poison_calls;
      return make_error(errc::handler_failed, "k7's dependency is down");
    }
    probe.handled(r);
    return caf::none;
  };
  stop_on_exit stopper{*this}; // first to go: the handlers use the locals above
  auto id = subscribe(std::move(sub));
  ASSERT_TRUE(id);
  // Every other key flows, also those of k7's partition after k7's first record.
  ASSERT_TRUE(probe.await_handled(190, 60s)) << probe.distinct();
  EXPECT_FALSE(probe.saw("k7#0"));
  EXPECT_GE(poison_calls.load(), 1);
  // The position stored for k7's partition never passes its waiting record (a consumer batch
  // is acknowledged only once all its records are done).
  auto label = topic + "[" + std::to_string(poison_at.first) + "]";
  auto s = status().consumers[*id];
  if (s.stored.count(label))
    EXPECT_LE(s.stored[label], poison_at.second);
  healed = true;
  ASSERT_TRUE(probe.await_handled(200, 60s)) << probe.distinct();
  EXPECT_EQ(probe.reordered(), 0u); // k7#0..9 in order after the wait
  EXPECT_EQ(probe.duplicates(), 0u);
  EXPECT_GT(status().consumers[*id].retried_in_place, 0u);
  EXPECT_TRUE(await([&] { return lag("pm-wait-group", {topic}) == 0; }, 30s));
}

TEST_F(partition_manager_test, a_poison_key_exhausts_its_retries_goes_to_the_dlt_and_delays_no_other_key) {
  start();
  auto topic = unique_topic("pm-poison");
  ASSERT_FALSE(create_topic(topic_config{topic, 3, 1, {}}));
  auto records = lane_records(topic, 100, 10); // 1,000 records, k7 is the poison
  send_recording(records);
  lane_probe probe;
  std::mutex mx;
  std::vector<std::chrono::steady_clock::time_point> poison_first_attempt;
  std::map<std::string, int> poison_attempts;
  std::chrono::steady_clock::time_point last_good{};
  subscription sub{{topic}, "pm-poison-group"};
  sub.lanes = lanes();
  sub.retry = retry_policy{};
  sub.retry->in_place_attempts = 3; // 100 ms + 200 ms of backoff per poison record
  sub.retry->initial_backoff = 100ms;
  sub.retry->jitter = 0;
  sub.retry->retry_topic_delays = {};
  sub.on_record = [&](const record& r) -> caf::error {
    lane_probe::call c{probe, r};
    std::string payload{r.payload()};
    if (r.key() == "k7") {
      std::lock_guard<std::mutex> guard{mx};
      if (poison_attempts[payload]++ == 0)
        poison_first_attempt.push_back(std::chrono::steady_clock::now());
      return make_error(errc::handler_failed, "cannot process " + payload);
    }
    probe.handled(r);
    std::lock_guard<std::mutex> guard{mx};
    last_good = std::chrono::steady_clock::now();
    return caf::none;
  };
  std::mutex dmx;
  std::vector<message> dead;
  stop_on_exit stopper{*this}; // first to go: the handlers use the locals above
  auto id = subscribe(std::move(sub));
  ASSERT_TRUE(id);
  subscription dlt{{topic + ".dlt"}, "pm-dlt-reader"};
  dlt.on_record = [&](const record& r) -> caf::error {
    std::lock_guard<std::mutex> guard{dmx};
    dead.push_back(r.to_message());
    return caf::none;
  };
  ASSERT_TRUE(subscribe(std::move(dlt)));
  ASSERT_TRUE(probe.await_handled(990, 60s)) << probe.distinct();
  ASSERT_TRUE(await(
    [&] {
      std::lock_guard<std::mutex> guard{dmx};
      return dead.size() >= 10;
    },
    60s));
  {
    std::lock_guard<std::mutex> guard{mx};
    // Each poison record waits its budget in turn (k7's order), yet every other record was
    // done before the third of them was even tried: they never waited for k7.
    ASSERT_EQ(poison_first_attempt.size(), 10u);
    EXPECT_LT(last_good, poison_first_attempt[2]);
    for (auto& [p, n] : poison_attempts)
      EXPECT_EQ(n, 3) << p;
  }
  std::lock_guard<std::mutex> guard{dmx};
  EXPECT_EQ(dead.size(), 10u);
  std::set<std::string> dead_payloads;
  for (auto& m : dead) {
    dead_payloads.insert(m.content);
    EXPECT_EQ(m.key, "k7");
    for (auto& [k, v] : m.metadata)
      if (k == "ka.attempts")
        EXPECT_EQ(v, "3");
  }
  EXPECT_EQ(dead_payloads.size(), 10u);
  EXPECT_EQ(probe.reordered(), 0u);
  EXPECT_EQ(status().consumers[*id].dead_lettered, 10u);
  EXPECT_TRUE(await([&] { return lag("pm-poison-group", {topic}) == 0; }, 30s));
}

TEST_F(partition_manager_test, subscription_with_lanes_but_no_on_record_is_refused) {
  start();
  auto topic = unique_topic("pm-bad");
  ASSERT_FALSE(create_topic(topic_config{topic, 1, 1, {}}));
  subscription sub{{topic}, "pm-bad-group"};
  sub.on_batch = [](const record_batch&) -> caf::error { return caf::none; };
  sub.lanes = lanes();
  auto id = subscribe(std::move(sub));
  ASSERT_FALSE(id);
  EXPECT_NE(describe(id.error()).find("on_record"), std::string::npos) << describe(id.error());
  subscription zero{{topic}, "pm-bad-group"};
  zero.on_record = [](const record&) -> caf::error { return caf::none; };
  zero.lanes = lanes(0);
  auto id2 = subscribe(std::move(zero));
  ASSERT_FALSE(id2);
  EXPECT_NE(describe(id2.error()).find("key_lanes"), std::string::npos) << describe(id2.error());
}

// Eager (the default) and cooperative-sticky: a revoke drains in-flight work and commits it.
class pm_revoke_test : public partition_manager_test,
                       public ::testing::WithParamInterface<std::string> {};

INSTANTIATE_TEST_SUITE_P(strategies, pm_revoke_test,
                         ::testing::Values("range,roundrobin", "cooperative-sticky"),
                         assignor_name);

TEST_P(pm_revoke_test, revoke_mid_work_drains_before_the_partitions_are_handed_over) {
  cfg.consumer["partition.assignment.strategy"] = GetParam();
  // The mock refuses commits while its group joins (see kafka_service.cpp): what A finished
  // during the drain may be read again, but never at the same time as A works on it.
  run_revoke_drain(false);
}

// Cooperative only: its incremental unassign comes from a tick, not from the callback (the
// eager path is the drain test's, and CI time is short).
TEST_F(partition_manager_test, revoke_past_its_deadline_fences_what_is_left_and_loses_nothing) {
  cfg.consumer["partition.assignment.strategy"] = "cooperative-sticky";
  cfg.flow.revoke_drain = 300ms;
  start();
  auto topic = unique_topic("pm-revoke-late");
  ASSERT_FALSE(create_topic(topic_config{topic, 2, 1, {}}));
  ASSERT_EQ(send(lane_records(topic, 20, 10)), 0u);
  lane_probe all;
  gate blocked;
  open_on_exit guard{blocked};
  subscription a{{topic}, "pm-late-group"};
  a.lanes = lanes();
  a.on_record = [&](const record& r) -> caf::error {
    blocked.pass();
    all.handled(r);
    return caf::none;
  };
  auto ida = subscribe(std::move(a));
  ASSERT_TRUE(ida);
  ASSERT_TRUE(await([&] { return status().consumers[*ida].dispatched >= 200; }, 60s));
  subscription b{{topic}, "pm-late-group"};
  b.lanes = lanes();
  b.on_record = [&](const record& r) -> caf::error {
    all.handled(r);
    return caf::none;
  };
  auto idb = subscribe(std::move(b));
  ASSERT_TRUE(idb);
  ASSERT_TRUE(await([&] { return status().consumers[*ida].revoke_drain_timeouts >= 1; }, 60s));
  blocked.open();
  ASSERT_TRUE(all.await_handled(200, 60s)) << all.distinct();
  // A skipped the rest of its fenced work: at most the records its lanes were inside of
  // (one per lane) are handled twice.
  EXPECT_LE(all.duplicates(), 2u);
  EXPECT_EQ(all.reordered(), 0u);
  shutdown(); // its handlers use this body's locals
}
