// remote_batch: records written once into one buffer read back field for field as views;
// topic names go once per batch; a buffer that came damaged off the network is refused
// naming the batch and the record, never read past.

#include <gtest/gtest.h>

#include <string>

#include "kafka_actors/runtime/remote_batch.hpp"

using namespace kafka_actors;

namespace {

message msg(std::string topic, int32_t p, int64_t o, std::string key, std::string content,
            headers hs = {}) {
  message m;
  m.topic = std::move(topic);
  m.partition = p;
  m.offset = o;
  m.timestamp = 1700000000000 + o;
  m.key = std::move(key);
  m.content = std::move(content);
  m.metadata = std::move(hs);
  return m;
}

} // namespace

TEST(remote_batch, records_read_back_field_for_field) {
  remote_batch b;
  b.id = 3;
  b.add(msg("orders", 2, 40, "k1", "first", {{"a", "1"}, {"a", "2"}, {"empty", ""}}));
  b.add(msg("payments", 0, 7, "", std::string(1000, 'x')));
  b.add(msg("orders", 1, 41, "k2", ""));
  EXPECT_EQ(b.size(), 3u);
  EXPECT_EQ(b.topics, (std::vector<std::string>{"orders", "payments"})) << "each topic once";
  std::vector<message> got;
  auto err = b.for_each([&](const remote_record& r) {
    got.push_back(r.to_message());
    if (r.offset() == 40) {
      EXPECT_EQ(r.header("a"), "1") << "the first of repeated headers";
      EXPECT_EQ(r.header("none"), "");
      EXPECT_EQ(r.where(), "orders[2]@40");
    }
  });
  ASSERT_EQ(err, "");
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].metadata, (headers{{"a", "1"}, {"a", "2"}, {"empty", ""}}));
  EXPECT_EQ(got[0].key, "k1");
  EXPECT_EQ(got[0].content, "first");
  EXPECT_EQ(got[0].timestamp, 1700000000040);
  EXPECT_EQ(got[1].topic, "payments");
  EXPECT_EQ(got[1].content.size(), 1000u);
  EXPECT_TRUE(got[1].key.empty());
  EXPECT_EQ(got[2].partition, 1);
  EXPECT_EQ(got[2].offset, 41);
  EXPECT_TRUE(got[2].content.empty());
}

TEST(remote_batch, an_empty_batch_reads_as_empty) {
  remote_batch b;
  int n = 0;
  EXPECT_EQ(b.for_each([&](const remote_record&) { ++n; }), "");
  EXPECT_EQ(n, 0);
}

TEST(remote_batch, a_truncated_buffer_is_refused_naming_batch_and_record) {
  remote_batch b;
  b.id = 9;
  b.add(msg("t", 0, 1, "k", "payload-one"));
  b.add(msg("t", 0, 2, "k", "payload-two"));
  auto whole = b.data;
  for (size_t cut = 1; cut < whole.size(); ++cut) {
    b.data = whole.substr(0, cut);
    int seen = 0;
    auto err = b.for_each([&](const remote_record&) { ++seen; });
    ASSERT_NE(err, "") << "cut at " << cut;
    EXPECT_NE(err.find("malformed remote batch 9"), std::string::npos) << err;
    EXPECT_LE(seen, 1);
  }
}

TEST(remote_batch, a_count_or_topic_the_buffer_does_not_hold_is_refused) {
  remote_batch b;
  b.id = 1;
  b.add(msg("t", 0, 1, "", "x"));
  auto lying = b;
  lying.count = 1000000;
  auto err = lying.for_each([](const remote_record&) {});
  EXPECT_NE(err.find("record 1 of 1000000"), std::string::npos) << err;
  auto extra = b;
  extra.data += "junk";
  err = extra.for_each([](const remote_record&) {});
  EXPECT_NE(err.find("4 bytes after its last record"), std::string::npos) << err;
  auto no_topic = b;
  no_topic.topics.clear();
  err = no_topic.for_each([](const remote_record&) {});
  EXPECT_NE(err.find("topic index 0 beyond its 0 topics"), std::string::npos) << err;
}
