#include "kafka_actors/actors/kafka_service.hpp"

#include <algorithm>
#include <chrono>

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include "kafka_actors/actors/admin.hpp"
#include "kafka_actors/actors/metrics_collector.hpp"
#include "kafka_actors/actors/remote_feed.hpp"
#include "kafka_actors/runtime/monitoring_endpoint.hpp"
#include "kafka_actors/runtime/embedded_cluster.hpp"
#include "kafka_actors/runtime/errors.hpp"

namespace kafka_actors {

namespace {

using namespace std::chrono_literals;

constexpr auto min_backoff = std::chrono::milliseconds{200};
constexpr auto max_backoff = std::chrono::milliseconds{30000};
constexpr auto call_timeout = std::chrono::seconds{60};

// A run this long without failing counts as healthy: backoff and failure count start over.
constexpr auto healthy_run = std::chrono::seconds{60};

struct child {
  subscription sub;
  consumer_actor consumer;
  std::chrono::milliseconds backoff = min_backoff;
  bool stopping = false;
  /// Failed runs in a row.
  size_t failures = 0;
  std::chrono::steady_clock::time_point started_at{};
  /// The subscription a retry-topic consumer serves (0 for a subscription itself).
  uint64_t parent = 0;
  /// A remote subscription's feed (the consumer's handler): lives as long as the child.
  remote_feed_bridge feed;

  child(subscription s, consumer_actor c) : sub(std::move(s)), consumer(std::move(c)) {
  }
  child(child&&) = default;
  child& operator=(child&&) = default;
  ~child() {
    if (feed)
      caf::anon_send_exit(feed, caf::exit_reason::user_shutdown);
  }
};

struct service_state {
  static inline const char* name = "kafka-service";
  kafka_config cfg;
  std::shared_ptr<embedded_cluster> cluster;
  producer_actor producer;
  admin_actor admin;
  std::map<uint64_t, child> children;
  uint64_t next_id = 1;
  uint64_t restarts = 0;
  std::string last_failure;
  std::map<uint64_t, std::string> failed;
  // Subscribes still creating their retry topics: answered with errc::stopped by stop_all.
  std::map<uint64_t, caf::typed_response_promise<uint64_t>> pending_subscribes;
  uint64_t next_pending = 1;
  bool stopping = false;
  // Runs detached and holds the service weakly: told to quit when the service goes.
  metrics_collector_actor collector;

  ~service_state() {
    if (collector)
      caf::anon_send_exit(collector, caf::exit_reason::user_shutdown);
  }

