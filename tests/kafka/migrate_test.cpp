// Versioned migrations against the real broker: apply, re-apply, a failing migration in the
// middle, a changed checksum, and two applies at the same time (issue 11). Each test has a
// ledger topic and topic names of its own, so tests may run in parallel on one broker.

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <map>
#include <random>
#include <thread>

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include "kafka_actors/runtime/errors.hpp"
#include "kafka_actors/runtime/rdkafka_handles.hpp"
#include "kafka_actors/topology/migration_runner.hpp"
#include "support/real_broker.hpp"
#include "support/temp_dir.hpp"

using namespace kafka_actors;

namespace {

std::string unique(const std::string& prefix) {
  static std::mt19937_64 rng{std::random_device{}()};
  return prefix + "-" + std::to_string(rng() % 1000000000);
}

class migrate_test : public test::on_real_broker<::testing::Test> {
protected:
  void SetUp() override {
    on_real_broker::SetUp();
    if (IsSkipped())
      return;
    cfg = kafka_config::remote(bootstrap);
    cfg.connect_timeout = std::chrono::milliseconds{15000};
    ledger = unique("__ka_migrations_test");
    a = unique("mig-a");
    b = unique("mig-b");
  }

  caf::expected<migration_runner> runner() {
    return migration_runner::open(cfg, dir.path(), ledger);
  }

  std::vector<int64_t> apply_ok() {
    auto r = runner();
    EXPECT_TRUE(r) << describe(r.error());
    if (!r)
      return {};
    auto done = r->apply([](const std::string&) {});
    EXPECT_TRUE(done) << describe(done.error());
    return done ? *done : std::vector<int64_t>{};
  }

  topic_description topic(const std::string& name) {
    auto admin = admin_client::connect(cfg);
    EXPECT_TRUE(admin);
    auto d = admin->describe_topic(name);
    EXPECT_TRUE(d) << describe(d.error());
    return d ? *d : topic_description{};
  }

  /// Committed ledger records per key, duplicates counted (a fold would hide them).
  std::map<std::string, int> ledger_records() {
    properties props{{"bootstrap.servers", bootstrap}, {"group.id", unique("ledger-reader")},
                     {"enable.partition.eof", "true"}, {"isolation.level", "read_committed"},
                     {"auto.offset.reset", "earliest"}};
    auto conf = make_conf(props);
    auto consumer = make_client(RD_KAFKA_CONSUMER, std::move(*conf));
    tpl_ptr parts{rd_kafka_topic_partition_list_new(1)};
    rd_kafka_topic_partition_list_add(parts.get(), ledger.c_str(), 0)->offset =
      RD_KAFKA_OFFSET_BEGINNING;
    rd_kafka_assign(consumer->get(), parts.get());
    std::map<std::string, int> out;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{30};
    while (std::chrono::steady_clock::now() < deadline) {
      message_ptr msg{rd_kafka_consumer_poll(consumer->get(), 200)};
      if (!msg)
        continue;
      if (msg->err == RD_KAFKA_RESP_ERR__PARTITION_EOF)
        break;
      if (!msg->err)
        ++out[std::string{static_cast<const char*>(msg->key), msg->key_len}];
    }
    rd_kafka_consumer_close(consumer->get());
    return out;
  }

  std::string create(const std::string& topic, int partitions) {
    return R"({"op":"create_topic","topic":")" + topic + R"(","partitions":)"
           + std::to_string(partitions) + R"(,"replication":1})";
  }

  kafka_config cfg;
  ka_test::temp_dir dir;
  std::string ledger, a, b;
};

} // namespace

TEST_F(migrate_test, apply_runs_pending_in_order_and_a_rerun_changes_nothing) {
  dir.write("v001_base.json", R"({"operations":[)" + create(a, 2) + "]}");
  dir.write("v002_grow.json", R"({"operations":[{"op":"add_partitions","topic":")" + a
                                + R"(","partitions":4},{"op":"alter_configs","topic":")" + a
                                + R"(","configs":{"retention.ms":"3600000"}}]})");
  {
    auto r = runner();
    ASSERT_TRUE(r) << describe(r.error());
    auto plan = r->plan();
    ASSERT_TRUE(plan) << describe(plan.error());
    ASSERT_EQ(plan->steps.size(), 2u);
    EXPECT_EQ(plan->steps[0].ops.size(), 1u);
    // The second step is planned against what the first leaves, not the empty cluster.
    EXPECT_EQ(plan->steps[1].ops.size(), 2u);
    // plan changes nothing.
    auto admin = admin_client::connect(cfg);
    EXPECT_EQ(code_of(admin->describe_topic(a).error()), errc::invalid_topic);
  }
  EXPECT_EQ(apply_ok(), (std::vector<int64_t>{1, 2}));
  auto d = topic(a);
  EXPECT_EQ(d.partitions.size(), 4u);
  EXPECT_EQ(d.configs["retention.ms"], "3600000");
  // Idempotent: nothing pending, nothing recorded again.
  EXPECT_EQ(apply_ok(), (std::vector<int64_t>{}));
  auto r = runner();
  auto st = r->status();
  ASSERT_TRUE(st);
  EXPECT_TRUE(st->ok()) << st->problem;
  ASSERT_EQ(st->entries.size(), 2u);
  EXPECT_EQ(st->entries[0].st, migration_status::entry::state::applied);
  EXPECT_EQ(st->entries[1].st, migration_status::entry::state::applied);
  EXPECT_TRUE(st->pending.empty());
  EXPECT_EQ(ledger_records(), (std::map<std::string, int>{{"v000001", 1}, {"v000002", 1}}));
}

