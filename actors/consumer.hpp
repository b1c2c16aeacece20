#pragma once

// Consumer actor: owns one librdkafka consumer in one group and feeds a handler under credit.
//
//   librdkafka --poll--> consumer ==record_batch==> handler
//                        consumer <==ack + credit=== handler
//
// The handler grants credit (records it will take); the consumer never has more records
// out than granted, in batches of up to flow_config::consumer_batch_size. Without credit it
// stops taking records from librdkafka (whose queued.max.messages.kbytes then bounds memory),
// pauses its partitions after flow_config::pause_grace and keeps polling while paused so the
// group keeps it. An offset is stored (and auto-committed) only when it and all lower offsets
// of its partition were acknowledged. On revoke it commits what is done and fences late acks.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/actor_addr.hpp>
#include <caf/actor_system.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "kafka_actors/actors/producer.hpp"
#include "kafka_actors/config/kafka_config.hpp"
#include "kafka_actors/runtime/atoms.hpp"
#include "kafka_actors/runtime/batch_collector.hpp"
#include "kafka_actors/runtime/breaker_state.hpp"
#include "kafka_actors/runtime/dedup_window.hpp"
#include "kafka_actors/runtime/lane_router.hpp"
#include "kafka_actors/runtime/partition_batch.hpp"
#include "kafka_actors/runtime/record.hpp"
#include "kafka_actors/runtime/retry_policy.hpp"

