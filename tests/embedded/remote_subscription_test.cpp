// Remote subscriptions in one process (issue 13): the handler is an actor reached through a
// remote feed, exactly as one on another node (tests/node covers the wire). Records and
// their content arrive whole; records out never exceed the handler's credit and the
// consumer pauses without it; a lost handler's unacknowledged records go to the next handler
// that subscribes for the group, none lost and none twice; no handler within the deadline
// stops the subscription with a clear error; a failed batch comes again.

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <caf/typed_event_based_actor.hpp>

#include "support/service_fixture.hpp"

using namespace kafka_actors;
using namespace kafka_actors::test;
using namespace std::chrono_literals;

namespace {

// What handlers saw, shared with the test thread.
struct seen_log {
  std::mutex mtx;
  std::map<std::pair<int32_t, int64_t>, int> count; // (partition, offset) -> times
  std::map<std::pair<int32_t, int64_t>, std::string> content;
  int64_t held_records = 0; // received, not acknowledged (holding handler)
  int64_t max_held = 0;
  size_t batches = 0;

  size_t distinct() {
    std::lock_guard<std::mutex> g{mtx};
    return count.size();
  }
  size_t total() {
    std::lock_guard<std::mutex> g{mtx};
    size_t n = 0;
    for (auto& [k, c] : count)
      n += static_cast<size_t>(c);
    return n;
  }
  int64_t held() {
    std::lock_guard<std::mutex> g{mtx};
    return held_records;
  }
  void add(const remote_record& r) {
    std::lock_guard<std::mutex> g{mtx};
    ++count[{r.partition(), r.offset()}];
    content[{r.partition(), r.offset()}] = std::string{r.payload()};
  }
};

// A handler that grants `credit`, records what arrives and holds every batch unacknowledged
// until told to let go (ack_atom): then it acknowledges all it holds and every later batch.
using holding_handler = remote_handler_actor::extend<caf::reacts_to<ack_atom>>;

holding_handler::behavior_type holding_impl(holding_handler::pointer self,
                                            std::shared_ptr<seen_log> log, int64_t credit) {
  auto held = std::make_shared<std::vector<std::pair<remote_feed_actor, remote_batch>>>();
  auto open = std::make_shared<bool>(false);
  return {
    [=](join_atom, remote_feed_actor feed) { self->send(feed, credit_atom_v, credit); },
    [=](remote_batch& b, remote_feed_actor feed) {
      {
        std::lock_guard<std::mutex> g{log->mtx};
        log->held_records += b.credit;
        log->max_held = std::max(log->max_held, log->held_records);
        ++log->batches;
      }
      auto malformed = b.for_each([&](const remote_record& r) { log->add(r); });
      EXPECT_EQ(malformed, "");
      if (*open) {
        {
          std::lock_guard<std::mutex> g{log->mtx};
          log->held_records -= b.credit;
        }
        self->send(feed, ack_atom_v, b.id, b.credit);
      } else {
        held->emplace_back(feed, std::move(b));
      }
    },
    [=](ack_atom) {
      *open = true;
      for (auto& [feed, b] : *held) {
        {
          std::lock_guard<std::mutex> g{log->mtx};
          log->held_records -= b.credit;
        }
        self->send(feed, ack_atom_v, b.id, b.credit);
      }
      held->clear();
    },
  };
}

message_batch numbered(const std::string& topic, int n) {
  message_batch out;
  for (int i = 0; i < n; ++i) {
    message m;
    m.topic = topic;
    m.key = "k" + std::to_string(i);
    m.content = "v" + std::to_string(i);
    out.push_back(std::move(m));
  }
  return out;
}

class remote_subscription_test : public service_fixture {
protected:
  caf::expected<uint64_t> subscribe_remote(remote_subscription rs) {
    caf::expected<uint64_t> result{caf::error{}};
    (*self)->request(service, call_timeout, subscribe_atom_v, std::move(rs))
      .receive([&](uint64_t id) { result = id; }, [&](caf::error& err) { result = err; });
    return result;
  }

  consumer_status consumer_of(uint64_t id) {
    auto s = status();
    auto i = s.consumers.find(id);
    return i == s.consumers.end() ? consumer_status{} : i->second;
  }

  std::string topic;
  remote_subscription make(remote_handler_actor h, const std::string& group) {
    remote_subscription rs;
    rs.topics = {topic};
    rs.group = group;
    rs.handler = std::move(h);
    return rs;
  }

  void SetUp() override {
    start();
    topic = unique_topic("remote");
    ASSERT_FALSE(create_topic(topic_config{topic, 3, 1, {}}));
  }
};

} // namespace

