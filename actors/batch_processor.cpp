#include "kafka_actors/actors/batch_processor.hpp"

#include <chrono>
#include <deque>
#include <map>
#include <random>
#include <unordered_map>

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "kafka_actors/runtime/errors.hpp"

namespace kafka_actors {

namespace {

using clock_type = std::chrono::steady_clock;
using std::chrono::milliseconds;

int64_t wall_ms() {
  return std::chrono::duration_cast<milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

// tick: a window may have ended. retry: partition `key` may try its waiting batch again.
using processor_actor =
  handler_actor::extend<caf::reacts_to<tick_atom>, caf::reacts_to<retry_atom, uint64_t>>;

struct processor_state {
  static inline const char* name = "kafka-batch-processor";

  // A consumer batch and how many of its records are not done yet.
  struct source {
    record_batch_ptr batch;
    consumer_actor from;
    size_t remaining = 0;
  };

  // A closed batch on its way through the handler, retries and forwards.
  struct work {
    batch_collector::closed_batch closed;
    int attempts = 0;
  };

  // The batches of one partition, handled in order.
  struct lane {
    std::deque<work> queue;
    bool waiting = false; // for a retry timer or a forward
  };

  std::shared_ptr<batch_processor_config> cfg;
  std::optional<batch_collector> collector;
  std::unordered_map<uint64_t, source> sources;
  std::map<topic_partition, lane> lanes;
  // Retry timers name their partition by a number: a topic_partition is no message type.
  std::map<uint64_t, topic_partition> retry_keys;
  uint64_t next_retry_key = 1;
  std::optional<clock_type::time_point> tick_at;
  std::minstd_rand rng{std::random_device{}()};

  double random01() {
    return std::uniform_real_distribution<double>{0.0, 1.0}(rng);
  }

  record at(const batch_collector::item& it) const {
    return (*sources.at(it.source).batch)[it.index];
  }

  bool revoked(const batch_collector::item& it) const {
    return sources.at(it.source).batch->revoked(it.index);
  }
};

using processor_pointer = processor_actor::stateful_pointer<processor_state>;

// Counts `n` records of consumer batch `id` done; acknowledges the batch once all are.
void settle(processor_pointer self, uint64_t id, size_t n = 1) {
  auto& st = self->state;
  auto i = st.sources.find(id);
  if (i == st.sources.end())
    return; // failed already
  i->second.remaining -= std::min(n, i->second.remaining);
  if (i->second.remaining > 0)
    return;
  auto size = static_cast<int64_t>(i->second.batch->size());
  self->send(i->second.from, ack_atom_v, id, size);
  st.sources.erase(i);
}

// Fails the consumer batches the records come from: the consumer restarts and reads them
// again from its last commit.
void fail_sources(processor_pointer self, const std::vector<batch_collector::item>& items,
                  const caf::error& err) {
  auto& st = self->state;
  for (auto& it : items) {
    auto i = st.sources.find(it.source);
    if (i == st.sources.end())
      continue;
    self->send(i->second.from, fail_atom_v, it.source, err);
    st.sources.erase(i);
  }
}

// Runs the handler over the still-owned records of `w`. Returns the failed items with their
// errors; settles the rest.
std::vector<std::pair<batch_collector::item, caf::error>> run(processor_pointer self,
                                                              processor_state::work& w) {
  auto& st = self->state;
  std::vector<batch_collector::item> live;
  std::vector<record> records;
  std::vector<std::string> identities; // with dedup: of `live`, index by index
  for (auto& it : w.closed.items) {
    if (st.sources.count(it.source) == 0)
      continue; // its consumer batch failed: the record comes again
    if (st.revoked(it)) {
      settle(self, it.source); // its partition's new owner reads it again
      continue;
    }
    auto r = st.at(it);
    if (st.cfg->dedup) {
      auto identity = dedup_identity(r, st.cfg->dedup->id_header());
      if (st.cfg->dedup->seen(identity, clock_type::now())) {
        ++st.cfg->counters->deduplicated;
        settle(self, it.source);
        continue;
      }
      identities.push_back(std::move(identity));
    }
    live.push_back(it);
    records.push_back(r);
  }
  std::vector<std::pair<batch_collector::item, caf::error>> failed;
  if (live.empty())
    return failed;
  partition_batch batch{w.closed.tp, std::move(records), w.closed.trigger};
  auto err = call_guarded([&] { return st.cfg->handler(batch); });
  std::vector<bool> is_failed(live.size(), false);
  if (err) {
    for (size_t i = 0; i < live.size(); ++i) {
      is_failed[i] = true;
      failed.emplace_back(live[i], err);
    }
  } else {
    for (auto& [i, e] : batch.failures())
      if (i < live.size() && !is_failed[i]) {
        is_failed[i] = true;
        failed.emplace_back(live[i], e ? e : make_error(errc::handler_failed, "marked failed"));
      }
  }
  auto handled = live.size() - failed.size();
  st.cfg->counters->handled += handled;
  auto now = clock_type::now();
  for (size_t i = 0; i < live.size(); ++i)
    if (!is_failed[i]) {
      if (st.cfg->dedup)
        st.cfg->dedup->remember(identities[i], now);
      settle(self, live[i].source);
    }
  return failed;
}

forward_sink forward_target(const batch_processor_config& cfg) {
  if (cfg.forwarder)
    return caf::actor_cast<forward_sink>(cfg.forwarder);
  return cfg.producer;
}

void process(processor_pointer self);

// Forwards records that are done with in place; settles them once the broker has them all.
void forward(processor_pointer self, const topic_partition& tp,
             std::vector<batch_collector::item> items, message_batch forwards) {
  auto& st = self->state;
  auto target = forward_target(*st.cfg);
  if (!target) {
    fail_sources(self, items,
                 make_error(errc::handler_failed,
                            "could not forward a failed record: its service is gone"));
    return;
  }
  st.lanes[tp].waiting = true;
  self->request(target, std::chrono::minutes{5}, send_atom_v, std::move(forwards))
    .then(
      [=](const batch_report& rep) {
        self->state.lanes[tp].waiting = false;
        if (rep.failed() > 0) {
          std::string why;
          for (auto& r : rep.results)
            if (!r.ok()) {
              why = r.error;
              break;
            }
          fail_sources(self, items,
                       make_error(errc::handler_failed,
                                  "could not forward a failed record: " + why));
        } else {
          for (auto& it : items)
            settle(self, it.source);
        }
        process(self);
      },
      [=](const caf::error& err) {
        self->state.lanes[tp].waiting = false;
        fail_sources(self, items,
                     make_error(errc::handler_failed,
                                "could not forward a failed record: " + describe(err)));
        process(self);
      });
}

// Decides what happens to the failed records of the front batch of `tp`. Returns true if
// the lane may go on with its next batch.
bool on_failures(processor_pointer self, const topic_partition& tp, processor_state::work& w,
                 std::vector<std::pair<batch_collector::item, caf::error>> failed) {
  auto& st = self->state;
  auto& counters = *st.cfg->counters;
  if (!st.cfg->retry) {
    auto& [it, err] = failed.front();
    std::vector<batch_collector::item> items;
    for (auto& f : failed)
      items.push_back(f.first);
    fail_sources(self, items,
                 make_error(classify(err) == failure_kind::non_retriable ? errc::non_retriable
                                                                         : errc::handler_failed,
                            "record " + st.at(it).where() + " in a batch of "
                              + std::to_string(w.closed.items.size()) + ": " + describe(err)));
    return true;
  }
  ++w.attempts;
  std::vector<batch_collector::item> again;
  std::vector<batch_collector::item> forwarded;
  message_batch forwards;
  milliseconds wait{0};
  for (auto& [it, err] : failed) {
    auto r = st.at(it);
    auto d = decide(*st.cfg->retry, std::string{r.topic()}, w.attempts, classify(err),
                    st.random01());
    switch (d.what) {
      case retry_decision::action::retry_in_place:
        again.push_back(it);
        wait = std::max(wait, d.delay);
        break;
      case retry_decision::action::forward:
        forwards.push_back(forward_record(r, d.topic, err, w.attempts, wall_ms(), d.delay));
        forwarded.push_back(it);
        if (d.level < 0)
          ++counters.dead_lettered;
        else
          ++counters.forwarded_to_retry;
        break;
      case retry_decision::action::drop:
        ++counters.dropped;
        settle(self, it.source);
        break;
    }
  }
  if (!forwards.empty())
    forward(self, tp, std::move(forwarded), std::move(forwards));
  if (again.empty())
    return true;
  // Only the failed records are tried again, after the backoff; the partition waits.
  counters.retried_in_place += again.size();
  w.closed.items = std::move(again);
  auto key = st.next_retry_key++;
  st.retry_keys.emplace(key, tp);
  st.lanes[tp].waiting = true;
  self->delayed_send(self, std::max(wait, milliseconds{1}), retry_atom_v, key);
  return false;
}

// Handles what the lanes hold until each is empty or waits.
void process(processor_pointer self) {
  auto& st = self->state;
  for (auto& [tp, lane] : st.lanes) {
    while (!lane.waiting && !lane.queue.empty()) {
      if (st.cfg->counters->cancelled)
        return; // the consumer closed: nothing more will be acknowledged
      auto failed = run(self, lane.queue.front());
      if (failed.empty()) {
        lane.queue.pop_front();
        continue;
      }
      if (!on_failures(self, tp, lane.queue.front(), std::move(failed)))
        break; // a retry timer resumes this partition
      lane.queue.pop_front();
    }
  }
  for (auto i = st.lanes.begin(); i != st.lanes.end();)
    i = i->second.queue.empty() && !i->second.waiting ? st.lanes.erase(i) : std::next(i);
}

void enqueue(processor_pointer self, std::vector<batch_collector::closed_batch>& closed) {
  auto& st = self->state;
  for (auto& c : closed) {
    auto tp = c.tp;
    st.lanes[tp].queue.push_back(processor_state::work{std::move(c), 0});
  }
  closed.clear();
}

// Arms the timer for the next window end, unless an earlier one is armed already.
void arm(processor_pointer self) {
  auto& st = self->state;
  auto next = st.collector->next_deadline();
  if (!next || (st.tick_at && *st.tick_at <= *next))
    return;
  st.tick_at = *next;
  auto wait = std::chrono::duration_cast<milliseconds>(*next - clock_type::now());
  self->delayed_send(self, std::max(wait, milliseconds{1}), tick_atom_v);
}

processor_actor::behavior_type processor(processor_pointer self,
                                         std::shared_ptr<batch_processor_config> cfg) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.collector.emplace(st.cfg->batching);
  return {
    [=](join_atom, const consumer_actor& consumer) {
      self->send(consumer, credit_atom_v, self->state.cfg->credit);
    },
    [=](const record_batch_ptr& batch, const consumer_actor& from) {
      auto& st = self->state;
      auto id = batch->id();
      auto& src = st.sources[id];
      src.batch = batch;
      src.from = from;
      std::vector<batch_collector::closed_batch> closed;
      auto now = clock_type::now();
      for (size_t i = 0; i < batch->size(); ++i) {
        if (batch->revoked(i))
          continue;
        auto r = (*batch)[i];
        ++src.remaining;
        st.collector->add(topic_partition{std::string{r.topic()}, r.partition()},
                          batch_collector::item{id, static_cast<uint32_t>(i),
                                                r.payload().size() + r.key().size()},
                          now, closed);
      }
      if (src.remaining == 0) {
        self->send(from, ack_atom_v, id, static_cast<int64_t>(batch->size()));
        st.sources.erase(id);
      }
      enqueue(self, closed);
      process(self);
      arm(self);
    },
    [=](tick_atom) {
      auto& st = self->state;
      st.tick_at.reset();
      std::vector<batch_collector::closed_batch> closed;
      st.collector->close_due(clock_type::now(), closed);
      enqueue(self, closed);
      process(self);
      arm(self);
    },
    [=](retry_atom, uint64_t key) {
      auto& st = self->state;
      auto i = st.retry_keys.find(key);
      if (i == st.retry_keys.end())
        return;
      auto tp = i->second;
      st.retry_keys.erase(i);
      st.lanes[tp].waiting = false;
      process(self);
    },
  };
}

} // namespace

caf::error validate_batching(const batching_config& b, const flow_config& flow) {
  if (b.max_records == 0)
    return make_error(errc::invalid_config, "batching: max_records must be at least 1");
  if (b.max_bytes == 0)
    return make_error(errc::invalid_config, "batching: max_bytes must be at least 1");
  if (b.max_wait.count() <= 0)
    return make_error(errc::invalid_config, "batching: max_wait must be positive");
  if (b.max_wait >= flow.drain_timeout)
    return make_error(errc::invalid_config,
                      "batching: max_wait (" + std::to_string(b.max_wait.count())
                        + " ms) must be below flow.drain.timeout.ms ("
                        + std::to_string(flow.drain_timeout.count())
                        + " ms), or a stop abandons every open batch");
  return caf::none;
}

handler_actor spawn_batch_processor(caf::actor_system& sys, bool detached,
                                    std::shared_ptr<batch_processor_config> cfg) {
  if (detached)
    return sys.spawn<caf::detached>(processor, std::move(cfg));
  return sys.spawn(processor, std::move(cfg));
}

} // namespace kafka_actors
