// A consumer batch split over lanes is acked once all its records finished; credit comes
// back earlier, in chunks, and never twice.

#include "kafka_actors/runtime/batch_completion.hpp"

#include <gtest/gtest.h>

using kafka_actors::batch_completion;

TEST(batch_completion, acks_a_batch_once_every_record_finished) {
  batch_completion c{100};
  c.dispatched(1, 10);
  c.dispatched(2, 5);
  c.done(1, 4);
  c.done(2, 5);
  auto acks = c.take_acks();
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].id, 2u);
  EXPECT_EQ(acks[0].credit, 5);
  c.done(1, 6);
  acks = c.take_acks();
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].id, 1u);
  EXPECT_EQ(acks[0].credit, 10);
  EXPECT_EQ(c.open(), 0u);
}

TEST(batch_completion, early_credit_comes_in_chunks_and_is_not_given_again_with_the_ack) {
  batch_completion c{4};
  c.dispatched(1, 10);
  c.done(1, 3);
  EXPECT_EQ(c.take_credit(), 0); // under the chunk
  c.done(1, 2);
  EXPECT_EQ(c.take_credit(), 5);
  EXPECT_EQ(c.take_credit(), 0);
  c.done(1, 4); // 9 of 10: one record (a key waiting for a retry) holds the ack
  EXPECT_EQ(c.take_all_credit(), 4);
  EXPECT_TRUE(c.take_acks().empty());
  c.done(1, 1);
  auto acks = c.take_acks();
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].credit, 1); // 10 records, 10 credit in all
}

TEST(batch_completion, an_empty_batch_is_complete_at_once) {
  batch_completion c{1};
  c.dispatched(7, 0);
  auto acks = c.take_acks();
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].id, 7u);
  EXPECT_EQ(acks[0].credit, 0);
}

TEST(batch_completion, a_forgotten_batch_owes_nothing_and_later_progress_is_ignored) {
  batch_completion c{100};
  c.dispatched(1, 10);
  c.done(1, 3);
  EXPECT_TRUE(c.forget(1));
  EXPECT_FALSE(c.forget(1));
  EXPECT_EQ(c.owed(), 0);
  c.done(1, 7);
  EXPECT_TRUE(c.take_acks().empty());
}

TEST(batch_completion, more_progress_than_records_never_credits_more_than_the_batch) {
  batch_completion c{1};
  c.dispatched(1, 3);
  c.done(1, 5);
  auto acks = c.take_acks();
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].credit, 3);
  EXPECT_EQ(c.take_all_credit(), 0);
}
