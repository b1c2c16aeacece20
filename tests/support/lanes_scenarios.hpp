#pragma once

// Partition manager scenarios run on the embedded cluster and on the real broker.

#include <chrono>

#include "support/await.hpp"
#include "support/gate.hpp"
#include "support/lane_probe.hpp"
#include "support/poison_fixture.hpp"

namespace kafka_actors::test {

class lanes_fixture : public poison_fixture {
protected:
  static lane_options lanes(uint32_t key_lanes = 1,
                            null_key_policy nulls = null_key_policy::one_lane) {
    lane_options o;
    o.key_lanes = key_lanes;
    o.null_keys = nulls;
    return o;
  }

  /// A holds 400 records in flight on its lanes (every lane stalls) when B joins: the revoke
  /// waits for A's work, and only then are the partitions handed over. `commits_hold` when the
  /// cluster takes commits during a rebalance (a real broker): then B redoes nothing. Set
  /// partition.assignment.strategy, then call (it starts the service).
  void run_revoke_drain(bool commits_hold) {
    using namespace std::chrono_literals;
    cfg.flow.revoke_drain = 5000ms; // generous: the gate opens well within it
    start(bootstrap_for_scenarios);
    auto topic = unique_topic("pm-revoke");
    auto group = unique_topic("pm-revoke-group");
    ASSERT_FALSE(create_topic(topic_config{topic, 4, 1, {}}));
    ASSERT_EQ(send(lane_records(topic, 40, 10)), 0u);
    lane_probe all;
    gate blocked;
    open_on_exit guard{blocked};
    auto member = [&](bool stall) {
      subscription sub{{topic}, group};
      sub.lanes = lanes();
      sub.on_record = [&all, &blocked, stall](const record& r) -> caf::error {
        if (stall)
          blocked.pass(); // every lane of A stalls with its records in flight
        lane_probe::call c{all, r};
        all.handled(r);
        return caf::none;
      };
      return sub;
    };
    auto ida = subscribe(member(true));
    ASSERT_TRUE(ida);
    ASSERT_TRUE(await([&] { return status().consumers[*ida].dispatched >= 400; }, 60s));
    auto idb = subscribe(member(false));
    ASSERT_TRUE(idb);
    // B's join revokes partitions of A, whose work is in flight: the revoke waits for it.
    ASSERT_TRUE(await([&] { return status().consumers[*ida].revoke_drains >= 1; }, 60s));
    blocked.open();
    ASSERT_TRUE(all.await_handled(400, 60s)) << all.distinct();
    EXPECT_EQ(all.reordered(), 0u);
    EXPECT_EQ(all.key_overlaps(), 0u); // A's work ended before B began: no key on two lanes
    EXPECT_EQ(status().consumers[*ida].revoke_drain_timeouts, 0u);
    ASSERT_TRUE(await([&] { return !status().consumers[*idb].assigned.empty(); }, 60s));
    if (commits_hold)
      EXPECT_EQ(all.duplicates(), 0u); // what A finished during the drain was committed
    else
      EXPECT_LE(all.duplicates(), 400u);
    EXPECT_TRUE(await([&] { return lag(group, {topic}) == 0; }, 30s));
  }

  /// Empty: the embedded cluster; real-broker fixtures set it in SetUp.
  std::string bootstrap_for_scenarios;
};

} // namespace kafka_actors::test
