#include "kafka_actors/runtime/admin_client.hpp"

#include <algorithm>
#include <chrono>
#include <limits>
#include <thread>
#include <tuple>

#include <librdkafka/rdkafka.h>

#include "kafka_actors/runtime/errors.hpp"
#include "kafka_actors/runtime/printable.hpp"

namespace kafka_actors {

int64_t partition_offsets::lag() const {
  auto from = committed >= 0 ? committed : low;
  return std::max<int64_t>(0, high - from);
}

namespace {

using steady = std::chrono::steady_clock;

struct metadata_deleter {
  void operator()(const rd_kafka_metadata_t* p) const noexcept {
    rd_kafka_metadata_destroy(p);
  }
};
using metadata_ptr = std::unique_ptr<const rd_kafka_metadata_t, metadata_deleter>;

struct options_deleter {
  void operator()(rd_kafka_AdminOptions_t* p) const noexcept {
    rd_kafka_AdminOptions_destroy(p);
  }
};
using options_ptr = std::unique_ptr<rd_kafka_AdminOptions_t, options_deleter>;

struct config_resource_deleter {
  void operator()(rd_kafka_ConfigResource_t* p) const noexcept {
    rd_kafka_ConfigResource_destroy(p);
  }
};
using config_resource_ptr = std::unique_ptr<rd_kafka_ConfigResource_t, config_resource_deleter>;

std::string quoted(const std::string& name) {
  return "'" + printable(name) + "'";
}

std::string partition_name(const std::string& topic, int32_t partition) {
  return printable(topic) + "[" + std::to_string(partition) + "]";
}

/// librdkafka's text for an error with the broker's message when it has one.
std::string with_text(rd_kafka_resp_err_t err, const char* text) {
  std::string out = rd_error_text(err);
  if (text && *text && out.find(text) == std::string::npos)
    out += ": " + printable(text);
  return out;
}

/// The errc for a broker or librdkafka error code of an admin request.
errc classify(rd_kafka_resp_err_t err) {
  switch (err) {
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
    case RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION:
      return errc::invalid_topic;
    case RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS:
      return errc::topic_already_exists;
    case RD_KAFKA_RESP_ERR_INVALID_PARTITIONS:
    case RD_KAFKA_RESP_ERR_INVALID_REPLICATION_FACTOR:
    case RD_KAFKA_RESP_ERR_INVALID_REPLICA_ASSIGNMENT:
    case RD_KAFKA_RESP_ERR_INVALID_CONFIG:
    case RD_KAFKA_RESP_ERR_INVALID_REQUEST:
    case RD_KAFKA_RESP_ERR_POLICY_VIOLATION:
    case RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE:
    case RD_KAFKA_RESP_ERR__INVALID_ARG:
    case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
    case RD_KAFKA_RESP_ERR_INVALID_GROUP_ID:
    case RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID:
    case RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION:
    case RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS:
      return errc::invalid_argument;
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
      return errc::timeout;
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
    case RD_KAFKA_RESP_ERR__RESOLVE:
      return errc::broker_unreachable;
    default:
      return errc::kafka_error;
  }
}

/// The error of an admin result (`what` says what was done, e.g. "creating topic 'x'").
/// A missing topic is said so plainly.
caf::error result_error(rd_kafka_resp_err_t err, const char* text, const std::string& what,
                        const std::string& topic = {}) {
  auto code = classify(err);
  if (err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART && !topic.empty())
    return make_error(code, what + ": topic " + quoted(topic) + " does not exist");
  if (err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS && !topic.empty())
    return make_error(code, "topic " + quoted(topic) + " already exists");
  return make_error(code, what + ": " + with_text(err, text));
}

} // namespace

// -- plumbing shared by every call ------------------------------------------------------------

namespace {

struct call {
  rd_kafka_t* rk;
  const kafka_config& cfg;
  queue_ptr queue;
  options_ptr options;

  call(rd_kafka_t* rk, const kafka_config& cfg, rd_kafka_admin_op_t op, bool operation_timeout)
    : rk(rk), cfg(cfg), queue(rd_kafka_queue_new(rk)), options(rd_kafka_AdminOptions_new(rk, op)) {
    char errstr[256];
    auto ms = timeout_ms();
    rd_kafka_AdminOptions_set_request_timeout(options.get(), ms, errstr, sizeof(errstr));
    // With an operation timeout the broker answers once the change is done (or the timeout
    // passed), not as soon as it accepted it.
    if (operation_timeout)
      rd_kafka_AdminOptions_set_operation_timeout(options.get(), ms, errstr, sizeof(errstr));
  }

  int timeout_ms() const {
    return static_cast<int>(cfg.connect_timeout.count());
  }