namespace kafka_actors {

struct consumer_status {
  /// The subscription's consumer group.
  std::string group;
  /// The member id the group coordinator gave this consumer; empty until it first joined.
  std::string member_id;
  /// The latest statistics JSON librdkafka emitted for this consumer's handle (with
  /// `statistics.interval.ms` set, as monitoring does), else empty. Parsed off the consumer,
  /// by the metrics collector.
  std::string statistics;
  /// Handler time per batch (plain on_record/on_batch subscriptions), else empty.
  latency_histogram handler_duration;
  /// "topic[partition]" of every assigned partition.
  std::vector<std::string> assigned;
  /// Next offset stored for commit, per "topic[partition]".
  std::map<std::string, int64_t> stored;
  /// Partitions at their end (enable.partition.eof): the end was reached and every record
  /// before it was acknowledged.
  std::vector<std::string> at_end;
  bool paused = false;
  bool stopping = false;
  int64_t credit = 0;
  uint64_t in_flight_batches = 0;
  uint64_t in_flight_bytes = 0;
  /// Records taken from librdkafka and not yet dispatched (arrived while paused or starved).
  uint64_t held = 0;
  uint64_t dispatched = 0;
  uint64_t acked = 0;
  uint64_t pauses = 0;
  uint64_t resumes = 0;
  uint64_t rebalances = 0;
  uint64_t fenced_acks = 0;
  /// Records held back because their `ka.due` time had not come (retry topics).
  uint64_t delayed = 0;
  /// From the handler lane running on_record/on_batch (zero for handler actors).
  uint64_t handled = 0;
  uint64_t retried_in_place = 0;
  uint64_t forwarded_to_retry = 0;
  uint64_t dead_lettered = 0;
  /// Records the retry policy dropped (retries exhausted, no dead-letter topic).
  uint64_t dropped = 0;
  /// Records dropped as duplicates (subscription::dedup).
  uint64_t deduplicated = 0;
  /// Records taken and then dropped because their partition was revoked (the new owner
  /// reads them again).
  uint64_t dropped_on_revoke = 0;
  /// Revokes that waited for in-flight work of their partitions (flow.revoke.drain.ms), and
  /// those of them whose deadline passed first.
  uint64_t revoke_drains = 0;
  uint64_t revoke_drain_timeouts = 0;
  /// Pauses of one partition that held its fair share of the window (lanes only: see
  /// flow_settings::fair_share).
  uint64_t share_pauses = 0;
  /// "closed", "open" or "half_open" when the subscription has a breaker, else empty.
  std::string breaker;
  uint64_t breaker_opened = 0;
  std::string last_error;
  /// Offset commits the group coordinator refused or that failed on the way (each leaves
  /// records the next owner of the partition reads again), and the latest such error, naming
  /// the partitions and offsets.
  uint64_t commit_failures = 0;
  std::string last_commit_error;
  /// Assignments librdkafka declared lost (session timed out, generation fenced): nothing of
  /// them was committed since the last commit, so their next owner reads that span again.
  uint64_t lost_assignments = 0;
  /// A condition retrying will not heal ("authentication: ...", "authorization: ...",
  /// "unknown_topic: ...", "fatal: ..."); empty while healthy.
  std::string failure;
  /// Set in a final status when the stop deadline passed before the group close finished:
  /// the offsets in `stored` may not have been committed.
  bool stop_deadline_passed = false;
  /// Messages waiting in the consumer actor's mailbox when the status was taken.
  uint64_t mailbox = 0;
  /// Per "topic[partition]" with records taken and not yet acknowledged: the oldest one's
  /// timestamp (ms since the epoch). Now minus it is the partition's time lag.
  std::map<std::string, int64_t> oldest_pending;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, consumer_status& x) {
  return f(caf::meta::type_name("kafka_actors::consumer_status"), x.assigned, x.stored,
           x.at_end, x.paused, x.stopping, x.credit, x.in_flight_batches, x.in_flight_bytes, x.held, x.dispatched,
           x.acked, x.pauses, x.resumes, x.rebalances, x.fenced_acks, x.delayed,
           x.handled, x.retried_in_place, x.forwarded_to_retry, x.dead_lettered, x.dropped,
           x.deduplicated, x.dropped_on_revoke, x.breaker, x.breaker_opened, x.last_error, x.failure,
           x.stop_deadline_passed, x.revoke_drains, x.revoke_drain_timeouts, x.share_pauses,
           x.group, x.statistics, x.handler_duration, x.mailbox, x.oldest_pending,
           x.commit_failures, x.last_commit_error, x.member_id,
           x.lost_assignments);
}

using consumer_actor = caf::typed_actor<
  // The handler grants `n` more records.
  caf::reacts_to<credit_atom, int64_t>,
  // The handler finished batch `id` and grants `n` more records.
  caf::reacts_to<ack_atom, uint64_t, int64_t>,
  // The handler could not finish batch `id`: the consumer stops with this error, committing
  // only what was acknowledged (a supervisor restarts it; the batch is redelivered). A fail
  // for a batch fenced by a revoke is ignored.
  caf::reacts_to<fail_atom, uint64_t, caf::error>,
  // Stops taking records at once (partitions pause), waits for in-flight batches (up to
  // flow_config::drain_timeout), commits, leaves the group, quits; all within
  // flow_config::stop_timeout. Replies with the final status.
  caf::replies_to<stop_atom>::with<consumer_status>,
  // Answers true once the first partitions were assigned, or an error as soon as the consumer
  // sees a condition retrying will not heal (authentication, authorization, unknown topic).
  caf::replies_to<ready_atom>::with<bool>,
  caf::replies_to<status_atom>::with<consumer_status>,
  // Internal: librdkafka has events; a timer fired.
  caf::reacts_to<poll_atom>, caf::reacts_to<tick_atom>>;

/// A handler actor: a consumer introduces itself with `join` (at start and after every
/// restart); the handler answers with credit (credit_atom), then receives batches with the
/// consumer to acknowledge them to, and acks every batch (ack_atom, granting more credit) or
/// fails it (fail_atom). Records of a batch whose partition was revoked meanwhile
/// (record_batch::revoked) belong to another member now and should be skipped.
using handler_actor = caf::typed_actor<caf::reacts_to<join_atom, consumer_actor>,
                                       caf::reacts_to<record_batch_ptr, consumer_actor>>;

/// Called once per record; an error (or exception) fails the batch and names the record.
using record_handler = std::function<caf::error(const record&)>;
/// Called once per batch.
using batch_handler = std::function<caf::error(const record_batch&)>;

/// What to consume and who handles it. Exactly one of on_record, on_batch, handler is set.
struct subscription {
  std::vector<std::string> topics;
  std::string group;
  record_handler on_record;
  batch_handler on_batch;
  handler_actor handler;
  /// Run on_record/on_batch on a thread of their own, so a blocking handler stalls nobody.
  bool blocking_handler = true;
  /// Report partitions that reached their end in consumer_status::at_end.
  bool track_end = false;
  /// Failed records are retried in place, then forwarded to `<topic>.retry.<n>` and
  /// `<topic>.dlt` (KafkaService creates those topics and their consumers). The source offset
  /// is stored only after the forward was acknowledged. Needs on_record and `producer`.
  std::optional<retry_policy> retry;
  /// A breaker around the handler's dependency: while open, the lane stops calling the
  /// handler and returns no credit, so the consumer pauses its partitions; half-open, it
  /// probes with the next records.
  std::optional<breaker_config> breaker;
  /// Where retry forwards go when the consumer is spawned directly.
  producer_actor producer;
  /// Set by KafkaService instead of `producer`: forwards go through the service to
  /// whichever producer it runs now (it restarts a failed one). Held weakly.
  caf::actor_addr forwarder;
  /// Hold each partition until its records' `ka.due` header time (retry topics).
  bool honor_due_header = false;
  /// Batch processor: records gathered per partition into batches closed by count, bytes or
  /// window (`batching`, defaults if unset) for this handler; offsets commit after it. Works
  /// with `retry` (failed records are retried, then forwarded).
  partition_batch_handler on_partition_batch;
  std::optional<batching_config> batching;
  /// Idempotent consumer: a record whose identity (the id header, else key + a hash of the
  /// payload) was handled within the window is dropped and counted. With on_record or
  /// on_partition_batch.
  std::optional<dedup_config> dedup;
  /// The window behind `dedup`, shared over restarts; made when first spawned.
  std::shared_ptr<shared_dedup> dedup_state;
  /// Partition manager (actors/partition_manager): on_record runs on one ordered lane per
  /// partition (and up to key_lanes per partition, keys spread over them), in parallel, order kept
  /// per key; a failing record makes only its key wait for the retry policy. With on_record,
  /// without a breaker.
  std::optional<lane_options> lanes;
};

/// Spawns a consumer (cfg.bootstrap_servers must be set). Fails at once if the subscription or
/// the configuration is invalid.
caf::expected<consumer_actor> spawn_consumer(caf::actor_system& sys, const kafka_config& cfg,
                                             subscription sub);

} // namespace kafka_actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(kafka_actors::record_batch_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(kafka_actors::subscription)
