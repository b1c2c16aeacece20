// Migration files, the directory of them, the ledger of applied ones and the comparison of
// the two (topology/migration*.hpp).

#include <string>

#include <gtest/gtest.h>

#include "kafka_actors/runtime/errors.hpp"
#include "kafka_actors/runtime/printable.hpp"
#include "kafka_actors/topology/checksum.hpp"
#include "kafka_actors/topology/migration.hpp"
#include "kafka_actors/topology/migration_ledger.hpp"
#include "kafka_actors/topology/migration_status.hpp"
#include "support/expect_text.hpp"
#include "support/temp_dir.hpp"

using namespace kafka_actors;
using ka_test::error_of;
using ka_test::temp_dir;
using kind = topic_op::kind;
using state = migration_status::entry::state;

namespace {

const std::string all_four_ops = R"({
  "description": "orders and friends",
  "operations": [
    {"op": "create_topic", "topic": "orders", "partitions": 6, "replication": 1,
     "configs": {"cleanup.policy": "delete", "min.insync.replicas": 1,
                 "preallocate": false, "min.cleanable.dirty.ratio": 0.5}},
    {"op": "add_partitions", "topic": "orders", "partitions": 12},
    {"op": "alter_configs", "topic": "orders", "configs": {"retention.ms": "86400000"}},
    {"op": "delete_topic", "topic": "legacy"}
  ]
})";

// One operation in an otherwise valid file.
std::string with_op(const std::string& op) {
  return R"({"operations": [{"op": "create_topic", "topic": "a", "partitions": 1}, )" + op
         + "]}";
}

std::string sha(const std::string& bytes) {
  auto x = sha256_hex(bytes);
  return x ? *x : std::string{"sha256 failed"};
}

migration on_disk(int64_t version, std::string name, std::string checksum) {
  migration m;
  m.version = version;
  m.name = name;
  char buf[16];
  std::snprintf(buf, sizeof buf, "v%03lld_", static_cast<long long>(version));
  m.path = "/migrations/" + std::string{buf} + name + ".json";
  m.checksum = std::move(checksum);
  m.ops.push_back({kind::delete_topic, "x", -1, -1, {}});
  return m;
}

const std::string sum_a(64, 'a');
const std::string sum_b(64, 'b');
const std::string sum_c(64, 'c');

} // namespace

// -- files ----------------------------------------------------------------------------------

TEST(migration_file, parses_all_four_operations) {
  temp_dir dir;
  auto path = dir.write("v002_orders.json", all_four_ops);
  auto m = load_migration(path);
  ASSERT_TRUE(m) << error_of(m);
  EXPECT_EQ(m->version, 2);
  EXPECT_EQ(m->name, "orders");
  EXPECT_EQ(m->path, path);
  EXPECT_EQ(m->description, "orders and friends");
  EXPECT_EQ(m->checksum, sha(all_four_ops));
  ASSERT_EQ(m->ops.size(), 4u);
  std::map<std::string, std::string> create_configs{{"cleanup.policy", "delete"},
                                                    {"min.insync.replicas", "1"},
                                                    {"preallocate", "false"},
                                                    {"min.cleanable.dirty.ratio", "0.5"}};
  EXPECT_EQ(m->ops[0], (topic_op{kind::create_topic, "orders", 6, 1, create_configs}));
  EXPECT_EQ(m->ops[1], (topic_op{kind::add_partitions, "orders", 12, -1, {}}));
  EXPECT_EQ(m->ops[2], (topic_op{kind::alter_configs, "orders", -1, -1,
                                 {{"retention.ms", "86400000"}}}));
  EXPECT_EQ(m->ops[3], (topic_op{kind::delete_topic, "legacy", -1, -1, {}}));
}

