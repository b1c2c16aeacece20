#include "kafka_actors/actors/partition_lane.hpp"

#include <chrono>
#include <deque>
#include <map>
#include <random>

#include <caf/detail/scope_guard.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "kafka_actors/runtime/errors.hpp"
#include "kafka_actors/runtime/key_scheduler.hpp"

namespace kafka_actors {

namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

// One turn works at most this long or this many records, then reports progress and lets the
// mailbox in (timers, forward replies, new work, stop) before it goes on.
constexpr auto max_turn = 10ms;
constexpr int max_turn_records = 512;

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

struct entry {
  record_batch_ptr batch;
  uint32_t index = 0;
  uint64_t lane_key = 0;
  int attempts = 0;
  uint64_t order_key = 0;
};

struct lane_state {
  static inline const char* name = "kafka-partition-lane";

  uint32_t id = 0;
  lane_owner owner;
  std::shared_ptr<lane_config> cfg;
  // Arrival order. While no key waits this is all there is: records run straight from it.
  std::deque<entry> fifo;
  // Keys with a record waiting for a retry, and what arrived behind it of the same key.
  key_scheduler<entry> sched;
  // Keys waiting for their retry backoff, by due time.
  std::multimap<clock_type::time_point, uint64_t> due;
  // Finished records not yet reported, per (batch, lane key).
  std::map<std::pair<uint64_t, uint64_t>, uint32_t> finished;
  // Forwards of this turn and the records they stand for.
  message_batch forwards;
  std::vector<entry> forwarded;
  bool continuing = false; // a poll_atom is on its way
  bool failed = false;     // reported a failure: the consumer closes, nothing more counts
  std::minstd_rand rng{std::random_device{}()};

  double random01() {
    return std::uniform_real_distribution<double>{0.0, 1.0}(rng);
  }

