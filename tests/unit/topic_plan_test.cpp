// Topology files, reconcile() and plan_ops() (topology/topic_plan.hpp).

#include <string>

#include <gtest/gtest.h>

#include "kafka_actors/runtime/errors.hpp"
#include "kafka_actors/topology/topic_plan.hpp"
#include "support/expect_text.hpp"
#include "support/temp_dir.hpp"

using namespace kafka_actors;
using ka_test::error_of;
using ka_test::temp_dir;
using kind = topic_op::kind;

namespace {

std::map<std::string, topic_state> cluster(std::vector<topic_state> topics) {
  std::map<std::string, topic_state> out;
  for (auto& t : topics)
    out.emplace(t.name, t);
  return out;
}

std::vector<std::string> lines(const std::vector<topic_op>& ops) {
  std::vector<std::string> out;
  for (const auto& op : ops)
    out.push_back(describe(op));
  return out;
}

migration with_ops(std::vector<topic_op> ops) {
  migration m;
  m.version = 1;
  m.name = "m";
  m.path = "v001_m.json";
  m.ops = std::move(ops);
  return m;
}

using strings = std::vector<std::string>;

} // namespace

// -- topology files -------------------------------------------------------------------------

TEST(topic_plan_desired, loads_topics_in_file_order) {
  temp_dir dir;
  auto path = dir.write("topology.json", R"({"topics": [
    {"name": "orders", "partitions": 6, "replication": 3,
     "configs": {"retention.ms": 86400000, "cleanup.policy": "delete"}},
    {"name": "audit", "partitions": 1}
  ]})");
  auto topics = load_desired_topics(path);
  ASSERT_TRUE(topics) << error_of(topics);
  ASSERT_EQ(topics->size(), 2u);
  const auto& orders = (*topics)[0];
  EXPECT_EQ(orders.name, "orders");
  EXPECT_EQ(orders.partitions, 6);
  EXPECT_EQ(orders.replication_factor, 3);
  EXPECT_EQ(orders.configs, (std::map<std::string, std::string>{
                              {"cleanup.policy", "delete"}, {"retention.ms", "86400000"}}));
  EXPECT_EQ((*topics)[1].name, "audit");
  EXPECT_EQ((*topics)[1].partitions, 1);
  EXPECT_EQ((*topics)[1].replication_factor, -1);
  EXPECT_TRUE((*topics)[1].configs.empty());
}

TEST(topic_plan_desired, errors_name_the_file_and_the_key) {
  temp_dir dir;
  auto dup = load_desired_topics(dir.write("t.json", R"({"topics": [
    {"name": "a", "partitions": 1}, {"name": "b", "partitions": 1},
    {"name": "a", "partitions": 2}]})"));
  ASSERT_FALSE(dup);
  EXPECT_EQ(code_of(dup.error()), errc::invalid_config);
  EXPECT_HAS(error_of(dup), dir.path() + "/t.json: topics[2].name: topic a is also topics[0]");
  auto unknown = load_desired_topics(
    dir.write("u.json", R"({"topics": [{"name": "a", "partitions": 1, "replicas": 3}]})"));
  ASSERT_FALSE(unknown);
  EXPECT_HAS(error_of(unknown), "u.json: unknown key topics[0].replicas (known: name, "
                                "partitions, replication, configs)");
  auto top = load_desired_topics(dir.write("v.json", R"({"topic": []})"));
  ASSERT_FALSE(top);
  EXPECT_HAS(error_of(top), "v.json: unknown key topic (known: topics)");
  auto range = load_desired_topics(
    dir.write("w.json", R"({"topics": [{"name": "a", "partitions": -3}]})"));
  ASSERT_FALSE(range);
  EXPECT_HAS(error_of(range), "w.json: topics[0].partitions must be 1..100000, got -3");
  auto no_parts = load_desired_topics(dir.write("x.json", R"({"topics": [{"name": "a"}]})"));
  ASSERT_FALSE(no_parts);
  EXPECT_HAS(error_of(no_parts), "x.json: topics[0].partitions is missing");
  auto bad_name = load_desired_topics(
    dir.write("y.json", R"({"topics": [{"name": "a b", "partitions": 1}]})"));
  ASSERT_FALSE(bad_name);
  EXPECT_HAS(error_of(bad_name), "y.json: topics[0].name: topic name 'a b' contains ' '");
  auto array_value = load_desired_topics(dir.write(
    "z.json", R"({"topics": [{"name": "a", "partitions": 1, "configs": {"k": [1]}}]})"));
  ASSERT_FALSE(array_value);
  EXPECT_HAS(error_of(array_value), "z.json: topics[0].configs.k must be a string, number or "
                                    "boolean, got an array");
}

TEST(topic_plan_desired, malformed_json_and_directories_are_named) {
  temp_dir dir;
  auto bad = load_desired_topics(dir.write("t.json", "{\"topics\": [\n  {\"name\": \"a\",,}]}"));
  ASSERT_FALSE(bad);
  EXPECT_HAS(error_of(bad), dir.path() + "/t.json: malformed JSON at line 2, column 16");
  auto directory = load_desired_topics(dir.path());
  ASSERT_FALSE(directory);
  EXPECT_HAS(error_of(directory), dir.path() + ": is a directory, not a JSON file");
}

