// Every way out of a consumer, and a consumer that waits a long time: regression tests for the
// hardening issue (each failed, crashed or hung on the code before it).

#include <atomic>
#include <optional>
#include <thread>

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <librdkafka/rdkafka.h>

#include "kafka_actors/runtime/reaper.hpp"
#include "support/gate.hpp"
#include "support/service_fixture.hpp"

using namespace kafka_actors;
using namespace kafka_actors::test;
using namespace std::chrono_literals;

namespace {

class lifecycle_test : public service_fixture {
protected:
  // A fresh one-partition topic of `count` records, all handled by a new subscription of
  // `group` into `got`: its consumer id, or nothing (with the test failed).
  std::optional<uint64_t> consume_fresh_topic(const std::string& topic, const std::string& group,
                                              size_t count, collector& got) {
    if (auto err = create_topic(topic_config{topic, 1, 1, {}})) {
      ADD_FAILURE() << describe(err);
      return std::nullopt;
    }
    if (auto failed = send(numbered(topic, "m", 0, count))) {
      ADD_FAILURE() << failed << " records not delivered";
      return std::nullopt;
    }
    auto id = subscribe(subscription{{topic}, group, got.handler()});
    if (!id || !got.wait_for(count)) {
      ADD_FAILURE() << "subscription of " << group << " did not handle " << count << " records";
      return std::nullopt;
    }
    return *id;
  }

  // A consumer spawned directly (not supervised), on the fixture's cluster.
  consumer_actor direct_consumer(const std::string& topic, const std::string& group,
                                 collector& got) {
    auto c = spawn_consumer(*sys, cfg, subscription{{topic}, group, got.handler()});
    EXPECT_TRUE(c) << describe(c.error());
    return c ? *c : consumer_actor{};
  }

  /// The positions consumer `c` has stored for commit, summed over its partitions.
  int64_t stored_by(const consumer_actor& c) {
    int64_t stored = 0;
    (*self)->request(c, call_timeout, status_atom_v)
      .receive([&](consumer_status& s) {
                 for (auto& [tp, off] : s.stored)
                   stored += off;
               },
               [](caf::error&) {});
    return stored;
  }

  // Everything handed to the reaper is gone and the handle count is back at `base`.
  bool handles_back_to(int64_t base) {
    return await([&] {
      await_reaper();
      return live_client_handles() == base;
    });
  }

  bool ready(uint64_t id, caf::error* failure = nullptr) {
    bool out = false;
    (*self)->request(service, call_timeout, ready_atom_v, id)
      .receive([&](bool) { out = true; },
               [&](caf::error& err) {
                 if (failure)
                   *failure = err;
               });
    return out;
  }
};

// A handler actor written by a user: grants credit when its consumer joins, acks every batch.
struct user_handler_state {
  collector* got = nullptr;
  int64_t credit = 100;
  std::atomic<int>* joins = nullptr;
};

handler_actor::behavior_type
user_handler(handler_actor::stateful_pointer<user_handler_state> self, collector* got,
             std::atomic<int>* joins) {
  self->state.got = got;
  self->state.joins = joins;
  return {
    [=](join_atom, const consumer_actor& c) {
      ++*self->state.joins;
      self->send(c, credit_atom_v, self->state.credit);
    },
    [=](const record_batch_ptr& b, const consumer_actor& c) {
      b->for_each([&](const record& r) { self->state.got->add(r); });
      self->send(c, ack_atom_v, b->id(), static_cast<int64_t>(b->size()));
    },
  };
}

} // namespace

