#include "kafka_actors/runtime/credit.hpp"

#include <gtest/gtest.h>

using kafka_actors::credit_account;
using kafka_actors::credit_window;

TEST(credit_window, admits_until_message_bound) {
  credit_window w{3, 1000};
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(w.admits(1, 10));
    w.take(1, 10);
  }
  EXPECT_FALSE(w.admits(1, 10));
  w.give_back(1, 10);
  EXPECT_TRUE(w.admits(1, 10));
  EXPECT_EQ(w.in_flight_messages(), 2u);
}

TEST(credit_window, admits_until_byte_bound) {
  credit_window w{100, 100};
  w.take(1, 60);
  EXPECT_TRUE(w.admits(1, 40));
  EXPECT_FALSE(w.admits(1, 41));
}

TEST(credit_window, admits_oversize_record_only_when_empty) {
  credit_window w{10, 100};
  EXPECT_TRUE(w.admits(1, 500)); // else it would wait forever
  w.take(1, 500);
  EXPECT_FALSE(w.admits(1, 1));
  w.give_back(1, 500);
  EXPECT_EQ(w.in_flight_bytes(), 0u);
}

TEST(credit_window, give_back_never_underflows) {
  credit_window w{10, 100};
  w.take(1, 10);
  w.give_back(5, 500);
  EXPECT_EQ(w.in_flight_messages(), 0u);
  EXPECT_EQ(w.in_flight_bytes(), 0u);
}

TEST(credit_account, spends_at_most_what_was_granted) {
  credit_account c;
  EXPECT_TRUE(c.exhausted());
  EXPECT_EQ(c.spend(10), 0);
  c.grant(700);
  EXPECT_EQ(c.spend(500), 500);
  EXPECT_EQ(c.spend(500), 200);
  EXPECT_TRUE(c.exhausted());
  c.grant(1);
  EXPECT_EQ(c.available(), 1);
}
