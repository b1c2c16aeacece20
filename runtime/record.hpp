#pragma once

// Consumed records travel between actors without copies: a record is a view of a
// librdkafka message; a batch owns its messages and is shared read-only between actors.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "kafka_actors/runtime/message.hpp"

struct rd_kafka_message_s;
struct rd_kafka_topic_s;

namespace kafka_actors {

class record {
public:
  explicit record(const rd_kafka_message_s* m) noexcept : m_(m) {
  }

  std::string_view topic() const noexcept;
  int32_t partition() const noexcept;
  int64_t offset() const noexcept;
  /// Empty for records without a key.
  std::string_view key() const noexcept;
  std::string_view payload() const noexcept;
  /// True for a record without a payload (a delete on a compacted topic), unlike an empty one.
  bool is_tombstone() const noexcept;
  /// Milliseconds since the epoch, -1 if unknown.
  int64_t timestamp() const noexcept;
  /// Copies the headers out (librdkafka parses them lazily).
  kafka_actors::headers headers() const;
  /// Value of the first header called `name`, empty if none.
  std::string header(std::string_view name) const;
  /// An owned copy, e.g. to forward or keep.
  message to_message() const;
  /// "topic[partition]@offset", for error messages naming the record.
  std::string where() const;

private:
  const rd_kafka_message_s* m_;
};

class record_batch {
public:
  using id_type = uint64_t;

  /// Raised once the partition `partition` of topic `rkt` was revoked from the consumer.
  struct fence {
    const rd_kafka_topic_s* rkt;
    int32_t partition;
    std::shared_ptr<const std::atomic<bool>> revoked;
  };

  /// `keep_alive` owns the client the messages came from: librdkafka requires every message
  /// destroyed before its handle, so the batch holds the handle until its messages are gone.
  record_batch(id_type id, std::vector<rd_kafka_message_s*> msgs,
               std::shared_ptr<const void> keep_alive = nullptr,
               std::vector<fence> fences = {}) noexcept
    : id_(id), msgs_(std::move(msgs)), fences_(std::move(fences)),
      keep_alive_(std::move(keep_alive)) {
  }
  ~record_batch();

  record_batch(const record_batch&) = delete;
  record_batch& operator=(const record_batch&) = delete;

  id_type id() const noexcept {
    return id_;
  }
  size_t size() const noexcept {
    return msgs_.size();
  }
  bool empty() const noexcept {
    return msgs_.empty();
  }
  record operator[](size_t i) const noexcept {
    return record{msgs_[i]};
  }
  /// Payload + key bytes of all records.
  size_t bytes() const noexcept;

  /// True once the partition of record `i` was revoked from its consumer (a rebalance moved
  /// it): its new owner reads the record again, so handlers should not work on it.
  bool revoked(size_t i) const noexcept;

  /// True if every partition in the batch was revoked.
  bool all_revoked() const noexcept;

  /// The flag behind revoked(i), to watch a partition after the batch is gone (the
  /// partition manager tears a lane down once it is raised); null if the batch has none.
  std::shared_ptr<const std::atomic<bool>> revoke_flag(size_t i) const noexcept;

  template <class F>
  void for_each(F&& f) const {
    for (auto m : msgs_)
      f(record{m});
  }

private:
  const fence* fence_of(size_t i) const noexcept;

  id_type id_;
  std::vector<rd_kafka_message_s*> msgs_;
  std::vector<fence> fences_;
  std::shared_ptr<const void> keep_alive_; // last: released after the messages
};

using record_batch_ptr = std::shared_ptr<const record_batch>;

} // namespace kafka_actors