// -- reconcile ------------------------------------------------------------------------------

TEST(topic_plan_reconcile, creates_missing_topics_in_name_order) {
  std::vector<topic_config> desired{{"orders", 6, 3, {{"retention.ms", "1000"}}},
                                    {"audit", 1, -1, {}}};
  auto ops = reconcile(desired, cluster({{"other", 3, 1, {}}}));
  ASSERT_TRUE(ops) << error_of(ops);
  ASSERT_EQ(ops->size(), 2u);
  EXPECT_EQ((*ops)[0], (topic_op{kind::create_topic, "audit", 1, -1, {}}));
  EXPECT_EQ((*ops)[1], (topic_op{kind::create_topic, "orders", 6, 3, {{"retention.ms", "1000"}}}));
}

TEST(topic_plan_reconcile, grows_partitions) {
  auto ops = reconcile({{"orders", 12, 3, {}}}, cluster({{"orders", 6, 3, {}}}));
  ASSERT_TRUE(ops) << error_of(ops);
  EXPECT_EQ(lines(*ops), strings{"add partitions to orders (to 12)"});
}

TEST(topic_plan_reconcile, refuses_to_shrink) {
  auto ops = reconcile({{"orders", 3, 3, {}}}, cluster({{"orders", 6, 3, {}}}));
  ASSERT_FALSE(ops);
  EXPECT_EQ(code_of(ops.error()), errc::invalid_config);
  EXPECT_HAS(error_of(ops), "topic orders has 6 partitions, desired 3: Kafka cannot reduce a "
                            "topic's partition count");
}

TEST(topic_plan_reconcile, refuses_a_replication_change) {
  auto ops = reconcile({{"orders", 6, 3, {}}}, cluster({{"orders", 6, 1, {}}}));
  ASSERT_FALSE(ops);
  EXPECT_HAS(error_of(ops), "topic orders has replication 1, desired 3: changing the "
                            "replication factor is not supported by this tool");
  // -1 (the broker default) is not compared.
  auto any = reconcile({{"orders", 6, -1, {}}}, cluster({{"orders", 6, 1, {}}}));
  ASSERT_TRUE(any) << error_of(any);
  EXPECT_TRUE(any->empty());
}

TEST(topic_plan_reconcile, every_conflict_is_reported_at_once) {
  auto ops = reconcile({{"a", 1, 3, {}}, {"b", 1, -1, {}}, {"b", 2, -1, {}}},
                       cluster({{"a", 2, 1, {}}}));
  ASSERT_FALSE(ops);
  auto text = error_of(ops);
  EXPECT_HAS(text, "topic a has 2 partitions, desired 1");
  EXPECT_HAS(text, "topic a has replication 1, desired 3");
  EXPECT_HAS(text, "topic b is desired twice");
}

TEST(topic_plan_reconcile, sets_only_differing_listed_configs) {
  std::vector<topic_config> desired{
    {"orders", 6, 3, {{"retention.ms", "2000"}, {"cleanup.policy", "delete"}, {"new.key", "x"}}}};
  auto actual = cluster({{"orders", 6, 3,
                          {{"retention.ms", "1000"}, {"cleanup.policy", "delete"},
                           {"segment.ms", "60000"}}}});
  auto ops = reconcile(desired, actual);
  ASSERT_TRUE(ops) << error_of(ops);
  ASSERT_EQ(ops->size(), 1u);
  // segment.ms is not desired: left alone, never removed.
  EXPECT_EQ((*ops)[0], (topic_op{kind::alter_configs, "orders", -1, -1,
                                 {{"new.key", "x"}, {"retention.ms", "2000"}}}));
}

TEST(topic_plan_reconcile, partitions_before_configs_and_other_topics_untouched) {
  auto ops = reconcile({{"orders", 12, 3, {{"retention.ms", "5"}}}},
                       cluster({{"orders", 6, 3, {}}, {"zombie", 1, 1, {}}}));
  ASSERT_TRUE(ops) << error_of(ops);
  EXPECT_EQ(lines(*ops), (strings{"add partitions to orders (to 12)",
                                  "alter configs of orders: retention.ms=5"}));
}

TEST(topic_plan_reconcile, an_up_to_date_cluster_gives_an_empty_plan) {
  std::vector<topic_config> desired{{"orders", 6, 3, {{"retention.ms", "1000"}}},
                                    {"audit", 1, 1, {}}};
  auto ops = reconcile(desired, cluster({{"orders", 6, 3, {{"retention.ms", "1000"},
                                                           {"segment.ms", "1"}}},
                                         {"audit", 1, 1, {}}}));
  ASSERT_TRUE(ops) << error_of(ops);
  EXPECT_TRUE(ops->empty()) << lines(*ops).front();
}

// -- plan_ops -------------------------------------------------------------------------------

TEST(topic_plan_ops, a_fresh_cluster_gets_every_op) {
  auto m = with_ops({{kind::create_topic, "orders", 6, 1, {}},
                     {kind::alter_configs, "orders", -1, -1, {{"retention.ms", "5"}}}});
  auto ops = plan_ops(m, {});
  EXPECT_EQ(ops, m.ops);
}

