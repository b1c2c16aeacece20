#pragma once

// Which lane a record goes to, without CAF or librdkafka: partition -> lane, and with key
// lanes key -> one of its partition's `key_lanes` lanes, so every record of one key lands in
// one lane (one thread) while its partition's other keys may run beside it. Lanes are capped
// (`max_lane_threads`): past the cap a new partition shares the least loaded lane. A lane key
// stays on its lane while anything routed there is unfinished, so a key is never on two lanes
// at once, also when its partition is revoked and comes back meanwhile.
// With key lanes a key is placed when it has nothing unfinished: on the lane of its partition
// with the fewest keys in flight (then the fewest unfinished records), not by a fixed hash,
// so 100 keys over 8 lanes are 12-13 per lane instead of up to ~18 (the busiest lane bounds a
// slow handler's throughput). A key goes back to nowhere once all of it is finished: what the
// router holds is bounded by the records in flight, whatever the number of keys.

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace kafka_actors {

enum class null_key_policy {
  /// Records without a key are one key of their partition: in order, on one lane.
  one_lane,
  /// Records without a key have no order among themselves: spread over the key lanes, and a
  /// failing one holds back nothing but itself.
  unordered,
};

/// subscription::lanes: the partition manager's options.
struct lane_options {
  /// One lane per partition. Off: lanes by key alone, over all partitions.
  bool per_partition = true;
  /// Lanes per partition, keys placed on them (1: the partition is one ordered lane).
  uint32_t key_lanes = 1;
  null_key_policy null_keys = null_key_policy::one_lane;
  /// Lane actors at most; with a blocking handler each is a thread of its own.
  uint32_t max_lane_threads = 16;
};

/// Empty when `o` is usable, else why not (naming the field).
std::string lane_options_problem(const lane_options& o);

class lane_router {
public:
  /// Lane of `part` (a partition index) and sub-lane, packed: part << 32 | sub.
  using lane_key = uint64_t;
  /// Identifies a lane actor; never reused, so a lane that is shutting down is never mixed up
  /// with a new one.
  using lane_id = uint32_t;
  static constexpr uint32_t any_partition = 0xffffffffu;

  explicit lane_router(lane_options o) : o_(o) {
  }

  const lane_options& options() const noexcept {
    return o_;
  }

  /// FNV-1a: the same hash on every run and machine (tests and key lanes rely on it).
  static uint64_t hash_key(std::string_view key) noexcept;

  /// The lane key of a record of partition `part` whose key hashes to `key_hash`: with key
  /// lanes, its partition and the key (a 32-bit hash of it: keys that meet there share a
  /// lane, never reorder).
  lane_key lane_of(uint32_t part, uint64_t key_hash, bool null_key);

  /// The order domain of the record inside its lane (key_scheduler's key): records with
  /// equal order keys run one after another, in arrival order.
  uint64_t order_key(uint32_t part, uint64_t key_hash, bool null_key);

  static uint32_t partition_of(lane_key k) noexcept {
    return static_cast<uint32_t>(k >> 32);
  }

  struct route {
    lane_id lane;
    /// A new lane: spawn its actor.
    bool spawn;
  };

  /// Places `n` records of lane key `k`: on the lane it is on, else on a new lane while under
  /// the caps (`max_lane_threads`; with key lanes also `key_lanes` per partition), else on
  /// the lane with the fewest lane keys (then the fewest unfinished records), with key lanes
  /// among its partition's lanes.
  route place(lane_key k, size_t n);

  /// `n` more unfinished records of `k`, which is placed already (a run of records of one
  /// lane key costs one place and one add).
  void add(lane_key k, size_t n);

  /// `n` records of `k` finished (handled, skipped, forwarded). With key lanes, a key left
  /// with nothing unfinished is forgotten: its next record is placed afresh.
  void finished(lane_key k, size_t n);

  /// Forgets lane keys with nothing unfinished whose partition `gone` says was revoked, and
  /// returns the lanes left without lane keys and without unfinished records: to stop. With
  /// key lanes, only lanes of a revoked partition stop (an idle lane of an assigned
  /// partition stays for its next keys).
  std::vector<lane_id> collect(const std::function<bool(uint32_t part)>& gone);

  /// Lanes placed and not yet collected.
  size_t lanes() const noexcept {
    return lanes_.size();
  }
  size_t unfinished() const noexcept;
  /// The lane `k` is on; false if it is on none.
  bool lane_for(lane_key k, lane_id& out) const;

private:
  struct placed {
    lane_id lane;
    size_t unfinished = 0;
  };
  struct lane {
    /// The partition it was spawned for (with key lanes: whose keys it takes first).
    uint32_t part = 0;
    size_t keys = 0;
    size_t unfinished = 0;
  };

  bool keyed() const noexcept {
    return o_.key_lanes > 1;
  }
  lane_id least_loaded(uint32_t part) const;

  lane_options o_;
  std::map<lane_key, placed> keys_;
  std::map<lane_id, lane> lanes_;
  /// With key lanes: lanes spawned per partition (and not yet stopped).
  std::map<uint32_t, uint32_t> part_lanes_;
  lane_id next_lane_ = 1;
  uint64_t null_seq_ = 0;
  uint32_t null_rr_ = 0;
};

} // namespace kafka_actors
