// Alert rules round by round under times the tests choose: pending, firing, repeating and
// resolving per instance, error rates over a window, and the checks on a rule's fields.

#include "kafka_actors/runtime/alert_engine.hpp"

#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "support/expect_text.hpp"

using namespace kafka_actors;
using namespace std::chrono_literals;

namespace {

using state = alert_event::state_type;

// A fixed start, so that failures print the same times on every run.
const alert_time t0 = alert_time{} + std::chrono::hours{24 * 365 * 50};

alert_rule rule(std::string name, alert_kind kind, double threshold = 0,
                std::chrono::milliseconds for_duration = 0ms, std::chrono::milliseconds repeat = 0ms) {
  alert_rule r;
  r.name = std::move(name);
  r.kind = kind;
  r.threshold = threshold;
  r.for_duration = for_duration;
  r.repeat = repeat;
  return r;
}

alert_rule error_rate_rule(double threshold, std::chrono::milliseconds window,
                           std::chrono::milliseconds for_duration = 0ms) {
  auto r = rule("errors", alert_kind::error_rate, threshold, for_duration);
  r.window = window;
  return r;
}

alert_observation lags(std::vector<alert_observation::partition_lag> l) {
  alert_observation o;
  o.lags = std::move(l);
  return o;
}

/// Group billing, topic orders, partition `p`.
alert_observation lag_of(int64_t lag, int32_t p = 3) {
  return lags({{"billing", "orders", p, lag}});
}

alert_observation counts(uint64_t failed, uint64_t total, std::string source = "producer") {
  alert_observation o;
  o.records.push_back({std::move(source), failed, total});
  return o;
}

alert_observation broker(std::optional<std::string> error) {
  alert_observation o;
  o.broker_error = std::move(error);
  return o;
}

/// The group an event's labels name.
std::string label_of(const alert_event& e) {
  for (auto& [k, v] : e.labels)
    if (k == "group")
      return v;
  return "(no group)";
}

alert_labels partition_labels(int32_t p = 3) {
  return {{"group", "billing"}, {"topic", "orders"}, {"partition", std::to_string(p)}};
}

} // namespace

// -- pending, firing, repeating, resolving ------------------------------------------------

TEST(alert_engine_test, fires_only_once_the_condition_has_held_for_the_for_duration) {
  alert_engine engine{{rule("lag-high", alert_kind::lag, 1000, 60s)}};
  EXPECT_TRUE(engine.observe(lag_of(12000), t0).empty());
  EXPECT_TRUE(engine.observe(lag_of(12000), t0 + 30s).empty());
  EXPECT_TRUE(engine.observe(lag_of(12000), t0 + 59999ms).empty());
  EXPECT_TRUE(engine.firing().empty());
  auto ev = engine.observe(lag_of(12500), t0 + 60s);
  ASSERT_EQ(ev.size(), 1u);
  auto& e = ev[0];
  EXPECT_EQ(e.rule, "lag-high");
  EXPECT_EQ(e.kind, alert_kind::lag);
  EXPECT_EQ(e.severity, "warning");
  EXPECT_EQ(e.labels, partition_labels());
  EXPECT_EQ(e.state, state::firing);
  EXPECT_FALSE(e.repeated);
  EXPECT_EQ(e.value, 12500);
  EXPECT_EQ(e.summary, "lag of orders[3] in group billing is 12500 records (above 1000 for 60 s)");
  EXPECT_EQ(e.active_since, t0);
  EXPECT_EQ(e.at, t0 + 60s);
  ASSERT_EQ(engine.firing().size(), 1u);
  EXPECT_EQ(engine.firing()[0].summary, e.summary);
}

TEST(alert_engine_test, for_zero_fires_on_the_first_observation_that_holds) {
  alert_engine engine{{rule("lag-high", alert_kind::lag, 1000)}};
  EXPECT_TRUE(engine.observe(lag_of(1000), t0).empty()) << "at the threshold is not above it";
  auto ev = engine.observe(lag_of(1001), t0 + 1s);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].state, state::firing);
  EXPECT_EQ(ev[0].active_since, t0 + 1s);
  EXPECT_EQ(ev[0].at, t0 + 1s);
  EXPECT_EQ(ev[0].summary, "lag of orders[3] in group billing is 1001 records (above 1000)");
}

