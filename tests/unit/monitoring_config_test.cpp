// The "monitoring" config section: off by default, read from JSON and the environment,
// errors that name the key.

#include "kafka_actors/config/kafka_config.hpp"

#include <gtest/gtest.h>

#include "kafka_actors/runtime/errors.hpp"

using namespace kafka_actors;

namespace {

std::string error_of(const caf::expected<kafka_config>& cfg) {
  return cfg ? std::string{} : describe(cfg.error());
}

} // namespace

TEST(monitoring_config, off_by_default_and_no_statistics_then) {
  auto cfg = kafka_config::embedded();
  EXPECT_FALSE(cfg.monitoring.enabled);
  EXPECT_EQ(cfg.consumer_config("g").count("statistics.interval.ms"), 0u);
}

TEST(monitoring_config, reads_json_and_turns_on_consumer_statistics) {
  auto cfg = kafka_config::from_json(R"({"monitoring": {"enabled": true,
    "listen": "127.0.0.1:0", "interval.ms": 1000, "broker.timeout.ms": 2000,
    "liveness.timeout.ms": 9000, "stall.timeout.ms": 120000, "join.timeout.ms": 45000}})",
    "svc.json");
  ASSERT_TRUE(cfg) << error_of(cfg);
  EXPECT_TRUE(cfg->monitoring.enabled);
  EXPECT_EQ(cfg->monitoring.listen, "127.0.0.1:0");
  EXPECT_EQ(cfg->monitoring.interval.count(), 1000);
  EXPECT_EQ(cfg->monitoring.broker_timeout.count(), 2000);
  EXPECT_EQ(cfg->monitoring.liveness_timeout.count(), 9000);
  EXPECT_EQ(cfg->monitoring.stall_timeout.count(), 120000);
  EXPECT_EQ(cfg->monitoring.join_timeout.count(), 45000);
  EXPECT_EQ(cfg->consumer_config("g")["statistics.interval.ms"], "1000");
}

TEST(monitoring_config, a_statistics_interval_the_user_set_wins) {
  auto cfg = kafka_config::from_json(R"({"monitoring": {"enabled": true},
    "consumer": {"statistics.interval.ms": 250}})", "svc.json");
  ASSERT_TRUE(cfg) << error_of(cfg);
  EXPECT_EQ(cfg->consumer_config("g")["statistics.interval.ms"], "250");
}

TEST(monitoring_config, errors_name_the_key) {
  struct bad {
    const char* json;
    const char* expected;
  } cases[] = {
    {R"({"monitoring": {"enabled": "yes"}})", "monitoring.enabled"},
    {R"({"monitoring": {"listen": 9464}})", "monitoring.listen"},
    {R"({"monitoring": {"listen": "9464"}})", "must be host:port"},
    {R"({"monitoring": {"listen": "127.0.0.1:70000"}})", "port '70000'"},
    {R"({"monitoring": {"listen": "::1:80"}})", "IPv6 in brackets"},
    {R"({"monitoring": {"interval.ms": 5}})", "monitoring.interval.ms' must be 100.."},
    {R"({"monitoring": {"interval.ms": -1}})", "monitoring.interval.ms"},
    {R"({"monitoring": {"interval": 1000}})", "unknown key 'monitoring.interval'"},
    {R"({"monitoring": []})", "key 'monitoring' must be an object"},
    {R"({"monitoring": {"stall.timeout.ms": 50}})", "monitoring.stall.timeout.ms' must be 100.."},
    {R"({"monitoring": {"join.timeout.ms": "1m"}})", "monitoring.join.timeout.ms"},
    {R"({"monitoring": {"enabled": true, "interval.ms": 5000, "liveness.timeout.ms": 5000}})",
     "monitoring.liveness.timeout.ms"},
  };
  for (auto& c : cases) {
    auto cfg = kafka_config::from_json(c.json, "svc.json");
    ASSERT_FALSE(cfg) << c.json;
    EXPECT_EQ(code_of(cfg.error()), errc::invalid_config);
    auto text = error_of(cfg);
    EXPECT_NE(text.find(c.expected), std::string::npos) << c.json << " -> " << text;
    EXPECT_NE(text.find("svc.json"), std::string::npos) << text;
  }
}