TEST_F(migrate_test, a_failing_migration_stops_the_apply_and_a_fixed_rerun_finishes_it) {
  dir.write("v001_base.json", R"({"operations":[)" + create(a, 1) + "]}");
  // v002's second op grows a topic that does not exist: the broker refuses it.
  auto missing = unique("mig-missing");
  dir.write("v002_more.json", R"({"operations":[)" + create(b, 3)
                                + R"(,{"op":"add_partitions","topic":")" + missing
                                + R"(","partitions":2}]})");
  dir.write("v003_last.json", R"({"operations":[{"op":"add_partitions","topic":")" + a
                                + R"(","partitions":2}]})");
  auto r = runner();
  ASSERT_TRUE(r);
  auto done = r->apply([](const std::string&) {});
  ASSERT_FALSE(done);
  auto text = describe(done.error());
  EXPECT_NE(text.find("v002_more.json"), std::string::npos) << text;
  EXPECT_NE(text.find(missing), std::string::npos) << text;
  EXPECT_NE(text.find("is not recorded"), std::string::npos) << text;
  // v001 stays recorded; v002 and v003 are pending; v003 never ran.
  auto st = runner()->status();
  ASSERT_TRUE(st);
  ASSERT_EQ(st->entries.size(), 3u);
  EXPECT_EQ(st->entries[0].st, migration_status::entry::state::applied);
  EXPECT_EQ(st->entries[1].st, migration_status::entry::state::pending);
  EXPECT_EQ(st->entries[2].st, migration_status::entry::state::pending);
  EXPECT_EQ(topic(a).partitions.size(), 1u);
  EXPECT_EQ(topic(b).partitions.size(), 3u); // v002's first op ran
  // Fix v002 (not yet applied, so its checksum may change) and re-run: its create is done
  // and skipped, the rest runs.
  dir.write("v002_more.json", R"({"operations":[)" + create(b, 3) + "]}");
  EXPECT_EQ(apply_ok(), (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(topic(a).partitions.size(), 2u);
}

TEST_F(migrate_test, a_changed_applied_file_is_refused_naming_it) {
  dir.write("v001_base.json", R"({"operations":[)" + create(a, 1) + "]}");
  EXPECT_EQ(apply_ok(), (std::vector<int64_t>{1}));
  dir.write("v001_base.json", R"({"operations":[)" + create(a, 5) + "]}");
  dir.write("v002_next.json", R"({"operations":[)" + create(b, 1) + "]}");
  auto r = runner();
  ASSERT_TRUE(r);
  auto st = r->status();
  ASSERT_TRUE(st);
  EXPECT_FALSE(st->ok());
  EXPECT_NE(st->problem.find("v001_base.json"), std::string::npos) << st->problem;
  EXPECT_EQ(st->entries[0].st, migration_status::entry::state::checksum_mismatch);
  auto done = r->apply([](const std::string&) {});
  ASSERT_FALSE(done);
  EXPECT_NE(describe(done.error()).find("v001_base.json"), std::string::npos);
  EXPECT_FALSE(r->plan());
  // Nothing of v002 ran.
  auto admin = admin_client::connect(cfg);
  EXPECT_EQ(code_of(admin->describe_topic(b).error()), errc::invalid_topic);
}

// Two applies at once: the second fences the first, so each version is recorded exactly once.
// The first is held in the middle (before v003's op) until the second has finished: then it
// goes on, and must find that it can record nothing more.
TEST_F(migrate_test, a_second_apply_fences_the_first_and_each_version_is_recorded_once) {
  std::vector<std::string> topics;
  for (int v = 1; v <= 6; ++v) {
    topics.push_back(unique("mig-c"));
    char name[32];
    std::snprintf(name, sizeof(name), "v%03d_t%d.json", v, v);
    dir.write(name, R"({"operations":[)" + create(topics.back(), 1) + "]}");
  }
  std::mutex mx;
  std::condition_variable cv;
  bool first_held = false, second_done = false;
  caf::expected<std::vector<int64_t>> first{caf::error{}};
  std::thread t1{[&] {
    auto r = runner();
    if (!r) {
      first = r.error();
      std::lock_guard<std::mutex> guard{mx};
      first_held = true; // nothing to hold: let the test body fail instead of waiting
      cv.notify_all();
      return;
    }
    first = r->apply([&](const std::string& line) {
      if (line.rfind("v003_t3.json:", 0) != 0)
        return;
      std::unique_lock<std::mutex> guard{mx};
      first_held = true;
      cv.notify_all();
      cv.wait(guard, [&] { return second_done; });
    });
  }};
  {
    std::unique_lock<std::mutex> guard{mx};
    cv.wait(guard, [&] { return first_held; });
  }
  // v001 and v002 are recorded by the first run; the second does v003..v006.
  EXPECT_EQ(apply_ok(), (std::vector<int64_t>{3, 4, 5, 6}));
  {
    std::lock_guard<std::mutex> guard{mx};
    second_done = true;
  }
  cv.notify_all();
  t1.join();
  ASSERT_FALSE(first) << "the fenced run recorded " << first->size() << " versions";
  EXPECT_NE(describe(first.error()).find("took over"), std::string::npos)
    << describe(first.error());
  std::map<std::string, int> expected;
  for (int v = 1; v <= 6; ++v)
    expected[migration_key(v)] = 1;
  EXPECT_EQ(ledger_records(), expected);
  for (auto& t : topics)
    EXPECT_EQ(topic(t).partitions.size(), 1u) << t;
}