TEST(alert_engine_test, a_fired_alert_without_repeat_stays_silent_while_it_holds) {
  alert_engine engine{{rule("lag-high", alert_kind::lag, 1000)}};
  EXPECT_EQ(engine.observe(lag_of(5000), t0).size(), 1u);
  for (int i = 1; i <= 100; ++i)
    EXPECT_TRUE(engine.observe(lag_of(5000 + i), t0 + i * 1h).empty()) << "round " << i;
  ASSERT_EQ(engine.firing().size(), 1u);
  EXPECT_EQ(engine.firing()[0].value, 5000) << "the last event sent, not the last round";
}

TEST(alert_engine_test, a_fired_alert_repeats_every_repeat_and_not_in_between) {
  alert_engine engine{{rule("lag-high", alert_kind::lag, 1000, 0ms, 30s)}};
  auto first = engine.observe(lag_of(5000), t0);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_FALSE(first[0].repeated);
  EXPECT_TRUE(engine.observe(lag_of(5000), t0 + 10s).empty());
  EXPECT_TRUE(engine.observe(lag_of(5000), t0 + 29999ms).empty());
  auto again = engine.observe(lag_of(6000), t0 + 30s);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].state, state::firing);
  EXPECT_TRUE(again[0].repeated);
  EXPECT_EQ(again[0].value, 6000);
  EXPECT_EQ(again[0].active_since, t0);
  EXPECT_EQ(again[0].at, t0 + 30s);
  // The next one counts from the last notification (t0 + 30 s), not from the start.
  EXPECT_TRUE(engine.observe(lag_of(5000), t0 + 45s).empty());
  EXPECT_TRUE(engine.observe(lag_of(5000), t0 + 59s).empty());
  auto third = engine.observe(lag_of(7000), t0 + 61s);
  ASSERT_EQ(third.size(), 1u);
  EXPECT_TRUE(third[0].repeated);
  EXPECT_TRUE(engine.observe(lag_of(5000), t0 + 90s).empty()) << "61 + 30 = 91";
  EXPECT_EQ(engine.observe(lag_of(5000), t0 + 91s).size(), 1u);
  ASSERT_EQ(engine.firing().size(), 1u);
  EXPECT_TRUE(engine.firing()[0].repeated);
  EXPECT_EQ(engine.firing()[0].at, t0 + 91s);
}

TEST(alert_engine_test, resolves_once_with_a_resolved_event_when_the_condition_lapses) {
  alert_engine engine{{rule("lag-high", alert_kind::lag, 1000, 10s)}};
  engine.observe(lag_of(5000), t0);
  ASSERT_EQ(engine.observe(lag_of(5000), t0 + 10s).size(), 1u);
  auto ev = engine.observe(lag_of(12), t0 + 20s);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].state, state::resolved);
  EXPECT_FALSE(ev[0].repeated);
  EXPECT_EQ(ev[0].labels, partition_labels());
  EXPECT_EQ(ev[0].value, 12) << "the latest value of an instance still observed";
  EXPECT_EQ(ev[0].summary, "lag of orders[3] in group billing is back to 12 records (threshold 1000)");
  EXPECT_EQ(ev[0].active_since, t0);
  EXPECT_EQ(ev[0].at, t0 + 20s);
  EXPECT_TRUE(engine.firing().empty());
  EXPECT_TRUE(engine.observe(lag_of(12), t0 + 30s).empty()) << "resolved once only";
  EXPECT_TRUE(engine.observe(lag_of(0), t0 + 40s).empty());
}

TEST(alert_engine_test, a_pending_instance_that_lapses_emits_nothing_and_a_later_hold_restarts_the_for_timer) {
  alert_engine engine{{rule("lag-high", alert_kind::lag, 1000, 60s)}};
  EXPECT_TRUE(engine.observe(lag_of(5000), t0).empty());
  EXPECT_TRUE(engine.observe(lag_of(5000), t0 + 30s).empty());
  EXPECT_TRUE(engine.observe(lag_of(10), t0 + 40s).empty()) << "pending lapses: no resolved event";
  EXPECT_TRUE(engine.observe(lag_of(5000), t0 + 50s).empty());
  EXPECT_TRUE(engine.observe(lag_of(5000), t0 + 100s).empty()) << "the timer started again at 50 s";
  auto ev = engine.observe(lag_of(5000), t0 + 110s);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].active_since, t0 + 50s);
}

