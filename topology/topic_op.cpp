#include "kafka_actors/topology/topic_op.hpp"

#include "kafka_actors/runtime/printable.hpp"

namespace kafka_actors {

namespace {

std::string config_list(const std::map<std::string, std::string>& configs) {
  std::string out;
  for (const auto& [k, v] : configs) {
    if (!out.empty())
      out += ", ";
    out += printable(k) + "=" + printable(v);
  }
  return out;
}

} // namespace

bool operator==(const topic_op& x, const topic_op& y) {
  return x.k == y.k && x.topic == y.topic && x.partitions == y.partitions
         && x.replication == y.replication && x.configs == y.configs;
}

const char* to_string(topic_op::kind k) {
  switch (k) {
    case topic_op::kind::create_topic: return "create_topic";
    case topic_op::kind::delete_topic: return "delete_topic";
    case topic_op::kind::add_partitions: return "add_partitions";
    case topic_op::kind::alter_configs: return "alter_configs";
  }
  return "unknown";
}

std::string describe(const topic_op& op) {
  // Topic names in ops may come from code rather than a validated file.
  auto topic = printable(op.topic);
  switch (op.k) {
    case topic_op::kind::create_topic: {
      auto out = "create topic " + topic + " (" + std::to_string(op.partitions)
                 + (op.partitions == 1 ? " partition, " : " partitions, ");
      out += op.replication == -1 ? std::string{"broker default replication"}
                                  : "replication " + std::to_string(op.replication);
      if (!op.configs.empty())
        out += ", " + config_list(op.configs);
      return out + ")";
    }
    case topic_op::kind::delete_topic:
      return "delete topic " + topic;
    case topic_op::kind::add_partitions:
      return "add partitions to " + topic + " (to " + std::to_string(op.partitions) + ")";
    case topic_op::kind::alter_configs:
      return "alter configs of " + topic + ": " + config_list(op.configs);
  }
  return "unknown operation on " + topic;
}

} // namespace kafka_actors
