// The consumer's flow rules, driven transition by transition without CAF or librdkafka.

#include "kafka_actors/runtime/consumer_flow.hpp"

#include <gtest/gtest.h>

using namespace kafka_actors;
using namespace std::chrono_literals;

namespace {

const topic_partition p0{"t", 0};
const topic_partition p1{"t", 1};

class consumer_flow_test : public ::testing::Test {
protected:
  flow_settings settings() {
    flow_settings s;
    s.batch_size = 10;
    s.max_in_flight_bytes = 1000;
    s.pause_grace = 200ms;
    s.drain_timeout = 1000ms;
    s.stop_timeout = 5000ms;
    return s;
  }

  consumer_flow flow{settings()};
  consumer_flow::time_point t0 = consumer_flow::clock::now();
  std::vector<void*> dropped;
  // Fake message pointers: the flow never dereferences them.
  std::vector<int> storage = std::vector<int>(10000);

  flow_record rec(const topic_partition& tp, int64_t offset, size_t bytes = 10) {
    return flow_record{&storage[static_cast<size_t>(offset) % storage.size()],
                       flow.intern(tp), offset, bytes};
  }

  // Takes `n` records of `tp` starting at `from`.
  void take(const topic_partition& tp, int64_t from, int64_t n, size_t bytes = 10) {
    for (int64_t i = 0; i < n; ++i)
      flow.take(rec(tp, from + i, bytes), 0, 0, dropped);
  }
};

} // namespace

TEST_F(consumer_flow_test, takes_nothing_without_credit) {
  flow.assign({p0});
  EXPECT_EQ(flow.records_wanted(), 0);
  flow.grant(25);
  EXPECT_EQ(flow.records_wanted(), 10); // one batch at a time
  take(p0, 0, 10);
  EXPECT_EQ(flow.records_wanted(), 10); // 15 credit left, 10 held
}

TEST_F(consumer_flow_test, batches_never_exceed_credit_or_batch_size) {
  flow.assign({p0});
  flow.grant(15);
  take(p0, 0, 30);
  auto b1 = flow.next_batch();
  ASSERT_TRUE(b1);
  EXPECT_EQ(b1->records.size(), 10u);
  auto b2 = flow.next_batch();
  ASSERT_TRUE(b2);
  EXPECT_EQ(b2->records.size(), 5u);
  EXPECT_FALSE(flow.next_batch());
  EXPECT_EQ(flow.held(), 15u);
  EXPECT_EQ(flow.credit(), 0);
}

TEST_F(consumer_flow_test, byte_bound_holds_per_record_not_per_batch) {
  flow.assign({p0});
  flow.grant(1000);
  take(p0, 0, 10, 300); // 3,000 bytes under a 1,000-byte bound
  auto b = flow.next_batch();
  ASSERT_TRUE(b);
  EXPECT_EQ(b->records.size(), 3u); // 900 bytes; a fourth would pass the bound
  EXPECT_LE(flow.in_flight_bytes(), 1000u);
  EXPECT_FALSE(flow.next_batch());
  EXPECT_EQ(flow.records_wanted(), 0); // held bytes count too: take nothing more
  flow.ack(b->id);
  auto b2 = flow.next_batch();
  ASSERT_TRUE(b2);
  EXPECT_EQ(b2->records.size(), 3u);
}

TEST_F(consumer_flow_test, an_oversize_record_goes_alone_when_nothing_is_in_flight) {
  flow.assign({p0});
  flow.grant(100);
  take(p0, 0, 1, 5000);
  take(p0, 1, 1, 10);
  auto b = flow.next_batch();
  ASSERT_TRUE(b);
  EXPECT_EQ(b->records.size(), 1u);
  EXPECT_FALSE(flow.next_batch()); // nothing else while it is out
  flow.ack(b->id);
  EXPECT_TRUE(flow.next_batch());
}