TEST_F(lifecycle_test, idle_consumer_stays_in_its_group_past_max_poll_interval) {
  cfg.consumer["session.timeout.ms"] = "3000";
  cfg.consumer["max.poll.interval.ms"] = "3000";
  cfg.consumer["heartbeat.interval.ms"] = "1000";
  cfg.flow.pause_grace = 100ms;
  start();
  auto topic = unique_topic("idle");
  ASSERT_FALSE(create_topic(topic_config{topic, 2, 1, {}}));
  ASSERT_EQ(send(numbered(topic, "before", 0, 10)), 0u);
  collector got;
  auto id = subscribe(subscription{{topic}, "idle-group", got.handler()});
  ASSERT_TRUE(id);
  ASSERT_TRUE(got.wait_for(10));
  auto before = status().consumers[*id];
  ASSERT_EQ(before.assigned.size(), 2u);
  // Nothing arrives for three times max.poll.interval.ms: the idle time is what is tested.
  std::this_thread::sleep_for(9s);
  auto after = status().consumers[*id];
  EXPECT_EQ(after.rebalances, before.rebalances) << after.last_error;
  EXPECT_EQ(after.assigned.size(), 2u);
  ASSERT_EQ(send(numbered(topic, "after", 0, 1)), 0u);
  EXPECT_TRUE(got.wait_for(11, 20s));
  EXPECT_TRUE(got.saw("after-0"));
  EXPECT_EQ(status().restarts, 0u);
}

TEST_F(lifecycle_test, consumer_dropped_without_stop_commits_and_releases_its_handle) {
  start();
  auto topic = unique_topic("dropped");
  ASSERT_FALSE(create_topic(topic_config{topic, 1, 1, {}}));
  ASSERT_EQ(send(numbered(topic, "first", 0, 100)), 0u);
  auto base = live_client_handles();
  {
    collector a;
    auto c = direct_consumer(topic, "dropped-group", a);
    ASSERT_TRUE(c);
    ASSERT_TRUE(a.wait_for(100));
    ASSERT_TRUE(await([&] { return stored_by(c) == 100; }));
    EXPECT_EQ(live_client_handles(), base + 1);
    // The last handle goes out of scope here: no stop, no exit message.
  }
  ASSERT_TRUE(handles_back_to(base)) << live_client_handles() << " vs " << base;
  // What was acknowledged was committed on the way out: a new member starts after it.
  ASSERT_EQ(send(numbered(topic, "second", 0, 10)), 0u);
  collector b;
  stop_on_exit stopper{*this}; // first to go: the handlers use the locals above
  ASSERT_TRUE(subscribe(subscription{{topic}, "dropped-group", b.handler()}));
  ASSERT_TRUE(b.wait_for(10));
  EXPECT_FALSE(b.saw("first-0"));
  EXPECT_EQ(b.total(), 10u);
}

TEST_F(lifecycle_test, exit_message_closes_the_consumer_without_a_crash) {
  start();
  auto topic = unique_topic("exitmsg");
  ASSERT_FALSE(create_topic(topic_config{topic, 2, 1, {}}));
  ASSERT_EQ(send(numbered(topic, "m", 0, 200)), 0u);
  auto base = live_client_handles();
  collector a;
  auto c = direct_consumer(topic, "exit-group", a);
  ASSERT_TRUE(a.wait_for(200));
  // Handled is not yet acknowledged: an exit before the acks arrive rightly redelivers.
  ASSERT_TRUE(await([&] { return stored_by(c) == 200; }));
  caf::anon_send_exit(c, caf::exit_reason::user_shutdown);
  c = nullptr;
  ASSERT_TRUE(handles_back_to(base));
  collector b;
  stop_on_exit stopper{*this}; // first to go: the handlers use the locals above
  ASSERT_TRUE(subscribe(subscription{{topic}, "exit-group", b.handler()}));
  ASSERT_EQ(send(numbered(topic, "n", 0, 5)), 0u);
  ASSERT_TRUE(b.wait_for(5));
  EXPECT_FALSE(b.saw("m-0"));
}

