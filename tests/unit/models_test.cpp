#include <gtest/gtest.h>

#include <caf/actor_system.hpp>
#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>

#include "kafka_actors/actors/kafka_service.hpp"
#include "kafka_actors/config/topic_config.hpp"
#include "kafka_actors/runtime/errors.hpp"
#include "kafka_actors/runtime/message.hpp"
#include "kafka_actors/system_config.hpp"

using namespace kafka_actors;

namespace {

template <class T>
T round_trip(caf::actor_system& sys, T x) {
  std::vector<char> buf;
  caf::binary_serializer sink{sys, buf};
  EXPECT_FALSE(sink(x));
  T y;
  caf::binary_deserializer source{sys, buf};
  EXPECT_FALSE(source(y));
  return y;
}

} // namespace

TEST(models, message_serializes_for_remote_nodes) {
  actor_system_config cfg;
  caf::actor_system sys{cfg};
  message m{"orders", "hello", {{"trace", "abc"}, {"trace", "def"}}, "42", 2, 1700000000000};
  auto y = round_trip(sys, m);
  EXPECT_EQ(y.topic, "orders");
  EXPECT_EQ(y.content, "hello");
  ASSERT_EQ(y.metadata.size(), 2u);
  EXPECT_EQ(y.metadata[1].second, "def");
  EXPECT_EQ(y.key, "42");
  EXPECT_EQ(y.partition, 2);
  EXPECT_EQ(y.timestamp, 1700000000000);
}

TEST(models, topic_config_and_reports_serialize) {
  actor_system_config cfg;
  caf::actor_system sys{cfg};
  auto tc = round_trip(sys, topic_config{"t", 6, 3, {{"cleanup.policy", "compact"}}});
  EXPECT_EQ(tc.partitions, 6);
  EXPECT_EQ(tc.replication_factor, 3);
  EXPECT_EQ(tc.configs.at("cleanup.policy"), "compact");
  batch_report rep;
  rep.results.push_back(delivery_report{"t", 1, 5, 7, 0, ""});
  rep.results.push_back(delivery_report{"t", -1, -1, -1, 10, "too large"});
  auto r = round_trip(sys, rep);
  EXPECT_EQ(r.failed(), 1u);
  EXPECT_EQ(r.results[0].offset, 5);
}

TEST(models, wire_size_counts_payload_key_and_headers) {
  message m{"t", "12345", {{"ab", "cd"}}, "xyz"};
  EXPECT_EQ(m.wire_size(), 5u + 3u + 4u);
}

TEST(topic_config, validates_names_like_kafka) {
  EXPECT_FALSE(validate_topic_name("orders.v1-x_y"));
  EXPECT_EQ(code_of(validate_topic_name("")), errc::invalid_topic);
  EXPECT_EQ(code_of(validate_topic_name("..")), errc::invalid_topic);
  auto err = validate_topic_name("bad topic");
  ASSERT_TRUE(err);
  EXPECT_NE(describe(err).find("'bad topic'"), std::string::npos) << describe(err);
  EXPECT_TRUE(validate_topic_name(std::string(250, 'a')));
  EXPECT_FALSE(validate_topic_name(std::string(249, 'a')));
}

TEST(topic_config, rejects_bad_counts) {
  EXPECT_TRUE(validate(topic_config{"t", 0, 1, {}}));
  EXPECT_TRUE(validate(topic_config{"t", 1, 0, {}}));
  EXPECT_FALSE(validate(topic_config{"t", 3, 1, {}}));
}

TEST(errors, render_code_and_context) {
  auto err = make_error(errc::backpressure, "100 in flight");
  EXPECT_EQ(code_of(err), errc::backpressure);
  EXPECT_EQ(describe(err), "backpressure: 100 in flight");
  EXPECT_EQ(code_of(caf::error{}), errc::none);
}

TEST(topic_config, a_non_ascii_character_is_named_whole_and_controls_escaped) {
  auto err = validate_topic_name("caf\xC3\xA9");
  ASSERT_TRUE(err);
  EXPECT_NE(describe(err).find("topic name 'caf\xC3\xA9' contains '\xC3\xA9'"),
            std::string::npos)
    << describe(err);
  auto ctl = validate_topic_name("a\rb");
  ASSERT_TRUE(ctl);
  EXPECT_NE(describe(ctl).find("topic name 'a\\rb' contains '\\r'"), std::string::npos)
    << describe(ctl);
}