TEST_F(remote_subscription_test, a_remote_handler_gets_every_record_with_its_content) {
  auto log = std::make_shared<seen_log>();
  stop_on_exit guard{*this};
  auto h = spawn_remote_record_handler(*sys, [log](const remote_record& r) -> caf::error {
    log->add(r);
    return {};
  }, 100);
  auto id = subscribe_remote(make(h, "g-content"));
  ASSERT_TRUE(id) << describe(id.error());
  ASSERT_EQ(send(numbered(topic, 2000)), 0u) << "records not delivered";
  ASSERT_TRUE(await([&] { return log->distinct() == 2000; }, 60s))
    << log->distinct() << " of 2000; " << status_summary();
  std::set<std::string> contents;
  {
    std::lock_guard<std::mutex> g{log->mtx};
    for (auto& [k, v] : log->content)
      contents.insert(v);
  }
  EXPECT_EQ(contents.size(), 2000u);
  EXPECT_TRUE(contents.count("v0") && contents.count("v1999"));
  EXPECT_EQ(log->total(), 2000u) << "no record twice without a failure";
  // Acknowledged: the offsets commit (lag 0 once the last acks are stored and committed).
  ASSERT_TRUE(await([&] {
    int64_t lag = -1;
    (*self)->request(service, call_timeout, lag_atom_v, std::string{"g-content"},
                     std::vector<std::string>{topic})
      .receive([&](int64_t n) { lag = n; }, [](caf::error&) {});
    return lag == 0;
  }, 60s));
  caf::anon_send_exit(h, caf::exit_reason::user_shutdown);
}

TEST_F(remote_subscription_test, records_out_never_exceed_the_handlers_credit) {
  auto log = std::make_shared<seen_log>();
  stop_on_exit guard{*this};
  auto h = sys->spawn(holding_impl, log, int64_t{20});
  auto id = subscribe_remote(make(caf::actor_cast<remote_handler_actor>(h), "g-credit"));
  ASSERT_TRUE(id) << describe(id.error());
  ASSERT_EQ(send(numbered(topic, 1500)), 0u) << "records not delivered";
  // The handler holds everything: the consumer runs dry at 20 records and pauses.
  ASSERT_TRUE(await([&] { return consumer_of(*id).paused; }, 60s)) << status_summary();
  auto before = consumer_of(*id);
  EXPECT_GE(before.pauses, 1u);
  EXPECT_LE(log->held(), 20);
  EXPECT_GT(log->held(), 0);
  EXPECT_LE(log->distinct(), 20u);
  EXPECT_FALSE(before.assigned.empty()) << "a paused consumer keeps its partitions";
  (*self)->send(h, ack_atom_v);
  ASSERT_TRUE(await([&] { return log->distinct() == 1500; }, 60s))
    << log->distinct() << " of 1500; " << status_summary();
  EXPECT_LE(log->max_held, 20) << "records out never exceeded the handler's grant";
  EXPECT_EQ(consumer_of(*id).rebalances, before.rebalances) << "the member stayed in its group";
  caf::anon_send_exit(h, caf::exit_reason::user_shutdown);
}

TEST_F(remote_subscription_test, a_lost_handlers_records_go_to_the_next_handler_none_lost) {
  auto first = std::make_shared<seen_log>();
  auto second = std::make_shared<seen_log>();
  stop_on_exit guard{*this};
  auto a = sys->spawn(holding_impl, first, int64_t{50});
  auto id = subscribe_remote(make(caf::actor_cast<remote_handler_actor>(a), "g-handover"));
  ASSERT_TRUE(id) << describe(id.error());
  ASSERT_EQ(send(numbered(topic, 600)), 0u) << "records not delivered";
  ASSERT_TRUE(await([&] { return first->held() > 0 && consumer_of(*id).paused; }, 60s))
    << status_summary();
  auto lost = first->distinct();
  // While it lives, nobody else takes the subscription over.
  auto intruder = sys->spawn(holding_impl, second, int64_t{50});
  auto refused = subscribe_remote(make(caf::actor_cast<remote_handler_actor>(intruder),
                                       "g-handover"));
  ASSERT_FALSE(refused);
  EXPECT_NE(describe(refused.error()).find("live handler"), std::string::npos)
    << describe(refused.error());
  caf::anon_send_exit(intruder, caf::exit_reason::user_shutdown);
  // The handler dies holding its batches unacknowledged.
  caf::anon_send_exit(a, caf::exit_reason::kill);
  auto b = sys->spawn(holding_impl, second, int64_t{50});
  (*self)->send(b, ack_atom_v); // acknowledges as it goes
  caf::expected<uint64_t> again{caf::error{}};
  // The feed sees the loss (a down message) before it takes a new handler.
  ASSERT_TRUE(await([&] {
    again = subscribe_remote(make(caf::actor_cast<remote_handler_actor>(b), "g-handover"));
    return static_cast<bool>(again);
  }, 30s)) << describe(again.error());
  EXPECT_EQ(*again, *id) << "the same subscription, handed over";
  ASSERT_TRUE(await([&] { return second->distinct() == 600; }, 60s))
    << second->distinct() << " of 600 (the first handler held " << lost << "); "
    << status_summary();
  EXPECT_EQ(second->total(), 600u) << "each record once: the consumer never restarted";
  auto st = status();
  EXPECT_EQ(st.restarts, 0u);
  EXPECT_TRUE(st.failed.empty());
  caf::anon_send_exit(b, caf::exit_reason::user_shutdown);
}