TEST(migration_file, replication_defaults_to_the_broker_default) {
  temp_dir dir;
  auto m = load_migration(dir.write(
    "v1_a.json", R"({"operations": [{"op": "create_topic", "topic": "t", "partitions": 3}]})"));
  ASSERT_TRUE(m) << error_of(m);
  EXPECT_EQ(m->version, 1);
  EXPECT_EQ(m->description, "");
  ASSERT_EQ(m->ops.size(), 1u);
  EXPECT_EQ(m->ops[0].replication, -1);
  EXPECT_EQ(m->ops[0].partitions, 3);
}

TEST(migration_file, describes_each_operation_on_one_line) {
  EXPECT_EQ(describe(topic_op{kind::create_topic, "orders", 6, 1, {{"cleanup.policy", "delete"}}}),
            "create topic orders (6 partitions, replication 1, cleanup.policy=delete)");
  EXPECT_EQ(describe(topic_op{kind::create_topic, "dlq", 1, -1, {}}),
            "create topic dlq (1 partition, broker default replication)");
  EXPECT_EQ(describe(topic_op{kind::add_partitions, "orders", 12, -1, {}}),
            "add partitions to orders (to 12)");
  EXPECT_EQ(describe(topic_op{kind::alter_configs, "orders", -1, -1,
                              {{"retention.ms", "86400000"}, {"segment.ms", "3600000"}}}),
            "alter configs of orders: retention.ms=86400000, segment.ms=3600000");
  EXPECT_EQ(describe(topic_op{kind::delete_topic, "legacy", -1, -1, {}}),
            "delete topic legacy");
  EXPECT_EQ(describe(topic_op{kind::alter_configs, "t", -1, -1, {{"k", "a\nb"}}}),
            "alter configs of t: k=a\\nb");
}

TEST(migration_file, a_name_not_of_the_pattern_is_refused) {
  temp_dir dir;
  for (auto name : {"v01-orders.json", "orders.json", "v_orders.json", "v1_Orders.json",
                    "v1_.json", "V1_a.json", "v1a_b.json"}) {
    auto path = dir.write(name, all_four_ops);
    auto m = load_migration(path);
    ASSERT_FALSE(m) << name;
    EXPECT_EQ(code_of(m.error()), errc::invalid_config);
    auto text = error_of(m);
    EXPECT_HAS(text, path + ": migration files are named vNNN_<name>.json");
  }
}

TEST(migration_file, version_beyond_the_ledger_keys_is_refused) {
  temp_dir dir;
  auto m = load_migration(dir.write("v1000000_big.json", all_four_ops));
  ASSERT_FALSE(m);
  EXPECT_HAS(error_of(m), "v1000000_big.json: version must be 1..999999");
  auto zero = load_migration(dir.write("v000_zero.json", all_four_ops));
  ASSERT_FALSE(zero);
  EXPECT_HAS(error_of(zero), "v000_zero.json: version must be 1..999999");
  auto huge = load_migration(dir.write("v99999999999999999999999_x.json", all_four_ops));
  ASSERT_FALSE(huge);
  EXPECT_HAS(error_of(huge), "version must be 1..999999");
}

