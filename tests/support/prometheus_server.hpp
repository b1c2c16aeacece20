#pragma once

// A real Prometheus server (Debian's `prometheus`) on loopback for one test: a generated
// config scraping one target every 500 ms, a data directory of its own, its output in a log
// file, and a PromQL instant query over its HTTP API. The process is killed on destruction.

#include <optional>
#include <string>

#include <boost/json.hpp>
#include <curl/curl.h>
#include <gtest/gtest.h>

#include "support/child_server.hpp"
#include "support/free_port.hpp"
#include "support/http.hpp"
#include "support/temp_dir.hpp"

namespace kafka_actors::test {

class prometheus_server {
public:
  static constexpr const char* binary = "/usr/bin/prometheus";

  /// Starts scraping `target` ("host:port") as job "kafka-actors". Check `error()` after.
  explicit prometheus_server(const std::string& target) {
    port_ = free_loopback_port();
    if (port_ == 0) {
      error_ = "no free loopback port";
      return;
    }
    auto config = dir_.write("prometheus.yml",
                             "global:\n  scrape_interval: 500ms\n  scrape_timeout: 400ms\n"
                             "scrape_configs:\n  - job_name: kafka-actors\n    static_configs:\n"
                             "      - targets: ['" + target + "']\n");
    auto listen = "127.0.0.1:" + std::to_string(port_);
    error_ = child_.start({binary, "--config.file=" + config,
                           "--storage.tsdb.path=" + dir_.path() + "/data",
                           "--web.listen-address=" + listen},
                          dir_.path() + "/prometheus.log", listen);
  }

  prometheus_server(const prometheus_server&) = delete;
  prometheus_server& operator=(const prometheus_server&) = delete;

  const std::string& error() const noexcept {
    return error_;
  }

  /// The value of a PromQL instant query that answers one series; nullopt for none, more than
  /// one, or a failed request (`last_answer` then says what came back).
  std::optional<double> query(const std::string& promql) {
    auto curl = curl_easy_init();
    auto* escaped = curl_easy_escape(curl, promql.c_str(), static_cast<int>(promql.size()));
    auto r = http_get(child_.url() + "/api/v1/query?query=" + escaped, 5000);
    curl_free(escaped);
    curl_easy_cleanup(curl);
    last_answer_ = std::to_string(r.status) + " " + r.body + r.error;
    boost::json::error_code ec;
    auto doc = boost::json::parse(r.body, ec);
    if (ec || !doc.is_object())
      return std::nullopt;
    auto* data = doc.as_object().if_contains("data");
    if (!data || !data->is_object())
      return std::nullopt;
    auto* result = data->as_object().if_contains("result");
    if (!result || !result->is_array() || result->as_array().size() != 1)
      return std::nullopt;
    auto& value = result->as_array()[0].as_object().at("value").as_array();
    return std::stod(std::string{value[1].as_string()});
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
