#include "kafka_actors/runtime/remote_batch.hpp"

#include <cstring>
#include <limits>
#include <type_traits>

#include "kafka_actors/runtime/record.hpp"

namespace kafka_actors {

namespace {

// Little-endian on the wire whatever the host (a plain copy on little-endian ones).
template <class T>
void store(char*& p, T v) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  std::memcpy(p, &v, sizeof(T));
#else
  using U = std::make_unsigned_t<T>;
  auto u = static_cast<U>(v);
  for (size_t i = 0; i < sizeof(T); ++i)
    p[i] = static_cast<char>((u >> (8 * i)) & 0xff);
#endif
  p += sizeof(T);
}

void store_bytes(char*& p, std::string_view s) {
  store<uint32_t>(p, static_cast<uint32_t>(s.size()));
  if (!s.empty())
    std::memcpy(p, s.data(), s.size());
  p += s.size();
}

struct reader {
  std::string_view data;
  size_t& pos;

  template <class T>
  bool get(T& v) {
    if (data.size() - pos < sizeof(T))
      return false;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    std::memcpy(&v, data.data() + pos, sizeof(T));
#else
    using U = std::make_unsigned_t<T>;
    U u = 0;
    for (size_t i = 0; i < sizeof(T); ++i)
      u |= static_cast<U>(static_cast<unsigned char>(data[pos + i])) << (8 * i);
    v = static_cast<T>(u);
#endif
    pos += sizeof(T);
    return true;
  }

  bool bytes(std::string_view& v) {
    uint32_t n = 0;
    if (!get(n) || data.size() - pos < n)
      return false;
    v = data.substr(pos, n);
    pos += n;
    return true;
  }
};

kafka_actors::headers parse_headers(std::string_view bytes, uint32_t count) {
  kafka_actors::headers out;
  size_t pos = 0;
  reader r{bytes, pos};
  for (uint32_t i = 0; i < count; ++i) {
    std::string_view k, v;
    if (!r.bytes(k) || !r.bytes(v))
      break; // checked when the record was read
    out.emplace_back(std::string{k}, std::string{v});
  }
  return out;
}

} // namespace

kafka_actors::headers remote_record::headers() const {
  return parse_headers(header_bytes_, header_count_);
}

std::string remote_record::header(std::string_view name) const {
  size_t pos = 0;
  reader r{header_bytes_, pos};
  for (uint32_t i = 0; i < header_count_; ++i) {
    std::string_view k, v;
    if (!r.bytes(k) || !r.bytes(v))
      break;
    if (k == name)
      return std::string{v};
  }
  return {};
}

message remote_record::to_message() const {
  message out;
  out.topic = std::string{topic_};
  out.content = std::string{payload_};
  out.key = std::string{key_};
  out.metadata = headers();
  out.partition = partition_;
  out.timestamp = timestamp_;
  out.offset = offset_;
  return out;
}

std::string remote_record::where() const {
  return std::string{topic_} + "[" + std::to_string(partition_) + "]@"
         + std::to_string(offset_);
}

uint16_t remote_batch::topic_index(std::string_view topic) {
  for (size_t i = 0; i < topics.size(); ++i)
    if (topics[i] == topic)
      return static_cast<uint16_t>(i);
  topics.emplace_back(topic);
  return static_cast<uint16_t>(topics.size() - 1);
}

void remote_batch::append(uint16_t topic, int32_t partition, int64_t offset, int64_t timestamp,
                          std::string_view key, std::string_view payload, bool tombstone,
                          const kafka_actors::headers& hs) {
  size_t header_bytes = 0;
  for (auto& [k, v] : hs)
    header_bytes += 8 + k.size() + v.size();
  // topic, flags, partition, offset, timestamp, key, payload, header count, headers.
  size_t n = 2 + 1 + 4 + 8 + 8 + 4 + key.size() + 4 + payload.size() + 4 + 4 + header_bytes;
  auto at = data.size();
  data.resize(at + n);
  char* p = data.data() + at;
  store<uint16_t>(p, topic);
  store<uint8_t>(p, tombstone ? 1 : 0);
  store<int32_t>(p, partition);
  store<int64_t>(p, offset);
  store<int64_t>(p, timestamp);
  store_bytes(p, key);
  store_bytes(p, payload);
  store<uint32_t>(p, static_cast<uint32_t>(hs.size()));
  store<uint32_t>(p, static_cast<uint32_t>(header_bytes));
  for (auto& [k, v] : hs) {
    store_bytes(p, k);
    store_bytes(p, v);
  }
  ++count;
}

void remote_batch::add(const record& r) {
  append(topic_index(r.topic()), r.partition(), r.offset(), r.timestamp(), r.key(),
         r.payload(), r.is_tombstone(), r.headers());
}

void remote_batch::add(const message& m) {
  append(topic_index(m.topic), m.partition, m.offset, m.timestamp, m.key, m.content, false,
         m.metadata);
}

std::string remote_batch::read(size_t& pos, remote_record& out) const {
  reader r{data, pos};
  uint16_t topic = 0;
  uint8_t flags = 0;
  if (!r.get(topic) || !r.get(flags) || !r.get(out.partition_) || !r.get(out.offset_)
      || !r.get(out.timestamp_))
    return "truncated header";
  if (topic >= topics.size())
    return "topic index " + std::to_string(topic) + " beyond its " + std::to_string(topics.size())
           + " topics";
  out.topic_ = topics[topic];
  out.tombstone_ = (flags & 1) != 0;
  if (!r.bytes(out.key_))
    return "truncated key";
  if (!r.bytes(out.payload_))
    return "truncated payload";
  if (!r.get(out.header_count_) || !r.bytes(out.header_bytes_))
    return "truncated headers";
  // Check the headers now, so accessors never meet a bad length later.
  size_t hpos = 0;
  reader h{out.header_bytes_, hpos};
  for (uint32_t i = 0; i < out.header_count_; ++i) {
    std::string_view k, v;
    if (!h.bytes(k) || !h.bytes(v))
      return "malformed header " + std::to_string(i);
  }
  if (hpos != out.header_bytes_.size())
    return "bytes after the headers";
  return {};
}

std::vector<message> remote_batch::to_messages(std::string* error) const {
  std::vector<message> out;
  out.reserve(count);
  auto err = for_each([&](const remote_record& r) { out.push_back(r.to_message()); });
  if (error)
    *error = std::move(err);
  return out;
}

} // namespace kafka_actors
