// Stalled partitions and consumers stuck joining, round by round under an injected clock.

#include "kafka_actors/runtime/progress_watch.hpp"

#include <gtest/gtest.h>

using namespace kafka_actors;
using namespace std::chrono_literals;

namespace {

class progress_watch_test : public ::testing::Test {
protected:
  progress_watch watch{60s, 30s};
  progress_watch::clock::time_point t0 = progress_watch::clock::now();

  static progress_sample consumer(uint64_t id, std::vector<progress_sample::partition> parts,
                                  size_t assigned = 1) {
    progress_sample s;
    s.subscription = id;
    s.group = "g";
    s.assigned = assigned;
    s.partitions = std::move(parts);
    return s;
  }
};

} // namespace

TEST_F(progress_watch_test, waiting_records_and_no_progress_for_the_bound_is_stalled) {
  auto round = [&](int64_t position, int64_t waiting, std::chrono::seconds at) {
    return watch.observe({consumer(1, {{"t", 0, waiting, position}})}, t0 + at);
  };
  EXPECT_TRUE(round(10, 5, 0s).stalled.empty());
  EXPECT_TRUE(round(10, 5, 59s).stalled.empty());
  auto v = round(10, 7, 60s);
  ASSERT_EQ(v.stalled.size(), 1u);
  EXPECT_EQ(v.stalled[0].topic, "t");
  EXPECT_EQ(v.stalled[0].waiting, 7);
  EXPECT_EQ(v.stalled[0].stalled_for, 60s);
  EXPECT_EQ(v.reason(), "subscription 1 (group 'g'): t[0] stalled for 60000 ms with 7 records waiting");
  // Progress resets the clock: not stalled again until another full bound without it.
  EXPECT_TRUE(round(11, 6, 61s).stalled.empty());
  EXPECT_TRUE(round(11, 6, 120s).stalled.empty());
  EXPECT_EQ(round(11, 6, 121s).stalled.size(), 1u);
}

TEST_F(progress_watch_test, an_idle_partition_is_never_stalled_however_long_nothing_arrives) {
  for (int h = 0; h <= 10; ++h) {
    auto v = watch.observe({consumer(1, {{"t", 0, 0, 500}})}, t0 + std::chrono::hours{h});
    EXPECT_TRUE(v.stalled.empty());
    EXPECT_EQ(v.reason(), "");
  }
  // Records arrive after the idle hours: the clock starts then, not at the start.
  EXPECT_TRUE(watch.observe({consumer(1, {{"t", 0, 3, 500}})}, t0 + 11h).stalled.empty());
  EXPECT_TRUE(watch.observe({consumer(1, {{"t", 0, 3, 500}})}, t0 + 11h + 59s).stalled.empty());
  EXPECT_EQ(watch.observe({consumer(1, {{"t", 0, 3, 500}})}, t0 + 11h + 60s).stalled.size(), 1u);
}

TEST_F(progress_watch_test, a_revoked_partition_or_stopping_consumer_is_forgotten) {
  watch.observe({consumer(1, {{"t", 0, 5, 10}, {"t", 1, 5, 10}})}, t0);
  // Partition 1 revoked at 30 s; back at 50 s: its clock starts again.
  watch.observe({consumer(1, {{"t", 0, 5, 10}})}, t0 + 30s);
  auto v = watch.observe({consumer(1, {{"t", 0, 5, 10}, {"t", 1, 5, 10}})}, t0 + 60s);
  ASSERT_EQ(v.stalled.size(), 1u);
  EXPECT_EQ(v.stalled[0].partition, 0);
  auto stopping = consumer(1, {{"t", 0, 5, 10}});
  stopping.stopping = true;
  EXPECT_TRUE(watch.observe({stopping}, t0 + 200s).stalled.empty());
  // Running again later: watched from then on.
  EXPECT_TRUE(watch.observe({consumer(1, {{"t", 0, 5, 10}})}, t0 + 201s).stalled.empty());
}

TEST_F(progress_watch_test, a_consumer_without_partitions_for_the_bound_is_stuck_joining) {
  EXPECT_TRUE(watch.observe({consumer(2, {}, 0)}, t0).stuck_joining.empty());
  EXPECT_TRUE(watch.observe({consumer(2, {}, 0)}, t0 + 29s).stuck_joining.empty());
  auto v = watch.observe({consumer(2, {}, 0)}, t0 + 30s);
  ASSERT_EQ(v.stuck_joining.size(), 1u);
  EXPECT_EQ(v.stuck_joining[0].unassigned_for, 30s);
  EXPECT_EQ(v.reason(), "subscription 2 (group 'g'): stuck joining, no partition for 30000 ms");
  // Assigned: fine; unassigned again (a rebalance) starts a new bound.
  EXPECT_TRUE(watch.observe({consumer(2, {}, 3)}, t0 + 31s).stuck_joining.empty());
  EXPECT_TRUE(watch.observe({consumer(2, {}, 0)}, t0 + 32s).stuck_joining.empty());
  EXPECT_TRUE(watch.observe({consumer(2, {}, 0)}, t0 + 61s).stuck_joining.empty());
  EXPECT_EQ(watch.observe({consumer(2, {}, 0)}, t0 + 62s).stuck_joining.size(), 1u);
  // Gone from the round (stopped): forgotten.
  watch.observe({}, t0 + 63s);
  EXPECT_TRUE(watch.observe({consumer(2, {}, 0)}, t0 + 64s).stuck_joining.empty());
}

TEST_F(progress_watch_test, both_kinds_in_one_reason) {
  watch.observe({consumer(1, {{"t", 0, 5, 10}}), consumer(2, {}, 0)}, t0);
  auto v = watch.observe({consumer(1, {{"t", 0, 5, 10}}), consumer(2, {}, 0)}, t0 + 60s);
  EXPECT_EQ(v.stalled.size(), 1u);
  EXPECT_EQ(v.stuck_joining.size(), 1u);
  EXPECT_NE(v.reason().find("stalled"), std::string::npos);
  EXPECT_NE(v.reason().find("; subscription 2"), std::string::npos);
}
