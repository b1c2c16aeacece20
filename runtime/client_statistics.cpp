#include "kafka_actors/runtime/client_statistics.hpp"

#include <algorithm>
#include <set>

#include <boost/json.hpp>

namespace kafka_actors {

namespace {

// librdkafka writes -1001 (RD_KAFKA_OFFSET_INVALID) for an offset it does not know.
int64_t offset_of(const boost::json::object& o, const char* key) {
  auto v = o.if_contains(key);
  if (!v)
    return -1;
  int64_t n = -1;
  if (v->is_int64())
    n = v->as_int64();
  else if (v->is_uint64())
    n = static_cast<int64_t>(v->as_uint64());
  return n < 0 ? -1 : n;
}

std::string string_of(const boost::json::object& o, const char* key) {
  auto v = o.if_contains(key);
  return v && v->is_string() ? std::string{v->as_string()} : std::string{};
}

} // namespace

std::optional<client_statistics> parse_client_statistics(std::string_view json,
                                                         std::string* error) {
  boost::json::error_code ec;
  auto root = boost::json::parse(json, ec);
  auto fail = [&](std::string why) -> std::optional<client_statistics> {
    if (error)
      *error = std::move(why);
    return std::nullopt;
  };
  if (ec)
    return fail("statistics are not JSON: " + ec.message());
  if (!root.is_object())
    return fail("statistics are not a JSON object");
  client_statistics out;
  auto& top = root.as_object();
  if (auto topics = top.if_contains("topics"); topics && topics->is_object()) {
    for (auto& [name, t] : topics->as_object()) {
      if (!t.is_object())
        continue;
      auto parts = t.as_object().if_contains("partitions");
      if (!parts || !parts->is_object())
        continue;
      for (auto& [id, p] : parts->as_object()) {
        if (!p.is_object())
          continue;
        auto& po = p.as_object();
        auto pid = po.if_contains("partition");
        if (!pid || !pid->is_int64() || pid->as_int64() < 0)
          continue;
        partition_statistics ps;
        ps.topic = std::string{name};
        ps.partition = static_cast<int32_t>(pid->as_int64());
        ps.lo_offset = offset_of(po, "lo_offset");
        ps.hi_offset = offset_of(po, "hi_offset");
        ps.committed_offset = offset_of(po, "committed_offset");
        ps.fetch_offset = offset_of(po, "next_offset");
        out.partitions.push_back(std::move(ps));
      }
    }
  }
  if (auto brokers = top.if_contains("brokers"); brokers && brokers->is_object()) {
    for (auto& [name, b] : brokers->as_object()) {
      if (!b.is_object())
        continue;
      auto& bo = b.as_object();
      auto node = bo.if_contains("nodeid");
      if (!node || !node->is_int64() || node->as_int64() < 0)
        continue;
      auto source = string_of(bo, "source");
      if (source == "internal" || source == "logical")
        continue;
      out.brokers.push_back(broker_statistics{std::string{name},
                                              static_cast<int32_t>(node->as_int64()),
                                              string_of(bo, "state")});
    }
  }
  auto by_tp = [](const partition_statistics& a, const partition_statistics& b) {
    return std::tie(a.topic, a.partition) < std::tie(b.topic, b.partition);
  };
  std::sort(out.partitions.begin(), out.partitions.end(), by_tp);
  std::sort(out.brokers.begin(), out.brokers.end(),
            [](const broker_statistics& a, const broker_statistics& b) {
              return a.node_id < b.node_id;
            });
  return out;
}

int64_t committed_lag(const partition_statistics& p) {
  if (p.hi_offset < 0)
    return -1;
  auto from = p.committed_offset >= 0 ? p.committed_offset : p.lo_offset;
  if (from < 0)
    return -1;
  return std::max<int64_t>(0, p.hi_offset - from);
}

void keep_assigned(client_statistics& stats, const std::vector<std::string>& assigned) {
  std::set<std::string> keep{assigned.begin(), assigned.end()};
  auto& ps = stats.partitions;
  ps.erase(std::remove_if(ps.begin(), ps.end(),
                          [&](const partition_statistics& p) {
                            return keep.count(p.topic + "[" + std::to_string(p.partition) + "]")
                                   == 0;
                          }),
           ps.end());
}

} // namespace kafka_actors
