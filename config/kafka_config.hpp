#pragma once

// Settings for producers, consumers and their security, loaded from JSON and the environment
// and validated against librdkafka itself at load time, so a typo fails at start and names
// the key and the file instead of being ignored.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include "kafka_actors/runtime/alert_engine.hpp"
#include "kafka_actors/runtime/breaker_state.hpp"
#include "kafka_actors/runtime/properties.hpp"

namespace kafka_actors {


/// Bounds of the credit between actors (see docs/ARCHITECTURE.md, "Backpressure").
struct flow_config {
  /// Records a producer actor has handed to librdkafka and not yet seen acknowledged.
  size_t producer_max_in_flight_messages = 200000;
  /// Bytes (payload + key + headers) of those records.
  size_t producer_max_in_flight_bytes = 128u * 1024 * 1024;
  /// Requests a producer parks while its window is full; more are refused with `backpressure`.
  size_t producer_max_waiting_requests = 100000;
  /// Records a consumer dispatches to its handler before it needs more credit.
  size_t consumer_max_in_flight = 4000;
  /// Payload + key bytes a consumer has dispatched and not seen acknowledged; past it the
  /// consumer waits as if out of credit (one batch may exceed it when nothing is in flight).
  size_t consumer_max_in_flight_bytes = 64u * 1024 * 1024;
  /// Records per actor message from consumer to handler.
  size_t consumer_batch_size = 500;
  /// How long a consumer without credit keeps its partitions fetching before it pauses them:
  /// a pause drops prefetched data and a resume waits for the next fetch (DESIGN §2).
  std::chrono::milliseconds pause_grace{200};
  /// Producer actors KafkaService runs over one shared librdkafka handle, records sharded
  /// by key (requests without keys go round-robin).
  size_t producer_shards = 1;
  /// How long `stop` waits for in-flight records to be acknowledged before it commits.
  std::chrono::milliseconds drain_timeout{10000};
  /// How long a consumer's stop may take in all (drain, commit, leave the group). Past it the
  /// consumer is torn down anyway and its final status names what it could not commit.
  std::chrono::milliseconds stop_timeout{20000};
  /// How long a revoke (not a loss) waits for the in-flight work of its partitions before it
  /// commits what is done and gives them up (`flow.revoke.drain.ms`; 0: at once). librdkafka
  /// waits for our unassign meanwhile, so it must stay below the session timeout.
  std::chrono::milliseconds revoke_drain{2000};
  /// Failed runs in a row after which KafkaService stops restarting a subscription and
  /// reports it failed (a run that was healthy for a minute resets the count).
  size_t max_restarts = 10;
  /// Set when a file named `flow.producer.max.in.flight.messages` (or `.bytes`): validate()
  /// then refuses a window the shared handle's queue cannot hold instead of clamping it
  /// (see kafka_config::producer_window()).
  bool producer_max_in_flight_messages_explicit = false;
  bool producer_max_in_flight_bytes_explicit = false;
};

/// In-process alerting (docs/METRICS.md, "Alerts"): rules evaluated on every monitoring
/// round, their firing and resolved events sent to every configured sink.
struct alerts_config {
  std::vector<alert_rule> rules;
  /// Sink: one line per event on the process's log (stderr).
  bool log = true;
  /// Sink: one JSON record per event to this topic through the service's producer ("" off).
  std::string topic;
  /// Sink: an Alertmanager's base URL ("http://host:port"; "" off), its v2 API.
  std::string alertmanager;
  /// How long one post to Alertmanager may take before it counts as failed.
  std::chrono::milliseconds alertmanager_timeout{5000};
  /// Firing alerts are posted to Alertmanager again this often (it forgets an alert whose
  /// endsAt passed without news).
  std::chrono::milliseconds alertmanager_resend{60000};
};

/// The monitoring endpoint (docs/METRICS.md): Prometheus metrics on `/metrics`, liveness on
/// `/healthz` and readiness on `/readyz`, all on one HTTP listener. Off by default.
struct monitoring_config {
  bool enabled = false;
  /// "host:port" the endpoint listens on; port 0 picks a free one (tests). Loopback by
  /// default: the endpoint has no authentication.
  std::string listen = "127.0.0.1:9464";
  /// How often the collector asks the service for its counters, probes the brokers and
  /// re-evaluates readiness; also librdkafka's `statistics.interval.ms` for consumers (the
  /// source of the lag), unless a client section sets that itself.
  std::chrono::milliseconds interval{5000};
  /// How long a broker probe waits for a metadata answer before the brokers count as
  /// unreachable.
  std::chrono::milliseconds broker_timeout{5000};
  /// `/healthz` fails once the service has not answered a status request for this long.
  std::chrono::milliseconds liveness_timeout{30000};
  /// A partition with records waiting whose stored offset has not moved for this long is
  /// stalled (librdkafka 2.0.2 will not notice: any poll resets max.poll.interval.ms).
  std::chrono::milliseconds stall_timeout{60000};
  /// A running consumer without a partition for this long is stuck joining.
  std::chrono::milliseconds join_timeout{60000};
  /// Rules and sinks of the alert evaluator (JSON only: "monitoring.alerts").
  alerts_config alerts;
};

struct kafka_config {
  /// Where the settings came from: a file path, "<environment>" or "<defaults>".
  std::string source = "<defaults>";
  /// Empty means the embedded default: librdkafka's in-process mock cluster.
  std::string bootstrap_servers;
  /// Brokers of the embedded mock cluster.
  int embedded_brokers = 3;
  /// librdkafka properties for every client.
  properties client;
  properties producer;
  properties consumer;
  /// security.protocol, ssl.*, sasl.*: applied to every client.
  properties security;
  flow_config flow;
  /// When set, producers fail fast with errc::circuit_open while the brokers are failing
  /// (JSON "producer.breaker": consecutive.failures, failure.ratio, window, open.ms, probes).
  std::optional<breaker_config> producer_breaker;
  /// How long to wait for the first broker answer before reporting it unreachable.
  std::chrono::milliseconds connect_timeout{10000};
  monitoring_config monitoring;

