#include "kafka_actors/config/kafka_config.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <boost/json.hpp>
#include <librdkafka/rdkafka.h>

#include <unistd.h>

#include "kafka_actors/runtime/alertmanager_client.hpp"
#include "kafka_actors/runtime/errors.hpp"
#include "kafka_actors/runtime/printable.hpp"
#include "kafka_actors/runtime/rdkafka_handles.hpp"
#include "kafka_actors/runtime/topic_config.hpp"

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

constexpr uint64_t one_day_ms = 86'400'000;

// One key of the JSON "flow" object: its allowed range and where it goes.
struct flow_key {
  const char* name;
  uint64_t min;
  uint64_t max;
  void (*set)(flow_config&, uint64_t);
};

const flow_key flow_keys[] = {
  {"producer.max.in.flight.messages", 1, 2'147'483'647,
   [](flow_config& f, uint64_t n) {
     f.producer_max_in_flight_messages = n;
     f.producer_max_in_flight_messages_explicit = true;
   }},
  {"producer.max.in.flight.bytes", 1, 2'147'483'647ull * 1024,
   [](flow_config& f, uint64_t n) {
     f.producer_max_in_flight_bytes = n;
     f.producer_max_in_flight_bytes_explicit = true;
   }},
  {"producer.max.waiting.requests", 0, 10'000'000,
   [](flow_config& f, uint64_t n) { f.producer_max_waiting_requests = n; }},
  {"producer.shards", 1, 64, [](flow_config& f, uint64_t n) { f.producer_shards = n; }},
  {"consumer.max.in.flight", 1, 10'000'000,
   [](flow_config& f, uint64_t n) { f.consumer_max_in_flight = n; }},
  {"consumer.max.in.flight.bytes", 1, 1ull << 40,
   [](flow_config& f, uint64_t n) { f.consumer_max_in_flight_bytes = n; }},
  {"consumer.batch.size", 1, 100'000,
   [](flow_config& f, uint64_t n) { f.consumer_batch_size = n; }},
  {"consumer.pause.grace.ms", 0, one_day_ms,
   [](flow_config& f, uint64_t n) { f.pause_grace = std::chrono::milliseconds{n}; }},
  {"drain.timeout.ms", 0, one_day_ms,
   [](flow_config& f, uint64_t n) { f.drain_timeout = std::chrono::milliseconds{n}; }},
  {"stop.timeout.ms", 1, one_day_ms,
   [](flow_config& f, uint64_t n) { f.stop_timeout = std::chrono::milliseconds{n}; }},
  {"max.restarts", 0, 1'000'000, [](flow_config& f, uint64_t n) { f.max_restarts = n; }},
  {"revoke.drain.ms", 0, one_day_ms,
   [](flow_config& f, uint64_t n) { f.revoke_drain = std::chrono::milliseconds{n}; }},
};

