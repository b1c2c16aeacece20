// The message cache's pure parts: the bounded LRU, the deduplication window and the
// last-value view.

#include <gtest/gtest.h>

#include "kafka_actors/runtime/dedup_window.hpp"
#include "kafka_actors/runtime/last_value_view.hpp"
#include "kafka_actors/runtime/lru_cache.hpp"

using namespace kafka_actors;
using namespace std::chrono_literals;

TEST(lru_cache_test, least_recently_used_entry_goes_first) {
  lru_cache<int> c{{3, 1u << 20}};
  c.put("a", 1, 4);
  c.put("b", 2, 4);
  c.put("c", 3, 4);
  ASSERT_NE(c.get("a"), nullptr); // a is now the most recent
  c.put("d", 4, 4);
  EXPECT_EQ(c.size(), 3u);
  EXPECT_EQ(c.peek("b"), nullptr);
  EXPECT_NE(c.peek("a"), nullptr);
  EXPECT_EQ(c.evictions(), 1u);
}

TEST(lru_cache_test, bytes_bound_holds_under_a_stream_of_unique_keys) {
  cache_limits limits{1'000'000, 64 * 1024};
  lru_cache<std::string> c{limits};
  size_t max_seen = 0;
  for (int i = 0; i < 100'000; ++i) {
    auto key = "key-" + std::to_string(i);
    std::string value(i % 97, 'x');
    auto n = value.size();
    c.put(key, std::move(value), n);
    max_seen = std::max(max_seen, c.bytes());
  }
  EXPECT_LE(max_seen, limits.max_bytes);
  EXPECT_GT(c.evictions(), 90'000u);
  // The newest entries are the ones kept.
  EXPECT_NE(c.peek("key-99999"), nullptr);
  EXPECT_EQ(c.peek("key-0"), nullptr);
}

TEST(lru_cache_test, entry_larger_than_the_bound_is_refused_and_replaces_nothing) {
  lru_cache<std::string> c{{10, 200}};
  ASSERT_TRUE(c.put("k", "small", 5));
  EXPECT_FALSE(c.put("k", std::string(500, 'x'), 500));
  EXPECT_EQ(c.peek("k"), nullptr); // the old value is not silently kept under a new write
  EXPECT_EQ(c.bytes(), 0u);
}

TEST(lru_cache_test, replacing_a_key_counts_its_bytes_once) {
  lru_cache<std::string> c{{10, 10'000}};
  c.put("k", "aaaa", 4);
  c.put("k", "bbbbbbbb", 8);
  EXPECT_EQ(c.size(), 1u);
  EXPECT_EQ(c.bytes(), 1 + 8 + lru_cache<std::string>::entry_overhead);
  EXPECT_EQ(*c.peek("k"), "bbbbbbbb");
}

TEST(dedup_window_test, duplicate_within_the_window_is_seen_and_passes_after_it) {
  dedup_config cfg;
  cfg.window = 10s;
  dedup_window w{cfg};
  auto t0 = dedup_window::clock::time_point{} + 1h;
  EXPECT_FALSE(w.seen("i:1", t0));
  w.remember("i:1", t0);
  EXPECT_TRUE(w.seen("i:1", t0 + 9s));
  EXPECT_EQ(w.duplicates(), 1u);
  // Duplicates do not extend the window: it ends 10 s after the first handling.
  w.remember("i:1", t0 + 9s);
  EXPECT_FALSE(w.seen("i:1", t0 + 10s));
  EXPECT_EQ(w.size(), 0u); // expired sightings are freed
}

TEST(dedup_window_test, record_not_remembered_is_never_a_duplicate_of_itself) {
  // A record that failed is not remembered, so its retry is handled.
  dedup_window w{dedup_config{}};
  auto t0 = dedup_window::clock::time_point{} + 1h;
  EXPECT_FALSE(w.seen("k:a#1", t0));
  EXPECT_FALSE(w.seen("k:a#1", t0 + 1s));
}

TEST(dedup_window_test, bounds_hold_and_count_what_was_forgotten_early) {
  dedup_config cfg;
  cfg.window = 1h;
  cfg.limits = {1000, 1u << 20};
  dedup_window w{cfg};
  auto t = dedup_window::clock::time_point{} + 1h;
  for (int i = 0; i < 5000; ++i)
    w.remember("i:" + std::to_string(i), t);
  EXPECT_EQ(w.size(), 1000u);
  EXPECT_EQ(w.forgotten_early(), 4000u);
  EXPECT_TRUE(w.seen("i:4999", t));
  EXPECT_FALSE(w.seen("i:0", t)); // evicted by the bound: a late duplicate passes
}

TEST(dedup_window_test, identity_prefers_the_id_header_and_else_hashes_key_and_payload) {
  EXPECT_EQ(dedup_window::identity("abc", "key", "payload"), "i:abc");
  auto a = dedup_window::identity("", "key", "payload");
  EXPECT_EQ(a, dedup_window::identity("", "key", "payload"));
  EXPECT_NE(a, dedup_window::identity("", "key", "payload2"));
  EXPECT_NE(a, dedup_window::identity("", "key2", "payload"));
  EXPECT_EQ(a.rfind("k:key#", 0), 0u);
}

TEST(last_value_view_test, latest_value_per_key_with_tombstones_and_replays) {
  last_value_view v{{100, 1u << 20}};
  EXPECT_EQ(v.apply("a", std::string_view{"1"}, 0, 10), view_change::inserted);
  EXPECT_EQ(v.apply("a", std::string_view{"2"}, 0, 11), view_change::updated);
  EXPECT_EQ(v.apply("a", std::string_view{"2"}, 0, 12), view_change::unchanged);
  // A replay of an older offset changes nothing.
  EXPECT_EQ(v.apply("a", std::string_view{"1"}, 0, 10), view_change::unchanged);
  EXPECT_EQ(v.get("a")->value, "2");
  EXPECT_EQ(v.get("a")->offset, 12);
  EXPECT_EQ(v.apply("a", std::nullopt, 0, 13), view_change::deleted);
  EXPECT_EQ(v.get("a"), nullptr);
  EXPECT_EQ(v.apply("b", std::nullopt, 0, 14), view_change::unchanged);
}

TEST(last_value_view_test, replay_from_the_start_gives_the_same_view) {
  struct rec {
    std::string key;
    std::optional<std::string> value;
    int64_t offset;
  };
  std::vector<rec> log;
  for (int i = 0; i < 1000; ++i) {
    auto key = "k" + std::to_string(i % 37);
    if (i % 11 == 0)
      log.push_back({key, std::nullopt, i});
    else
      log.push_back({key, "v" + std::to_string(i), i});
  }
  auto fill = [&](last_value_view& v) {
    for (auto& r : log)
      v.apply(r.key, r.value ? std::optional<std::string_view>{*r.value} : std::nullopt, 0,
              r.offset);
  };
  last_value_view first{{1000, 1u << 20}};
  fill(first);
  last_value_view replayed{{1000, 1u << 20}};
  fill(replayed);
  fill(replayed); // the same records once more change nothing
  ASSERT_EQ(first.size(), replayed.size());
  first.for_each([&](std::string_view key, const keyed_value& kv) {
    auto other = replayed.get(key);
    ASSERT_NE(other, nullptr) << key;
    EXPECT_EQ(other->value, kv.value);
  });
  // And it matches the log itself: the last write per key wins, tombstones delete.
  std::map<std::string, std::optional<std::string>> expect;
  for (auto& r : log)
    expect[r.key] = r.value;
  for (auto& [k, v] : expect) {
    auto held = first.get(k);
    if (v)
      ASSERT_TRUE(held && held->value == *v) << k;
    else
      EXPECT_EQ(held, nullptr) << k;
  }
}
