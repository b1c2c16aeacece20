#pragma once

// A real Alertmanager (Debian's `prometheus-alertmanager`) on loopback for one test: a
// generated config routing everything to a receiver with no integrations (nothing is sent
// anywhere), its own storage directory, no cluster port (--cluster.listen-address= empty:
// no gossip listener), its output in a log file, and its v2 alert list parsed. The process is
// killed on destruction.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "support/child_server.hpp"
#include "support/free_port.hpp"
#include "support/http.hpp"
#include "support/temp_dir.hpp"

namespace kafka_actors::test {

/// One alert of `GET /api/v2/alerts`.
struct am_alert {
  std::string alertname;
  std::map<std::string, std::string> labels; // alertname included
  std::map<std::string, std::string> annotations;
  std::string state; // status.state: "active", "suppressed", "unprocessed"
  std::string starts_at;
  std::string ends_at;
};

class alertmanager_server {
public:
  static constexpr const char* binary = "/usr/bin/prometheus-alertmanager";

  /// Starts it and waits for /-/ready (60 s). Check `error()` after.
  alertmanager_server() {
    port_ = free_loopback_port();
    if (port_ == 0) {
      error_ = "no free loopback port";
      return;
    }
    auto config = dir_.write("alertmanager.yml", "route:\n  receiver: blackhole\n"
                                                 "receivers:\n  - name: blackhole\n");
    auto listen = "127.0.0.1:" + std::to_string(port_);
    std::vector<std::string> args{binary,
                                  "--config.file=" + config,
                                  "--storage.path=" + dir_.path() + "/data",
                                  "--web.listen-address=" + listen,
                                  "--cluster.listen-address=",
                                  "--log.level=debug"};
    error_ = child_.start(std::move(args), dir_.path() + "/alertmanager.log", listen);
  }

  alertmanager_server(const alertmanager_server&) = delete;
  alertmanager_server& operator=(const alertmanager_server&) = delete;

  const std::string& error() const noexcept {
    return error_;
  }

  /// "http://127.0.0.1:PORT", the base URL post_alerts takes.
  const std::string& url() const noexcept {
    return child_.url();
  }

  /// The alerts `GET /api/v2/alerts` lists now (Alertmanager lists no resolved alert);
  /// nullopt if the request failed or the answer is not the expected JSON (`last_answer` then
  /// says what came back).
  std::optional<std::vector<am_alert>> alerts() {
    auto r = http_get(url() + "/api/v2/alerts", 5000);
    last_answer_ = std::to_string(r.status) + " " + r.body + r.error;
    if (r.status != 200)
      return std::nullopt;
    boost::json::error_code ec;
    auto doc = boost::json::parse(r.body, ec);
    if (ec || !doc.is_array())
      return std::nullopt;
    auto text = [](const boost::json::object& o, const char* key) {
      auto* v = o.if_contains(key);
      return v && v->is_string() ? std::string{v->as_string()} : std::string{};
    };
    auto strings = [](const boost::json::object& o, const char* key) {
      std::map<std::string, std::string> out;
      if (auto* v = o.if_contains(key); v && v->is_object())
        for (auto& [k, x] : v->as_object())
          out[std::string{k}] = x.is_string() ? std::string{x.as_string()} : serialize(x);
      return out;
    };
    std::vector<am_alert> out;
    for (auto& a : doc.as_array()) {
      if (!a.is_object())
        return std::nullopt;
      auto& o = a.as_object();
      am_alert x;
      x.labels = strings(o, "labels");
      x.annotations = strings(o, "annotations");
      x.alertname = x.labels.count("alertname") ? x.labels["alertname"] : "";
      if (auto* st = o.if_contains("status"); st && st->is_object())
        x.state = text(st->as_object(), "state");
      x.starts_at = text(o, "startsAt");
      x.ends_at = text(o, "endsAt");
      out.push_back(std::move(x));
    }
    return out;
  }

  const std::string& last_answer() const noexcept {
    return last_answer_;
  }

  std::string log_text() const {
    return child_.log_text();
  }

private:
  ka_test::temp_dir dir_; // first member: removed last, after the process stopped
  child_server child_;
  int port_ = 0;
  std::string error_;
  std::string last_answer_;
};

} // namespace kafka_actors::test
