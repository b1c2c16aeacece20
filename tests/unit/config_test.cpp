#include "kafka_actors/config/kafka_config.hpp"

#include <algorithm>
#include <cctype>
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

// -- issue 8, item 10 and the smaller points: refused at load, errors name source and key ----

TEST(kafka_config, auto_offset_store_true_is_refused_naming_file_and_key) {
  auto cfg = kafka_config::from_json(R"({"consumer": {"enable.auto.offset.store": true}})",
                                     "service.json");
  ASSERT_FALSE(cfg);
  auto text = error_of(cfg);
  EXPECT_EQ(code_of(cfg.error()), errc::invalid_config);
  EXPECT_NE(text.find("service.json"), std::string::npos) << text;
  EXPECT_NE(text.find("'consumer.enable.auto.offset.store'"), std::string::npos) << text;
  EXPECT_NE(text.find("at-most-once"), std::string::npos) << text;
  // In the client section (it reaches every consumer), and in librdkafka's other spellings.
  auto client = kafka_config::from_json(R"({"client": {"enable.auto.offset.store": "1"}})",
                                        "c.json");
  ASSERT_FALSE(client);
  EXPECT_NE(error_of(client).find("'client.enable.auto.offset.store'"), std::string::npos)
    << error_of(client);
  EXPECT_FALSE(kafka_config::from_json(R"({"consumer": {"enable.auto.offset.store": "TRUE"}})",
                                       "c.json"));
  // The environment too, naming the variable.
  auto env = kafka_config::embedded();
  auto err = env.apply_env({"KAFKA_ACTORS_CONSUMER_ENABLE_AUTO_OFFSET_STORE=true"});
  ASSERT_TRUE(err);
  EXPECT_NE(describe(err).find("KAFKA_ACTORS_CONSUMER_ENABLE_AUTO_OFFSET_STORE"),
            std::string::npos)
    << describe(err);
  // false is what we set anyway; enable.auto.commit is left to the user.
  auto ok = kafka_config::from_json(
    R"({"consumer": {"enable.auto.offset.store": false, "enable.auto.commit": false}})",
    "ok.json");
  ASSERT_TRUE(ok) << error_of(ok);
  EXPECT_EQ(ok->consumer_config("g")["enable.auto.offset.store"], "false");
}

TEST(kafka_config, pause_grace_must_be_below_max_poll_interval) {
  // librdkafka's default max.poll.interval.ms is 300000.
  auto dflt = kafka_config::from_json(R"({"flow": {"consumer.pause.grace.ms": 300000}})",
                                      "grace.json");
  ASSERT_FALSE(dflt);
  auto text = error_of(dflt);
  EXPECT_NE(text.find("grace.json"), std::string::npos) << text;
  EXPECT_NE(text.find("flow.consumer.pause.grace.ms"), std::string::npos) << text;
  EXPECT_NE(text.find("max.poll.interval.ms"), std::string::npos) << text;
  EXPECT_TRUE(kafka_config::from_json(R"({"flow": {"consumer.pause.grace.ms": 299999}})",
                                      "grace.json"));
  // Read from the consumer section, else the client section.
  auto consumer = kafka_config::from_json(
    R"({"consumer": {"max.poll.interval.ms": 8000}, "flow": {"consumer.pause.grace.ms": 9000}})",
    "grace.json");
  ASSERT_FALSE(consumer);
  EXPECT_NE(error_of(consumer).find("'consumer.max.poll.interval.ms' (8000)"),
            std::string::npos)
    << error_of(consumer);
  auto client = kafka_config::from_json(
    R"({"client": {"max.poll.interval.ms": 8000}, "flow": {"consumer.pause.grace.ms": 8000}})",
    "grace.json");
  ASSERT_FALSE(client);
  EXPECT_NE(error_of(client).find("'client.max.poll.interval.ms'"), std::string::npos)
    << error_of(client);
  // The environment can make a file's grace too long: checked after applying it.
  auto cfg = kafka_config::from_json(R"({"flow": {"consumer.pause.grace.ms": 5000}})",
                                     "grace.json");
  ASSERT_TRUE(cfg) << error_of(cfg);
  auto err = cfg->apply_env({"KAFKA_ACTORS_CONSUMER_MAX_POLL_INTERVAL_MS=2000"});
  ASSERT_TRUE(err);
  EXPECT_NE(describe(err).find("flow.consumer.pause.grace.ms"), std::string::npos)
    << describe(err);
}

