#pragma once

// Metrics collector: the monitor KafkaService runs when `monitoring.enabled`. Off the hot
// path: once per `monitoring.interval.ms` it asks the service for its status (the producers'
// and consumers' own counters, each consumer's latest librdkafka statistics) and probes the
// brokers through an admin actor of its own, turns both into Prometheus series and a
// readiness report (runtime/readiness.hpp), and publishes them to the monitoring endpoint
// (/metrics, /healthz, /readyz on one listener). Metric names: docs/METRICS.md.
//
// It runs detached: stopping the endpoint joins its HTTP threads, which must not happen on
// a scheduler thread. It holds the service weakly and quits when the service is gone.

#include <memory>
#include <string>

#include <caf/actor_addr.hpp>
#include <caf/actor_system.hpp>
#include <caf/expected.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "kafka_actors/config/kafka_config.hpp"
#include "kafka_actors/runtime/atoms.hpp"

namespace kafka_actors {

class embedded_cluster;
class monitoring_board;
class monitoring_endpoint;

using metrics_collector_actor = caf::typed_actor<
  // The endpoint's base URL, "http://host:port" (the chosen port when configured as 0).
  caf::replies_to<metrics_atom>::with<std::string>,
  // Internal: the collection timer.
  caf::reacts_to<tick_atom>>;

/// Starts the endpoint on cfg.monitoring.listen; fails naming the address if it cannot
/// listen. Call before the service exists, so spawn_kafka_service can report that.
caf::expected<std::shared_ptr<monitoring_endpoint>>
start_monitoring_endpoint(const kafka_config& cfg, const std::shared_ptr<monitoring_board>& board);

/// The board the collector publishes to and the endpoint serves from.
std::shared_ptr<monitoring_board> make_monitoring_board(const kafka_config& cfg);

/// Spawns the collector for the service at `service` (cfg.bootstrap_servers resolved).
/// It owns `endpoint` from now on.
metrics_collector_actor spawn_metrics_collector(caf::actor_system& sys, const kafka_config& cfg,
                                                std::shared_ptr<embedded_cluster> cluster,
                                                std::shared_ptr<monitoring_endpoint> endpoint,
                                                std::shared_ptr<monitoring_board> board,
                                                caf::actor_addr service);

} // namespace kafka_actors
