#include "kafka_actors/topology/desired_topics.hpp"

#include <map>

#include <boost/json/value.hpp>

#include "kafka_actors/topology/json_input.hpp"

namespace kafka_actors {

namespace json = boost::json;
using namespace topology_detail;

namespace {

caf::expected<topic_config> read_topic_entry(const json::value& v, const std::string& path,
                                             const std::string& file) {
  auto obj = read_object(v, path, {"name", "partitions", "replication", "configs"}, file);
  if (!obj)
    return obj.error();
  const auto& o = **obj;
  topic_config cfg;
  const auto* name = o.if_contains("name");
  if (!name)
    return file_error(file, member_path(path, "name") + " is missing");
  auto topic = read_topic(*name, member_path(path, "name"), file);
  if (!topic)
    return topic.error();
  cfg.name = std::move(*topic);
  const auto* partitions = o.if_contains("partitions");
  if (!partitions)
    return file_error(file, member_path(path, "partitions") + " is missing");
  auto n = read_partitions(*partitions, member_path(path, "partitions"), file);
  if (!n)
    return n.error();
  cfg.partitions = *n;
  cfg.replication_factor = -1;
  if (const auto* r = o.if_contains("replication")) {
    auto rf = read_replication(*r, member_path(path, "replication"), file);
    if (!rf)
      return rf.error();
    cfg.replication_factor = *rf;
  }
  if (const auto* c = o.if_contains("configs")) {
    auto configs = read_configs(*c, member_path(path, "configs"), file);
    if (!configs)
      return configs.error();
    cfg.configs = std::move(*configs);
  }
  return cfg;
}

} // namespace

caf::expected<std::vector<topic_config>> load_desired_topics(const std::string& path) {
  auto bytes = read_bytes(path);
  if (!bytes)
    return bytes.error();
  auto root = parse_json(*bytes, path);
  if (!root)
    return root.error();
  auto obj = read_object(*root, "", {"topics"}, path);
  if (!obj)
    return obj.error();
  const auto* topics = (*obj)->if_contains("topics");
  if (!topics)
    return file_error(path, "topics is missing");
  if (!topics->is_array())
    return file_error(path, "topics must be an array, got " + shown(*topics));
  std::vector<topic_config> out;
  std::map<std::string, size_t> seen; // name -> index
  const auto& arr = topics->as_array();
  for (size_t i = 0; i < arr.size(); ++i) {
    auto item_path = index_path("topics", i);
    auto cfg = read_topic_entry(arr[i], item_path, path);
    if (!cfg)
      return cfg.error();
    auto [at, fresh] = seen.emplace(cfg->name, i);
    if (!fresh)
      return file_error(path, item_path + ".name: topic " + cfg->name + " is also "
                                + index_path("topics", at->second));
    out.push_back(std::move(*cfg));
  }
  return out;
}

} // namespace kafka_actors
