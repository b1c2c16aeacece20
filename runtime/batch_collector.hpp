#pragma once

// Gathers consumed records into per-partition batches that close on a count, a byte size or
// a time window, whichever comes first. Items are references (which consumer batch, which
// record), so the collector owns no record. Pure logic: the caller passes the clock.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "kafka_actors/runtime/offset_tracker.hpp"

namespace kafka_actors {

struct batching_config {
  /// A batch closes once it holds this many records...
  size_t max_records = 500;
  /// ...or once the next record would take it past this many payload + key bytes (a single
  /// larger record makes a batch of its own)...
  size_t max_bytes = 1u << 20;
  /// ...or this long after its first record arrived.
  std::chrono::milliseconds max_wait{200};
};

enum class batch_trigger { count, bytes, time, flush };

const char* to_string(batch_trigger t) noexcept;

class batch_collector {
public:
  using clock = std::chrono::steady_clock;

  struct item {
    uint64_t source = 0; // the consumer batch the record came in
    uint32_t index = 0;  // the record's position in it
    size_t bytes = 0;
  };

  struct closed_batch {
    topic_partition tp;
    std::vector<item> items;
    size_t bytes = 0;
    batch_trigger trigger = batch_trigger::count;
  };

  explicit batch_collector(batching_config cfg) : cfg_(cfg) {
  }

  /// Adds a record to its partition's open batch. Appends to `out` what closed: the open
  /// batch, if this record would take it past max_bytes, and the batch holding this record
  /// once it reaches max_records (or alone exceeds max_bytes).
  void add(const topic_partition& tp, item it, clock::time_point now,
           std::vector<closed_batch>& out);

  /// Closes every batch whose window ended at or before `now`.
  void close_due(clock::time_point now, std::vector<closed_batch>& out);

  /// When the next window ends, if any batch is open.
  std::optional<clock::time_point> next_deadline() const;

  /// Closes every open batch (trigger flush), e.g. on stop.
  void flush(std::vector<closed_batch>& out);

  /// Discards the open batch of `tp` (its partition was revoked) and returns its items.
  std::vector<item> discard(const topic_partition& tp);

  size_t open_records() const noexcept {
    return open_records_;
  }
  const batching_config& config() const noexcept {
    return cfg_;
  }

private:
  struct open_batch {
    std::vector<item> items;
    size_t bytes = 0;
    clock::time_point deadline;
  };

  void close(std::map<topic_partition, open_batch>::iterator i, batch_trigger why,
             std::vector<closed_batch>& out);

  batching_config cfg_;
  std::map<topic_partition, open_batch> open_;
  size_t open_records_ = 0;
};

} // namespace kafka_actors
