#pragma once

// Bridges a librdkafka queue to an actor's mailbox: librdkafka calls us (on its own thread,
// holding the queue lock) when the queue turns non-empty; we only flip a flag and, if it was
// clear, mail the actor a `poll`. The actor clears the flag before draining. librdkafka
// signals empty -> non-empty only, so an actor that stops draining early must mail itself.

#include <atomic>

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>
#include <caf/actor_cast.hpp>
#include <caf/send.hpp>

#include "kafka_actors/runtime/atoms.hpp"

struct rd_kafka_s;
struct rd_kafka_queue_s;

namespace kafka_actors {

class queue_waker {
public:
  explicit queue_waker(caf::actor_addr target) : target_(std::move(target)) {
  }

  /// Installs the callback on `q`; `disable` must run before the queue or `this` dies.
  void enable(rd_kafka_queue_s* q);
  void disable(rd_kafka_queue_s* q);

  /// Called by the actor before it drains the queue.
  void clear() noexcept {
    pending_.store(false, std::memory_order_release);
  }

  void wake() {
    if (!pending_.exchange(true, std::memory_order_acq_rel))
      if (auto hdl = caf::actor_cast<caf::actor>(target_))
        caf::anon_send(hdl, poll_atom_v);
  }

private:
  static void on_event(rd_kafka_s* rk, void* opaque);

  std::atomic<bool> pending_{false};
  caf::actor_addr target_;
};

} // namespace kafka_actors
