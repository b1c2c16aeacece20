// Batches close on count, bytes or window, per partition; an injected clock drives time.

#include <gtest/gtest.h>

#include "kafka_actors/runtime/batch_collector.hpp"

using namespace kafka_actors;
using namespace std::chrono_literals;

namespace {

using clock_type = batch_collector::clock;
const topic_partition p0{"t", 0};
const topic_partition p1{"t", 1};

batch_collector::item rec(uint32_t i, size_t bytes = 10) {
  return batch_collector::item{1, i, bytes};
}

} // namespace

TEST(batch_collector_test, batch_closes_on_its_record_count) {
  batch_collector c{batching_config{3, 1u << 20, 1s}};
  std::vector<batch_collector::closed_batch> out;
  auto t = clock_type::time_point{} + 1h;
  c.add(p0, rec(0), t, out);
  c.add(p0, rec(1), t, out);
  EXPECT_TRUE(out.empty());
  c.add(p0, rec(2), t, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].items.size(), 3u);
  EXPECT_EQ(out[0].trigger, batch_trigger::count);
  EXPECT_EQ(c.open_records(), 0u);
}

TEST(batch_collector_test, record_that_would_pass_the_byte_bound_starts_a_new_batch) {
  batch_collector c{batching_config{100, 100, 1s}};
  std::vector<batch_collector::closed_batch> out;
  auto t = clock_type::time_point{} + 1h;
  c.add(p0, rec(0, 40), t, out);
  c.add(p0, rec(1, 40), t, out);
  c.add(p0, rec(2, 40), t, out); // 120 > 100: the first two close
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].items.size(), 2u);
  EXPECT_EQ(out[0].bytes, 80u);
  EXPECT_EQ(out[0].trigger, batch_trigger::bytes);
  EXPECT_EQ(c.open_records(), 1u);
  // A record larger than the bound alone makes a batch of its own at once.
  out.clear();
  c.add(p1, rec(3, 500), t, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].tp, p1);
  EXPECT_EQ(out[0].items.size(), 1u);
}

TEST(batch_collector_test, window_closes_a_batch_from_its_first_record) {
  batch_collector c{batching_config{100, 1u << 20, 200ms}};
  std::vector<batch_collector::closed_batch> out;
  auto t = clock_type::time_point{} + 1h;
  c.add(p0, rec(0), t, out);
  c.add(p1, rec(1), t + 150ms, out);
  c.add(p0, rec(2), t + 150ms, out);
  ASSERT_EQ(c.next_deadline(), t + 200ms);
  c.close_due(t + 199ms, out);
  EXPECT_TRUE(out.empty());
  c.close_due(t + 200ms, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].tp, p0);
  EXPECT_EQ(out[0].items.size(), 2u);
  EXPECT_EQ(out[0].trigger, batch_trigger::time);
  EXPECT_EQ(c.next_deadline(), t + 350ms); // p1's window runs from its own first record
}

TEST(batch_collector_test, partitions_batch_apart_and_flush_closes_everything) {
  batch_collector c{batching_config{2, 1u << 20, 1s}};
  std::vector<batch_collector::closed_batch> out;
  auto t = clock_type::time_point{} + 1h;
  c.add(p0, rec(0), t, out);
  c.add(p1, rec(1), t, out);
  EXPECT_TRUE(out.empty()); // one record each: neither partition's batch is full
  c.flush(out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].trigger, batch_trigger::flush);
  EXPECT_FALSE(c.next_deadline());
}

TEST(batch_collector_test, revoked_partition_gives_back_its_open_items) {
  batch_collector c{batching_config{10, 1u << 20, 1s}};
  std::vector<batch_collector::closed_batch> out;
  auto t = clock_type::time_point{} + 1h;
  c.add(p0, rec(0), t, out);
  c.add(p0, rec(1), t, out);
  c.add(p1, rec(2), t, out);
  auto items = c.discard(p0);
  EXPECT_EQ(items.size(), 2u);
  EXPECT_EQ(c.open_records(), 1u);
  EXPECT_TRUE(c.discard(p0).empty());
}
