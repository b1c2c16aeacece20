#include "kafka_actors/actors/remote_feed.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "kafka_actors/runtime/errors.hpp"
#include "kafka_actors/runtime/remote_feed_flow.hpp"

namespace kafka_actors {

namespace {

struct feed_state {
  static inline const char* name = "kafka-remote-feed";
  remote_feed_flow<record_batch_ptr> flow;
  consumer_actor consumer;
  remote_handler_actor handler;
  std::chrono::milliseconds deadline{60'000};
  std::string where;
  // Counts handler losses: a deadline tick for an earlier loss finds another number.
  uint64_t loss = 0;
};

using feed_pointer = remote_feed_bridge::stateful_pointer<feed_state>;

remote_batch to_remote(const record_batch& b, uint64_t wire_id, int64_t credit) {
  remote_batch out;
  out.id = wire_id;
  out.credit = credit;
  // Per record: a few dozen bytes of fields besides key and payload.
  out.data.reserve(b.bytes() + 48 * b.size());
  for (size_t i = 0; i < b.size(); ++i)
    if (!b.revoked(i))
      out.add(b[i]);
  return out;
}

void ship(feed_pointer self, std::vector<remote_feed_flow<record_batch_ptr>::send> sends) {
  auto& st = self->state;
  auto me = caf::actor_cast<remote_feed_actor>(self);
  for (auto& s : sends)
    self->send(st.handler, to_remote(*s.batch, s.wire_id, s.records), me);
}

void grant_consumer(feed_pointer self) {
  auto& st = self->state;
  if (!st.consumer)
    return;
  if (auto g = st.flow.consumer_grant(); g > 0)
    self->send(st.consumer, credit_atom_v, g);
}

bool from_handler(feed_pointer self) {
  auto& st = self->state;
  return st.handler && self->current_sender() == caf::actor_cast<caf::strong_actor_ptr>(st.handler);
}

void attach(feed_pointer self, remote_handler_actor h) {
  auto& st = self->state;
  st.handler = std::move(h);
  self->monitor(st.handler);
  st.flow.handler_attached();
  self->send(st.handler, join_atom_v, caf::actor_cast<remote_feed_actor>(self));
}

remote_feed_bridge::behavior_type feed_impl(feed_pointer self, remote_handler_actor handler,
                                            std::chrono::milliseconds deadline,
                                            std::string where) {
  auto& st = self->state;
  st.deadline = deadline;
  st.where = std::move(where);
  self->set_down_handler([=](const caf::down_msg& dm) {
    auto& st = self->state;
    if (!st.handler || dm.source != st.handler.address())
      return;
    st.handler = nullptr;
    st.flow.handler_lost();
    auto loss = ++st.loss;
    self->delayed_send(self, st.deadline, tick_atom_v, loss);
  });
  attach(self, std::move(handler));
  return {
    [=](join_atom, consumer_actor c) {
      auto& st = self->state;
      st.consumer = std::move(c);
      st.flow.consumer_joined();
      grant_consumer(self);
    },
    [=](record_batch_ptr& b, consumer_actor c) {
      auto& st = self->state;
      if (c != st.consumer)
        return; // an earlier run's consumer: its records come again to the new one
      auto n = static_cast<int64_t>(b->size());
      auto id = b->id();
      ship(self, st.flow.on_batch(id, n, std::move(b)));
    },
    [=](credit_atom, int64_t n) {
      if (!from_handler(self))
        return;
      ship(self, self->state.flow.on_grant(n));
      grant_consumer(self);
    },
    [=](ack_atom, uint64_t wire_id, int64_t n) {
      auto& st = self->state;
      if (!from_handler(self))
        return;
      auto id = st.flow.on_ack(wire_id);
      ship(self, st.flow.on_grant(n));
      auto g = st.flow.consumer_grant();
      if (!st.consumer)
        return;
      if (id)
        self->send(st.consumer, ack_atom_v, *id, g);
      else if (g > 0)
        self->send(st.consumer, credit_atom_v, g);
    },
    [=](fail_atom, uint64_t wire_id, caf::error& err) {
      auto& st = self->state;
      if (!from_handler(self))
        return;
      if (auto id = st.flow.on_fail(wire_id); id && st.consumer)
        self->send(st.consumer, fail_atom_v, *id, std::move(err));
    },
    [=](attach_atom, remote_handler_actor& h) -> caf::result<bool> {
      auto& st = self->state;
      if (!h)
        return make_error(errc::invalid_argument, st.where + ": no handler given");
      if (st.handler)
        return make_error(errc::invalid_argument,
                          st.where + " has a live handler already: a second one takes over "
                                     "only once the first is lost");
      attach(self, std::move(h));
      return true;
    },
    [=](tick_atom, uint64_t loss) {
      auto& st = self->state;
      if (st.handler || loss != st.loss)
        return;
      self->quit(make_error(errc::stopped,
                            st.where + ": its remote handler was lost and none subscribed "
                                       "again within "
                              + std::to_string(st.deadline.count())
                              + " ms; stopped, committing what was acknowledged"));
    },
  };
}

} // namespace

remote_feed_bridge spawn_remote_feed(caf::actor_system& sys, remote_handler_actor handler,
                                     std::chrono::milliseconds handler_deadline,
                                     std::string name) {
  return sys.spawn(feed_impl, std::move(handler), handler_deadline, std::move(name));
}

} // namespace kafka_actors
