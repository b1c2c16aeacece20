#pragma once

// At-least-once bookkeeping: an offset may be stored only when it and every lower offset of
// its partition that was handed out has been acknowledged (the contiguous prefix). Acks for a
// partition that was revoked since, even if it came back, are fenced by a generation number.

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

namespace kafka_actors {

struct topic_partition {
  std::string topic;
  int32_t partition = 0;

  friend bool operator<(const topic_partition& a, const topic_partition& b) {
    return std::tie(a.topic, a.partition) < std::tie(b.topic, b.partition);
  }
  friend bool operator==(const topic_partition& a, const topic_partition& b) {
    return a.partition == b.partition && a.topic == b.topic;
  }
};

/// A position to store: the next offset to read for `tp`.
struct commit_position {
  topic_partition tp;
  int64_t next_offset;
};

class offset_tracker {
public:
  using batch_id = uint64_t;

  /// Starts tracking `tp` under a fresh generation; older acks for it become void.
  void assign(const topic_partition& tp);

  /// Stops tracking `tp`: later acks for work handed out before store nothing.
  void revoke(const topic_partition& tp);

  bool is_assigned(const topic_partition& tp) const;

  /// Records that the records of `tp` up to `last_offset` travel in batch `id`.
  /// Must be called in offset order per partition (the order librdkafka delivers).
  void dispatched(batch_id id, const topic_partition& tp, int64_t last_offset);

  /// Marks batch `id` done. Appends each partition whose contiguous acked prefix advanced,
  /// with the next offset to read, to `out`. Unknown or fenced batches add nothing.
  void acked(batch_id id, std::vector<commit_position>& out);

  /// True if batch `id` was handed out and still counts for at least one of its partitions
  /// (not acknowledged, not fenced by a revoke).
  bool live(batch_id id) const;

  /// Number of batch segments handed out and not yet acknowledged, over all partitions.
  size_t pending() const noexcept {
    return pending_;
  }

  /// Unacknowledged segments of one partition.
  size_t pending(const topic_partition& tp) const;

  std::vector<topic_partition> assigned() const;

private:
  struct segment {
    batch_id id;
    int64_t last_offset;
    bool done;
  };
  struct partition_state {
    uint64_t generation;
    std::deque<segment> segments;
  };
  struct batch_part {
    topic_partition tp;
    uint64_t generation;
  };

  std::map<topic_partition, partition_state> partitions_;
  std::unordered_map<batch_id, std::vector<batch_part>> batches_;
  uint64_t next_generation_ = 1;
  size_t pending_ = 0;
};

} // namespace kafka_actors