TEST(topic_plan_ops, ops_already_satisfied_are_skipped) {
  auto m = with_ops({{kind::create_topic, "orders", 6, 1, {{"cleanup.policy", "delete"}}},
                     {kind::add_partitions, "events", 4, -1, {}},
                     {kind::add_partitions, "clicks", 4, -1, {}},
                     {kind::alter_configs, "events", -1, -1, {{"retention.ms", "5"}}},
                     {kind::delete_topic, "legacy", -1, -1, {}}});
  auto actual = cluster({{"orders", 6, 1, {{"cleanup.policy", "delete"}}},
                         {"events", 4, 1, {{"retention.ms", "5"}}},
                         {"clicks", 8, 1, {}}});
  auto ops = plan_ops(m, actual);
  EXPECT_TRUE(ops.empty()) << lines(ops).front();
}

TEST(topic_plan_ops, a_conflicting_create_is_kept_for_the_applier_to_report) {
  auto m = with_ops({{kind::create_topic, "orders", 6, -1, {}}});
  auto ops = plan_ops(m, cluster({{"orders", 3, 1, {}}}));
  EXPECT_EQ(ops, m.ops);
  auto other_configs = with_ops({{kind::create_topic, "orders", 3, -1, {{"retention.ms", "5"}}}});
  EXPECT_EQ(plan_ops(other_configs, cluster({{"orders", 3, 1, {}}})), other_configs.ops);
  auto other_rf = with_ops({{kind::create_topic, "orders", 3, 3, {}}});
  EXPECT_EQ(plan_ops(other_rf, cluster({{"orders", 3, 1, {}}})), other_rf.ops);
}

TEST(topic_plan_ops, only_differing_configs_remain) {
  auto m = with_ops(
    {{kind::alter_configs, "events", -1, -1, {{"retention.ms", "5"}, {"segment.ms", "7"}}}});
  auto ops = plan_ops(m, cluster({{"events", 1, 1, {{"retention.ms", "5"}}}}));
  EXPECT_EQ(lines(ops), strings{"alter configs of events: segment.ms=7"});
}

TEST(topic_plan_ops, later_ops_see_earlier_ones) {
  auto m = with_ops({{kind::create_topic, "orders", 6, -1, {{"retention.ms", "5"}}},
                     {kind::add_partitions, "orders", 12, -1, {}},
                     {kind::add_partitions, "orders", 8, -1, {}},
                     {kind::alter_configs, "orders", -1, -1, {{"retention.ms", "5"}}},
                     {kind::delete_topic, "tmp", -1, -1, {}},
                     {kind::create_topic, "tmp", 2, -1, {}}});
  auto ops = plan_ops(m, cluster({{"tmp", 2, 1, {}}}));
  // 8 after 12 and retention already set by the create are no-ops; tmp is deleted then
  // created again, so the create is no longer satisfied by the old topic.
  EXPECT_EQ(lines(ops), (strings{"create topic orders (6 partitions, broker default "
                                 "replication, retention.ms=5)",
                                 "add partitions to orders (to 12)", "delete topic tmp",
                                 "create topic tmp (2 partitions, broker default replication)"}));
}

TEST(topic_plan_ops, a_rerun_after_a_complete_or_partial_apply_changes_nothing_more) {
  // Created with 6 and grown to 12 in one file: a run that did it all but did not reach
  // the ledger must not find the create in conflict with the grown topic.
  auto m = with_ops({{kind::create_topic, "orders", 6, -1, {{"retention.ms", "5"}}},
                     {kind::add_partitions, "orders", 12, -1, {}},
                     {kind::alter_configs, "orders", -1, -1, {{"retention.ms", "9"}}}});
  auto done = plan_ops(m, cluster({{"orders", 12, 1, {{"retention.ms", "9"}}}}));
  EXPECT_TRUE(done.empty()) << lines(done).front();
  auto created_only = plan_ops(m, cluster({{"orders", 6, 1, {{"retention.ms", "5"}}}}));
  EXPECT_EQ(lines(created_only), (strings{"add partitions to orders (to 12)",
                                          "alter configs of orders: retention.ms=9"}));
  // A count the migration never takes the topic through is someone else's topic.
  auto foreign = plan_ops(m, cluster({{"orders", 8, 1, {{"retention.ms", "5"}}}}));
  ASSERT_FALSE(foreign.empty());
  EXPECT_EQ(foreign[0], m.ops[0]);
  auto foreign_config = plan_ops(m, cluster({{"orders", 6, 1, {{"retention.ms", "7"}}}}));
  ASSERT_FALSE(foreign_config.empty());
  EXPECT_EQ(foreign_config[0], m.ops[0]);
}

TEST(topic_plan_ops, ops_on_a_missing_topic_are_kept) {
  auto m = with_ops({{kind::add_partitions, "ghost", 4, -1, {}},
                     {kind::alter_configs, "ghost", -1, -1, {{"retention.ms", "5"}}}});
  EXPECT_EQ(plan_ops(m, {}), m.ops);
}
