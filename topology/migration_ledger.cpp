#include "kafka_actors/topology/migration_ledger.hpp"

#include <cstdint>
#include <cstdio>
#include <optional>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "kafka_actors/runtime/errors.hpp"
#include "kafka_actors/runtime/printable.hpp"
#include "kafka_actors/topology/json_input.hpp"
#include "kafka_actors/topology/migration.hpp"

namespace kafka_actors {

namespace json = boost::json;
using namespace topology_detail;

namespace {

caf::error record_error(std::string_view key, const std::string& what) {
  return make_error(errc::invalid_config,
                    "migration ledger record '" + printable(key) + "': " + what);
}

bool is_checksum(const std::string& s) {
  if (s.size() != 64)
    return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
      return false;
  return true;
}

bool is_migration_name(const std::string& s) {
  if (s.empty())
    return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
      return false;
  return true;
}

// The key's version, when the key is exactly what migration_key writes.
std::optional<int64_t> key_version(std::string_view key) {
  if (key.size() != 7 || key[0] != 'v')
    return std::nullopt;
  int64_t v = 0;
  for (char c : key.substr(1)) {
    if (c < '0' || c > '9')
      return std::nullopt;
    v = v * 10 + (c - '0');
  }
  if (v < 1)
    return std::nullopt;
  return v;
}

// The ledger is not a user's file: JSON paths and parse errors are reported through
// json_input with the record as the "file".
std::string as_source(std::string_view key) {
  return "migration ledger record '" + std::string{key} + "'";
}

} // namespace

bool operator==(const applied_migration& x, const applied_migration& y) {
  return x.version == y.version && x.name == y.name && x.checksum == y.checksum
         && x.applied_at_ms == y.applied_at_ms;
}

std::string migration_key(int64_t version) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "v%06lld", static_cast<long long>(version));
  return buf;
}

std::string encode(const applied_migration& x) {
  json::object obj;
  obj["version"] = x.version;
  obj["name"] = x.name;
  obj["checksum"] = x.checksum;
  obj["applied_at_ms"] = x.applied_at_ms;
  return json::serialize(obj);
}

caf::expected<applied_migration> decode_applied(std::string_view key,
                                                std::string_view value) {
  auto version = key_version(key);
  if (!version)
    return record_error(key, "the key must be v followed by six digits, e.g. "
                               + migration_key(1));
  if (value.empty())
    return record_error(key, "the value is empty (a tombstone, not an applied migration)");
  auto source = as_source(key);
  auto root = parse_json(std::string{value}, source);
  if (!root)
    return root.error();
  auto obj = read_object(*root, "", {"version", "name", "checksum", "applied_at_ms"},
                         source);
  if (!obj)
    return obj.error();
  auto field = [&](const char* name) -> caf::expected<const json::value*> {
    if (const auto* v = (*obj)->if_contains(name))
      return v;
    return record_error(key, std::string{name} + " is missing");
  };
  applied_migration out;
  auto v = field("version");
  if (!v)
    return v.error();
  auto n = read_int(**v, "version", 1, max_migration_version, source);
  if (!n)
    return n.error();
  if (*n != *version)
    return record_error(key, "version " + std::to_string(*n) + " does not match the key");
  out.version = *n;
  auto name = field("name");
  if (!name)
    return name.error();
  auto name_text = read_string(**name, "name", source);
  if (!name_text)
    return name_text.error();
  if (!is_migration_name(*name_text))
    return record_error(key, "name must be of [a-z0-9_], got " + shown(**name));
  out.name = std::move(*name_text);
  auto sum = field("checksum");
  if (!sum)
    return sum.error();
  auto sum_text = read_string(**sum, "checksum", source);
  if (!sum_text)
    return sum_text.error();
  if (!is_checksum(*sum_text))
    return record_error(key, "checksum must be 64 lowercase hex digits (sha256), got "
                               + shown(**sum));
  out.checksum = std::move(*sum_text);
  auto at = field("applied_at_ms");
  if (!at)
    return at.error();
  auto ms = read_int(**at, "applied_at_ms", 0, INT64_MAX, source);
  if (!ms)
    return ms.error();
  out.applied_at_ms = *ms;
  return out;
}

caf::expected<std::map<int64_t, applied_migration>>
fold_applied(const std::vector<std::pair<std::string, std::string>>& records) {
  std::map<int64_t, applied_migration> out;
  for (size_t i = 0; i < records.size(); ++i) {
    const auto& [key, value] = records[i];
    auto at = " (record " + std::to_string(i) + " of the ledger)";
    if (value.empty()) {
      auto version = key_version(key);
      if (!version)
        return record_error(key, "a tombstone whose key is not v followed by six digits"
                                   + at);
      out.erase(*version);
      continue;
    }
    auto x = decode_applied(key, value);
    if (!x)
      return make_error(errc::invalid_config, reason_of(x.error()) + at);
    out[x->version] = std::move(*x);
  }
  return out;
}

} // namespace kafka_actors
