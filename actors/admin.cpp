#include "kafka_actors/actors/admin.hpp"

#include <algorithm>
#include <optional>

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <librdkafka/rdkafka.h>

#include "kafka_actors/runtime/embedded_cluster.hpp"
#include "kafka_actors/runtime/errors.hpp"
#include "kafka_actors/runtime/rdkafka_handles.hpp"

namespace kafka_actors {

namespace {

struct admin_state {
  static inline const char* name = "kafka-admin";
  // Declared first, destroyed last: the client must go before the cluster it talks to.
  std::shared_ptr<embedded_cluster> cluster;
  client_ptr rk;
  std::string bootstrap;
  std::chrono::milliseconds timeout{10000};
  // Connected on the first Admin API call: most services never make one.
  std::optional<admin_client> client;
};

struct admin_box {
  client_ptr rk;
};

caf::expected<int32_t> ping(admin_state& st) {
  const rd_kafka_metadata_t* md = nullptr;
  auto err = rd_kafka_metadata(st.rk.get(), 0, nullptr, &md,
                               static_cast<int>(st.timeout.count()));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR || !md) {
    return make_error(errc::broker_unreachable,
                      "no broker answered within " + std::to_string(st.timeout.count())
                        + " ms; tried " + st.bootstrap + " (" + rd_error_text(err) + ")");
  }
  auto n = md->broker_cnt;
  rd_kafka_metadata_destroy(md);
  return n;
}

caf::error create_topic(admin_state& st, const topic_config& cfg) {
  if (auto err = validate(cfg))
    return err;
  if (st.cluster)
    return st.cluster->create_topic(cfg);
  char errstr[512];
  auto nt = rd_kafka_NewTopic_new(cfg.name.c_str(), cfg.partitions, cfg.replication_factor,
                                  errstr, sizeof(errstr));
  if (!nt)
    return make_error(errc::invalid_argument, "topic '" + cfg.name + "': " + errstr);
  for (auto& [k, v] : cfg.configs)
    rd_kafka_NewTopic_set_config(nt, k.c_str(), v.c_str());
  queue_ptr q{rd_kafka_queue_new(st.rk.get())};
  auto opts = rd_kafka_AdminOptions_new(st.rk.get(), RD_KAFKA_ADMIN_OP_CREATETOPICS);
  rd_kafka_AdminOptions_set_request_timeout(opts, static_cast<int>(st.timeout.count()),
                                            errstr, sizeof(errstr));
  rd_kafka_CreateTopics(st.rk.get(), &nt, 1, opts, q.get());
  rd_kafka_AdminOptions_destroy(opts);
  rd_kafka_NewTopic_destroy(nt);
  event_ptr ev{rd_kafka_queue_poll(q.get(), static_cast<int>(st.timeout.count()) + 2000)};
  if (!ev)
    return make_error(errc::timeout, "creating topic '" + cfg.name + "': no answer within "
                                       + std::to_string(st.timeout.count()) + " ms from "
                                       + st.bootstrap);
  if (auto err = rd_kafka_event_error(ev.get()))
    return make_error(err == RD_KAFKA_RESP_ERR__TIMED_OUT ? errc::broker_unreachable
                                                          : errc::kafka_error,
                      "creating topic '" + cfg.name + "' at " + st.bootstrap + ": "
                        + rd_kafka_event_error_string(ev.get()));
  auto res = rd_kafka_event_CreateTopics_result(ev.get());
  size_t cnt = 0;
  auto topics = rd_kafka_CreateTopics_result_topics(res, &cnt);
  for (size_t i = 0; i < cnt; ++i) {
    auto err = rd_kafka_topic_result_error(topics[i]);
    if (err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
      return make_error(errc::topic_already_exists,
                        "topic '" + cfg.name + "' already exists");
    if (err == RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION)
      return make_error(errc::invalid_topic, "topic '" + cfg.name + "': "
                                               + rd_kafka_topic_result_error_string(topics[i]));
    if (err)
      return make_error(errc::kafka_error, "creating topic '" + cfg.name + "': "
                                             + rd_kafka_topic_result_error_string(topics[i]));
  }
  return caf::none;
}

caf::expected<int64_t> group_lag(admin_state& st, const kafka_config& cfg,
                                 const std::string& group,
                                 const std::vector<std::string>& topics) {
  auto timeout = static_cast<int>(st.timeout.count());
  // Committed offsets are read through a client of that group that never joins it.
  auto props = cfg.consumer_config(group);
  props["bootstrap.servers"] = st.bootstrap;
  auto conf = make_conf(props);
  if (!conf)
    return conf.error();
  auto consumer = make_client(RD_KAFKA_CONSUMER, std::move(*conf));
  if (!consumer)
    return consumer.error();
  tpl_ptr parts{rd_kafka_topic_partition_list_new(16)};
  for (auto& t : topics) {
    const rd_kafka_metadata_t* md = nullptr;
    auto rkt = rd_kafka_topic_new(consumer->get(), t.c_str(), nullptr);
    auto err = rd_kafka_metadata(consumer->get(), 0, rkt, &md, timeout);
    rd_kafka_topic_destroy(rkt);
    if (err || !md || md->topic_cnt != 1 || md->topics[0].err) {
      auto why = err ? rd_error_text(err)
                     : (md && md->topic_cnt == 1 ? rd_error_text(md->topics[0].err)
                                                 : std::string{"no metadata"});
      if (md)
        rd_kafka_metadata_destroy(md);
      return make_error(errc::kafka_error, "lag of group '" + group + "' on '" + t + "': " + why);
    }
    for (int p = 0; p < md->topics[0].partition_cnt; ++p)
      rd_kafka_topic_partition_list_add(parts.get(), t.c_str(), md->topics[0].partitions[p].id);
    rd_kafka_metadata_destroy(md);
  }
  if (auto err = rd_kafka_committed(consumer->get(), parts.get(), timeout))
    return make_error(errc::kafka_error,
                      "committed offsets of group '" + group + "': " + rd_error_text(err));
  int64_t lag = 0;
  for (int i = 0; i < parts->cnt; ++i) {
    auto& e = parts->elems[i];
    int64_t low = 0, high = 0;
    if (auto err = rd_kafka_query_watermark_offsets(consumer->get(), e.topic, e.partition, &low,
                                                    &high, timeout))
      return make_error(errc::kafka_error, std::string{"end offset of "} + e.topic + "["
                                             + std::to_string(e.partition)
                                             + "]: " + rd_error_text(err));
    auto committed = e.offset >= 0 ? e.offset : low;
    lag += std::max<int64_t>(0, high - committed);
  }
  return lag;
}

// Runs `f` on the connected admin client, connecting first when needed.
template <class F>
auto with_client(admin_state& st, const kafka_config& cfg, F f) -> decltype(f(*st.client)) {
  if (st.cluster)
    return make_error(errc::invalid_config,
                      "the Admin API needs a broker (bootstrap.servers): librdkafka's embedded "
                      "mock cluster answers only metadata and creates topics by its own API");
  if (!st.client) {
    auto c = admin_client::connect(cfg);
    if (!c)
      return c.error();
    st.client.emplace(std::move(*c));
  }
  return f(*st.client);
}

template <class T>
caf::result<T> reply(caf::expected<T> x) {
  if (!x)
    return x.error();
  return std::move(*x);
}

admin_actor::behavior_type admin_impl(admin_actor::stateful_pointer<admin_state> self,
                                      std::shared_ptr<admin_box> box,
                                      std::shared_ptr<embedded_cluster> cluster,
                                      std::string bootstrap, std::chrono::milliseconds timeout,
                                      std::shared_ptr<kafka_config> cfg) {
  self->state.rk = std::move(box->rk);
  self->state.cluster = std::move(cluster);
  self->state.bootstrap = std::move(bootstrap);
  self->state.timeout = timeout;
  return {
    [=](create_topic_atom, const topic_config& cfg) -> caf::result<bool> {
      if (auto err = create_topic(self->state, cfg))
        return err;
      return true;
    },
    [=](ping_atom) -> caf::result<int32_t> {
      auto n = ping(self->state);
      if (!n)
        return n.error();
      return *n;
    },
    [=](watermarks_atom, const std::vector<std::string>& partitions) {
      std::map<std::string, int64_t> out;
      auto timeout = static_cast<int>(self->state.timeout.count());
      for (auto& label : partitions) {
        auto open = label.rfind('[');
        if (open == std::string::npos || label.back() != ']')
          continue;
        auto topic = label.substr(0, open);
        int32_t partition = 0;
        try {
          partition = std::stoi(label.substr(open + 1));
        } catch (const std::exception&) {
          continue;
        }
        int64_t low = 0, high = 0;
        if (rd_kafka_query_watermark_offsets(self->state.rk.get(), topic.c_str(), partition, &low,
                                             &high, timeout))
          break;
        out[label] = high;
      }
      return out;
    },
    [=](lag_atom, const std::string& group,
        const std::vector<std::string>& topics) -> caf::result<int64_t> {
      auto lag = group_lag(self->state, *cfg, group, topics);
      if (!lag)
        return lag.error();
      return *lag;
    },
    [=](list_topics_atom, bool internal) {
      return reply(with_client(self->state, *cfg, [&](admin_client& c) {
        return c.list_topics(internal);
      }));
    },
    [=](describe_topic_atom, const std::string& topic) {
      return reply(with_client(self->state, *cfg, [&](admin_client& c) {
        return c.describe_topic(topic);
      }));
    },
    [=](delete_topic_atom, const std::string& topic) {
      return reply(with_client(self->state, *cfg, [&](admin_client& c) -> caf::expected<bool> {
        if (auto err = c.delete_topic(topic))
          return err;
        return true;
      }));
    },
    [=](add_partitions_atom, const std::string& topic, int32_t total) {
      return reply(with_client(self->state, *cfg, [&](admin_client& c) -> caf::expected<bool> {
        if (auto err = c.add_partitions(topic, total))
          return err;
        return true;
      }));
    },
    [=](alter_configs_atom, const std::string& topic,
        const std::map<std::string, std::string>& set) {
      return reply(with_client(self->state, *cfg, [&](admin_client& c) -> caf::expected<bool> {
        if (auto err = c.alter_configs(topic, set))
          return err;
        return true;
      }));
    },
    [=](list_groups_atom) {
      return reply(with_client(self->state, *cfg, [&](admin_client& c) {
        return c.list_groups();
      }));
    },
    [=](describe_group_atom, const std::string& group) {
      return reply(with_client(self->state, *cfg, [&](admin_client& c) {
        return c.describe_group(group);
      }));
    },
    [=](group_offsets_atom, const std::string& group, const std::vector<std::string>& topics) {
      return reply(with_client(self->state, *cfg, [&](admin_client& c) {
        return c.group_offsets(group, topics);
      }));
    },
    [=](stop_atom) { self->quit(); },
  };
}

} // namespace

caf::expected<admin_actor> spawn_admin(caf::actor_system& sys, const kafka_config& cfg,
                                       std::shared_ptr<embedded_cluster> cluster) {
  auto props = cfg.admin_config();
  props["bootstrap.servers"] = cfg.bootstrap_servers;
  auto conf = make_conf(props);
  if (!conf)
    return conf.error();
  auto client = make_client(RD_KAFKA_PRODUCER, std::move(*conf));
  if (!client)
    return client.error();
  auto box = std::make_shared<admin_box>(admin_box{std::move(*client)});
  return sys.spawn<caf::detached>(admin_impl, std::move(box), std::move(cluster),
                                  cfg.bootstrap_servers, cfg.connect_timeout,
                                  std::make_shared<kafka_config>(cfg));
}

} // namespace kafka_actors
