#pragma once

// Destroys librdkafka handles on a thread of our own. rd_kafka_destroy closes a consumer,
// flushes a producer and joins librdkafka's threads: it blocks, so it must never run on a CAF
// scheduler thread (two workers destroying two consumers at once could stall the whole
// system). Actors hand their handle here once the last reference to it is gone.

#include <atomic>
#include <chrono>
#include <memory>
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

/// librdkafka 2.0.2 aborts the process when it destroys a cooperative-sticky consumer whose
/// JoinGroup was answered and whose first SyncGroup was not (rd_kafka_sticky_assignor_state
/// _destroy asserts; librdkafka #4312, fixed in 2.3.0). What a consumer's owner knows of that
/// window: `synced` once an assign rebalance came (the window is closed for good), `joined`
/// once a member id was seen (a JoinGroup was answered; the leave clears the id again).
struct first_join_watch {
  std::atomic<bool> synced{false};
  std::atomic<bool> joined{false};
  // Set by the owner when it began the close itself: the group thread no longer answers.
  std::atomic<bool> closing{false};
  // Whether partition.assignment.strategy names a cooperative assignor: -1 until first
  // asked, then 0 or 1 (the configuration never changes, so it is read once).
  std::atomic<int> cooperative_strategy{-1};
};

/// Whether the group's chosen protocol is COOPERATIVE (incremental (un)assign). A request to
/// librdkafka's group thread: never ask a closed consumer.
bool uses_cooperative_protocol(rd_kafka_t* rk);

/// Whether destroying `rk` now could abort the process (see first_join_watch): configured
/// cooperative, never assigned, and joined (a member id seen before or, when `ask_protocol`,
/// now, or its protocol chosen). Notes a member id in `watch`. Asking (rd_kafka_memberid,
/// rd_kafka_rebalance_protocol) waits for librdkafka's group thread, which stops answering
/// once the consumer closes: never ask a closing or closed consumer.
bool in_first_cooperative_join(rd_kafka_t* rk, first_join_watch& watch, bool ask_protocol);

/// Closes a consumer (leaving its group and committing stored offsets when auto-commit is
/// on) within `deadline`, then destroys it without a second close. Runs on the reaper.
/// `before` runs first on the reaper (e.g. to detach a queue callback and free the queue).
/// With a `watch`, a consumer in its first cooperative join is first given up to half the
/// deadline for its assignment; if it is still in that window, it is closed but not
/// destroyed: a counted leak (leaked_client_handles) instead of an abort.
void reap_consumer(client_ptr rk, std::chrono::milliseconds deadline,
                   std::function<void()> before = {},
                   std::shared_ptr<first_join_watch> watch = {});

/// Consumer handles reap_consumer closed and left undestroyed (see above), process-wide.
int64_t leaked_client_handles();

/// Flushes a producer for at most `deadline`, then destroys it. Runs on the reaper.
void reap_producer(client_ptr rk, std::chrono::milliseconds deadline);

} // namespace kafka_actors
