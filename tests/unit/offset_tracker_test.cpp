#include "kafka_actors/runtime/offset_tracker.hpp"

#include <gtest/gtest.h>

using kafka_actors::commit_position;
using kafka_actors::offset_tracker;
using kafka_actors::topic_partition;

namespace {

const topic_partition p0{"t", 0};
const topic_partition p1{"t", 1};

std::vector<commit_position> ack(offset_tracker& t, uint64_t id) {
  std::vector<commit_position> out;
  t.acked(id, out);
  return out;
}

} // namespace

TEST(offset_tracker, stores_only_the_contiguous_acked_prefix) {
  offset_tracker t;
  t.assign(p0);
  t.dispatched(1, p0, 9);  // offsets 0..9
  t.dispatched(2, p0, 19); // 10..19
  t.dispatched(3, p0, 29); // 20..29
  EXPECT_TRUE(ack(t, 2).empty()); // 0..9 still open
  EXPECT_TRUE(ack(t, 3).empty());
  auto out = ack(t, 1);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].tp, p0);
  EXPECT_EQ(out[0].next_offset, 30); // all three done
  EXPECT_EQ(t.pending(), 0u);
}

TEST(offset_tracker, batches_spanning_partitions_advance_each) {
  offset_tracker t;
  t.assign(p0);
  t.assign(p1);
  t.dispatched(1, p0, 4);
  t.dispatched(1, p1, 7);
  t.dispatched(2, p1, 9);
  auto out = ack(t, 1);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(t.pending(p1), 1u);
  out = ack(t, 2);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].tp, p1);
  EXPECT_EQ(out[0].next_offset, 10);
}

TEST(offset_tracker, late_ack_after_revoke_stores_nothing) {
  offset_tracker t;
  t.assign(p0);
  t.dispatched(1, p0, 9);
  t.revoke(p0);
  EXPECT_TRUE(ack(t, 1).empty());
  EXPECT_EQ(t.pending(), 0u);
}

TEST(offset_tracker, ack_from_before_reassignment_is_fenced) {
  offset_tracker t;
  t.assign(p0);
  t.dispatched(1, p0, 9);
  t.revoke(p0);
  t.assign(p0); // same partition, new generation
  t.dispatched(2, p0, 19);
  EXPECT_TRUE(ack(t, 1).empty()); // old generation
  auto out = ack(t, 2);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].next_offset, 20);
}

TEST(offset_tracker, unknown_batch_and_double_ack_are_ignored) {
  offset_tracker t;
  t.assign(p0);
  t.dispatched(1, p0, 3);
  EXPECT_TRUE(ack(t, 42).empty());
  EXPECT_EQ(ack(t, 1).size(), 1u);
  EXPECT_TRUE(ack(t, 1).empty());
}

TEST(offset_tracker, dispatch_for_unassigned_partition_is_not_tracked) {
  offset_tracker t;
  t.dispatched(1, p0, 3);
  EXPECT_EQ(t.pending(), 0u);
  EXPECT_TRUE(ack(t, 1).empty());
  EXPECT_FALSE(t.is_assigned(p0));
}