TEST(migration_file, unknown_keys_are_named_with_their_path) {
  temp_dir dir;
  auto top = load_migration(dir.write("v1_a.json", R"({"operations": [], "descripton": "x"})"));
  ASSERT_FALSE(top);
  EXPECT_HAS(error_of(top), "v1_a.json: unknown key descripton (known: description, operations)");
  auto in_op = load_migration(dir.write(
    "v2_a.json", with_op(R"({"op": "add_partitions", "topic": "a", "partitions": 2,
                              "replication": 3})")));
  ASSERT_FALSE(in_op);
  EXPECT_HAS(error_of(in_op),
             "v2_a.json: unknown key operations[1].replication (known: op, topic, partitions)");
  auto odd = load_migration(dir.write(
    "v3_a.json", with_op(R"({"op": "delete_topic", "topic": "a", "retention.ms": 1})")));
  ASSERT_FALSE(odd);
  EXPECT_HAS(error_of(odd), "unknown key operations[1][\"retention.ms\"] (known: op, topic)");
}

TEST(migration_file, out_of_range_counts_name_the_key_and_the_value) {
  temp_dir dir;
  auto zero = load_migration(dir.write(
    "v002_x.json", with_op(R"({"op": "add_partitions", "topic": "a", "partitions": 0})")));
  ASSERT_FALSE(zero);
  EXPECT_EQ(code_of(zero.error()), errc::invalid_config);
  EXPECT_HAS(error_of(zero), dir.path() + "/v002_x.json: operations[1].partitions must be "
                                          "1..100000, got 0");
  auto many = load_migration(dir.write(
    "v003_x.json", with_op(R"({"op": "create_topic", "topic": "b", "partitions": 100001})")));
  ASSERT_FALSE(many);
  EXPECT_HAS(error_of(many), "operations[1].partitions must be 1..100000, got 100001");
  auto text = load_migration(dir.write(
    "v004_x.json", with_op(R"({"op": "create_topic", "topic": "b", "partitions": "6"})")));
  ASSERT_FALSE(text);
  EXPECT_HAS(error_of(text), "operations[1].partitions must be an integer 1..100000, got \"6\"");
  auto fraction = load_migration(dir.write(
    "v005_x.json", with_op(R"({"op": "create_topic", "topic": "b", "partitions": 6.0})")));
  ASSERT_FALSE(fraction);
  EXPECT_HAS(error_of(fraction), "operations[1].partitions must be an integer 1..100000, got 6.0");
  auto rf = load_migration(dir.write(
    "v006_x.json",
    with_op(R"({"op": "create_topic", "topic": "b", "partitions": 1, "replication": 0})")));
  ASSERT_FALSE(rf);
  EXPECT_HAS(error_of(rf), "operations[1].replication must be 1..32 or -1 (the broker's "
                           "default), got 0");
  auto rf33 = load_migration(dir.write(
    "v007_x.json",
    with_op(R"({"op": "create_topic", "topic": "b", "partitions": 1, "replication": 33})")));
  ASSERT_FALSE(rf33);
  EXPECT_HAS(error_of(rf33), "operations[1].replication must be 1..32 or -1");
}

TEST(migration_file, missing_and_wrong_fields_are_named) {
  temp_dir dir;
  auto no_op = load_migration(dir.write("v1_a.json", with_op(R"({"topic": "a"})")));
  ASSERT_FALSE(no_op);
  EXPECT_HAS(error_of(no_op), "operations[1].op is missing (one of create_topic, "
                              "delete_topic, add_partitions, alter_configs)");
  auto bad_op = load_migration(dir.write("v2_a.json", with_op(R"({"op": "drop", "topic": "a"})")));
  ASSERT_FALSE(bad_op);
  EXPECT_HAS(error_of(bad_op), "operations[1].op must be one of create_topic, delete_topic, "
                               "add_partitions, alter_configs, got \"drop\"");
  auto no_parts = load_migration(
    dir.write("v3_a.json", with_op(R"({"op": "add_partitions", "topic": "a"})")));
  ASSERT_FALSE(no_parts);
  EXPECT_HAS(error_of(no_parts), "operations[1].partitions is missing (add_partitions needs it)");
  auto no_topic = load_migration(dir.write("v4_a.json", with_op(R"({"op": "delete_topic"})")));
  ASSERT_FALSE(no_topic);
  EXPECT_HAS(error_of(no_topic), "operations[1].topic is missing (delete_topic needs it)");
  auto null_value = load_migration(dir.write(
    "v5_a.json",
    with_op(R"({"op": "alter_configs", "topic": "a", "configs": {"retention.ms": null}})")));
  ASSERT_FALSE(null_value);
  EXPECT_HAS(error_of(null_value), "operations[1].configs[\"retention.ms\"] must be a string, "
                                   "number or boolean, got null");
  auto no_configs = load_migration(dir.write(
    "v6_a.json", with_op(R"({"op": "alter_configs", "topic": "a", "configs": {}})")));
  ASSERT_FALSE(no_configs);
  EXPECT_HAS(error_of(no_configs), "operations[1].configs is empty");
  auto not_object = load_migration(dir.write("v7_a.json", R"({"operations": [42]})"));
  ASSERT_FALSE(not_object);
  EXPECT_HAS(error_of(not_object), "operations[0] must be an object, got 42");
  auto top_array = load_migration(dir.write("v8_a.json", "[]"));
  ASSERT_FALSE(top_array);
  EXPECT_HAS(error_of(top_array), "v8_a.json: the top level must be an object, got an array");
}

TEST(migration_file, a_bad_topic_name_prints_a_non_ascii_character_whole) {
  temp_dir dir;
  auto m = load_migration(dir.write(
    "v1_a.json",
    with_op("{\"op\": \"delete_topic\", \"topic\": \"ord\xC3\xA9rs\"}"))); // "ordérs"
  ASSERT_FALSE(m);
  auto text = error_of(m);
  EXPECT_HAS(text, "v1_a.json: operations[1].topic: topic name 'ord\xC3\xA9rs' contains "
                   "'\xC3\xA9'; only [a-zA-Z0-9._-] are allowed");
  // A control character is escaped, never printed raw.
  auto ctl = load_migration(
    dir.write("v2_a.json", with_op(R"({"op": "delete_topic", "topic": "a\u0007b"})")));
  ASSERT_FALSE(ctl);
  EXPECT_HAS(error_of(ctl), "topic name 'a\\x07b' contains '\\x07'");
  EXPECT_EQ(error_of(ctl).find('\x07'), std::string::npos);
}

TEST(migration_file, empty_operations_are_refused) {
  temp_dir dir;
  auto m = load_migration(dir.write("v1_a.json", R"({"description": "x", "operations": []})"));
  ASSERT_FALSE(m);
  EXPECT_HAS(error_of(m), "v1_a.json: operations is empty");
  auto none = load_migration(dir.write("v2_a.json", R"({"description": "x"})"));
  ASSERT_FALSE(none);
  EXPECT_HAS(error_of(none), "v2_a.json: operations is missing");
}

TEST(migration_file, malformed_json_names_line_and_column) {
  temp_dir dir;
  auto m = load_migration(dir.write("v1_a.json", "{\n  \"operations\": [\n    {\"op\": }\n]}"));
  ASSERT_FALSE(m);
  EXPECT_HAS(error_of(m), "v1_a.json: malformed JSON at line 3, column 12");
  auto trailing = load_migration(dir.write("v2_a.json", all_four_ops + "\n}"));
  ASSERT_FALSE(trailing);
  EXPECT_HAS(error_of(trailing), "v2_a.json: malformed JSON at line 12, column 1");
  auto empty = load_migration(dir.write("v3_a.json", ""));
  ASSERT_FALSE(empty);
  EXPECT_HAS(error_of(empty), "v3_a.json: malformed JSON at line 1, column 1");
}

TEST(migration_file, a_directory_or_a_missing_file_is_named) {
  temp_dir dir;
  std::filesystem::create_directory(dir.path() + "/v1_a.json");
  auto m = load_migration(dir.path() + "/v1_a.json");
  ASSERT_FALSE(m);
  EXPECT_HAS(error_of(m), dir.path() + "/v1_a.json: is a directory, not a JSON file");
  auto gone = load_migration(dir.path() + "/v2_gone.json");
  ASSERT_FALSE(gone);
  EXPECT_HAS(error_of(gone), dir.path() + "/v2_gone.json: cannot open file: No such file");
}

TEST(migration_file, checksum_is_the_sha256_of_the_bytes) {
  EXPECT_EQ(sha(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  temp_dir dir;
  auto first = load_migration(dir.write("v1_a.json", all_four_ops));
  auto again = load_migration(dir.write("v2_a.json", all_four_ops));
  ASSERT_TRUE(first && again);
  EXPECT_EQ(first->checksum, again->checksum);
  EXPECT_EQ(first->checksum.size(), 64u);
  // One byte more (a space the parser ignores) is another file.
  auto edited = load_migration(dir.write("v3_a.json", all_four_ops + " "));
  ASSERT_TRUE(edited) << error_of(edited);
  EXPECT_NE(edited->checksum, first->checksum);
  EXPECT_EQ(edited->ops, first->ops);
}

// -- directories ----------------------------------------------------------------------------

TEST(migration_dir, loads_in_version_order_and_ignores_other_files) {
  temp_dir dir;
  auto ops = R"({"operations": [{"op": "delete_topic", "topic": "t"}]})";
  dir.write("v10_ten.json", ops);
  dir.write("v2_two.json", ops);
  dir.write("v001_one.json", ops);
  dir.write("README.md", "not a migration");
  dir.write("v003_draft.json.bak", "{");
  dir.write(".v004_lock.json", "{");
  auto all = load_migrations(dir.path());
  ASSERT_TRUE(all) << error_of(all);
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].version, 1);
  EXPECT_EQ((*all)[0].name, "one");
  EXPECT_EQ((*all)[0].path, dir.path() + "/v001_one.json");
  EXPECT_EQ((*all)[1].version, 2);
  EXPECT_EQ((*all)[2].version, 10);
  EXPECT_EQ((*all)[2].name, "ten");
}

TEST(migration_dir, a_json_file_with_another_name_is_an_error) {
  temp_dir dir;
  dir.write("v1_ok.json", all_four_ops);
  dir.write("orders.json", all_four_ops);
  auto all = load_migrations(dir.path());
  ASSERT_FALSE(all);
  EXPECT_HAS(error_of(all), dir.path() + "/orders.json: migration files are named");
  temp_dir upper;
  upper.write("V2_ok.JSON", all_four_ops);
  auto loud = load_migrations(upper.path());
  ASSERT_FALSE(loud);
  EXPECT_HAS(error_of(loud), "V2_ok.JSON: migration files are named");
}

TEST(migration_dir, two_files_with_one_version_are_both_named) {
  temp_dir dir;
  dir.write("v1_a.json", all_four_ops);
  dir.write("v001_b.json", all_four_ops);
  auto all = load_migrations(dir.path());
  ASSERT_FALSE(all);
  EXPECT_HAS(error_of(all), dir.path() + ": v001_b.json and v1_a.json both have version 1");
}

TEST(migration_dir, an_invalid_file_in_it_fails_the_load) {
  temp_dir dir;
  dir.write("v1_a.json", all_four_ops);
  dir.write("v2_b.json", with_op(R"({"op": "add_partitions", "topic": "a", "partitions": 0})"));
  auto all = load_migrations(dir.path());
  ASSERT_FALSE(all);
  EXPECT_HAS(error_of(all), dir.path() + "/v2_b.json: operations[1].partitions must be");
}

TEST(migration_dir, a_missing_directory_or_a_file_is_named) {
  temp_dir dir;
  auto gone = load_migrations(dir.path() + "/nope");
  ASSERT_FALSE(gone);
  EXPECT_HAS(error_of(gone), dir.path() + "/nope: migration directory does not exist");
  auto file = load_migrations(dir.write("v1_a.json", all_four_ops));
  ASSERT_FALSE(file);
  EXPECT_HAS(error_of(file), dir.path() + "/v1_a.json: is not a directory");
  temp_dir empty;
  auto none = load_migrations(empty.path());
  ASSERT_TRUE(none) << error_of(none);
  EXPECT_TRUE(none->empty());
}

TEST(migration_dir, the_example_migrations_load) {
  auto all = load_migrations(KA_SOURCE_DIR "/examples/migrations");
  ASSERT_TRUE(all) << error_of(all);
  ASSERT_EQ(all->size(), 1u);
  const auto& m = (*all)[0];
  EXPECT_EQ(m.version, 1);
  EXPECT_EQ(m.name, "create_base_topics");
  ASSERT_EQ(m.ops.size(), 3u);
  EXPECT_EQ(m.ops[0], (topic_op{kind::create_topic, "orders", 6, -1, {}}));
  EXPECT_EQ(m.ops[1], (topic_op{kind::create_topic, "orders.retry", 6, -1, {}}));
  EXPECT_EQ(m.ops[2], (topic_op{kind::create_topic, "orders.dlq", 1, -1,
                                {{"retention.ms", "1209600000"}}}));
}

// -- ledger ---------------------------------------------------------------------------------

TEST(migration_ledger, keys_are_zero_padded_so_they_sort) {
  EXPECT_EQ(migration_key(1), "v000001");
  EXPECT_EQ(migration_key(42), "v000042");
  EXPECT_EQ(migration_key(999999), "v999999");
  EXPECT_LT(migration_key(9), migration_key(10));
}

TEST(migration_ledger, encode_and_decode_round_trip) {
  applied_migration a{7, "add_orders", sha("x"), 1'700'000'000'123};
  auto value = encode(a);
  EXPECT_HAS(value, "\"applied_at_ms\":1700000000123");
  auto back = decode_applied(migration_key(7), value);
  ASSERT_TRUE(back) << error_of(back);
  EXPECT_EQ(back->version, 7);
  EXPECT_EQ(back->name, "add_orders");
  EXPECT_EQ(back->checksum, sha("x"));
  EXPECT_EQ(back->applied_at_ms, 1'700'000'000'123);
}

TEST(migration_ledger, bad_records_name_the_key) {
  applied_migration a{7, "add_orders", sum_a, 5};
  auto wrong_key = decode_applied(migration_key(8), encode(a));
  ASSERT_FALSE(wrong_key);
  EXPECT_HAS(error_of(wrong_key), "migration ledger record 'v000008': version 7 does not "
                                  "match the key");
  auto short_key = decode_applied("v7", encode(a));
  ASSERT_FALSE(short_key);
  EXPECT_HAS(error_of(short_key), "record 'v7': the key must be v followed by six digits");
  auto junk = decode_applied("v000007", "{\"version\": 7,");
  ASSERT_FALSE(junk);
  EXPECT_HAS(error_of(junk), "migration ledger record 'v000007': malformed JSON at line 1");
  auto extra = decode_applied(
    "v000007", R"({"version":7,"name":"a","checksum":")" + sum_a
                 + R"(","applied_at_ms":5,"by":"bob"})");
  ASSERT_FALSE(extra);
  EXPECT_HAS(error_of(extra), "record 'v000007': unknown key by");
  auto no_sum = decode_applied("v000007", R"({"version":7,"name":"a","applied_at_ms":5})");
  ASSERT_FALSE(no_sum);
  EXPECT_HAS(error_of(no_sum), "record 'v000007': checksum is missing");
  auto bad_sum = decode_applied(
    "v000007", R"({"version":7,"name":"a","checksum":"abc","applied_at_ms":5})");
  ASSERT_FALSE(bad_sum);
  EXPECT_HAS(error_of(bad_sum), "checksum must be 64 lowercase hex digits (sha256), got \"abc\"");
  auto binary_key = decode_applied("v\xFF\x01", encode(a));
  ASSERT_FALSE(binary_key);
  EXPECT_HAS(error_of(binary_key), "record 'v\\xFF\\x01'");
}

