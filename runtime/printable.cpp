#include "kafka_actors/runtime/printable.hpp"

namespace kafka_actors {

namespace {

bool is_continuation(unsigned char c) {
  return (c & 0xC0) == 0x80;
}

void append_hex(std::string& out, const char* prefix, unsigned char c) {
  static const char digits[] = "0123456789ABCDEF";
  out += prefix;
  out += digits[c >> 4];
  out += digits[c & 0x0F];
}

} // namespace

size_t utf8_length_at(std::string_view text, size_t pos) {
  if (pos >= text.size())
    return 0;
  auto at = [&](size_t i) { return static_cast<unsigned char>(text[pos + i]); };
  unsigned char c = at(0);
  if (c < 0x80)
    return 1;
  size_t n = 0;
  // The second byte's range excludes overlong forms (E0, F0), surrogates (ED) and code
  // points past U+10FFFF (F4): what RFC 3629 calls well-formed.
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0)
      lo = 0xA0;
    else if (c == 0xED)
      hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0)
      lo = 0x90;
    else if (c == 0xF4)
      hi = 0x8F;
  } else {
    return 0;
  }
  if (pos + n > text.size())
    return 0;
  if (at(1) < lo || at(1) > hi)
    return 0;
  for (size_t i = 2; i < n; ++i)
    if (!is_continuation(at(i)))
      return 0;
  return n;
}

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    auto c = static_cast<unsigned char>(text[i]);
    size_t n = utf8_length_at(text, i);
    if (n == 0) {
      append_hex(out, "\\x", c);
      ++i;
    } else if (n == 1) {
      switch (c) {
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\\': out += "\\\\"; break;
        default:
          if (c < 0x20 || c == 0x7F)
            append_hex(out, "\\x", c);
          else
            out += static_cast<char>(c);
      }
      ++i;
    } else if (n == 2 && c == 0xC2 && static_cast<unsigned char>(text[i + 1]) < 0xA0) {
      // U+0080..U+009F: C1 controls, as invisible and as dangerous as the C0 ones.
      append_hex(out, "\\u00", static_cast<unsigned char>(text[i + 1]));
      i += 2;
    } else {
      out.append(text.substr(i, n));
      i += n;
    }
  }
  return out;
}

std::string printable_prefix(std::string_view text, size_t max_chars) {
  size_t end = 0;
  for (size_t chars = 0; end < text.size() && chars < max_chars; ++chars) {
    size_t n = utf8_length_at(text, end);
    end += n == 0 ? 1 : n;
  }
  if (end >= text.size())
    return printable(text);
  return printable(text.substr(0, end)) + "...";
}

} // namespace kafka_actors
