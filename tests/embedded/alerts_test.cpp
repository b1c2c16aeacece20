// In-process alerts on the embedded mock cluster: rules from the config, evaluated on the
// monitoring rounds, their events read back from the sinks (the alert topic, the log, the
// metrics). The timings of the rules themselves are unit-tested under an injected clock
// (tests/unit/alert_engine_test.cpp); here the rounds run on the real clock.

#include <atomic>
#include <mutex>

#include <boost/json.hpp>

#include "support/alertmanager_server.hpp"
#include "support/gate.hpp"
#include "support/http.hpp"
#include "support/monitored_fixture.hpp"

using namespace kafka_actors;
using namespace kafka_actors::test;
using namespace std::chrono_literals;

namespace {

// The alert records the topic sink wrote, parsed.
class alert_records {
public:
  record_handler handler() {
    return [this](const record& r) -> caf::error {
      std::error_code ec;
      auto v = boost::json::parse(std::string{r.payload()}, ec);
      std::lock_guard<std::mutex> guard{mx_};
      if (ec || !v.is_object())
        bad_.push_back(std::string{r.payload()});
      else
        seen_.push_back(v.as_object());
      return caf::none;
    };
  }

  /// Records of rule `rule` in state `state` ("firing" / "resolved").
  std::vector<boost::json::object> of(const std::string& rule, const std::string& state) const {
    std::lock_guard<std::mutex> guard{mx_};
    std::vector<boost::json::object> out;
    for (auto& o : seen_)
      if (o.at("alert").as_string() == rule && o.at("state").as_string() == state)
        out.push_back(o);
    return out;
  }

  std::vector<std::string> unparsable() const {
    std::lock_guard<std::mutex> guard{mx_};
    return bad_;
  }

  std::string dump() const {
    std::lock_guard<std::mutex> guard{mx_};
    std::string out;
    for (auto& o : seen_)
      out += boost::json::serialize(o) + "\n";
    return out;
  }

private:
  mutable std::mutex mx_;
  std::vector<boost::json::object> seen_;
  std::vector<std::string> bad_;
};

class alerts_test : public monitored_fixture {};

alert_rule rule(std::string name, alert_kind kind, double threshold,
                std::chrono::milliseconds for_duration) {
  alert_rule r;
  r.name = std::move(name);
  r.kind = kind;
  r.threshold = threshold;
  r.for_duration = for_duration;
  return r;
}

} // namespace

TEST_F(alerts_test, a_stalled_handler_fires_the_lag_alert_on_the_topic_and_it_resolves) {
  auto alert_topic = unique_topic("alerts");
  cfg.flow.consumer_max_in_flight = 20; // the stalled consumer runs out of credit and pauses
  cfg.monitoring.stall_timeout = 1000ms;
  cfg.monitoring.alerts.rules = {rule("lag-high", alert_kind::lag, 50, 600ms),
                                 rule("stalled", alert_kind::consumer_stalled, 0, 0ms)};
  cfg.monitoring.alerts.log = false;
  cfg.monitoring.alerts.topic = alert_topic;
  start_monitored();
  auto topic = unique_topic("alerts-backlog");
  ASSERT_FALSE(create_topic(topic_config{alert_topic, 1, 1, {}}));
  ASSERT_FALSE(create_topic(topic_config{topic, 1, 1, {}}));
  ASSERT_EQ(send(numbered(topic, "b", 0, 200)), 0u);

  alert_records alerts;
  std::atomic<int> handled{0};
  gate stall;
  stop_on_exit stopper{*this}; // after the gate opens, before the locals go
  open_on_exit release{stall};
  ASSERT_TRUE(subscribe(subscription{{alert_topic}, "alerts-reader", alerts.handler()}));
  ASSERT_TRUE(subscribe(subscription{{topic}, "alerts-slow", [&](const record&) -> caf::error {
                                       if (handled.fetch_add(1) >= 10)
                                         stall.pass(); // blocks until the gate opens
                                       return caf::none;
                                     }}));

  ASSERT_TRUE(await([&] { return !alerts.of("lag-high", "firing").empty(); }, long_wait))
    << alerts.dump();
  auto fired = alerts.of("lag-high", "firing").front();
  EXPECT_EQ(fired.at("kind").as_string(), "lag");
  EXPECT_EQ(fired.at("repeated").as_bool(), false);
  auto& labels = fired.at("labels").as_object();
  EXPECT_EQ(labels.at("group").as_string(), "alerts-slow");
  EXPECT_EQ(labels.at("topic").as_string(), topic);
  EXPECT_EQ(labels.at("partition").as_string(), "0");
  EXPECT_GT(fired.at("value").to_number<double>(), 50);
  EXPECT_NE(std::string{fired.at("summary").as_string()}.find(topic + "[0]"), std::string::npos)
    << fired;
  EXPECT_TRUE(await_metric("kafka_actors_alerts_firing", {{"rule", "lag-high"}}, 1));
  ASSERT_TRUE(await([&] { return !alerts.of("stalled", "firing").empty(); }, long_wait))
    << alerts.dump();
  EXPECT_TRUE(alerts.of("lag-high", "resolved").empty()) << alerts.dump();

  // The handler catches up: both alerts resolve, once each, and the lag one fired once
  // (no repeat interval configured).
  stall.open();
  ASSERT_TRUE(await(
    [&] {
      return !alerts.of("lag-high", "resolved").empty() && !alerts.of("stalled", "resolved").empty();
    },
    long_wait))
    << alerts.dump();
  EXPECT_TRUE(await_metric("kafka_actors_alerts_firing", {{"rule", "lag-high"}}, 0));
  EXPECT_EQ(handled.load(), 200);
  EXPECT_EQ(alerts.of("lag-high", "firing").size(), 1u) << alerts.dump();
  EXPECT_EQ(alerts.of("lag-high", "resolved").size(), 1u) << alerts.dump();
  EXPECT_TRUE(alerts.unparsable().empty());
  // The counts reach /metrics a round after the records (the topic sink counts delivery
  // reports, the collector shows the evaluator's stats of the round before).
  std::string text;
  EXPECT_TRUE(await(
    [&] {
      text = scrape();
      return metric(text, "kafka_actors_alert_notifications_total", {{"sink", "topic"}})
               .value_or(0)
             >= 4;
    },
    long_wait))
    << text;
  EXPECT_EQ(metric(text, "kafka_actors_alert_notifications_failed_total", {{"sink", "topic"}}),
            0)
    << text;
}

