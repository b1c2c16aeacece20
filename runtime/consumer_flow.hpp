#pragma once

// The consumer's flow rules, without CAF or librdkafka: which records may be taken from
// librdkafka, which are held or delayed, when partitions pause and resume, how batches are cut
// under credit and the byte bound, what a revoke drops, and how a stop drains and ends. The
// consumer actor is a thin shell around this: it polls, feeds what it polled in here, applies
// the pause changes this class asks for, and sends the batches it cuts.
//
//   running --stop--> draining --(nothing in flight, or drain deadline)--> closing --> closed
//   running: starved (no credit or byte room) --pause_grace--> paused --credit--> running
//
// A revoke (not a loss) drains: the partitions take and dispatch nothing more and pause, their
// in-flight batches may still be acknowledged and stored until none is left or revoke_drain
// passed; then the caller commits what is stored, fences them (`revoke`) and unassigns.
//
//   assigned --begin_revoke--> draining --(nothing of them in flight, or deadline)-->
//            take_revoke: commit stored, revoke, unassign
//
// Records are opaque pointers here (rd_kafka_message_t* in the actor); every record this
// class gives back through `dropped` or `take_drained` is the caller's to destroy.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kafka_actors/runtime/credit.hpp"
#include "kafka_actors/runtime/offset_tracker.hpp"

namespace kafka_actors {

/// One record as the flow sees it.
struct flow_record {
  void* msg = nullptr;
  /// Index of its partition, from consumer_flow::intern.
  uint32_t part = 0;
  int64_t offset = 0;
  /// Payload + key bytes: what the byte bound counts.
  size_t bytes = 0;
  /// The record's Kafka timestamp (ms since the epoch), -1 if it has none: the time lag.
  int64_t timestamp = -1;
};

struct flow_settings {
  int64_t batch_size = 500;
  size_t max_in_flight_bytes = 64u * 1024 * 1024;
  std::chrono::milliseconds pause_grace{200};
  std::chrono::milliseconds drain_timeout{10000};
  std::chrono::milliseconds stop_timeout{20000};
  /// How long a revoke waits for in-flight work of its partitions (0: not at all).
  std::chrono::milliseconds revoke_drain{2000};
  /// Each assigned partition gets a fair share of the window (credit + what is in flight):
  /// when the window is full, a partition that holds its share (held + in flight) and has a
  /// batch in flight for longer than pause_grace pauses until half of it is acknowledged.
  /// For parallel handlers (partition lanes): librdkafka hands out a backlog one partition
  /// run at a time, so without it the whole window can be one or two partitions' records
  /// and the other lanes sit idle. Off for one handler lane, where order across partitions
  /// is all one and a pause would only cost a refetch.
  bool fair_share = false;
  /// The smallest share, so many partitions on a small window do not pause for every batch.
  int64_t min_share = 100;
};

/// Set once a partition was revoked after the batch was cut: handlers skip its records.
using revoke_flag = std::shared_ptr<const std::atomic<bool>>;

class consumer_flow {
public:
  using clock = std::chrono::steady_clock;
  using time_point = clock::time_point;

  enum class phase { running, draining, closing, closed };
  enum class intake { held, delayed, dropped };

  struct batch {
    uint64_t id = 0;
    std::vector<flow_record> records;
    size_t bytes = 0;
    /// The revoke flag of each partition in the batch, in order of first appearance.
    std::vector<std::pair<uint32_t, revoke_flag>> flags;
  };

  /// A pause (true) or resume (false) librdkafka must be told about.
  struct pause_change {
    topic_partition tp;
    bool pause;
  };

  explicit consumer_flow(flow_settings s) : s_(s) {
  }

  // -- partitions -------------------------------------------------------------------------

  /// A stable index for `tp` (partitions are few; the index outlives revokes).
  uint32_t intern(const topic_partition& tp);
  const topic_partition& partition(uint32_t part) const {
    return parts_[part].tp;
  }
  bool assigned(uint32_t part) const {
    return parts_[part].assigned;
  }
  void assign(const std::vector<topic_partition>& tps);
  /// Revoked or lost: forgets held and delayed records of `tps` (appended to `dropped`),
  /// fences their in-flight batches and raises their revoke flags.
  void revoke(const std::vector<topic_partition>& tps, std::vector<void*>& dropped);
  std::vector<topic_partition> assigned_partitions() const;

