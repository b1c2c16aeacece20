#include "kafka_actors/actors/partition_manager.hpp"

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "kafka_actors/runtime/batch_completion.hpp"
#include "kafka_actors/runtime/errors.hpp"

namespace kafka_actors {

namespace {

using namespace std::chrono_literals;

// How often owed credit is flushed and lanes of revoked partitions are looked for, while
// there is anything to look after.
constexpr auto housekeeping = 100ms;

struct manager_state {
  static inline const char* name = "kafka-partition-manager";

  std::shared_ptr<lane_config> cfg;
  bool detached = true;
  std::optional<lane_router> router;
  std::optional<batch_completion> completion;
  consumer_actor consumer;
  std::map<lane_router::lane_id, partition_lane_actor> lanes;
  // Partition indices for the router, and the revoke flag last seen per partition.
  std::map<std::pair<std::string, int32_t>, uint32_t> parts;
  std::vector<std::shared_ptr<const std::atomic<bool>>> flags;
  const char* last_topic = nullptr;
  int32_t last_partition = -1;
  uint32_t last_part = 0;
  bool ticking = false;

  uint32_t part_of(const record& r) {
    auto topic = r.topic();
    // librdkafka's topic name is one string per topic handle: compare the pointer first.
    if (topic.data() == last_topic && r.partition() == last_partition)
      return last_part;
    auto key = std::make_pair(std::string{topic}, r.partition());
    auto i = parts.find(key);
    if (i == parts.end()) {
      i = parts.emplace(key, static_cast<uint32_t>(flags.size())).first;
      flags.emplace_back();
    }
    last_topic = topic.data();
    last_partition = r.partition();
    last_part = i->second;
    return last_part;
  }
};

using manager_pointer = partition_manager_actor::stateful_pointer<manager_state>;

void arm(manager_pointer self) {
  if (self->state.ticking)
    return;
  self->state.ticking = true;
  self->delayed_send(self, housekeeping, tick_atom_v);
}

// Sends the consumer what completed: acks (with their credit) and credit owed early.
void settle(manager_pointer self) {
  auto& st = self->state;
  if (!st.consumer)
    return;
  for (auto& a : st.completion->take_acks())
    self->send(st.consumer, ack_atom_v, a.id, a.credit);
  if (auto n = st.completion->take_credit(); n > 0)
    self->send(st.consumer, credit_atom_v, n);
}

partition_lane_actor& lane(manager_pointer self, lane_router::lane_id id, bool spawn) {
  auto& st = self->state;
  if (spawn)
    st.lanes[id] = spawn_partition_lane(self, st.detached,
                                        caf::actor_cast<lane_owner>(self), id, st.cfg);
  return st.lanes.at(id);
}

void on_batch(manager_pointer self, const record_batch_ptr& batch) {
  auto& st = self->state;
  auto& router = *st.router;
  auto id = batch->id();
  st.completion->dispatched(id, batch->size());
  std::map<lane_router::lane_id, lane_work> work;
  size_t skipped = 0;
  uint32_t flagged = UINT32_MAX;
  // A run of records of one lane key (mostly a partition's) is placed once.
  lane_router::lane_key run_key = 0;
  size_t run = 0;
  lane_work* run_work = nullptr;
  for (size_t i = 0; i < batch->size(); ++i) {
    if (batch->revoked(i)) {
      ++skipped; // moved to another member already: it reads the record again
      continue;
    }
    auto r = (*batch)[i];
    auto part = st.part_of(r);
    if (part != flagged) {
      // The newest flag: a partition that came back replaces the raised one.
      st.flags[part] = batch->revoke_flag(i);
      flagged = part;
    }
    auto key = r.key();
    bool null_key = key.empty();
    auto hash = null_key ? 0 : lane_router::hash_key(key);
    auto lk = router.lane_of(part, hash, null_key);
    if (!run_work || lk != run_key) {
      if (run > 0)
        router.add(run_key, run);
      auto where = router.place(lk, 0);
      run_work = &work[where.lane];
      if (!run_work->batch) {
        run_work->batch = batch;
        lane(self, where.lane, where.spawn);
      }
      run_key = lk;
      run = 0;
    }
    ++run;
    run_work->items.push_back(
      lane_work::item{static_cast<uint32_t>(i), router.order_key(part, hash, null_key), lk});
  }
  if (run > 0)
    router.add(run_key, run);
  for (auto& [lane_id, w] : work)
    self->send(st.lanes.at(lane_id), std::move(w));
  if (skipped > 0)
    st.completion->done(id, skipped);
  settle(self);
  arm(self);
}

void housekeep(manager_pointer self) {
  auto& st = self->state;
  st.ticking = false;
  if (st.consumer)
    if (auto n = st.completion->take_all_credit(); n > 0)
      self->send(st.consumer, credit_atom_v, n);
  auto stopped = st.router->collect([&](uint32_t part) {
    auto& f = st.flags[part];
    return f && f->load(std::memory_order_relaxed);
  });
  for (auto id : stopped) {
    auto i = st.lanes.find(id);
    if (i == st.lanes.end())
      continue;
    // It quits normally once its mailbox got there: the link does not take us along.
    self->send(i->second, stop_atom_v);
    st.lanes.erase(i);
  }
  if (!st.lanes.empty() || st.completion->open() > 0)
    arm(self);
}

partition_manager_actor::behavior_type partition_manager(manager_pointer self, bool detached,
                                                         lane_options options,
                                                         std::shared_ptr<lane_config> cfg) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.detached = detached;
  st.router.emplace(options);
  // Early credit in chunks: one message per few finished records, not per record.
  st.completion.emplace(std::max<int64_t>(1, st.cfg->credit / 8));
  return {
    [=](join_atom, const consumer_actor& c) {
      self->state.consumer = c;
      self->send(c, credit_atom_v, self->state.cfg->credit);
    },
    [=](const record_batch_ptr& batch, const consumer_actor& from) {
      self->state.consumer = from;
      on_batch(self, batch);
    },
    [=](ack_atom, const lane_progress& p) {
      auto& st = self->state;
      for (auto& e : p.done) {
        st.completion->done(e.batch, e.n);
        st.router->finished(e.lane_key, e.n);
      }
      settle(self);
    },
    [=](fail_atom, uint64_t id, caf::error& err) {
      auto& st = self->state;
      // The consumer closes with it (or ignores it for a batch a revoke fenced).
      if (st.completion->forget(id) && st.consumer)
        self->send(st.consumer, fail_atom_v, id, std::move(err));
    },
    [=](tick_atom) { housekeep(self); },
  };
}

} // namespace

handler_actor spawn_partition_manager(caf::actor_system& sys, bool detached_lanes,
                                      lane_options options, std::shared_ptr<lane_config> cfg) {
  auto pm = sys.spawn(partition_manager, detached_lanes, options, std::move(cfg));
  return caf::actor_cast<handler_actor>(pm);
}

} // namespace kafka_actors