TEST(migration_ledger, a_later_record_wins_and_a_tombstone_removes) {
  applied_migration one{1, "one", sum_a, 100};
  applied_migration one_again{1, "one", sum_b, 200};
  applied_migration two{2, "two", sum_c, 300};
  auto ledger = fold_applied({{migration_key(1), encode(one)},
                              {migration_key(2), encode(two)},
                              {migration_key(1), encode(one_again)}});
  ASSERT_TRUE(ledger) << error_of(ledger);
  ASSERT_EQ(ledger->size(), 2u);
  EXPECT_EQ(ledger->at(1), one_again);
  EXPECT_EQ(ledger->at(2), two);
  auto removed = fold_applied({{migration_key(1), encode(one)},
                               {migration_key(2), encode(two)},
                               {migration_key(2), ""}});
  ASSERT_TRUE(removed) << error_of(removed);
  ASSERT_EQ(removed->size(), 1u);
  EXPECT_EQ(removed->count(2), 0u);
  // A record after the tombstone brings the version back.
  auto revived = fold_applied({{migration_key(2), encode(two)},
                               {migration_key(2), ""},
                               {migration_key(2), encode(two)}});
  ASSERT_TRUE(revived);
  EXPECT_EQ(revived->count(2), 1u);
}

TEST(migration_ledger, one_bad_record_fails_the_fold_with_its_position) {
  applied_migration one{1, "one", sum_a, 100};
  auto ledger = fold_applied({{migration_key(1), encode(one)}, {migration_key(2), "{}"}});
  ASSERT_FALSE(ledger);
  EXPECT_HAS(error_of(ledger), "migration ledger record 'v000002': version is missing (record 1 "
                               "of the ledger)");
}