TEST(kafka_config, drain_timeout_must_be_below_stop_timeout) {
  auto cfg = kafka_config::from_json(
    R"({"flow": {"drain.timeout.ms": 5000, "stop.timeout.ms": 5000}})", "stop.json");
  ASSERT_FALSE(cfg);
  auto text = error_of(cfg);
  EXPECT_NE(text.find("stop.json"), std::string::npos) << text;
  EXPECT_NE(text.find("'flow.drain.timeout.ms'"), std::string::npos) << text;
  EXPECT_NE(text.find("'flow.stop.timeout.ms'"), std::string::npos) << text;
  // The default stop timeout (20 s) bounds a drain set alone.
  EXPECT_FALSE(kafka_config::from_json(R"({"flow": {"drain.timeout.ms": 30000}})", "s.json"));
  EXPECT_TRUE(kafka_config::from_json(
    R"({"flow": {"drain.timeout.ms": 30000, "stop.timeout.ms": 60000}})", "s.json"));
}

TEST(kafka_config, producer_window_is_clamped_to_the_shared_queue) {
  // Defaults: 200000 messages / 128 MiB per producer, over a 100000-message, 1 GiB queue.
  auto dflt = kafka_config::embedded();
  EXPECT_EQ(dflt.producer_window(),
            (std::pair<size_t, size_t>{100000, 128u * 1024 * 1024}));
  auto sharded = kafka_config::from_json(
    R"({"flow": {"producer.shards": 4}, "producer": {"queue.buffering.max.kbytes": 262144}})",
    "w.json");
  ASSERT_TRUE(sharded) << error_of(sharded);
  EXPECT_EQ(sharded->producer_window(),
            (std::pair<size_t, size_t>{25000, 64u * 1024 * 1024}));
  // The queue bounds may come from the client section too.
  auto client = kafka_config::from_json(
    R"({"client": {"queue.buffering.max.messages": 1000}})", "w.json");
  ASSERT_TRUE(client) << error_of(client);
  EXPECT_EQ(client->producer_window().first, 1000u);
  // Smaller windows are kept as they are.
  auto small = kafka_config::from_json(
    R"({"flow": {"producer.max.in.flight.messages": 10, "producer.max.in.flight.bytes": 4096}})",
    "w.json");
  ASSERT_TRUE(small) << error_of(small);
  EXPECT_EQ(small->producer_window(), (std::pair<size_t, size_t>{10, 4096}));
  EXPECT_TRUE(small->flow.producer_max_in_flight_messages_explicit);
}

TEST(kafka_config, explicit_producer_window_beyond_the_queue_is_an_error) {
  auto msgs = kafka_config::from_json(
    R"({"flow": {"producer.max.in.flight.messages": 30000, "producer.shards": 4}})", "w.json");
  ASSERT_FALSE(msgs);
  auto text = error_of(msgs);
  EXPECT_NE(text.find("w.json"), std::string::npos) << text;
  EXPECT_NE(text.find("'flow.producer.max.in.flight.messages'"), std::string::npos) << text;
  EXPECT_NE(text.find("queue.buffering.max.messages"), std::string::npos) << text;
  EXPECT_NE(text.find("'flow.producer.shards' (4)"), std::string::npos) << text;
  auto bytes = kafka_config::from_json(
    R"({"flow": {"producer.max.in.flight.bytes": 2097152},
        "producer": {"queue.buffering.max.kbytes": 1024}})",
    "w.json");
  ASSERT_FALSE(bytes);
  EXPECT_NE(error_of(bytes).find("'flow.producer.max.in.flight.bytes'"), std::string::npos)
    << error_of(bytes);
  EXPECT_NE(error_of(bytes).find("'producer.queue.buffering.max.kbytes'"), std::string::npos)
    << error_of(bytes);
  // Raising the queue bound makes it fit.
  EXPECT_TRUE(kafka_config::from_json(
    R"({"flow": {"producer.max.in.flight.messages": 30000, "producer.shards": 4},
        "producer": {"queue.buffering.max.messages": 120000}})",
    "w.json"));
}