  /// Revoked, not lost: `tps` take and dispatch nothing more (their held and delayed records
  /// go to `dropped`: never dispatched, the next owner reads them) and pause, but their batches
  /// in flight stay live, so acks still store. Returns true when the caller must wait for
  /// revoke_due; false when nothing of them is in flight (or the drain is off): take_revoke
  /// at once. A second call while one drain is pending joins it (keeping its deadline).
  bool begin_revoke(const std::vector<topic_partition>& tps, time_point now,
                    std::vector<void*>& dropped);
  bool revoke_pending() const noexcept {
    return !revoking_.empty();
  }
  /// A drain is pending and is over: nothing of its partitions in flight, or past its deadline.
  bool revoke_due(time_point now) const;
  /// Ends the pending drain and returns its partitions. The caller commits what is stored for
  /// them (stored_positions still has it), then calls `revoke` and unassigns them.
  std::vector<topic_partition> take_revoke(time_point now);
  /// Partitions of the pending drain.
  const std::vector<topic_partition>& revoking() const noexcept {
    return revoking_;
  }

  // -- intake -----------------------------------------------------------------------------

  /// How many records the actor may take from librdkafka now (0: do not poll for records).
  int64_t records_wanted() const;

  /// Takes one polled record. `due_wall_ms` is its `ka.due` time (0: none), `now_wall_ms` the
  /// wall clock. A record of a partition that is not assigned is dropped (append to
  /// `dropped`), one that is not due yet holds its partition, every other one is held for
  /// dispatch, in order.
  intake take(const flow_record& r, int64_t due_wall_ms, int64_t now_wall_ms,
              std::vector<void*>& dropped);

  /// librdkafka reached the end of `part` at `offset`.
  void end_of_partition(uint32_t part, int64_t offset);

  // -- dispatch ---------------------------------------------------------------------------

  /// Cuts the next batch from held records under credit, the batch size and the byte bound
  /// (one record larger than the bound goes alone when nothing else is in flight).
  std::optional<batch> next_batch();

  // -- feedback from the handler ------------------------------------------------------------

  void grant(int64_t n);
  /// Batch `id` is done; returns the positions to store (contiguous acked prefixes).
  /// Acks of fenced batches store nothing and count as fenced.
  std::vector<commit_position> ack(uint64_t id);
  /// False for a batch that is unknown, done or fenced by a revoke.
  bool live(uint64_t id) const {
    return tracker_.live(id);
  }
  /// Records that librdkafka took this position for an assigned partition.
  void stored(const topic_partition& tp, int64_t next_offset);

  // -- time -------------------------------------------------------------------------------

  /// Pauses after the grace period without credit, releases records whose due time came.
  void tick(time_point now, int64_t now_wall_ms);

  /// The pause state librdkafka must get, as changes since the last call. After an assign
  /// every assigned partition is listed: a pause can outlive a reassignment in librdkafka
  /// 2.0.2 and cannot be queried, so our state is applied explicitly.
  std::vector<pause_change> pause_changes();

  // -- lifecycle --------------------------------------------------------------------------

  /// running -> draining: no more records are taken or dispatched, partitions pause at once.
  void stop(time_point now);
  /// Draining with nothing in flight or past the drain deadline: time to close.
  bool close_due(time_point now) const;
  /// draining/running -> closing. Returns every held and delayed record to destroy.
  std::vector<void*> begin_close(time_point now);
  void closed();
  /// Past the stop deadline (stop time + stop_timeout) while closing.
  bool stop_deadline_passed(time_point now) const;

  phase current() const noexcept {
    return phase_;
  }

  // -- what status shows ------------------------------------------------------------------

