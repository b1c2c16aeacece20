#pragma once

// Alert evaluator: the monitor that turns each monitoring round into alerts. The metrics
// collector hands it one observation per round (what it saw, and when); the rules of
// `monitoring.alerts` are evaluated by runtime/alert_engine.hpp and every firing, repeated
// and resolved event goes to each configured sink: the log (stderr), a Kafka topic (one JSON
// record per event, through the service's producer) and Alertmanager's v2 API (firing
// alerts posted again every `alertmanager.resend.ms`, so that Alertmanager keeps them).
//
// It runs detached: a post to Alertmanager blocks its thread for up to
// `alertmanager.timeout.ms`, which must not happen on a scheduler thread. It holds the
// service weakly: once the service is gone the topic sink stops and the rest goes on.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <caf/actor_addr.hpp>
#include <caf/actor_system.hpp>
#include <caf/atom.hpp>
#include <caf/meta/load_callback.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "kafka_actors/config/kafka_config.hpp"
#include "kafka_actors/runtime/alert_engine.hpp"
#include "kafka_actors/runtime/atoms.hpp"

namespace kafka_actors {

// Only the collector and tests speak this protocol: its verbs live here, not in atoms.hpp.
using observe_atom = caf::atom_constant<caf::atom("observe")>; // one round for the rules
constexpr observe_atom observe_atom_v = observe_atom{};
using alerts_atom = caf::atom_constant<caf::atom("alerts")>; // which alerts fire now
constexpr alerts_atom alerts_atom_v = alerts_atom{};

/// What the evaluator did so far, for the collector's metrics.
struct alert_stats {
  /// Instances firing now, per rule name (every rule listed, 0 when quiet).
  std::map<std::string, uint64_t> firing;
  /// Events handed to each sink ("log", "topic", "alertmanager"), and those that failed.
  std::map<std::string, uint64_t> sent;
  std::map<std::string, uint64_t> failed;
  /// The last sink failure, for people reading the status.
  std::string last_failure;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, alert_stats& x) {
  return f(caf::meta::type_name("alert_stats"), x.firing, x.sent, x.failed, x.last_failure);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, alert_observation::partition_lag& x) {
  return f(caf::meta::type_name("partition_lag"), x.group, x.topic, x.partition, x.lag);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, alert_observation::record_counts& x) {
  return f(caf::meta::type_name("record_counts"), x.source, x.failed, x.total);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, alert_observation::breaker& x) {
  return f(caf::meta::type_name("alert_breaker"), x.name, x.open);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, alert_observation::stalled_partition& x) {
  return f(caf::meta::type_name("stalled_partition"), x.group, x.topic, x.partition, x.waiting,
           x.stalled_for);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, alert_observation& x) {
  // CAF 0.17 knows no std::optional: the broker verdict travels as (probed, error).
  bool probed = x.broker_error.has_value();
  std::string broker_error = x.broker_error.value_or(std::string{});
  auto load = caf::meta::load_callback([&]() -> caf::error {
    if (probed)
      x.broker_error = broker_error;
    else
      x.broker_error.reset();
    return caf::none;
  });
  return f(caf::meta::type_name("alert_observation"), x.lags, x.records, x.breakers, probed,
           broker_error, x.stalled, load);
}

using alert_evaluator_actor = caf::typed_actor<
  // One round: what the collector saw and when (milliseconds since the epoch, UTC).
  // Answered with the stats after the round's events went to the sinks.
  caf::replies_to<observe_atom, alert_observation, int64_t>::with<alert_stats>,
  // The alerts firing now, for tests and status.
  caf::replies_to<alerts_atom>::with<std::vector<std::string>>>;

/// Spawns the evaluator for cfg.monitoring.alerts (rules already validated); `service`
/// serves the topic sink's records.
alert_evaluator_actor spawn_alert_evaluator(caf::actor_system& sys, const kafka_config& cfg,
                                            caf::actor_addr service);

/// The JSON record the topic sink writes for one event.
std::string alert_record_json(const alert_event& e);

/// The line the log sink writes for one event (no trailing newline).
std::string alert_log_line(const alert_event& e);

} // namespace kafka_actors
