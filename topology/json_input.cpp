#include "kafka_actors/topology/json_input.hpp"

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>

#include <boost/json/serialize.hpp>
#include <boost/json/stream_parser.hpp>
#include <caf/message.hpp>

#include "kafka_actors/runtime/errors.hpp"
#include "kafka_actors/runtime/printable.hpp"
#include "kafka_actors/runtime/topic_config.hpp"

namespace kafka_actors::topology_detail {

namespace json = boost::json;

namespace {

// Columns count characters, not bytes, so that an editor's column matches after a
// non-ASCII character.
std::string position_of(const std::string& text, size_t pos) {
  size_t line = 1, col = 1;
  for (size_t i = 0; i < pos && i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      ++line;
      col = 1;
    } else if ((c & 0xC0) != 0x80) {
      ++col;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(col);
}

bool is_identifier(std::string_view key) {
  if (key.empty())
    return false;
  for (char c : key)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '_'))
      return false;
  return true;
}

std::string join(std::initializer_list<std::string_view> names) {
  std::string out;
  for (auto n : names) {
    if (!out.empty())
      out += ", ";
    out += n;
  }
  return out;
}

// The shortest text that reads back as the same double: 0.5 stays "0.5" where a stream
// prints 6 significant digits and JSON's serializer "5E-1"; Kafka's parser reads it.
std::string double_text(double d) {
  char buf[32];
  auto res = std::to_chars(buf, buf + sizeof buf, d);
  return std::string(buf, res.ptr);
}

// "operations[1].partitions" at the top level has no parent to prefix.
std::string subject(const std::string& path) {
  return path.empty() ? "the top level" : path;
}

} // namespace

caf::error file_error(const std::string& file, const std::string& what) {
  return make_error(errc::invalid_config, printable(file) + ": " + what);
}

std::string reason_of(const caf::error& err) {
  const auto& ctx = err.context();
  if (err.category() == error_category && ctx.size() == 1
      && ctx.match_element<std::string>(0))
    return ctx.get_as<std::string>(0);
  return describe(err);
}

caf::expected<std::string> read_bytes(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    return file_error(path, "is a directory, not a JSON file");
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f{std::fopen(path.c_str(), "rb"),
                                                    &std::fclose};
  if (!f)
    return file_error(path, std::string{"cannot open file: "} + std::strerror(errno));
  std::string bytes;
  char buf[64 * 1024];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f.get())) > 0)
    bytes.append(buf, n);
  if (std::ferror(f.get()))
    return file_error(path, std::string{"cannot read file: "} + std::strerror(errno));
  return bytes;
}

caf::expected<json::value> parse_json(const std::string& text, const std::string& file) {
  json::stream_parser parser;
  json::error_code ec;
  // write(), unlike write_some(), also refuses anything after the value.
  auto consumed = parser.write(text.data(), text.size(), ec);
  if (!ec)
    parser.finish(ec);
  if (ec)
    return file_error(file, "malformed JSON at " + position_of(text, consumed) + ": "
                              + ec.message());
  return parser.release();
}

std::string member_path(const std::string& parent, std::string_view key) {
  if (is_identifier(key))
    return parent.empty() ? std::string{key} : parent + "." + std::string{key};
  return parent + "[\"" + printable(key) + "\"]";
}

std::string index_path(const std::string& parent, size_t index) {
  return parent + "[" + std::to_string(index) + "]";
}

std::string shown(const json::value& v) {
  if (v.is_object())
    return "an object";
  if (v.is_array())
    return "an array";
  if (v.is_double()) {
    // The serializer writes 6.0 as "6E0"; the reader wrote 6.0.
    auto text = double_text(v.as_double());
    if (text.find_first_of(".en") == std::string::npos)
      text += ".0";
    return text;
  }
  return printable_prefix(json::serialize(v), 60);
}

caf::expected<const json::object*>
read_object(const json::value& v, const std::string& path,
            std::initializer_list<std::string_view> known, const std::string& file) {
  if (!v.is_object())
    return file_error(file, subject(path) + " must be an object, got " + shown(v));
  const auto& obj = v.as_object();
  for (const auto& [k, val] : obj) {
    bool listed = false;
    for (auto name : known)
      listed = listed || k == name;
    if (!listed)
      return file_error(file, "unknown key " + member_path(path, k) + " (known: "
                                + join(known) + ")");
  }
  return &obj;
}

caf::expected<std::string> read_string(const json::value& v, const std::string& path,
                                       const std::string& file) {
  if (!v.is_string())
    return file_error(file, path + " must be a string, got " + shown(v));
  return std::string{v.as_string()};
}

caf::expected<int64_t> read_int(const json::value& v, const std::string& path, int64_t min,
                                int64_t max, const std::string& file) {
  auto range = std::to_string(min) + ".." + std::to_string(max);
  if (v.is_int64() && v.as_int64() >= min && v.as_int64() <= max)
    return v.as_int64();
  if (v.is_int64() || v.is_uint64())
    return file_error(file, path + " must be " + range + ", got " + shown(v));
  return file_error(file, path + " must be an integer " + range + ", got " + shown(v));
}

caf::expected<std::string> read_topic(const json::value& v, const std::string& path,
                                      const std::string& file) {
  auto name = read_string(v, path, file);
  if (!name)
    return name.error();
  if (auto err = validate_topic_name(*name))
    return file_error(file, path + ": " + reason_of(err));
  return name;
}

caf::expected<int32_t> read_partitions(const json::value& v, const std::string& path,
                                       const std::string& file) {
  auto n = read_int(v, path, 1, 100'000, file);
  if (!n)
    return n.error();
  return static_cast<int32_t>(*n);
}

caf::expected<int16_t> read_replication(const json::value& v, const std::string& path,
                                        const std::string& file) {
  if (v.is_int64() && (v.as_int64() == -1 || (v.as_int64() >= 1 && v.as_int64() <= 32)))
    return static_cast<int16_t>(v.as_int64());
  return file_error(file, path + " must be 1..32 or -1 (the broker's default), got "
                            + shown(v));
}

caf::expected<std::map<std::string, std::string>>
read_configs(const json::value& v, const std::string& path, const std::string& file) {
  if (!v.is_object())
    return file_error(file, path + " must be an object of topic configs, got " + shown(v));
  std::map<std::string, std::string> out;
  for (const auto& [k, val] : v.as_object()) {
    auto key_path = member_path(path, k);
    if (k.empty())
      return file_error(file, path + " has an empty config name");
    switch (val.kind()) {
      case json::kind::string:
        out[std::string{k}] = std::string{val.as_string()};
        break;
      case json::kind::int64:
        out[std::string{k}] = std::to_string(val.as_int64());
        break;
      case json::kind::uint64:
        out[std::string{k}] = std::to_string(val.as_uint64());
        break;
      case json::kind::bool_:
        out[std::string{k}] = val.as_bool() ? "true" : "false";
        break;
      case json::kind::double_:
        out[std::string{k}] = double_text(val.as_double());
        break;
      default:
        return file_error(file, key_path + " must be a string, number or boolean, got "
                                  + shown(val));
    }
  }
  return out;
}

} // namespace kafka_actors::topology_detail
