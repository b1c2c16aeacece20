// admin_client against a real Apache Kafka broker ($KAFKA_ACTORS_BOOTSTRAP, set by
// `scripts/kafka run`): topics, configs, groups, offsets. Records are produced and committed
// with plain librdkafka clients so the group's state is exactly what each test says.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <random>
#include <thread>

#include <unistd.h>

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include "kafka_actors/runtime/admin_client.hpp"
#include "kafka_actors/runtime/errors.hpp"
#include "support/await.hpp"
#include "support/real_broker.hpp"

using namespace kafka_actors;
using namespace kafka_actors::test;
using namespace std::chrono_literals;

namespace {

std::string unique_name(const std::string& base) {
  static std::atomic<int> n{0};
  static const auto salt = std::random_device{}() % 100000;
  return "admin-" + base + "-" + std::to_string(::getpid()) + "-" + std::to_string(salt) + "-"
         + std::to_string(++n);
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

class admin_client_test : public on_real_broker<::testing::Test> {
protected:
  kafka_config config() const {
    auto cfg = kafka_config::remote(bootstrap);
    cfg.connect_timeout = 15s;
    return cfg;
  }

  admin_client connect() {
    auto admin = admin_client::connect(config());
    if (!admin)
      throw std::runtime_error("connect: " + describe(admin.error()));
    return std::move(*admin);
  }

  client_ptr plain_client(rd_kafka_type_t type, properties props) {
    props["bootstrap.servers"] = bootstrap;
    auto conf = make_conf(props);
    if (!conf)
      throw std::runtime_error(describe(conf.error()));
    auto rk = make_client(type, std::move(*conf));
    if (!rk)
      throw std::runtime_error(describe(rk.error()));
    return std::move(*rk);
  }

  /// `count` records into topic[partition], record i stamped ts_base + i * 1000 ms.
  void produce(const std::string& topic, int32_t partition, int count, int64_t ts_base) {
    auto rk = plain_client(RD_KAFKA_PRODUCER, {{"acks", "all"}, {"linger.ms", "5"}});
    for (int i = 0; i < count; ++i) {
      auto value = "v" + std::to_string(i);
      auto err = rd_kafka_producev(rk.get(), RD_KAFKA_V_TOPIC(topic.c_str()),
                                   RD_KAFKA_V_PARTITION(partition),
                                   RD_KAFKA_V_VALUE(value.data(), value.size()),
                                   RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                   RD_KAFKA_V_TIMESTAMP(ts_base + i * 1000), RD_KAFKA_V_END);
      ASSERT_EQ(err, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_error_text(err);
    }
    ASSERT_EQ(rd_kafka_flush(rk.get(), 30000), RD_KAFKA_RESP_ERR_NO_ERROR);
    int64_t low = -1, high = -1;
    ASSERT_EQ(rd_kafka_query_watermark_offsets(rk.get(), topic.c_str(), partition, &low, &high,
                                               10000),
              RD_KAFKA_RESP_ERR_NO_ERROR);
    ASSERT_GE(high, count); // every record was delivered
  }

  static int64_t sum_committed(const std::vector<partition_offsets>& xs) {
    int64_t n = 0;
    for (auto& x : xs)
      n += x.committed;
    return n;
  }
  static int64_t sum_lag(const std::vector<partition_offsets>& xs) {
    int64_t n = 0;
    for (auto& x : xs)
      n += x.lag();
    return n;
  }
  static std::vector<int64_t> targets(const std::vector<planned_offset>& plan) {
    std::vector<int64_t> out;
    for (auto& p : plan)
      out.push_back(p.target);
    return out;
  }
  static std::vector<int64_t> committed(const std::vector<partition_offsets>& xs) {
    std::vector<int64_t> out;
    for (auto& x : xs)
      out.push_back(x.committed);
    return out;
  }
};

} // namespace

// -- without a broker -------------------------------------------------------------------------

TEST(admin_client_offline, connect_refuses_the_embedded_cluster) {
  auto admin = admin_client::connect(kafka_config::embedded());
  ASSERT_FALSE(admin);
  EXPECT_EQ(code_of(admin.error()), errc::invalid_config) << describe(admin.error());
  EXPECT_NE(describe(admin.error()).find("needs a broker"), std::string::npos)
    << describe(admin.error());
}

TEST(admin_client_offline, connect_to_an_unreachable_address_is_broker_unreachable) {
  auto cfg = kafka_config::remote("127.0.0.1:1");
  cfg.connect_timeout = 1000ms;
  auto start = std::chrono::steady_clock::now();
  auto admin = admin_client::connect(cfg);
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(admin);
  EXPECT_EQ(code_of(admin.error()), errc::broker_unreachable) << describe(admin.error());
  EXPECT_NE(describe(admin.error()).find("127.0.0.1:1"), std::string::npos)
    << describe(admin.error());
  EXPECT_LT(took, 5s);
}

TEST(admin_client_offline, lag_counts_from_the_commit_or_the_log_start) {
  partition_offsets p;
  p.low = 10;
  p.high = 50;
  EXPECT_EQ(p.lag(), 40); // nothing committed: from the log start
  p.committed = 45;
  EXPECT_EQ(p.lag(), 5);
  p.committed = 60; // beyond the end (records deleted, topic recreated): never negative
  EXPECT_EQ(p.lag(), 0);
}

// -- topics -----------------------------------------------------------------------------------

TEST_F(admin_client_test, create_describe_list_and_create_again) {
  auto admin = connect();
  EXPECT_GE(admin.broker_count(), 1);
  auto topic = unique_name("create");
  ASSERT_FALSE(admin.create_topic(topic_config{topic, 3, 1, {{"retention.ms", "3600000"}}}));

  auto d = admin.describe_topic(topic);
  ASSERT_TRUE(d) << describe(d.error());
  EXPECT_EQ(d->name, topic);
  ASSERT_EQ(d->partitions.size(), 3u);
  for (int32_t i = 0; i < 3; ++i) {
    EXPECT_EQ(d->partitions[i].id, i);
    EXPECT_GE(d->partitions[i].leader, 0);
    EXPECT_EQ(d->partitions[i].isr.size(), 1u);
  }
  EXPECT_EQ(d->replication(), 1);
  ASSERT_EQ(d->configs.count("retention.ms"), 1u);
  EXPECT_EQ(d->configs.at("retention.ms"), "3600000");
  // Only what was set on the topic, no broker defaults.
  EXPECT_EQ(d->configs.count("segment.bytes"), 0u);

  auto topics = admin.list_topics();
  ASSERT_TRUE(topics) << describe(topics.error());
  EXPECT_TRUE(std::is_sorted(topics->begin(), topics->end()));
  EXPECT_NE(std::find(topics->begin(), topics->end(), topic), topics->end());
  for (auto& t : *topics)
    EXPECT_NE(t.rfind("__", 0), 0u) << t;
  auto all = admin.list_topics(true);
  ASSERT_TRUE(all) << describe(all.error());
  EXPECT_NE(std::find(all->begin(), all->end(), topic), all->end());

  auto err = admin.create_topic(topic_config{topic, 3, 1, {}});
  EXPECT_EQ(code_of(err), errc::topic_already_exists) << describe(err);
  EXPECT_NE(describe(err).find(topic), std::string::npos) << describe(err);

  // The broker's default replication factor.
  auto dflt = unique_name("default-rf");
  ASSERT_FALSE(admin.create_topic(topic_config{dflt, 1, -1, {}}));
  auto dd = admin.describe_topic(dflt);
  ASSERT_TRUE(dd) << describe(dd.error());
  EXPECT_EQ(dd->replication(), 1);

  err = admin.create_topic(topic_config{unique_name("zero"), 0, 1, {}});
  EXPECT_EQ(code_of(err), errc::invalid_argument) << describe(err);
  err = admin.create_topic(topic_config{"bad name", 1, 1, {}});
  EXPECT_EQ(code_of(err), errc::invalid_topic) << describe(err);
  err = admin.create_topic(topic_config{unique_name("bad-config"), 1, 1, {{"retention.mss", "1"}}});
  EXPECT_TRUE(err);
  EXPECT_NE(code_of(err), errc::none) << describe(err);
}

TEST_F(admin_client_test, add_partitions_grows_and_refuses_to_shrink) {
  auto admin = connect();
  auto topic = unique_name("grow");
  ASSERT_FALSE(admin.create_topic(topic_config{topic, 2, 1, {}}));
  auto err = admin.add_partitions(topic, 4);
  ASSERT_FALSE(err) << describe(err);
  auto d = admin.describe_topic(topic);
  ASSERT_TRUE(d) << describe(d.error());
  ASSERT_EQ(d->partitions.size(), 4u);
  EXPECT_EQ(d->partitions.back().id, 3);
  EXPECT_GE(d->partitions.back().leader, 0);

  err = admin.add_partitions(topic, 3);
  EXPECT_EQ(code_of(err), errc::invalid_argument) << describe(err);
  EXPECT_NE(describe(err).find(topic), std::string::npos) << describe(err);
  d = admin.describe_topic(topic);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->partitions.size(), 4u);

  err = admin.add_partitions(unique_name("missing"), 4);
  EXPECT_EQ(code_of(err), errc::invalid_topic) << describe(err);
}

TEST_F(admin_client_test, alter_configs_sets_a_key_and_keeps_the_earlier_ones) {
  auto admin = connect();
  auto topic = unique_name("alter");
  ASSERT_FALSE(admin.create_topic(topic_config{topic, 1, 1, {{"retention.ms", "3600000"}}}));
  auto err = admin.alter_configs(topic, {{"cleanup.policy", "compact"}});
  ASSERT_FALSE(err) << describe(err);
  auto d = admin.describe_topic(topic);
  EXPECT_TRUE(await(
    [&] {
      d = admin.describe_topic(topic);
      return d && d->configs["cleanup.policy"] == "compact";
    },
    std::chrono::seconds{30}));
  ASSERT_TRUE(d) << describe(d.error());
  EXPECT_EQ(d->configs["cleanup.policy"], "compact");
  EXPECT_EQ(d->configs["retention.ms"], "3600000"); // legacy AlterConfigs would have reset it

  // Overwriting a key keeps the other. A KRaft broker applies the change from its metadata
  // log: a describe right after the answer may still show the old value for a moment (seen
  // in CI under ASan), so the new one is awaited.
  err = admin.alter_configs(topic, {{"retention.ms", "7200000"}});
  ASSERT_FALSE(err) << describe(err);
  EXPECT_TRUE(await(
    [&] {
      d = admin.describe_topic(topic);
      return d && d->configs["retention.ms"] == "7200000";
    },
    std::chrono::seconds{30}))
    << (d ? d->configs["retention.ms"] : describe(d.error()));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->configs["cleanup.policy"], "compact");