TEST_F(remote_subscription_test, no_handler_within_the_deadline_stops_the_subscription) {
  auto log = std::make_shared<seen_log>();
  stop_on_exit guard{*this};
  auto a = sys->spawn(holding_impl, log, int64_t{10});
  auto rs = make(caf::actor_cast<remote_handler_actor>(a), "g-deadline");
  rs.handler_deadline_ms = 500;
  auto id = subscribe_remote(std::move(rs));
  ASSERT_TRUE(id) << describe(id.error());
  ASSERT_EQ(send(numbered(topic, 100)), 0u) << "records not delivered";
  ASSERT_TRUE(await([&] { return log->held() > 0; }, 60s)) << status_summary();
  caf::anon_send_exit(a, caf::exit_reason::kill);
  service_status st;
  ASSERT_TRUE(await([&] {
    st = status();
    return st.failed.count(*id) == 1 && st.consumers.count(*id) == 0;
  }, 60s)) << status_summary();
  EXPECT_NE(st.failed[*id].find("none subscribed again within 500 ms"), std::string::npos)
    << st.failed[*id];
  caf::error ready_err;
  (*self)->request(service, call_timeout, ready_atom_v, *id)
    .receive([](bool) {}, [&](caf::error& err) { ready_err = std::move(err); });
  EXPECT_TRUE(ready_err);
  // Nothing was acknowledged, so nothing was committed: a new group member reads it all.
  int64_t lag = -1;
  (*self)->request(service, call_timeout, lag_atom_v, std::string{"g-deadline"},
                   std::vector<std::string>{topic})
    .receive([&](int64_t n) { lag = n; }, [](caf::error&) {});
  EXPECT_TRUE(lag == 100 || lag == -1) << "lag " << lag;
}

TEST_F(remote_subscription_test, a_failed_batch_comes_again) {
  auto log = std::make_shared<seen_log>();
  auto failed_once = std::make_shared<std::atomic<bool>>(false);
  stop_on_exit guard{*this};
  auto h = spawn_remote_record_handler(*sys, [=](const remote_record& r) -> caf::error {
    if (r.payload() == "v7" && !failed_once->exchange(true))
      return make_error(errc::handler_failed, "refusing v7 once");
    log->add(r);
    return {};
  }, 100);
  auto id = subscribe_remote(make(h, "g-fail"));
  ASSERT_TRUE(id) << describe(id.error());
  ASSERT_EQ(send(numbered(topic, 300)), 0u) << "records not delivered";
  ASSERT_TRUE(await([&] { return log->distinct() == 300; }, 90s))
    << log->distinct() << " of 300; " << status_summary();
  EXPECT_TRUE(failed_once->load());
  auto st = status();
  EXPECT_GE(st.restarts, 1u) << "the failed batch stopped the consumer, the service restarted it";
  EXPECT_NE(st.last_failure.find("refusing v7 once"), std::string::npos) << st.last_failure;
  caf::anon_send_exit(h, caf::exit_reason::user_shutdown);
}

TEST_F(remote_subscription_test, bad_remote_subscriptions_are_refused_with_a_reason) {
  stop_on_exit guard{*this};
  remote_subscription none = make(remote_handler_actor{}, "g-bad");
  auto r = subscribe_remote(none);
  ASSERT_FALSE(r);
  EXPECT_NE(describe(r.error()).find("no handler actor"), std::string::npos);
  auto h = spawn_remote_record_handler(*sys, [](const remote_record&) { return caf::error{}; });
  auto zero = make(h, "g-bad");
  zero.handler_deadline_ms = 0;
  r = subscribe_remote(zero);
  ASSERT_FALSE(r);
  EXPECT_NE(describe(r.error()).find("handler_deadline_ms must be positive"), std::string::npos);
  auto bad_topic = make(h, "g-bad");
  bad_topic.topics = {"no spaces allowed"};
  r = subscribe_remote(bad_topic);
  ASSERT_FALSE(r);
  EXPECT_NE(describe(r.error()).find("no spaces allowed"), std::string::npos)
    << describe(r.error());
  EXPECT_TRUE(status().consumers.empty()) << "nothing half-started";
  caf::anon_send_exit(h, caf::exit_reason::user_shutdown);
}