  void finish(const entry& e) {
    ++finished[{e.batch->id(), e.lane_key}];
  }
};

using lane_pointer = partition_lane_actor::stateful_pointer<lane_state>;

void report(lane_pointer self) {
  auto& st = self->state;
  if (st.finished.empty())
    return;
  lane_progress p;
  p.lane = st.id;
  p.done.reserve(st.finished.size());
  for (auto& [k, n] : st.finished)
    p.done.push_back(lane_progress::entry{k.first, k.second, n});
  st.finished.clear();
  self->send(st.owner, ack_atom_v, std::move(p));
}

void fail(lane_pointer self, uint64_t batch, caf::error err) {
  self->state.failed = true;
  self->send(self->state.owner, fail_atom_v, batch, std::move(err));
}

// The records stand for their source offsets: they finish only once the broker holds them.
void send_forwards(lane_pointer self) {
  auto& st = self->state;
  if (st.forwards.empty())
    return;
  auto forwards = std::move(st.forwards);
  auto owners = std::move(st.forwarded);
  st.forwards = {};
  st.forwarded = {};
  auto target = forward_target(*st.cfg);
  if (!target) {
    auto& first = owners.front();
    fail(self, first.batch->id(),
         make_error(errc::handler_failed, "could not forward " + (*first.batch)[first.index].where()
                                            + ": its service is gone"));
    return;
  }
  self->request(target, std::chrono::minutes{5}, send_atom_v, std::move(forwards))
    .then(
      [=](const batch_report& rep) {
        if (auto err = forward_failure(rep)) {
          fail(self, owners.front().batch->id(), std::move(err));
          return;
        }
        for (auto& e : owners)
          self->state.finish(e);
        report(self);
      },
      [=](const caf::error& err) {
        fail(self, owners.front().batch->id(),
             make_error(errc::handler_failed,
                        "could not forward a failed record: " + describe(err)));
      });
}

// A failed call of the record `e`, which is running under `key` in the scheduler (`queued`)
// or straight from the arrival queue.
void on_failure(lane_pointer self, uint64_t key, bool queued, entry e, const record& r,
                caf::error err) {
  auto& st = self->state;
  auto& counters = *st.cfg->counters;
  if (!st.cfg->retry) {
    // No retry policy, no dead-letter topic: the batch fails, naming the record, and the
    // consumer restarts from what was committed (before this record).
    st.sched.done(key);
    fail(self, e.batch->id(),
         make_error(classify(err) == failure_kind::non_retriable ? errc::non_retriable
                                                                  : errc::handler_failed,
                    "record " + r.where() + ": " + describe(err)));
    return;
  }
  ++e.attempts;
  auto d = decide(*st.cfg->retry, std::string{r.topic()}, e.attempts, classify(err),
                  st.random01());
  switch (d.what) {
    case retry_decision::action::retry_in_place: {
      // Only this key waits; the lane's other keys go on.
      ++counters.retried_in_place;
      auto at = clock_type::now() + d.delay;
      if (queued)
        st.sched.defer(key, std::move(e));
      else
        st.sched.push_waiting(key, std::move(e));
      st.due.emplace(at, key);
      self->delayed_send(self, d.delay, tick_atom_v);
      return;
    }
    case retry_decision::action::forward:
      st.forwards.push_back(forward_record(r, d.topic, err, e.attempts, wall_ms(), d.delay));
      if (d.level < 0)
        ++counters.dead_lettered;
      else
        ++counters.forwarded_to_retry;
      // The key is released now; the record finishes when the broker has the forward.
      st.sched.done(key);
      st.forwarded.push_back(std::move(e));
      return;
    case retry_decision::action::drop:
      ++counters.dropped;
      st.sched.done(key);
      st.finish(e);
      return;
  }
}

// Runs what is runnable for one turn.
void process(lane_pointer self) {
  auto& st = self->state;
  auto& cfg = *st.cfg;
  auto started = clock_type::now();
  // Handler calls of this turn, handed to the consumer's status once, on every way out.
  latency_histogram took;
  auto publish = caf::detail::make_scope_guard([&] { cfg.counters->add_durations(took); });
  int n = 0;
  while (!st.failed) {
    if (cfg.counters->cancelled)
      return; // the consumer closed: nothing more of this will be acknowledged
    // Retried keys first (their records are older), then arrivals: an arrival whose key has
    // a record waiting queues behind it, every other one runs at once (no per-key
    // bookkeeping while nothing fails).
    uint64_t key = 0;
    bool queued = false;
    entry e;
    if (auto it = st.sched.next()) {
      key = it->key;
      queued = true;
      e = std::move(it->value);
    } else if (!st.fifo.empty()) {
      e = std::move(st.fifo.front());
      st.fifo.pop_front();
      key = e.order_key;
      if (st.sched.contains(key)) {
        st.sched.push(key, std::move(e));
        continue;
      }
    } else {
      break;
    }
    if (e.batch->revoked(e.index)) {
      // Moved to another member by a rebalance (after the drain): it reads the record again.
      st.sched.done(key);
      st.finish(e);
      continue;
    }
    auto r = (*e.batch)[e.index];
    std::string identity;
    if (cfg.dedup) {
      identity = dedup_identity(r, cfg.dedup->id_header());
      if (cfg.dedup->seen(identity, clock_type::now())) {
        ++cfg.counters->deduplicated;
        st.sched.done(key);
        st.finish(e);
        continue;
      }
    }
    auto began = clock_type::now();
    auto err = call_handler(cfg.on_record, r);
    auto ended = clock_type::now();
    took.observe(ended - began);
    if (!err) {
      if (cfg.dedup)
        cfg.dedup->remember(identity, clock_type::now());
      ++cfg.counters->handled;
      st.sched.done(key); // nothing to do for a record that ran straight
      st.finish(e);
    } else {
      on_failure(self, key, queued, std::move(e), r, std::move(err));
    }
    if (++n >= max_turn_records || ended - started >= max_turn) {
      if ((st.sched.runnable() > 0 || !st.fifo.empty()) && !st.continuing) {
        st.continuing = true;
        self->send(self, poll_atom_v);
      }
      break;
    }
  }
  send_forwards(self);
  report(self);
}

partition_lane_actor::behavior_type partition_lane(lane_pointer self, lane_owner owner,
                                                   uint32_t id,
                                                   std::shared_ptr<lane_config> cfg) {
  auto& st = self->state;
  st.id = id;
  st.owner = std::move(owner);
  st.cfg = std::move(cfg);
  return {
    [=](lane_work& w) {
      auto& st = self->state;
      for (auto& item : w.items)
        st.fifo.push_back(entry{w.batch, item.index, item.lane_key, 0, item.order_key});
      process(self);
    },
    [=](stop_atom) { self->quit(); },
    [=](tick_atom) {
      auto& st = self->state;
      auto now = clock_type::now();
      while (!st.due.empty() && st.due.begin()->first <= now) {
        st.sched.resume(st.due.begin()->second);
        st.due.erase(st.due.begin());
      }
      process(self);
    },
    [=](poll_atom) {
      self->state.continuing = false;
      process(self);
    },
  };
}

} // namespace

partition_lane_actor spawn_partition_lane(caf::local_actor* parent, bool detached,
                                          lane_owner owner, uint32_t id,
                                          std::shared_ptr<lane_config> cfg) {
  // Linked: the lanes go with their manager (the consumer ends it when it closes).
  if (detached)
    return parent->spawn<caf::detached + caf::linked>(partition_lane, std::move(owner), id,
                                                      std::move(cfg));
  return parent->spawn<caf::linked>(partition_lane, std::move(owner), id, std::move(cfg));
}

} // namespace kafka_actors