TEST_F(consumer_flow_test, starved_pauses_only_after_the_grace_period_and_resumes_on_credit) {
  flow.assign({p0, p1});
  EXPECT_TRUE(flow.pause_changes().size() == 2u); // the assignment is applied explicitly
  flow.tick(t0, 0);
  EXPECT_TRUE(flow.starved());
  EXPECT_FALSE(flow.paused());
  flow.tick(t0 + 100ms, 0);
  EXPECT_FALSE(flow.paused());
  EXPECT_TRUE(flow.pause_changes().empty());
  flow.tick(t0 + 250ms, 0);
  EXPECT_TRUE(flow.paused());
  auto changes = flow.pause_changes();
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_TRUE(changes[0].pause && changes[1].pause);
  flow.grant(5);
  EXPECT_FALSE(flow.paused());
  EXPECT_FALSE(flow.starved());
  changes = flow.pause_changes();
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_FALSE(changes[0].pause);
  EXPECT_EQ(flow.stats().pauses, 1u);
  EXPECT_EQ(flow.stats().resumes, 1u);
}

TEST_F(consumer_flow_test, a_reassigned_partition_gets_the_pause_state_again) {
  flow.assign({p0});
  flow.pause_changes();
  flow.tick(t0, 0);
  flow.tick(t0 + 300ms, 0);
  ASSERT_TRUE(flow.paused());
  EXPECT_EQ(flow.pause_changes().size(), 1u);
  flow.revoke({p0}, dropped);
  flow.assign({p0});
  auto changes = flow.pause_changes();
  ASSERT_EQ(changes.size(), 1u); // librdkafka's pause may or may not have survived
  EXPECT_TRUE(changes[0].pause);
}

TEST_F(consumer_flow_test, revoke_drops_held_records_of_that_partition_only) {
  flow.assign({p0, p1});
  flow.grant(100);
  take(p0, 0, 3);
  take(p1, 0, 2);
  flow.revoke({p0}, dropped);
  EXPECT_EQ(dropped.size(), 3u);
  EXPECT_EQ(flow.held(), 2u);
  auto b = flow.next_batch();
  ASSERT_TRUE(b);
  for (auto& r : b->records)
    EXPECT_EQ(flow.partition(r.part), p1);
}

TEST_F(consumer_flow_test, record_polled_for_a_revoked_partition_is_dropped) {
  // A rebalance ran inside the poll that returned the record.
  flow.assign({p0});
  flow.grant(100);
  flow.revoke({p0}, dropped);
  auto r = rec(p0, 7);
  EXPECT_EQ(flow.take(r, 0, 0, dropped), consumer_flow::intake::dropped);
  EXPECT_EQ(dropped.size(), 1u);
  EXPECT_EQ(flow.held(), 0u);
}

TEST_F(consumer_flow_test, revoke_fences_in_flight_batches_and_raises_their_flags) {
  flow.assign({p0});
  flow.grant(100);
  take(p0, 0, 5);
  auto b = flow.next_batch();
  ASSERT_TRUE(b);
  ASSERT_EQ(b->flags.size(), 1u);
  EXPECT_FALSE(b->flags[0].second->load());
  EXPECT_TRUE(flow.live(b->id));
  flow.revoke({p0}, dropped);
  EXPECT_TRUE(b->flags[0].second->load());
  EXPECT_FALSE(flow.live(b->id)); // a fail for it must not close the consumer
  flow.assign({p0});
  EXPECT_TRUE(flow.ack(b->id).empty()); // a late ack stores nothing
  EXPECT_EQ(flow.stats().fenced_acks, 1u);
}

TEST_F(consumer_flow_test, acks_store_contiguous_prefixes) {
  flow.assign({p0});
  flow.grant(100);
  take(p0, 0, 20);
  auto b1 = flow.next_batch();
  auto b2 = flow.next_batch();
  ASSERT_TRUE(b1 && b2);
  EXPECT_TRUE(flow.ack(b2->id).empty());
  auto pos = flow.ack(b1->id);
  ASSERT_EQ(pos.size(), 1u);
  EXPECT_EQ(pos[0].next_offset, 20);
}

