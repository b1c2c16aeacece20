#pragma once

// Which partitions make no progress and which consumers never get partitions, from what the
// metrics collector sees once per round. Pure: no CAF, no librdkafka.
//
// A partition is stalled when it has records waiting (high watermark past what the group
// stored or committed) and its stored position has not moved for `stall_after`; a partition
// with nothing waiting is idle, not stalled, however long nothing arrives. librdkafka 2.0.2
// cannot tell: polling any queue resets its max.poll.interval.ms, so a consumer whose handler
// blocks forever stays in its group. A running consumer that has had no partition for
// `join_within` is stuck joining.

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

namespace kafka_actors {

struct progress_sample {
  struct partition {
    std::string topic;
    int32_t partition = 0;
    /// Records waiting: high watermark minus the larger of stored and committed offset.
    int64_t waiting = 0;
    /// The stored (or committed) offset: what moves when the handler makes progress.
    int64_t position = -1;
  };
  uint64_t subscription = 0;
  std::string group;
  /// Stopping on purpose: watched no more.
  bool stopping = false;
  size_t assigned = 0;
  std::vector<partition> partitions;
};

class progress_watch {
public:
  using clock = std::chrono::steady_clock;

  progress_watch(std::chrono::milliseconds stall_after, std::chrono::milliseconds join_within)
    : stall_after_(stall_after), join_within_(join_within) {
  }

  struct stalled_partition {
    uint64_t subscription = 0;
    std::string group;
    std::string topic;
    int32_t partition = 0;
    int64_t waiting = 0;
    /// Since the position last moved (or records began waiting).
    std::chrono::milliseconds stalled_for{0};
  };
  struct stuck_consumer {
    uint64_t subscription = 0;
    std::string group;
    std::chrono::milliseconds unassigned_for{0};
  };
  struct verdict {
    std::vector<stalled_partition> stalled;
    std::vector<stuck_consumer> stuck_joining;
    /// Readiness reason: empty when nothing is stalled or stuck.
    std::string reason() const;
  };

  /// One round: every running consumer's sample. What is not in it (revoked partitions,
  /// stopped consumers) is forgotten.
  verdict observe(const std::vector<progress_sample>& round, clock::time_point now);

private:
  struct watched {
    int64_t position = -1;
    clock::time_point since;
  };
  using partition_key = std::tuple<uint64_t, std::string, int32_t>;

  std::chrono::milliseconds stall_after_;
  std::chrono::milliseconds join_within_;
  std::map<partition_key, watched> partitions_;
  std::map<uint64_t, clock::time_point> unassigned_since_;
};

} // namespace kafka_actors