  /// The result event, or the error of the request as a whole.
  caf::expected<event_ptr> wait(const std::string& what) {
    event_ptr ev{rd_kafka_queue_poll(queue.get(), timeout_ms() + 2000)};
    if (!ev)
      return make_error(errc::timeout, what + ": no answer within "
                                         + std::to_string(timeout_ms()) + " ms from "
                                         + cfg.bootstrap_servers);
    if (auto err = rd_kafka_event_error(ev.get())) {
      if (err == RD_KAFKA_RESP_ERR__TIMED_OUT)
        return make_error(errc::timeout, what + ": no answer within "
                                           + std::to_string(timeout_ms()) + " ms from "
                                           + cfg.bootstrap_servers + " ("
                                           + printable(rd_kafka_event_error_string(ev.get()))
                                           + ")");
      return make_error(classify(err), what + " at " + cfg.bootstrap_servers + ": "
                                         + with_text(err, rd_kafka_event_error_string(ev.get())));
    }
    return ev;
  }
};

/// Metadata of one topic (topic non-empty) or of the brokers and all topics.
caf::expected<metadata_ptr> fetch_metadata(rd_kafka_t* rk, const kafka_config& cfg,
                                           const std::string& topic, const std::string& what) {
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t err;
  auto ms = static_cast<int>(cfg.connect_timeout.count());
  if (topic.empty()) {
    err = rd_kafka_metadata(rk, 1, nullptr, &md, ms);
  } else {
    auto rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
    if (!rkt)
      return make_error(errc::invalid_topic,
                        what + ": " + rd_error_text(rd_kafka_last_error()));
    err = rd_kafka_metadata(rk, 0, rkt, &md, ms);
    rd_kafka_topic_destroy(rkt);
  }
  if (err || !md) {
    if (md)
      rd_kafka_metadata_destroy(md);
    auto code = err == RD_KAFKA_RESP_ERR__TIMED_OUT ? errc::broker_unreachable : classify(err);
    return make_error(code, what + ": no metadata from " + cfg.bootstrap_servers + " within "
                              + std::to_string(ms) + " ms (" + rd_error_text(err) + ")");
  }
  return metadata_ptr{md};
}

/// The topic's entry in `md`, null when absent.
const rd_kafka_metadata_topic_t* find_topic(const rd_kafka_metadata_t& md,
                                            const std::string& topic) {
  for (int i = 0; i < md.topic_cnt; ++i)
    if (topic == md.topics[i].topic)
      return &md.topics[i];
  return nullptr;
}

/// Metadata of an existing topic: errc::invalid_topic when it does not exist.
caf::expected<metadata_ptr> topic_metadata(rd_kafka_t* rk, const kafka_config& cfg,
                                           const std::string& topic, const std::string& what) {
  auto md = fetch_metadata(rk, cfg, topic, what);
  if (!md)
    return md.error();
  auto t = find_topic(**md, topic);
  if (!t || t->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
    return make_error(errc::invalid_topic, what + ": topic " + quoted(topic) + " does not exist");
  if (t->err && t->err != RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE)
    return make_error(classify(t->err), what + ": " + rd_error_text(t->err));
  return md;
}

/// Polls metadata until `done` holds for the topic's entry (null: absent) or the timeout
/// passes. Returns false on timeout.
template <class Predicate>
bool await_metadata(rd_kafka_t* rk, const kafka_config& cfg, const std::string& topic,
                    Predicate done) {
  auto deadline = steady::now() + cfg.connect_timeout;
  for (;;) {
    if (auto md = fetch_metadata(rk, cfg, topic, "metadata")) {
      auto t = find_topic(**md, topic);
      if (t && t->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
        t = nullptr;
      if (done(t))
        return true;
    }
    if (steady::now() >= deadline)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds{100});
  }
}

/// Waits until the brokers asked serve the topic with `count` partitions, each with a
/// leader, so a caller can produce to it at once. Returns false on timeout.
bool await_partition_leaders(rd_kafka_t* rk, const kafka_config& cfg, const std::string& topic,
                             int32_t count) {
  return await_metadata(rk, cfg, topic, [&](const rd_kafka_metadata_topic_t* t) {
    if (!t || t->err || t->partition_cnt != count)
      return false;
    for (int i = 0; i < t->partition_cnt; ++i)
      if (t->partitions[i].leader < 0)
        return false;
    return true;
  });
}

/// The first failed entry of an admin answer's per-topic results, named for `topic`.
caf::error topic_results_error(const rd_kafka_topic_result_t** topics, size_t cnt,
                               const std::string& what, const std::string& topic) {
  for (size_t i = 0; i < cnt; ++i)
    if (auto err = rd_kafka_topic_result_error(topics[i]))
      return result_error(err, rd_kafka_topic_result_error_string(topics[i]), what, topic);
  return caf::none;
}

/// The topic's configs with source DYNAMIC_TOPIC_CONFIG. A config whose value the broker
/// does not reveal (sensitive) lands in `hidden`.
caf::expected<std::map<std::string, std::string>>
topic_configs(rd_kafka_t* rk, const kafka_config& cfg, const std::string& topic,
              std::vector<std::string>* hidden = nullptr) {
  auto what = "describing the configs of topic " + quoted(topic);
  call c{rk, cfg, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, false};
  config_resource_ptr res{rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str())};
  auto raw = res.get();
  rd_kafka_DescribeConfigs(rk, &raw, 1, c.options.get(), c.queue.get());
  auto ev = c.wait(what);
  if (!ev)
    return ev.error();
  auto result = rd_kafka_event_DescribeConfigs_result(ev->get());
  if (!result)
    return make_error(errc::kafka_error, what + ": unexpected answer "
                                           + rd_kafka_event_name(ev->get()));
  size_t cnt = 0;
  auto resources = rd_kafka_DescribeConfigs_result_resources(result, &cnt);
  std::map<std::string, std::string> out;
  for (size_t i = 0; i < cnt; ++i) {
    if (auto err = rd_kafka_ConfigResource_error(resources[i]))
      return result_error(err, rd_kafka_ConfigResource_error_string(resources[i]), what, topic);
    size_t n = 0;
    auto entries = rd_kafka_ConfigResource_configs(resources[i], &n);
    for (size_t j = 0; j < n; ++j) {
      if (rd_kafka_ConfigEntry_source(entries[j]) != RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG)
        continue;
      auto value = rd_kafka_ConfigEntry_value(entries[j]);
      std::string name = rd_kafka_ConfigEntry_name(entries[j]);
      if (!value) {
        if (hidden)
          hidden->push_back(name);
        continue;
      }
      out.emplace(std::move(name), value);
    }
  }
  return out;
}

/// a + b without overflow.
int64_t saturating_add(int64_t a, int64_t b) {
  if (b > 0 && a > std::numeric_limits<int64_t>::max() - b)
    return std::numeric_limits<int64_t>::max();
  if (b < 0 && a < std::numeric_limits<int64_t>::min() - b)
    return std::numeric_limits<int64_t>::min();
  return a + b;
}

/// The group result's error (group-level, then per partition) as a caf::error.
caf::error group_result_error(const rd_kafka_group_result_t* res, const std::string& what) {
  if (auto e = rd_kafka_group_result_error(res))
    return make_error(classify(rd_kafka_error_code(e)),
                      what + ": " + with_text(rd_kafka_error_code(e), rd_kafka_error_string(e)));
  if (auto parts = rd_kafka_group_result_partitions(res))
    for (int i = 0; i < parts->cnt; ++i)
      if (auto err = parts->elems[i].err)
        return result_error(err, nullptr,
                            what + " on " + partition_name(parts->elems[i].topic,
                                                           parts->elems[i].partition),
                            parts->elems[i].topic);
  return caf::none;
}

} // namespace

// -- connect ----------------------------------------------------------------------------------

caf::expected<admin_client> admin_client::connect(const kafka_config& cfg) {
  if (cfg.is_embedded())
    return make_error(errc::invalid_config,
                      "the admin client needs a broker (-b, bootstrap.servers or "
                      "KAFKA_ACTORS_BOOTSTRAP_SERVERS): the embedded cluster lives only as "
                      "long as one process");
  auto props = cfg.admin_config();
  props["bootstrap.servers"] = cfg.bootstrap_servers;
  // A producer-type handle asks the broker to create topics it requests metadata for: an
  // admin client that describes or awaits a missing topic must never create it.
  props["allow.auto.create.topics"] = "false";
  auto conf = make_conf(props);
  if (!conf)
    return conf.error();
  auto rk = make_client(RD_KAFKA_PRODUCER, std::move(*conf));
  if (!rk)
    return rk.error();
  const rd_kafka_metadata_t* md = nullptr;
  auto ms = static_cast<int>(cfg.connect_timeout.count());
  auto err = rd_kafka_metadata(rk->get(), 0, nullptr, &md, ms);
  if (err || !md) {
    if (md)
      rd_kafka_metadata_destroy(md);
    return make_error(errc::broker_unreachable,
                      "no broker answered within " + std::to_string(ms) + " ms; tried "
                        + cfg.bootstrap_servers + " (" + rd_error_text(err) + ")");
  }
  admin_client out;
  out.brokers_ = md->broker_cnt;
  rd_kafka_metadata_destroy(md);
  out.cfg_ = cfg;
  out.rk_ = std::move(*rk);
  return out;
}

// -- topics -----------------------------------------------------------------------------------

caf::expected<std::vector<std::string>> admin_client::list_topics(bool internal) {
  auto md = fetch_metadata(rk_.get(), cfg_, {}, "listing topics");
  if (!md)
    return md.error();
  std::vector<std::string> out;
  for (int i = 0; i < (*md)->topic_cnt; ++i) {
    auto& t = (*md)->topics[i];
    if (t.err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
      continue;
    std::string name = t.topic;
    // librdkafka 2.0.2's metadata has no is_internal flag: Kafka's internal topics are the
    // ones named "__..." (__consumer_offsets, __transaction_state).
    if (!internal && name.rfind("__", 0) == 0)
      continue;
    out.push_back(std::move(name));
  }
  std::sort(out.begin(), out.end());
  return out;
}

caf::expected<topic_description> admin_client::describe_topic(const std::string& topic) {
  if (auto err = validate_topic_name(topic))
    return err;
  auto what = "describing topic " + quoted(topic);
  auto md = topic_metadata(rk_.get(), cfg_, topic, what);
  if (!md)
    return md.error();
  auto t = find_topic(**md, topic);
  topic_description out;
  out.name = topic;
  for (int i = 0; i < t->partition_cnt; ++i) {
    auto& p = t->partitions[i];
    partition_info info;
    info.id = p.id;
    info.leader = p.leader;
    info.replicas.assign(p.replicas, p.replicas + p.replica_cnt);
    info.isr.assign(p.isrs, p.isrs + p.isr_cnt);
    out.partitions.push_back(std::move(info));
  }
  std::sort(out.partitions.begin(), out.partitions.end(),
            [](const auto& a, const auto& b) { return a.id < b.id; });
  auto configs = topic_configs(rk_.get(), cfg_, topic);
  if (!configs)
    return configs.error();
  out.configs = std::move(*configs);
  return out;
}

caf::error admin_client::create_topic(const topic_config& cfg) {
  if (auto err = validate_topic_name(cfg.name))
    return err;
  if (cfg.partitions < 1)
    return make_error(errc::invalid_argument, "topic " + quoted(cfg.name)
                                                + ": partitions must be >= 1, got "
                                                + std::to_string(cfg.partitions));
  if (cfg.replication_factor < 1 && cfg.replication_factor != -1)
    return make_error(errc::invalid_argument,
                      "topic " + quoted(cfg.name)
                        + ": replication factor must be >= 1 (or -1 for the broker's default), got "
                        + std::to_string(cfg.replication_factor));
  auto what = "creating topic " + quoted(cfg.name);
  char errstr[512];
  auto nt = rd_kafka_NewTopic_new(cfg.name.c_str(), cfg.partitions, cfg.replication_factor,
                                  errstr, sizeof(errstr));
  if (!nt)
    return make_error(errc::invalid_argument, what + ": " + printable(errstr));
  for (auto& [k, v] : cfg.configs) {
    if (auto err = rd_kafka_NewTopic_set_config(nt, k.c_str(), v.c_str())) {
      rd_kafka_NewTopic_destroy(nt);
      return make_error(errc::invalid_argument,
                        what + ": config " + quoted(k) + ": " + rd_error_text(err));
    }
  }
  call c{rk_.get(), cfg_, RD_KAFKA_ADMIN_OP_CREATETOPICS, true};
  rd_kafka_CreateTopics(rk_.get(), &nt, 1, c.options.get(), c.queue.get());
  rd_kafka_NewTopic_destroy(nt);
  auto ev = c.wait(what);
  if (!ev)
    return ev.error();
  size_t cnt = 0;
  auto topics = rd_kafka_CreateTopics_result_topics(
    rd_kafka_event_CreateTopics_result(ev->get()), &cnt);
  if (auto err = topic_results_error(topics, cnt, what, cfg.name))
    return err;
  // The controller knows the topic; the brokers we ask may not serve it yet.
  if (!await_partition_leaders(rk_.get(), cfg_, cfg.name, cfg.partitions))
    return make_error(errc::timeout, "topic " + quoted(cfg.name) + " was created but its "
                                       + std::to_string(cfg.partitions)
                                       + " partitions had no leaders within "
                                       + std::to_string(cfg_.connect_timeout.count()) + " ms");
  return caf::none;
}

caf::error admin_client::delete_topic(const std::string& topic) {
  if (auto err = validate_topic_name(topic))
    return err;
  auto what = "deleting topic " + quoted(topic);
  auto dt = rd_kafka_DeleteTopic_new(topic.c_str());
  call c{rk_.get(), cfg_, RD_KAFKA_ADMIN_OP_DELETETOPICS, true};
  rd_kafka_DeleteTopics(rk_.get(), &dt, 1, c.options.get(), c.queue.get());
  rd_kafka_DeleteTopic_destroy(dt);
  auto ev = c.wait(what);
  if (!ev)
    return ev.error();
  size_t cnt = 0;
  auto topics = rd_kafka_DeleteTopics_result_topics(
    rd_kafka_event_DeleteTopics_result(ev->get()), &cnt);
  if (auto err = topic_results_error(topics, cnt, what, topic))
    return err;
  // Until the metadata forgets the topic a create of the same name fails as "already exists".
  if (!await_metadata(rk_.get(), cfg_, topic, [](auto t) { return t == nullptr; }))
    return make_error(errc::timeout, "topic " + quoted(topic)
                                       + " was deleted but still shows in the metadata after "
                                       + std::to_string(cfg_.connect_timeout.count()) + " ms");
  return caf::none;
}

caf::error admin_client::add_partitions(const std::string& topic, int32_t total) {
  if (auto err = validate_topic_name(topic))
    return err;
  auto what = "adding partitions to topic " + quoted(topic);
  auto md = topic_metadata(rk_.get(), cfg_, topic, what);
  if (!md)
    return md.error();
  auto have = find_topic(**md, topic)->partition_cnt;
  if (total < have)
    return make_error(errc::invalid_argument,
                      "topic " + quoted(topic) + " has " + std::to_string(have)
                        + " partitions: cannot shrink it to " + std::to_string(total)
                        + " (Kafka only adds partitions)");
  if (total == have)
    return caf::none;
  char errstr[512];
  auto np = rd_kafka_NewPartitions_new(topic.c_str(), static_cast<size_t>(total), errstr,
                                       sizeof(errstr));
  if (!np)
    return make_error(errc::invalid_argument, what + ": " + printable(errstr));
  call c{rk_.get(), cfg_, RD_KAFKA_ADMIN_OP_CREATEPARTITIONS, true};
  rd_kafka_CreatePartitions(rk_.get(), &np, 1, c.options.get(), c.queue.get());
  rd_kafka_NewPartitions_destroy(np);
  auto ev = c.wait(what);
  if (!ev)
    return ev.error();
  size_t cnt = 0;
  auto topics = rd_kafka_CreatePartitions_result_topics(
    rd_kafka_event_CreatePartitions_result(ev->get()), &cnt);
  if (auto err = topic_results_error(topics, cnt, what, topic))
    return err;
  if (!await_partition_leaders(rk_.get(), cfg_, topic, total))
    return make_error(errc::timeout, "topic " + quoted(topic) + " did not show "
                                       + std::to_string(total) + " partitions with leaders within "
                                       + std::to_string(cfg_.connect_timeout.count()) + " ms");
  return caf::none;
}

caf::error admin_client::alter_configs(const std::string& topic,
                                       const std::map<std::string, std::string>& set) {
  if (auto err = validate_topic_name(topic))
    return err;
  auto what = "altering the configs of topic " + quoted(topic);
  std::vector<std::string> hidden;
  auto current = topic_configs(rk_.get(), cfg_, topic, &hidden);
  if (!current)
    return current.error();
  for (auto& name : hidden)
    if (set.count(name) == 0)
      return make_error(errc::invalid_argument,
                        what + ": the broker hides the value of " + quoted(name)
                          + " and the legacy AlterConfigs of librdkafka 2.0.2 would reset it;"
                            " give its value as well");
  auto merged = std::move(*current);
  for (auto& [k, v] : set)
    merged[k] = v;
  config_resource_ptr res{rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str())};
  for (auto& [k, v] : merged)
    if (auto err = rd_kafka_ConfigResource_set_config(res.get(), k.c_str(), v.c_str()))
      return make_error(errc::invalid_argument,
                        what + ": config " + quoted(k) + ": " + rd_error_text(err));
  call c{rk_.get(), cfg_, RD_KAFKA_ADMIN_OP_ALTERCONFIGS, false};
  auto raw = res.get();
  rd_kafka_AlterConfigs(rk_.get(), &raw, 1, c.options.get(), c.queue.get());
  auto ev = c.wait(what);
  if (!ev)
    return ev.error();
  auto result = rd_kafka_event_AlterConfigs_result(ev->get());
  if (!result)
    return make_error(errc::kafka_error, what + ": unexpected answer "
                                           + rd_kafka_event_name(ev->get()));
  size_t cnt = 0;
  auto resources = rd_kafka_AlterConfigs_result_resources(result, &cnt);
  if (cnt == 0)
    return make_error(errc::kafka_error, what + ": the broker answered without the topic");
  for (size_t i = 0; i < cnt; ++i)
    if (auto err = rd_kafka_ConfigResource_error(resources[i]))
      return result_error(err, rd_kafka_ConfigResource_error_string(resources[i]), what, topic);
  return caf::none;
}

// -- groups -----------------------------------------------------------------------------------

caf::expected<std::vector<group_listing>> admin_client::list_groups() {
  std::string what = "listing consumer groups";
  call c{rk_.get(), cfg_, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPS, false};
  rd_kafka_ListConsumerGroups(rk_.get(), c.options.get(), c.queue.get());
  auto ev = c.wait(what);
  if (!ev)
    return ev.error();
  auto result = rd_kafka_event_ListConsumerGroups_result(ev->get());
  if (!result)
    return make_error(errc::kafka_error, what + ": unexpected answer "
                                           + rd_kafka_event_name(ev->get()));
  size_t nerr = 0;
  auto errors = rd_kafka_ListConsumerGroups_result_errors(result, &nerr);
  // A broker that failed to answer leaves its groups out: a partial list would mislead.
  if (nerr > 0)
    return make_error(classify(rd_kafka_error_code(errors[0])),
                      what + ": " + with_text(rd_kafka_error_code(errors[0]),
                                              rd_kafka_error_string(errors[0])));
  size_t cnt = 0;
  auto groups = rd_kafka_ListConsumerGroups_result_valid(result, &cnt);
  std::vector<group_listing> out;
  for (size_t i = 0; i < cnt; ++i) {
    group_listing g;
    g.group = rd_kafka_ConsumerGroupListing_group_id(groups[i]);
    g.state = rd_kafka_consumer_group_state_name(rd_kafka_ConsumerGroupListing_state(groups[i]));
    g.simple = rd_kafka_ConsumerGroupListing_is_simple_consumer_group(groups[i]) != 0;
    out.push_back(std::move(g));
  }
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.group < b.group; });
  return out;
}

