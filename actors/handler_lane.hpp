#pragma once

// The handler actor that runs a user's function over batches. It grants the consumer its
// credit up front and returns it with each ack. Without a retry policy a failing record fails
// its batch. With one, a failing record is retried in place after a backoff (a timer, not a
// sleep), then forwarded to the next retry topic or the dead-letter topic; the batch is acked
// only once every forward was acknowledged by the broker. With a breaker, an open breaker
// stops calls to the handler; the lane then returns no credit, so the consumer pauses.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <random>

#include "kafka_actors/actors/consumer.hpp"
#include "kafka_actors/runtime/dedup_window.hpp"
#include "kafka_actors/runtime/latency_histogram.hpp"

namespace kafka_actors {

/// Counters a lane shares with its consumer's status.
struct lane_counters {
  std::atomic<uint64_t> handled{0};
  std::atomic<uint64_t> retried_in_place{0};
  std::atomic<uint64_t> forwarded_to_retry{0};
  std::atomic<uint64_t> dead_lettered{0};
  std::atomic<uint64_t> dropped{0};
  /// Records dropped as duplicates (subscription::dedup).
  std::atomic<uint64_t> deduplicated{0};
  std::atomic<uint8_t> breaker{static_cast<uint8_t>(breaker_phase::closed)};
  std::atomic<uint64_t> breaker_opened{0};
  /// Set by the consumer when it closed: the lane stops between records (what it did not
  /// finish is not acknowledged and will be read again).
  std::atomic<bool> cancelled{false};
  /// How long the handler took per batch (plain on_record/on_batch lanes, no retry policy
  /// or breaker): observed once per batch, read by the consumer's status.
  std::mutex duration_mx;
  latency_histogram handler_duration;

  /// A lane's handler calls of one turn: one lock per turn, not per call.
  void add_durations(const latency_histogram& took) {
    if (took.count == 0)
      return;
    std::lock_guard<std::mutex> guard{duration_mx};
    handler_duration.merge(took);
  }
};

/// What a lane needs of whoever takes its forwards: a producer, or KafkaService itself.
using forward_sink =
  caf::typed_actor<caf::replies_to<send_atom, message_batch>::with<batch_report>>;

struct lane_config {
  record_handler on_record;
  batch_handler on_batch;
  int64_t credit = 0;
  std::optional<retry_policy> retry;
  std::optional<breaker_config> breaker;
  producer_actor producer;
  /// Preferred over `producer` when set: resolved at every forward (KafkaService).
  caf::actor_addr forwarder;
  std::shared_ptr<lane_counters> counters = std::make_shared<lane_counters>();
  /// Drops records handled before within the window (idempotent consumer).
  std::shared_ptr<shared_dedup> dedup;
};

/// Spawns a lane; it grants its credit to whichever consumer joins it. `detached` gives it a
/// thread of its own, so a blocking handler stalls nobody else.
handler_actor spawn_handler_lane(caf::actor_system& sys, bool detached,
                                 std::shared_ptr<lane_config> cfg);

/// Runs `on_record` over every record of `batch` (or `on_batch` once), turning errors and
/// exceptions into an errc::handler_failed error that names the record. Stops early with
/// errc::stopped once `cancelled` is set. Records of revoked partitions are skipped.
caf::error run_handler(const record_batch& batch, const record_handler& on_record,
                       const batch_handler& on_batch,
                       const std::atomic<bool>* cancelled = nullptr,
                       shared_dedup* dedup = nullptr,
                       std::atomic<uint64_t>* deduplicated = nullptr);

/// A record's identity for deduplication: its `id_header` value, or key + payload hash.
std::string dedup_identity(const record& r, const std::string& id_header);

/// Runs `on_record` once, turning exceptions into errors.
caf::error call_handler(const record_handler& on_record, const record& r);

/// Whoever takes forwards now: KafkaService (resolved at each call, it may have restarted its
/// producer) or the producer of `cfg`. Null once neither is there.
forward_sink forward_target(const lane_config& cfg);

/// None if the broker acknowledged every forward in `rep`, else an errc::handler_failed
/// naming the first failure.
caf::error forward_failure(const batch_report& rep);

/// The error an exception escaping a user's handler becomes (call inside a catch block).
caf::error current_handler_exception();

/// Runs a user's handler `f`; an exception becomes an errc::handler_failed error.
template <class F>
caf::error call_guarded(F&& f) {
  try {
    return f();
  } catch (...) {
    return current_handler_exception();
  }
}

/// The record forwarded to `topic` after `attempts` failed attempts with `err`: payload, key
/// and headers of `r`, plus the origin, error, attempt and due headers.
message forward_record(const record& r, const std::string& topic, const caf::error& err,
                       int attempts, int64_t now_ms, std::chrono::milliseconds delay);

} // namespace kafka_actors