TEST_F(consumer_flow_test, record_not_due_holds_its_partition_while_others_flow) {
  flow.assign({p0, p1});
  flow.grant(100);
  flow.pause_changes();
  EXPECT_EQ(flow.take(rec(p0, 0), 5000, 1000, dropped), consumer_flow::intake::delayed);
  // Later records of p0 queue behind, even if due.
  EXPECT_EQ(flow.take(rec(p0, 1), 0, 1000, dropped), consumer_flow::intake::delayed);
  EXPECT_EQ(flow.take(rec(p1, 0), 0, 1000, dropped), consumer_flow::intake::held);
  auto changes = flow.pause_changes();
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].tp, p0);
  EXPECT_TRUE(changes[0].pause);
  auto b = flow.next_batch();
  ASSERT_TRUE(b);
  EXPECT_EQ(b->records.size(), 1u);
  flow.tick(t0, 4999);
  EXPECT_EQ(flow.delayed(), 2u);
  flow.tick(t0, 5000);
  EXPECT_EQ(flow.delayed(), 0u);
  EXPECT_EQ(flow.held(), 2u);
  changes = flow.pause_changes();
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_FALSE(changes[0].pause);
  auto b2 = flow.next_batch();
  ASSERT_TRUE(b2);
  EXPECT_EQ(b2->records[0].offset, 0);
  EXPECT_EQ(b2->records[1].offset, 1);
}

TEST_F(consumer_flow_test, end_of_partition_counts_only_once_everything_before_it_is_acked) {
  flow.assign({p0});
  flow.grant(100);
  take(p0, 0, 5);
  flow.end_of_partition(flow.intern(p0), 5);
  EXPECT_TRUE(flow.at_end().empty()); // five records held
  auto b = flow.next_batch();
  ASSERT_TRUE(b);
  EXPECT_TRUE(flow.at_end().empty()); // in flight
  flow.ack(b->id);
  ASSERT_EQ(flow.at_end().size(), 1u);
  take(p0, 5, 1); // a new record: not at the end any more
  EXPECT_TRUE(flow.at_end().empty());
}

TEST_F(consumer_flow_test, stop_pauses_at_once_takes_nothing_and_closes_when_drained) {
  flow.assign({p0});
  flow.grant(100);
  take(p0, 0, 10);
  auto b = flow.next_batch();
  ASSERT_TRUE(b);
  flow.pause_changes();
  flow.stop(t0);
  EXPECT_EQ(flow.current(), consumer_flow::phase::draining);
  auto changes = flow.pause_changes();
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_TRUE(changes[0].pause);
  EXPECT_EQ(flow.records_wanted(), 0);
  take(p0, 10, 3); // raced with the pause: held, never dispatched
  EXPECT_FALSE(flow.next_batch());
  EXPECT_FALSE(flow.close_due(t0 + 10ms));
  flow.ack(b->id);
  EXPECT_TRUE(flow.close_due(t0 + 10ms));
  auto msgs = flow.begin_close(t0 + 10ms);
  EXPECT_EQ(msgs.size(), 3u);
  EXPECT_EQ(flow.current(), consumer_flow::phase::closing);
  EXPECT_FALSE(flow.stop_deadline_passed(t0 + 4s));
  EXPECT_TRUE(flow.stop_deadline_passed(t0 + 5s));
}

TEST_F(consumer_flow_test, drain_deadline_closes_with_work_still_in_flight) {
  flow.assign({p0});
  flow.grant(100);
  take(p0, 0, 10);
  ASSERT_TRUE(flow.next_batch());
  flow.stop(t0);
  EXPECT_FALSE(flow.close_due(t0 + 999ms));
  EXPECT_TRUE(flow.close_due(t0 + 1000ms));
}

TEST_F(consumer_flow_test, stored_positions_of_revoked_partitions_disappear) {
  flow.assign({p0});
  flow.stored(p0, 10);
  EXPECT_EQ(flow.stored_positions().at(p0), 10);
  flow.revoke({p0}, dropped);
  EXPECT_TRUE(flow.stored_positions().empty());
  flow.stored(p0, 12); // a store that raced with the revoke does not count
  EXPECT_TRUE(flow.stored_positions().empty());
}

// -- revoke drain ---------------------------------------------------------------------------