caf::error read_flow(const boost::json::value& v, const std::string& source,
                     flow_config& flow) {
  if (!v.is_object())
    return config_error(source, "key 'flow' must be an object");
  for (auto& [k, val] : v.as_object()) {
    std::string key{k};
    auto known = std::find_if(std::begin(flow_keys), std::end(flow_keys),
                              [&](const flow_key& fk) { return key == fk.name; });
    if (known == std::end(flow_keys)) {
      std::string names;
      for (auto& fk : flow_keys)
        names += (names.empty() ? "" : ", ") + std::string{fk.name};
      return config_error(source, "unknown key 'flow." + key + "' (known: " + names + ")");
    }
    auto n = read_count(val, "flow." + key, source);
    if (!n)
      return n.error();
    if (*n < known->min || *n > known->max)
      return config_error(source, "key 'flow." + key + "' must be " + std::to_string(known->min)
                                    + ".." + std::to_string(known->max) + ", not "
                                    + std::to_string(*n));
    known->set(flow, *n);
  }
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
    // open.ms is added to steady_clock time points, the window keeps an entry per call
    // (0 for the counts is refused below, with the other counts).
    bool known = name == "consecutive.failures" || name == "window" || name == "open.ms"
                 || name == "probes";
    uint64_t max = name == "open.ms" ? one_day_ms : 1'000'000;
    if (known && *n > max)
      return config_error(source, "key '" + key + "." + name + "' must be "
                                    + (name == "open.ms" ? "0.." : "1..") + std::to_string(max)
                                    + ", not " + std::to_string(*n));
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

// One key of the "monitoring" object (JSON) or KAFKA_ACTORS_MONITORING_* variable (env):
// `text` is the value as written, `name` how errors name it.
caf::error set_monitoring_key(monitoring_config& m, const std::string& key,
                              const std::string& text, const std::string& name,
                              const std::string& source) {
  if (key == "enabled") {
    auto v = text;
    std::transform(v.begin(), v.end(), v.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (v == "true" || v == "1")
      m.enabled = true;
    else if (v == "false" || v == "0")
      m.enabled = false;
    else
      return config_error(source, name + " must be true or false, not '" + text + "'");
    return caf::none;
  }
  if (key == "alerts")
    return config_error(source, name + ": alert rules are read from a config file only "
                                       "(\"monitoring\": {\"alerts\": {...}})");
  if (key == "listen") {
    m.listen = text;
    return caf::none; // validate() checks the form, also for configs built in code
  }
  struct range {
    const char* key;
    uint64_t min;
    std::chrono::milliseconds monitoring_config::*field;
  };
  static const range ranges[] = {
    {"interval.ms", 100, &monitoring_config::interval},
    {"broker.timeout.ms", 100, &monitoring_config::broker_timeout},
    {"liveness.timeout.ms", 1, &monitoring_config::liveness_timeout},
    {"stall.timeout.ms", 100, &monitoring_config::stall_timeout},
    {"join.timeout.ms", 100, &monitoring_config::join_timeout},
  };
  for (auto& r : ranges) {
    if (key != r.key)
      continue;
    uint64_t n = 0;
    size_t used = 0;
    try {
      n = std::stoull(text, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (text.empty() || used != text.size() || text[0] == '-' || text[0] == '+')
      return config_error(source, name + " must be a non-negative integer, not '" + text + "'");
    if (n < r.min || n > one_day_ms)
      return config_error(source, name + " must be " + std::to_string(r.min) + ".."
                                    + std::to_string(one_day_ms) + ", not "
                                    + std::to_string(n));
    m.*r.field = std::chrono::milliseconds{n};
    return caf::none;
  }
  return config_error(source, "unknown " + name
                                + " (known: enabled, listen, interval.ms, broker.timeout.ms, "
                                  "liveness.timeout.ms, stall.timeout.ms, join.timeout.ms, "
                                  "alerts)");
}

// A whole number of milliseconds in 0..one day, for "monitoring.alerts" keys.
caf::expected<std::chrono::milliseconds> read_ms(const boost::json::value& v,
                                                 const std::string& name,
                                                 const std::string& source) {
  uint64_t n = 0;
  if (v.is_uint64())
    n = v.as_uint64();
  else if (v.is_int64() && v.as_int64() >= 0)
    n = static_cast<uint64_t>(v.as_int64());
  else
    return config_error(source, name + " must be a whole number of milliseconds 0.."
                                  + std::to_string(one_day_ms));
  if (n > one_day_ms)
    return config_error(source, name + " must be 0.." + std::to_string(one_day_ms) + ", not "
                                  + std::to_string(n));
  return std::chrono::milliseconds{n};
}

caf::expected<alert_rule> read_alert_rule(const boost::json::value& v, const std::string& at,
                                          const std::string& source) {
  if (!v.is_object())
    return config_error(source, "key '" + at + "' must be an object (name, kind, threshold, "
                                  "for.ms, repeat.ms, window.ms, severity)");
  alert_rule r;
  bool have_kind = false;
  for (auto& [k, val] : v.as_object()) {
    std::string key{k};
    auto name = "key '" + at + "." + key + "'";
    if (key == "name" || key == "kind" || key == "severity") {
      if (!val.is_string())
        return config_error(source, name + " must be a string");
      std::string text{val.as_string()};
      if (key == "name") {
        r.name = text;
      } else if (key == "severity") {
        r.severity = text;
      } else if (auto kind = alert_kind_from(text)) {
        r.kind = *kind;
        have_kind = true;
      } else {
        return config_error(source, name + " ('" + printable(text)
                                      + "') is no alert kind (known: lag, error_rate, "
                                        "breaker_open, broker_unreachable, consumer_stalled)");
      }
    } else if (key == "threshold") {
      if (!val.is_number())
        return config_error(source, name + " must be a number");
      r.threshold = val.to_number<double>();
    } else if (key == "for.ms" || key == "repeat.ms" || key == "window.ms") {
      auto ms = read_ms(val, name, source);
      if (!ms)
        return ms.error();
      (key == "for.ms" ? r.for_duration : key == "repeat.ms" ? r.repeat : r.window) = *ms;
    } else {
      return config_error(source, "unknown " + name
                                    + " (known: name, kind, threshold, for.ms, repeat.ms, "
                                      "window.ms, severity)");
    }
  }
  if (r.name.empty())
    return config_error(source, "key '" + at + "' needs a \"name\"");
  if (!have_kind)
    return config_error(source, "key '" + at + "' (rule '" + printable(r.name)
                                  + "') needs a \"kind\" (lag, error_rate, breaker_open, "
                                    "broker_unreachable, consumer_stalled)");
  if (auto problem = alert_rule_problem(r); !problem.empty())
    return config_error(source, "key '" + at + "' (rule '" + printable(r.name) + "'): " + problem);
  return r;
}

caf::error read_alerts(const boost::json::value& v, const std::string& source,
                       alerts_config& out) {
  if (!v.is_object())
    return config_error(source, "key 'monitoring.alerts' must be an object (rules, log, topic, "
                                "alertmanager, alertmanager.timeout.ms, "
                                "alertmanager.resend.ms)");
  for (auto& [k, val] : v.as_object()) {
    std::string key{k};
    auto name = "key 'monitoring.alerts." + key + "'";
    if (key == "rules") {
      if (!val.is_array())
        return config_error(source, name + " must be an array of rules");
      out.rules.clear();
      auto& rules = val.as_array();
      for (size_t i = 0; i < rules.size(); ++i) {
        auto at = "monitoring.alerts.rules[" + std::to_string(i) + "]";
        auto rule = read_alert_rule(rules[i], at, source);
        if (!rule)
          return rule.error();
        for (auto& earlier : out.rules)
          if (earlier.name == rule->name)
            return config_error(source, "key '" + at + "': a second rule named '"
                                          + printable(rule->name) + "'");
        out.rules.push_back(std::move(*rule));
      }
    } else if (key == "log") {
      if (!val.is_bool())
        return config_error(source, name + " must be true or false");
      out.log = val.as_bool();
    } else if (key == "topic" || key == "alertmanager") {
      if (!val.is_string())
        return config_error(source, name + " must be a string");
      (key == "topic" ? out.topic : out.alertmanager) = std::string{val.as_string()};
    } else if (key == "alertmanager.timeout.ms" || key == "alertmanager.resend.ms") {
      auto ms = read_ms(val, name, source);
      if (!ms)
        return ms.error();
      if (ms->count() < 100)
        return config_error(source, name + " must be 100.." + std::to_string(one_day_ms)
                                      + ", not " + std::to_string(ms->count()));
      (key == "alertmanager.timeout.ms" ? out.alertmanager_timeout : out.alertmanager_resend)
        = *ms;
    } else {
      return config_error(source, "unknown " + name
                                    + " (known: rules, log, topic, alertmanager, "
                                      "alertmanager.timeout.ms, alertmanager.resend.ms)");
    }
  }
  return caf::none;
}

caf::error read_monitoring(const boost::json::value& v, const std::string& source,
                           monitoring_config& out) {
  if (!v.is_object())
    return config_error(source, "key 'monitoring' must be an object");
  for (auto& [k, val] : v.as_object()) {
    std::string key{k};
    auto name = "key 'monitoring." + key + "'";
    std::string text;
    if (key == "alerts") {
      if (auto err = read_alerts(val, source, out.alerts))
        return err;
      continue;
    }
    if (key == "enabled") {
      if (!val.is_bool())
        return config_error(source, name + " must be true or false");
      text = val.as_bool() ? "true" : "false";
    } else if (key == "listen") {
      if (!val.is_string())
        return config_error(source, name + " must be a string \"host:port\"");
      text = std::string{val.as_string()};
    } else if (val.is_uint64()) {
      text = std::to_string(val.as_uint64());
    } else if (val.is_int64()) {
      text = std::to_string(val.as_int64());
    } else if (key == "interval.ms" || key == "broker.timeout.ms"
               || key == "liveness.timeout.ms" || key == "stall.timeout.ms"
               || key == "join.timeout.ms") {
      return config_error(source, name + " must be a non-negative integer");
    }
    if (auto err = set_monitoring_key(out, key, text, name, source))
      return err;
  }
  return caf::none;
}

// Rules built in code skip the JSON reader: the same checks again, and the sinks.
caf::error validate_alerts(const monitoring_config& m, const std::string& source) {
  auto& a = m.alerts;
  if (a.rules.empty())
    return caf::none;
  if (!m.enabled)
    return config_error(source, "key 'monitoring.alerts.rules' has " + std::to_string(a.rules.size())
                                  + " rule(s) but 'monitoring.enabled' is false: alerts are "
                                    "evaluated on the monitoring rounds; enable monitoring or "
                                    "drop the rules");
  for (size_t i = 0; i < a.rules.size(); ++i) {
    auto at = "key 'monitoring.alerts.rules[" + std::to_string(i) + "]'";
    if (auto problem = alert_rule_problem(a.rules[i]); !problem.empty())
      return config_error(source, at + " (rule '" + printable(a.rules[i].name) + "'): " + problem);
    for (size_t j = 0; j < i; ++j)
      if (a.rules[j].name == a.rules[i].name)
        return config_error(source, at + ": a second rule named '" + printable(a.rules[i].name)
                                      + "'");
  }
  if (!a.topic.empty())
    if (auto err = validate_topic_name(a.topic))
      return config_error(source, "key 'monitoring.alerts.topic': " + describe(err));
  if (!a.alertmanager.empty())
    if (auto problem = alertmanager_url_problem(a.alertmanager); !problem.empty())
      return config_error(source, "key 'monitoring.alerts.alertmanager': " + problem);
  if (!a.log && a.topic.empty() && a.alertmanager.empty())
    return config_error(source, "key 'monitoring.alerts' has rules but no sink: set 'log' to "
                                "true, a 'topic' or an 'alertmanager' URL");
  return caf::none;
}

// "" if `listen` is host:port with a port of 0..65535 (host a name, an IPv4 address or a
// bracketed IPv6 address), else what is wrong.
std::string listen_problem(const std::string& listen) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0)
    return "must be host:port (e.g. 127.0.0.1:9464, or 0.0.0.0:9464 for every interface)";
  auto host = listen.substr(0, colon);
  auto port = listen.substr(colon + 1);
  if (port.empty() || port.size() > 5
      || port.find_first_not_of("0123456789") != std::string::npos || std::stoul(port) > 65535)
    return "port '" + port + "' must be 0..65535 (0 picks a free port)";
  bool bracketed = host.front() == '[' && host.back() == ']' && host.size() > 2;
  if (!bracketed && (host.find(':') != std::string::npos
                     || host.find_first_of(" \t/,") != std::string::npos))
    return "host '" + host + "' must be a name or an address (IPv6 in brackets: [::1]:9464)";
  return {};
}

void merge(properties& into, const properties& from) {
  for (auto& [k, v] : from)
    into[k] = v;
}

// librdkafka's spelling of true for a bool property.
bool is_true(std::string v) {
  std::transform(v.begin(), v.end(), v.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return v == "true" || v == "t" || v == "1";
}

bool is_blank(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isspace(c); });
}

// What is wrong with one property on its own, beyond librdkafka's type checks: empty if fine.
// `section` is client, producer, consumer or security.
std::string key_problem(const std::string& section, const std::string& key,
                        const std::string& value) {
  auto name = "key '" + section + "." + key + "': ";
  if (key == "bootstrap.servers" && section != "security")
    return name + "set 'bootstrap.servers' at the top level, not inside a client section";
  if (section == "consumer" && key == "group.id")
    return name + "the group is chosen per subscription, not in the config";
  if (section == "security" && !is_security_key(key))
    return name + "not a security property (security.protocol, ssl.*, sasl.*)";
  // librdkafka reads these files only when the first client starts, and then says only that
  // the SSL context failed: name the key and the file now.
  bool file_key = (key.size() > 9 && key.compare(key.size() - 9, 9, ".location") == 0)
                  || key == "sasl.kerberos.keytab";
  if (file_key && !(key == "ssl.ca.location" && value == "probe")) {
    std::error_code ec;
    auto status = std::filesystem::status(value, ec);
    if (ec || !std::filesystem::exists(status))
      return name + "file '" + printable(value) + "' does not exist";
    if (std::filesystem::is_directory(status) && key != "ssl.ca.location")
      return name + "'" + printable(value) + "' is a directory, not a file";
    if (::access(value.c_str(), R_OK) != 0)
      return name + "cannot read '" + printable(value) + "': " + std::strerror(errno);
  }
  if ((section == "consumer" || section == "client") && key == "enable.auto.offset.store"
      && is_true(value))
    return name + "kafka-actors stores offsets only after the handler acknowledged them; "
                  "'true' would make delivery at-most-once";
  return {};
}

// A number property as the role's client will see it: the role's section, then "client",
// then librdkafka's default. `from` names where it came from, for error texts.
uint64_t effective_number(const properties& role, const std::string& role_name,
                          const properties& client, const std::string& key, uint64_t fallback,
                          std::string& from) {
  auto parse = [&](const properties& props, const std::string& section) {
    auto i = props.find(key);
    if (i == props.end())
      return false;
    try {
      size_t used = 0;
      auto n = std::stoull(i->second, &used);
      if (used != i->second.size())
        return false;
      fallback = n;
      from = "'" + section + "." + key + "'";
      return true;
    } catch (const std::exception&) {
      return false; // librdkafka's own check names it
    }
  };
  if (!parse(role, role_name) && !parse(client, "client"))
    from = "librdkafka's default " + key;
  return fallback;
}

constexpr uint64_t default_queue_messages = 100'000;
constexpr uint64_t default_queue_kbytes = 1'048'576;
constexpr uint64_t default_max_poll_interval_ms = 300'000;
constexpr uint64_t default_session_timeout_ms = 45'000; // librdkafka 2.0.2

} // namespace

