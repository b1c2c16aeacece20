#include "kafka_actors/runtime/breaker_state.hpp"

#include <gtest/gtest.h>

using namespace kafka_actors;
using namespace std::chrono_literals;

namespace {

breaker_state::time_point t0 = breaker_state::clock::time_point{} + 1h;

} // namespace

TEST(breaker_state, opens_after_consecutive_failures) {
  breaker_state b{breaker_config{3, 0.9, 100, 1000ms, 2}};
  b.on_failure(t0);
  b.on_failure(t0);
  b.on_success(t0); // resets the streak
  b.on_failure(t0);
  b.on_failure(t0);
  EXPECT_EQ(b.phase(t0), breaker_phase::closed);
  b.on_failure(t0);
  EXPECT_EQ(b.phase(t0), breaker_phase::open);
  EXPECT_FALSE(b.allow(t0 + 999ms));
  EXPECT_EQ(b.times_opened(), 1u);
}

TEST(breaker_state, opens_on_failure_ratio_over_a_full_window) {
  breaker_state b{breaker_config{100, 0.5, 10, 1000ms, 1}};
  for (int i = 0; i < 4; ++i) {
    b.on_failure(t0);
    b.on_success(t0);
  }
  EXPECT_EQ(b.phase(t0), breaker_phase::closed); // 4 of 8: window not full
  b.on_failure(t0);
  EXPECT_EQ(b.phase(t0), breaker_phase::closed); // 5 of 9
  b.on_success(t0);
  b.on_failure(t0); // window of 10 holds 5 failures + this one replaces a failure
  EXPECT_EQ(b.phase(t0), breaker_phase::open);
}

TEST(breaker_state, half_open_admits_k_probes_and_closes_on_success) {
  breaker_state b{breaker_config{1, 1.0, 10, 500ms, 2}};
  b.on_failure(t0);
  ASSERT_EQ(b.phase(t0), breaker_phase::open);
  EXPECT_EQ(b.phase(t0 + 500ms), breaker_phase::half_open);
  EXPECT_TRUE(b.allow(t0 + 500ms));
  EXPECT_TRUE(b.allow(t0 + 500ms));
  EXPECT_FALSE(b.allow(t0 + 500ms)); // only two probes
  b.on_success(t0 + 510ms);
  EXPECT_EQ(b.phase(t0 + 510ms), breaker_phase::half_open);
  b.on_success(t0 + 520ms);
  EXPECT_EQ(b.phase(t0 + 520ms), breaker_phase::closed);
  EXPECT_TRUE(b.allow(t0 + 520ms));
}

TEST(breaker_state, failed_probe_reopens_for_a_full_period) {
  breaker_state b{breaker_config{1, 1.0, 10, 500ms, 1}};
  b.on_failure(t0);
  ASSERT_TRUE(b.allow(t0 + 600ms));
  b.on_failure(t0 + 600ms);
  EXPECT_EQ(b.phase(t0 + 1000ms), breaker_phase::open);
  EXPECT_EQ(b.phase(t0 + 1100ms), breaker_phase::half_open);
  EXPECT_EQ(b.times_opened(), 2u);
}

TEST(breaker_state, trip_opens_at_once_and_only_once) {
  breaker_state b{breaker_config{100, 1.0, 100, 500ms, 1}};
  b.trip(t0);
  b.trip(t0 + 10ms);
  EXPECT_EQ(b.phase(t0 + 10ms), breaker_phase::open);
  EXPECT_EQ(b.times_opened(), 1u);
  EXPECT_EQ(b.reopens_at(), t0 + 500ms);
}

TEST(breaker_state, a_released_probe_slot_admits_the_next_call) {
  breaker_state b{breaker_config{1, 1.0, 10, 500ms, 1}};
  b.on_failure(t0);
  ASSERT_TRUE(b.allow(t0 + 500ms));
  EXPECT_FALSE(b.allow(t0 + 500ms)); // the one probe is taken
  b.release_probe();             // the call was refused before it reached the dependency
  EXPECT_EQ(b.phase(t0 + 505ms), breaker_phase::half_open);
  ASSERT_TRUE(b.allow(t0 + 510ms));
  b.on_success(t0 + 520ms);
  EXPECT_EQ(b.phase(t0 + 520ms), breaker_phase::closed);
  // Releasing outside half-open changes nothing.
  b.release_probe();
  EXPECT_EQ(b.phase(t0 + 530ms), breaker_phase::closed);
}