  err = admin.alter_configs(topic, {{"retention.mss", "1"}});
  EXPECT_TRUE(err);
  err = admin.alter_configs(unique_name("missing"), {{"retention.ms", "1"}});
  EXPECT_EQ(code_of(err), errc::invalid_topic) << describe(err);
}

TEST_F(admin_client_test, delete_topic_then_describe_is_invalid_topic) {
  auto admin = connect();
  auto topic = unique_name("delete");
  ASSERT_FALSE(admin.create_topic(topic_config{topic, 2, 1, {}}));
  auto err = admin.delete_topic(topic);
  ASSERT_FALSE(err) << describe(err);
  auto d = admin.describe_topic(topic);
  ASSERT_FALSE(d);
  EXPECT_EQ(code_of(d.error()), errc::invalid_topic) << describe(d.error());
  EXPECT_NE(describe(d.error()).find("does not exist"), std::string::npos)
    << describe(d.error());
  auto topics = admin.list_topics();
  ASSERT_TRUE(topics);
  EXPECT_EQ(std::find(topics->begin(), topics->end(), topic), topics->end());
  // Gone for good: the same name can be created right away.
  err = admin.create_topic(topic_config{topic, 1, 1, {}});
  EXPECT_FALSE(err) << describe(err);

  err = admin.delete_topic(unique_name("missing"));
  EXPECT_EQ(code_of(err), errc::invalid_topic) << describe(err);
}

