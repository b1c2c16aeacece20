#include "kafka_actors/actors/last_value_view.hpp"

#include <algorithm>
#include <vector>

#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

namespace kafka_actors {

namespace {

struct view_state {
  static inline const char* name = "kafka-last-value-view";
  std::optional<last_value_view> view;
  std::vector<caf::actor> watchers;
  int64_t credit = 0;
  uint64_t applied = 0;
  uint64_t changes = 0;

  view_entry entry(const std::string& key) const {
    view_entry e;
    e.key = key;
    if (auto v = view->get(key)) {
      e.found = true;
      e.value = v->value;
      e.partition = v->partition;
      e.offset = v->offset;
    }
    return e;
  }
};

using view_pointer = last_value_view_actor::stateful_pointer<view_state>;

last_value_view_actor::behavior_type view_impl(view_pointer self, cache_limits limits,
                                               int64_t credit) {
  self->state.view.emplace(limits);
  self->state.credit = credit;
  self->set_down_handler([=](const caf::down_msg& dm) {
    auto& ws = self->state.watchers;
    ws.erase(std::remove_if(ws.begin(), ws.end(),
                            [&](const caf::actor& a) { return a.address() == dm.source; }),
             ws.end());
  });
  return {
    [=](join_atom, const consumer_actor& consumer) {
      self->send(consumer, credit_atom_v, self->state.credit);
    },
    [=](const record_batch_ptr& batch, const consumer_actor& from) {
      auto& st = self->state;
      for (size_t i = 0; i < batch->size(); ++i) {
        if (batch->revoked(i))
          continue; // the partition's new owner applies it
        auto r = (*batch)[i];
        std::optional<std::string_view> value;
        if (!r.is_tombstone())
          value = r.payload();
        auto key = std::string{r.key()};
        auto change = st.view->apply(key, value, r.partition(), r.offset());
        ++st.applied;
        if (change == view_change::unchanged)
          continue;
        ++st.changes;
        if (!st.watchers.empty()) {
          auto e = st.entry(key);
          for (auto& w : st.watchers)
            caf::anon_send(w, changed_atom_v, std::string{to_string(change)}, e);
        }
      }
      self->send(from, ack_atom_v, batch->id(), static_cast<int64_t>(batch->size()));
    },
    [=](get_atom, const std::string& key) { return self->state.entry(key); },
    [=](watch_atom, const caf::actor& w) {
      self->monitor(w);
      self->state.watchers.push_back(w);
      return true;
    },
    [=](status_atom) {
      auto& st = self->state;
      view_status s;
      s.entries = st.view->size();
      s.bytes = st.view->bytes();
      s.applied = st.applied;
      s.changes = st.changes;
      s.evictions = st.view->evictions();
      s.watchers = st.watchers.size();
      return s;
    },
  };
}

} // namespace

last_value_view_actor spawn_last_value_view(caf::actor_system& sys, cache_limits limits,
                                            int64_t credit) {
  return sys.spawn(view_impl, limits, credit);
}

} // namespace kafka_actors
