#pragma once

// When a consumer batch that was split over lanes is done, and how much credit to give back
// before that. Without CAF. A batch is acknowledged once every record of it finished (handled,
// skipped, forwarded); its records' credit comes back as they finish, in chunks, so one key
// waiting for a retry holds back the credit of its own records only and the other keys and
// partitions keep flowing. Credit given early is not given again with the ack.

#include <cstddef>
#include <cstdint>
#include <map>
#include <vector>

namespace kafka_actors {

class batch_completion {
public:
  /// Early credit goes out once at least `credit_chunk` finished records owe it (>= 1).
  explicit batch_completion(int64_t credit_chunk) : chunk_(credit_chunk < 1 ? 1 : credit_chunk) {
  }

  /// Batch `id` of `records` records arrived.
  void dispatched(uint64_t id, size_t records);

  /// `n` records of batch `id` finished. Unknown batches (failed, forgotten) are ignored.
  void done(uint64_t id, size_t n);

  struct ack {
    uint64_t id;
    /// Credit to grant with the ack: the batch's records not credited early.
    int64_t credit;
  };

  /// Batches completed since the last call, oldest id first.
  std::vector<ack> take_acks();

  /// Credit owed by finished records of batches not yet complete, once it reaches the chunk
  /// (0 before that); marks it given.
  int64_t take_credit() {
    return owed_ >= chunk_ ? take_all_credit() : 0;
  }

  /// All credit owed now, whatever its size (a periodic flush).
  int64_t take_all_credit();

  /// Forgets batch `id` (it failed); returns false if it was not open.
  bool forget(uint64_t id);

  /// Batches not yet complete.
  size_t open() const noexcept {
    return batches_.size();
  }
  int64_t owed() const noexcept {
    return owed_;
  }

private:
  struct progress {
    size_t total = 0;
    size_t done = 0;
    /// Credit already given for records of this batch.
    size_t credited = 0;
    /// Finished records whose credit is owed (counted in owed_).
    size_t owed = 0;
  };

  int64_t chunk_;
  std::map<uint64_t, progress> batches_;
  std::vector<ack> complete_;
  int64_t owed_ = 0;
};

} // namespace kafka_actors
