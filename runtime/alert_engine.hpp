#pragma once

// Alert rules and their evaluation, without CAF and without a clock of its own: the alert
// evaluator actor feeds one observation per collection round with the time it was taken,
// and tests feed any times they like.
//
// Each rule watches instances (a partition for lag, a source of records for error rates, a
// breaker, the brokers, a stalled partition). An instance whose condition holds becomes
// pending; once it has held for the rule's `for_duration` it fires (one event), notifies
// again every `repeat` while it holds, and resolves (one event) on the first observation in
// which it no longer holds, or no longer appears (a revoked partition). A pending instance
// whose condition lapses goes away without an event.

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace kafka_actors {

enum class alert_kind {
  lag,                // a partition's lag (records) above `threshold`
  error_rate,         // share of a source's records that failed, over `window`, above `threshold`
  breaker_open,       // a circuit breaker open
  broker_unreachable, // the broker probe failed
  consumer_stalled,   // a partition with records waiting and no handler progress
};

/// "lag", "error_rate", "breaker_open", "broker_unreachable", "consumer_stalled".
const char* to_string(alert_kind k);
/// The kind named `name` (as to_string writes it); nullopt if none.
std::optional<alert_kind> alert_kind_from(const std::string& name);

struct alert_rule {
  /// Unique among the rules: letters, digits, '_', '-', '.'; 1..128 characters.
  std::string name;
  alert_kind kind = alert_kind::lag;
  /// lag: records (> threshold fires); error_rate: a share 0..1 (> threshold fires);
  /// unused by the other kinds.
  double threshold = 0;
  /// How long the condition must hold before the alert fires (0: on the first observation).
  std::chrono::milliseconds for_duration{0};
  /// While firing, notify again every `repeat` (0: never again until resolved).
  std::chrono::milliseconds repeat{0};
  /// error_rate only: the span the share is computed over.
  std::chrono::milliseconds window{300000};
  /// Passed on to the sinks (Alertmanager's `severity` label).
  std::string severity = "warning";
};

/// "" if the rule can be evaluated, else what is wrong with it, naming the field
/// ("threshold must be 0..1 for error_rate, not 1.5").
std::string alert_rule_problem(const alert_rule& rule);

/// What the collector saw in one round.
struct alert_observation {
  struct partition_lag {
    std::string group;
    std::string topic;
    int32_t partition = 0;
    int64_t lag = 0;
  };
  /// Monotonic totals of one source of records ("producer", or "group <name>").
  struct record_counts {
    std::string source;
    uint64_t failed = 0; // records that failed for good (dead-lettered, dropped, not delivered)
    uint64_t total = 0;  // records processed, failed ones included
  };
  struct breaker {
    std::string name; // "producer", "subscription 3 (group g)"
    bool open = false;
  };
  struct stalled_partition {
    std::string group;
    std::string topic;
    int32_t partition = 0;
    int64_t waiting = 0;
    std::chrono::milliseconds stalled_for{0};
  };
  std::vector<partition_lag> lags;
  std::vector<record_counts> records;
  std::vector<breaker> breakers;
  /// nullopt: not probed yet (no broker_unreachable decision); "": reachable; else why not.
  std::optional<std::string> broker_error;
  std::vector<stalled_partition> stalled;
};

using alert_labels = std::vector<std::pair<std::string, std::string>>;
using alert_time = std::chrono::system_clock::time_point;

struct alert_event {
  enum class state_type { firing, resolved };
  std::string rule;
  alert_kind kind = alert_kind::lag;
  std::string severity;
  /// What tells this instance apart, in a fixed order per kind: lag and consumer_stalled
  /// {group, topic, partition}; error_rate {source}; breaker_open {breaker}; broker_unreachable
  /// none.
  alert_labels labels;
  state_type state = state_type::firing;
  /// A firing event sent again after `repeat` (false for the first one).
  bool repeated = false;
  /// The observed value behind the last decision: the lag, the share, the records waiting;
  /// 1 for breaker_open and broker_unreachable while they hold, 0 once resolved.
  double value = 0;
  /// One line a person can act on, e.g. "lag of orders[3] in group billing is 12000
  /// records (above 1000 for 60 s)" or "brokers unreachable: <probe error>".
  std::string summary;
  /// When the condition first held (the alert's start, for Alertmanager's startsAt).
  alert_time active_since;
  /// The observation time of this event (resolved events: when it was seen resolved).
  alert_time at;
};

/// "firing" or "resolved".
const char* to_string(alert_event::state_type s);

class alert_engine {
public:
  /// The rules must have passed alert_rule_problem() and have distinct names.
  explicit alert_engine(std::vector<alert_rule> rules);

  /// Evaluates every rule against one round; returns the events due now, in rule order, and
  /// within a rule by instance labels. Times must not go backwards (a time before the last
  /// one is taken as the last one).
  std::vector<alert_event> observe(const alert_observation& obs, alert_time now);

  /// The instances firing now (their last event), for status and tests.
  std::vector<alert_event> firing() const;

  const std::vector<alert_rule>& rules() const {
    return rules_;
  }

private:
  struct instance {
    alert_time since;         // condition first held
    bool fired = false;       // the firing event went out
    alert_time last_notified; // of the last firing event
    alert_event last;         // the last event built for it
  };
  struct count_sample {
    alert_time at;
    uint64_t failed = 0;
    uint64_t total = 0;
  };
  std::vector<alert_rule> rules_;
  // Per rule (same index as rules_): instances by their labels.
  std::vector<std::map<alert_labels, instance>> active_;
  // error_rate history per source, kept for the longest error_rate window.
  std::map<std::string, std::deque<count_sample>> history_;
  std::optional<alert_time> last_now_;
};

} // namespace kafka_actors