  /// The embedded default: a 3-broker mock cluster, default properties.
  static kafka_config embedded();

  /// A real cluster at `bootstrap`.
  static kafka_config remote(std::string bootstrap);

  /// Reads a JSON file; errors name the file, the key and the reason.
  static caf::expected<kafka_config> from_file(const std::string& path);

  /// Parses JSON text; `source` names it in errors.
  static caf::expected<kafka_config> from_json(const std::string& text,
                                               const std::string& source);

  /// Applies KAFKA_ACTORS_* variables from `env` (name=value strings, like `environ`):
  /// KAFKA_ACTORS_BOOTSTRAP_SERVERS, KAFKA_ACTORS_{CLIENT,PRODUCER,CONSUMER,SECURITY}_<KEY>
  /// where <KEY> is the property in upper case with '.' written as '_', and
  /// KAFKA_ACTORS_MONITORING_{ENABLED,LISTEN,INTERVAL_MS,BROKER_TIMEOUT_MS,LIVENESS_TIMEOUT_MS}.
  caf::error apply_env(const std::vector<std::string>& env);

  /// Same, from the process environment.
  caf::error apply_env();

  /// Every property checked by librdkafka; errors name the key, its section and the source.
  /// Also the checks across fields: `flow.consumer.pause.grace.ms` < `max.poll.interval.ms`,
  /// `flow.drain.timeout.ms` < `flow.stop.timeout.ms`, a `monitoring.listen` of host:port and
  /// `monitoring.liveness.timeout.ms` > `monitoring.interval.ms`, `flow.revoke.drain.ms` <
  /// `session.timeout.ms` and < `max.poll.interval.ms`, an explicit producer window that the
  /// shared handle's queue can hold, and no `enable.auto.offset.store=true` (offsets are
  /// stored only after the handler acknowledged them: at-least-once).
  caf::error validate() const;

  /// The credit window (messages, bytes) of one producer actor: the flow window clamped to
  /// what one librdkafka handle queues (`queue.buffering.max.messages`, default 100000, and
  /// `queue.buffering.max.kbytes`, default 1048576) divided by the `flow.producer.shards`
  /// producer actors that share that handle.
  std::pair<size_t, size_t> producer_window() const;

  bool is_embedded() const noexcept {
    return bootstrap_servers.empty();
  }

  /// The effective librdkafka properties: defaults, client, security, then the role's own.
  properties producer_config() const;
  properties consumer_config(const std::string& group) const;
  properties security_config() const {
    return security;
  }
  /// For admin clients (topic creation, metadata).
  properties admin_config() const;
};

/// What is wrong with a broker list ("host:port,host2:port"; a port may be left out, an IPv6
/// host is bracketed, a "proto://" prefix is allowed): empty when it is fine, else one line
/// naming the broken entry, for example "port '99999' of '127.0.0.1:99999' must be 1..65535".
std::string bootstrap_servers_problem(const std::string& servers);

} // namespace kafka_actors