// -- status ---------------------------------------------------------------------------------

TEST(migration_status, all_applied_is_fine_with_nothing_pending) {
  std::vector<migration> disk{on_disk(1, "one", sum_a), on_disk(2, "two", sum_b)};
  std::map<int64_t, applied_migration> applied{{1, {1, "one", sum_a, 100}},
                                               {2, {2, "two", sum_b, 200}}};
  auto st = compare(disk, applied);
  EXPECT_TRUE(st.ok()) << st.problem;
  EXPECT_TRUE(st.pending.empty());
  ASSERT_EQ(st.entries.size(), 2u);
  EXPECT_EQ(st.entries[0].st, state::applied);
  EXPECT_EQ(st.entries[0].applied_at_ms, 100);
  EXPECT_EQ(st.entries[1].st, state::applied);
  EXPECT_EQ(st.entries[1].version, 2);
  EXPECT_EQ(st.entries[1].name, "two");
}

TEST(migration_status, pending_are_in_version_order) {
  // Out of order on purpose: compare sorts.
  std::vector<migration> disk{on_disk(3, "three", sum_c), on_disk(1, "one", sum_a),
                              on_disk(2, "two", sum_b)};
  std::map<int64_t, applied_migration> applied{{1, {1, "one", sum_a, 100}}};
  auto st = compare(disk, applied);
  EXPECT_TRUE(st.ok()) << st.problem;
  ASSERT_EQ(st.pending.size(), 2u);
  EXPECT_EQ(disk[st.pending[0]].version, 2);
  EXPECT_EQ(disk[st.pending[1]].version, 3);
  ASSERT_EQ(st.entries.size(), 3u);
  EXPECT_EQ(st.entries[0].st, state::applied);
  EXPECT_EQ(st.entries[1].st, state::pending);
  EXPECT_FALSE(st.entries[1].applied_at_ms);
  EXPECT_EQ(st.entries[2].st, state::pending);
  EXPECT_EQ(st.entries[2].version, 3);
}

