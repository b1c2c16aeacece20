#pragma once

// A KafkaService on a fresh embedded (mock) cluster, or on the real broker named by
// $KAFKA_ACTORS_BOOTSTRAP, plus helpers to talk to it.

#include <atomic>
#include <cstdlib>
#include <functional>

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>
#include <gtest/gtest.h>

#include "kafka_actors/kafka_actors.hpp"
#include "support/await.hpp"
#include "support/collector.hpp"

namespace kafka_actors::test {

inline const auto call_timeout = std::chrono::seconds{120};

class service_fixture : public ::testing::Test {
protected:
  /// Flow settings tests may change before start().
  kafka_config cfg;
  std::shared_ptr<embedded_cluster> cluster;
  std::unique_ptr<actor_system_config> sys_cfg;
  std::unique_ptr<caf::actor_system> sys;
  std::unique_ptr<caf::scoped_actor> self;
  kafka_service_actor service;
  /// Runs on the actor system's config before the system starts (e.g. scheduler threads).
  std::function<void(actor_system_config&)> sys_cfg_hook;

  /// Embedded by default; `bootstrap` selects a real cluster.
  void start(const std::string& bootstrap = {}) {
    if (bootstrap.empty()) {
      auto c = embedded_cluster::start(3);
      ASSERT_TRUE(c) << describe(c.error());
      cluster = *c;
      cfg.bootstrap_servers = cluster->bootstrap_servers();
      // As spawn_kafka_service does for its own embedded cluster (see there).
      cfg.consumer.emplace("session.timeout.ms", "6000");
      if (cfg.flow.revoke_drain == flow_config{}.revoke_drain)
        cfg.flow.revoke_drain = std::chrono::milliseconds{0};
    } else {
      cfg.bootstrap_servers = bootstrap;
    }
    // Tests stop consumers on purpose; do not wait long for work that will not come.
    if (cfg.flow.drain_timeout == flow_config{}.drain_timeout)
      cfg.flow.drain_timeout = std::chrono::milliseconds{3000};
    sys_cfg = std::make_unique<actor_system_config>();
    if (sys_cfg_hook)
      sys_cfg_hook(*sys_cfg);
    sys = std::make_unique<caf::actor_system>(*sys_cfg);
    self = std::make_unique<caf::scoped_actor>(*sys);
    auto s = spawn_kafka_service(*sys, cfg, cluster);
    ASSERT_TRUE(s) << describe(s.error());
    service = *s;
  }

  void TearDown() override {
    shutdown();
  }

  /// Stops everything and waits for every actor. TearDown runs after a test body's locals
  /// are gone, and a lane thread still finishing a batch would touch them: a test whose
  /// handlers use its own locals (gates, collectors, counters) declares a stop_on_exit after
  /// them, which stops everything first on every way out of the body (an ASSERT too).
  void shutdown() {
    if (service && self)
      (*self)->request(service, call_timeout, stop_all_atom_v)
        .receive([](bool) {}, [](caf::error&) {});
    service = nullptr;
    self.reset();
    sys.reset();
  }

  struct stop_on_exit {
    service_fixture& fixture;
    stop_on_exit(const stop_on_exit&) = delete;
    stop_on_exit& operator=(const stop_on_exit&) = delete;
    ~stop_on_exit() { fixture.shutdown(); }
  };

  /// What a failed wait prints: each consumer's assignment, progress and last errors.
  static std::string describe_consumers(const service_status& s) {
    std::string out;
    for (auto& [id, c] : s.consumers) {
      out += "\n  consumer " + std::to_string(id) + ": assigned";
      for (auto& tp : c.assigned)
        out += " " + tp;
      out += "; dispatched " + std::to_string(c.dispatched) + ", acked "
             + std::to_string(c.acked) + ", held " + std::to_string(c.held) + ", credit "
             + std::to_string(c.credit) + ", paused " + (c.paused ? "yes" : "no")
             + ", rebalances " + std::to_string(c.rebalances) + ", commit failures "
             + std::to_string(c.commit_failures) + "; stored";
      for (auto& [tp, off] : c.stored)
        out += " " + tp + "@" + std::to_string(off);
      if (!c.last_error.empty())
        out += "; last error: " + c.last_error;
      if (!c.failure.empty())
        out += "; failure: " + c.failure;
    }
    return out;
  }

  /// A topic name unique in this process.
  static std::string unique_topic(const std::string& base) {
    static std::atomic<int> n{0};
    return base + "-" + std::to_string(::getpid()) + "-" + std::to_string(++n);
  }

  caf::error create_topic(const topic_config& tc) {
    caf::error result;
    (*self)->request(service, call_timeout, create_topic_atom_v, tc)
      .receive([](bool) {}, [&](caf::error& err) { result = std::move(err); });
    return result;
  }

  caf::expected<uint64_t> subscribe(subscription sub) {
    caf::expected<uint64_t> result{caf::error{}};
    (*self)->request(service, call_timeout, subscribe_atom_v, std::move(sub))
      .receive([&](uint64_t id) { result = id; }, [&](caf::error& err) { result = err; });
    return result;
  }

  service_status status() {
    service_status out;
    (*self)->request(service, call_timeout, status_atom_v)
      .receive([&](service_status& s) { out = std::move(s); }, [](caf::error&) {});
    return out;
  }

  /// The service's consumers in a line each, for failure messages: where a wait stalled.
  std::string status_summary() {
    auto s = status();
    std::string out = "restarts " + std::to_string(s.restarts) + ", last failure '"
                      + s.last_failure + "'";
    for (auto& [id, c] : s.consumers)
      out += "\n  subscription " + std::to_string(id) + ": " + std::to_string(c.assigned.size())
             + " assigned, " + std::to_string(c.dispatched) + " dispatched, "
             + std::to_string(c.acked) + " acked, " + std::to_string(c.rebalances)
             + " rebalances, paused " + std::to_string(c.paused) + ", last error '"
             + c.last_error + "', failure '" + c.failure + "'";
    return out;
  }

  caf::expected<consumer_status> stop_subscription(uint64_t id) {
    caf::expected<consumer_status> result{caf::error{}};
    (*self)->request(service, call_timeout, stop_atom_v, id)
      .receive([&](consumer_status& s) { result = std::move(s); },
               [&](caf::error& err) { result = err; });
    return result;
  }

  /// Sends one record and waits for the outcome: none when the broker acknowledged it.
  caf::error send_one(const message& m) {
    caf::error result;
    (*self)->request(service, call_timeout, send_atom_v, m)
      .receive([](delivery_report&) {}, [&](caf::error& err) { result = std::move(err); });
    return result;
  }

  size_t send(const message_batch& records, std::string* first_error = nullptr) {
    return send_all(*self, service, records, first_error);
  }
};

} // namespace kafka_actors::test
