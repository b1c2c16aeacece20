#pragma once

// Liveness and readiness of a service, from what the metrics collector last saw. Pure: the
// collector fills health_inputs once per interval; the HTTP threads only read the reports.
//
// Ready means: a broker answered the last probe, the producer is not failed (fatal error,
// failed login, refused certificate), its breaker is not open, and every running consumer
// has partitions assigned, no persistent failure and no open breaker, no partition is
// stalled and no consumer stuck joining (progress_watch), and no subscription was given up. A subscription stopped on purpose is simply not running: not a failure.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace kafka_actors {

struct health_inputs {
  struct consumer {
    uint64_t id = 0;
    std::string group;
    size_t assigned = 0;
    /// consumer_status::failure: a condition retrying will not heal.
    std::string failure;
    /// "closed", "open", "half_open" or empty (no breaker).
    std::string breaker;
    bool stopping = false;
  };
  /// The last broker probe: nullopt before the first answered; "" if a broker answered,
  /// else why not.
  std::optional<std::string> broker_error;
  /// False until the service answered a status request.
  bool have_status = false;
  std::string producer_failure;
  std::string producer_breaker;
  std::vector<consumer> consumers;
  /// Subscriptions KafkaService gave up restarting, with why.
  std::map<uint64_t, std::string> given_up;
  /// Stalled partitions and consumers stuck joining (progress_watch::verdict::reason).
  std::string progress_problem;
};

struct health_check {
  /// "status", "brokers", "producer", "consumers", "breakers" or "progress".
  std::string name;
  bool ok = true;
  /// Why it fails; empty when ok.
  std::string reason;
  /// How long it has been failing without a break (0 when ok).
  std::chrono::milliseconds failing_for{0};
};

struct readiness_report {
  bool ready = false;
  std::vector<health_check> checks;

  /// {"status":"ready"|"not_ready","checks":[{"name":..,"ok":..,"reason":..,"failing_for_ms":..}]}
  std::string to_json() const;
};

/// Keeps when each check began failing, so a report says for how long.
class readiness_tracker {
public:
  using clock = std::chrono::steady_clock;

  readiness_report evaluate(const health_inputs& in, clock::time_point now);

private:
  std::map<std::string, clock::time_point> failing_since_;
};

struct liveness_report {
  bool alive = true;
  std::string reason;
  std::string to_json() const;
};

/// Alive while the service answered a status request within `timeout` of `now` (the
/// collector's start counts as an answer, so a service is not dead while it starts).
liveness_report evaluate_liveness(readiness_tracker::clock::time_point last_answer,
                                  readiness_tracker::clock::time_point now,
                                  std::chrono::milliseconds timeout);

/// A readiness report read at `now`: also not ready when the liveness check fails, since
/// the report is then stale.
readiness_report current_readiness(const readiness_report& last, const liveness_report& live);

} // namespace kafka_actors
