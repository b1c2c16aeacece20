#pragma once

// What to do with a record whose handler failed: retry in place after a backoff, forward it to
// the next retry topic `<topic>.retry.<n>` (non-blocking, due later), or to `<topic>.dlt`.
// Pure logic: no CAF, no librdkafka.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <caf/error.hpp>

#include "kafka_actors/runtime/message.hpp"

namespace kafka_actors {

struct retry_policy {
  /// Attempts in place per topic level, the first one included.
  int in_place_attempts = 3;
  std::chrono::milliseconds initial_backoff{50};
  std::chrono::milliseconds max_backoff{2000};
  double multiplier = 2.0;
  /// Each backoff is scaled by a factor in [1 - jitter, 1 + jitter].
  double jitter = 0.2;
  /// One retry topic per entry: records wait there this long before the next attempts.
  std::vector<std::chrono::milliseconds> retry_topic_delays{std::chrono::seconds{1},
                                                            std::chrono::seconds{10}};
  /// Send records that exhausted every retry, or failed non-retriably, to `<topic>.dlt`.
  bool dead_letter = true;
  /// Partitions and replication of the retry and dead-letter topics KafkaService creates.
  int32_t topic_partitions = 1;
  int16_t topic_replication = 1;

  /// Backoff before in-place attempt `attempt` (2 = the first retry), `random01` in [0, 1).
  std::chrono::milliseconds backoff(int attempt, double random01) const;
};

enum class failure_kind { retriable, non_retriable };

/// Authorization failures, invalid records and deserialization errors never heal by
/// retrying; handlers say so with errc::non_retriable. Everything else is retriable.
failure_kind classify(const caf::error& err);

/// A source topic and how deep in the retry chain a record is (0: the source itself).
struct topic_level {
  std::string base;
  int level = 0;
};

/// "orders.retry.2" -> {"orders", 2}; "orders" -> {"orders", 0}; "orders.dlt" -> {"orders", -1}.
topic_level parse_topic_level(const std::string& topic);

std::string retry_topic_name(const std::string& base, int level);
std::string dead_letter_topic_name(const std::string& base);

struct retry_decision {
  enum class action { retry_in_place, forward, drop };
  action what = action::drop;
  /// For retry_in_place: how long to wait first. For forward: delay until due.
  std::chrono::milliseconds delay{0};
  /// For forward: the target topic and its level (-1: the dead-letter topic).
  std::string topic;
  int level = 0;
};

/// Decides after `attempts` failed attempts in place of a record read from `source_topic`.
retry_decision decide(const retry_policy& policy, const std::string& source_topic,
                      int attempts, failure_kind kind, double random01);

/// Header names on forwarded records.
namespace retry_headers {
constexpr const char* origin_topic = "ka.origin.topic";
constexpr const char* origin_partition = "ka.origin.partition";
constexpr const char* origin_offset = "ka.origin.offset";
constexpr const char* error = "ka.error";
/// Attempts so far over all levels.
constexpr const char* attempts = "ka.attempts";
/// Milliseconds since the epoch of the first failure.
constexpr const char* first_failure = "ka.first.failure";
/// Milliseconds since the epoch before which the record must not be retried.
constexpr const char* due = "ka.due";
} // namespace retry_headers

/// The headers of a record forwarded to a retry or dead-letter topic after `attempts` failed
/// attempts with `error`: the headers `in` of the failed record (read from `topic`,
/// `partition`, `offset`) without the ka.* ones, then origin (kept from `in` if the record was
/// forwarded before), error, attempts over all hops, first failure and, for a `delay` > 0,
/// due. `in` comes from a consumed record: any bytes at all. An earlier ka.attempts that is
/// not a whole non-negative number counts as 0; the total saturates at INT64_MAX.
headers forward_headers(const headers& in, const std::string& topic, int32_t partition,
                        int64_t offset, const std::string& error, int attempts,
                        int64_t now_ms, std::chrono::milliseconds delay);

/// The time in a `ka.due` header value, milliseconds since the epoch; 0 ("due now") unless
/// the whole value is a decimal number that fits in 64 bits.
int64_t due_of_header(std::string_view value);

} // namespace kafka_actors
