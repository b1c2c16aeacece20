// The router in front of a group of producers sharing one librdkafka handle.

#include <functional>
#include <memory>

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include "kafka_actors/actors/producer.hpp"
#include "kafka_actors/runtime/errors.hpp"

namespace kafka_actors {

namespace {

struct router_state {
  static inline const char* name = "kafka-producer-router";
  std::vector<producer_actor> shards;
  size_t next = 0;
};

using router_pointer = producer_actor::stateful_pointer<router_state>;

size_t shard_of(router_state& st, const message& m) {
  if (m.key.empty())
    return st.next++ % st.shards.size();
  return std::hash<std::string>{}(m.key) % st.shards.size();
}

// Splits `records` by shard, sends each part, and answers once with the reports in order.
template <class Atom>
caf::typed_response_promise<batch_report> route_batch(router_pointer self, Atom atom,
                                                      const message_batch& records) {
  auto& st = self->state;
  auto rp = self->make_response_promise<batch_report>();
  std::vector<message_batch> parts(st.shards.size());
  std::vector<std::vector<size_t>> index(st.shards.size());
  // A request without keys stays on one shard: it keeps its order and costs one hop.
  bool keyed = false;
  for (auto& m : records)
    keyed = keyed || !m.key.empty();
  auto whole = keyed ? 0 : st.next++ % st.shards.size();
  for (size_t i = 0; i < records.size(); ++i) {
    auto s = keyed ? shard_of(st, records[i]) : whole;
    parts[s].push_back(records[i]);
    index[s].push_back(i);
  }
  auto out = std::make_shared<batch_report>();
  out->results.resize(records.size());
  auto pending = std::make_shared<size_t>(0);
  for (auto& p : parts)
    *pending += p.empty() ? 0 : 1;
  if (*pending == 0) {
    rp.deliver(batch_report{});
    return rp;
  }
  for (size_t s = 0; s < parts.size(); ++s) {
    if (parts[s].empty())
      continue;
    auto idx = std::make_shared<std::vector<size_t>>(std::move(index[s]));
    self->request(st.shards[s], caf::infinite, atom, std::move(parts[s]))
      .then(
        [=](batch_report& rep) mutable {
          for (size_t k = 0; k < rep.results.size() && k < idx->size(); ++k)
            out->results[(*idx)[k]] = std::move(rep.results[k]);
          if (--*pending == 0)
            rp.deliver(std::move(*out));
        },
        [=](caf::error& err) mutable {
          for (auto i : *idx) {
            out->results[i].error_code = RD_KAFKA_RESP_ERR__FAIL;
            out->results[i].error = describe(err);
          }
          if (--*pending == 0)
            rp.deliver(std::move(*out));
        });
  }
  return rp;
}

producer_actor::behavior_type router_impl(router_pointer self,
                                          std::vector<producer_actor> shards) {
  self->state.shards = std::move(shards);
  for (auto& s : self->state.shards)
    self->monitor(s);
  // A producer that dies takes the group down with it: the supervisor restarts the group.
  self->set_down_handler([=](caf::down_msg& dm) {
    if (dm.reason)
      self->quit(dm.reason);
  });
  return {
    [=](send_atom, const message& m) -> caf::delegated<delivery_report> {
      auto& st = self->state;
      return self->delegate(st.shards[shard_of(st, m)], send_atom_v, m);
    },
    [=](send_atom, const message_batch& ms) { return route_batch(self, send_atom_v, ms); },
    [=](try_send_atom, const message_batch& ms) {
      return route_batch(self, try_send_atom_v, ms);
    },
    [=](stop_atom) -> caf::typed_response_promise<uint64_t> {
      auto rp = self->make_response_promise<uint64_t>();
      auto total = std::make_shared<uint64_t>(0);
      auto pending = std::make_shared<size_t>(self->state.shards.size());
      for (auto& s : self->state.shards)
        self->request(s, caf::infinite, stop_atom_v)
          .then(
            [=](uint64_t n) mutable {
              *total += n;
              if (--*pending == 0) {
                rp.deliver(*total);
                self->quit();
              }
            },
            [=](caf::error&) mutable {
              if (--*pending == 0) {
                rp.deliver(*total);
                self->quit();
              }
            });
      return rp;
    },
    [=](status_atom) -> caf::typed_response_promise<producer_status> {
      auto rp = self->make_response_promise<producer_status>();
      auto sum = std::make_shared<producer_status>();
      auto pending = std::make_shared<size_t>(self->state.shards.size());
      for (auto& s : self->state.shards)
        self->request(s, std::chrono::seconds{30}, status_atom_v)
          .then(
            [=](const producer_status& x) mutable {
              sum->delivered += x.delivered;
              sum->failed += x.failed;
              sum->in_flight_messages += x.in_flight_messages;
              sum->in_flight_bytes += x.in_flight_bytes;
              sum->waiting_requests += x.waiting_requests;
              sum->mailbox += x.mailbox;
              sum->backpressure_rejections += x.backpressure_rejections;
              sum->circuit_open_rejections += x.circuit_open_rejections;
              sum->breaker_opened += x.breaker_opened;
              if (sum->breaker.empty() || x.breaker == "open")
                sum->breaker = x.breaker;
              if (!x.last_error.empty())
                sum->last_error = x.last_error;
              if (!x.failure.empty())
                sum->failure = x.failure;
              sum->ack_latency.merge(x.ack_latency);
              if (--*pending == 0)
                rp.deliver(std::move(*sum));
            },
            [=](caf::error&) mutable {
              if (--*pending == 0)
                rp.deliver(std::move(*sum));
            });
      return rp;
    },
    // Reports and client errors go to the shards themselves, never here.
    [=](const delivery_batch&) {},
    [=](fail_atom, int32_t, const std::string&) {},
    [=](poll_atom) {},
    [=](tick_atom) {},
  };
}

} // namespace

caf::expected<producer_actor> spawn_producer_group(caf::actor_system& sys,
                                                   const kafka_config& cfg, size_t shards) {
  if (shards <= 1)
    return spawn_producer(sys, cfg);
  std::vector<producer_actor> group;
  for (size_t i = 0; i < shards; ++i) {
    auto p = spawn_producer(sys, cfg);
    if (!p) {
      for (auto& g : group)
        caf::anon_send_exit(g, caf::exit_reason::user_shutdown);
      return p.error();
    }
    group.push_back(*p);
  }
  return sys.spawn(router_impl, std::move(group));
}

} // namespace kafka_actors
