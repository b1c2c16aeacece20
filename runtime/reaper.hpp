#pragma once

// Destroys librdkafka handles on a thread of our own. rd_kafka_destroy closes a consumer,
// flushes a producer and joins librdkafka's threads: it blocks, so it must never run on a CAF
// scheduler thread (two workers destroying two consumers at once could stall the whole
// system). Actors hand their handle here once the last reference to it is gone.

#include <chrono>
#include <functional>

#include "kafka_actors/runtime/rdkafka_handles.hpp"

namespace kafka_actors {

/// (Un)assigns as librdkafka requires of a rebalance when nobody tracks the partitions (a
/// consumer whose actor is gone, closing).
void plain_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                     rd_kafka_topic_partition_list_t* parts);

/// Runs `job` on the reaper thread, after every job handed over before it. A job must finish
/// in bounded time (use deadlines, not waits on the network).
void reap(std::function<void()> job);

/// Blocks until every job handed over before this call has run. For tests and shutdown; never
/// call it from an actor.
void await_reaper();

/// Closes a consumer (leaving its group and committing stored offsets when auto-commit is
/// on) within `deadline`, then destroys it without a second close. Runs on the reaper.
/// `before` runs first on the reaper (e.g. to detach a queue callback and free the queue).
void reap_consumer(client_ptr rk, std::chrono::milliseconds deadline,
                   std::function<void()> before = {});

/// Flushes a producer for at most `deadline`, then destroys it. Runs on the reaper.
void reap_producer(client_ptr rk, std::chrono::milliseconds deadline);

} // namespace kafka_actors
