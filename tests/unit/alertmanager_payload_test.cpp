// runtime/alertmanager_client: the v2 payload (shape, labels, times, escaping), the URL check,
// and post_alerts refusing a bad URL without a request. The exchange with a real Alertmanager
// is tests/embedded/alertmanager_test.cpp.

#include <chrono>
#include <string>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "kafka_actors/runtime/alertmanager_client.hpp"
#include "kafka_actors/runtime/errors.hpp"
#include "support/expect_text.hpp"

using namespace kafka_actors;
using namespace std::chrono;

namespace {

// 2024-05-01T12:00:00Z
const alert_time noon = alert_time{seconds{1714564800}};

alert_event lag_event() {
  alert_event e;
  e.rule = "lag_high";
  e.kind = alert_kind::lag;
  e.severity = "critical";
  e.labels = {{"group", "billing"}, {"topic", "orders"}, {"partition", "3"}};
  e.state = alert_event::state_type::firing;
  e.value = 12000;
  e.summary = "lag of orders[3] in group billing is 12000 records";
  e.active_since = noon;
  e.at = noon + seconds{60};
  return e;
}

boost::json::array parse_array(const std::string& text) {
  auto doc = boost::json::parse(text);
  EXPECT_TRUE(doc.is_array()) << text;
  return doc.is_array() ? doc.as_array() : boost::json::array{};
}

std::string str(const boost::json::value& v) {
  return v.is_string() ? std::string{v.as_string()} : "(not a string: " + serialize(v) + ")";
}

} // namespace

TEST(alertmanager_payload, rfc3339_is_utc_with_milliseconds_truncated) {
  EXPECT_EQ(rfc3339_millis(noon), "2024-05-01T12:00:00.000Z");
  EXPECT_EQ(rfc3339_millis(noon + milliseconds{250} + microseconds{999}),
            "2024-05-01T12:00:00.250Z");
  EXPECT_EQ(rfc3339_millis(noon + hours{36} + minutes{7} + seconds{9} + milliseconds{5}),
            "2024-05-03T00:07:09.005Z");
  EXPECT_EQ(rfc3339_millis(alert_time{}), "1970-01-01T00:00:00.000Z");
  // Before the epoch: toward the past, not toward zero.
  EXPECT_EQ(rfc3339_millis(alert_time{} - microseconds{1500}), "1969-12-31T23:59:59.998Z");
  // A leap day.
  EXPECT_EQ(rfc3339_millis(alert_time{seconds{1709164800}}), "2024-02-29T00:00:00.000Z");
}

TEST(alertmanager_payload, one_firing_event_is_exactly_the_v2_shape) {
  auto e = lag_event();
  e.labels = {{"group", "g"}};
  e.summary = "s";
  e.value = 2.5;
  auto text = alertmanager_payload({e}, noon + minutes{5}, {{"service", "billing-svc"}});
  EXPECT_EQ(text, R"([{"labels":{"alertname":"lag_high","severity":"critical","group":"g",)"
                  R"("service":"billing-svc"},"annotations":{"summary":"s","value":"2.5"},)"
                  R"("startsAt":"2024-05-01T12:00:00.000Z","endsAt":"2024-05-01T12:05:00.000Z"}])");
}

TEST(alertmanager_payload, labels_merge_rule_severity_instance_and_extra_labels) {
  auto text = alertmanager_payload({lag_event()}, noon + minutes{5},
                                   {{"service", "billing-svc"}, {"env", "prod"}});
  auto alerts = parse_array(text);
  ASSERT_EQ(alerts.size(), 1u);
  auto& labels = alerts[0].as_object().at("labels").as_object();
  EXPECT_EQ(labels.size(), 7u) << text;
  EXPECT_EQ(str(labels.at("alertname")), "lag_high");
  EXPECT_EQ(str(labels.at("severity")), "critical");
  EXPECT_EQ(str(labels.at("group")), "billing");
  EXPECT_EQ(str(labels.at("topic")), "orders");
  EXPECT_EQ(str(labels.at("partition")), "3");
  EXPECT_EQ(str(labels.at("service")), "billing-svc");
  EXPECT_EQ(str(labels.at("env")), "prod");
  auto& ann = alerts[0].as_object().at("annotations").as_object();
  EXPECT_EQ(ann.size(), 2u) << text;
  EXPECT_EQ(str(ann.at("summary")), "lag of orders[3] in group billing is 12000 records");
  EXPECT_EQ(str(ann.at("value")), "12000");
}

TEST(alertmanager_payload, a_label_given_twice_keeps_its_first_value) {
  auto e = lag_event();
  e.labels.push_back({"alertname", "forged"});
  e.labels.push_back({"severity", "info"});
  auto text = alertmanager_payload({e}, noon, {{"topic", "other"}, {"service", "svc"}});
  auto labels = parse_array(text).at(0).as_object().at("labels").as_object();
  EXPECT_EQ(str(labels.at("alertname")), "lag_high") << text;
  EXPECT_EQ(str(labels.at("severity")), "critical") << text;
  EXPECT_EQ(str(labels.at("topic")), "orders") << text;
  EXPECT_EQ(str(labels.at("service")), "svc") << text;
  // Each name once in the text itself, not only in the parsed object.
  EXPECT_EQ(text.find("forged"), std::string::npos) << text;
  EXPECT_EQ(text.find("\"other\""), std::string::npos) << text;
}

