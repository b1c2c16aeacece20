#pragma once

// Shared librdkafka producer handles. A handle costs threads and broker connections, so
// producers whose effective configuration is the same share one: the pool hands out
// references and the handle is destroyed when its last user lets go.
//
// Any thread may produce on a shared handle, but delivery reports come out of one queue: a
// small pump actor serves that queue (woken by librdkafka's queue event callback) and
// forwards the reports, in batches, to the producer actor that sent each record.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_set>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>
#include <caf/actor_system.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/expected.hpp>

#include "kafka_actors/runtime/properties.hpp"
#include "kafka_actors/runtime/rdkafka_handles.hpp"

namespace kafka_actors {

struct delivery_owner;

/// The base of a producer's request context. librdkafka holds pointers into it (the records'
/// opaques) until each record's delivery report was served, so it must outlive the producer
/// actor when that dies with records in flight: `outstanding` counts the records whose report
/// the pump has not seen yet, and a dead owner's contexts are freed by the pump when it drops
/// to zero (or with the client's handle, whichever comes first).
struct delivery_request {
  const delivery_owner* owner = nullptr;
  std::atomic<size_t> outstanding{0};
  virtual ~delivery_request() = default;
};

/// A record's librdkafka opaque.
struct delivery_slot {
  delivery_request* request;
  uint32_t index;  // the record's index in its request
  uint32_t bytes;  // what it took from the producer's credit window (payload, key, headers)
};

/// One delivery report, addressed to the producer actor that sent the record.
struct delivery_entry {
  const delivery_slot* slot;
  int32_t partition;
  int32_t error_code;
  int64_t offset;
  int64_t timestamp;
};

using delivery_batch = std::shared_ptr<std::vector<delivery_entry>>;

/// A producer registered with a shared client: where its reports go, and whether it wants to
/// hear that the shared queue has room again (it met QUEUE_FULL).
struct delivery_owner {
  caf::actor_addr owner;
  mutable std::atomic<bool> wants_room{false};
  /// Set once the producer is gone; its later reports are settled by the pump.
  mutable std::atomic<bool> dead_flag{false};
  // Guarded by the dispatch's mutex.
  mutable bool dead = false;
  mutable std::unordered_set<delivery_request*> orphans;
};

/// What librdkafka's callbacks reach (the conf opaque): lives until the handle is destroyed.
struct producer_dispatch;

class shared_producer_client {
public:
  ~shared_producer_client();

  rd_kafka_t* handle() const noexcept {
    return rk_.get();
  }
  size_t max_message_bytes() const noexcept {
    return max_message_bytes_;
  }
  /// Registers a producer: it hears about client-wide errors (all brokers down, failed
  /// authentication) and gets an owner tag for its records. The tag lives as long as the
  /// handle, so a report can never reach a dangling owner.
  const delivery_owner* register_owner(const caf::actor_addr& a);

  /// A producer leaves (on every exit path): its requests in `live` whose records still wait
  /// for a report are kept until the pump saw them; the others are deleted here.
  void unregister_owner(const delivery_owner* owner,
                        const std::vector<delivery_request*>& live);

  /// True if `err`, from this handle's error callback, means no record reaches the brokers
  /// until the configuration changes: a failed login, or a broker certificate the verify
  /// callback refused. The pump has then failed what the handle held (purge).
  bool cannot_connect(int err) const;

  /// Called after a request's records were handed over (its `outstanding` count set).
  /// Asks the pump to say when the shared queue has room (the owner met QUEUE_FULL).
  void want_room(const delivery_owner* owner) noexcept {
    owner->wants_room.store(true, std::memory_order_release);
  }

private:
  friend class client_pool;
  friend struct pump_access;
  client_ptr rk_;
  queue_ptr main_queue_;
  size_t max_message_bytes_ = 1000000;
  // For what killed producers left in flight (stopped ones flushed their own already).
  std::chrono::milliseconds flush_deadline_{5000};
  caf::actor pump_;
  std::shared_ptr<producer_dispatch> dispatch_;
};

class client_pool {
public:
  /// The pool of `sys`'s process; handles are keyed by their effective properties.
  static client_pool& instance();

  /// A shared producer client for `props` (bootstrap.servers included); creates it on first
  /// use. Errors name the rejected property.
  caf::expected<std::shared_ptr<shared_producer_client>> acquire(caf::actor_system& sys,
                                                                  const properties& props);

  /// Distinct shared handles alive now.
  size_t size();

private:
  std::mutex mx_;
  std::map<std::string, std::weak_ptr<shared_producer_client>> clients_;
};

} // namespace kafka_actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(kafka_actors::delivery_batch)

