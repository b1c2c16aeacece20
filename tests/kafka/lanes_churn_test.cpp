// Partition manager lanes on a real broker while the group churns: three members with lanes
// in one group, one of them replaced every few seconds under load, eager and
// cooperative-sticky. Nothing may be lost, duplicates stay within the in-flight cap per
// rebalance, every key keeps its order (per-key sequence numbers) and no key is ever in two
// handler calls at once, across members included.

#include <atomic>
#include <thread>

#include "support/await.hpp"
#include "support/lane_probe.hpp"
#include "support/lanes_scenarios.hpp"
#include "support/real_broker.hpp"
#include "support/service_fixture.hpp"

using namespace kafka_actors;
using namespace kafka_actors::test;
using namespace std::chrono_literals;

namespace {

class lanes_churn_test : public on_real_broker<service_fixture>,
                         public ::testing::WithParamInterface<std::string> {};

INSTANTIATE_TEST_SUITE_P(strategies, lanes_churn_test,
                         ::testing::Values("range,roundrobin", "cooperative-sticky"),
                         assignor_name);

constexpr size_t keys = 100;
constexpr auto load_time = 12s;
constexpr auto churn_every = 3s;

} // namespace

TEST_P(lanes_churn_test, members_joining_and_leaving_under_load_lose_nothing_and_keep_key_order) {
  cfg.consumer["partition.assignment.strategy"] = GetParam();
  cfg.flow.consumer_max_in_flight = 200; // the in-flight cap the duplicates are bounded by
  cfg.flow.consumer_batch_size = 50;
  start(bootstrap);
  auto topic = unique_topic("lanes-churn");
  auto group = unique_topic("lanes-churn-group");
  ASSERT_FALSE(create_topic(topic_config{topic, 6, 1, {}}));
  lane_probe probe;
  stop_on_exit stop{*this}; // the members' handlers use `probe`: they stop before it goes
  int joined = 0;
  auto member = [&] {
    int me = ++joined;
    subscription sub{{topic}, group};
    lane_options lanes;
    lanes.key_lanes = 2;
    sub.lanes = lanes;
    sub.on_record = [&probe, me](const record& r) -> caf::error {
      lane_probe::call c{probe, r};
      std::this_thread::sleep_for(200us); // the work a record costs
      probe.handled(r, me);
      return caf::none;
    };
    return sub;
  };
  std::vector<uint64_t> members;
  for (int i = 0; i < 3; ++i) {
    auto id = subscribe(member());
    ASSERT_TRUE(id);
    members.push_back(*id);
  }
  // Load: 100 keys, one record each every 100 ms, per-key sequence numbers in the payload.
  std::atomic<size_t> produced{0};
  std::atomic<size_t> failed{0};
  std::thread producer{[&] {
    caf::scoped_actor me{*sys};
    size_t seq = 0;
    auto until = std::chrono::steady_clock::now() + load_time;
    while (std::chrono::steady_clock::now() < until) {
      auto round = lane_records(topic, keys, 1, seq++);
      failed += send_all(me, service, round);
      produced += round.size();
      std::this_thread::sleep_for(100ms); // paces the load
    }
  }};
  struct joiner {
    std::thread& t;
    ~joiner() {
      if (t.joinable())
        t.join(); // also when an assertion leaves early
    }
  } join_producer{producer};
  // Churn: every few seconds one member leaves (stop: drain, commit, leave) and a new one
  // joins; each is a rebalance of the group.
  size_t churns = 0;
  std::vector<consumer_status> finals; // of the members that left
  auto started = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - started + churn_every < load_time) {
    std::this_thread::sleep_for(churn_every); // the schedule of the churn
    auto gone = members.front();
    members.erase(members.begin());
    auto final = stop_subscription(gone);
    EXPECT_TRUE(final);
    if (final)
      finals.push_back(*final);
    auto id = subscribe(member());
    ASSERT_TRUE(id);
    members.push_back(*id);
    ++churns;
  }
  producer.join();
  ASSERT_EQ(failed.load(), 0u);
  ASSERT_TRUE(probe.await_handled(produced.load(), 90s))
    << probe.distinct() << " of " << produced.load();
  // What explains duplicates, over the members that left and those still in the group.
  uint64_t commit_failures = 0;
  uint64_t drain_timeouts = 0;
  uint64_t lost = 0;
  std::string last_commit_error;
  auto add_up = [&](const consumer_status& c) {
    commit_failures += c.commit_failures;
    drain_timeouts += c.revoke_drain_timeouts;
    lost += c.lost_assignments;
    if (!c.last_commit_error.empty())
      last_commit_error = c.last_commit_error;
  };
  for (auto& c : finals)
    add_up(c);
  auto now = status();
  for (auto id : members)
    add_up(now.consumers[id]);
  EXPECT_EQ(probe.distinct(), produced.load()); // 0 lost
  EXPECT_EQ(probe.reordered(), 0u);             // per key, in sequence
  EXPECT_EQ(probe.key_overlaps(), 0u);          // never two calls of one key at once
  // Each churn is two rebalances (a leave, a join), plus the three first joins.
  auto rebalances = 2 * churns + 3;
  EXPECT_LE(probe.duplicates(), cfg.flow.consumer_max_in_flight * rebalances)
    << churns << " churns, " << commit_failures << " failed commits (" << last_commit_error
    << "), " << drain_timeouts << " revoke drains past their deadline, " << lost
    << " lost assignments" << probe.duplicate_spans();
  std::printf("lanes churn (%s): %zu records, %zu churns, %zu duplicates, %llu failed commits, "
              "%llu drain timeouts, %llu lost assignments\n",
              GetParam().c_str(), produced.load(), churns, probe.duplicates(),
              static_cast<unsigned long long>(commit_failures),
              static_cast<unsigned long long>(drain_timeouts),
              static_cast<unsigned long long>(lost));
  if (probe.duplicates() > 0)
    std::printf("duplicates by partition and members:%s\n", probe.duplicate_spans().c_str());
}

namespace {

class lanes_drain_test : public on_real_broker<lanes_fixture>,
                         public ::testing::WithParamInterface<std::string> {
protected:
  void SetUp() override {
    on_real_broker<lanes_fixture>::SetUp();
    bootstrap_for_scenarios = bootstrap;
  }
};

INSTANTIATE_TEST_SUITE_P(strategies, lanes_drain_test,
                         ::testing::Values("range,roundrobin", "cooperative-sticky"),
                         assignor_name);

} // namespace

TEST_P(lanes_drain_test, revoke_drain_commits_in_flight_work_so_the_next_owner_redoes_nothing) {
  cfg.consumer["partition.assignment.strategy"] = GetParam();
  run_revoke_drain(true);
}
