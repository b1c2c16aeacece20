#include "kafka_actors/runtime/retry_policy.hpp"

#include <gtest/gtest.h>

#include "kafka_actors/runtime/errors.hpp"

using namespace kafka_actors;
using namespace std::chrono_literals;
using action = retry_decision::action;

TEST(retry_policy, backoff_grows_exponentially_with_bounded_jitter) {
  retry_policy p;
  p.initial_backoff = 100ms;
  p.max_backoff = 1000ms;
  p.jitter = 0.2;
  EXPECT_EQ(p.backoff(2, 0.5), 100ms);
  EXPECT_EQ(p.backoff(3, 0.5), 200ms);
  EXPECT_EQ(p.backoff(4, 0.5), 400ms);
  EXPECT_EQ(p.backoff(10, 0.5), 1000ms); // capped
  EXPECT_EQ(p.backoff(2, 0.0), 80ms);
  EXPECT_EQ(p.backoff(2, 0.999999), 120ms);
  EXPECT_LE(p.backoff(10, 0.999999), 1000ms); // jitter never passes the cap
}

TEST(retry_policy, parses_levels) {
  EXPECT_EQ(parse_topic_level("orders").level, 0);
  auto r = parse_topic_level("orders.v1.retry.2");
  EXPECT_EQ(r.base, "orders.v1");
  EXPECT_EQ(r.level, 2);
  auto d = parse_topic_level("orders.dlt");
  EXPECT_EQ(d.base, "orders");
  EXPECT_EQ(d.level, -1);
  EXPECT_EQ(parse_topic_level("orders.retry.x").level, 0);
}

TEST(retry_policy, in_place_then_retry_topics_then_dead_letter) {
  retry_policy p;
  p.in_place_attempts = 2;
  p.retry_topic_delays = {1s, 5s};
  auto d = decide(p, "orders", 1, failure_kind::retriable, 0.5);
  EXPECT_EQ(d.what, action::retry_in_place);
  d = decide(p, "orders", 2, failure_kind::retriable, 0.5);
  EXPECT_EQ(d.what, action::forward);
  EXPECT_EQ(d.topic, "orders.retry.1");
  EXPECT_EQ(d.delay, 1s);
  d = decide(p, "orders.retry.1", 2, failure_kind::retriable, 0.5);
  EXPECT_EQ(d.topic, "orders.retry.2");
  EXPECT_EQ(d.delay, 5s);
  d = decide(p, "orders.retry.2", 2, failure_kind::retriable, 0.5);
  EXPECT_EQ(d.topic, "orders.dlt");
  EXPECT_EQ(d.level, -1);
}

TEST(retry_policy, non_retriable_goes_straight_to_dead_letter) {
  retry_policy p;
  auto d = decide(p, "orders", 1, classify(make_error(errc::non_retriable, "bad json")), 0.5);
  EXPECT_EQ(d.what, action::forward);
  EXPECT_EQ(d.topic, "orders.dlt");
  EXPECT_EQ(classify(make_error(errc::handler_failed, "x")), failure_kind::retriable);
}

TEST(retry_policy, without_dead_letter_exhausted_records_are_dropped) {
  retry_policy p;
  p.in_place_attempts = 1;
  p.retry_topic_delays = {};
  p.dead_letter = false;
  EXPECT_EQ(decide(p, "t", 1, failure_kind::retriable, 0.5).what, action::drop);
  EXPECT_EQ(decide(p, "t.dlt", 1, failure_kind::retriable, 0.5).what, action::drop);
}