TEST(migration_status, a_changed_file_names_the_file_and_both_checksums) {
  std::vector<migration> disk{on_disk(1, "one", sum_b)};
  std::map<int64_t, applied_migration> applied{{1, {1, "one", sum_a, 100}}};
  auto st = compare(disk, applied);
  ASSERT_FALSE(st.ok());
  EXPECT_HAS(st.problem, "v001_one.json changed after it was applied (checksum now " + sum_b
                           + ", applied " + sum_a + ")");
  ASSERT_EQ(st.entries.size(), 1u);
  EXPECT_EQ(st.entries[0].st, state::checksum_mismatch);
  EXPECT_EQ(st.entries[0].applied_at_ms, 100);
  EXPECT_TRUE(st.pending.empty());
}

TEST(migration_status, an_applied_version_without_its_file) {
  std::vector<migration> disk{on_disk(1, "one", sum_a), on_disk(3, "three", sum_c)};
  std::map<int64_t, applied_migration> applied{{1, {1, "one", sum_a, 100}},
                                               {2, {2, "two", sum_b, 200}},
                                               {3, {3, "three", sum_c, 300}}};
  auto st = compare(disk, applied);
  ASSERT_FALSE(st.ok());
  EXPECT_HAS(st.problem, "applied migration v002_two (checksum " + sum_b
                           + ") has no file in the migration directory");
  ASSERT_EQ(st.entries.size(), 3u);
  EXPECT_EQ(st.entries[1].st, state::missing_file);
  EXPECT_EQ(st.entries[1].name, "two");
  EXPECT_EQ(st.entries[1].applied_at_ms, 200);
  EXPECT_EQ(st.entries[2].st, state::applied);
  // Past the last file too.
  auto tail = compare({on_disk(1, "one", sum_a)}, {{1, {1, "one", sum_a, 1}},
                                                   {9, {9, "nine", sum_b, 2}}});
  ASSERT_EQ(tail.entries.size(), 2u);
  EXPECT_EQ(tail.entries[1].st, state::missing_file);
  EXPECT_EQ(tail.entries[1].version, 9);
  EXPECT_HAS(tail.problem, "v009_nine");
}