TEST(monitoring_config, accepts_bracketed_ipv6_and_any_interface) {
  for (auto listen : {"[::1]:9464", "0.0.0.0:9464", "localhost:1"}) {
    auto cfg = kafka_config::embedded();
    cfg.monitoring.listen = listen;
    EXPECT_FALSE(cfg.validate()) << listen << ": " << describe(cfg.validate());
  }
}

TEST(monitoring_config, reads_the_environment) {
  auto cfg = kafka_config::embedded();
  ASSERT_FALSE(cfg.apply_env({"KAFKA_ACTORS_MONITORING_ENABLED=true",
                              "KAFKA_ACTORS_MONITORING_LISTEN=0.0.0.0:9500",
                              "KAFKA_ACTORS_MONITORING_INTERVAL_MS=2000",
                              "KAFKA_ACTORS_MONITORING_BROKER_TIMEOUT_MS=1500",
                              "KAFKA_ACTORS_MONITORING_LIVENESS_TIMEOUT_MS=60000",
                              "KAFKA_ACTORS_MONITORING_STALL_TIMEOUT_MS=90000",
                              "KAFKA_ACTORS_MONITORING_JOIN_TIMEOUT_MS=20000"}));
  EXPECT_TRUE(cfg.monitoring.enabled);
  EXPECT_EQ(cfg.monitoring.listen, "0.0.0.0:9500");
  EXPECT_EQ(cfg.monitoring.interval.count(), 2000);
  EXPECT_EQ(cfg.monitoring.broker_timeout.count(), 1500);
  EXPECT_EQ(cfg.monitoring.liveness_timeout.count(), 60000);
  EXPECT_EQ(cfg.monitoring.stall_timeout.count(), 90000);
  EXPECT_EQ(cfg.monitoring.join_timeout.count(), 20000);
  auto bad = kafka_config::embedded();
  auto err = bad.apply_env({"KAFKA_ACTORS_MONITORING_INTERVAL_MS=soon"});
  ASSERT_TRUE(err);
  EXPECT_NE(describe(err).find("KAFKA_ACTORS_MONITORING_INTERVAL_MS"), std::string::npos)
    << describe(err);
  auto typo = kafka_config::embedded();
  err = typo.apply_env({"KAFKA_ACTORS_MONITORING_PORT=1"});
  ASSERT_TRUE(err);
  EXPECT_NE(describe(err).find("KAFKA_ACTORS_MONITORING_PORT"), std::string::npos)
    << describe(err);
  auto bad_listen = kafka_config::embedded();
  err = bad_listen.apply_env({"KAFKA_ACTORS_MONITORING_LISTEN=nowhere"});
  ASSERT_TRUE(err);
  EXPECT_NE(describe(err).find("monitoring.listen"), std::string::npos) << describe(err);
}

TEST(monitoring_config, reads_alert_rules_and_sinks) {
  auto cfg = kafka_config::from_json(R"({"monitoring": {"enabled": true, "alerts": {
    "rules": [
      {"name": "lag-high", "kind": "lag", "threshold": 1000, "for.ms": 60000,
       "repeat.ms": 300000, "severity": "critical"},
      {"name": "errors", "kind": "error_rate", "threshold": 0.01, "window.ms": 120000},
      {"name": "brokers", "kind": "broker_unreachable"}],
    "log": false, "topic": "ops.alerts", "alertmanager": "http://127.0.0.1:9093",
    "alertmanager.timeout.ms": 2000, "alertmanager.resend.ms": 30000}}})",
                                     "svc.json");
  ASSERT_TRUE(cfg) << error_of(cfg);
  auto& a = cfg->monitoring.alerts;
  ASSERT_EQ(a.rules.size(), 3u);
  EXPECT_EQ(a.rules[0].name, "lag-high");
  EXPECT_EQ(a.rules[0].kind, alert_kind::lag);
  EXPECT_EQ(a.rules[0].threshold, 1000);
  EXPECT_EQ(a.rules[0].for_duration.count(), 60000);
  EXPECT_EQ(a.rules[0].repeat.count(), 300000);
  EXPECT_EQ(a.rules[0].severity, "critical");
  EXPECT_EQ(a.rules[1].kind, alert_kind::error_rate);
  EXPECT_DOUBLE_EQ(a.rules[1].threshold, 0.01);
  EXPECT_EQ(a.rules[1].window.count(), 120000);
  EXPECT_EQ(a.rules[1].severity, "warning");
  EXPECT_EQ(a.rules[2].kind, alert_kind::broker_unreachable);
  EXPECT_FALSE(a.log);
  EXPECT_EQ(a.topic, "ops.alerts");
  EXPECT_EQ(a.alertmanager, "http://127.0.0.1:9093");
  EXPECT_EQ(a.alertmanager_timeout.count(), 2000);
  EXPECT_EQ(a.alertmanager_resend.count(), 30000);
}

