#pragma once

// Remote handlers: a consumer in one process (a node's KafkaService) feeds a handler actor
// that may live in another one. The protocol is the local one's (join, credit, batches,
// ack, fail), with records as data that serializes (runtime/remote_batch: one buffer per
// batch, read as views on the handler's side):
//
//   consumer ==record_batch==> remote feed ==remote_batch==> handler (any node)
//   consumer <==ack + credit== remote feed <==ack + credit== handler
//
// The feed (actors/remote_feed) runs next to the consumer, converts batches and passes the
// handler's credit on, so a slow remote handler bounds the consumer exactly as a local one:
// records out never exceed what the handler granted. When the handler is lost (its node
// died or it quit), the feed keeps what it had not acknowledged, the consumer runs out of
// credit and pauses its partitions (keeping its group membership), and a handler that
// subscribes again for the same group and topics gets the unacknowledged batches first. No
// handler within the deadline: the subscription stops (committing what was acknowledged)
// and is reported failed with the reason.

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/error.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "kafka_actors/runtime/atoms.hpp"
#include "kafka_actors/runtime/message.hpp"
#include "kafka_actors/runtime/remote_batch.hpp"

namespace kafka_actors {

/// What a remote handler answers to (the feed next to the consumer).
using remote_feed_actor = caf::typed_actor<
  // More records the handler will take.
  caf::reacts_to<credit_atom, int64_t>,
  // Batch `id` is done (its offsets may commit); `n` more records.
  caf::reacts_to<ack_atom, uint64_t, int64_t>,
  // Batch `id` could not be handled: the consumer stops, committing only what was
  // acknowledged; KafkaService restarts it and the batch comes again.
  caf::reacts_to<fail_atom, uint64_t, caf::error>>;

/// A remote handler: `join` introduces its feed (answer with credit), then batches arrive,
/// each to be acknowledged (or failed) to the feed that sent it.
using remote_handler_actor
  = caf::typed_actor<caf::reacts_to<join_atom, remote_feed_actor>,
                     caf::reacts_to<remote_batch, remote_feed_actor>>;

/// A subscription whose handler is an actor anywhere (KafkaService::subscribe). Subscribing
/// again with the same group and topics while the first handler is lost hands the
/// subscription to the new handler, which gets the unacknowledged batches first.
struct remote_subscription {
  std::vector<std::string> topics;
  std::string group;
  remote_handler_actor handler;
  /// How long the subscription waits for a handler after losing one; then it stops
  /// (committing what was acknowledged) and is reported failed.
  int64_t handler_deadline_ms = 60'000;
  /// Report partitions that reached their end in consumer_status::at_end.
  bool track_end = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, remote_subscription& x) {
  return f(caf::meta::type_name("kafka_actors::remote_subscription"), x.topics, x.group,
           x.handler, x.handler_deadline_ms, x.track_end);
}

/// Called once per record of a remote batch; an error fails the batch.
using remote_record_handler = std::function<caf::error(const remote_record&)>;

/// A remote handler around a function: it grants `credit` records when a feed joins, calls
/// `fn` for each record of a batch on a thread of its own (it may block), then acknowledges
/// the batch and grants its credit back; an error (or exception) fails the batch.
remote_handler_actor spawn_remote_record_handler(caf::actor_system& sys, remote_record_handler fn,
                                                 int64_t credit = 1000);

} // namespace kafka_actors