TEST(migration_status, a_pending_version_below_an_applied_one_would_run_out_of_order) {
  std::vector<migration> disk{on_disk(1, "x", sum_a), on_disk(2, "y", sum_b),
                              on_disk(3, "z", sum_c)};
  std::map<int64_t, applied_migration> applied{{2, {2, "y", sum_b, 200}}};
  auto st = compare(disk, applied);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.problem, "v001_x.json is older than applied v002_y.json and would run out of "
                        "order");
  ASSERT_EQ(st.pending.size(), 2u);
  EXPECT_EQ(disk[st.pending[0]].version, 1);
  EXPECT_EQ(disk[st.pending[1]].version, 3);
}

TEST(migration_status, every_problem_is_listed) {
  std::vector<migration> disk{on_disk(1, "x", sum_a), on_disk(3, "z", sum_b)};
  std::map<int64_t, applied_migration> applied{{2, {2, "y", sum_b, 200}},
                                               {3, {3, "z", sum_c, 300}}};
  auto st = compare(disk, applied);
  EXPECT_HAS(st.problem, "v001_x.json is older than applied v003_z.json");
  EXPECT_HAS(st.problem, "applied migration v002_y");
  EXPECT_HAS(st.problem, "v003_z.json changed after it was applied");
}

// -- text -----------------------------------------------------------------------------------

TEST(migration_text, printable_keeps_characters_whole_and_escapes_the_rest) {
  EXPECT_EQ(printable("plain"), "plain");
  EXPECT_EQ(printable("ord\xC3\xA9rs \xE2\x82\xAC \xF0\x9F\x98\x80"),
            "ord\xC3\xA9rs \xE2\x82\xAC \xF0\x9F\x98\x80");
  EXPECT_EQ(printable("a\tb\nc\x1B[2J\\"), "a\\tb\\nc\\x1B[2J\\\\");
  EXPECT_EQ(printable("lone \xC3 byte"), "lone \\xC3 byte");
  EXPECT_EQ(printable("\xC0\xAF"), "\\xC0\\xAF");          // overlong '/'
  EXPECT_EQ(printable("\xED\xA0\x80"), "\\xED\\xA0\\x80"); // a surrogate
  EXPECT_EQ(printable("\xC2\x85"), "\\u0085");             // C1 control NEL
  EXPECT_EQ(printable_prefix("\xC3\xA9\xC3\xA9\xC3\xA9", 2), "\xC3\xA9\xC3\xA9...");
  EXPECT_EQ(printable_prefix("abc", 3), "abc");
}