std::string bootstrap_servers_problem(const std::string& servers) {
  if (is_blank(servers))
    return "the broker list is empty";
  size_t start = 0;
  while (true) {
    auto comma = servers.find(',', start);
    auto entry = servers.substr(start, comma == std::string::npos ? std::string::npos
                                                                  : comma - start);
    auto b = entry.find_first_not_of(" \t");
    auto e = entry.find_last_not_of(" \t");
    entry = b == std::string::npos ? std::string{} : entry.substr(b, e - b + 1);
    if (entry.empty())
      return "'" + printable(servers) + "' has an empty entry (host:port entries are separated "
             "by single commas)";
    auto hostport = entry;
    if (auto scheme = hostport.find("://"); scheme != std::string::npos)
      hostport = hostport.substr(scheme + 3);
    std::string host, port;
    if (!hostport.empty() && hostport.front() == '[') {
      auto close = hostport.find(']');
      if (close == std::string::npos)
        return "'" + printable(entry) + "' opens '[' without closing it (an IPv6 address is "
               "written [::1]:9092)";
      host = hostport.substr(1, close - 1);
      auto rest = hostport.substr(close + 1);
      if (!rest.empty() && rest.front() != ':')
        return "'" + printable(entry) + "' must be [ipv6]:port";
      if (!rest.empty())
        port = rest.substr(1);
      if (!rest.empty() && port.empty())
        return "'" + printable(entry) + "' ends with ':' but names no port";
    } else {
      auto colon = hostport.rfind(':');
      if (colon != std::string::npos && hostport.find(':') != colon)
        return "'" + printable(entry) + "' has several ':'; write an IPv6 address in brackets: "
               "[::1]:9092";
      host = hostport.substr(0, colon);
      if (colon != std::string::npos) {
        port = hostport.substr(colon + 1);
        if (port.empty())
          return "'" + printable(entry) + "' ends with ':' but names no port";
      }
    }
    if (host.empty())
      return "'" + printable(entry) + "' names no host";
    if (host.find_first_of(" \t/\\@") != std::string::npos)
      return "host '" + printable(host) + "' of '" + printable(entry) + "' is not a host name "
             "or address";
    if (!port.empty()) {
      if (port.find_first_not_of("0123456789") != std::string::npos || port.size() > 5
          || std::stoul(port) < 1 || std::stoul(port) > 65535)
        return "port '" + printable(port) + "' of '" + printable(entry) + "' must be 1..65535";
    }
    if (comma == std::string::npos)
      break;
    start = comma + 1;
  }
  return {};
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
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    return config_error(path, "is a directory, not a JSON config file");
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
      if (is_blank(cfg.bootstrap_servers))
        return config_error(source, "key 'bootstrap.servers' is empty (leave the key out to "
                                    "use the embedded cluster)");
      if (auto problem = bootstrap_servers_problem(cfg.bootstrap_servers); !problem.empty())
        return config_error(source, "key 'bootstrap.servers': " + problem);
    } else if (key == "embedded.brokers") {
      auto n = read_count(v, key, source);
      if (!n)
        return n.error();
      if (*n < 1 || *n > 16)
        return config_error(source, "key 'embedded.brokers' must be 1..16");
      cfg.embedded_brokers = static_cast<int>(*n);
    } else if (key == "connect.timeout.ms") {
      // librdkafka takes it as int milliseconds, and the admin actor adds to it.
      auto n = read_count(v, key, source);
      if (!n)
        return n.error();
      if (*n < 1 || *n > one_day_ms)
        return config_error(source, "key 'connect.timeout.ms' must be 1.."
                                      + std::to_string(one_day_ms) + ", not "
                                      + std::to_string(*n));
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
    } else if (key == "monitoring") {
      err = read_monitoring(v, source, cfg.monitoring);
    } else {
      return config_error(source, "unknown key '" + key
                                    + "' (known: bootstrap.servers, embedded.brokers, "
                                      "connect.timeout.ms, client, producer, consumer, "
                                      "security, flow, producer.breaker, monitoring)");
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
    auto variable = entry.substr(0, eq);
    caf::error rejected;
    // Checks the one property on its own, so that an error names the variable it came from
    // (and the value, unless it is a secret).
    auto take = [&](const char* var_section, const char* section, properties& into) {
      std::string p = std::string{var_section} + "_";
      if (name.rfind(p, 0) != 0)
        return false;
      auto key = to_key(name.substr(p.size()));
      auto problem = key_problem(section, key, value);
      if (problem.empty()) {
        conf_ptr conf{rd_kafka_conf_new()};
        problem = apply_properties(conf.get(), {{key, value}}, std::string{section} + ".");
        if (problem.find("Invalid value for configuration property") != std::string::npos
            && !value.empty()
            && value.find_first_not_of("0123456789.-+eE ") != std::string::npos)
          problem += " (not a number)";
      }
      if (!problem.empty()) {
        auto shown = is_secret_key(key) ? std::string{" (value not shown: secret)"}
                                        : "='" + value + "'";
        rejected = config_error("<environment>", "variable " + variable + shown + ": "
                                                   + problem);
        return true;
      }
      into[key] = value;
      return true;
    };
    if (name == "BOOTSTRAP_SERVERS") {
      if (is_blank(value))
        return config_error("<environment>",
                            "variable " + variable
                              + " is set but empty (unset it to use the embedded cluster)");
      if (auto problem = bootstrap_servers_problem(value); !problem.empty())
        return config_error("<environment>", "variable " + variable + ": " + problem);
      bootstrap_servers = value;
    } else if (name.rfind("MONITORING_", 0) == 0) {
      auto key = to_key(name.substr(std::string{"MONITORING_"}.size()));
      // INTERVAL_MS reads as interval.ms: the variables spell dots as underscores.
      if (auto err = set_monitoring_key(monitoring, key, value, "variable " + variable,
                                        "<environment>"))
        return err;
    } else if (take("CLIENT", "client", client) || take("PRODUCER", "producer", producer)
               || take("CONSUMER", "consumer", consumer)
               || take("SECURITY", "security", security)) {
      if (rejected)
        return rejected;
    } else if (name == "BOOTSTRAP" || name == "CACHE" || name == "STATE"
               || name == "PORT_BASE" || name == "LOG") {
      continue; // scripts' own variables, not settings
    } else {
      return config_error("<environment>",
                          "unknown variable '" + entry.substr(0, eq)
                            + "' (known: KAFKA_ACTORS_BOOTSTRAP_SERVERS, "
                              "KAFKA_ACTORS_{CLIENT,PRODUCER,CONSUMER,SECURITY}_<KEY>, "
                              "KAFKA_ACTORS_MONITORING_{ENABLED,LISTEN,INTERVAL_MS,"
                              "BROKER_TIMEOUT_MS,LIVENESS_TIMEOUT_MS})");
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
  std::pair<const char*, const properties*> sections[] = {
    {"client", &client}, {"security", &security}, {"producer", &producer},
    {"consumer", &consumer}};
  for (auto& [name, props] : sections)
    for (auto& [k, v] : *props)
      if (auto problem = key_problem(name, k, v); !problem.empty())
        return config_error(source, problem);
  for (auto& [name, props] : sections)
    if (auto err = check_properties(*props, name, source))
      return err;
  // Across fields.
  // librdkafka refuses this pair only when the producer starts, in words that name neither
  // the file nor the key.
  auto effective = producer_config();
  if (is_true(effective["enable.idempotence"])) {
    auto acks = effective["acks"];
    if (acks != "all" && acks != "-1") {
      auto from = producer.count("acks") ? "producer" : "client";
      auto idem_from = producer.count("enable.idempotence")   ? "'producer.enable.idempotence'"
                       : client.count("enable.idempotence") ? "'client.enable.idempotence'"
                                                             : "enable.idempotence (true by default)";
      return config_error(source, "key '" + std::string{from} + ".acks' ('" + printable(acks)
                                    + "') conflicts with " + idem_from
                                    + ": the idempotent producer needs acks=all; set acks to "
                                      "'all', or enable.idempotence to false");
    }
  }
  std::string poll_from;
  auto max_poll = effective_number(consumer, "consumer", client, "max.poll.interval.ms",
                                   default_max_poll_interval_ms, poll_from);
  if (static_cast<uint64_t>(flow.pause_grace.count()) >= max_poll)
    return config_error(source, "key 'flow.consumer.pause.grace.ms' ("
                                  + std::to_string(flow.pause_grace.count())
                                  + ") must be less than " + poll_from + " ("
                                  + std::to_string(max_poll)
                                  + "): a consumer without credit takes no records during "
                                    "the grace, and librdkafka leaves the group after "
                                    "max.poll.interval.ms without one");
  // librdkafka waits for the unassign of a draining revoke; the maintainers' contract is an
  // unassign within the session timeout (and the group waits for a rejoin at most
  // max.poll.interval.ms).
  std::string session_from;
  auto session = effective_number(consumer, "consumer", client, "session.timeout.ms",
                                  default_session_timeout_ms, session_from);
  auto drain = static_cast<uint64_t>(flow.revoke_drain.count());
  if (drain > 0 && (drain >= session || drain >= max_poll))
    return config_error(source, "key 'flow.revoke.drain.ms' (" + std::to_string(drain)
                                  + ") must be less than " + session_from + " ("
                                  + std::to_string(session) + ") and " + poll_from + " ("
                                  + std::to_string(max_poll)
                                  + "): librdkafka waits for the revoke to finish, and the "
                                    "group does not wait longer");
  if (flow.drain_timeout >= flow.stop_timeout)
    return config_error(source, "key 'flow.drain.timeout.ms' ("
                                  + std::to_string(flow.drain_timeout.count())
                                  + ") must be less than 'flow.stop.timeout.ms' ("
                                  + std::to_string(flow.stop_timeout.count())
                                  + "): the drain is part of the stop");
  if (auto problem = listen_problem(monitoring.listen); !problem.empty())
    return config_error(source, "key 'monitoring.listen' ('" + monitoring.listen + "') "
                                  + problem);
  if (auto err = validate_alerts(monitoring, source))
    return err;
  if (monitoring.enabled && monitoring.liveness_timeout <= monitoring.interval)
    return config_error(source, "key 'monitoring.liveness.timeout.ms' ("
                                  + std::to_string(monitoring.liveness_timeout.count())
                                  + ") must be greater than 'monitoring.interval.ms' ("
                                  + std::to_string(monitoring.interval.count())
                                  + "): liveness is confirmed once per interval");
  if (flow.producer_shards == 0)
    return config_error(source, "key 'flow.producer.shards' must be 1..64, not 0");
  std::string msgs_from, kbytes_from;
  auto queue_msgs = effective_number(producer, "producer", client,
                                     "queue.buffering.max.messages", default_queue_messages,
                                     msgs_from);
  auto queue_kbytes = effective_number(producer, "producer", client,
                                       "queue.buffering.max.kbytes", default_queue_kbytes,
                                       kbytes_from);
  auto shards = static_cast<uint64_t>(flow.producer_shards);
  auto exceeds = [&](const char* key, uint64_t window, uint64_t bound, const std::string& from,
                     const char* unit) {
    return config_error(source, "key 'flow." + std::string{key} + "' (" + std::to_string(window)
                                  + ") x 'flow.producer.shards' (" + std::to_string(shards)
                                  + ") exceeds " + from + " (" + std::to_string(bound) + " "
                                  + unit + "): the producer actors share one librdkafka "
                                  "handle; lower the window or raise the queue bound");
  };
  if (flow.producer_max_in_flight_messages_explicit
      && flow.producer_max_in_flight_messages * shards > queue_msgs)
    return exceeds("producer.max.in.flight.messages", flow.producer_max_in_flight_messages,
                   queue_msgs, msgs_from, "messages");
  if (flow.producer_max_in_flight_bytes_explicit
      && flow.producer_max_in_flight_bytes * shards > queue_kbytes * 1024)
    return exceeds("producer.max.in.flight.bytes", flow.producer_max_in_flight_bytes,
                   queue_kbytes, kbytes_from, "KiB");
  return caf::none;
}

std::pair<size_t, size_t> kafka_config::producer_window() const {
  std::string ignored;
  auto queue_msgs = effective_number(producer, "producer", client,
                                     "queue.buffering.max.messages", default_queue_messages,
                                     ignored);
  auto queue_kbytes = effective_number(producer, "producer", client,
                                       "queue.buffering.max.kbytes", default_queue_kbytes,
                                       ignored);
  uint64_t shards = std::max<size_t>(flow.producer_shards, 1);
  uint64_t msgs = std::max<uint64_t>(queue_msgs / shards, 1);
  uint64_t bytes = std::max<uint64_t>(queue_kbytes * 1024 / shards, 1);
  return {static_cast<size_t>(std::min<uint64_t>(flow.producer_max_in_flight_messages, msgs)),
          static_cast<size_t>(std::min<uint64_t>(flow.producer_max_in_flight_bytes, bytes))};
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
    // A commit on revoke or close can fail (ILLEGAL_GENERATION in the middle of a
    // cooperative rebalance, measured: lanes_churn_test); the next owner then reads again
    // what was stored since the last auto-commit. Once a second bounds that at a second of
    // traffic, for one OffsetCommit a second per member (librdkafka's default is 5 s).
    {"auto.commit.interval.ms", "1000"},
    {"auto.offset.reset", "earliest"},
    {"partition.assignment.strategy", "range,roundrobin"},
  };
  // The consumer lag metrics come from librdkafka's statistics: on when monitoring is.
  if (monitoring.enabled)
    out["statistics.interval.ms"] = std::to_string(monitoring.interval.count());
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