TEST_F(lifecycle_test, exception_in_handler_restarts_and_redelivers_the_record) {
  start();
  auto topic = unique_topic("throws");
  ASSERT_FALSE(create_topic(topic_config{topic, 1, 1, {}}));
  ASSERT_EQ(send(numbered(topic, "x", 0, 50)), 0u);
  collector got;
  std::atomic<int> calls_on_x20{0};
  subscription sub{{topic}, "throw-group"};
  sub.on_record = [&](const record& r) -> caf::error {
    if (r.payload() == "x-20" && calls_on_x20.fetch_add(1) == 0)
      throw std::runtime_error("handler blew up");
    got.add(r);
    return caf::none;
  };
  stop_on_exit stopper{*this}; // first to go: the handlers use the locals above
  ASSERT_TRUE(subscribe(std::move(sub)));
  ASSERT_TRUE(got.wait_for(50, 60s));
  EXPECT_EQ(calls_on_x20.load(), 2); // it threw once, then was delivered again
  auto st = status();
  EXPECT_EQ(st.restarts, 1u) << st.last_failure;
  EXPECT_NE(st.last_failure.find("handler blew up"), std::string::npos) << st.last_failure;
}

TEST_F(lifecycle_test, service_destroyed_without_stop_all_leaves_nothing_running) {
  start();
  auto topic = unique_topic("nostopall");
  ASSERT_FALSE(create_topic(topic_config{topic, 2, 1, {}}));
  ASSERT_EQ(send(numbered(topic, "m", 0, 100)), 0u);
  collector got;
  ASSERT_TRUE(subscribe(subscription{{topic}, "nostopall-group", got.handler()}));
  ASSERT_TRUE(got.wait_for(100)) << got.distinct() << " of 100; " << status_summary();
  // Drop the service and the actor system without stop_all.
  service = nullptr;
  self.reset();
  sys.reset(); // must neither hang nor crash
  await_reaper();
  SUCCEED();
}

TEST_F(lifecycle_test, stop_all_of_five_busy_consumers_on_two_workers_answers) {
  sys_cfg_hook = [](actor_system_config& c) { c.set("scheduler.max-threads", size_t{2}); };
  cfg.flow.drain_timeout = 500ms;
  start();
  gate blocked;
  open_on_exit guard{blocked};
  std::vector<std::unique_ptr<collector>> cs;
  for (int i = 0; i < 5; ++i) {
    auto topic = unique_topic("five");
    ASSERT_FALSE(create_topic(topic_config{topic, 1, 1, {}}));
    ASSERT_EQ(send(numbered(topic, "m", 0, 2000)), 0u);
    cs.push_back(std::make_unique<collector>());
    subscription sub{{topic}, "five-" + std::to_string(i)};
    auto* c = cs.back().get();
    sub.on_record = [c, &blocked](const record& r) -> caf::error {
      c->add(r);
      if (c->total() == 10)
        blocked.pass(); // each lane holds a batch, its mailbox more
      return caf::none;
    };
    ASSERT_TRUE(subscribe(std::move(sub)));
  }
  ASSERT_TRUE(await([&] {
    for (auto& c : cs)
      if (c->total() < 10)
        return false;
    return true;
  }));
  auto t0 = std::chrono::steady_clock::now();
  bool answered = false;
  (*self)->request(service, 60s, stop_all_atom_v)
    .receive([&](bool) { answered = true; }, [](caf::error&) {});
  blocked.open();
  EXPECT_TRUE(answered);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 30s);
  service = nullptr;
  // The lanes' threads may still be inside a handler that uses `blocked` and `cs`: the
  // system (which waits for every actor) goes before they do (UBSan saw a dead gate read).
  self.reset();
  sys.reset();
}

TEST_F(lifecycle_test, stop_with_every_broker_down_honours_the_stop_deadline) {
  cfg.flow.drain_timeout = 200ms;
  cfg.flow.stop_timeout = 2000ms;
  start();
  auto topic = unique_topic("down");
  ASSERT_FALSE(create_topic(topic_config{topic, 2, 1, {}}));
  ASSERT_EQ(send(numbered(topic, "m", 0, 20)), 0u);
  collector got;
  auto id = subscribe(subscription{{topic}, "down-group", got.handler()});
  ASSERT_TRUE(id);
  ASSERT_TRUE(got.wait_for(20));
  for (int b = 1; b <= 3; ++b)
    ASSERT_FALSE(cluster->set_broker_down(b));
  auto t0 = std::chrono::steady_clock::now();
  auto final_status = stop_subscription(*id);
  auto took = std::chrono::steady_clock::now() - t0;
  ASSERT_TRUE(final_status) << describe(final_status.error());
  EXPECT_LT(took, 6s); // the stop deadline plus scheduling slack, not forever
  if (final_status->stop_deadline_passed)
    EXPECT_NE(final_status->last_error.find("stop deadline"), std::string::npos);
  for (int b = 1; b <= 3; ++b)
    ASSERT_FALSE(cluster->set_broker_up(b));
}

