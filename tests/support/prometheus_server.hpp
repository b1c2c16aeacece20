#pragma once

// A real Prometheus server (Debian's `prometheus`) on loopback for one test: a generated
// config scraping one target every 500 ms, a data directory of its own, its output in a log
// file, and a PromQL instant query over its HTTP API. The process is killed on destruction.

#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <optional>
#include <string>

#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <curl/curl.h>
#include <gtest/gtest.h>

#include "support/await.hpp"
#include "support/free_port.hpp"
#include "support/http.hpp"

namespace kafka_actors::test {

class prometheus_server {
public:
  static constexpr const char* binary = "/usr/bin/prometheus";

  /// Starts scraping `target` ("host:port") as job "kafka-actors". Check `error()` after.
  explicit prometheus_server(const std::string& target) {
    dir_ = ::testing::TempDir() + "prometheus-" + std::to_string(::getpid());
    std::system(("rm -rf '" + dir_ + "' && mkdir -p '" + dir_ + "/data'").c_str());
    port_ = free_loopback_port();
    if (port_ == 0) {
      error_ = "no free loopback port";
      return;
    }
    std::ofstream{dir_ + "/prometheus.yml"}
      << "global:\n  scrape_interval: 500ms\n  scrape_timeout: 400ms\n"
      << "scrape_configs:\n  - job_name: kafka-actors\n    static_configs:\n"
      << "      - targets: ['" << target << "']\n";
    auto listen = "127.0.0.1:" + std::to_string(port_);
    auto log = dir_ + "/prometheus.log";
    pid_ = ::fork();
    if (pid_ == 0) {
      std::freopen(log.c_str(), "w", stdout);
      std::freopen(log.c_str(), "a", stderr);
      auto cfg = "--config.file=" + dir_ + "/prometheus.yml";
      auto data = "--storage.tsdb.path=" + dir_ + "/data";
      auto web = "--web.listen-address=" + listen;
      ::execl(binary, binary, cfg.c_str(), data.c_str(), web.c_str(), nullptr);
      std::_Exit(127);
    }
    if (pid_ < 0) {
      error_ = "fork failed";
      return;
    }
    url_ = "http://" + listen;
    if (!await([&] { return exited() || http_get(url_ + "/-/ready", 1000).status == 200; },
               std::chrono::seconds{60})
        || exited())
      error_ = "prometheus did not get ready on " + listen + ":\n" + log_text();
  }

  ~prometheus_server() {
    if (pid_ > 0 && !exited()) {
      ::kill(pid_, SIGTERM);
      int st = 0;
      if (!await([&] { return ::waitpid(pid_, &st, WNOHANG) == pid_; }, std::chrono::seconds{20})) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &st, 0);
      }
    }
    std::system(("rm -rf '" + dir_ + "'").c_str());
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
    auto r = http_get(url_ + "/api/v1/query?query=" + escaped, 5000);
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
    std::ifstream in{dir_ + "/prometheus.log"};
    return {std::istreambuf_iterator<char>{in}, {}};
  }

private:
  bool exited() {
    int st = 0;
    if (pid_ > 0 && ::waitpid(pid_, &st, WNOHANG) == pid_) {
      pid_ = -1;
      return true;
    }
    return pid_ <= 0;
  }

  std::string dir_;
  int port_ = 0;
  pid_t pid_ = -1;
  std::string url_;
  std::string error_;
  std::string last_answer_;
};

} // namespace kafka_actors::test
