// One collection round's series and their exposition.

#include "kafka_actors/runtime/metrics.hpp"

#include <gtest/gtest.h>

using namespace kafka_actors;

TEST(counter_totals, stay_monotonic_across_a_restart_of_their_source) {
  counter_totals t;
  EXPECT_EQ(t.total("a", 10), 10);
  EXPECT_EQ(t.total("a", 25), 25);
  EXPECT_EQ(t.total("a", 4), 29); // the source restarted: its 4 are new
  EXPECT_EQ(t.total("a", 4), 29);
  EXPECT_EQ(t.total("b", 3), 3); // series are separate
}

TEST(metric_set, exposes_help_type_labels_and_values) {
  counter_totals t;
  metric_set m{t};
  m.counter("ka_messages_total", "Messages.", {{"group", "g1"}}, 500);
  m.gauge("ka_lag", "Lag.", {{"group", "g1"}, {"topic", "orders"}, {"partition", "0"}}, 150);
  m.declare("ka_empty", "Declared without series.", metric_type::gauge);
  auto text = m.exposition();
  EXPECT_NE(text.find("# HELP ka_messages_total Messages."), std::string::npos) << text;
  EXPECT_NE(text.find("# TYPE ka_messages_total counter"), std::string::npos) << text;
  EXPECT_NE(text.find("ka_messages_total{group=\"g1\"} 500"), std::string::npos) << text;
  EXPECT_NE(text.find("# TYPE ka_lag gauge"), std::string::npos) << text;
  EXPECT_NE(text.find("ka_lag{group=\"g1\",topic=\"orders\",partition=\"0\"} 150"),
            std::string::npos)
    << text;
}

TEST(metric_set, a_series_missing_from_a_round_is_gone_and_counters_keep_their_total) {
  counter_totals t;
  {
    metric_set m{t};
    m.gauge("ka_lag", "Lag.", {{"partition", "0"}}, 5);
    m.gauge("ka_lag", "Lag.", {{"partition", "1"}}, 7);
    m.counter("ka_consumed_total", "Consumed.", {{"subscription", "1"}}, 100);
  }
  metric_set m{t};
  m.gauge("ka_lag", "Lag.", {{"partition", "1"}}, 2); // partition 0 was revoked
  m.counter("ka_consumed_total", "Consumed.", {{"subscription", "1"}}, 30); // restarted
  auto text = m.exposition();
  EXPECT_EQ(text.find("partition=\"0\""), std::string::npos) << text;
  EXPECT_NE(text.find("ka_lag{partition=\"1\"} 2"), std::string::npos) << text;
  EXPECT_NE(text.find("ka_consumed_total{subscription=\"1\"} 130"), std::string::npos) << text;
}

TEST(metric_set, label_values_are_escaped) {
  counter_totals t;
  metric_set m{t};
  m.gauge("ka_lag", "Lag.", {{"topic", "a\"b\\c\nd"}}, 1);
  auto text = m.exposition();
  EXPECT_NE(text.find(R"(ka_lag{topic="a\"b\\c\nd"} 1)"), std::string::npos) << text;
}

TEST(latency_histogram, counts_runs_into_buckets_by_upper_bound) {
  using namespace std::chrono_literals;
  latency_histogram h;
  EXPECT_TRUE(h.buckets.empty());
  h.observe(1ms, 3);    // le 0.001 (bounds are inclusive)
  h.observe(3ms);       // le 0.005
  h.observe(1min, 2);   // above every bound
  EXPECT_EQ(h.count, 6u);
  EXPECT_DOUBLE_EQ(h.sum_seconds, 0.003 + 0.003 + 120);
  EXPECT_EQ(h.cumulative(0), 0u); // le 0.0005
  EXPECT_EQ(h.cumulative(1), 3u); // le 0.001
  EXPECT_EQ(h.cumulative(3), 4u); // le 0.005
  EXPECT_EQ(h.cumulative(latency_histogram::bounds.size() - 1), 4u); // le 30
  EXPECT_EQ(h.cumulative(latency_histogram::bounds.size()), 6u);     // +Inf
  latency_histogram other;
  other.observe(3ms);
  h.merge(other);
  EXPECT_EQ(h.cumulative(3), 5u);
}

TEST(metric_set, histograms_are_cumulative_and_survive_a_restart_of_their_source) {
  using namespace std::chrono_literals;
  counter_totals t;
  latency_histogram before;
  before.observe(2ms, 10);
  {
    metric_set m{t};
    m.histogram("ka_latency_seconds", "Latency.", {}, before);
  }
  latency_histogram after; // the source restarted: fewer observations than before
  after.observe(20ms, 4);
  metric_set m{t};
  m.histogram("ka_latency_seconds", "Latency.", {}, after);
  auto text = m.exposition();
  EXPECT_NE(text.find("# TYPE ka_latency_seconds histogram"), std::string::npos) << text;
  EXPECT_NE(text.find("ka_latency_seconds_count 14"), std::string::npos) << text;
  EXPECT_NE(text.find("ka_latency_seconds_bucket{le=\"0.0025\"} 10"), std::string::npos)
    << text;
  EXPECT_NE(text.find("ka_latency_seconds_bucket{le=\"0.025\"} 14"), std::string::npos) << text;
  EXPECT_NE(text.find("ka_latency_seconds_bucket{le=\"+Inf\"} 14"), std::string::npos) << text;
}
