// The batch processor, the deduplicating consumer and the last-value view, subscribed
// through KafkaService on the embedded cluster.

#include <mutex>

#include "support/service_fixture.hpp"

using namespace kafka_actors;
using namespace kafka_actors::test;
using namespace std::chrono_literals;

namespace {

// What a partition-batch handler saw, batch by batch.
struct batch_log {
  struct seen_batch {
    topic_partition tp;
    batch_trigger trigger;
    std::vector<int64_t> offsets;
    std::vector<std::string> payloads;
    size_t bytes = 0;
  };
  mutable std::mutex mx;
  std::vector<seen_batch> batches;
  std::map<std::string, size_t> calls; // per payload

  void add(const partition_batch& b) {
    seen_batch s{b.partition(), b.trigger(), {}, {}, 0};
    for (auto& r : b) {
      s.offsets.push_back(r.offset());
      s.payloads.emplace_back(r.payload());
      s.bytes += r.payload().size() + r.key().size();
    }
    std::lock_guard<std::mutex> guard{mx};
    for (auto& p : s.payloads)
      ++calls[p];
    batches.push_back(std::move(s));
  }
  size_t records() const {
    std::lock_guard<std::mutex> guard{mx};
    size_t n = 0;
    for (auto& b : batches)
      n += b.offsets.size();
    return n;
  }
  std::vector<seen_batch> snapshot() const {
    std::lock_guard<std::mutex> guard{mx};
    return batches;
  }
  size_t calls_of(const std::string& p) const {
    std::lock_guard<std::mutex> guard{mx};
    auto i = calls.find(p);
    return i == calls.end() ? 0 : i->second;
  }
};

class services_test : public service_fixture {
protected:
  /// Stored positions summed over subscription `only`, or over all of them.
  int64_t stored_sum(std::optional<uint64_t> only = std::nullopt) {
    int64_t sum = 0;
    for (auto& [id, cs] : status().consumers)
      if (!only || id == *only)
        for (auto& [tp, off] : cs.stored)
          sum += off;
    return sum;
  }

  subscription batched(const std::string& topic, batch_log& log, batching_config b) {
    subscription sub;
    sub.topics = {topic};
    sub.group = topic + "-g";
    sub.on_partition_batch = [&log](partition_batch& batch) -> caf::error {
      log.add(batch);
      return caf::none;
    };
    sub.batching = b;
    return sub;
  }
};

} // namespace

TEST_F(services_test, batch_processor_closes_batches_on_count_per_partition_and_commits_after) {
  start();
  auto topic = unique_topic("batch-count");
  ASSERT_FALSE(create_topic(topic_config{topic, 2, 1, {}}));
  batch_log log;
  stop_on_exit stopper{*this}; // first to go: the handlers use the locals above
  ASSERT_TRUE(subscribe(batched(topic, log, batching_config{100, 1u << 20, 500ms})));
  ASSERT_EQ(send(numbered(topic, "c", 0, 1000)), 0u);
  ASSERT_TRUE(await([&] { return log.records() >= 1000; }, 60s));
  size_t by_count = 0;
  for (auto& b : log.snapshot()) {
    EXPECT_LE(b.offsets.size(), 100u);
    EXPECT_TRUE(std::is_sorted(b.offsets.begin(), b.offsets.end()));
    if (b.trigger == batch_trigger::count) {
      EXPECT_EQ(b.offsets.size(), 100u);
      ++by_count;
    }
  }
  EXPECT_GE(by_count, 8u); // 1,000 over 2 partitions: at most one partial batch each
  EXPECT_EQ(log.records(), 1000u);
  // Offsets commit only once the batches were handled: all 1,000 are stored.
  EXPECT_TRUE(await([&] { return stored_sum() == 1000; }, 60s));
}

TEST_F(services_test, batch_processor_closes_a_batch_before_it_passes_max_bytes) {
  start();
  auto topic = unique_topic("batch-bytes");
  ASSERT_FALSE(create_topic(topic_config{topic, 1, 1, {}}));
  batch_log log;
  stop_on_exit stopper{*this}; // first to go: the handlers use the locals above
  ASSERT_TRUE(subscribe(batched(topic, log, batching_config{1000, 10 * 1024, 500ms})));
  message_batch big;
  for (int i = 0; i < 100; ++i)
    big.push_back(message{topic, std::string(1000, 'a' + i % 26), {}, "k"});
  ASSERT_EQ(send(big), 0u);
  ASSERT_TRUE(await([&] { return log.records() >= 100; }, 60s));
  size_t by_bytes = 0;
  for (auto& b : log.snapshot()) {
    EXPECT_LE(b.bytes, 10u * 1024);
    if (b.trigger == batch_trigger::bytes)
      ++by_bytes;
  }
  EXPECT_GE(by_bytes, 9u); // 100 KB in batches of at most 10 records of 1,001 bytes
}