TEST(alert_engine_test, an_instance_that_disappears_from_the_observation_resolves) {
  alert_engine engine{{rule("lag-high", alert_kind::lag, 1000)}};
  ASSERT_EQ(engine.observe(lag_of(5000), t0).size(), 1u);
  // The partition was revoked: the group no longer reports it.
  auto ev = engine.observe(alert_observation{}, t0 + 5s);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].state, state::resolved);
  EXPECT_EQ(ev[0].labels, partition_labels());
  EXPECT_EQ(ev[0].value, 0);
  EXPECT_HAS(ev[0].summary, "no longer lagging");
  EXPECT_HAS(ev[0].summary, "orders[3] in group billing");
  EXPECT_TRUE(engine.firing().empty());
  EXPECT_TRUE(engine.observe(alert_observation{}, t0 + 10s).empty());
}

TEST(alert_engine_test, multiple_instances_of_one_rule_are_independent_and_ordered_by_labels) {
  alert_engine engine{{rule("lag-high", alert_kind::lag, 1000, 10s)}};
  EXPECT_TRUE(engine.observe(lags({{"billing", "orders", 3, 5000}}), t0).empty());
  EXPECT_TRUE(engine.observe(lags({{"billing", "orders", 3, 5000}, {"billing", "orders", 1, 9000}}),
                             t0 + 5s)
                .empty());
  auto ev = engine.observe(lags({{"billing", "orders", 3, 5000}, {"billing", "orders", 1, 9000}}),
                           t0 + 10s);
  ASSERT_EQ(ev.size(), 1u) << "partition 1 has held for 5 s only";
  EXPECT_EQ(ev[0].labels, partition_labels(3));
  ev = engine.observe(lags({{"billing", "orders", 3, 5000}, {"billing", "orders", 1, 9000}}), t0 + 15s);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].labels, partition_labels(1));
  EXPECT_EQ(ev[0].active_since, t0 + 5s);
  ASSERT_EQ(engine.firing().size(), 2u);
  EXPECT_EQ(engine.firing()[0].labels, partition_labels(1));
  EXPECT_EQ(engine.firing()[1].labels, partition_labels(3));
  // Partition 3 recovers, partition 1 keeps firing without a new event.
  ev = engine.observe(lags({{"billing", "orders", 3, 0}, {"billing", "orders", 1, 9000}}), t0 + 20s);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].labels, partition_labels(3));
  EXPECT_EQ(ev[0].state, state::resolved);
  ASSERT_EQ(engine.firing().size(), 1u);
  EXPECT_EQ(engine.firing()[0].labels, partition_labels(1));
  // Partition 1 is revoked while 3 and another group's partition start pending again: only
  // the firing one resolves, and the new pending ones say nothing.
  ev = engine.observe(lags({{"billing", "orders", 3, 5000}, {"other", "orders", 0, 9000}}), t0 + 25s);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].labels, partition_labels(1));
  EXPECT_EQ(ev[0].state, state::resolved);
}

TEST(alert_engine_test, two_rules_of_one_kind_with_different_thresholds_fire_separately_in_rule_order) {
  auto critical = rule("lag-critical", alert_kind::lag, 5000);
  critical.severity = "critical";
  alert_engine engine{{rule("lag-warning", alert_kind::lag, 1000), critical}};
  auto ev = engine.observe(lag_of(2000), t0);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].rule, "lag-warning");
  EXPECT_EQ(ev[0].severity, "warning");
  ev = engine.observe(lag_of(6000), t0 + 1s);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].rule, "lag-critical");
  EXPECT_EQ(ev[0].severity, "critical");
  ev = engine.observe(lag_of(10), t0 + 2s);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].rule, "lag-warning");
  EXPECT_EQ(ev[1].rule, "lag-critical");
  EXPECT_EQ(ev[0].state, state::resolved);
  EXPECT_EQ(ev[1].state, state::resolved);

  // Firing in one round: rule order, whatever the order of the labels.
  alert_engine both{{rule("lag-warning", alert_kind::lag, 1000), critical}};
  ev = both.observe(lags({{"a", "t", 0, 2000}, {"z", "t", 0, 9000}}), t0);
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_EQ(ev[0].rule, "lag-warning");
  EXPECT_EQ(label_of(ev[0]), "a");
  EXPECT_EQ(ev[1].rule, "lag-warning");
  EXPECT_EQ(label_of(ev[1]), "z");
  EXPECT_EQ(ev[2].rule, "lag-critical");
}