// One DescribeConsumerGroups; `group_error` gets the group's own error code, if any.
static caf::expected<group_description> describe_group_once(rd_kafka_t* rk,
                                                            const kafka_config& cfg_,
                                                            const std::string& group,
                                                            const std::string& what,
                                                            rd_kafka_resp_err_t& group_error);

caf::expected<group_description> admin_client::describe_group(const std::string& group) {
  if (group.empty())
    return make_error(errc::invalid_argument, "describing a consumer group: the name is empty");
  auto what = "describing group " + quoted(group);
  // A fresh broker answers coordinator errors while __consumer_offsets loads: asked again
  // until connect_timeout, as librdkafka's own group machinery would.
  auto deadline = std::chrono::steady_clock::now() + cfg_.connect_timeout;
  for (;;) {
    auto code = RD_KAFKA_RESP_ERR_NO_ERROR;
    auto out = describe_group_once(rk_.get(), cfg_, group, what, code);
    bool coordinator_busy = code == RD_KAFKA_RESP_ERR_NOT_COORDINATOR
                            || code == RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS
                            || code == RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE;
    if (!coordinator_busy || std::chrono::steady_clock::now() >= deadline)
      return out;
    std::this_thread::sleep_for(std::chrono::milliseconds{100});
  }
}

static caf::expected<group_description> describe_group_once(rd_kafka_t* rk,
                                                            const kafka_config& cfg_,
                                                            const std::string& group,
                                                            const std::string& what,
                                                            rd_kafka_resp_err_t& group_error) {
  call c{rk, cfg_, RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS, false};
  const char* names[] = {group.c_str()};
  rd_kafka_DescribeConsumerGroups(rk, names, 1, c.options.get(), c.queue.get());
  auto ev = c.wait(what);
  if (!ev)
    return ev.error();
  auto result = rd_kafka_event_DescribeConsumerGroups_result(ev->get());
  if (!result)
    return make_error(errc::kafka_error, what + ": unexpected answer "
                                           + rd_kafka_event_name(ev->get()));
  size_t cnt = 0;
  auto groups = rd_kafka_DescribeConsumerGroups_result_groups(result, &cnt);
  group_description out;
  out.group = group;
  out.state = rd_kafka_consumer_group_state_name(RD_KAFKA_CONSUMER_GROUP_STATE_DEAD);
  for (size_t i = 0; i < cnt; ++i) {
    auto g = groups[i];
    if (group != rd_kafka_ConsumerGroupDescription_group_id(g))
      continue;
    if (auto e = rd_kafka_ConsumerGroupDescription_error(g)) {
      // Brokers with the new group coordinator say so for a group that never existed.
      if (rd_kafka_error_code(e) == RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND)
        return out;
      group_error = rd_kafka_error_code(e);
      return make_error(classify(rd_kafka_error_code(e)),
                        what + ": " + with_text(rd_kafka_error_code(e), rd_kafka_error_string(e)));
    }
    out.state = rd_kafka_consumer_group_state_name(rd_kafka_ConsumerGroupDescription_state(g));
    if (auto a = rd_kafka_ConsumerGroupDescription_partition_assignor(g))
      out.assignor = a;
    if (auto node = rd_kafka_ConsumerGroupDescription_coordinator(g))
      out.coordinator = rd_kafka_Node_id(node);
    auto n = rd_kafka_ConsumerGroupDescription_member_count(g);
    for (size_t m = 0; m < n; ++m) {
      auto md = rd_kafka_ConsumerGroupDescription_member(g, m);
      group_member member;
      if (auto s = rd_kafka_MemberDescription_consumer_id(md))
        member.member_id = s;
      if (auto s = rd_kafka_MemberDescription_client_id(md))
        member.client_id = s;
      if (auto s = rd_kafka_MemberDescription_host(md))
        member.host = s;
      if (auto assignment = rd_kafka_MemberDescription_assignment(md))
        if (auto parts = rd_kafka_MemberAssignment_partitions(assignment))
          for (int k = 0; k < parts->cnt; ++k)
            member.assignment.emplace_back(parts->elems[k].topic, parts->elems[k].partition);
      std::sort(member.assignment.begin(), member.assignment.end());
      out.members.push_back(std::move(member));
    }
  }
  return out;
}

