// Per-key order inside a lane: a waiting key blocks only itself.

#include "kafka_actors/runtime/key_scheduler.hpp"

#include <gtest/gtest.h>

using kafka_actors::key_scheduler;

namespace {

// Runs everything runnable, each item done at once; returns the values in run order.
std::vector<int> drain(key_scheduler<int>& s) {
  std::vector<int> out;
  while (auto it = s.next()) {
    out.push_back(it->value);
    s.done(it->key);
  }
  return out;
}

} // namespace

TEST(key_scheduler, without_failures_items_run_in_arrival_order) {
  key_scheduler<int> s;
  s.push(1, 10);
  s.push(2, 20);
  s.push(1, 11);
  s.push(3, 30);
  EXPECT_EQ(drain(s), (std::vector<int>{10, 20, 11, 30}));
  EXPECT_TRUE(s.empty());
}

TEST(key_scheduler, a_key_runs_one_item_at_a_time) {
  key_scheduler<int> s;
  s.push(1, 10);
  s.push(1, 11);
  s.push(2, 20);
  auto a = s.next();
  ASSERT_TRUE(a);
  EXPECT_EQ(a->value, 10);
  auto b = s.next(); // key 1 is running: key 2 comes next, never 11
  ASSERT_TRUE(b);
  EXPECT_EQ(b->value, 20);
  EXPECT_FALSE(s.next());
  s.done(1);
  auto c = s.next();
  ASSERT_TRUE(c);
  EXPECT_EQ(c->value, 11);
}

TEST(key_scheduler, a_waiting_key_blocks_only_itself_and_resumes_in_its_own_order) {
  key_scheduler<int> s;
  for (int i = 0; i < 6; ++i)
    s.push(static_cast<uint64_t>(i % 2), i); // key 0: 0 2 4, key 1: 1 3 5
  auto first = s.next();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->value, 0);
  s.defer(first->key, 100); // 0 failed and waits for a retry (its value now says attempt 2)
  EXPECT_EQ(s.waiting(), 1u);
  EXPECT_EQ(drain(s), (std::vector<int>{1, 3, 5})); // key 1 flows on
  EXPECT_EQ(s.size(), 3u);
  s.resume(0);
  EXPECT_EQ(drain(s), (std::vector<int>{100, 2, 4}));
  EXPECT_TRUE(s.empty());
}

TEST(key_scheduler, defer_and_resume_of_a_key_not_in_that_state_change_nothing) {
  key_scheduler<int> s;
  s.push(1, 10);
  s.resume(1);
  s.defer(1, 99); // not running
  s.done(7);      // unknown
  EXPECT_EQ(drain(s), (std::vector<int>{10}));
}

TEST(key_scheduler, drop_if_removes_queued_items_but_not_running_or_waiting_heads) {
  key_scheduler<int> s;
  s.push(1, 10);
  s.push(1, 11);
  s.push(2, 20);
  s.push(3, 31);
  auto a = s.next(); // 10 runs
  ASSERT_TRUE(a);
  auto b = s.next(); // 20 runs
  ASSERT_TRUE(b);
  s.defer(b->key, 20); // and waits
  std::vector<int> removed;
  s.drop_if([](int v) { return v % 2 == 1 || v == 20; }, [&](int v) { removed.push_back(v); });
  EXPECT_EQ(removed.size(), 2u); // 11 and 31: the running 10 and the waiting 20 stay
  EXPECT_EQ(s.size(), 2u);
  s.done(1);
  s.resume(2);
  EXPECT_EQ(drain(s), (std::vector<int>{20}));
}

TEST(key_scheduler, an_item_run_outside_can_join_as_a_waiting_head) {
  key_scheduler<int> s;
  EXPECT_FALSE(s.contains(5));
  s.push_waiting(5, 50); // ran directly and failed: waits for its retry
  EXPECT_TRUE(s.contains(5));
  EXPECT_EQ(s.waiting(), 1u);
  s.push(5, 51); // behind it
  s.push(6, 60);
  EXPECT_EQ(drain(s), (std::vector<int>{60}));
  s.resume(5);
  EXPECT_EQ(drain(s), (std::vector<int>{50, 51}));
  EXPECT_FALSE(s.contains(5));
}