TEST_F(lifecycle_test, stop_during_a_slow_backlog_takes_no_more_records) {
  cfg.flow.consumer_max_in_flight = 100;
  cfg.flow.consumer_batch_size = 50;
  cfg.flow.drain_timeout = 1500ms;
  start();
  auto topic = unique_topic("slowstop");
  ASSERT_FALSE(create_topic(topic_config{topic, 1, 1, {}}));
  message_batch records;
  for (int i = 0; i < 20000; ++i)
    records.push_back(message{topic, std::string(1024, 'x') + std::to_string(i)});
  ASSERT_EQ(send(records), 0u);
  std::atomic<int> handled{0};
  subscription sub{{topic}, "slowstop-group"};
  sub.on_record = [&](const record&) -> caf::error {
    ++handled;
    std::this_thread::sleep_for(20ms); // a slow handler: blocking is the point
    return caf::none;
  };
  stop_on_exit stopper{*this}; // first to go: the handlers use the locals above
  auto id = subscribe(std::move(sub));
  ASSERT_TRUE(id);
  ASSERT_TRUE(await([&] { return handled.load() >= 1; }));
  (*self)->send(service, stop_atom_v, *id);
  uint64_t max_held = 0;
  uint64_t max_dispatched = 0;
  auto t0 = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - t0 < 1200ms) {
    auto st = status();
    auto i = st.consumers.find(*id);
    if (i == st.consumers.end())
      break;
    max_held = std::max(max_held, i->second.held);
    max_dispatched = std::max(max_dispatched, i->second.dispatched);
  }
  // Before: the drain pulled almost the whole backlog into `held`. Now only what raced the
  // pause, within one batch, and nothing dispatched past the credit.
  EXPECT_LE(max_held, 100u);
  EXPECT_LE(max_dispatched, 150u);
}

TEST_F(lifecycle_test, handler_actor_subscribed_through_the_service_gets_every_record) {
  start();
  auto topic = unique_topic("actorhandler");
  ASSERT_FALSE(create_topic(topic_config{topic, 3, 1, {}}));
  ASSERT_EQ(send(numbered(topic, "m", 0, 100)), 0u);
  collector got;
  std::atomic<int> joins{0};
  auto h = sys->spawn(user_handler, &got, &joins);
  subscription sub{{topic}, "actor-handler-group"};
  sub.handler = h;
  auto id = subscribe(std::move(sub));
  ASSERT_TRUE(id);
  ASSERT_TRUE(got.wait_for(100, 30s)) << got.total();
  EXPECT_EQ(joins.load(), 1);
  EXPECT_EQ(got.duplicates(), 0u);
  caf::anon_send_exit(h, caf::exit_reason::user_shutdown);
}

