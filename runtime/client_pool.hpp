#pragma once

// Shared librdkafka producer handles. A handle costs threads and broker connections, so
// producers whose effective configuration is the same share one: the pool hands out
// references and the handle is destroyed when its last user lets go.
//
// Any thread may produce on a shared handle, but delivery reports come out of one queue: a
// small pump actor serves that queue (woken by librdkafka's queue event callback) and
// forwards the reports, in batches, to the producer actor that sent each record.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>
#include <caf/actor_system.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/expected.hpp>

#include "kafka_actors/config/kafka_config.hpp"
#include "kafka_actors/runtime/rdkafka_handles.hpp"

namespace kafka_actors {

/// One delivery report, addressed to the producer actor that sent the record.
struct delivery_entry {
  void* slot;          // the record's opaque, as the producer passed it
  int32_t partition;
  int64_t offset;
  int64_t timestamp;
  int32_t error_code;
  size_t bytes;        // payload + key, to give back to the producer's credit window
};

using delivery_batch = std::shared_ptr<std::vector<delivery_entry>>;

/// Whom the pump tells about a record: a record's opaque must point to a struct whose first
/// member is a `const delivery_owner*` obtained from the client's register_owner.
struct delivery_owner {
  caf::actor_addr owner;
};

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
  /// client, so a report can never reach a dangling owner.
  const delivery_owner* register_owner(const caf::actor_addr& a);
  void unregister_owner(const caf::actor_addr& a);

private:
  friend class client_pool;
  friend struct pump_access;
  client_ptr rk_;
  queue_ptr main_queue_;
  size_t max_message_bytes_ = 1000000;
  caf::actor pump_;
  std::mutex mx_;
  std::vector<caf::actor_addr> listeners_;
  std::vector<std::unique_ptr<delivery_owner>> owners_;
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
