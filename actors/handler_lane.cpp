#include "kafka_actors/actors/handler_lane.hpp"

#include <chrono>
#include <deque>
#include <exception>

#include <caf/detail/scope_guard.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "kafka_actors/runtime/errors.hpp"

namespace kafka_actors {

namespace {

using clock_type = std::chrono::steady_clock;

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

} // namespace

caf::error current_handler_exception() {
  try {
    throw;
  } catch (const std::exception& e) {
    return make_error(errc::handler_failed, std::string{"handler threw: "} + e.what());
  } catch (...) {
    return make_error(errc::handler_failed, "handler threw a non-standard exception");
  }
}

caf::error call_handler(const record_handler& on_record, const record& r) {
  return call_guarded([&] { return on_record(r); });
}

std::string dedup_identity(const record& r, const std::string& id_header) {
  return dedup_window::identity(id_header.empty() ? std::string{} : r.header(id_header),
                                r.key(), r.payload());
}

caf::error run_handler(const record_batch& batch, const record_handler& on_record,
                       const batch_handler& on_batch, const std::atomic<bool>* cancelled,
                       shared_dedup* dedup, std::atomic<uint64_t>* deduplicated) {
  if (on_batch) {
    if (batch.all_revoked())
      return caf::none; // the partitions' new owners read these records again
    auto err = call_guarded([&] { return on_batch(batch); });
    if (err)
      return make_error(errc::handler_failed,
                        "batch of " + std::to_string(batch.size()) + " records from "
                          + (batch.empty() ? std::string{"?"} : batch[0].where()) + ": "
                          + describe(err));
    return caf::none;
  }
  for (size_t i = 0; i < batch.size(); ++i) {
    if (cancelled && cancelled->load(std::memory_order_relaxed))
      return make_error(errc::stopped, "consumer closed");
    if (batch.revoked(i))
      continue; // moved to another member by a rebalance: it reads the record again
    std::string identity;
    if (dedup) {
      identity = dedup_identity(batch[i], dedup->id_header());
      if (dedup->seen(identity, clock_type::now())) {
        if (deduplicated)
          ++*deduplicated;
        continue;
      }
    }
    if (auto err = call_handler(on_record, batch[i]))
      return make_error(errc::handler_failed,
                        "record " + batch[i].where() + ": " + describe(err));
    if (dedup)
      dedup->remember(identity, clock_type::now());
  }
  return caf::none;
}

message forward_record(const record& r, const std::string& topic, const caf::error& err,
                       int attempts, int64_t now_ms, std::chrono::milliseconds delay) {
  message m;
  m.topic = topic;
  m.content = std::string{r.payload()};
  m.key = std::string{r.key()};
  m.metadata = forward_headers(r.headers(), std::string{r.topic()}, r.partition(), r.offset(),
                               describe(err), attempts, now_ms, delay);
  return m;
}

using lane_actor = handler_actor::extend<caf::reacts_to<tick_atom>>;

// Whoever takes forwards now: KafkaService (resolved each time, it may have restarted its
// producer) or the producer the lane was given.
forward_sink forward_target(const lane_config& cfg) {
  if (cfg.forwarder)
    return caf::actor_cast<forward_sink>(cfg.forwarder);
  return cfg.producer;
}

caf::error forward_failure(const batch_report& rep) {
  if (rep.failed() == 0)
    return caf::none;
  std::string why;
  for (auto& r : rep.results)
    if (!r.ok()) {
      why = r.error;
      break;
    }
  return make_error(errc::handler_failed, "could not forward a failed record: " + why);
}

struct lane_state {
  static inline const char* name = "kafka-handler-lane";

  struct pending {
    record_batch_ptr batch;
    consumer_actor from;
  };

  std::shared_ptr<lane_config> cfg;
  std::optional<breaker_state> breaker;
  std::deque<pending> queue;
  // Progress through queue.front().
  size_t index = 0;
  int attempts = 0;
  caf::error last_error;
  message_batch forwards;
  bool waiting = false; // a timer will resume us
  std::minstd_rand rng{std::random_device{}()};

  double random01() {
    return std::uniform_real_distribution<double>{0.0, 1.0}(rng);
  }

