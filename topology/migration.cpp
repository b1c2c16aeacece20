#include "kafka_actors/topology/migration.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <optional>

#include <boost/json/value.hpp>

#include "kafka_actors/runtime/errors.hpp"
#include "kafka_actors/runtime/printable.hpp"
#include "kafka_actors/topology/checksum.hpp"
#include "kafka_actors/topology/json_input.hpp"

namespace kafka_actors {

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace topology_detail;

namespace {

struct file_name_parts {
  int64_t version;
  std::string name;
};

// vNNN_<name>.json; nullopt when the name has another form.
std::optional<file_name_parts> parse_file_name(const std::string& file) {
  constexpr std::string_view ext = ".json";
  if (file.size() < 1 + 1 + 1 + 1 + ext.size() || file[0] != 'v'
      || file.compare(file.size() - ext.size(), ext.size(), ext) != 0)
    return std::nullopt;
  size_t i = 1;
  int64_t version = 0;
  while (i < file.size() && file[i] >= '0' && file[i] <= '9') {
    // Past the limit the number stops growing, so no overflow whatever the digit count.
    if (version <= max_migration_version)
      version = version * 10 + (file[i] - '0');
    ++i;
  }
  if (i == 1 || file[i] != '_')
    return std::nullopt;
  auto name = file.substr(i + 1, file.size() - ext.size() - i - 1);
  if (name.empty())
    return std::nullopt;
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
      return std::nullopt;
  return file_name_parts{version, name};
}

caf::error bad_file_name(const std::string& path) {
  return file_error(path, "migration files are named vNNN_<name>.json, <name> of "
                          "[a-z0-9_], e.g. v001_create_orders.json");
}

bool has_json_extension(const fs::path& p) {
  auto ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  // Case-insensitive so that V001_A.JSON is reported, not silently skipped.
  return ext == ".json";
}

constexpr const char* op_names
  = "create_topic, delete_topic, add_partitions, alter_configs";

caf::expected<topic_op::kind> read_kind(const json::value& v, const std::string& path,
                                        const std::string& file) {
  auto text = read_string(v, path, file);
  if (!text)
    return text.error();
  for (auto k : {topic_op::kind::create_topic, topic_op::kind::delete_topic,
                 topic_op::kind::add_partitions, topic_op::kind::alter_configs})
    if (*text == to_string(k))
      return k;
  return file_error(file, path + " must be one of " + op_names + ", got " + shown(v));
}

caf::expected<topic_op> read_op(const json::value& v, const std::string& path,
                                const std::string& file) {
  if (!v.is_object())
    return file_error(file, path + " must be an object, got " + shown(v));
  const auto* kind_value = v.as_object().if_contains("op");
  if (!kind_value)
    return file_error(file, path + ".op is missing (one of " + op_names + ")");
  auto k = read_kind(*kind_value, path + ".op", file);
  if (!k)
    return k.error();
  // Which keys are known depends on the op: replication on add_partitions is a mistake
  // worth reporting, not a value to ignore.
  caf::expected<const json::object*> obj{nullptr};
  switch (*k) {
    case topic_op::kind::create_topic:
      obj = read_object(v, path, {"op", "topic", "partitions", "replication", "configs"},
                        file);
      break;
    case topic_op::kind::add_partitions:
      obj = read_object(v, path, {"op", "topic", "partitions"}, file);
      break;
    case topic_op::kind::alter_configs:
      obj = read_object(v, path, {"op", "topic", "configs"}, file);
      break;
    case topic_op::kind::delete_topic:
      obj = read_object(v, path, {"op", "topic"}, file);
      break;
  }
  if (!obj)
    return obj.error();
  const auto& o = **obj;
  topic_op op{*k, {}, -1, -1, {}};
  auto required = [&](const char* key) -> caf::expected<const json::value*> {
    if (const auto* x = o.if_contains(key))
      return x;
    return file_error(file, member_path(path, key) + " is missing (" + to_string(*k)
                              + " needs it)");
  };
  auto topic = required("topic");
  if (!topic)
    return topic.error();
  auto name = read_topic(**topic, member_path(path, "topic"), file);
  if (!name)
    return name.error();
  op.topic = std::move(*name);
  if (*k == topic_op::kind::create_topic || *k == topic_op::kind::add_partitions) {
    auto p = required("partitions");
    if (!p)
      return p.error();
    auto n = read_partitions(**p, member_path(path, "partitions"), file);
    if (!n)
      return n.error();
    op.partitions = *n;
  }
  if (const auto* r = o.if_contains("replication")) {
    auto n = read_replication(*r, member_path(path, "replication"), file);
    if (!n)
      return n.error();
    op.replication = *n;
  }
  if (*k == topic_op::kind::alter_configs && !o.contains("configs"))
    return file_error(file, member_path(path, "configs") + " is missing (alter_configs "
                                                           "needs it)");
  if (const auto* c = o.if_contains("configs")) {
    auto configs = read_configs(*c, member_path(path, "configs"), file);
    if (!configs)
      return configs.error();
    if (*k == topic_op::kind::alter_configs && configs->empty())
      return file_error(file, member_path(path, "configs")
                                + " is empty: alter_configs needs at least one config");
    op.configs = std::move(*configs);
  }
  return op;
}

caf::error read_body(const std::string& text, const std::string& file, migration& out) {
  auto root = parse_json(text, file);
  if (!root)
    return root.error();
  auto obj = read_object(*root, "", {"description", "operations"}, file);
  if (!obj)
    return obj.error();
  if (const auto* d = (*obj)->if_contains("description")) {
    auto desc = read_string(*d, "description", file);
    if (!desc)
      return desc.error();
    out.description = std::move(*desc);
  }
  const auto* ops = (*obj)->if_contains("operations");
  if (!ops)
    return file_error(file, "operations is missing");
  if (!ops->is_array())
    return file_error(file, "operations must be an array, got " + shown(*ops));
  if (ops->as_array().empty())
    return file_error(file, "operations is empty: a migration changes at least one topic");
  const auto& arr = ops->as_array();
  for (size_t i = 0; i < arr.size(); ++i) {
    auto op = read_op(arr[i], index_path("operations", i), file);
    if (!op)
      return op.error();
    out.ops.push_back(std::move(*op));
  }
  return caf::none;
}

} // namespace

caf::expected<migration> load_migration(const std::string& path) {
  auto parts = parse_file_name(fs::path{path}.filename().string());
  if (!parts)
    return bad_file_name(path);
  if (parts->version < 1 || parts->version > max_migration_version)
    return file_error(path, "version must be 1.." + std::to_string(max_migration_version)
                              + " (the ledger's keys have six digits)");
  auto bytes = read_bytes(path);
  if (!bytes)
    return bytes.error();
  migration m;
  m.version = parts->version;
  m.name = parts->name;
  m.path = path;
  auto sum = sha256_hex(*bytes);
  if (!sum)
    return file_error(path, reason_of(sum.error()));
  m.checksum = std::move(*sum);
  if (auto err = read_body(*bytes, path, m))
    return err;
  return m;
}

caf::expected<std::vector<migration>> load_migrations(const std::string& dir) {
  std::error_code ec;
  auto st = fs::status(dir, ec);
  if (st.type() == fs::file_type::not_found)
    return file_error(dir, "migration directory does not exist");
  if (ec)
    return file_error(dir, "cannot read migration directory: " + ec.message());
  if (!fs::is_directory(st))
    return file_error(dir, "is not a directory (a migration directory was expected)");
  std::vector<std::pair<std::string, std::string>> files; // file name, path
  for (fs::directory_iterator it{dir, ec}, end; !ec && it != end; it.increment(ec)) {
    auto file = it->path().filename().string();
    if (file.empty() || file[0] == '.' || !has_json_extension(it->path()))
      continue;
    files.emplace_back(file, it->path().string());
  }
  if (ec)
    return file_error(dir, "cannot list migration directory: " + ec.message());
  // Sorted by name, so errors do not depend on the directory's order.
  std::sort(files.begin(), files.end());
  std::map<int64_t, std::string> seen; // version -> file name
  for (const auto& [file, path] : files) {
    auto parts = parse_file_name(file);
    if (!parts)
      return bad_file_name(path);
    auto [at, fresh] = seen.emplace(parts->version, file);
    if (!fresh)
      return file_error(dir, printable(at->second) + " and " + printable(file)
                               + " both have version " + std::to_string(parts->version));
  }
  std::vector<migration> out;
  for (const auto& [file, path] : files) {
    auto m = load_migration(path);
    if (!m)
      return m.error();
    out.push_back(std::move(*m));
  }
  std::sort(out.begin(), out.end(),
            [](const migration& x, const migration& y) { return x.version < y.version; });
  return out;
}

} // namespace kafka_actors