TEST_F(consumer_flow_test, revoke_drain_keeps_in_flight_batches_live_until_acked) {
  flow.assign({p0, p1});
  flow.grant(100);
  take(p0, 0, 5);
  auto b = flow.next_batch();
  ASSERT_TRUE(b);
  take(p0, 5, 3); // held, never dispatched
  ASSERT_TRUE(flow.begin_revoke({p0}, t0, dropped));
  EXPECT_EQ(dropped.size(), 3u); // the next owner reads the held ones
  EXPECT_TRUE(flow.revoke_pending());
  EXPECT_FALSE(b->flags[0].second->load()); // handlers go on with it
  EXPECT_TRUE(flow.live(b->id));
  EXPECT_FALSE(flow.revoke_due(t0 + 100ms));
  // The ack during the drain stores, so the revoke commits it.
  auto pos = flow.ack(b->id);
  ASSERT_EQ(pos.size(), 1u);
  EXPECT_EQ(pos[0].next_offset, 5);
  flow.stored(p0, 5);
  EXPECT_TRUE(flow.revoke_due(t0 + 100ms));
  auto tps = flow.take_revoke(t0 + 100ms);
  ASSERT_EQ(tps.size(), 1u);
  EXPECT_EQ(tps[0], p0);
  EXPECT_EQ(flow.stored_positions().at(p0), 5); // still there for the commit
  flow.revoke(tps, dropped);
  EXPECT_TRUE(b->flags[0].second->load());
  EXPECT_EQ(flow.stats().revoke_drains, 1u);
  EXPECT_EQ(flow.stats().revoke_drain_timeouts, 0u);
  EXPECT_FALSE(flow.revoke_pending());
}

TEST_F(consumer_flow_test, revoke_drain_takes_and_dispatches_nothing_of_its_partitions) {
  flow.assign({p0, p1});
  flow.grant(100);
  flow.pause_changes();
  take(p0, 0, 2);
  auto b = flow.next_batch();
  ASSERT_TRUE(b);
  ASSERT_TRUE(flow.begin_revoke({p0}, t0, dropped));
  // A record polled meanwhile belongs to the next owner; p1 flows on.
  EXPECT_EQ(flow.take(rec(p0, 2), 0, 0, dropped), consumer_flow::intake::dropped);
  EXPECT_EQ(flow.take(rec(p1, 0), 0, 0, dropped), consumer_flow::intake::held);
  auto next = flow.next_batch();
  ASSERT_TRUE(next);
  for (auto& r : next->records)
    EXPECT_EQ(flow.partition(r.part), p1);
  // The draining partition pauses (it fetches for nobody), the other one does not.
  auto changes = flow.pause_changes();
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].tp, p0);
  EXPECT_TRUE(changes[0].pause);
  EXPECT_TRUE(flow.at_end().empty());
}

TEST_F(consumer_flow_test, revoke_drain_ends_at_its_deadline_and_late_acks_are_fenced) {
  flow.assign({p0});
  flow.grant(100);
  take(p0, 0, 5);
  auto b = flow.next_batch();
  ASSERT_TRUE(b);
  ASSERT_TRUE(flow.begin_revoke({p0}, t0, dropped));
  EXPECT_FALSE(flow.revoke_due(t0 + 1999ms));
  EXPECT_TRUE(flow.revoke_due(t0 + 2000ms)); // revoke_drain's default
  auto tps = flow.take_revoke(t0 + 2000ms);
  flow.revoke(tps, dropped);
  EXPECT_EQ(flow.stats().revoke_drain_timeouts, 1u);
  EXPECT_TRUE(b->flags[0].second->load()); // lanes skip the rest of it now
  EXPECT_TRUE(flow.ack(b->id).empty());
  EXPECT_EQ(flow.stats().fenced_acks, 1u);
}

TEST_F(consumer_flow_test, revoke_without_in_flight_work_or_with_the_drain_off_does_not_wait) {
  flow.assign({p0});
  flow.grant(100);
  take(p0, 0, 3); // held only
  EXPECT_FALSE(flow.begin_revoke({p0}, t0, dropped));
  EXPECT_EQ(flow.take_revoke(t0).size(), 1u);
  EXPECT_EQ(flow.stats().revoke_drains, 0u);

  auto s = settings();
  s.revoke_drain = 0ms;
  consumer_flow off{s};
  off.assign({p0});
  off.grant(100);
  off.take(flow_record{&storage[0], off.intern(p0), 0, 10}, 0, 0, dropped);
  ASSERT_TRUE(off.next_batch());
  EXPECT_FALSE(off.begin_revoke({p0}, t0, dropped));
}

