#include "kafka_actors/topology/cluster_ops.hpp"

#include "kafka_actors/runtime/errors.hpp"

namespace kafka_actors {

caf::expected<std::map<std::string, topic_state>>
cluster_state(admin_client& admin, const std::vector<std::string>& topics) {
  std::map<std::string, topic_state> out;
  for (auto& name : topics) {
    if (out.count(name))
      continue;
    auto d = admin.describe_topic(name);
    if (!d) {
      if (code_of(d.error()) == errc::invalid_topic)
        continue; // not there (yet)
      return d.error();
    }
    out.emplace(name, topic_state{name, static_cast<int32_t>(d->partitions.size()),
                                  d->replication(), d->configs});
  }
  return out;
}

caf::error execute(admin_client& admin, const topic_op& op) {
  switch (op.k) {
    case topic_op::kind::create_topic: {
      topic_config cfg{op.topic, op.partitions, op.replication, op.configs};
      auto err = admin.create_topic(cfg);
      if (err && code_of(err) == errc::topic_already_exists) {
        // Another apply (one this run fenced, or a racing one) may have just created it as
        // this op would: that is done, not a conflict.
        auto d = admin.describe_topic(op.topic);
        if (d && static_cast<int32_t>(d->partitions.size()) == op.partitions
            && (op.replication < 0 || d->replication() == op.replication)) {
          bool same = true;
          for (auto& [k, v] : op.configs)
            if (auto i = d->configs.find(k); i == d->configs.end() || i->second != v)
              same = false;
          if (same)
            return caf::none;
        }
        return make_error(errc::topic_already_exists,
                          "topic '" + op.topic + "' already exists and differs from what "
                          "this op creates (see 'kafka-actors topics describe "
                            + op.topic + "')");
      }
      return err;
    }
    case topic_op::kind::delete_topic: {
      auto err = admin.delete_topic(op.topic);
      if (err && code_of(err) == errc::invalid_topic)
        return caf::none; // gone already: what the op wants
      return err;
    }
    case topic_op::kind::add_partitions: {
      auto err = admin.add_partitions(op.topic, op.partitions);
      if (err) {
        auto d = admin.describe_topic(op.topic);
        if (d && static_cast<int32_t>(d->partitions.size()) >= op.partitions)
          return caf::none;
      }
      return err;
    }
    case topic_op::kind::alter_configs:
      return admin.alter_configs(op.topic, op.configs);
  }
  return make_error(errc::invalid_argument, "unknown op");
}

} // namespace kafka_actors
