// remote_feed_flow: credit through a feed is bounded by the handler's grant, a lost handler's
// unacknowledged batches go to the next one first, and a restarted consumer never gets an
// answer meant for its predecessor.

#include <gtest/gtest.h>

#include <string>

#include "kafka_actors/runtime/remote_feed_flow.hpp"

using kafka_actors::remote_feed_flow;
using flow = remote_feed_flow<std::string>;

namespace {

std::vector<std::string> names(const std::vector<flow::send>& xs) {
  std::vector<std::string> out;
  for (auto& x : xs)
    out.push_back(x.batch);
  return out;
}

} // namespace

TEST(remote_feed_flow, the_consumer_gets_no_more_than_the_handler_granted) {
  flow f;
  f.consumer_joined();
  EXPECT_EQ(f.consumer_grant(), 0) << "no handler, no credit";
  f.handler_attached();
  EXPECT_TRUE(f.on_grant(100).empty());
  EXPECT_EQ(f.consumer_grant(), 100);
  EXPECT_EQ(f.consumer_grant(), 0) << "granted once";
  auto out = f.on_batch(1, 60, "a");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].records, 60);
  EXPECT_EQ(f.consumer_credit(), 40);
  EXPECT_EQ(f.in_flight(), 60);
  EXPECT_EQ(f.consumer_grant(), 0) << "the 40 left of the grant are the consumer's already";
  EXPECT_EQ(f.on_ack(out[0].wire_id), std::optional<uint64_t>{1});
  EXPECT_TRUE(f.on_grant(60).empty());
  EXPECT_EQ(f.consumer_grant(), 60);
  EXPECT_EQ(f.in_flight(), 0);
}

TEST(remote_feed_flow, batches_wait_while_the_handler_has_no_credit) {
  flow f;
  f.consumer_joined();
  f.handler_attached();
  f.on_grant(10);
  EXPECT_EQ(f.consumer_grant(), 10);
  ASSERT_EQ(f.on_batch(1, 6, "a").size(), 1u);
  // The consumer used more than the handler has left (it had the credit): it waits.
  EXPECT_TRUE(f.on_batch(2, 6, "b").empty());
  EXPECT_EQ(f.queued(), 6);
  auto out = f.on_grant(6);
  EXPECT_EQ(names(out), std::vector<std::string>{"b"});
  EXPECT_EQ(f.queued(), 0);
}

TEST(remote_feed_flow, a_lost_handlers_batches_go_first_to_the_next_one) {
  flow f;
  f.consumer_joined();
  f.handler_attached();
  f.on_grant(30);
  EXPECT_EQ(f.consumer_grant(), 30);
  auto a = f.on_batch(1, 10, "a");
  auto b = f.on_batch(2, 10, "b");
  ASSERT_EQ(a.size() + b.size(), 2u);
  ASSERT_TRUE(f.on_ack(a[0].wire_id));
  f.handler_lost();
  EXPECT_FALSE(f.has_handler());
  EXPECT_EQ(f.queued(), 10) << "b was not acknowledged";
  EXPECT_EQ(f.consumer_grant(), 0) << "no handler: no credit";
  // The consumer still had 10 of the lost handler's credit: what it sends waits, after b.
  EXPECT_TRUE(f.on_batch(3, 10, "c").empty());
  EXPECT_EQ(f.queued(), 20);
  // A late answer for b's old wire id finds nothing.
  EXPECT_FALSE(f.on_ack(b[0].wire_id));
  f.handler_attached();
  auto out = f.on_grant(15);
  EXPECT_EQ(names(out), std::vector<std::string>{"b"}) << "c does not fit the 5 left";
  EXPECT_EQ(f.replayed(), 1u);
  EXPECT_EQ(f.consumer_grant(), 0) << "what waits here already covers the grant";
  auto more = f.on_grant(5);
  EXPECT_EQ(names(more), std::vector<std::string>{"c"});
  EXPECT_EQ(f.consumer_grant(), 0);
  EXPECT_EQ(f.on_ack(out[0].wire_id), std::optional<uint64_t>{2});
  EXPECT_EQ(f.on_ack(more[0].wire_id), std::optional<uint64_t>{3});
  f.on_grant(20);
  EXPECT_EQ(f.consumer_grant(), 20);
  EXPECT_EQ(f.losses(), 1u);
  EXPECT_EQ(f.attaches(), 2u);
}

TEST(remote_feed_flow, a_restarted_consumer_gets_no_answer_for_its_predecessor) {
  flow f;
  f.consumer_joined();
  f.handler_attached();
  f.on_grant(20);
  f.consumer_grant();
  auto a = f.on_batch(7, 10, "old");
  ASSERT_EQ(a.size(), 1u);
  EXPECT_TRUE(f.on_batch(8, 10, "old2").size() == 1u);
  f.consumer_joined(); // the consumer failed and came back: it reads from the committed offset
  EXPECT_EQ(f.queued(), 0);
  EXPECT_FALSE(f.on_ack(a[0].wire_id)) << "batch 7 of the old consumer is not the new one's";
  f.on_grant(10); // the handler's credit comes back with the answer all the same
  EXPECT_EQ(f.consumer_grant(), 10);
  auto n = f.on_batch(1, 10, "new");
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(f.on_ack(n[0].wire_id), std::optional<uint64_t>{1});
  // Losing the handler now replays nothing of the old consumer.
  f.handler_lost();
  EXPECT_EQ(f.queued(), 0);
}

TEST(remote_feed_flow, a_batch_larger_than_a_new_grant_still_goes_when_the_handler_is_idle) {
  flow f;
  f.consumer_joined();
  f.handler_attached();
  f.on_grant(100);
  f.consumer_grant();
  f.on_batch(1, 100, "big");
  f.handler_lost();
  f.handler_attached();
  auto out = f.on_grant(10);
  EXPECT_EQ(names(out), std::vector<std::string>{"big"});
  EXPECT_EQ(f.handler_credit(), -90);
  EXPECT_EQ(f.consumer_grant(), 0);
  f.on_ack(out[0].wire_id);
  f.on_grant(100);
  EXPECT_EQ(f.consumer_grant(), 10);
}

TEST(remote_feed_flow, a_fail_names_the_consumers_batch_once_and_returns_its_credit) {
  flow f;
  f.consumer_joined();
  f.handler_attached();
  f.on_grant(10);
  f.consumer_grant();
  auto a = f.on_batch(4, 5, "a");
  EXPECT_EQ(f.handler_credit(), 5);
  EXPECT_EQ(f.on_fail(a[0].wire_id), std::optional<uint64_t>{4});
  EXPECT_EQ(f.handler_credit(), 10) << "the failed batch's credit is the handler's again";
  f.consumer_joined(); // the consumer stopped on the fail and came back
  EXPECT_EQ(f.consumer_grant(), 10);
  EXPECT_FALSE(f.on_fail(a[0].wire_id));
  EXPECT_FALSE(f.on_ack(a[0].wire_id));
}