// -- groups and offsets -----------------------------------------------------------------------

TEST_F(admin_client_test, group_offsets_lag_and_resets) {
  auto admin = connect();
  auto topic = unique_name("group");
  auto group = unique_name("group-g");
  ASSERT_FALSE(admin.create_topic(topic_config{topic, 2, 1, {}}));
  auto t0 = now_ms() - 3600 * 1000;
  ASSERT_NO_FATAL_FAILURE(produce(topic, 0, 50, t0));
  ASSERT_NO_FATAL_FAILURE(produce(topic, 1, 50, t0));

  // A plain consumer reads and commits 30 records of each partition (60 of 100).
  auto consumer = plain_client(RD_KAFKA_CONSUMER, {{"group.id", group},
                                                   {"client.id", "admin-test-consumer"},
                                                   {"enable.auto.commit", "false"},
                                                   {"auto.offset.reset", "earliest"}});
  rd_kafka_poll_set_consumer(consumer.get());
  tpl_ptr sub{rd_kafka_topic_partition_list_new(1)};
  rd_kafka_topic_partition_list_add(sub.get(), topic.c_str(), RD_KAFKA_PARTITION_UA);
  ASSERT_EQ(rd_kafka_subscribe(consumer.get(), sub.get()), RD_KAFKA_RESP_ERR_NO_ERROR);
  int64_t seen[2] = {0, 0};
  ASSERT_TRUE(await(
    [&] {
      message_ptr m{rd_kafka_consumer_poll(consumer.get(), 100)};
      if (m && !m->err && m->partition >= 0 && m->partition < 2)
        seen[m->partition] = std::max(seen[m->partition], m->offset + 1);
      return seen[0] >= 30 && seen[1] >= 30;
    },
    60s));
  tpl_ptr commit{rd_kafka_topic_partition_list_new(2)};
  rd_kafka_topic_partition_list_add(commit.get(), topic.c_str(), 0)->offset = 30;
  rd_kafka_topic_partition_list_add(commit.get(), topic.c_str(), 1)->offset = 30;
  ASSERT_EQ(rd_kafka_commit(consumer.get(), commit.get(), 0), RD_KAFKA_RESP_ERR_NO_ERROR);

  auto groups = admin.list_groups();
  ASSERT_TRUE(groups) << describe(groups.error());
  auto g = std::find_if(groups->begin(), groups->end(),
                        [&](const auto& x) { return x.group == group; });
  ASSERT_NE(g, groups->end());
  EXPECT_EQ(g->state, "Stable");
  EXPECT_FALSE(g->simple);

  auto desc = admin.describe_group(group);
  ASSERT_TRUE(desc) << describe(desc.error());
  EXPECT_EQ(desc->state, "Stable");
  EXPECT_GE(desc->coordinator, 0);
  ASSERT_EQ(desc->members.size(), 1u);
  EXPECT_EQ(desc->members[0].client_id, "admin-test-consumer");
  EXPECT_FALSE(desc->members[0].member_id.empty());
  EXPECT_FALSE(desc->members[0].host.empty());
  std::vector<std::pair<std::string, int32_t>> both{{topic, 0}, {topic, 1}};
  EXPECT_EQ(desc->members[0].assignment, both);

  for (auto topics : {std::vector<std::string>{}, std::vector<std::string>{topic}}) {
    auto offs = admin.group_offsets(group, topics);
    ASSERT_TRUE(offs) << describe(offs.error());
    ASSERT_EQ(offs->size(), 2u);
    EXPECT_EQ((*offs)[0].topic, topic);
    EXPECT_EQ((*offs)[0].partition, 0);
    EXPECT_EQ((*offs)[1].partition, 1);
    EXPECT_EQ((*offs)[0].high, 50);
    EXPECT_EQ((*offs)[0].low, 0);
    EXPECT_EQ(sum_committed(*offs), 60);
    EXPECT_EQ(sum_lag(*offs), 40);
  }

  // Live group: refused, naming the state and the member.
  auto refused = admin.reset_offsets(group, {}, {offset_reset::kind::earliest, 0}, false);
  ASSERT_FALSE(refused);
  EXPECT_EQ(code_of(refused.error()), errc::invalid_argument) << describe(refused.error());
  auto text = describe(refused.error());
  EXPECT_NE(text.find("Stable"), std::string::npos) << text;
  EXPECT_NE(text.find(group), std::string::npos) << text;
  EXPECT_NE(text.find("admin-test-consumer@"), std::string::npos) << text;
  EXPECT_NE(text.find("stop them first"), std::string::npos) << text;

  ASSERT_EQ(rd_kafka_consumer_close(consumer.get()), RD_KAFKA_RESP_ERR_NO_ERROR);
  consumer.reset();
  ASSERT_TRUE(await(
    [&] {
      auto d = admin.describe_group(group);
      return d && d->state == "Empty";
    },
    30s));

  auto committed_now = [&] {
    auto offs = admin.group_offsets(group, {});
    EXPECT_TRUE(offs) << describe(offs.error());
    return offs ? committed(*offs) : std::vector<int64_t>{};
  };
  using kind = offset_reset::kind;
  auto plan = [&](offset_reset to, bool execute, const std::vector<std::string>& topics = {}) {
    auto p = admin.reset_offsets(group, topics, to, execute);
    EXPECT_TRUE(p) << describe(p.error());
    return p ? *p : std::vector<planned_offset>{};
  };
  using v = std::vector<int64_t>;

  // Dry run: the plan, nothing committed.
  auto dry = plan({kind::earliest, 0}, false);
  ASSERT_EQ(dry.size(), 2u);
  EXPECT_EQ(dry[0].topic, topic);
  EXPECT_EQ(dry[0].partition, 0);
  EXPECT_EQ(dry[1].partition, 1);
  EXPECT_EQ(dry[0].current, 30);
  EXPECT_EQ(targets(dry), (v{0, 0}));
  EXPECT_EQ(committed_now(), (v{30, 30}));

  EXPECT_EQ(targets(plan({kind::earliest, 0}, true)), (v{0, 0}));
  EXPECT_EQ(committed_now(), (v{0, 0}));
  EXPECT_EQ(targets(plan({kind::to_offset, 40}, true)), (v{40, 40}));
  EXPECT_EQ(committed_now(), (v{40, 40}));
  EXPECT_EQ(targets(plan({kind::shift, -10}, true)), (v{30, 30}));
  EXPECT_EQ(committed_now(), (v{30, 30}));
  EXPECT_EQ(targets(plan({kind::latest, 0}, false)), (v{50, 50}));
  EXPECT_EQ(targets(plan({kind::to_offset, 1000}, false)), (v{50, 50})); // clamped to high
  EXPECT_EQ(targets(plan({kind::to_offset, -5}, false)), (v{0, 0}));     // clamped to low
  EXPECT_EQ(targets(plan({kind::shift, 1000}, false)), (v{50, 50}));
  EXPECT_EQ(targets(plan({kind::shift, -1000}, false)), (v{0, 0}));
  EXPECT_EQ(targets(plan({kind::to_timestamp, 0}, false)), (v{0, 0}));
  EXPECT_EQ(targets(plan({kind::to_timestamp, t0 + 20 * 1000}, false)), (v{20, 20}));
  EXPECT_EQ(targets(plan({kind::to_timestamp, now_ms() + 3600 * 1000}, false)), (v{50, 50}));
  EXPECT_EQ(targets(plan({kind::latest, 0}, false, {topic})), (v{50, 50}));
  EXPECT_EQ(committed_now(), (v{30, 30})); // none of the dry runs committed

  auto lag = admin.group_offsets(group, {topic});
  ASSERT_TRUE(lag);
  EXPECT_EQ(sum_lag(*lag), 40);
}