TEST(alert_engine_test, a_time_before_the_last_one_is_taken_as_the_last_one) {
  alert_engine engine{{rule("lag-now", alert_kind::lag, 1000), rule("lag-slow", alert_kind::lag, 1000, 30s)}};
  EXPECT_EQ(engine.observe(lag_of(10), t0 + 40s).size(), 0u);
  // lag-now fires at once; lag-slow starts pending at the clamped time (40 s, not 20 s).
  auto ev = engine.observe(lag_of(5000), t0 + 20s);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].rule, "lag-now");
  EXPECT_EQ(ev[0].at, t0 + 40s);
  EXPECT_EQ(ev[0].active_since, t0 + 40s);
  EXPECT_TRUE(engine.observe(lag_of(5000), t0 + 60s).empty()) << "20 s after 40 s, not 40 s after 20 s";
  ev = engine.observe(lag_of(5000), t0 + 70s);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].rule, "lag-slow");
  EXPECT_EQ(ev[0].active_since, t0 + 40s);
  // A resolution seen at an earlier time is dated at the last time.
  ev = engine.observe(lag_of(10), t0 + 1s);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].at, t0 + 70s);
  EXPECT_EQ(ev[1].at, t0 + 70s);
}

// -- error_rate ---------------------------------------------------------------------------

TEST(alert_engine_test, error_rate_is_the_share_over_the_window_and_an_old_burst_drops_out) {
  alert_engine engine{{error_rate_rule(0.1, 120s)}};
  EXPECT_TRUE(engine.observe(counts(0, 0), t0).empty());
  auto ev = engine.observe(counts(50, 100), t0 + 60s); // a burst: half of 100 records failed
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].labels, (alert_labels{{"source", "producer"}}));
  EXPECT_DOUBLE_EQ(ev[0].value, 0.5);
  EXPECT_EQ(ev[0].summary, "50.0% of records of producer failed over the last 120 s (above 10.0%)");
  // 120 s after the first sample: 50 of 200, still above.
  EXPECT_TRUE(engine.observe(counts(50, 200), t0 + 120s).empty());
  // The sample before the burst is out of the window: 0 failed of the 200 since 60 s.
  ev = engine.observe(counts(50, 300), t0 + 180s);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].state, state::resolved);
  EXPECT_EQ(ev[0].value, 0);
  EXPECT_EQ(ev[0].active_since, t0 + 60s);
  EXPECT_HAS(ev[0].summary, "producer");
  EXPECT_HAS(ev[0].summary, "0.0%");
  EXPECT_TRUE(engine.firing().empty());
}

TEST(alert_engine_test, error_rate_at_or_below_the_threshold_does_not_hold) {
  alert_engine engine{{error_rate_rule(0.25, 60s)}};
  engine.observe(counts(0, 0), t0);
  EXPECT_TRUE(engine.observe(counts(25, 100), t0 + 10s).empty());
  auto ev = engine.observe(counts(27, 101), t0 + 20s); // 27 of 101
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_DOUBLE_EQ(ev[0].value, 27.0 / 101);
}