TEST_F(consumer_flow_test, a_second_revoke_joins_the_pending_drain_and_keeps_its_deadline) {
  flow.assign({p0, p1});
  flow.grant(100);
  take(p0, 0, 2);
  ASSERT_TRUE(flow.next_batch());
  take(p1, 0, 2);
  ASSERT_TRUE(flow.next_batch());
  ASSERT_TRUE(flow.begin_revoke({p0}, t0, dropped));
  ASSERT_TRUE(flow.begin_revoke({p1}, t0 + 1500ms, dropped));
  EXPECT_EQ(flow.revoking().size(), 2u);
  EXPECT_TRUE(flow.revoke_due(t0 + 2000ms));
  EXPECT_EQ(flow.take_revoke(t0 + 2000ms).size(), 2u);
  EXPECT_EQ(flow.stats().revoke_drains, 1u);
}

// -- fair share (partition lanes) ---------------------------------------------------------

namespace {

bool paused_in(const std::vector<consumer_flow::pause_change>& changes,
               const topic_partition& tp, bool pause) {
  for (auto& c : changes)
    if (c.tp == tp && c.pause == pause)
      return true;
  return false;
}

} // namespace

class fair_share_test : public consumer_flow_test {
protected:
  consumer_flow f{fair()};

  flow_settings fair() {
    auto s = settings();
    s.fair_share = true;
    s.min_share = 1;
    s.max_in_flight_bytes = 1u << 20;
    return s;
  }

  void take_into(const topic_partition& tp, int64_t from, int64_t n) {
    for (int64_t i = 0; i < n; ++i)
      f.take(flow_record{&storage[static_cast<size_t>(from + i)], f.intern(tp), from + i, 10},
             0, 0, dropped);
  }

  std::vector<uint64_t> dispatch_all() {
    std::vector<uint64_t> ids;
    while (auto b = f.next_batch())
      ids.push_back(b->id);
    return ids;
  }

  void SetUp() override {
    f.assign({p0, p1});
    f.grant(40); // window 40, two partitions: a share of 20
    f.pause_changes(); // the initial state: both resumed
  }
};

TEST_F(fair_share_test, a_slow_partition_filling_the_window_pauses_and_resumes_at_half) {
  // A run of one partition fills the window, as librdkafka hands out a backlog.
  take_into(p0, 0, 40);
  auto ids = dispatch_all();
  ASSERT_EQ(ids.size(), 4u);
  f.tick(t0, 0); // first seen in flight
  EXPECT_TRUE(f.pause_changes().empty());
  f.tick(t0 + 100ms, 0); // younger than the grace period
  EXPECT_TRUE(f.pause_changes().empty());
  f.tick(t0 + 250ms, 0); // starved that long too: everything pauses
  EXPECT_TRUE(paused_in(f.pause_changes(), p0, true));
  EXPECT_EQ(f.stats().share_pauses, 1u);
  // Credit coming back goes to the other partition: p0 stays paused above half its share.
  f.ack(ids[0]);
  f.grant(10);
  auto changes = f.pause_changes();
  EXPECT_TRUE(paused_in(changes, p1, false));
  EXPECT_FALSE(paused_in(changes, p0, false));
  f.ack(ids[1]);
  f.grant(10); // p0: 20 in flight
  EXPECT_TRUE(f.pause_changes().empty());
  EXPECT_EQ(f.records_wanted(), 10);
  take_into(p1, 0, 10);
  f.ack(ids[2]);
  f.grant(10); // p0: 10 in flight, half of 20
  EXPECT_TRUE(paused_in(f.pause_changes(), p0, false));
  EXPECT_EQ(f.stats().share_pauses, 1u);
}

TEST_F(fair_share_test, a_fast_handler_or_a_window_with_room_pauses_nothing) {
  // Full, but every batch is acknowledged before it gets old: a fast handler.
  for (int round = 0; round < 5; ++round) {
    take_into(p0, round * 40, 40);
    auto ids = dispatch_all();
    f.tick(t0 + round * 150ms, 0);
    for (auto id : ids) {
      f.ack(id);
      f.grant(10);
    }
  }
  EXPECT_TRUE(f.pause_changes().empty());
  // Old batches, but room in the window: the other partition's records still come in.
  take_into(p0, 1000, 30);
  dispatch_all();
  f.tick(t0 + 1s, 0);
  f.tick(t0 + 2s, 0);
  EXPECT_TRUE(f.pause_changes().empty());
  EXPECT_EQ(f.stats().share_pauses, 0u);
}

