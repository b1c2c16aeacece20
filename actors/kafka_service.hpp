#pragma once

// KafkaService: the supervisor. It owns the producer, the admin actor and every consumer it
// subscribed, routes requests to them, restarts a consumer that failed (with exponential
// backoff) and stops everything in order: consumers first (they commit), then the producer
// (it flushes).

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include <caf/actor_system.hpp>
#include <caf/expected.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "kafka_actors/actors/consumer.hpp"
#include "kafka_actors/actors/producer.hpp"
#include "kafka_actors/actors/remote_handler.hpp"
#include "kafka_actors/config/kafka_config.hpp"
#include "kafka_actors/config/topic_config.hpp"
#include "kafka_actors/runtime/atoms.hpp"
#include "kafka_actors/runtime/message.hpp"

namespace kafka_actors {

class embedded_cluster;

struct service_status {
  std::string bootstrap_servers;
  bool embedded = false;
  producer_status producer;
  /// Per subscription id.
  std::map<uint64_t, consumer_status> consumers;
  /// Consumer restarts after failures, over all subscriptions.
  uint64_t restarts = 0;
  std::string last_failure;
  /// Subscriptions given up after flow_config::max_restarts failed runs in a row, with why.
  std::map<uint64_t, std::string> failed;
  /// Messages waiting in the service actor's mailbox when the status was taken.
  uint64_t mailbox = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, service_status& x) {
  return f(caf::meta::type_name("kafka_actors::service_status"), x.bootstrap_servers,
           x.embedded, x.producer, x.consumers, x.restarts, x.last_failure, x.failed,
           x.mailbox);
}

using kafka_service_actor = caf::typed_actor<
  // send_message: one record, answered with its delivery report.
  caf::replies_to<send_atom, message>::with<delivery_report>,
  // send_messages_batch: answered with one report per record.
  caf::replies_to<send_atom, message_batch>::with<batch_report>,
  caf::replies_to<try_send_atom, message_batch>::with<batch_report>,
  // subscribe: starts a supervised consumer; answers with the subscription id.
  caf::replies_to<subscribe_atom, subscription>::with<uint64_t>,
  // subscribe with a handler actor anywhere (another node too); the same group and topics
  // again, while the first handler is lost, hand the subscription over (same id).
  caf::replies_to<subscribe_atom, remote_subscription>::with<uint64_t>,
  // Stops one subscription (commits); answers with its final status.
  caf::replies_to<stop_atom, uint64_t>::with<consumer_status>,
  // Waits until subscription `id` has its first assignment; fails at once on a condition
  // retrying will not heal (authentication, authorization, unknown topic) or once the
  // subscription was given up.
  caf::replies_to<ready_atom, uint64_t>::with<bool>,
  // create_topic: errc::topic_already_exists is its own outcome.
  caf::replies_to<create_topic_atom, topic_config>::with<bool>,
  // Waits until a broker answers; errc::broker_unreachable otherwise.
  caf::replies_to<ping_atom>::with<int32_t>,
  // Lag of a group over topics (end minus committed offsets, summed).
  caf::replies_to<lag_atom, std::string, std::vector<std::string>>::with<int64_t>,
  caf::replies_to<status_atom>::with<service_status>,
  // The producer the service runs now (it restarts a failed one): for callers that want to
  // send without the service's hop. errc::stopped once it has none.
  caf::replies_to<producer_atom>::with<producer_actor>,
  // Where the monitoring endpoint listens ("http://host:port"); errc::invalid_argument when
  // monitoring is off.
  caf::replies_to<metrics_atom>::with<std::string>,
  // stop_all: consumers first (commit), then the producer (flush); then quits.
  caf::replies_to<stop_all_atom>::with<bool>,
  // Internal: restart subscription `id` after its backoff.
  caf::reacts_to<restart_atom, uint64_t>>;

/// Spawns the service. With an embedded config and no `cluster`, it starts its own mock
/// cluster; pass `cluster` to share one (tests inject faults through it). With
/// `monitoring.enabled` it also starts the monitoring endpoint and its collector, and fails
/// if the endpoint cannot listen.
caf::expected<kafka_service_actor>
spawn_kafka_service(caf::actor_system& sys, kafka_config cfg,
                    std::shared_ptr<embedded_cluster> cluster = nullptr);

} // namespace kafka_actors
