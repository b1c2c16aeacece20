#include "kafka_actors/config/kafka_config.hpp"

#include <cstdio>
#include <fstream>

#include <gtest/gtest.h>

#include "kafka_actors/runtime/errors.hpp"

using namespace kafka_actors;

namespace {

std::string error_of(const caf::expected<kafka_config>& cfg) {
  return cfg ? std::string{} : describe(cfg.error());
}

} // namespace

TEST(kafka_config, defaults_are_at_least_once_and_idempotent) {
  auto cfg = kafka_config::embedded();
  EXPECT_TRUE(cfg.is_embedded());
  auto p = cfg.producer_config();
  EXPECT_EQ(p["acks"], "all");
  EXPECT_EQ(p["enable.idempotence"], "true");
  auto c = cfg.consumer_config("g1");
  EXPECT_EQ(c["enable.auto.offset.store"], "false");
  EXPECT_EQ(c["group.id"], "g1");
}

TEST(kafka_config, loads_sections_and_typed_values) {
  auto cfg = kafka_config::from_json(R"({
    "bootstrap.servers": "127.0.0.1:9092",
    "producer": {"linger.ms": 20, "compression.type": "lz4"},
    "consumer": {"fetch.wait.max.ms": 50, "check.crcs": true},
    "security": {"security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": "SCRAM-SHA-512",
                 "sasl.username": "alice", "sasl.password": "s3cret"},
    "flow": {"consumer.max.in.flight": 100, "consumer.pause.grace.ms": 50}
  })", "service.json");
  ASSERT_TRUE(cfg) << error_of(cfg);
  EXPECT_EQ(cfg->bootstrap_servers, "127.0.0.1:9092");
  EXPECT_EQ(cfg->producer_config()["linger.ms"], "20");
  EXPECT_EQ(cfg->consumer_config("g")["check.crcs"], "true");
  EXPECT_EQ(cfg->consumer_config("g")["sasl.username"], "alice");
  EXPECT_EQ(cfg->flow.consumer_max_in_flight, 100u);
  EXPECT_EQ(cfg->flow.pause_grace.count(), 50);
  EXPECT_EQ(cfg->security_config().at("sasl.mechanism"), "SCRAM-SHA-512");
}

TEST(kafka_config, unknown_property_names_key_and_file) {
  auto cfg = kafka_config::from_json(R"({"producer": {"linger.mss": 5}})", "svc.json");
  ASSERT_FALSE(cfg);
  auto text = error_of(cfg);
  EXPECT_EQ(code_of(cfg.error()), errc::invalid_config);
  EXPECT_NE(text.find("svc.json"), std::string::npos) << text;
  EXPECT_NE(text.find("producer.linger.mss"), std::string::npos) << text;
}

TEST(kafka_config, wrongly_typed_value_names_key) {
  auto cfg = kafka_config::from_json(R"({"consumer": {"fetch.wait.max.ms": "soon"}})",
                                     "svc.json");
  ASSERT_FALSE(cfg);
  EXPECT_NE(error_of(cfg).find("consumer.fetch.wait.max.ms"), std::string::npos)
    << error_of(cfg);
}

TEST(kafka_config, unknown_top_level_and_flow_keys_are_errors) {
  auto a = kafka_config::from_json(R"({"brokers": "x:1"})", "a.json");
  ASSERT_FALSE(a);
  EXPECT_NE(error_of(a).find("'brokers'"), std::string::npos);
  auto b = kafka_config::from_json(R"({"flow": {"consumer.max.inflight": 3}})", "b.json");
  ASSERT_FALSE(b);
  EXPECT_NE(error_of(b).find("flow.consumer.max.inflight"), std::string::npos);
}

TEST(kafka_config, malformed_json_names_file_and_position) {
  auto cfg = kafka_config::from_json("{\n  \"producer\": {\"linger.ms\": 5,}\n}", "bad.json");
  ASSERT_FALSE(cfg);
  auto text = error_of(cfg);
  EXPECT_NE(text.find("bad.json"), std::string::npos) << text;
  EXPECT_NE(text.find("line 2"), std::string::npos) << text;
}

TEST(kafka_config, secrets_never_appear_in_errors) {
  auto cfg = kafka_config::from_json(
    R"({"security": {"sasl.mechanism": "PLAIN", "ssl.key.password": "hunter2",
                     "ssl.key.pem": "-----hunter2-----"}, "producer": {"nope": 1}})",
    "sec.json");
  ASSERT_FALSE(cfg);
  EXPECT_EQ(error_of(cfg).find("hunter2"), std::string::npos) << error_of(cfg);
  auto bad = kafka_config::from_json(R"({"security": {"sasl.mechanism": "hunter2"}})",
                                     "sec.json");
  // A non-secret key may echo its value; a secret one must not.
  EXPECT_TRUE(is_secret_key("sasl.password"));
  EXPECT_TRUE(is_secret_key("ssl.key.password"));
  EXPECT_FALSE(is_secret_key("sasl.mechanism"));
  (void) bad;
}

TEST(kafka_config, non_security_key_in_security_section_is_rejected) {
  auto cfg = kafka_config::from_json(R"({"security": {"linger.ms": 5}})", "s.json");
  ASSERT_FALSE(cfg);
  EXPECT_NE(error_of(cfg).find("security.linger.ms"), std::string::npos);
}

TEST(kafka_config, group_id_and_bootstrap_belong_elsewhere) {
  EXPECT_FALSE(kafka_config::from_json(R"({"consumer": {"group.id": "g"}})", "x.json"));
  EXPECT_FALSE(
    kafka_config::from_json(R"({"client": {"bootstrap.servers": "a:1"}})", "x.json"));
}

TEST(kafka_config, environment_overrides_and_validates) {
  auto cfg = kafka_config::embedded();
  ASSERT_FALSE(cfg.apply_env({"KAFKA_ACTORS_BOOTSTRAP_SERVERS=10.0.0.1:9092",
                              "KAFKA_ACTORS_PRODUCER_LINGER_MS=7", "PATH=/bin"}));
  EXPECT_EQ(cfg.bootstrap_servers, "10.0.0.1:9092");
  EXPECT_EQ(cfg.producer_config()["linger.ms"], "7");
  auto bad = kafka_config::embedded();
  auto err = bad.apply_env({"KAFKA_ACTORS_CONSUMER_NOT_A_KEY=1"});
  ASSERT_TRUE(err);
  EXPECT_NE(describe(err).find("consumer.not.a.key"), std::string::npos) << describe(err);
  auto typo = kafka_config::embedded();
  err = typo.apply_env({"KAFKA_ACTORS_PRODUCR_LINGER_MS=1"});
  ASSERT_TRUE(err);
  EXPECT_NE(describe(err).find("KAFKA_ACTORS_PRODUCR_LINGER_MS"), std::string::npos);
}

TEST(kafka_config, from_file_reports_missing_file) {
  auto cfg = kafka_config::from_file("/nonexistent/service.json");
  ASSERT_FALSE(cfg);
  EXPECT_NE(error_of(cfg).find("/nonexistent/service.json"), std::string::npos);
}

TEST(kafka_config, from_file_reads_a_file) {
  auto path = ::testing::TempDir() + "/kafka_actors_config_test.json";
  {
    std::ofstream out{path};
    out << R"({"bootstrap.servers": "h:1", "embedded.brokers": 1})";
  }
  auto cfg = kafka_config::from_file(path);
  std::remove(path.c_str());
  ASSERT_TRUE(cfg) << error_of(cfg);
  EXPECT_EQ(cfg->bootstrap_servers, "h:1");
  EXPECT_EQ(cfg->source, path);
}
