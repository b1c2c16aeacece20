// The alert evaluator actor fed observations with made-up times: the rule timings as the
// actor applies them, its stats, and a sink that cannot be reached. No broker, no service.

#include "kafka_actors/actors/alert_evaluator.hpp"

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>
#include <gtest/gtest.h>

#include "kafka_actors/runtime/errors.hpp"
#include "kafka_actors/system_config.hpp"

using namespace kafka_actors;
using namespace std::chrono_literals;

namespace {

class alert_evaluator_test : public ::testing::Test {
protected:
  actor_system_config sys_cfg;
  caf::actor_system sys{sys_cfg};
  caf::scoped_actor self{sys};
  kafka_config cfg = kafka_config::embedded();

  alert_evaluator_test() {
    cfg.monitoring.enabled = true;
    alert_rule lag;
    lag.name = "lag-high";
    lag.kind = alert_kind::lag;
    lag.threshold = 100;
    lag.for_duration = 60s;
    lag.repeat = 300s;
    cfg.monitoring.alerts.rules = {lag};
  }

  static alert_observation lagging(int64_t lag) {
    alert_observation o;
    o.lags.push_back({"billing", "orders", 3, lag});
    return o;
  }

  alert_stats observe(const alert_evaluator_actor& e, const alert_observation& o,
                      std::chrono::milliseconds at) {
    alert_stats out;
    self->request(e, 30s, observe_atom_v, o, static_cast<int64_t>(at.count()))
      .receive([&](alert_stats& s) { out = std::move(s); },
               [&](caf::error& err) { ADD_FAILURE() << describe(err); });
    return out;
  }

  std::vector<std::string> firing(const alert_evaluator_actor& e) {
    std::vector<std::string> out;
    self->request(e, 30s, alerts_atom_v)
      .receive([&](std::vector<std::string>& xs) { out = std::move(xs); },
               [&](caf::error& err) { ADD_FAILURE() << describe(err); });
    return out;
  }

  ~alert_evaluator_test() override {
    if (evaluator)
      self->send_exit(evaluator, caf::exit_reason::user_shutdown);
  }

  alert_evaluator_actor evaluator;
};

constexpr auto t0 = std::chrono::milliseconds{1'700'000'000'000};

} // namespace

TEST_F(alert_evaluator_test, fires_after_its_for_duration_repeats_and_resolves_on_the_log) {
  evaluator = spawn_alert_evaluator(sys, cfg, {});
  ::testing::internal::CaptureStderr();
  auto s = observe(evaluator, lagging(500), t0);
  EXPECT_EQ(s.firing.at("lag-high"), 0u);
  EXPECT_EQ(s.sent["log"], 0u);
  s = observe(evaluator, lagging(600), t0 + 59s);
  EXPECT_EQ(s.firing.at("lag-high"), 0u) << "fired before its for.ms";
  s = observe(evaluator, lagging(700), t0 + 60s);
  EXPECT_EQ(s.firing.at("lag-high"), 1u);
  EXPECT_EQ(s.sent["log"], 1u);
  auto now = firing(evaluator);
  ASSERT_EQ(now.size(), 1u);
  EXPECT_NE(now[0].find("group=billing topic=orders partition=3"), std::string::npos) << now[0];
  s = observe(evaluator, lagging(800), t0 + 200s);
  EXPECT_EQ(s.sent["log"], 1u) << "repeated before repeat.ms";
  s = observe(evaluator, lagging(900), t0 + 360s);
  EXPECT_EQ(s.sent["log"], 2u);
  s = observe(evaluator, lagging(5), t0 + 361s);
  EXPECT_EQ(s.firing.at("lag-high"), 0u);
  EXPECT_EQ(s.sent["log"], 3u);
  EXPECT_TRUE(firing(evaluator).empty());
  auto log = ::testing::internal::GetCapturedStderr();
  auto a = log.find("kafka-actors: alert FIRING [lag-high, warning] group=billing topic=orders "
                    "partition=3: ");
  auto b = log.find("kafka-actors: alert FIRING (again) [lag-high, warning]");
  auto c = log.find("kafka-actors: alert RESOLVED [lag-high, warning]");
  EXPECT_NE(a, std::string::npos) << log;
  EXPECT_NE(b, std::string::npos) << log;
  EXPECT_NE(c, std::string::npos) << log;
  EXPECT_LT(a, b);
  EXPECT_LT(b, c);
}

TEST_F(alert_evaluator_test, an_alertmanager_that_does_not_answer_is_counted_and_named) {
  cfg.monitoring.alerts.log = false;
  // A port nothing listens on (the discard port on loopback is closed here).
  cfg.monitoring.alerts.alertmanager = "http://127.0.0.1:9";
  cfg.monitoring.alerts.alertmanager_timeout = 2000ms;
  cfg.monitoring.alerts.rules[0].for_duration = 0ms;
  evaluator = spawn_alert_evaluator(sys, cfg, {});
  auto s = observe(evaluator, lagging(500), t0);
  EXPECT_EQ(s.firing.at("lag-high"), 1u);
  EXPECT_EQ(s.failed["alertmanager"], 1u);
  EXPECT_EQ(s.sent["alertmanager"], 0u);
  EXPECT_NE(s.last_failure.find("http://127.0.0.1:9"), std::string::npos) << s.last_failure;
  // The failed firing alert goes out again on the next round; the resolve too.
  s = observe(evaluator, lagging(5), t0 + 1s);
  EXPECT_EQ(s.failed["alertmanager"], 2u);
  s = observe(evaluator, lagging(5), t0 + 2s);
  EXPECT_EQ(s.failed["alertmanager"], 3u) << "the unposted resolve is retried";
}

TEST_F(alert_evaluator_test, record_json_carries_the_event) {
  alert_event e;
  e.rule = "lag-high";
  e.kind = alert_kind::lag;
  e.severity = "critical";
  e.labels = {{"group", "g"}, {"topic", "t\"x"}, {"partition", "0"}};
  e.value = 1234;
  e.summary = "line one\nline two";
  e.active_since = alert_time{t0};
  e.at = alert_time{t0 + 1500ms};
  auto json = alert_record_json(e);
  EXPECT_NE(json.find(R"("alert":"lag-high")"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("state":"firing")"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("topic":"t\"x")"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("summary":"line one\nline two")"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("active_since":"2023-11-14T22:13:20.000Z")"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("at":"2023-11-14T22:13:21.500Z")"), std::string::npos) << json;
}
