#pragma once

// The monitoring HTTP endpoint: `/metrics` (Prometheus text format), `/healthz` (liveness)
// and `/readyz` (readiness, JSON naming the failing checks) on one listener. It serves what
// the metrics collector last published on the board, so a request never waits for an actor;
// only liveness is computed at request time, from when the service last answered, so a
// stuck service shows even though nothing publishes any more.
//
// prometheus-cpp 1.0.1's Exposer serves registries only (its civetweb server is private and
// takes no handlers of ours), so this runs civetweb itself, the server the Exposer wraps,
// with prometheus-cpp's serializer behind /metrics (runtime/metrics.hpp).

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include <caf/expected.hpp>

#include "kafka_actors/runtime/readiness.hpp"

namespace kafka_actors {

/// What the collector publishes and the HTTP threads read. Thread-safe.
class monitoring_board {
public:
  using clock = readiness_tracker::clock;

  explicit monitoring_board(std::chrono::milliseconds liveness_timeout)
    : liveness_timeout_(liveness_timeout), last_answer_(clock::now().time_since_epoch().count()) {
  }

  void publish(std::string metrics_text, readiness_report ready);

  /// The service answered a status request at `t`.
  void note_answer(clock::time_point t) noexcept {
    last_answer_.store(t.time_since_epoch().count(), std::memory_order_relaxed);
  }

  std::string metrics() const;
  liveness_report liveness(clock::time_point now) const;
  readiness_report readiness(clock::time_point now) const;

private:
  std::chrono::milliseconds liveness_timeout_;
  std::atomic<clock::rep> last_answer_;
  mutable std::mutex mx_;
  std::string metrics_;
  readiness_report ready_;
};

class monitoring_endpoint {
public:
  /// Listens on `listen` ("host:port"; port 0 picks a free one). Errors name the address.
  static caf::expected<std::unique_ptr<monitoring_endpoint>>
  start(const std::string& listen, std::shared_ptr<monitoring_board> board);

  /// Stops the server and joins its threads (a request in progress finishes first): not on
  /// a scheduler thread.
  ~monitoring_endpoint();

  monitoring_endpoint(const monitoring_endpoint&) = delete;
  monitoring_endpoint& operator=(const monitoring_endpoint&) = delete;

  /// The port it listens on (the chosen one for port 0).
  int port() const noexcept {
    return port_;
  }

  /// "http://host:port", for clients and logs.
  std::string url() const;

private:
  monitoring_endpoint() = default;
  struct impl;
  std::unique_ptr<impl> impl_;
  std::string host_;
  int port_ = 0;
};

} // namespace kafka_actors
