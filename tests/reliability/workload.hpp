#pragma once

// The records of a reliability run: keys, per-key sequence numbers carried in a header, and
// values whose CRC the ledger keeps. Pure functions, shared by producers and consumers.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "support/ledger.hpp"

namespace kafka_actors::reliability {

/// The header that carries a record's per-key sequence number.
inline constexpr const char* seq_header = "seq";

inline std::string key_name(size_t i) {
  return "key-" + std::to_string(i);
}

/// "<key>/<seq>/" followed by filler derived from both, `size` bytes in all (or just the
/// prefix when it is longer): every record's value differs, so a CRC catches a mix-up.
inline std::string make_value(const std::string& key, uint64_t seq, size_t size) {
  std::string v = key + "/" + std::to_string(seq) + "/";
  uint64_t x = test::ledger::crc32(v) | 1;
  while (v.size() < size) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    v.push_back(static_cast<char>('a' + x % 26));
  }
  return v;
}

/// The sequence number from the header, or else from the value's prefix.
inline std::optional<uint64_t> parse_seq(std::string_view header, std::string_view value) {
  auto digits = [](std::string_view s) -> std::optional<uint64_t> {
    if (s.empty() || s.size() > 19)
      return std::nullopt;
    uint64_t n = 0;
    for (char ch : s) {
      if (ch < '0' || ch > '9')
        return std::nullopt;
      n = n * 10 + static_cast<uint64_t>(ch - '0');
    }
    return n;
  };
  if (auto n = digits(header))
    return n;
  auto a = value.find('/');
  auto b = a == std::string_view::npos ? a : value.find('/', a + 1);
  if (b == std::string_view::npos)
    return std::nullopt;
  return digits(value.substr(a + 1, b - a - 1));
}

} // namespace kafka_actors::reliability
