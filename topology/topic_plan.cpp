#include "kafka_actors/topology/topic_plan.hpp"

#include <algorithm>
#include <set>

#include "kafka_actors/runtime/errors.hpp"
#include "kafka_actors/runtime/printable.hpp"

namespace kafka_actors {

namespace {

using kind = topic_op::kind;

// The desired keys whose values `have` lacks or holds differently.
std::map<std::string, std::string> differing(const std::map<std::string, std::string>& want,
                                             const std::map<std::string, std::string>& have) {
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : want) {
    auto it = have.find(k);
    if (it == have.end() || it->second != v)
      out.emplace(k, v);
  }
  return out;
}

// Whether an existing topic is what `m.ops[i]` (a create_topic) would have made of it,
// possibly already changed by the ops after it in the migration: after a run that created
// the topic and grew it (or altered its configs) but did not reach the ledger, the create
// must count as done rather than as a conflict with a topic made by someone else.
bool created_by_this_migration(const migration& m, size_t i, const topic_state& have) {
  const auto& create = m.ops[i];
  std::set<int32_t> counts{create.partitions};
  std::map<std::string, std::set<std::string>> values;
  for (const auto& [k, v] : create.configs)
    values[k].insert(v);
  for (size_t j = i + 1; j < m.ops.size(); ++j) {
    const auto& op = m.ops[j];
    if (op.topic != create.topic)
      continue;
    if (op.k == kind::delete_topic || op.k == kind::create_topic)
      break;
    if (op.k == kind::add_partitions)
      counts.insert(op.partitions);
    else
      for (const auto& [k, v] : op.configs)
        if (values.count(k))
          values[k].insert(v);
  }
  if (!counts.count(have.partitions))
    return false;
  if (create.replication != -1 && have.replication != -1
      && create.replication != have.replication)
    return false;
  for (const auto& [k, allowed] : values) {
    auto it = have.configs.find(k);
    if (it == have.configs.end() || !allowed.count(it->second))
      return false;
  }
  return true;
}

std::string partitions_text(int32_t n) {
  return std::to_string(n) + (n == 1 ? " partition" : " partitions");
}

} // namespace

caf::expected<std::vector<topic_op>>
reconcile(const std::vector<topic_config>& desired,
          const std::map<std::string, topic_state>& actual) {
  std::vector<const topic_config*> sorted;
  for (const auto& d : desired)
    sorted.push_back(&d);
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const topic_config* x, const topic_config* y) {
                     return x->name < y->name;
                   });
  std::vector<topic_op> ops;
  std::string problems;
  auto problem = [&](const std::string& what) {
    if (!problems.empty())
      problems += "; ";
    problems += what;
  };
  for (size_t i = 0; i < sorted.size(); ++i) {
    const auto& d = *sorted[i];
    auto name = printable(d.name);
    if (i > 0 && sorted[i - 1]->name == d.name) {
      problem("topic " + name + " is desired twice");
      continue;
    }
    auto it = actual.find(d.name);
    if (it == actual.end()) {
      ops.push_back({kind::create_topic, d.name, d.partitions, d.replication_factor,
                     d.configs});
      continue;
    }
    const auto& have = it->second;
    if (d.partitions < have.partitions)
      problem("topic " + name + " has " + partitions_text(have.partitions) + ", desired "
              + std::to_string(d.partitions)
              + ": Kafka cannot reduce a topic's partition count");
    if (d.replication_factor != -1 && d.replication_factor != have.replication)
      problem("topic " + name + " has replication " + std::to_string(have.replication)
              + ", desired " + std::to_string(d.replication_factor)
              + ": changing the replication factor is not supported by this tool (use "
                "kafka-reassign-partitions)");
    if (d.partitions > have.partitions)
      ops.push_back({kind::add_partitions, d.name, d.partitions, -1, {}});
    auto changed = differing(d.configs, have.configs);
    if (!changed.empty())
      ops.push_back({kind::alter_configs, d.name, -1, -1, std::move(changed)});
  }
  if (!problems.empty())
    return make_error(errc::invalid_config, "cannot reconcile: " + problems);
  return ops;
}

std::vector<topic_op> plan_ops(const migration& m,
                               const std::map<std::string, topic_state>& actual) {
  // Only the topics the migration names are copied: a cluster may have thousands.
  std::map<std::string, topic_state> state;
  for (const auto& op : m.ops)
    if (auto it = actual.find(op.topic); it != actual.end())
      state.emplace(*it);
  std::vector<topic_op> out;
  for (size_t i = 0; i < m.ops.size(); ++i) {
    const auto& op = m.ops[i];
    auto it = state.find(op.topic);
    bool exists = it != state.end();
    switch (op.k) {
      case kind::create_topic: {
        if (!exists) {
          state.emplace(op.topic,
                        topic_state{op.topic, op.partitions, op.replication, op.configs});
          out.push_back(op);
          break;
        }
        if (!created_by_this_migration(m, i, it->second))
          out.push_back(op); // the applier reports the topic that already exists
        break;
      }
      case kind::add_partitions:
        if (!exists) {
          out.push_back(op); // the applier reports the missing topic
        } else if (it->second.partitions < op.partitions) {
          it->second.partitions = op.partitions;
          out.push_back(op);
        }
        break;
      case kind::alter_configs: {
        if (!exists) {
          out.push_back(op);
          break;
        }
        auto changed = differing(op.configs, it->second.configs);
        if (changed.empty())
          break;
        for (const auto& [k, v] : changed)
          it->second.configs[k] = v;
        out.push_back({kind::alter_configs, op.topic, -1, -1, std::move(changed)});
        break;
      }
      case kind::delete_topic:
        if (exists) {
          state.erase(it);
          out.push_back(op);
        }
        break;
    }
  }
  return out;
}

void apply_effect(std::map<std::string, topic_state>& state, const topic_op& op) {
  switch (op.k) {
    case kind::create_topic:
      state.emplace(op.topic, topic_state{op.topic, op.partitions, op.replication, op.configs});
      break;
    case kind::add_partitions:
      if (auto it = state.find(op.topic); it != state.end())
        it->second.partitions = std::max(it->second.partitions, op.partitions);
      break;
    case kind::alter_configs:
      if (auto it = state.find(op.topic); it != state.end())
        for (const auto& [k, v] : op.configs)
          it->second.configs[k] = v;
      break;
    case kind::delete_topic:
      state.erase(op.topic);
      break;
  }
}

} // namespace kafka_actors
