// Lane selection: partition -> lane, key hash -> sub-lane, a cap on lanes, and lanes that
// are given up only when nothing routed to them is unfinished.

#include "kafka_actors/runtime/lane_router.hpp"

#include <set>

#include <gtest/gtest.h>

using namespace kafka_actors;

namespace {

lane_options opts(uint32_t key_lanes = 1, uint32_t cap = 16,
                  null_key_policy nulls = null_key_policy::one_lane, bool per_partition = true) {
  lane_options o;
  o.key_lanes = key_lanes;
  o.max_lane_threads = cap;
  o.null_keys = nulls;
  o.per_partition = per_partition;
  return o;
}

} // namespace

TEST(lane_router, one_lane_per_partition_and_the_same_lane_for_one_key) {
  lane_router r{opts()};
  auto h = lane_router::hash_key("k1");
  EXPECT_EQ(r.lane_of(0, h, false), r.lane_of(0, lane_router::hash_key("other"), false));
  EXPECT_NE(r.lane_of(0, h, false), r.lane_of(1, h, false));
  auto a = r.place(r.lane_of(0, h, false), 1);
  auto b = r.place(r.lane_of(1, h, false), 1);
  auto c = r.place(r.lane_of(0, h, false), 1);
  EXPECT_TRUE(a.spawn);
  EXPECT_TRUE(b.spawn);
  EXPECT_FALSE(c.spawn);
  EXPECT_NE(a.lane, b.lane);
  EXPECT_EQ(a.lane, c.lane);
}

TEST(lane_router, key_lanes_spread_keys_of_one_partition_and_keep_each_key_on_one) {
  lane_router r{opts(4)};
  std::set<lane_router::lane_key> used;
  for (int i = 0; i < 200; ++i) {
    auto h = lane_router::hash_key("key-" + std::to_string(i));
    auto k = r.lane_of(0, h, false);
    EXPECT_EQ(k, r.lane_of(0, h, false));
    EXPECT_EQ(lane_router::partition_of(k), 0u);
    used.insert(k);
  }
  EXPECT_EQ(used.size(), 4u);
}

TEST(lane_router, null_keys_are_one_ordered_key_or_spread_and_unordered) {
  lane_router one{opts(4)};
  EXPECT_EQ(one.lane_of(0, 0, true), one.lane_of(0, 0, true));
  EXPECT_EQ(one.order_key(0, 0, true), one.order_key(0, 0, true));
  lane_router spread{opts(4, 16, null_key_policy::unordered)};
  std::set<lane_router::lane_key> lanes;
  std::set<uint64_t> orders;
  for (int i = 0; i < 8; ++i) {
    lanes.insert(spread.lane_of(0, 0, true));
    orders.insert(spread.order_key(0, 0, true));
  }
  EXPECT_EQ(lanes.size(), 4u);
  EXPECT_EQ(orders.size(), 8u); // no null-key record waits for another
}

TEST(lane_router, order_keys_differ_per_partition_for_the_same_key) {
  lane_router r{opts()};
  auto h = lane_router::hash_key("k");
  EXPECT_EQ(r.order_key(3, h, false), r.order_key(3, h, false));
  EXPECT_NE(r.order_key(3, h, false), r.order_key(4, h, false));
}

TEST(lane_router, past_the_cap_partitions_share_the_least_loaded_lane) {
  lane_router r{opts(1, 2)};
  auto a = r.place(r.lane_of(0, 0, false), 5);
  auto b = r.place(r.lane_of(1, 0, false), 1);
  auto c = r.place(r.lane_of(2, 0, false), 1); // both hold one key: the one with less work
  EXPECT_TRUE(a.spawn && b.spawn);
  EXPECT_FALSE(c.spawn);
  EXPECT_EQ(c.lane, b.lane);
  EXPECT_EQ(r.lanes(), 2u);
}

TEST(lane_router, a_revoked_partition_leaves_its_lane_only_once_nothing_of_it_is_unfinished) {
  lane_router r{opts()};
  auto k0 = r.lane_of(0, 0, false);
  auto k1 = r.lane_of(1, 0, false);
  auto l0 = r.place(k0, 3).lane;
  r.place(k1, 1);
  auto gone0 = [](uint32_t part) { return part == 0; };
  EXPECT_TRUE(r.collect(gone0).empty()); // 3 records of partition 0 still run
  r.finished(k0, 2);
  EXPECT_TRUE(r.collect(gone0).empty());
  // Came back meanwhile: new records go to the same lane, behind the old ones.
  EXPECT_EQ(r.place(k0, 1).lane, l0);
  r.finished(k0, 2);
  auto stopped = r.collect(gone0);
  ASSERT_EQ(stopped.size(), 1u);
  EXPECT_EQ(stopped[0], l0);
  lane_router::lane_id where = 0;
  EXPECT_FALSE(r.lane_for(k0, where));
  EXPECT_TRUE(r.lane_for(k1, where));
  // A new lane for partition 0 now gets a new id.
  auto again = r.place(k0, 1);
  EXPECT_TRUE(again.spawn);
  EXPECT_NE(again.lane, l0);
}

TEST(lane_router, options_are_checked) {
  EXPECT_TRUE(lane_options_problem(opts()).empty());
  EXPECT_NE(lane_options_problem(opts(0)).find("key_lanes"), std::string::npos);
  EXPECT_NE(lane_options_problem(opts(1, 0)).find("max_lane_threads"), std::string::npos);
}
