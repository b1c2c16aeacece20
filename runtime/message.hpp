#pragma once

// The records users send and receive, and what the broker says about them. All of them have
// `inspect` overloads so they cross node boundaries (CAF middleman) unchanged.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <caf/meta/type_name.hpp>

namespace kafka_actors {

/// Kafka headers, in order; names may repeat.
using headers = std::vector<std::pair<std::string, std::string>>;

/// "Any partition": let the partitioner choose (RD_KAFKA_PARTITION_UA).
constexpr int32_t any_partition = -1;

/// A record to produce, or an owned copy of a consumed one.
struct message {
  std::string topic;
  std::string content;
  /// Sent as Kafka headers.
  headers metadata;
  /// Empty means "no key" (the partitioner spreads such records).
  std::string key;
  int32_t partition = any_partition;
  /// Milliseconds since the epoch; 0 lets the producer stamp it.
  int64_t timestamp = 0;
  /// Set on consumed copies only.
  int64_t offset = -1;

  /// Bytes this record occupies in flight (payload, key and headers).
  size_t wire_size() const noexcept {
    size_t n = content.size() + key.size();
    for (auto& [k, v] : metadata)
      n += k.size() + v.size();
    return n;
  }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, message& x) {
  return f(caf::meta::type_name("kafka_actors::message"), x.topic, x.content,
           x.metadata, x.key, x.partition, x.timestamp, x.offset);
}

using message_batch = std::vector<message>;

/// The broker's acknowledgement of one record, or why there is none.
struct delivery_report {
  std::string topic;
  int32_t partition = -1;
  int64_t offset = -1;
  int64_t timestamp = -1;
  /// librdkafka's rd_kafka_resp_err_t; 0 means delivered. Two codes are ours: -1 refused
  /// for backpressure, -2 refused because the circuit breaker is open.
  int32_t error_code = 0;
  std::string error;

  bool ok() const noexcept {
    return error_code == 0;
  }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, delivery_report& x) {
  return f(caf::meta::type_name("kafka_actors::delivery_report"), x.topic,
           x.partition, x.offset, x.timestamp, x.error_code, x.error);
}

/// One report per record of a batch, in the batch's order.
struct batch_report {
  std::vector<delivery_report> results;

  size_t failed() const noexcept {
    size_t n = 0;
    for (auto& r : results)
      n += r.ok() ? 0 : 1;
    return n;
  }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, batch_report& x) {
  return f(caf::meta::type_name("kafka_actors::batch_report"), x.results);
}

} // namespace kafka_actors