TEST(alert_engine_test, error_rate_with_no_new_records_does_not_hold_and_resolves) {
  alert_engine engine{{error_rate_rule(0.1, 60s)}};
  // Failures long ago, nothing new: no records in the window, no rate.
  EXPECT_TRUE(engine.observe(counts(500, 1000), t0).empty()) << "one sample: no rate yet";
  EXPECT_TRUE(engine.observe(counts(500, 1000), t0 + 30s).empty());
  EXPECT_TRUE(engine.observe(counts(500, 1000), t0 + 90s).empty());
  // Now a failing stretch, then the source goes quiet: the window empties and it resolves.
  ASSERT_EQ(engine.observe(counts(600, 1100), t0 + 100s).size(), 1u);
  EXPECT_TRUE(engine.observe(counts(600, 1100), t0 + 140s).empty()) << "the window still holds the failures";
  auto ev = engine.observe(counts(600, 1100), t0 + 170s);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].state, state::resolved);
  EXPECT_EQ(ev[0].value, 0);
  EXPECT_HAS(ev[0].summary, "no records of producer");
}

TEST(alert_engine_test, error_rate_counters_that_go_backwards_start_the_history_again) {
  alert_engine engine{{error_rate_rule(0.2, 300s)}};
  engine.observe(counts(0, 0), t0);
  EXPECT_TRUE(engine.observe(counts(10, 100), t0 + 60s).empty()); // 10%
  // The producer restarted: its counters start from 0 again.
  EXPECT_TRUE(engine.observe(counts(5, 10), t0 + 120s).empty()) << "a fresh start has no rate";
  auto ev = engine.observe(counts(8, 20), t0 + 180s); // 3 of the 10 since the restart
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_DOUBLE_EQ(ev[0].value, 0.3);
  // Only `total` going backwards counts as a restart too.
  alert_engine other{{error_rate_rule(0.2, 300s)}};
  other.observe(counts(0, 1000), t0);
  EXPECT_TRUE(other.observe(counts(0, 10), t0 + 60s).empty());
  ev = other.observe(counts(5, 20), t0 + 120s);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_DOUBLE_EQ(ev[0].value, 0.5);
}

TEST(alert_engine_test, error_rate_sources_are_separate_instances_and_a_vanished_source_resolves) {
  alert_engine engine{{error_rate_rule(0.1, 60s)}};
  auto two = [](uint64_t f1, uint64_t t1, uint64_t f2, uint64_t t2) {
    alert_observation o;
    o.records.push_back({"producer", f1, t1});
    o.records.push_back({"group billing", f2, t2});
    return o;
  };
  engine.observe(two(0, 0, 0, 0), t0);
  auto ev = engine.observe(two(0, 100, 50, 100), t0 + 10s);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].labels, (alert_labels{{"source", "group billing"}}));
  ev = engine.observe(counts(0, 200), t0 + 20s);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].state, state::resolved);
  EXPECT_EQ(ev[0].labels, (alert_labels{{"source", "group billing"}}));
  EXPECT_EQ(ev[0].value, 0);
}

TEST(alert_engine_test, error_rate_rules_with_different_windows_share_one_history) {
  alert_engine engine{{error_rate_rule(0.01, 60s), [] {
                         auto r = error_rate_rule(0.01, 600s);
                         r.name = "errors-long";
                         return r;
                       }()}};
  engine.observe(counts(0, 0), t0);
  ASSERT_EQ(engine.observe(counts(50, 100), t0 + 30s).size(), 2u);
  // 5 minutes later, with clean traffic: the short window is clean (though the history kept
  // for the long one goes back to the burst), the long one still sees 50 of 1100 (4.5%,
  // above 1%).
  auto ev = engine.observe(counts(50, 1100), t0 + 330s);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].rule, "errors");
  EXPECT_EQ(ev[0].state, state::resolved);
  ASSERT_EQ(engine.firing().size(), 1u);
  EXPECT_EQ(engine.firing()[0].rule, "errors-long");
}

// -- breaker_open, broker_unreachable, consumer_stalled -----------------------------------

TEST(alert_engine_test, breaker_open_fires_while_open_and_resolves_when_it_closes) {
  alert_engine engine{{rule("breaker", alert_kind::breaker_open)}};
  auto breakers = [](bool producer_open, bool sub_open) {
    alert_observation o;
    o.breakers = {{"producer", producer_open}, {"subscription 3 (group g)", sub_open}};
    return o;
  };
  EXPECT_TRUE(engine.observe(breakers(false, false), t0).empty());
  auto ev = engine.observe(breakers(true, false), t0 + 1s);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].labels, (alert_labels{{"breaker", "producer"}}));
  EXPECT_EQ(ev[0].value, 1);
  EXPECT_EQ(ev[0].summary, "breaker producer is open");
  EXPECT_TRUE(engine.observe(breakers(true, false), t0 + 2s).empty());
  ev = engine.observe(breakers(false, false), t0 + 3s);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].state, state::resolved);
  EXPECT_EQ(ev[0].value, 0);
  EXPECT_EQ(ev[0].active_since, t0 + 1s);
  EXPECT_TRUE(engine.firing().empty());
}

