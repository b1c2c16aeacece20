#include "kafka_actors/config/kafka_config.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

#include <boost/json.hpp>
#include <librdkafka/rdkafka.h>

#include "kafka_actors/runtime/errors.hpp"
#include "kafka_actors/runtime/rdkafka_handles.hpp"

extern char** environ;

namespace kafka_actors {

namespace {

caf::error config_error(const std::string& source, const std::string& what) {
  return make_error(errc::invalid_config, source + ": " + what);
}

caf::error check_properties(const properties& props, const std::string& section,
                            const std::string& source) {
  conf_ptr conf{rd_kafka_conf_new()};
  auto rejected = apply_properties(conf.get(), props, section + ".");
  if (!rejected.empty())
    return config_error(source, rejected);
  return caf::none;
}

bool is_security_key(const std::string& key) {
  return key == "security.protocol" || key.rfind("ssl.", 0) == 0
         || key.rfind("sasl.", 0) == 0
         || key == "enable.ssl.certificate.verification";
}

// Line and column of byte `pos` in `text`, for pointing at malformed JSON.
std::string position_of(const std::string& text, size_t pos) {
  size_t line = 1, col = 1;
  for (size_t i = 0; i < pos && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(col);
}

caf::error read_properties(const boost::json::value& v, const std::string& section,
                           const std::string& source, properties& out) {
  if (!v.is_object())
    return config_error(source, "key '" + section
                                  + "' must be an object of librdkafka properties");
  for (auto& [k, val] : v.as_object()) {
    std::string key{k};
    switch (val.kind()) {
      case boost::json::kind::string:
        out[key] = std::string{val.as_string()};
        break;
      case boost::json::kind::int64:
        out[key] = std::to_string(val.as_int64());
        break;
      case boost::json::kind::uint64:
        out[key] = std::to_string(val.as_uint64());
        break;
      case boost::json::kind::bool_:
        out[key] = val.as_bool() ? "true" : "false";
        break;
      case boost::json::kind::double_: {
        std::ostringstream os;
        os << val.as_double();
        out[key] = os.str();
        break;
      }
      default:
        return config_error(source, "key '" + section + "." + key
                                      + "' must be a string, number or boolean");
    }
  }
  return caf::none;
}

caf::expected<uint64_t> read_count(const boost::json::value& v, const std::string& key,
                                   const std::string& source) {
  if (v.is_uint64())
    return v.as_uint64();
  if (v.is_int64() && v.as_int64() >= 0)
    return static_cast<uint64_t>(v.as_int64());
  return config_error(source, "key '" + key + "' must be a non-negative integer");
}

caf::error read_flow(const boost::json::value& v, const std::string& source,
                     flow_config& flow) {
  if (!v.is_object())
    return config_error(source, "key 'flow' must be an object");
  for (auto& [k, val] : v.as_object()) {
    std::string key{k};
    auto n = read_count(val, "flow." + key, source);
    if (!n)
      return n.error();
    if (key == "producer.max.in.flight.messages")
      flow.producer_max_in_flight_messages = *n;
    else if (key == "producer.max.in.flight.bytes")
      flow.producer_max_in_flight_bytes = *n;
    else if (key == "producer.max.waiting.requests")
      flow.producer_max_waiting_requests = *n;
    else if (key == "consumer.max.in.flight")
      flow.consumer_max_in_flight = *n;
    else if (key == "consumer.max.in.flight.bytes")
      flow.consumer_max_in_flight_bytes = *n;
    else if (key == "consumer.batch.size")
      flow.consumer_batch_size = *n;
    else if (key == "consumer.pause.grace.ms")
      flow.pause_grace = std::chrono::milliseconds{*n};
    else if (key == "producer.shards")
      flow.producer_shards = *n;
    else if (key == "drain.timeout.ms")
      flow.drain_timeout = std::chrono::milliseconds{*n};
    else
      return config_error(source, "unknown key 'flow." + key
                                    + "' (known: producer.max.in.flight.messages, "
                                      "producer.max.in.flight.bytes, "
                                      "producer.max.waiting.requests, "
                                      "consumer.max.in.flight, consumer.max.in.flight.bytes, "
                                      "consumer.batch.size, "
                                      "consumer.pause.grace.ms, producer.shards, drain.timeout.ms)");
  }
  if (flow.producer_shards == 0 || flow.producer_shards > 64)
    return config_error(source, "key 'flow.producer.shards' must be 1..64");
  if (flow.consumer_batch_size == 0 || flow.consumer_max_in_flight == 0
      || flow.consumer_max_in_flight_bytes == 0
      || flow.producer_max_in_flight_messages == 0
      || flow.producer_max_in_flight_bytes == 0)
    return config_error(source, "flow bounds must be greater than 0");
  return caf::none;
}

caf::error read_breaker(const boost::json::value& v, const std::string& key,
                        const std::string& source, breaker_config& out) {
  if (!v.is_object())
    return config_error(source, "key '" + key + "' must be an object");
  for (auto& [k, val] : v.as_object()) {
    std::string name{k};
    if (name == "failure.ratio") {
      if (!val.is_number() || val.to_number<double>() <= 0 || val.to_number<double>() > 1)
        return config_error(source, "key '" + key + ".failure.ratio' must be in (0, 1]");
      out.failure_ratio = val.to_number<double>();
      continue;
    }
    auto n = read_count(val, key + "." + name, source);
    if (!n)
      return n.error();
    if (name == "consecutive.failures")
      out.consecutive_failures = *n;
    else if (name == "window")
      out.window = *n;
    else if (name == "open.ms")
      out.open_for = std::chrono::milliseconds{*n};
    else if (name == "probes")
      out.probes = *n;
    else
      return config_error(source, "unknown key '" + key + "." + name
                                    + "' (known: consecutive.failures, failure.ratio, "
                                      "window, open.ms, probes)");
  }
  if (out.consecutive_failures == 0 || out.window == 0 || out.probes == 0)
    return config_error(source, "key '" + key + "': counts must be greater than 0");
  return caf::none;
}

void merge(properties& into, const properties& from) {
  for (auto& [k, v] : from)
    into[k] = v;
}

} // namespace

bool is_secret_key(const std::string& key) {
  static const char* needles[] = {"password", "secret", "sasl.oauthbearer.config",
                                  "ssl.key.pem", "ssl_key", "sasl.jaas"};
  for (auto n : needles)
    if (key.find(n) != std::string::npos)
      return true;
  return false;
}

kafka_config kafka_config::embedded() {
  return kafka_config{};
}

kafka_config kafka_config::remote(std::string bootstrap) {
  kafka_config cfg;
  cfg.bootstrap_servers = std::move(bootstrap);
  return cfg;
}

caf::expected<kafka_config> kafka_config::from_file(const std::string& path) {
  std::ifstream in{path};
  if (!in)
    return config_error(path, "cannot open file");
  std::stringstream buf;
  buf << in.rdbuf();
  return from_json(buf.str(), path);
}

caf::expected<kafka_config> kafka_config::from_json(const std::string& text,
                                                    const std::string& source) {
  boost::json::stream_parser parser;
  boost::json::error_code ec;
  auto consumed = parser.write_some(text.data(), text.size(), ec);
  if (!ec)
    parser.finish(ec);
  if (ec)
    return config_error(source, "malformed JSON at " + position_of(text, consumed)
                                  + ": " + ec.message());
  auto root = parser.release();
  if (!root.is_object())
    return config_error(source, "top level must be a JSON object");
  kafka_config cfg;
  cfg.source = source;
  for (auto& [k, v] : root.as_object()) {
    std::string key{k};
    caf::error err;
    if (key == "bootstrap.servers") {
      if (!v.is_string())
        return config_error(source, "key 'bootstrap.servers' must be a string");
      cfg.bootstrap_servers = std::string{v.as_string()};
    } else if (key == "embedded.brokers") {
      auto n = read_count(v, key, source);
      if (!n)
        return n.error();
      if (*n < 1 || *n > 16)
        return config_error(source, "key 'embedded.brokers' must be 1..16");
      cfg.embedded_brokers = static_cast<int>(*n);
    } else if (key == "connect.timeout.ms") {
      auto n = read_count(v, key, source);
      if (!n)
        return n.error();
      cfg.connect_timeout = std::chrono::milliseconds{*n};
    } else if (key == "client") {
      err = read_properties(v, key, source, cfg.client);
    } else if (key == "producer") {
      err = read_properties(v, key, source, cfg.producer);
    } else if (key == "consumer") {
      err = read_properties(v, key, source, cfg.consumer);
    } else if (key == "security") {
      err = read_properties(v, key, source, cfg.security);
    } else if (key == "flow") {
      err = read_flow(v, source, cfg.flow);
    } else if (key == "producer.breaker") {
      cfg.producer_breaker.emplace();
      err = read_breaker(v, key, source, *cfg.producer_breaker);
    } else {
      return config_error(source, "unknown key '" + key
                                    + "' (known: bootstrap.servers, embedded.brokers, "
                                      "connect.timeout.ms, client, producer, consumer, "
                                      "security, flow, producer.breaker)");
    }
    if (err)
      return err;
  }
  if (auto err = cfg.validate())
    return err;
  return cfg;
}

caf::error kafka_config::apply_env(const std::vector<std::string>& env) {
  static const std::string prefix = "KAFKA_ACTORS_";
  bool changed = false;
  for (auto& entry : env) {
    if (entry.rfind(prefix, 0) != 0)
      continue;
    auto eq = entry.find('=');
    if (eq == std::string::npos)
      continue;
    auto name = entry.substr(prefix.size(), eq - prefix.size());
    auto value = entry.substr(eq + 1);
    auto to_key = [](std::string s) {
      std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) {
        return c == '_' ? '.' : static_cast<char>(std::tolower(c));
      });
      return s;
    };
    auto take = [&](const char* section, properties& into) {
      std::string p = std::string{section} + "_";
      if (name.rfind(p, 0) != 0)
        return false;
      into[to_key(name.substr(p.size()))] = value;
      return true;
    };
    if (name == "BOOTSTRAP_SERVERS") {
      bootstrap_servers = value;
    } else if (take("CLIENT", client) || take("PRODUCER", producer)
               || take("CONSUMER", consumer) || take("SECURITY", security)) {
      // taken
    } else if (name == "BOOTSTRAP" || name == "CACHE" || name == "STATE"
               || name == "PORT_BASE" || name == "LOG") {
      continue; // scripts' own variables, not settings
    } else {
      return config_error("<environment>",
                          "unknown variable '" + entry.substr(0, eq)
                            + "' (known: KAFKA_ACTORS_BOOTSTRAP_SERVERS, "
                              "KAFKA_ACTORS_{CLIENT,PRODUCER,CONSUMER,SECURITY}_<KEY>)");
    }
    changed = true;
  }
  if (changed) {
    source += " + <environment>";
    return validate();
  }
  return caf::none;
}

