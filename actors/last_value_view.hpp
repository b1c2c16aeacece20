#pragma once

// The message cache's last-value view: a handler actor that keeps the latest value per key of
// the topics its consumer reads (runtime/last_value_view: tombstones delete, replays change
// nothing, bounded by entries and bytes), answers reads by key, and tells watchers of every
// change. Subscribe it like any handler actor:
//
//   auto view = spawn_last_value_view(sys, {10'000, 16 << 20});
//   sub.handler = caf::actor_cast<handler_actor>(view);
//
// It acknowledges each batch once applied, so the group's offsets follow what it holds; read
// from the start (auto.offset.reset=earliest, a group of its own) to rebuild the view.

#include <cstdint>
#include <string>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "kafka_actors/actors/consumer.hpp"
#include "kafka_actors/runtime/last_value_view.hpp"

namespace kafka_actors {

/// One key's entry as read from the view; `found` is false if it holds no value.
struct view_entry {
  std::string key;
  bool found = false;
  std::string value;
  int32_t partition = -1;
  int64_t offset = -1;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, view_entry& x) {
  return f(caf::meta::type_name("kafka_actors::view_entry"), x.key, x.found, x.value,
           x.partition, x.offset);
}

struct view_status {
  uint64_t entries = 0;
  uint64_t bytes = 0;
  uint64_t applied = 0;
  uint64_t changes = 0;
  /// Keys dropped to keep the bounds: reads of them answer not found.
  uint64_t evictions = 0;
  uint64_t watchers = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, view_status& x) {
  return f(caf::meta::type_name("kafka_actors::view_status"), x.entries, x.bytes, x.applied,
           x.changes, x.evictions, x.watchers);
}

using last_value_view_actor = caf::typed_actor<
  caf::reacts_to<join_atom, consumer_actor>, caf::reacts_to<record_batch_ptr, consumer_actor>,
  caf::replies_to<get_atom, std::string>::with<view_entry>,
  // Watchers get (changed_atom, view_change name, view_entry) for each change after this;
  // they are dropped when they go down.
  caf::replies_to<watch_atom, caf::actor>::with<bool>,
  caf::replies_to<status_atom>::with<view_status>>;

/// `credit`: records the view asks of its consumer at once.
last_value_view_actor spawn_last_value_view(caf::actor_system& sys, cache_limits limits,
                                            int64_t credit = 2000);

} // namespace kafka_actors