TEST(alert_engine_test, broker_unreachable_fires_on_a_probe_error_and_resolves_on_an_empty_one) {
  alert_engine engine{{rule("brokers", alert_kind::broker_unreachable)}};
  EXPECT_TRUE(engine.observe(broker(""), t0).empty());
  auto ev = engine.observe(broker("connection refused"), t0 + 1s);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_TRUE(ev[0].labels.empty());
  EXPECT_EQ(ev[0].value, 1);
  EXPECT_EQ(ev[0].summary, "brokers unreachable: connection refused");
  ev = engine.observe(broker(""), t0 + 2s);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].state, state::resolved);
  EXPECT_EQ(ev[0].value, 0);
}

TEST(alert_engine_test, broker_unreachable_undecided_keeps_a_pending_instance_as_it_is) {
  alert_engine engine{{rule("brokers", alert_kind::broker_unreachable, 0, 60s)}};
  EXPECT_TRUE(engine.observe(broker("timed out"), t0).empty());
  EXPECT_TRUE(engine.observe(broker(std::nullopt), t0 + 30s).empty());
  EXPECT_TRUE(engine.observe(broker(std::nullopt), t0 + 90s).empty()) << "undecided does not advance";
  // The error again: the instance was kept pending since t0, so it fires now.
  auto ev = engine.observe(broker("timed out"), t0 + 91s);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].active_since, t0);
}

TEST(alert_engine_test, broker_unreachable_undecided_keeps_a_firing_instance_as_it_is) {
  alert_engine engine{{rule("brokers", alert_kind::broker_unreachable, 0, 0ms, 10s)}};
  EXPECT_TRUE(engine.observe(broker(std::nullopt), t0).empty()) << "undecided does not start one";
  ASSERT_EQ(engine.observe(broker("timed out"), t0 + 1s).size(), 1u);
  EXPECT_TRUE(engine.observe(broker(std::nullopt), t0 + 5s).empty());
  EXPECT_TRUE(engine.observe(broker(std::nullopt), t0 + 20s).empty()) << "no resolve, no repeat";
  ASSERT_EQ(engine.firing().size(), 1u);
  auto ev = engine.observe(broker("timed out"), t0 + 21s);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_TRUE(ev[0].repeated);
  EXPECT_EQ(ev[0].active_since, t0 + 1s);
}

TEST(alert_engine_test, consumer_stalled_fires_per_stalled_partition_and_resolves_when_it_moves) {
  alert_engine engine{{rule("stalled", alert_kind::consumer_stalled)}};
  alert_observation o;
  o.stalled.push_back({"billing", "orders", 3, 40, 65s});
  auto ev = engine.observe(o, t0);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].labels, partition_labels(3));
  EXPECT_EQ(ev[0].value, 40);
  EXPECT_EQ(ev[0].summary,
            "orders[3] in group billing has 40 records waiting and no handler progress for 65 s");
  ev = engine.observe(alert_observation{}, t0 + 10s);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].state, state::resolved);
  EXPECT_EQ(ev[0].value, 0);
  EXPECT_EQ(ev[0].labels, partition_labels(3));
}

// -- names and rule checks ----------------------------------------------------------------

TEST(alert_engine_test, alert_kind_from_reads_back_every_name_to_string_writes) {
  for (auto k : {alert_kind::lag, alert_kind::error_rate, alert_kind::breaker_open,
                 alert_kind::broker_unreachable, alert_kind::consumer_stalled}) {
    auto back = alert_kind_from(to_string(k));
    ASSERT_TRUE(back.has_value()) << to_string(k);
    EXPECT_EQ(*back, k);
  }
  EXPECT_STREQ(to_string(alert_kind::error_rate), "error_rate");
  EXPECT_FALSE(alert_kind_from("").has_value());
  EXPECT_FALSE(alert_kind_from("Lag").has_value());
  EXPECT_FALSE(alert_kind_from("lags").has_value());
  EXPECT_STREQ(to_string(state::firing), "firing");
  EXPECT_STREQ(to_string(state::resolved), "resolved");
}

