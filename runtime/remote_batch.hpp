#pragma once

// Records crossing to a remote handler. A batch is one buffer: each record's fields are
// appended to it once on the consumer's node (one copy, no allocation per record), CAF
// writes the buffer as one string, and the handler's side reads records as views into it,
// with no copy at all. Topic names are sent once per batch, not once per record.
//
// The buffer comes from the network, so reading checks every length against what is left
// and reports a malformed batch instead of reading past it.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <caf/meta/type_name.hpp>

#include "kafka_actors/runtime/message.hpp"

namespace kafka_actors {

class record;

/// One record of a remote batch: a view, valid while its batch lives (to_message() copies).
/// The same accessors as a local `record`.
class remote_record {
public:
  std::string_view topic() const noexcept {
    return topic_;
  }
  int32_t partition() const noexcept {
    return partition_;
  }
  int64_t offset() const noexcept {
    return offset_;
  }
  /// Empty for records without a key.
  std::string_view key() const noexcept {
    return key_;
  }
  std::string_view payload() const noexcept {
    return payload_;
  }
  bool is_tombstone() const noexcept {
    return tombstone_;
  }
  /// Milliseconds since the epoch, -1 if unknown.
  int64_t timestamp() const noexcept {
    return timestamp_;
  }
  /// Copies the headers out.
  kafka_actors::headers headers() const;
  /// Value of the first header called `name`, empty if none.
  std::string header(std::string_view name) const;
  /// An owned copy.
  message to_message() const;
  /// "topic[partition]@offset", for error messages naming the record.
  std::string where() const;

private:
  friend struct remote_batch;
  std::string_view topic_;
  int32_t partition_ = -1;
  int64_t offset_ = -1;
  int64_t timestamp_ = -1;
  std::string_view key_;
  std::string_view payload_;
  bool tombstone_ = false;
  uint32_t header_count_ = 0;
  std::string_view header_bytes_;
};

/// The records of one batch, as shipped to a remote handler. Records whose partition was
/// revoked before the batch left are not in it; `credit` is what the batch took of the
/// handler's grant all the same, and what the handler grants back when it acknowledges.
struct remote_batch {
  uint64_t id = 0;
  int64_t credit = 0;
  /// Topic names the records refer to by index.
  std::vector<std::string> topics;
  uint32_t count = 0;
  std::string data;

  size_t size() const noexcept {
    return count;
  }

  /// Appends a record (copies its fields into `data`).
  void add(const record& r);
  void add(const message& m);

  /// Calls `f(const remote_record&)` for each record in order. Returns an empty string, or
  /// what is malformed (then `f` saw only the records before it).
  template <class F>
  std::string for_each(F&& f) const {
    size_t pos = 0;
    for (uint32_t i = 0; i < count; ++i) {
      remote_record r;
      if (auto err = read(pos, r); !err.empty())
        return "malformed remote batch " + std::to_string(id) + ", record " + std::to_string(i)
               + " of " + std::to_string(count) + ": " + err;
      f(static_cast<const remote_record&>(r));
    }
    if (pos != data.size())
      return "malformed remote batch " + std::to_string(id) + ": "
             + std::to_string(data.size() - pos) + " bytes after its last record";
    return {};
  }

  /// All records as owned copies (or the error for_each gives).
  std::vector<message> to_messages(std::string* error = nullptr) const;

private:
  std::string read(size_t& pos, remote_record& out) const;
  uint16_t topic_index(std::string_view topic);
  void append(uint16_t topic, int32_t partition, int64_t offset, int64_t timestamp,
              std::string_view key, std::string_view payload, bool tombstone,
              const kafka_actors::headers& hs);
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, remote_batch& x) {
  return f(caf::meta::type_name("kafka_actors::remote_batch"), x.id, x.credit, x.topics,
           x.count, x.data);
}

} // namespace kafka_actors