TEST_F(admin_client_test, delete_records_moves_the_log_start) {
  auto admin = connect();
  auto topic = unique_name("records");
  ASSERT_FALSE(admin.create_topic(topic_config{topic, 1, 1, {}}));
  ASSERT_NO_FATAL_FAILURE(produce(topic, 0, 20, now_ms()));
  auto low = admin.delete_records(topic, 0, 10);
  ASSERT_TRUE(low) << describe(low.error());
  EXPECT_EQ(*low, 10);
  auto group = unique_name("records-g"); // never existed: no commit
  auto offs = admin.group_offsets(group, {topic});
  ASSERT_TRUE(offs) << describe(offs.error());
  ASSERT_EQ(offs->size(), 1u);
  EXPECT_EQ((*offs)[0].low, 10);
  EXPECT_EQ((*offs)[0].high, 20);
  EXPECT_EQ((*offs)[0].committed, -1);
  EXPECT_EQ((*offs)[0].lag(), 10);
  // Without a commit a shift starts at the log start.
  auto plan = admin.reset_offsets(group, {topic}, {offset_reset::kind::shift, 5}, false);
  ASSERT_TRUE(plan) << describe(plan.error());
  ASSERT_EQ(plan->size(), 1u);
  EXPECT_EQ((*plan)[0].current, -1);
  EXPECT_EQ((*plan)[0].target, 15);

  auto err = admin.delete_records(topic, 0, 100);
  ASSERT_FALSE(err);
  EXPECT_EQ(code_of(err.error()), errc::invalid_argument) << describe(err.error());
  err = admin.delete_records(topic, 3, 1);
  ASSERT_FALSE(err);
  EXPECT_EQ(code_of(err.error()), errc::invalid_argument) << describe(err.error());
  err = admin.delete_records(unique_name("missing"), 0, 1);
  ASSERT_FALSE(err);
  EXPECT_EQ(code_of(err.error()), errc::invalid_topic) << describe(err.error());

  low = admin.delete_records(topic, 0, -1);
  ASSERT_TRUE(low) << describe(low.error());
  EXPECT_EQ(*low, 20);
}

TEST_F(admin_client_test, a_missing_group_is_dead_without_members) {
  auto admin = connect();
  auto group = unique_name("nobody");
  auto d = admin.describe_group(group);
  ASSERT_TRUE(d) << describe(d.error());
  EXPECT_EQ(d->group, group);
  EXPECT_EQ(d->state, "Dead");
  EXPECT_TRUE(d->members.empty());
  auto offs = admin.group_offsets(group, {});
  ASSERT_TRUE(offs) << describe(offs.error());
  EXPECT_TRUE(offs->empty());
  auto groups = admin.list_groups();
  ASSERT_TRUE(groups) << describe(groups.error());
  EXPECT_TRUE(std::none_of(groups->begin(), groups->end(),
                           [&](const auto& g) { return g.group == group; }));
}