TEST_F(services_test, batch_processor_closes_a_partial_batch_when_its_window_ends) {
  start();
  auto topic = unique_topic("batch-time");
  ASSERT_FALSE(create_topic(topic_config{topic, 1, 1, {}}));
  batch_log log;
  stop_on_exit stopper{*this}; // first to go: the handlers use the locals above
  ASSERT_TRUE(subscribe(batched(topic, log, batching_config{1000, 1u << 20, 300ms})));
  ASSERT_EQ(send(numbered(topic, "t", 0, 5)), 0u);
  ASSERT_TRUE(await([&] { return log.records() >= 5; }, 60s));
  auto batches = log.snapshot();
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(batches[0].trigger, batch_trigger::time);
  EXPECT_EQ(batches[0].offsets.size(), 5u);
  EXPECT_TRUE(await([&] { return stored_sum() == 5; }, 60s));
}

TEST_F(services_test, partial_batch_failure_retries_only_the_marked_records_then_dead_letters) {
  start();
  auto topic = unique_topic("batch-partial");
  ASSERT_FALSE(create_topic(topic_config{topic, 1, 1, {}}));
  batch_log log;
  auto sub = batched(topic, log, batching_config{50, 1u << 20, 200ms});
  sub.on_partition_batch = [&log](partition_batch& batch) -> caf::error {
    log.add(batch);
    for (size_t i = 0; i < batch.size(); ++i)
      if (batch[i].payload().rfind("bad", 0) == 0)
        batch.fail(i, make_error(errc::handler_failed, "bad record"));
    return caf::none;
  };
  retry_policy policy;
  policy.in_place_attempts = 2;
  policy.initial_backoff = 10ms;
  policy.retry_topic_delays = {};
  sub.retry = policy;
  collector dlt;
  stop_on_exit stopper{*this}; // first to go: the handlers use the locals above
  auto id = subscribe(std::move(sub));
  ASSERT_TRUE(id);
  ASSERT_TRUE(subscribe(subscription{{dead_letter_topic_name(topic)}, topic + "-dlt",
                                     dlt.handler()}));
  auto records = numbered(topic, "good", 0, 95);
  for (int i = 0; i < 5; ++i)
    records.push_back(message{topic, "bad-" + std::to_string(i), {}, "k"});
  ASSERT_EQ(send(records), 0u);
  ASSERT_TRUE(dlt.wait_for(5));
  // The source commits past them.
  EXPECT_TRUE(await([&] { return stored_sum(*id) == 100; }, 60s)) << stored_sum(*id);
  for (int i = 0; i < 95; ++i)
    EXPECT_EQ(log.calls_of("good-" + std::to_string(i)), 1u) << i; // not retried with them
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(log.calls_of("bad-" + std::to_string(i)), 2u) << i;
    EXPECT_TRUE(dlt.saw("bad-" + std::to_string(i)));
  }
  EXPECT_EQ(dlt.total(), 5u);
}

TEST_F(services_test, batching_window_beyond_the_drain_deadline_is_refused) {
  cfg.flow.drain_timeout = 1000ms;
  start();
  auto topic = unique_topic("batch-bad");
  ASSERT_FALSE(create_topic(topic_config{topic, 1, 1, {}}));
  batch_log log;
  auto id = subscribe(batched(topic, log, batching_config{10, 1024, 5s}));
  ASSERT_FALSE(id);
  EXPECT_NE(describe(id.error()).find("max_wait"), std::string::npos) << describe(id.error());
}

TEST_F(services_test, dedup_drops_repeated_ids_and_what_a_restart_reads_again) {
  start();
  auto topic = unique_topic("dedup");
  ASSERT_FALSE(create_topic(topic_config{topic, 1, 1, {}}));
  std::mutex mx;
  std::map<std::string, int> calls;
  std::atomic<bool> failed_once{false};
  subscription sub;
  sub.topics = {topic};
  sub.group = topic + "-g";
  sub.on_record = [&](const record& r) -> caf::error {
    std::string p{r.payload()};
    {
      std::lock_guard<std::mutex> guard{mx};
      ++calls[p];
    }
    // Once, mid-stream: the batch fails, the service restarts the consumer, which reads
    // again from the last commit what this run handled already.
    if (p == "d-150" && !failed_once.exchange(true))
      return make_error(errc::handler_failed, "transient");
    return caf::none;
  };
  sub.dedup = dedup_config{};
  stop_on_exit stopper{*this}; // first to go: the handlers use the locals above
  auto id = subscribe(std::move(sub));
  ASSERT_TRUE(id);
  // 200 records, each sent twice with the same id header.
  message_batch records;
  for (int i = 0; i < 200; ++i) {
    message m{topic, "d-" + std::to_string(i), {{"ka.id", "id-" + std::to_string(i)}}, "k"};
    records.push_back(m);
    records.push_back(m);
  }
  ASSERT_EQ(send(records), 0u);
  // A restart on a loaded machine (close, backoff, rejoin of the mock group) can take most of
  // the default 30 s: CI once ran out under ASan.
  ASSERT_TRUE(await([&] { return stored_sum() == 400; }, 90s)) << stored_sum() << " of 400";
  std::lock_guard<std::mutex> guard{mx};
  ASSERT_EQ(calls.size(), 200u);
  for (auto& [p, n] : calls)
    EXPECT_EQ(n, p == "d-150" ? 2 : 1) << p; // the failed one is handled again, nothing else
  EXPECT_TRUE(failed_once);
  auto st = status();
  EXPECT_GE(st.restarts, 1u);
  ASSERT_EQ(st.consumers.count(*id), 1u);
  // 200 repeats, plus whatever the restart read again (counted by the new run only).
  EXPECT_GE(st.consumers[*id].deduplicated, 1u);
}