TEST_F(lifecycle_test, handler_actor_is_joined_again_after_its_consumer_restarts) {
  start();
  auto topic = unique_topic("rejoin");
  ASSERT_FALSE(create_topic(topic_config{topic, 1, 1, {}}));
  ASSERT_EQ(send(numbered(topic, "a", 0, 10)), 0u);
  collector got;
  std::atomic<int> joins{0};
  auto h = sys->spawn(user_handler, &got, &joins);
  // A fail for a live batch makes the consumer fail; the service restarts it.
  std::atomic<bool> fail_once{true};
  stop_on_exit stopper{*this}; // first to go: the handlers use the locals above
  auto failing = sys->spawn([&, h](handler_actor::pointer self) -> handler_actor::behavior_type {
    return {
      [=](join_atom, const consumer_actor& c) { self->send(h, join_atom_v, c); },
      [=, &fail_once](const record_batch_ptr& b, const consumer_actor& c) {
        if (fail_once.exchange(false)) {
          self->send(c, fail_atom_v, b->id(), make_error(errc::handler_failed, "once"));
          return;
        }
        self->send(h, b, c);
      },
    };
  });
  subscription sub{{topic}, "rejoin-group"};
  sub.handler = failing;
  ASSERT_TRUE(subscribe(std::move(sub)));
  ASSERT_TRUE(got.wait_for(10, 60s)) << got.total();
  EXPECT_EQ(joins.load(), 2);
  EXPECT_EQ(status().restarts, 1u);
  caf::anon_send_exit(failing, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(h, caf::exit_reason::user_shutdown);
}

TEST_F(lifecycle_test, non_retriable_record_under_a_breaker_fails_instead_of_spinning) {
  cfg.flow.max_restarts = 2;
  start();
  auto topic = unique_topic("nonretriable");
  ASSERT_FALSE(create_topic(topic_config{topic, 1, 1, {}}));
  ASSERT_EQ(send(numbered(topic, "r", 0, 10)), 0u);
  std::atomic<uint64_t> calls_on_bad{0};
  subscription sub{{topic}, "nonretriable-group"};
  sub.breaker = breaker_config{};
  sub.on_record = [&](const record& r) -> caf::error {
    if (r.payload() == "r-3") {
      ++calls_on_bad;
      return make_error(errc::non_retriable, "cannot parse r-3");
    }
    return caf::none;
  };
  stop_on_exit stopper{*this}; // first to go: the handlers use the locals above
  auto id = subscribe(std::move(sub));
  ASSERT_TRUE(id);
  ASSERT_TRUE(await([&] { return status().failed.count(*id) == 1; }, 30s));
  // Once per run (first run and two restarts), never a tight loop.
  EXPECT_EQ(calls_on_bad.load(), 3u);
  auto why = status().failed[*id];
  EXPECT_NE(why.find("r-3"), std::string::npos) << why;
  caf::error failure;
  EXPECT_FALSE(ready(*id, &failure));
  EXPECT_NE(describe(failure).find("gave up"), std::string::npos) << describe(failure);
}

TEST_F(lifecycle_test, subscribe_racing_stop_all_starts_no_consumer) {
  start();
  auto topic = unique_topic("race");
  ASSERT_FALSE(create_topic(topic_config{topic, 1, 1, {}}));
  subscription sub{{topic}, "race-group"};
  sub.on_record = [](const record&) -> caf::error { return caf::none; };
  sub.retry = retry_policy{}; // its topics are created first: the window for the race
  auto sub_req = (*self)->request(service, call_timeout, subscribe_atom_v, std::move(sub));
  auto stop_req = (*self)->request(service, call_timeout, stop_all_atom_v);
  caf::error sub_err;
  bool subscribed = false;
  std::move(sub_req).receive([&](uint64_t) { subscribed = true; },
                             [&](caf::error& e) { sub_err = e; });
  std::move(stop_req).receive([](bool) {}, [](caf::error&) {});
  service = nullptr;
  EXPECT_FALSE(subscribed);
  EXPECT_EQ(code_of(sub_err), errc::stopped) << describe(sub_err);
}

TEST_F(lifecycle_test, retry_forwards_reach_the_dead_letter_topic_after_a_producer_restart) {
  start();
  auto topic = unique_topic("prodrestart");
  ASSERT_FALSE(create_topic(topic_config{topic, 1, 1, {}}));
  collector dlt;
  std::atomic<int> good{0};
  subscription sub{{topic}, "prodrestart-group"};
  sub.retry = retry_policy{};
  sub.retry->in_place_attempts = 1;
  sub.retry->retry_topic_delays = {};
  sub.on_record = [&](const record& r) -> caf::error {
    if (r.payload().rfind("bad", 0) == 0)
      return make_error(errc::non_retriable, "bad record");
    ++good;
    return caf::none;
  };
  stop_on_exit stopper{*this}; // first to go: the handlers use the locals above
  ASSERT_TRUE(subscribe(std::move(sub)));
  ASSERT_TRUE(subscribe(subscription{{topic + ".dlt"}, "prodrestart-dlt", dlt.handler()}));
  ASSERT_FALSE(send_one(message{topic, "bad-before"}));
  ASSERT_TRUE(dlt.wait_for(1));
  // Kill the service's producer: it restarts it, and forwards must follow.
  producer_actor old;
  (*self)->request(service, call_timeout, producer_atom_v)
    .receive([&](producer_actor& p) { old = p; }, [](caf::error&) {});
  ASSERT_TRUE(old);
  caf::anon_send_exit(old, caf::exit_reason::kill);
  ASSERT_TRUE(await([&] {
    producer_actor now;
    (*self)->request(service, call_timeout, producer_atom_v)
      .receive([&](producer_actor& p) { now = p; }, [](caf::error&) {});
    return now && now != old;
  }));
  ASSERT_FALSE(send_one(message{topic, "bad-after"}));
  ASSERT_FALSE(send_one(message{topic, "good-after"}));
  ASSERT_TRUE(dlt.wait_for(2, 30s));
  EXPECT_TRUE(dlt.saw("bad-after"));
  EXPECT_TRUE(await([&] { return good.load() == 1; }));
  EXPECT_EQ(status().restarts, 0u); // no fail/restart loop of the subscription
}

TEST_F(lifecycle_test, records_the_retry_policy_drops_are_counted) {
  start();
  auto topic = unique_topic("drops");
  ASSERT_FALSE(create_topic(topic_config{topic, 1, 1, {}}));
  subscription sub{{topic}, "drops-group"};
  sub.retry = retry_policy{};
  sub.retry->in_place_attempts = 1;
  sub.retry->retry_topic_delays = {};
  sub.retry->dead_letter = false;
  std::atomic<int> calls{0};
  sub.on_record = [&](const record& r) -> caf::error {
    ++calls;
    return r.payload() == "m-2" ? make_error(errc::non_retriable, "no") : caf::error{};
  };
  stop_on_exit stopper{*this}; // first to go: the handlers use the locals above
  auto id = subscribe(std::move(sub));
  ASSERT_TRUE(id);
  ASSERT_EQ(send(numbered(topic, "m", 0, 5)), 0u);
  ASSERT_TRUE(await([&] { return status().consumers[*id].acked >= 1 && calls.load() == 5; }));
  EXPECT_TRUE(await([&] { return status().consumers[*id].dropped == 1; }));
}

TEST_F(lifecycle_test, handler_skips_queued_records_of_partitions_revoked_meanwhile) {
  cfg.flow.consumer_batch_size = 10;
  cfg.flow.consumer_max_in_flight = 100;
  start();
  auto topic = unique_topic("revoked");
  ASSERT_FALSE(create_topic(topic_config{topic, 1, 1, {}}));
  ASSERT_EQ(send(numbered(topic, "m", 0, 200)), 0u);
  collector a, b;
  gate blocked;
  open_on_exit guard{blocked};
  subscription sub_a{{topic}, "revoked-group"};
  sub_a.on_record = [&](const record& r) -> caf::error {
    blocked.pass(); // the first record stalls A's lane with ~10 batches queued behind it
    a.add(r);
    return caf::none;
  };
  auto ida = subscribe(std::move(sub_a));
  ASSERT_TRUE(ida);
  ASSERT_TRUE(await([&] { return status().consumers[*ida].dispatched >= 100; }));
  auto idb = subscribe(subscription{{topic}, "revoked-group", b.handler()});
  ASSERT_TRUE(idb);
  // B's join revokes A's partition (eager assignment revokes everything first).
  ASSERT_TRUE(await([&] { return status().consumers[*ida].rebalances >= 2; }, 60s));
  blocked.open();
  ASSERT_TRUE(await([&] { return a.distinct() + b.distinct() >= 200; }, 60s))
    << a.distinct() << " + " << b.distinct();
  // Whoever owns the partition now reads from the committed offset (nothing was committed):
  // A's queued old batches must not be worked on as well. Only the record A's handler was
  // inside when the revoke came may be handled twice.
  size_t twice = 0;
  for (int i = 0; i < 200; ++i) {
    auto p = "m-" + std::to_string(i);
    twice += (a.count(p) + b.count(p) > 1) ? 1 : 0;
  }
  EXPECT_LE(twice, 1u);
  shutdown(); // its handlers use this body's locals
}

TEST_F(lifecycle_test, fatal_consumer_error_fails_the_consumer_and_the_service_restarts_it) {
  // Static membership: a fenced instance id is fatal for a consumer in librdkafka.
  cfg.consumer["group.instance.id"] = "fatal-instance";
  start();
  collector got;
  stop_on_exit stopper{*this}; // first to go: the handlers use the locals above
  ASSERT_TRUE(consume_fresh_topic(unique_topic("fatal"), "fatal-group", 10, got));
  // The next heartbeats answer FENCED_INSTANCE_ID (API key 12 is Heartbeat).
  cluster->push_request_errors(12, 5, RD_KAFKA_RESP_ERR_FENCED_INSTANCE_ID);
  ASSERT_TRUE(await([&] { return status().restarts >= 1; }, 60s)) << status().last_failure;
  EXPECT_NE(status().last_failure.find("fatal"), std::string::npos) << status().last_failure;
}

TEST_F(lifecycle_test, group_authorization_failure_shows_in_status_and_fails_ready_at_once) {
  start();
  auto topic = unique_topic("authz");
  ASSERT_FALSE(create_topic(topic_config{topic, 1, 1, {}}));
  // Every JoinGroup (API key 11) for a while answers GROUP_AUTHORIZATION_FAILED.
  cluster->push_request_errors(11, 100, RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED);
  collector got;
  auto id = subscribe(subscription{{topic}, "authz-group", got.handler()});
  ASSERT_TRUE(id);
  caf::error failure;
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_FALSE(ready(*id, &failure));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 15s);
  EXPECT_NE(describe(failure).find("authorization"), std::string::npos) << describe(failure);
  EXPECT_NE(status().consumers[*id].failure.find("authorization"), std::string::npos);
}