TEST_F(alerts_test, brokers_going_away_fire_an_alert_on_the_log_and_it_repeats_and_resolves) {
  auto r = rule("brokers", alert_kind::broker_unreachable, 0, 0ms);
  r.repeat = 500ms;
  cfg.monitoring.alerts.rules = {r};
  start_monitored();
  ::testing::internal::CaptureStderr();
  bool capturing = true;
  auto stop_capture = [&] {
    std::string out;
    if (capturing)
      out = ::testing::internal::GetCapturedStderr();
    capturing = false;
    return out;
  };
  for (int b = 1; b <= 3; ++b)
    ASSERT_FALSE(cluster->set_broker_down(b));
  // Fired, then at least one repeat (every 500 ms while the brokers stay away).
  auto fired = await(
    [&] {
      return metric(scrape(), "kafka_actors_alert_notifications_total", {{"sink", "log"}})
               .value_or(0)
             >= 2;
    },
    long_wait);
  for (int b = 1; b <= 3; ++b)
    ASSERT_FALSE(cluster->set_broker_up(b));
  EXPECT_TRUE(fired) << scrape();
  EXPECT_TRUE(await_metric("kafka_actors_alerts_firing", {{"rule", "brokers"}}, 0));
  auto log = stop_capture();
  auto first = log.find("kafka-actors: alert FIRING [brokers, warning]: brokers unreachable: ");
  EXPECT_NE(first, std::string::npos) << log;
  EXPECT_NE(log.find("kafka-actors: alert FIRING (again) [brokers, warning]", first),
            std::string::npos)
    << log;
  EXPECT_NE(log.find("kafka-actors: alert RESOLVED [brokers, warning]", first), std::string::npos)
    << log;
}

TEST_F(alerts_test, brokers_going_away_show_in_a_real_alertmanager_and_resolve_there) {
  if (::access(alertmanager_server::binary, X_OK) != 0)
    GTEST_SKIP() << alertmanager_server::binary << " is not installed (scripts/install-deps)";
  alertmanager_server am;
  ASSERT_TRUE(am.error().empty()) << am.error();
  auto r = rule("brokers-away", alert_kind::broker_unreachable, 0, 400ms);
  r.severity = "critical";
  cfg.monitoring.alerts.rules = {r};
  cfg.monitoring.alerts.log = false;
  cfg.monitoring.alerts.alertmanager = am.url();
  start_monitored();
  stop_on_exit stopper{*this};
  auto ours = [&](const std::vector<am_alert>& xs) -> std::optional<am_alert> {
    for (auto& a : xs)
      if (a.alertname == "brokers-away")
        return a;
    return std::nullopt;
  };
  for (int b = 1; b <= 3; ++b)
    ASSERT_FALSE(cluster->set_broker_down(b));
  std::optional<am_alert> shown;
  auto appeared = await(
    [&] {
      auto xs = am.alerts();
      return xs && (shown = ours(*xs)).has_value() && shown->state == "active";
    },
    long_wait);
  for (int b = 1; b <= 3; ++b)
    ASSERT_FALSE(cluster->set_broker_up(b));
  ASSERT_TRUE(appeared) << am.last_answer() << "\n" << scrape();
  EXPECT_EQ(shown->labels["severity"], "critical");
  EXPECT_EQ(shown->labels["service"], "kafka-actors");
  EXPECT_EQ(shown->annotations["summary"].rfind("brokers unreachable: ", 0), 0u)
    << shown->annotations["summary"];
  // Back: the resolve reaches Alertmanager, which lists resolved alerts no more.
  EXPECT_TRUE(await(
    [&] {
      auto xs = am.alerts();
      return xs && !ours(*xs);
    },
    long_wait))
    << am.last_answer();
  EXPECT_TRUE(await_metric("kafka_actors_alerts_firing", {{"rule", "brokers-away"}}, 0));
  auto text = scrape();
  EXPECT_GE(metric(text, "kafka_actors_alert_notifications_total", {{"sink", "alertmanager"}})
              .value_or(0),
            2)
    << text;
}