  // How long a stop may take before the service gives up waiting for the consumer.
  std::chrono::milliseconds stop_wait() const {
    return cfg.flow.stop_timeout + std::chrono::seconds{5};
  }
};

using service_pointer = kafka_service_actor::stateful_pointer<service_state>;

caf::error start_consumer(service_pointer self, uint64_t id) {
  auto& c = self->state.children.at(id);
  auto hdl = spawn_consumer(self->system(), self->state.cfg, c.sub);
  if (!hdl)
    return hdl.error();
  c.consumer = *hdl;
  c.started_at = std::chrono::steady_clock::now();
  self->monitor(c.consumer);
  return caf::none;
}

// Spawns the consumers of one subscription: the source topics', and with a retry policy one
// per retry level, reading `<topic>.retry.<n>` in a group of its own and honouring due times.
caf::expected<uint64_t> start_subscription(service_pointer self, subscription sub) {
  auto& st = self->state;
  // Forwards go through the service to whichever producer it runs when they happen.
  if (sub.retry && !sub.producer)
    sub.forwarder = self->address();
  // One deduplication window for every run of the subscription: what a failed run handled
  // but had not committed comes again, and is dropped.
  if (sub.dedup && !sub.dedup_state)
    sub.dedup_state = std::make_shared<shared_dedup>(*sub.dedup);
  auto id = st.next_id++;
  std::vector<uint64_t> started;
  auto add = [&](subscription s, uint64_t parent) -> caf::error {
    auto cid = parent == 0 ? id : st.next_id++;
    auto& c = st.children.emplace(cid, child{std::move(s), consumer_actor{}}).first->second;
    c.parent = parent;
    if (auto err = start_consumer(self, cid)) {
      st.children.erase(cid);
      return err;
    }
    started.push_back(cid);
    return caf::none;
  };
  auto levels = sub.retry ? sub.retry->retry_topic_delays.size() : 0;
  auto base = sub;
  caf::error err = add(std::move(sub), 0);
  for (size_t n = 1; !err && n <= levels; ++n) {
    auto r = base;
    r.topics.clear();
    for (auto& t : base.topics)
      r.topics.push_back(retry_topic_name(t, static_cast<int>(n)));
    r.group = base.group + ".retry." + std::to_string(n);
    r.honor_due_header = true;
    err = add(std::move(r), id);
  }
  if (err) {
    for (auto cid : started) {
      auto& c = st.children.at(cid);
      c.stopping = true;
      self->request(c.consumer, st.stop_wait(), stop_atom_v)
            .then([](const consumer_status&) {}, [](const caf::error&) {});
    }
    return err;
  }
  return id;
}

// The retry and dead-letter topics a subscription needs.
std::vector<topic_config> retry_topics(const subscription& sub) {
  std::vector<topic_config> out;
  if (!sub.retry)
    return out;
  auto& p = *sub.retry;
  for (auto& t : sub.topics) {
    for (size_t n = 1; n <= p.retry_topic_delays.size(); ++n)
      out.push_back(topic_config{retry_topic_name(t, static_cast<int>(n)), p.topic_partitions,
                                 p.topic_replication, {}});
    if (p.dead_letter)
      out.push_back(topic_config{dead_letter_topic_name(t), p.topic_partitions,
                                 p.topic_replication, {}});
  }
  return out;
}

// Hands a send to the producer, or answers errc::stopped once there is none.
// The payload is moved on: CAF gives the handler the only reference to it, so the records
// are not copied on their way through the service.
template <class Report, class Atom, class Payload>
caf::delegated<Report> to_producer(service_pointer self, Atom atom, Payload& payload) {
  if (!self->state.producer) {
    self->make_response_promise<Report>().deliver(
      make_error(errc::stopped, "service has no producer (stopping)"));
    return {};
  }
  return self->delegate(self->state.producer, atom, std::move(payload));
}

// Stops every running consumer and calls `then()` once all of them answered.
template <class Then>
void stop_consumers(service_pointer self, Then then) {
  auto pending = std::make_shared<size_t>(0);
  auto ids = std::vector<uint64_t>{};
  for (auto& [id, c] : self->state.children)
    if (c.consumer)
      ids.push_back(id);
  if (ids.empty()) {
    then();
    return;
  }
  *pending = ids.size();
  for (auto id : ids) {
    auto& c = self->state.children.at(id);
    c.stopping = true;
    self->request(c.consumer, self->state.stop_wait(), stop_atom_v)
      .then([=](const consumer_status&) mutable { if (--*pending == 0) then(); },
            [=](const caf::error&) mutable { if (--*pending == 0) then(); });
  }
}

// The monitoring endpoint started before the service, for its collector to own.
struct monitoring_parts {
  std::shared_ptr<monitoring_board> board;
  std::shared_ptr<monitoring_endpoint> endpoint;
};

kafka_service_actor::behavior_type service_impl(service_pointer self,
                                                std::shared_ptr<kafka_config> cfg,
                                                std::shared_ptr<embedded_cluster> cluster,
                                                producer_actor producer, admin_actor admin,
                                                std::shared_ptr<monitoring_parts> monitoring) {
  auto& st = self->state;
  st.cfg = *cfg;
  st.cluster = std::move(cluster);
  st.producer = producer;
  st.admin = admin;
  if (monitoring && monitoring->endpoint) {
    st.collector = spawn_metrics_collector(self->system(), st.cfg, st.cluster,
                                           std::move(monitoring->endpoint),
                                           std::move(monitoring->board), self->address());
  }
  self->monitor(producer);
  self->set_down_handler([=](caf::down_msg& dm) {
    auto& st = self->state;
    if (dm.source == st.producer.address()) {
      st.producer = nullptr;
      if (st.stopping)
        return;
      st.last_failure = "producer: " + describe(dm.reason);
      // The next send gets a fresh producer.
      if (auto p = spawn_producer_group(self->system(), st.cfg, st.cfg.flow.producer_shards)) {
        st.producer = *p;
        self->monitor(st.producer);
      }
      return;
    }
    for (auto& [id, c] : st.children) {
      if (!c.feed || c.feed.address() != dm.source)
        continue;
      // Its handler was lost past the deadline: stop the subscription, committing what was
      // acknowledged, and say why it ended.
      c.feed = nullptr;
      if (c.stopping || st.stopping)
        return;
      st.failed[id] = describe(dm.reason);
      st.last_failure = "subscription " + std::to_string(id) + ": " + describe(dm.reason);
      if (!c.consumer) {
        st.children.erase(id);
        return;
      }
      c.stopping = true;
      self->request(c.consumer, st.stop_wait(), stop_atom_v)
        .then([](const consumer_status&) {}, [](const caf::error&) {});
      return;
    }
    for (auto& [id, c] : st.children) {
      if (c.consumer.address() != dm.source)
        continue;
      c.consumer = nullptr;
      if (c.stopping || st.stopping || !dm.reason
          || dm.reason == caf::exit_reason::user_shutdown) {
        st.children.erase(id);
        return;
      }
      st.last_failure = "subscription " + std::to_string(id) + ": " + describe(dm.reason);
      if (std::chrono::steady_clock::now() - c.started_at >= healthy_run) {
        c.failures = 0;
        c.backoff = min_backoff;
      }
      if (++c.failures > st.cfg.flow.max_restarts) {
        st.failed[id] = "gave up after " + std::to_string(c.failures)
                        + " failed runs in a row: " + describe(dm.reason);
        st.children.erase(id);
        return;
      }
      self->delayed_send(self, c.backoff, restart_atom_v, id);
      c.backoff = std::min(c.backoff * 2, max_backoff);
      return;
    }
  });
  return {
    [=](send_atom, message& m) {
      return to_producer<delivery_report>(self, send_atom_v, m);
    },
    [=](send_atom, message_batch& ms) {
      return to_producer<batch_report>(self, send_atom_v, ms);
    },
    [=](try_send_atom, message_batch& ms) {
      return to_producer<batch_report>(self, try_send_atom_v, ms);
    },
    [=](subscribe_atom, subscription& sub) -> caf::typed_response_promise<uint64_t> {
      auto& st = self->state;
      auto rp = self->make_response_promise<uint64_t>();
      if (st.stopping) {
        rp.deliver(make_error(errc::stopped, "service is stopping"));
        return rp;
      }
      auto topics = retry_topics(sub);
      auto shared = std::make_shared<subscription>(std::move(sub));
      if (topics.empty()) {
        auto id = start_subscription(self, std::move(*shared));
        if (id)
          rp.deliver(*id);
        else
          rp.deliver(id.error());
        return rp;
      }
      // Retry and dead-letter topics first: a forward to a missing topic would fail.
      auto pending = std::make_shared<size_t>(topics.size());
      auto failure = std::make_shared<caf::error>();
      auto key = st.next_pending++;
      st.pending_subscribes.emplace(key, rp);
      auto done = [=]() mutable {
        if (--*pending > 0)
          return;
        auto& waiting = self->state.pending_subscribes;
        if (waiting.erase(key) == 0)
          return; // stop_all answered it already
        if (*failure) {
          rp.deliver(*failure);
          return;
        }
        if (self->state.stopping) {
          // stop_all began while the topics were created: start nothing it would miss.
          rp.deliver(make_error(errc::stopped, "service is stopping"));
          return;
        }
        auto id = start_subscription(self, std::move(*shared));
        if (id)
          rp.deliver(*id);
        else
          rp.deliver(id.error());
      };
      for (auto& tc : topics)
        self->request(st.admin, call_timeout, create_topic_atom_v, tc)
          .then([=](bool) mutable { done(); },
                [=](caf::error& err) mutable {
                  if (code_of(err) != errc::topic_already_exists && !*failure)
                    *failure = std::move(err);
                  done();
                });
      return rp;
    },
    [=](subscribe_atom, remote_subscription& rs) -> caf::result<uint64_t> {
      auto& st = self->state;
      if (st.stopping)
        return make_error(errc::stopped, "service is stopping");
      if (!rs.handler)
        return make_error(errc::invalid_argument, "remote subscription of group '" + rs.group
                                                    + "' has no handler actor");
      if (rs.handler_deadline_ms <= 0)
        return make_error(errc::invalid_argument,
                          "remote subscription of group '" + rs.group
                            + "': handler_deadline_ms must be positive, got "
                            + std::to_string(rs.handler_deadline_ms));
      // The same group and topics: the new handler takes over (the feed refuses while the
      // first one lives).
      for (auto& [id, c] : st.children) {
        if (!c.feed || c.stopping || c.sub.group != rs.group || c.sub.topics != rs.topics)
          continue;
        auto rp = self->make_response_promise<uint64_t>();
        auto cid = id;
        self->request(c.feed, call_timeout, attach_atom_v, std::move(rs.handler))
          .then([=](bool) mutable { rp.deliver(cid); },
                [=](caf::error& err) mutable { rp.deliver(std::move(err)); });
        return rp;
      }
      auto feed = spawn_remote_feed(self->system(), rs.handler,
                                    std::chrono::milliseconds{rs.handler_deadline_ms},
                                    "the remote subscription of group '" + rs.group + "'");
      subscription sub;
      sub.topics = rs.topics;
      sub.group = rs.group;
      sub.track_end = rs.track_end;
      sub.handler = caf::actor_cast<handler_actor>(feed);
      auto id = start_subscription(self, std::move(sub));
      if (!id) {
        caf::anon_send_exit(feed, caf::exit_reason::user_shutdown);
        return id.error();
      }
      self->monitor(feed);
      st.children.at(*id).feed = std::move(feed);
      return *id;
    },
    [=](stop_atom, uint64_t id) -> caf::result<consumer_status> {
      auto& st = self->state;
      auto i = st.children.find(id);
      if (i == st.children.end() || !i->second.consumer)
        return make_error(errc::invalid_argument,
                          "no running subscription " + std::to_string(id));
      // Its retry-topic consumers stop with it.
      for (auto& [cid, c] : st.children)
        if (c.parent == id && c.consumer) {
          c.stopping = true;
          self->request(c.consumer, st.stop_wait(), stop_atom_v)
            .then([](const consumer_status&) {}, [](const caf::error&) {});
        }
      i->second.stopping = true;
      return self->delegate(i->second.consumer, stop_atom_v);
    },
    [=](ready_atom, uint64_t id) -> caf::result<bool> {
      auto& st = self->state;
      auto f = st.failed.find(id);
      if (f != st.failed.end())
        return make_error(errc::kafka_error,
                          "subscription " + std::to_string(id) + ": " + f->second);
      auto i = st.children.find(id);
      if (i == st.children.end() || !i->second.consumer)
        return make_error(errc::invalid_argument,
                          "no running subscription " + std::to_string(id));
      return self->delegate(i->second.consumer, ready_atom_v);
    },
    [=](restart_atom, uint64_t id) {
      auto& st = self->state;
      auto i = st.children.find(id);
      if (st.stopping || i == st.children.end() || i->second.consumer)
        return;
      ++st.restarts;
      if (auto err = start_consumer(self, id)) {
        st.last_failure = "restarting subscription " + std::to_string(id) + ": "
                          + describe(err);
        self->delayed_send(self, i->second.backoff, restart_atom_v, id);
        i->second.backoff = std::min(i->second.backoff * 2, max_backoff);
      }
    },
    [=](create_topic_atom, const topic_config& tc) -> caf::delegated<bool> {
      return self->delegate(self->state.admin, create_topic_atom_v, tc);
    },
    [=](ping_atom) -> caf::delegated<int32_t> {
      return self->delegate(self->state.admin, ping_atom_v);
    },
    [=](lag_atom, const std::string& group,
        const std::vector<std::string>& topics) -> caf::delegated<int64_t> {
      return self->delegate(self->state.admin, lag_atom_v, group, topics);
    },
    [=](metrics_atom) -> caf::result<std::string> {
      if (!self->state.collector)
        return make_error(errc::invalid_argument,
                          "monitoring is off (set monitoring.enabled in the config)");
      return self->delegate(self->state.collector, metrics_atom_v);
    },
    [=](producer_atom) -> caf::result<producer_actor> {
      if (!self->state.producer)
        return make_error(errc::stopped, "service has no producer (stopping)");
      return self->state.producer;
    },
    [=](status_atom) -> caf::typed_response_promise<service_status> {
      auto& st = self->state;
      auto rp = self->make_response_promise<service_status>();
      auto out = std::make_shared<service_status>();
      out->bootstrap_servers = st.cfg.bootstrap_servers;
      out->embedded = st.cluster != nullptr;
      out->restarts = st.restarts;
      out->last_failure = st.last_failure;
      out->failed = st.failed;
      out->mailbox = self->mailbox().size();
      auto pending = std::make_shared<size_t>(1);
      auto done = [=]() mutable {
        if (--*pending == 0)
          rp.deliver(std::move(*out));
      };
      for (auto& [id, c] : st.children) {
        if (!c.consumer)
          continue;
        ++*pending;
        auto cid = id;
        self->request(c.consumer, call_timeout, status_atom_v)
          .then([=](const consumer_status& s) mutable {
                  out->consumers[cid] = s;
                  done();
                },
                [=](const caf::error&) mutable { done(); });
      }
      if (st.producer) {
        self->request(st.producer, call_timeout, status_atom_v)
          .then([=](const producer_status& s) mutable {
                  out->producer = s;
                  done();
                },
                [=](const caf::error&) mutable { done(); });
      } else {
        done();
      }
      return rp;
    },
    [=](stop_all_atom) -> caf::typed_response_promise<bool> {
      auto rp = self->make_response_promise<bool>();
      self->state.stopping = true;
      for (auto& [key, waiting] : self->state.pending_subscribes)
        waiting.deliver(make_error(errc::stopped, "service is stopping"));
      self->state.pending_subscribes.clear();
      stop_consumers(self, [=]() mutable {
        auto finish = [=]() mutable {
          if (self->state.admin)
            self->send(self->state.admin, stop_atom_v);
          self->state.admin = nullptr;
          if (self->state.collector)
            self->send_exit(self->state.collector, caf::exit_reason::user_shutdown);
          self->state.collector = nullptr;
          rp.deliver(true);
          self->quit();
        };
        if (!self->state.producer) {
          finish();
          return;
        }
        self->request(self->state.producer, self->state.stop_wait(), stop_atom_v)
          .then([=](uint64_t) mutable { finish(); },
                [=](const caf::error&) mutable { finish(); });
      });
      return rp;
    },
  };
}

} // namespace

caf::expected<kafka_service_actor>
spawn_kafka_service(caf::actor_system& sys, kafka_config cfg,
                    std::shared_ptr<embedded_cluster> cluster) {
  if (auto err = cfg.validate())
    return err;
  if (cfg.is_embedded()) {
    if (!cluster) {
      auto started = embedded_cluster::start(cfg.embedded_brokers);
      if (!started)
        return started.error();
      cluster = std::move(*started);
    }
    cfg.bootstrap_servers = cluster->bootstrap_servers();
    // The mock cluster keeps a member that left until its session times out, and a
    // rebalance waits for it: keep that wait short unless the user chose otherwise.
    cfg.consumer.emplace("session.timeout.ms", "6000");
    // The mock cluster refuses OffsetCommit while its group is joining (REBALANCE_IN_PROGRESS,
    // rdkafka_mock_cgrp.c; a real broker takes it until the rebalance completes), so there a
    // revoke drain only does work the next owner does again: off unless asked for.
    if (cfg.flow.revoke_drain == flow_config{}.revoke_drain)
      cfg.flow.revoke_drain = std::chrono::milliseconds{0};
  }
  auto producer = spawn_producer_group(sys, cfg, cfg.flow.producer_shards);
  if (!producer)
    return producer.error();
  // Before any actor: a port that is taken fails the spawn with a clear error.
  auto monitoring = std::make_shared<monitoring_parts>();
  if (cfg.monitoring.enabled) {
    monitoring->board = make_monitoring_board(cfg);
    auto ep = start_monitoring_endpoint(cfg, monitoring->board);
    if (!ep) {
      caf::anon_send_exit(*producer, caf::exit_reason::user_shutdown);
      return ep.error();
    }
    monitoring->endpoint = std::move(*ep);
  }
  auto admin = spawn_admin(sys, cfg, cluster);
  if (!admin) {
    caf::anon_send_exit(*producer, caf::exit_reason::user_shutdown);
    return admin.error();
  }
  return sys.spawn(service_impl, std::make_shared<kafka_config>(std::move(cfg)),
                   std::move(cluster), *producer, *admin, std::move(monitoring));
}

} // namespace kafka_actors