// librdkafka 2.0.2 crashes in its main thread when the broker answers the Admin API's
// OffsetFetch with NOT_COORDINATOR (rd_kafka_cgrp_op on the admin handle's NULL group,
// librdkafka issue #5040): the first request for a group on a fresh broker, while
// __consumer_offsets is still loading, and now and then later (CI: 3 crashes in 5 runs of
// asan/admin_client_test.delete_records_moves_the_log_start, on a broker minutes old). A
// consumer handle of the group (it never joins) asks instead: its group machinery finds the
// coordinator, asks again on NOT_COORDINATOR and waits out the loading.
namespace {

caf::expected<client_ptr> group_consumer(const kafka_config& cfg, const std::string& group) {
  auto props = cfg.consumer_config(group);
  props["bootstrap.servers"] = cfg.bootstrap_servers;
  auto conf = make_conf(props);
  if (!conf)
    return conf.error();
  return make_client(RD_KAFKA_CONSUMER, std::move(*conf));
}

struct committed_offset {
  std::string topic;
  int32_t partition;
  int64_t offset; // -1: none
};

} // namespace

caf::expected<std::vector<partition_offsets>>
admin_client::group_offsets(const std::string& group, const std::vector<std::string>& topics) {
  if (group.empty())
    return make_error(errc::invalid_argument, "offsets of a consumer group: the name is empty");
  auto what = "offsets of group " + quoted(group);
  auto consumer = group_consumer(cfg_, group);
  if (!consumer)
    return consumer.error();
  auto ms = static_cast<int>(cfg_.connect_timeout.count());
  std::vector<committed_offset> committed;
  if (!topics.empty()) {
    tpl_ptr wanted{rd_kafka_topic_partition_list_new(16)};
    for (auto& t : topics) {
      if (auto err = validate_topic_name(t))
        return err;
      auto md = topic_metadata(rk_.get(), cfg_, t, what);
      if (!md)
        return md.error();
      auto mt = find_topic(**md, t);
      for (int p = 0; p < mt->partition_cnt; ++p)
        rd_kafka_topic_partition_list_add(wanted.get(), t.c_str(), mt->partitions[p].id);
    }
    // The broker may still answer coordinator errors for a new group (CI saw NOT_COORDINATOR
    // from a broker minutes old): asked again until connect_timeout, as describe_group does.
    auto busy = [](rd_kafka_resp_err_t e) {
      return e == RD_KAFKA_RESP_ERR_NOT_COORDINATOR
             || e == RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS
             || e == RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE;
    };
    auto deadline = std::chrono::steady_clock::now() + cfg_.connect_timeout;
    for (;;) {
      auto err = rd_kafka_committed(consumer->get(), wanted.get(), ms);
      bool again = busy(err);
      for (int k = 0; k < wanted->cnt && !again; ++k)
        again = busy(wanted->elems[k].err);
      if (again && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds{100});
        continue;
      }
      if (err)
        return make_error(err == RD_KAFKA_RESP_ERR__TIMED_OUT ? errc::timeout : classify(err),
                          what + ": " + rd_error_text(err));
      break;
    }
    for (int k = 0; k < wanted->cnt; ++k) {
      auto& e = wanted->elems[k];
      if (e.err)
        return make_error(classify(e.err), what + ": " + partition_name(e.topic, e.partition)
                                             + ": " + rd_error_text(e.err));
      committed.push_back({e.topic, e.partition, e.offset >= 0 ? e.offset : -1});
    }
  } else {
    // Every partition the group committed to: only the Admin API lists them. The consumer
    // first asks for one partition of __consumer_offsets (any partition serves; the answer
    // does not matter), so the Admin call meets a ready coordinator. Without it `groups lag
    // G` crashed on every fresh broker (2 of 2).
    tpl_ptr one{rd_kafka_topic_partition_list_new(1)};
    rd_kafka_topic_partition_list_add(one.get(), "__consumer_offsets", 0);
    rd_kafka_committed(consumer->get(), one.get(), ms);
    call c{rk_.get(), cfg_, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS, false};
    auto req = rd_kafka_ListConsumerGroupOffsets_new(group.c_str(), nullptr);
    rd_kafka_ListConsumerGroupOffsets(rk_.get(), &req, 1, c.options.get(), c.queue.get());
    rd_kafka_ListConsumerGroupOffsets_destroy(req);
    auto ev = c.wait(what);
    if (!ev)
      return ev.error();
    auto result = rd_kafka_event_ListConsumerGroupOffsets_result(ev->get());
    if (!result)
      return make_error(errc::kafka_error, what + ": unexpected answer "
                                             + rd_kafka_event_name(ev->get()));
    size_t cnt = 0;
    auto groups = rd_kafka_ListConsumerGroupOffsets_result_groups(result, &cnt);
    for (size_t i = 0; i < cnt; ++i) {
      if (auto err = group_result_error(groups[i], what))
        return err;
      if (auto parts = rd_kafka_group_result_partitions(groups[i]))
        for (int k = 0; k < parts->cnt; ++k)
          committed.push_back({parts->elems[k].topic, parts->elems[k].partition,
                               parts->elems[k].offset >= 0 ? parts->elems[k].offset : -1});
    }
  }
  std::vector<partition_offsets> out;
  for (auto& c : committed) {
    partition_offsets po;
    po.topic = c.topic;
    po.partition = c.partition;
    po.committed = c.offset;
    auto err = rd_kafka_query_watermark_offsets(rk_.get(), c.topic.c_str(), c.partition, &po.low,
                                                &po.high, ms);
    if (err) {
      // A topic the group committed to may be gone since: not one of its offsets now.
      if (topics.empty()
          && (err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART
              || err == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION
              || err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC))
        continue;
      return make_error(err == RD_KAFKA_RESP_ERR__TIMED_OUT ? errc::timeout : classify(err),
                        what + ": watermarks of " + partition_name(c.topic, c.partition) + ": "
                          + rd_error_text(err));
    }
    out.push_back(std::move(po));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return std::tie(a.topic, a.partition) < std::tie(b.topic, b.partition);
  });
  return out;
}

