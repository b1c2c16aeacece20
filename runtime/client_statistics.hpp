#pragma once

// What the metrics take from librdkafka's statistics JSON (`statistics.interval.ms`): offsets
// per partition and the connection state per broker. Pure: no CAF, no librdkafka calls.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kafka_actors {

struct partition_statistics {
  std::string topic;
  int32_t partition = 0;
  /// -1 where librdkafka does not know (yet): -1001 (invalid offset) reads as -1 here.
  int64_t lo_offset = -1;
  int64_t hi_offset = -1;
  int64_t committed_offset = -1;
  /// Where the client fetches next: ahead of what was handled while records sit in the
  /// prefetch queue.
  int64_t fetch_offset = -1;
};

struct broker_statistics {
  /// "host:port/id" as librdkafka names it.
  std::string name;
  int32_t node_id = -1;
  /// librdkafka's state: "UP", "DOWN", "CONNECT", "INIT", ...
  std::string state;
};

struct client_statistics {
  std::vector<partition_statistics> partitions;
  std::vector<broker_statistics> brokers;
};

/// Parses one statistics JSON. Partitions are those with an id >= 0 (librdkafka also lists
/// its internal "unassigned" partition -1); brokers those with a node id (the bootstrap
/// entries and the internal broker are left out). On malformed input, nullopt and `error`
/// says why.
std::optional<client_statistics> parse_client_statistics(std::string_view json,
                                                         std::string* error = nullptr);

/// Records of a partition not yet committed by its group: the high watermark minus the
/// committed offset, or minus the low watermark when the group committed nothing yet (it
/// starts from the earliest record). Not the fetch position: records prefetched but
/// unhandled, for example of a paused partition, still count. -1 when the high watermark is
/// unknown.
int64_t committed_lag(const partition_statistics& p);

/// Keeps only the partitions named in `assigned` ("topic[partition]", as consumer_status
/// lists them): librdkafka keeps reporting partitions after they were revoked.
void keep_assigned(client_statistics& stats, const std::vector<std::string>& assigned);

} // namespace kafka_actors