TEST_F(services_test, last_value_view_matches_the_topic_and_a_replay_from_the_start) {
  start();
  auto topic = unique_topic("view");
  ASSERT_FALSE(create_topic(topic_config{topic, 3, 1, {}}));
  std::map<std::string, std::string> expect;
  message_batch records;
  for (int i = 0; i < 1000; ++i) {
    auto key = "key-" + std::to_string(i % 37);
    auto value = "v" + std::to_string(i);
    expect[key] = value;
    records.push_back(message{topic, value, {}, key});
  }
  ASSERT_EQ(send(records), 0u);
  auto check = [&](const last_value_view_actor& view) {
    for (auto& [key, value] : expect) {
      view_entry e;
      (*self)->request(view, call_timeout, get_atom_v, key)
        .receive([&](view_entry& x) { e = std::move(x); },
                 [&](caf::error& err) { FAIL() << describe(err); });
      EXPECT_TRUE(e.found) << key;
      EXPECT_EQ(e.value, value) << key;
    }
  };
  auto applied = [&](const last_value_view_actor& view) {
    view_status s;
    (*self)->request(view, call_timeout, status_atom_v)
      .receive([&](view_status& x) { s = x; }, [](caf::error&) {});
    return s;
  };
  // Two views, each in a group of its own, each reading the topic from the start.
  std::vector<last_value_view_actor> views;
  for (int n = 0; n < 2; ++n) {
    auto view = spawn_last_value_view(*sys, cache_limits{1000, 1u << 20});
    subscription sub;
    sub.topics = {topic};
    sub.group = topic + "-view-" + std::to_string(n);
    sub.handler = caf::actor_cast<handler_actor>(view);
    ASSERT_TRUE(subscribe(std::move(sub)));
    ASSERT_TRUE(await([&] { return applied(view).applied >= 1000; }, 60s));
    EXPECT_EQ(applied(view).entries, 37u);
    check(view);
    views.push_back(view);
  }
  // A watcher hears of the next change.
  caf::scoped_actor listener{*sys};
  (*self)->request(views[0], call_timeout, watch_atom_v, caf::actor{listener})
    .receive([](bool) {}, [&](caf::error& err) { FAIL() << describe(err); });
  ASSERT_FALSE(send_one(message{topic, "fresh", {}, "key-3"}));
  bool told = false;
  listener->receive(
    [&](changed_atom, const std::string& kind, const view_entry& e) {
      told = true;
      EXPECT_EQ(kind, "updated");
      EXPECT_EQ(e.key, "key-3");
      EXPECT_EQ(e.value, "fresh");
    },
    caf::after(60s) >> [] {});
  EXPECT_TRUE(told);
}

TEST_F(services_test, stop_with_a_batch_still_open_handles_and_commits_it_first) {
  start();
  auto topic = unique_topic("batch-stop");
  ASSERT_FALSE(create_topic(topic_config{topic, 1, 1, {}}));
  batch_log log;
  stop_on_exit stopper{*this}; // first to go: the handlers use the locals above
  auto id = subscribe(batched(topic, log, batching_config{1000, 1u << 20, 2000ms}));
  ASSERT_TRUE(id);
  ASSERT_EQ(send(numbered(topic, "s", 0, 7)), 0u);
  // The records wait in an open batch (the window runs), then the subscription stops.
  ASSERT_TRUE(await([&] { return status().consumers[*id].dispatched >= 7; }, 60s));
  EXPECT_EQ(log.records(), 0u);
  auto final_status = stop_subscription(*id);
  ASSERT_TRUE(final_status) << describe(final_status.error());
  EXPECT_EQ(log.records(), 7u);
  int64_t stored = 0;
  for (auto& [tp, off] : final_status->stored)
    stored += off;
  EXPECT_EQ(stored, 7);
  EXPECT_FALSE(final_status->stop_deadline_passed);
}