  bool paused() const noexcept {
    return paused_;
  }
  bool starved() const noexcept {
    return starved_;
  }
  int64_t credit() const noexcept {
    return credit_.available();
  }
  size_t in_flight_batches() const noexcept {
    return tracker_.pending();
  }
  size_t in_flight_bytes() const noexcept {
    return in_flight_bytes_;
  }
  size_t held() const noexcept {
    return held_.size();
  }
  size_t delayed() const noexcept;
  /// Partitions at their end: end seen and nothing of them held, delayed or in flight.
  std::vector<topic_partition> at_end() const;
  const std::map<topic_partition, int64_t>& stored_positions() const noexcept {
    return stored_;
  }
  /// Per assigned partition with records taken and not yet acknowledged (held or in
  /// flight), the oldest such record's timestamp: now minus it is the partition's time lag.
  /// Delayed records (retry topics, not due yet) do not count: their age is on purpose.
  std::map<topic_partition, int64_t> oldest_pending_timestamps() const;

  struct counters {
    uint64_t dispatched = 0;
    uint64_t acked = 0;
    uint64_t fenced_acks = 0;
    uint64_t pauses = 0;
    uint64_t resumes = 0;
    uint64_t delayed_total = 0;
    uint64_t dropped_on_revoke = 0;
    /// Revokes that waited for in-flight work, and those of them the deadline ended.
    uint64_t revoke_drains = 0;
    uint64_t revoke_drain_timeouts = 0;
    /// Pauses of one partition for holding its fair share (flow_settings::fair_share).
    uint64_t share_pauses = 0;
  };
  const counters& stats() const noexcept {
    return stats_;
  }

private:
  struct partition_state {
    topic_partition tp;
    bool assigned = false;
    std::shared_ptr<std::atomic<bool>> revoked;
    /// Offset librdkafka reported its end at, -1 if not at the end.
    int64_t end_offset = -1;
    size_t held = 0;
    /// Records waiting for their due time; the first one's time holds the partition.
    std::deque<std::pair<int64_t, flow_record>> delayed;
    /// What librdkafka was last told: -1 unknown, 0 resumed, 1 paused.
    int applied = -1;
    /// Revoked, in-flight work still draining: takes nothing, stays paused.
    bool draining = false;
    /// Records of it dispatched and not yet acknowledged.
    int64_t in_flight = 0;
    /// Holds its fair share: paused until it is down to half of it.
    bool over_share = false;
  };

  /// What one in-flight batch holds: its bytes, and its records per partition.
  struct batch_account {
    size_t bytes = 0;
    std::vector<std::pair<uint32_t, int64_t>> records;
    /// Timestamp of each partition's first (oldest) record in it, aligned with `records`.
    std::vector<int64_t> first_timestamps;
    /// The first tick that saw it in flight.
    std::optional<time_point> seen;
  };

  bool can_dispatch() const;
  void update_starved(time_point now);
  /// Forgets the delayed and held records of `p` (held ones stay in held_: drop_held).
  void drop_queued(partition_state& p, std::vector<void*>& dropped);
  /// Removes held records of the partitions flagged in `gone` (by index).
  void drop_held(const std::vector<bool>& gone, std::vector<void*>& dropped);
  void set_paused(bool on);
  /// The fair share of one partition now (max when fair_share is off or one is assigned).
  int64_t share() const;
  /// Resumes `p` once it is down to half its share.
  void update_share(partition_state& p);
  /// With the window full, pauses the partitions that hold their share and have a batch in
  /// flight for longer than pause_grace.
  void enforce_shares(time_point now);

  flow_settings s_;
  std::vector<partition_state> parts_;
  std::map<topic_partition, uint32_t> index_;
  offset_tracker tracker_;
  credit_account credit_;
  std::deque<flow_record> held_;
  size_t held_bytes_ = 0;
  std::map<uint64_t, batch_account> batches_;
  size_t in_flight_bytes_ = 0;
  int64_t in_flight_records_ = 0;
  std::map<topic_partition, int64_t> stored_;
  uint64_t next_batch_id_ = 1;
  phase phase_ = phase::running;
  bool paused_ = false;
  bool starved_ = false;
  time_point starved_since_{};
  time_point drain_deadline_{};
  time_point stop_deadline_{time_point::max()};
  counters stats_;
  std::vector<topic_partition> revoking_;
  time_point revoke_deadline_{};
};

} // namespace kafka_actors
