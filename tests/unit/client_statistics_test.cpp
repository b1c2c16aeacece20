// librdkafka statistics JSON -> offsets per partition and broker states, and the lag rule.

#include "kafka_actors/runtime/client_statistics.hpp"

#include <gtest/gtest.h>

using namespace kafka_actors;

namespace {

// Trimmed from a consumer's statistics (librdkafka 2.0.2, STATISTICS.md): two partitions of
// "orders" (the second one paused with a full prefetch), librdkafka's internal partition -1,
// a partition of "audit" that is no longer assigned, a bootstrap entry and a learned broker.
const char* sample = R"({
  "name": "kafka-actors#consumer-3", "type": "consumer", "ts": 1, "time": 2,
  "brokers": {
    "127.0.0.1:39092/bootstrap": {"name": "127.0.0.1:39092/bootstrap", "nodeid": -1,
                                  "source": "configured", "state": "INIT"},
    "127.0.0.1:39092/1": {"name": "127.0.0.1:39092/1", "nodeid": 1, "source": "learned",
                          "state": "UP"},
    "127.0.0.1:39093/2": {"name": "127.0.0.1:39093/2", "nodeid": 2, "source": "learned",
                          "state": "DOWN"},
    "GroupCoordinator": {"name": "GroupCoordinator", "nodeid": 1, "source": "logical",
                         "state": "UP"}
  },
  "topics": {
    "orders": {"topic": "orders", "partitions": {
      "0": {"partition": 0, "fetch_state": "active", "next_offset": 500, "lo_offset": 0,
            "hi_offset": 500, "committed_offset": 500, "consumer_lag": 0},
      "1": {"partition": 1, "fetch_state": "active", "next_offset": 200, "lo_offset": 0,
            "hi_offset": 200, "committed_offset": 50, "consumer_lag": 150},
      "-1": {"partition": -1, "lo_offset": -1001, "hi_offset": -1001,
             "committed_offset": -1001}
    }},
    "audit": {"topic": "audit", "partitions": {
      "0": {"partition": 0, "fetch_state": "none", "next_offset": -1001, "lo_offset": 10,
            "hi_offset": 40, "committed_offset": -1001}
    }}
  }
})";

} // namespace

TEST(client_statistics, reads_offsets_per_partition_without_the_internal_one) {
  std::string why;
  auto s = parse_client_statistics(sample, &why);
  ASSERT_TRUE(s) << why;
  ASSERT_EQ(s->partitions.size(), 3u);
  auto& audit = s->partitions[0];
  EXPECT_EQ(audit.topic, "audit");
  EXPECT_EQ(audit.committed_offset, -1); // -1001: unknown
  EXPECT_EQ(audit.fetch_offset, -1);
  auto& p1 = s->partitions[2];
  EXPECT_EQ(p1.topic, "orders");
  EXPECT_EQ(p1.partition, 1);
  EXPECT_EQ(p1.hi_offset, 200);
  EXPECT_EQ(p1.committed_offset, 50);
  EXPECT_EQ(p1.fetch_offset, 200);
}

TEST(client_statistics, lag_counts_fetched_but_uncommitted_records_of_a_paused_partition) {
  auto s = parse_client_statistics(sample);
  ASSERT_TRUE(s);
  auto& p1 = s->partitions[2];
  // Everything was fetched (the fetch position is at the end), 50 committed: 150 behind.
  EXPECT_EQ(committed_lag(p1), 150);
  EXPECT_EQ(committed_lag(s->partitions[1]), 0);
}

TEST(client_statistics, lag_before_a_first_commit_counts_from_the_low_watermark) {
  partition_statistics p{"t", 0, 10, 40, -1, -1};
  EXPECT_EQ(committed_lag(p), 30);
  p.lo_offset = -1;
  EXPECT_EQ(committed_lag(p), -1); // unknown, not zero
  partition_statistics unknown_end{"t", 0, 0, -1, 5, 5};
  EXPECT_EQ(committed_lag(unknown_end), -1);
  partition_statistics ahead{"t", 0, 0, 10, 12, 12}; // a stale watermark: never negative
  EXPECT_EQ(committed_lag(ahead), 0);
}

TEST(client_statistics, revoked_partitions_are_left_out) {
  auto s = parse_client_statistics(sample);
  ASSERT_TRUE(s);
  keep_assigned(*s, {"orders[1]"});
  ASSERT_EQ(s->partitions.size(), 1u);
  EXPECT_EQ(s->partitions[0].topic, "orders");
  EXPECT_EQ(s->partitions[0].partition, 1);
  keep_assigned(*s, {});
  EXPECT_TRUE(s->partitions.empty());
}

TEST(client_statistics, brokers_are_the_learned_ones_with_their_state) {
  auto s = parse_client_statistics(sample);
  ASSERT_TRUE(s);
  ASSERT_EQ(s->brokers.size(), 2u);
  EXPECT_EQ(s->brokers[0].name, "127.0.0.1:39092/1");
  EXPECT_EQ(s->brokers[0].state, "UP");
  EXPECT_EQ(s->brokers[1].node_id, 2);
  EXPECT_EQ(s->brokers[1].state, "DOWN");
}

TEST(client_statistics, malformed_input_is_an_error_not_a_crash) {
  std::string why;
  EXPECT_FALSE(parse_client_statistics("{\"topics\": ", &why));
  EXPECT_NE(why.find("not JSON"), std::string::npos) << why;
  EXPECT_FALSE(parse_client_statistics("[1, 2]", &why));
  EXPECT_NE(why.find("not a JSON object"), std::string::npos) << why;
  // Wrong types inside are skipped, not trusted.
  auto s = parse_client_statistics(
    R"({"topics": {"t": {"partitions": {"0": {"partition": "zero"}, "1": 7}}},
        "brokers": {"b": {"nodeid": "one"}}})");
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->partitions.empty());
  EXPECT_TRUE(s->brokers.empty());
}