TEST(alertmanager_payload, firing_ends_at_the_given_time_resolved_at_its_own) {
  auto firing = lag_event();
  auto resolved = lag_event();
  resolved.state = alert_event::state_type::resolved;
  resolved.value = 0;
  resolved.at = noon + seconds{90} + milliseconds{125};
  auto ends = noon + minutes{4};
  auto alerts = parse_array(alertmanager_payload({firing, resolved}, ends, {}));
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_EQ(str(alerts[0].as_object().at("startsAt")), "2024-05-01T12:00:00.000Z");
  EXPECT_EQ(str(alerts[0].as_object().at("endsAt")), "2024-05-01T12:04:00.000Z");
  EXPECT_EQ(str(alerts[1].as_object().at("startsAt")), "2024-05-01T12:00:00.000Z");
  EXPECT_EQ(str(alerts[1].as_object().at("endsAt")), "2024-05-01T12:01:30.125Z");
  EXPECT_EQ(str(alerts[1].as_object().at("annotations").as_object().at("value")), "0");
}

TEST(alertmanager_payload, quotes_newlines_and_backslashes_in_a_summary_are_escaped) {
  auto e = lag_event();
  e.summary = "brokers unreachable: \"b1:9092\" refused\nsecond line\\tab\there";
  e.labels = {{"breaker", "subscription 3 (group \"g\")"}};
  auto text = alertmanager_payload({e}, noon, {});
  EXPECT_HAS(text, R"(\"b1:9092\" refused\nsecond line\\tab\there)");
  EXPECT_HAS(text, R"x("breaker":"subscription 3 (group \"g\")")x");
  EXPECT_EQ(text.find('\n'), std::string::npos) << text;
  // And it reads back as what went in.
  auto alerts = parse_array(text);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(str(alerts[0].as_object().at("annotations").as_object().at("summary")), e.summary);
  EXPECT_EQ(str(alerts[0].as_object().at("labels").as_object().at("breaker")),
            e.labels[0].second);
}

TEST(alertmanager_payload, values_are_written_short) {
  auto value_of = [](double v) {
    auto e = lag_event();
    e.value = v;
    auto alerts = boost::json::parse(alertmanager_payload({e}, noon, {})).as_array();
    return std::string{alerts.at(0).as_object().at("annotations").as_object().at("value").as_string()};
  };
  EXPECT_EQ(value_of(1), "1");
  EXPECT_EQ(value_of(0.25), "0.25");
  EXPECT_EQ(value_of(0.1), "0.1");
  EXPECT_EQ(value_of(-3), "-3");
  EXPECT_EQ(value_of(123456789), "123456789");
  EXPECT_EQ(value_of(100000000), "100000000"); // not 1e+08: a lag is a count
  EXPECT_EQ(value_of(1e-7), "1e-07");
  EXPECT_EQ(value_of(0.0123), "0.0123");
}

TEST(alertmanager_payload, no_events_is_an_empty_array) {
  EXPECT_EQ(alertmanager_payload({}, noon, {{"service", "s"}}), "[]");
}

TEST(alertmanager_url, accepts_http_and_https_with_host_port_and_optional_path) {
  for (auto url : {"http://127.0.0.1:9093", "https://alertmanager.example.com:9093",
                   "http://alertmanager:9093/", "http://am-0.am.monitoring.svc:9093/am/prefix",
                   "http://[::1]:9093", "HTTP://am:1", "http://am:65535"})
    EXPECT_EQ(alertmanager_url_problem(url), "") << url;
}

TEST(alertmanager_url, names_what_is_wrong_and_quotes_the_url) {
  struct bad_case {
    const char* url;
    const char* says;
  };
  for (auto [url, says] : std::initializer_list<bad_case>{
         {"alertmanager:9093", "must start with http:// or https://"},
         {"ftp://am:9093", "must start with http:// or https://"},
         {"http://am", "must name a port"},
         {"http://am/path", "must name a port"},
         {"http://[::1]", "must name a port"},
         {"http://am:0", "invalid port '0'"},
         {"http://am:65536", "invalid port '65536'"},
         {"http://am:90a3", "invalid port '90a3'"},
         {"http://am:", "invalid port ''"},
         {"http://:9093", "has no host"},
         {"http://a%b:9093", "invalid host 'a%b'"},
         {"http://[zz]:9093", "no valid IPv6 address"},
         {"http://[::1:9093", "unclosed '['"},
         {"http://am:9093/api?x=1", "no query or fragment"},
         {"http://am:9093#top", "no query or fragment"},
         {"http://user:secret@am:9093", "must not carry credentials"},
         {"http://am :9093", "space or control character"},
         {"http://am:9093\n", "space or control character"},
       }) {
    auto problem = alertmanager_url_problem(url);
    EXPECT_HAS(problem, says);
    EXPECT_HAS(problem, "'" + std::string{url} + "'");
  }
  EXPECT_HAS(alertmanager_url_problem(""), "empty");
}

TEST(alertmanager_url, post_alerts_refuses_a_bad_url_without_asking_anyone) {
  auto start = steady_clock::now();
  auto err = post_alerts("localhost:9093", "[]", seconds{30});
  EXPECT_EQ(code_of(err), errc::invalid_argument) << describe(err);
  EXPECT_HAS(describe(err), "'localhost:9093' must start with http://");
  EXPECT_LT(steady_clock::now() - start, seconds{5});
}