TEST(kafka_config, stop_timeout_and_max_restarts_are_read_from_flow) {
  auto cfg = kafka_config::from_json(
    R"({"flow": {"stop.timeout.ms": 45000, "max.restarts": 3}})", "f.json");
  ASSERT_TRUE(cfg) << error_of(cfg);
  EXPECT_EQ(cfg->flow.stop_timeout.count(), 45000);
  EXPECT_EQ(cfg->flow.max_restarts, 3u);
  auto unknown = kafka_config::from_json(R"({"flow": {"stop.timeout": 1}})", "f.json");
  ASSERT_FALSE(unknown);
  EXPECT_NE(error_of(unknown).find("stop.timeout.ms"), std::string::npos) << error_of(unknown);
  EXPECT_NE(error_of(unknown).find("max.restarts"), std::string::npos) << error_of(unknown);
}

TEST(kafka_config, flow_numbers_out_of_range_name_key_and_range) {
  struct probe {
    const char* json;
    const char* key;
    const char* range;
  };
  probe probes[] = {
    {R"({"flow": {"consumer.pause.grace.ms": 86400001}})", "flow.consumer.pause.grace.ms",
     "0..86400000"},
    {R"({"flow": {"consumer.batch.size": 100001}})", "flow.consumer.batch.size", "1..100000"},
    {R"({"flow": {"consumer.batch.size": 0}})", "flow.consumer.batch.size", "1..100000"},
    {R"({"flow": {"producer.shards": 0}})", "flow.producer.shards", "1..64"},
    {R"({"flow": {"producer.shards": 65}})", "flow.producer.shards", "1..64"},
    {R"({"flow": {"stop.timeout.ms": 0}})", "flow.stop.timeout.ms", "1..86400000"},
    {R"({"flow": {"max.restarts": 1000001}})", "flow.max.restarts", "0..1000000"},
    {R"({"flow": {"consumer.max.in.flight": 0}})", "flow.consumer.max.in.flight", "1.."},
  };
  for (auto& p : probes) {
    auto cfg = kafka_config::from_json(p.json, "range.json");
    ASSERT_FALSE(cfg) << p.json;
    auto text = error_of(cfg);
    EXPECT_NE(text.find("range.json"), std::string::npos) << text;
    EXPECT_NE(text.find(std::string{"'"} + p.key + "'"), std::string::npos) << text;
    EXPECT_NE(text.find(p.range), std::string::npos) << text;
  }
  auto negative = kafka_config::from_json(R"({"flow": {"max.restarts": -1}})", "range.json");
  ASSERT_FALSE(negative);
  EXPECT_NE(error_of(negative).find("flow.max.restarts"), std::string::npos);
}

