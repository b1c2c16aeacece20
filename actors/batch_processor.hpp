#pragma once

// The batch processor: a handler actor that gathers consumed records per partition into
// batches closed by count, bytes or a time window (runtime/batch_collector), hands each batch
// to the user's function and acknowledges a consumer batch once every record of it was in a
// handled batch, so offsets commit only after the handler finished with them. A batch that
// fails, or the records of it the handler marked failed, go to the retry policy (retried in
// place with backoff, then the retry or dead-letter topics); without one, the failure fails
// the consumer batches of the failed records (the consumer restarts and reads them again).
// Batches of one partition are handled in order; a partition waiting for a retry holds only
// itself.

#include <memory>
#include <optional>

#include "kafka_actors/actors/handler_lane.hpp"
#include "kafka_actors/runtime/batch_collector.hpp"
#include "kafka_actors/runtime/partition_batch.hpp"

namespace kafka_actors {

struct batch_processor_config {
  batching_config batching;
  partition_batch_handler handler;
  /// Records the processor asks of its consumer at once (at least max_records, so that a
  /// count-closed batch can fill without waiting for the window).
  int64_t credit = 0;
  std::optional<retry_policy> retry;
  producer_actor producer;
  /// Preferred over `producer` when set: resolved at every forward (KafkaService).
  caf::actor_addr forwarder;
  std::shared_ptr<lane_counters> counters = std::make_shared<lane_counters>();
  /// Drops records handled before within the window (idempotent consumer).
  std::shared_ptr<shared_dedup> dedup;
};

/// Checks a batching configuration against the consumer's flow settings: the window must end
/// before a stop's drain deadline, or a stop would abandon every open batch.
caf::error validate_batching(const batching_config& b, const flow_config& flow);

/// Spawns a batch processor; `detached` gives it a thread of its own (blocking handlers).
handler_actor spawn_batch_processor(caf::actor_system& sys, bool detached,
                                    std::shared_ptr<batch_processor_config> cfg);

} // namespace kafka_actors