caf::expected<std::vector<planned_offset>>
admin_client::reset_offsets(const std::string& group, const std::vector<std::string>& topics,
                            offset_reset to, bool execute) {
  auto what = "resetting the offsets of group " + quoted(group);
  auto desc = describe_group(group);
  if (!desc)
    return desc.error();
  if (desc->state != "Empty" && desc->state != "Dead") {
    std::string who;
    for (size_t i = 0; i < desc->members.size(); ++i) {
      if (i > 0)
        who += ", ";
      who += printable(desc->members[i].client_id) + "@" + printable(desc->members[i].host);
    }
    auto n = desc->members.size();
    return make_error(errc::invalid_argument,
                      "group " + quoted(group) + " is " + desc->state + " and has "
                        + std::to_string(n) + " active member" + (n == 1 ? "" : "s")
                        + (who.empty() ? std::string{} : " (" + who + ")")
                        + ": stop them first; offsets of a live group cannot be reset");
  }
  auto offsets = group_offsets(group, topics);
  if (!offsets)
    return offsets.error();
  std::vector<planned_offset> plan;
  plan.reserve(offsets->size());
  auto clamp = [](int64_t v, const partition_offsets& p) {
    return std::min(std::max(v, p.low), p.high);
  };
  if (to.k == offset_reset::kind::to_timestamp && !offsets->empty()) {
    tpl_ptr q{rd_kafka_topic_partition_list_new(static_cast<int>(offsets->size()))};
    for (auto& p : *offsets)
      rd_kafka_topic_partition_list_add(q.get(), p.topic.c_str(), p.partition)->offset = to.value;
    auto ms = static_cast<int>(cfg_.connect_timeout.count());
    if (auto err = rd_kafka_offsets_for_times(rk_.get(), q.get(), ms))
      return make_error(err == RD_KAFKA_RESP_ERR__TIMED_OUT ? errc::timeout : classify(err),
                        what + ": offsets for timestamp " + std::to_string(to.value) + ": "
                          + rd_error_text(err));
    for (auto& p : *offsets) {
      auto e = rd_kafka_topic_partition_list_find(q.get(), p.topic.c_str(), p.partition);
      if (!e)
        return make_error(errc::kafka_error, what + ": no offset for timestamp of "
                                               + partition_name(p.topic, p.partition));
      if (e->err)
        return make_error(classify(e->err), what + ": offset for timestamp of "
                                              + partition_name(p.topic, p.partition) + ": "
                                              + rd_error_text(e->err));
      // -1: no record at or after the timestamp, so the end.
      auto target = e->offset < 0 ? p.high : clamp(e->offset, p);
      plan.push_back(planned_offset{p.topic, p.partition, p.committed, target});
    }
  } else {
    for (auto& p : *offsets) {
      int64_t target = 0;
      switch (to.k) {
        case offset_reset::kind::earliest:
          target = p.low;
          break;
        case offset_reset::kind::latest:
          target = p.high;
          break;
        case offset_reset::kind::to_offset:
          target = clamp(to.value, p);
          break;
        case offset_reset::kind::shift:
          target = clamp(saturating_add(p.committed >= 0 ? p.committed : p.low, to.value), p);
          break;
        case offset_reset::kind::to_timestamp:
          break; // above
      }
      plan.push_back(planned_offset{p.topic, p.partition, p.committed, target});
    }
  }
  std::sort(plan.begin(), plan.end(), [](const auto& a, const auto& b) {
    return std::tie(a.topic, a.partition) < std::tie(b.topic, b.partition);
  });
  if (!execute || plan.empty())
    return plan;
  tpl_ptr commit{rd_kafka_topic_partition_list_new(static_cast<int>(plan.size()))};
  for (auto& p : plan)
    rd_kafka_topic_partition_list_add(commit.get(), p.topic.c_str(), p.partition)->offset
      = p.target;
  call c{rk_.get(), cfg_, RD_KAFKA_ADMIN_OP_ALTERCONSUMERGROUPOFFSETS, false};
  auto req = rd_kafka_AlterConsumerGroupOffsets_new(group.c_str(), commit.get());
  rd_kafka_AlterConsumerGroupOffsets(rk_.get(), &req, 1, c.options.get(), c.queue.get());
  rd_kafka_AlterConsumerGroupOffsets_destroy(req);
  auto ev = c.wait(what);
  if (!ev)
    return ev.error();
  auto result = rd_kafka_event_AlterConsumerGroupOffsets_result(ev->get());
  if (!result)
    return make_error(errc::kafka_error, what + ": unexpected answer "
                                           + rd_kafka_event_name(ev->get()));
  size_t cnt = 0;
  auto groups = rd_kafka_AlterConsumerGroupOffsets_result_groups(result, &cnt);
  if (cnt == 0)
    return make_error(errc::kafka_error, what + ": the broker answered without the group");
  for (size_t i = 0; i < cnt; ++i)
    if (auto err = group_result_error(groups[i], what))
      return err;
  return plan;
}