caf::error kafka_config::apply_env() {
  std::vector<std::string> env;
  for (auto p = environ; p && *p; ++p)
    env.emplace_back(*p);
  return apply_env(env);
}

caf::error kafka_config::validate() const {
  if (client.count("bootstrap.servers") || producer.count("bootstrap.servers")
      || consumer.count("bootstrap.servers"))
    return config_error(source, "set 'bootstrap.servers' at the top level, "
                                "not inside a client section");
  if (consumer.count("group.id"))
    return config_error(source, "key 'consumer.group.id': the group is chosen per "
                                "subscription, not in the config");
  for (auto& [k, v] : security)
    if (!is_security_key(k))
      return config_error(source, "key 'security." + k
                                    + "' is not a security property (security.protocol, "
                                      "ssl.*, sasl.*)");
  if (auto err = check_properties(client, "client", source))
    return err;
  if (auto err = check_properties(security, "security", source))
    return err;
  if (auto err = check_properties(producer, "producer", source))
    return err;
  if (auto err = check_properties(consumer, "consumer", source))
    return err;
  return caf::none;
}

properties kafka_config::producer_config() const {
  properties out{
    {"client.id", "kafka-actors"},
    {"acks", "all"},
    {"enable.idempotence", "true"},
    {"linger.ms", "5"},
  };
  merge(out, client);
  merge(out, security);
  merge(out, producer);
  return out;
}

properties kafka_config::consumer_config(const std::string& group) const {
  properties out{
    {"client.id", "kafka-actors"},
    {"enable.auto.offset.store", "false"},
    // Auto-commit commits only what we stored (acked contiguous prefixes), periodically and
    // on revoke, without a blocking commit call on an actor thread.
    {"enable.auto.commit", "true"},
    {"auto.offset.reset", "earliest"},
    {"partition.assignment.strategy", "range,roundrobin"},
  };
  merge(out, client);
  merge(out, security);
  merge(out, consumer);
  out["group.id"] = group;
  return out;
}

properties kafka_config::admin_config() const {
  properties out{{"client.id", "kafka-actors-admin"}};
  merge(out, client);
  merge(out, security);
  return out;
}

} // namespace kafka_actors
