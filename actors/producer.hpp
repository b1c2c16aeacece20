#pragma once

// Producer actor: owns one librdkafka producer. Records arrive one per request (`send`) or in
// batches (`send` with a message_batch, the fast path); each request is answered once the
// broker acknowledged every record in it. What the actor has handed to librdkafka is bounded
// by flow_config's window (records and bytes: payload, key and headers); requests past it
// wait in a queue bounded by request count and by bytes (the window's byte size) (`send`), or
// fail at once with errc::backpressure (`try_send`). A producer that exits on any path
// answers every pending request (undelivered records fail, waiting requests get
// errc::stopped). Producers with the same effective configuration share
// one librdkafka handle (runtime/client_pool.hpp); its pump actor forwards delivery reports in
// batches, woken by librdkafka's queue event callback, so no scheduler thread ever blocks.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/expected.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "kafka_actors/config/kafka_config.hpp"
#include "kafka_actors/runtime/atoms.hpp"
#include "kafka_actors/runtime/client_pool.hpp"
#include "kafka_actors/runtime/latency_histogram.hpp"
#include "kafka_actors/runtime/message.hpp"

namespace kafka_actors {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, latency_histogram& x) {
  return f(caf::meta::type_name("kafka_actors::latency_histogram"), x.buckets, x.sum_seconds,
           x.count);
}

struct producer_status {
  uint64_t delivered = 0;
  uint64_t failed = 0;
  uint64_t in_flight_messages = 0;
  uint64_t in_flight_bytes = 0;
  uint64_t waiting_requests = 0;
  /// Messages waiting in the producer actors' mailboxes when the status was taken.
  uint64_t mailbox = 0;
  uint64_t backpressure_rejections = 0;
  uint64_t circuit_open_rejections = 0;
  /// "closed", "open" or "half_open" with a breaker configured, else empty.
  std::string breaker;
  uint64_t breaker_opened = 0;
  std::string last_error;
  /// Set while no record can reach the brokers until something changes: a fatal error of the
  /// idempotent producer ("fatal: ..."), a failed login or a refused broker certificate;
  /// empty while healthy (readiness reads it).
  std::string failure;
  /// Per acknowledged record: from its send request reaching the producer (waiting for the
  /// in-flight window included) to the broker's acknowledgement.
  latency_histogram ack_latency;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, producer_status& x) {
  return f(caf::meta::type_name("kafka_actors::producer_status"), x.delivered,
           x.failed, x.in_flight_messages, x.in_flight_bytes, x.waiting_requests,
           x.backpressure_rejections, x.circuit_open_rejections, x.breaker,
           x.breaker_opened, x.last_error, x.failure, x.ack_latency, x.mailbox);
}

using producer_actor = caf::typed_actor<
  // One record; replies once the broker acknowledged it, or with an error.
  caf::replies_to<send_atom, message>::with<delivery_report>,
  // Many records; replies once with one report per record, in order.
  caf::replies_to<send_atom, message_batch>::with<batch_report>,
  // As above, but fails with errc::backpressure instead of waiting for credit.
  // With kafka_config::producer_breaker, requests fail with errc::circuit_open while open.
  caf::replies_to<try_send_atom, message_batch>::with<batch_report>,
  // Flushes everything in flight, then quits. Replies with the number of records flushed.
  caf::replies_to<stop_atom>::with<uint64_t>,
  caf::replies_to<status_atom>::with<producer_status>,
  // Internal: delivery reports and client-wide errors from the shared client's pump; `poll`
  // says the shared queue has room again, `tick` is the retry timer of a full queue.
  caf::reacts_to<delivery_batch>, caf::reacts_to<fail_atom, int32_t, std::string>,
  caf::reacts_to<poll_atom>, caf::reacts_to<tick_atom>>;

/// Spawns a producer for `cfg` (bootstrap must be set: embedded clusters are resolved by the
/// caller). Fails if the configuration is rejected.
caf::expected<producer_actor> spawn_producer(caf::actor_system& sys,
                                             const kafka_config& cfg);

/// Spawns `shards` producers over one shared handle behind a router that speaks the same
/// protocol: records with the same key always go through the same producer (so their order
/// holds); a batch is split by shard and answered once, in the batch's order.
caf::expected<producer_actor> spawn_producer_group(caf::actor_system& sys,
                                                   const kafka_config& cfg, size_t shards);

/// Caller-side coalescing for per-record sends: gathers the records one caller sends into
/// `send` requests of up to `max_batch` records (or what `linger` gathered), so a record costs
/// no actor message of its own, while each record still gets its own result: `on_result` is
/// called once per record, in the order sent, with the record's own report (error_code 0 and
/// its partition/offset, or the error). Results come on a helper actor's thread, not the
/// caller's. `send` may be called from any thread; the destructor sends what is gathered
/// (results still come for it) and lets the helper quit once every request was answered.
class producer_sender {
public:
  using callback = std::function<void(delivery_report&)>;

  producer_sender(caf::actor_system& sys, producer_actor producer, size_t max_batch = 1000,
                  std::chrono::microseconds linger = std::chrono::milliseconds{1});
  ~producer_sender();

  producer_sender(const producer_sender&) = delete;
  producer_sender& operator=(const producer_sender&) = delete;

  void send(message m, callback on_result);

  /// Sends what is gathered now instead of after the linger.
  void flush();

  struct shared_state;

private:
  std::shared_ptr<shared_state> st_;
  caf::actor helper_;
};

} // namespace kafka_actors