TEST_F(lifecycle_test, a_failed_offset_commit_is_counted_and_named_in_status) {
  cfg.consumer["auto.commit.interval.ms"] = "100";
  start();
  auto topic = unique_topic("commit-fails");
  collector got;
  stop_on_exit stopper{*this}; // first to go: the handlers use the locals above
  auto id = consume_fresh_topic(topic, "commit-fails-group", 20, got);
  ASSERT_TRUE(id);
  EXPECT_EQ(status().consumers[*id].commit_failures, 0u);
  // The next OffsetCommits (API key 8) are refused; the offsets of the 20 records are stored
  // and the auto-commit tries them within 100 ms.
  cluster->push_request_errors(8, 3, RD_KAFKA_RESP_ERR_OFFSET_METADATA_TOO_LARGE);
  ASSERT_EQ(send(numbered(topic, "n", 0, 5)), 0u); // a new offset to commit
  ASSERT_TRUE(got.wait_for(25));
  ASSERT_TRUE(await([&] { return status().consumers[*id].commit_failures >= 1; }, 30s));
  auto s = status().consumers[*id];
  EXPECT_NE(s.last_commit_error.find(topic + "[0]@"), std::string::npos) << s.last_commit_error;
  EXPECT_NE(s.last_commit_error.find("OFFSET_METADATA_TOO_LARGE"), std::string::npos)
    << s.last_commit_error;
  EXPECT_NE(s.last_commit_error.find("commit-fails-group"), std::string::npos)
    << s.last_commit_error;
}
