#pragma once

// What the batch processor hands a handler: one partition's records in offset order, and a
// way to fail single records of it.

#include <functional>
#include <utility>
#include <vector>

#include <caf/error.hpp>

#include "kafka_actors/runtime/batch_collector.hpp"
#include "kafka_actors/runtime/record.hpp"

namespace kafka_actors {

/// One partition's records, in offset order, as the batch processor hands them over.
class partition_batch {
public:
  partition_batch(topic_partition tp, std::vector<record> records, batch_trigger why)
    : tp_(std::move(tp)), records_(std::move(records)), trigger_(why) {
  }

  const topic_partition& partition() const noexcept {
    return tp_;
  }
  size_t size() const noexcept {
    return records_.size();
  }
  bool empty() const noexcept {
    return records_.empty();
  }
  record operator[](size_t i) const noexcept {
    return records_[i];
  }
  auto begin() const noexcept {
    return records_.begin();
  }
  auto end() const noexcept {
    return records_.end();
  }
  /// What closed the batch.
  batch_trigger trigger() const noexcept {
    return trigger_;
  }

  /// Marks record `i` failed (a partial failure): only the marked records go to the retry
  /// policy, the rest count as handled. Returning an error from the handler fails them all.
  void fail(size_t i, caf::error err) {
    failures_.emplace_back(i, std::move(err));
  }
  const std::vector<std::pair<size_t, caf::error>>& failures() const noexcept {
    return failures_;
  }

private:
  topic_partition tp_;
  std::vector<record> records_;
  batch_trigger trigger_;
  std::vector<std::pair<size_t, caf::error>> failures_;
};

/// Called once per gathered batch. An error (or exception) fails every record of it;
/// partition_batch::fail marks single records.
using partition_batch_handler = std::function<caf::error(partition_batch&)>;

} // namespace kafka_actors