TEST_F(consumer_flow_test, fair_share_is_off_by_default_and_for_a_single_partition) {
  flow.assign({p0, p1});
  flow.grant(40);
  flow.pause_changes();
  take(p0, 0, 40);
  auto first = flow.next_batch();
  ASSERT_TRUE(first);
  while (flow.next_batch()) {
  }
  flow.tick(t0, 0);
  flow.tick(t0 + 1s, 0); // old, full, one partition: only the starved pause of everything
  flow.pause_changes();
  flow.ack(first->id);
  flow.grant(10);
  EXPECT_TRUE(paused_in(flow.pause_changes(), p0, false)); // and credit resumes it
  EXPECT_EQ(flow.stats().share_pauses, 0u);
  auto s = settings();
  s.fair_share = true;
  s.min_share = 1;
  consumer_flow one{s};
  one.assign({p0});
  one.grant(40);
  one.pause_changes();
  for (int64_t i = 0; i < 40; ++i)
    one.take(flow_record{&storage[static_cast<size_t>(i)], one.intern(p0), i, 10}, 0, 0,
             dropped);
  auto one_first = one.next_batch();
  ASSERT_TRUE(one_first);
  while (one.next_batch()) {
  }
  one.tick(t0, 0);
  one.tick(t0 + 1s, 0);
  one.pause_changes();
  one.ack(one_first->id);
  one.grant(10);
  EXPECT_TRUE(paused_in(one.pause_changes(), p0, false)); // alone, its share is the window
  EXPECT_EQ(one.stats().share_pauses, 0u);
}

TEST_F(fair_share_test, a_revoke_clears_the_pause) {
  take_into(p0, 0, 40);
  dispatch_all();
  f.tick(t0, 0);
  f.tick(t0 + 250ms, 0);
  EXPECT_TRUE(paused_in(f.pause_changes(), p0, true));
  f.revoke({p0}, dropped);
  f.assign({p0}); // back again: not paused for a share it no longer holds
  f.grant(40);   // (nor starved)
  EXPECT_TRUE(paused_in(f.pause_changes(), p0, false));
}

TEST_F(consumer_flow_test, the_oldest_pending_timestamp_is_per_partition_held_or_in_flight) {
  flow.assign({p0, p1});
  flow.grant(5);
  auto stamped = [&](const topic_partition& tp, int64_t offset, int64_t ts) {
    auto r = rec(tp, offset);
    r.timestamp = ts;
    flow.take(r, 0, 0, dropped);
  };
  EXPECT_TRUE(flow.oldest_pending_timestamps().empty()) << "nothing taken, no time lag";
  for (int64_t i = 0; i < 8; ++i)
    stamped(p0, i, 1000 + i);
  stamped(p1, 0, 5000);
  auto b = flow.next_batch(); // p0 0..4 in flight, p0 5..7 and p1 0 held
  ASSERT_TRUE(b);
  ASSERT_EQ(b->records.size(), 5u);
  auto oldest = flow.oldest_pending_timestamps();
  EXPECT_EQ(oldest.at(p0), 1000) << "the in-flight batch holds p0's oldest";
  EXPECT_EQ(oldest.at(p1), 5000) << "held only";
  flow.ack(b->id);
  oldest = flow.oldest_pending_timestamps();
  EXPECT_EQ(oldest.at(p0), 1005) << "acknowledged records no longer count";
  flow.grant(10);
  while (auto next = flow.next_batch())
    flow.ack(next->id);
  EXPECT_TRUE(flow.oldest_pending_timestamps().empty());
  // A record without a timestamp (-1) gives no time lag; a revoked partition none either.
  stamped(p0, 8, -1);
  stamped(p1, 1, 7000);
  flow.revoke({p1}, dropped);
  EXPECT_TRUE(flow.oldest_pending_timestamps().empty());
}