TEST(monitoring_config, alert_errors_name_the_rule_and_key) {
  struct bad {
    const char* alerts;
    const char* expected;
  } cases[] = {
    {R"("alerts": 3)", "key 'monitoring.alerts' must be an object"},
    {R"("alerts": {"rules": {}})", "key 'monitoring.alerts.rules' must be an array"},
    {R"("alerts": {"rules": [7]})", "key 'monitoring.alerts.rules[0]' must be an object"},
    {R"("alerts": {"rules": [{"kind": "lag"}]})", "'monitoring.alerts.rules[0]' needs a \"name\""},
    {R"("alerts": {"rules": [{"name": "x"}]})", "(rule 'x') needs a \"kind\""},
    {R"("alerts": {"rules": [{"name": "x", "kind": "lagg"}]})",
     "'monitoring.alerts.rules[0].kind' ('lagg') is no alert kind"},
    {R"("alerts": {"rules": [{"name": "x", "kind": "lag", "threshold": "big"}]})",
     "'monitoring.alerts.rules[0].threshold' must be a number"},
    {R"("alerts": {"rules": [{"name": "x", "kind": "lag", "for.ms": -5}]})",
     "'monitoring.alerts.rules[0].for.ms' must be a whole number"},
    {R"("alerts": {"rules": [{"name": "x", "kind": "lag", "repeat.ms": 90000000}]})",
     "'monitoring.alerts.rules[0].repeat.ms' must be 0..86400000, not 90000000"},
    {R"("alerts": {"rules": [{"name": "x", "kind": "lag", "treshold": 5}]})",
     "unknown key 'monitoring.alerts.rules[0].treshold'"},
    {R"("alerts": {"rules": [{"name": "x", "kind": "error_rate", "threshold": 1.5}]})",
     "(rule 'x'): threshold"},
    {R"("alerts": {"rules": [{"name": "a b", "kind": "lag"}]})", "(rule 'a b'): name"},
    {R"("alerts": {"rules": [{"name": "x", "kind": "lag"}, {"name": "x", "kind": "lag"}]})",
     "'monitoring.alerts.rules[1]': a second rule named 'x'"},
    {R"("alerts": {"rules": [{"name": "x", "kind": "lag"}], "log": false})", "no sink"},
    {R"("alerts": {"rules": [{"name": "x", "kind": "lag"}], "topic": "bad topic"})",
     "key 'monitoring.alerts.topic'"},
    {R"("alerts": {"rules": [{"name": "x", "kind": "lag"}], "alertmanager": "127.0.0.1:9093"})",
     "key 'monitoring.alerts.alertmanager': "},
    {R"("alerts": {"alertmanager.timeout.ms": 5})",
     "'monitoring.alerts.alertmanager.timeout.ms' must be 100.."},
    {R"("alerts": {"sinks": []})", "unknown key 'monitoring.alerts.sinks'"},
  };
  for (auto& c : cases) {
    auto json = std::string{R"({"monitoring": {"enabled": true, )"} + c.alerts + "}}";
    auto cfg = kafka_config::from_json(json, "svc.json");
    ASSERT_FALSE(cfg) << json;
    auto text = describe(cfg.error());
    EXPECT_NE(text.find(c.expected), std::string::npos) << json << "\n -> " << text;
    EXPECT_NE(text.find("svc.json"), std::string::npos) << text;
  }
}

TEST(monitoring_config, alert_rules_need_monitoring_enabled) {
  auto cfg = kafka_config::from_json(
    R"({"monitoring": {"alerts": {"rules": [{"name": "x", "kind": "lag"}]}}})", "svc.json");
  ASSERT_FALSE(cfg);
  EXPECT_NE(describe(cfg.error()).find("'monitoring.enabled' is false"), std::string::npos)
    << describe(cfg.error());
  auto env = kafka_config::embedded();
  auto err = env.apply_env({"KAFKA_ACTORS_MONITORING_ALERTS=x"});
  ASSERT_TRUE(err);
  EXPECT_NE(describe(err).find("read from a config file only"), std::string::npos)
    << describe(err);
}
