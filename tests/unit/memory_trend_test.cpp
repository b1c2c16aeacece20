#include "support/memory_trend.hpp"

#include <gtest/gtest.h>

using kafka_actors::test::slope;

TEST(memory_trend, slope_of_a_line_is_its_gradient) {
  EXPECT_DOUBLE_EQ(slope({0, 1, 2, 3}, {5, 7, 9, 11}), 2.0);
  EXPECT_DOUBLE_EQ(slope({0, 10, 20}, {3, 3, 3}), 0.0);
}

TEST(memory_trend, slope_fits_noisy_samples_by_least_squares) {
  // Up and down around a flat line: no growth, though single steps are large.
  EXPECT_NEAR(slope({0, 1, 2, 3}, {10, 12, 10, 12}), 0.4, 1e-12);
  EXPECT_LT(slope({0, 1, 2, 3, 4, 5}, {12, 10, 12, 10, 12, 10}), 0.0);
}

TEST(memory_trend, slope_without_spread_in_x_is_zero_not_a_division_by_zero) {
  EXPECT_EQ(slope({}, {}), 0.0);
  EXPECT_EQ(slope({4}, {100}), 0.0);
  EXPECT_EQ(slope({2, 2, 2}, {1, 5, 9}), 0.0);
}

TEST(memory_trend, rss_is_positive_and_grows_with_touched_memory) {
  auto before = kafka_actors::test::rss_mib();
  EXPECT_GT(before, 0.0);
  std::vector<char> block(64 << 20, 1); // 64 MiB, every page touched
  EXPECT_GT(kafka_actors::test::rss_mib(), before + 32.0) << static_cast<int>(block[4096]);
}
