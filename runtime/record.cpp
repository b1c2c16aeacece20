#include "kafka_actors/runtime/record.hpp"

#include <librdkafka/rdkafka.h>

namespace kafka_actors {

std::string_view record::topic() const noexcept {
  return m_->rkt ? std::string_view{rd_kafka_topic_name(m_->rkt)} : std::string_view{};
}

int32_t record::partition() const noexcept {
  return m_->partition;
}

int64_t record::offset() const noexcept {
  return m_->offset;
}

std::string_view record::key() const noexcept {
  return m_->key ? std::string_view{static_cast<const char*>(m_->key), m_->key_len}
                 : std::string_view{};
}

std::string_view record::payload() const noexcept {
  return m_->payload
           ? std::string_view{static_cast<const char*>(m_->payload), m_->len}
           : std::string_view{};
}

bool record::is_tombstone() const noexcept {
  return m_->payload == nullptr;
}

int64_t record::timestamp() const noexcept {
  return rd_kafka_message_timestamp(m_, nullptr);
}

kafka_actors::headers record::headers() const {
  kafka_actors::headers out;
  rd_kafka_headers_t* hdrs = nullptr;
  // librdkafka parses headers lazily and caches them in the message.
  auto m = const_cast<rd_kafka_message_t*>(m_);
  if (rd_kafka_message_headers(m, &hdrs) != RD_KAFKA_RESP_ERR_NO_ERROR || !hdrs)
    return out;
  const char* name;
  const void* value;
  size_t size;
  for (size_t i = 0; rd_kafka_header_get_all(hdrs, i, &name, &value, &size)
                     == RD_KAFKA_RESP_ERR_NO_ERROR;
       ++i)
    out.emplace_back(name, value ? std::string{static_cast<const char*>(value), size}
                                 : std::string{});
  return out;
}

std::string record::header(std::string_view name) const {
  for (auto& [k, v] : headers())
    if (k == name)
      return v;
  return {};
}

message record::to_message() const {
  message out;
  out.topic = std::string{topic()};
  out.content = std::string{payload()};
  out.key = std::string{key()};
  out.metadata = headers();
  out.partition = partition();
  out.timestamp = timestamp();
  out.offset = offset();
  return out;
}

std::string record::where() const {
  return std::string{topic()} + "[" + std::to_string(partition()) + "]@"
         + std::to_string(offset());
}

record_batch::~record_batch() {
  for (auto m : msgs_)
    rd_kafka_message_destroy(m);
}

const record_batch::fence* record_batch::fence_of(size_t i) const noexcept {
  auto m = msgs_[i];
  for (auto& f : fences_)
    if (f.partition == m->partition && f.rkt == m->rkt)
      return &f;
  return nullptr;
}

bool record_batch::revoked(size_t i) const noexcept {
  auto f = fence_of(i);
  return f && f->revoked && f->revoked->load(std::memory_order_relaxed);
}

std::shared_ptr<const std::atomic<bool>> record_batch::revoke_flag(size_t i) const noexcept {
  auto f = fence_of(i);
  return f ? f->revoked : nullptr;
}

bool record_batch::all_revoked() const noexcept {
  if (fences_.empty())
    return false;
  for (auto& f : fences_)
    if (!f.revoked || !f.revoked->load(std::memory_order_relaxed))
      return false;
  return true;
}

size_t record_batch::bytes() const noexcept {
  size_t n = 0;
  for (auto m : msgs_)
    n += m->len + m->key_len;
  return n;
}

} // namespace kafka_actors
