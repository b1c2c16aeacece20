#include "kafka_actors/runtime/errors.hpp"

#include <caf/message.hpp>
#include <caf/make_message.hpp>

namespace kafka_actors {

const char* to_string(errc x) {
  switch (x) {
    case errc::none: return "none";
    case errc::invalid_config: return "invalid_config";
    case errc::invalid_topic: return "invalid_topic";
    case errc::message_too_large: return "message_too_large";
    case errc::backpressure: return "backpressure";
    case errc::circuit_open: return "circuit_open";
    case errc::broker_unreachable: return "broker_unreachable";
    case errc::timeout: return "timeout";
    case errc::topic_already_exists: return "topic_already_exists";
    case errc::kafka_error: return "kafka_error";
    case errc::partition_lost: return "partition_lost";
    case errc::handler_failed: return "handler_failed";
    case errc::stopped: return "stopped";
    case errc::invalid_argument: return "invalid_argument";
    case errc::non_retriable: return "non_retriable";
  }
  return "unknown";
}

caf::error make_error(errc code, std::string what) {
  return caf::error{static_cast<uint8_t>(code), error_category,
                    caf::make_message(std::move(what))};
}

caf::error make_error(errc code) {
  return caf::error{static_cast<uint8_t>(code), error_category};
}

errc code_of(const caf::error& err) {
  if (!err || err.category() != error_category)
    return errc::none;
  return static_cast<errc>(err.code());
}

std::string describe(const caf::error& err) {
  if (!err)
    return "no error";
  if (err.category() != error_category)
    return caf::to_string(err);
  std::string out = to_string(static_cast<errc>(err.code()));
  const auto& ctx = err.context();
  if (ctx.size() == 1 && ctx.match_element<std::string>(0)) {
    out += ": ";
    out += ctx.get_as<std::string>(0);
  }
  return out;
}

} // namespace kafka_actors

namespace kafka_actors {

size_t utf8_length(const std::string& text, size_t pos) {
  auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  auto b = byte(pos);
  size_t n = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xe ? 3 : (b >> 3) == 0x1e ? 4 : 0;
  if (n == 0 || pos + n > text.size())
    return 0;
  uint32_t cp = n == 1 ? b : n == 2 ? (b & 0x1f) : n == 3 ? (b & 0x0f) : (b & 0x07);
  for (size_t i = 1; i < n; ++i) {
    if ((byte(pos + i) & 0xc0) != 0x80)
      return 0;
    cp = (cp << 6) | (byte(pos + i) & 0x3f);
  }
  static constexpr uint32_t min_of[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < min_of[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
    return 0;
  return n;
}

std::string printable(const std::string& text) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < text.size();) {
    auto b = static_cast<unsigned char>(text[i]);
    auto n = utf8_length(text, i);
    if (n > 1 || (n == 1 && b >= 0x20 && b < 0x7f)) {
      out.append(text, i, n);
      i += n;
    } else {
      out += "\\x";
      out += hex[b >> 4];
      out += hex[b & 0xf];
      ++i;
    }
  }
  return out;
}

} // namespace kafka_actors