  void publish_breaker(clock_type::time_point now) {
    if (breaker)
      cfg->counters->breaker = static_cast<uint8_t>(breaker->phase(now));
  }
};

using lane_pointer = lane_actor::stateful_pointer<lane_state>;

namespace {

void finish_batch(lane_pointer self) {
  auto& st = self->state;
  auto done = std::move(st.queue.front());
  st.queue.pop_front();
  st.index = 0;
  st.attempts = 0;
  auto n = static_cast<int64_t>(done.batch->size());
  auto id = done.batch->id();
  if (st.forwards.empty()) {
    self->send(done.from, ack_atom_v, id, n);
    return;
  }
  // The source offsets may be stored only once every forward is on the broker.
  auto forwards = std::move(st.forwards);
  st.forwards = {};
  auto from = done.from;
  auto target = forward_target(*st.cfg);
  if (!target) {
    self->send(from, fail_atom_v, id,
               make_error(errc::handler_failed,
                          "could not forward a failed record: its service is gone"));
    return;
  }
  self->request(target, std::chrono::minutes{5}, send_atom_v, std::move(forwards))
    .then(
      [=](const batch_report& rep) {
        if (auto err = forward_failure(rep))
          self->send(from, fail_atom_v, id, std::move(err));
        else
          self->send(from, ack_atom_v, id, n);
      },
      [=](const caf::error& err) {
        self->send(from, fail_atom_v, id,
                   make_error(errc::handler_failed,
                              "could not forward a failed record: " + describe(err)));
      });
}

// Handles one failed call of record `r`; returns false if the lane must wait for a timer.
bool on_failure(lane_pointer self, const record& r, caf::error err) {
  auto& st = self->state;
  auto& counters = *st.cfg->counters;
  auto kind = classify(err);
  ++st.attempts;
  auto d = decide(*st.cfg->retry, std::string{r.topic()}, st.attempts, kind, st.random01());
  switch (d.what) {
    case retry_decision::action::retry_in_place:
      ++counters.retried_in_place;
      st.waiting = true;
      self->delayed_send(self, d.delay, tick_atom_v);
      return false;
    case retry_decision::action::forward:
      st.forwards.push_back(forward_record(r, d.topic, err, st.attempts, wall_ms(), d.delay));
      if (d.level < 0)
        ++counters.dead_lettered;
      else
        ++counters.forwarded_to_retry;
      break;
    case retry_decision::action::drop:
      ++counters.dropped;
      break;
  }
  ++st.index;
  st.attempts = 0;
  return true;
}

// Works through the queue until it is empty or a timer must resume it.
void process(lane_pointer self) {
  auto& st = self->state;
  auto& cfg = *st.cfg;
  // Handler runs of this turn, handed to the consumer's status once, on every way out.
  latency_histogram took;
  auto publish = caf::detail::make_scope_guard([&] { cfg.counters->add_durations(took); });
  while (!st.waiting && !st.queue.empty()) {
    auto& current = st.queue.front();
    auto& batch = *current.batch;
    if (!cfg.retry && !st.breaker) {
      // Plain mode: the whole batch succeeds or fails.
      auto began = clock_type::now();
      auto err = run_handler(batch, cfg.on_record, cfg.on_batch, &cfg.counters->cancelled,
                             cfg.dedup.get(), &cfg.counters->deduplicated);
      took.observe(clock_type::now() - began);
      auto id = batch.id();
      auto from = current.from;
      auto n = static_cast<int64_t>(batch.size());
      st.queue.pop_front();
      if (err) {
        self->send(from, fail_atom_v, id, std::move(err));
      } else {
        cfg.counters->handled += static_cast<uint64_t>(n);
        self->send(from, ack_atom_v, id, n);
      }
      continue;
    }
    while (st.index < batch.size()) {
      if (cfg.counters->cancelled)
        return; // the consumer closed: nothing more of this will be acknowledged
      auto now = clock_type::now();
      if (st.breaker && !st.breaker->allow(now)) {
        st.publish_breaker(now);
        // Open: no calls and no credit back until it turns half-open.
        st.waiting = true;
        auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(
          st.breaker->reopens_at() - now);
        self->delayed_send(self, std::max(wait, std::chrono::milliseconds{1}), tick_atom_v);
        return;
      }
      if (batch.revoked(st.index)) {
        ++st.index; // moved to another member by a rebalance
        continue;
      }
      auto r = batch[st.index];
      std::string identity;
      if (cfg.dedup) {
        identity = dedup_identity(r, cfg.dedup->id_header());
        if (cfg.dedup->seen(identity, now)) {
          ++cfg.counters->deduplicated;
          ++st.index;
          continue;
        }
      }
      auto began = clock_type::now();
      auto err = call_handler(cfg.on_record, r);
      now = clock_type::now();
      took.observe(now - began);
      if (!err) {
        if (cfg.dedup)
          cfg.dedup->remember(identity, now);
        if (st.breaker)
          st.breaker->on_success(now);
        ++cfg.counters->handled;
        ++st.index;
        st.attempts = 0;
        st.publish_breaker(now);
        continue;
      }
      auto kind = classify(err);
      if (st.breaker && kind == failure_kind::retriable) {
        auto before = st.breaker->times_opened();
        st.breaker->on_failure(now);
        if (st.breaker->times_opened() != before)
          ++cfg.counters->breaker_opened;
        st.publish_breaker(now);
      }
      if (!cfg.retry) {
        if (kind == failure_kind::non_retriable) {
          // The record, not the dependency, is at fault: retrying it can never succeed and
          // it says nothing about the dependency. Without a retry policy (no dead-letter
          // topic) the batch fails, naming the record.
          if (st.breaker)
            st.breaker->release_probe();
          auto id = batch.id();
          auto from = current.from;
          auto failed = make_error(errc::non_retriable,
                                   "record " + r.where() + ": " + describe(err));
          st.queue.pop_front();
          st.index = 0;
          st.attempts = 0;
          self->send(from, fail_atom_v, id, std::move(failed));
          break;
        }
        // A breaker alone retries the record once the dependency is probed again.
        continue;
      }
      if (!on_failure(self, r, err))
        return;
    }
    if (st.queue.empty() || &st.queue.front() != &current || st.index < batch.size())
      continue; // the batch failed and left the queue
    finish_batch(self);
  }
}

} // namespace

namespace {

lane_actor::behavior_type handler_lane(lane_pointer self, std::shared_ptr<lane_config> cfg) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  if (st.cfg->breaker)
    st.breaker.emplace(*st.cfg->breaker);
  return {
    [=](join_atom, const consumer_actor& consumer) {
      self->send(consumer, credit_atom_v, self->state.cfg->credit);
    },
    [=](const record_batch_ptr& batch, const consumer_actor& from) {
      self->state.queue.push_back(lane_state::pending{batch, from});
      process(self);
    },
    [=](tick_atom) {
      self->state.waiting = false;
      process(self);
    },
  };
}

} // namespace

handler_actor spawn_handler_lane(caf::actor_system& sys, bool detached,
                                 std::shared_ptr<lane_config> cfg) {
  if (detached)
    return sys.spawn<caf::detached>(handler_lane, std::move(cfg));
  return sys.spawn(handler_lane, std::move(cfg));
}

} // namespace kafka_actors