TEST(alert_engine_test, alert_rule_problem_accepts_a_good_rule) {
  EXPECT_EQ(alert_rule_problem(rule("lag.orders_high-1", alert_kind::lag, 1000, 60s, 1h)), "");
  EXPECT_EQ(alert_rule_problem(rule(std::string(128, 'a'), alert_kind::lag, 0)), "");
  EXPECT_EQ(alert_rule_problem(error_rate_rule(0, 1s)), "");
  EXPECT_EQ(alert_rule_problem(error_rate_rule(0.999, 24h)), "");
  auto r = rule("b", alert_kind::breaker_open, -5, 24h, 24h); // threshold unused
  r.severity = "page_now-1";
  EXPECT_EQ(alert_rule_problem(r), "");
  auto w = rule("w", alert_kind::lag);
  w.window = 0ms; // window unused outside error_rate
  EXPECT_EQ(alert_rule_problem(w), "");
}

TEST(alert_engine_test, alert_rule_problem_names_the_field_that_is_wrong) {
  auto expect_problem = [](const alert_rule& r, const std::string& field) {
    auto p = alert_rule_problem(r);
    EXPECT_NE(p, "") << "for field " << field;
    EXPECT_EQ(p.rfind(field + " ", 0), 0u) << "does not start with " << field << ": " << p;
  };
  // name
  expect_problem(rule("", alert_kind::lag), "name");
  expect_problem(rule(std::string(129, 'a'), alert_kind::lag), "name");
  expect_problem(rule("lag high", alert_kind::lag), "name");
  expect_problem(rule("lag/high", alert_kind::lag), "name");
  // threshold
  expect_problem(rule("r", alert_kind::lag, -1), "threshold");
  expect_problem(rule("r", alert_kind::lag, std::nan("")), "threshold");
  expect_problem(rule("r", alert_kind::lag, std::numeric_limits<double>::infinity()), "threshold");
  expect_problem(error_rate_rule(1.5, 60s), "threshold");
  expect_problem(error_rate_rule(1, 60s), "threshold");
  expect_problem(error_rate_rule(-0.1, 60s), "threshold");
  EXPECT_HAS(alert_rule_problem(error_rate_rule(1.5, 60s)), "threshold must be 0..1");
  EXPECT_HAS(alert_rule_problem(error_rate_rule(1.5, 60s)), "for kind error_rate, not 1.5");
  EXPECT_HAS(alert_rule_problem(rule("r", alert_kind::lag, -1)), "not -1");
  // for.ms, repeat.ms
  expect_problem(rule("r", alert_kind::lag, 0, -1ms), "for.ms");
  expect_problem(rule("r", alert_kind::lag, 0, 86400001ms), "for.ms");
  EXPECT_HAS(alert_rule_problem(rule("r", alert_kind::lag, 0, -1ms)), "not -1");
  expect_problem(rule("r", alert_kind::lag, 0, 0ms, -1ms), "repeat.ms");
  expect_problem(rule("r", alert_kind::lag, 0, 0ms, 86400001ms), "repeat.ms");
  // window.ms
  expect_problem(error_rate_rule(0.1, 999ms), "window.ms");
  expect_problem(error_rate_rule(0.1, 86400001ms), "window.ms");
  EXPECT_HAS(alert_rule_problem(error_rate_rule(0.1, 999ms)), "not 999");
  // severity
  auto sev = [](std::string s) {
    auto r = rule("r", alert_kind::lag);
    r.severity = std::move(s);
    return r;
  };
  expect_problem(sev(""), "severity");
  expect_problem(sev(std::string(65, 's')), "severity");
  expect_problem(sev("very bad"), "severity");
  expect_problem(sev("a.b"), "severity");
  EXPECT_EQ(alert_rule_problem(sev(std::string(64, 's'))), "");
}