caf::expected<int64_t> admin_client::delete_records(const std::string& topic, int32_t partition,
                                                    int64_t offset) {
  if (auto err = validate_topic_name(topic))
    return err;
  auto what = "deleting records of " + partition_name(topic, partition);
  if (offset < -1)
    return make_error(errc::invalid_argument,
                      what + ": offset must be >= 0 (or -1 for all), got "
                        + std::to_string(offset));
  auto md = topic_metadata(rk_.get(), cfg_, topic, what);
  if (!md)
    return md.error();
  auto mt = find_topic(**md, topic);
  bool found = false;
  for (int i = 0; i < mt->partition_cnt; ++i)
    found = found || mt->partitions[i].id == partition;
  if (!found)
    return make_error(errc::invalid_argument,
                      what + ": topic " + quoted(topic) + " has no partition "
                        + std::to_string(partition) + " (it has "
                        + std::to_string(mt->partition_cnt) + ")");
  // librdkafka 2.0.2 crashes (SIGSEGV in its own thread; every time on a fresh broker under
  // ASan) on the broker's OFFSET_OUT_OF_RANGE answer to DeleteRecords: an offset past the
  // end is refused here, before librdkafka is asked.
  {
    int64_t low = 0, high = 0;
    if (auto err = rd_kafka_query_watermark_offsets(
          rk_.get(), topic.c_str(), partition, &low, &high,
          static_cast<int>(cfg_.connect_timeout.count())))
      return result_error(err, nullptr, what, topic);
    if (offset > high)
      return make_error(errc::invalid_argument, what + ": offset " + std::to_string(offset)
                                                  + " is beyond the end of the partition"
                                                  + " (it ends at " + std::to_string(high)
                                                  + ")");
  }
  tpl_ptr before{rd_kafka_topic_partition_list_new(1)};
  rd_kafka_topic_partition_list_add(before.get(), topic.c_str(), partition)->offset
    = offset == -1 ? RD_KAFKA_OFFSET_END : offset;
  auto del = rd_kafka_DeleteRecords_new(before.get());
  call c{rk_.get(), cfg_, RD_KAFKA_ADMIN_OP_DELETERECORDS, true};
  rd_kafka_DeleteRecords(rk_.get(), &del, 1, c.options.get(), c.queue.get());
  rd_kafka_DeleteRecords_destroy(del);
  auto ev = c.wait(what);
  if (!ev)
    return ev.error();
  auto result = rd_kafka_event_DeleteRecords_result(ev->get());
  if (!result)
    return make_error(errc::kafka_error, what + ": unexpected answer "
                                           + rd_kafka_event_name(ev->get()));
  auto offsets = rd_kafka_DeleteRecords_result_offsets(result);
  if (!offsets)
    return make_error(errc::kafka_error, what + ": the broker answered without offsets");
  for (int i = 0; i < offsets->cnt; ++i) {
    auto& e = offsets->elems[i];
    if (partition != e.partition || topic != e.topic)
      continue;
    if (e.err == RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE) {
      int64_t low = 0, high = 0;
      auto end = rd_kafka_query_watermark_offsets(rk_.get(), topic.c_str(), partition, &low,
                                                  &high, c.timeout_ms())
                   ? std::string{}
                   : " (it ends at " + std::to_string(high) + ")";
      return make_error(errc::invalid_argument, what + ": offset " + std::to_string(offset)
                                                  + " is beyond the end of the partition"
                                                  + end);
    }
    if (e.err)
      return result_error(e.err, nullptr, what, topic);
    return e.offset;
  }
  return make_error(errc::kafka_error, what + ": the broker answered without the partition");
}

} // namespace kafka_actors
