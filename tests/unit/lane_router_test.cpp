// Lane selection: partition -> lane, key hash -> sub-lane, a cap on lanes, and lanes that
// are given up only when nothing routed to them is unfinished.

#include "kafka_actors/runtime/lane_router.hpp"

#include <map>
#include <set>
#include <vector>

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

TEST(lane_router, key_lanes_keep_each_key_on_one_lane_and_its_partition) {
  lane_router r{opts(4)};
  std::set<lane_router::lane_key> used;
  for (int i = 0; i < 200; ++i) {
    auto h = lane_router::hash_key("key-" + std::to_string(i));
    auto k = r.lane_of(0, h, false);
    EXPECT_EQ(k, r.lane_of(0, h, false));
    EXPECT_EQ(lane_router::partition_of(k), 0u);
    EXPECT_NE(k, r.lane_of(1, h, false));
    used.insert(k);
  }
  EXPECT_EQ(used.size(), 200u); // a lane key per key: placed one by one
}

// Static hashing put up to ~18 of 100 keys on one of 8 lanes; placing each key on the lane
// with the fewest keys puts 12 or 13 on every lane.
TEST(lane_router, key_lanes_balance_keys_over_the_partitions_lanes) {
  lane_router r{opts(8)};
  std::map<lane_router::lane_id, int> keys_per_lane;
  size_t spawned = 0;
  for (int i = 0; i < 100; ++i) {
    auto k = r.lane_of(0, lane_router::hash_key("key-" + std::to_string(i)), false);
    auto where = r.place(k, 1);
    spawned += where.spawn ? 1 : 0;
    ++keys_per_lane[where.lane];
  }
  EXPECT_EQ(spawned, 8u);
  EXPECT_EQ(r.lanes(), 8u);
  ASSERT_EQ(keys_per_lane.size(), 8u);
  for (auto& [lane, n] : keys_per_lane) {
    EXPECT_GE(n, 12) << "lane " << lane;
    EXPECT_LE(n, 13) << "lane " << lane;
  }
}

TEST(lane_router, a_key_moves_only_once_all_of_it_is_finished) {
  lane_router r{opts(2)};
  auto a = r.lane_of(0, lane_router::hash_key("a"), false);
  auto b = r.lane_of(0, lane_router::hash_key("b"), false);
  auto c = r.lane_of(0, lane_router::hash_key("c"), false);
  auto la = r.place(a, 2).lane;
  auto lb = r.place(b, 5).lane;
  EXPECT_NE(la, lb);
  // c joins the lane with fewer unfinished records (both hold one key).
  EXPECT_EQ(r.place(c, 1).lane, la);
  r.finished(a, 1);
  EXPECT_EQ(r.place(a, 1).lane, la) << "a still has a record on its lane: it stays";
  r.finished(a, 2);
  lane_router::lane_id where = 0;
  EXPECT_FALSE(r.lane_for(a, where)) << "all of a is finished: forgotten";
  // With c done too, la holds no key and lb holds b: a goes to la, and later d, with la
  // holding c again and lb empty, goes to lb.
  r.finished(c, 1);
  EXPECT_EQ(r.place(a, 1).lane, la);
  r.finished(a, 1);
  r.place(c, 1); // la now: c
  auto d = r.lane_of(0, lane_router::hash_key("d"), false);
  r.finished(b, 5); // lb: no keys left
  EXPECT_EQ(r.place(d, 1).lane, lb);
  EXPECT_EQ(r.unfinished(), 2u);
}

TEST(lane_router, key_lanes_are_capped_per_partition_and_in_all) {
  lane_router r{opts(4, 6)};
  std::map<uint32_t, std::set<lane_router::lane_id>> lanes_of;
  for (uint32_t part = 0; part < 3; ++part)
    for (int i = 0; i < 20; ++i)
      lanes_of[part].insert(
        r.place(r.lane_of(part, lane_router::hash_key("k" + std::to_string(i)), false), 1)
          .lane);
  EXPECT_EQ(r.lanes(), 6u);
  EXPECT_EQ(lanes_of[0].size(), 4u);
  EXPECT_EQ(lanes_of[1].size(), 2u); // the cap of 6 in all came first
  // Partition 2 has no lane of its own: its keys share the least loaded ones.
  EXPECT_GE(lanes_of[2].size(), 1u);
  for (auto id : lanes_of[2])
    EXPECT_TRUE(lanes_of[0].count(id) + lanes_of[1].count(id) == 1);
}

TEST(lane_router, key_lanes_stay_while_their_partition_is_assigned_and_hold_no_idle_keys) {
  lane_router r{opts(4)};
  std::vector<lane_router::lane_key> keys;
  for (int i = 0; i < 10000; ++i) {
    auto k = r.lane_of(i % 2, lane_router::hash_key("unique-" + std::to_string(i)), false);
    r.place(k, 1);
    keys.push_back(k);
  }
  EXPECT_EQ(r.lanes(), 8u);
  for (auto k : keys)
    r.finished(k, 1);
  EXPECT_EQ(r.unfinished(), 0u);
  lane_router::lane_id where = 0;
  for (auto k : keys)
    ASSERT_FALSE(r.lane_for(k, where)); // nothing kept per finished key
  EXPECT_TRUE(r.collect([](uint32_t) { return false; }).empty())
    << "idle lanes of assigned partitions stay for the next keys";
  EXPECT_EQ(r.collect([](uint32_t part) { return part == 1; }).size(), 4u);
  EXPECT_EQ(r.lanes(), 4u);
  // Partition 1 came back: it gets lanes of its own again.
  EXPECT_TRUE(r.place(r.lane_of(1, lane_router::hash_key("x"), false), 1).spawn);
}

TEST(lane_router, null_keys_are_one_ordered_key_or_spread_and_unordered) {
  lane_router one{opts(4)};
  EXPECT_EQ(one.lane_of(0, 0, true), one.lane_of(0, 0, true));
  EXPECT_EQ(one.order_key(0, 0, true), one.order_key(0, 0, true));
  lane_router spread{opts(4, 16, null_key_policy::unordered)};
  std::set<lane_router::lane_id> lanes;
  std::set<uint64_t> orders;
  for (int i = 0; i < 8; ++i) {
    lanes.insert(spread.place(spread.lane_of(0, 0, true), 1).lane);
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
