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

namespace {

std::string header_of(const headers& hs, const std::string& name) {
  for (auto& [k, v] : hs)
    if (k == name)
      return v;
  return "<missing>";
}

std::string attempts_after(const std::string& previous, int attempts) {
  auto out = forward_headers({{retry_headers::attempts, previous}}, "t.retry.1", 0, 7, "e",
                             attempts, 1'000, 0ms);
  return header_of(out, retry_headers::attempts);
}

} // namespace

TEST(retry_policy, forward_headers_keep_origin_and_user_headers_and_add_up_attempts) {
  headers in{{"trace", "a"},
             {retry_headers::origin_topic, "orders"},
             {retry_headers::attempts, "3"},
             {retry_headers::first_failure, "500"},
             {retry_headers::due, "900"},
             {"trace", "b"}};
  auto out = forward_headers(in, "orders.retry.1", 2, 42, "handler_failed: x", 2, 1'000, 10ms);
  EXPECT_EQ(header_of(out, retry_headers::origin_topic), "orders");
  EXPECT_EQ(header_of(out, retry_headers::origin_partition), "2");
  EXPECT_EQ(header_of(out, retry_headers::origin_offset), "42");
  EXPECT_EQ(header_of(out, retry_headers::attempts), "5");
  EXPECT_EQ(header_of(out, retry_headers::first_failure), "500");
  EXPECT_EQ(header_of(out, retry_headers::due), "1010");
  ASSERT_GE(out.size(), 2u);
  EXPECT_EQ(out[0], (std::pair<std::string, std::string>{"trace", "a"}));
  EXPECT_EQ(out[1], (std::pair<std::string, std::string>{"trace", "b"}));
}

// Found by fuzz/header_values: std::atoi("1700000001000") wrapped to -807048214.
TEST(retry_policy, forwarded_attempts_never_shrink_on_unreadable_or_negative_counts) {
  EXPECT_EQ(attempts_after("-7", 3), "3");
  EXPECT_EQ(attempts_after("12abc", 3), "3");
  EXPECT_EQ(attempts_after("", 3), "3");
  EXPECT_EQ(attempts_after("99999999999999999999", 3), "3");
  EXPECT_EQ(attempts_after("1700000001000", 2), "1700000001002");
}

// Was a signed int overflow (undefined behaviour, UBSan: 2147483647 + 3).
TEST(retry_policy, forwarded_attempts_do_not_overflow) {
  EXPECT_EQ(attempts_after("2147483647", 3), "2147483650");
  EXPECT_EQ(attempts_after("9223372036854775807", 3), "9223372036854775807");
}

// std::atoll read " 17" and "17abc" as 17 and saturated past 64 bits to a due time that
// never comes, holding the partition for good.
TEST(retry_policy, due_header_that_is_not_a_whole_number_is_due_now) {
  EXPECT_EQ(due_of_header("1700000001000"), 1'700'000'001'000);
  EXPECT_EQ(due_of_header("9223372036854775808"), 0);
  EXPECT_EQ(due_of_header("99999999999999999999999"), 0);
  EXPECT_EQ(due_of_header(" 17"), 0);
  EXPECT_EQ(due_of_header("17abc"), 0);
  EXPECT_EQ(due_of_header(""), 0);
}