TEST(kafka_config, every_secret_key_is_secret_and_never_echoed) {
  for (auto key : {"sasl.oauthbearer.extensions", "ssl.keystore.password", "ssl.key.password",
                   "sasl.password", "ssl_key", "ssl.key.pem", "sasl.oauthbearer.client.secret",
                   "sasl.oauthbearer.config", "sasl.jaas.config"})
    EXPECT_TRUE(is_secret_key(key)) << key;
  for (auto key : {"sasl.username", "sasl.mechanism", "ssl.key.location",
                   "ssl.certificate.pem", "security.protocol"})
    EXPECT_FALSE(is_secret_key(key)) << key;
  // Values librdkafka rejects, in a file: the key is named, the value never shown.
  // (ssl_key is never settable; sasl.password.file does not exist; the OAuth keys are
  // refused by builds without libcurl, accepted by others.)
  for (auto key : {"ssl_key", "sasl.password.file", "sasl.oauthbearer.extensions",
                   "sasl.oauthbearer.client.secret", "ssl.key.password"}) {
    auto json = std::string{R"({"security": {")"} + key + R"(": "logicalCluster=hunter2"}})";
    auto cfg = kafka_config::from_json(json, "sec.json");
    if (!cfg) {
      EXPECT_NE(error_of(cfg).find(key), std::string::npos) << error_of(cfg);
      EXPECT_EQ(error_of(cfg).find("hunter2"), std::string::npos) << error_of(cfg);
    }
    auto env_name = std::string{key};
    std::transform(env_name.begin(), env_name.end(), env_name.begin(), [](unsigned char c) {
      return c == '.' ? '_' : static_cast<char>(std::toupper(c));
    });
    auto env = kafka_config::embedded();
    auto err = env.apply_env({"KAFKA_ACTORS_SECURITY_" + env_name + "=logicalCluster=hunter2"});
    if (err) {
      EXPECT_NE(describe(err).find("KAFKA_ACTORS_SECURITY_" + env_name), std::string::npos)
        << describe(err);
      EXPECT_EQ(describe(err).find("hunter2"), std::string::npos) << describe(err);
    }
  }
  EXPECT_FALSE(kafka_config::from_json(R"({"security": {"ssl_key": "hunter2"}})", "s.json"));
  auto env = kafka_config::embedded();
  EXPECT_TRUE(env.apply_env({"KAFKA_ACTORS_SECURITY_SASL_PASSWORD_FILE=hunter2"}));
}

TEST(kafka_config, environment_errors_name_the_variable_and_the_problem) {
  auto cfg = kafka_config::embedded();
  auto err = cfg.apply_env({"KAFKA_ACTORS_PRODUCER_LINGER_MS=abc"});
  ASSERT_TRUE(err);
  auto text = describe(err);
  EXPECT_EQ(code_of(err), errc::invalid_config);
  EXPECT_NE(text.find("<environment>"), std::string::npos) << text;
  EXPECT_NE(text.find("KAFKA_ACTORS_PRODUCER_LINGER_MS"), std::string::npos) << text;
  EXPECT_NE(text.find("'abc'"), std::string::npos) << text;
  EXPECT_NE(text.find("producer.linger.ms"), std::string::npos) << text;
  EXPECT_NE(text.find("not a number"), std::string::npos) << text;
  // The rejected variable is not applied.
  EXPECT_EQ(cfg.producer.count("linger.ms"), 0u);
  auto unknown = kafka_config::embedded();
  err = unknown.apply_env({"KAFKA_ACTORS_CONSUMER_NOT_A_KEY=1"});
  ASSERT_TRUE(err);
  EXPECT_NE(describe(err).find("KAFKA_ACTORS_CONSUMER_NOT_A_KEY"), std::string::npos)
    << describe(err);
  auto group = kafka_config::embedded();
  err = group.apply_env({"KAFKA_ACTORS_CONSUMER_GROUP_ID=g"});
  ASSERT_TRUE(err);
  EXPECT_NE(describe(err).find("KAFKA_ACTORS_CONSUMER_GROUP_ID"), std::string::npos)
    << describe(err);
}

TEST(kafka_config, empty_bootstrap_is_an_error_naming_its_source) {
  auto file = kafka_config::from_json(R"({"bootstrap.servers": ""})", "service.json");
  ASSERT_FALSE(file);
  EXPECT_NE(error_of(file).find("service.json"), std::string::npos) << error_of(file);
  EXPECT_NE(error_of(file).find("'bootstrap.servers'"), std::string::npos) << error_of(file);
  EXPECT_NE(error_of(file).find("empty"), std::string::npos) << error_of(file);
  EXPECT_FALSE(kafka_config::from_json(R"({"bootstrap.servers": "  "})", "service.json"));
  auto env = kafka_config::remote("h:1");
  auto err = env.apply_env({"KAFKA_ACTORS_BOOTSTRAP_SERVERS="});
  ASSERT_TRUE(err);
  EXPECT_NE(describe(err).find("KAFKA_ACTORS_BOOTSTRAP_SERVERS"), std::string::npos)
    << describe(err);
  EXPECT_NE(describe(err).find("empty"), std::string::npos) << describe(err);
  EXPECT_EQ(env.bootstrap_servers, "h:1");
  // Only an absent one means the embedded default.
  auto absent = kafka_config::from_json(R"({"producer": {"linger.ms": 1}})", "service.json");
  ASSERT_TRUE(absent) << error_of(absent);
  EXPECT_TRUE(absent->is_embedded());
}

TEST(kafka_config, from_file_on_a_directory_says_so) {
  auto dir = ::testing::TempDir();
  auto cfg = kafka_config::from_file(dir);
  ASSERT_FALSE(cfg);
  auto text = error_of(cfg);
  EXPECT_NE(text.find("is a directory"), std::string::npos) << text;
  EXPECT_EQ(text.find("malformed JSON"), std::string::npos) << text;
}

// -- found by fuzz/config_json and fuzz/config_env (scripts/fuzz) ----------------------------

// librdkafka reads C strings: "T\0RUK" reached it as "T", true, while the at-least-once check
// saw "t\0ruk" and let it through.
TEST(kafka_config, property_values_with_nul_bytes_are_refused) {
  auto cfg = kafka_config::from_json(
    R"({"consumer": {"enable.auto.offset.store": "T\u0000RUK"}})", "nul.json");
  ASSERT_FALSE(cfg);
  auto text = error_of(cfg);
  EXPECT_NE(text.find("nul.json"), std::string::npos) << text;
  EXPECT_NE(text.find("'consumer.enable.auto.offset.store'"), std::string::npos) << text;
  EXPECT_NE(text.find("NUL"), std::string::npos) << text;
  auto key = kafka_config::from_json(R"({"producer": {"linger.ms\u0000x": 5}})", "nul.json");
  ASSERT_FALSE(key);
  EXPECT_NE(error_of(key).find("linger.ms\\0x"), std::string::npos) << error_of(key);
  auto env = kafka_config::embedded();
  auto err = env.apply_env(
    {std::string{"KAFKA_ACTORS_CONSUMER_ENABLE_AUTO_OFFSET_STORE=t\0x", 50}});
  ASSERT_TRUE(err);
  EXPECT_NE(describe(err).find("NUL"), std::string::npos) << describe(err);
}

// A value past int milliseconds wrapped (4294967296 ms became 0) or overflowed the admin's
// timeout arithmetic; 2^64-1 became -1 ms.
TEST(kafka_config, connect_timeout_must_be_within_a_day) {
  for (auto json : {R"({"connect.timeout.ms": 0})", R"({"connect.timeout.ms": 86400001})",
                    R"({"connect.timeout.ms": 18446744073709551615})"}) {
    auto cfg = kafka_config::from_json(json, "t.json");
    ASSERT_FALSE(cfg) << json;
    EXPECT_NE(error_of(cfg).find("'connect.timeout.ms' must be 1..86400000"),
              std::string::npos)
      << error_of(cfg);
  }
  auto ok = kafka_config::from_json(R"({"connect.timeout.ms": 86400000})", "t.json");
  ASSERT_TRUE(ok) << error_of(ok);
  EXPECT_EQ(ok->connect_timeout.count(), 86'400'000);
}

// open.ms 10^16 overflowed steady_clock arithmetic in breaker_state::reopens_at (UBSan:
// signed integer overflow); 2^64-1 became -1 ms, a breaker that never stays open.
TEST(kafka_config, breaker_open_time_and_counts_are_bounded) {
  struct probe {
    const char* json;
    const char* text;
  };
  probe probes[] = {
    {R"({"producer.breaker": {"open.ms": 86400001}})",
     "'producer.breaker.open.ms' must be 0..86400000"},
    {R"({"producer.breaker": {"open.ms": 18446744073709551615}})",
     "'producer.breaker.open.ms' must be 0..86400000"},
    {R"({"producer.breaker": {"window": 1000001}})",
     "'producer.breaker.window' must be 1..1000000"},
    {R"({"producer.breaker": {"probes": 1000001}})",
     "'producer.breaker.probes' must be 1..1000000"},
    {R"({"producer.breaker": {"consecutive.failures": 1000001}})",
     "'producer.breaker.consecutive.failures' must be 1..1000000"},
    {R"({"producer.breaker": {"window": 0}})", "counts must be greater than 0"},
  };
  for (auto& p : probes) {
    auto cfg = kafka_config::from_json(p.json, "b.json");
    ASSERT_FALSE(cfg) << p.json;
    EXPECT_NE(error_of(cfg).find(p.text), std::string::npos) << error_of(cfg);
  }
  auto ok = kafka_config::from_json(
    R"({"producer.breaker": {"open.ms": 86400000, "window": 1000000}})", "b.json");
  ASSERT_TRUE(ok) << error_of(ok);
  EXPECT_EQ(ok->producer_breaker->open_for.count(), 86'400'000);
}

TEST(kafka_config, revoke_drain_is_read_and_must_be_below_the_session_timeout) {
  auto cfg = kafka_config::from_json(R"({"flow": {"revoke.drain.ms": 500}})", "drain.json");
  ASSERT_TRUE(cfg) << error_of(cfg);
  EXPECT_EQ(cfg->flow.revoke_drain.count(), 500);
  EXPECT_EQ(kafka_config{}.flow.revoke_drain.count(), 2000);
  // librdkafka waits for the unassign of a draining revoke: not longer than the session.
  auto longer = kafka_config::from_json(
    R"({"consumer": {"session.timeout.ms": 6000}, "flow": {"revoke.drain.ms": 6000}})",
    "drain.json");
  ASSERT_FALSE(longer);
  auto text = error_of(longer);
  EXPECT_NE(text.find("flow.revoke.drain.ms"), std::string::npos) << text;
  EXPECT_NE(text.find("'consumer.session.timeout.ms' (6000)"), std::string::npos) << text;
  EXPECT_NE(text.find("drain.json"), std::string::npos) << text;
  // librdkafka's default session timeout (45 s) applies without one.
  EXPECT_FALSE(kafka_config::from_json(R"({"flow": {"revoke.drain.ms": 45000}})", "drain.json"));
  // 0 turns the drain off, whatever the session.
  EXPECT_TRUE(kafka_config::from_json(
    R"({"consumer": {"session.timeout.ms": 6000}, "flow": {"revoke.drain.ms": 0}})",
    "drain.json"));
}

// librdkafka takes 127.0.0.1:99999 as port 34463 and waits out the connect timeout on ':::'
// or ','; the list is checked before anything connects, naming the broken entry.
TEST(kafka_config, broker_lists_are_checked_entry_by_entry) {
  EXPECT_EQ(bootstrap_servers_problem("127.0.0.1:9092"), "");
  EXPECT_EQ(bootstrap_servers_problem("a:1,b:2, c:3"), "");
  EXPECT_EQ(bootstrap_servers_problem("[::1]:9092,host"), "");
  EXPECT_EQ(bootstrap_servers_problem("SSL://broker:9093"), "");
  EXPECT_NE(bootstrap_servers_problem("127.0.0.1:99999").find("port '99999' of '127.0.0.1:99999'"),
            std::string::npos);
  EXPECT_NE(bootstrap_servers_problem("host:notaport").find("port 'notaport'"), std::string::npos);
  EXPECT_NE(bootstrap_servers_problem("h:0").find("must be 1..65535"), std::string::npos);
  EXPECT_NE(bootstrap_servers_problem(":::").find("several ':'"), std::string::npos);
  EXPECT_NE(bootstrap_servers_problem(",").find("empty entry"), std::string::npos);
  EXPECT_NE(bootstrap_servers_problem("a:1,,b:2").find("empty entry"), std::string::npos);
  EXPECT_NE(bootstrap_servers_problem(":9092").find("names no host"), std::string::npos);
  EXPECT_NE(bootstrap_servers_problem("h:").find("names no port"), std::string::npos);
  EXPECT_NE(bootstrap_servers_problem("[::1:9092").find("without closing"), std::string::npos);
  EXPECT_NE(bootstrap_servers_problem("").find("empty"), std::string::npos);
  auto cfg = kafka_config::from_json(R"({"bootstrap.servers": "h:70000"})", "bs.json");
  ASSERT_FALSE(cfg);
  EXPECT_NE(error_of(cfg).find("bs.json: key 'bootstrap.servers': port '70000'"),
            std::string::npos)
    << error_of(cfg);
  kafka_config env_cfg;
  auto err = env_cfg.apply_env({"KAFKA_ACTORS_BOOTSTRAP_SERVERS=,"});
  ASSERT_TRUE(err);
  EXPECT_NE(describe(err).find("variable KAFKA_ACTORS_BOOTSTRAP_SERVERS"), std::string::npos);
}

// librdkafka refuses the pair only when the producer starts, naming neither file nor key.
TEST(kafka_config, acks_that_conflict_with_idempotence_name_the_file_and_key) {
  auto cfg = kafka_config::from_json(R"({"producer": {"acks": "0"}})", "acks.json");
  ASSERT_FALSE(cfg);
  auto text = error_of(cfg);
  EXPECT_NE(text.find("acks.json: key 'producer.acks' ('0') conflicts with "
                      "enable.idempotence (true by default)"),
            std::string::npos)
    << text;
  EXPECT_TRUE(kafka_config::from_json(
    R"({"producer": {"acks": "1", "enable.idempotence": "false"}})", "ok.json"));
  EXPECT_TRUE(kafka_config::from_json(R"({"producer": {"acks": "-1"}})", "ok.json"));
  auto client = kafka_config::from_json(R"({"client": {"acks": "1"}})", "c.json");
  ASSERT_FALSE(client);
  EXPECT_NE(error_of(client).find("'client.acks'"), std::string::npos) << error_of(client);
}

// librdkafka reads these files only when the first client starts, and then says only that
// the SSL context failed.
TEST(kafka_config, unreadable_security_files_are_named_with_their_key) {
  auto cfg = kafka_config::from_json(
    R"({"security": {"security.protocol": "ssl", "ssl.key.location": "/nonexistent/key.pem"}})",
    "ssl.json");
  ASSERT_FALSE(cfg);
  EXPECT_NE(error_of(cfg).find("ssl.json: key 'security.ssl.key.location': file "
                               "'/nonexistent/key.pem' does not exist"),
            std::string::npos)
    << error_of(cfg);
  auto dir = kafka_config::from_json(R"({"security": {"ssl.certificate.location": "/tmp"}})",
                                     "dir.json");
  ASSERT_FALSE(dir);
  EXPECT_NE(error_of(dir).find("is a directory"), std::string::npos) << error_of(dir);
  // ssl.ca.location may be a directory of certificates, or "probe".
  EXPECT_TRUE(kafka_config::from_json(R"({"security": {"ssl.ca.location": "/tmp"}})", "ca.json"));
  EXPECT_TRUE(kafka_config::from_json(R"({"security": {"ssl.ca.location": "probe"}})", "ca.json"));
}
