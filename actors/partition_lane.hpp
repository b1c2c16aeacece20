#pragma once

// One ordered lane of the partition manager: runs the user's on_record over the records the
// manager routed to it, in per-key FIFO order (runtime/key_scheduler). A failing record is
// retried in place after a backoff (a timer, not a sleep) while only its key waits; then it is
// forwarded to the next retry topic or the dead-letter topic, which releases its key. Records
// of revoked partitions are skipped. The lane reports finished records to its manager, which
// acknowledges consumer batches and returns credit.
//
//   manager ==lane_work==> lane ==ack(lane_progress)==> manager
//                          lane ==fail(batch, error)==> manager   (no retry policy, or a
//                                                                  forward that failed)

#include <cstdint>
#include <memory>
#include <vector>

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/local_actor.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "kafka_actors/actors/handler_lane.hpp"
#include "kafka_actors/runtime/atoms.hpp"
#include "kafka_actors/runtime/record.hpp"

namespace kafka_actors {

/// Records of one consumer batch for one lane, in batch order.
struct lane_work {
  struct item {
    uint32_t index;
    /// key_scheduler key: records with equal order keys run one after another.
    uint64_t order_key;
    /// lane_router key, reported back with progress.
    uint64_t lane_key;
  };
  record_batch_ptr batch;
  std::vector<item> items;
};

/// Records a lane finished since its last report (handled, skipped, dropped, forwarded and
/// acknowledged by the broker).
struct lane_progress {
  struct entry {
    uint64_t batch;
    uint64_t lane_key;
    uint32_t n;
  };
  uint32_t lane = 0;
  std::vector<entry> done;
};

/// What a lane reports to.
using lane_owner = caf::typed_actor<caf::reacts_to<ack_atom, lane_progress>,
                                    caf::reacts_to<fail_atom, uint64_t, caf::error>>;

using partition_lane_actor = caf::typed_actor<
  caf::reacts_to<lane_work>,
  // Finish what is running and quit (normally: a linked manager lives on).
  caf::reacts_to<stop_atom>,
  // Internal: a retry backoff ended; more runnable work than one turn takes.
  caf::reacts_to<tick_atom>, caf::reacts_to<poll_atom>>;

/// Spawns lane `id` linked to `parent` (the manager), on a thread of its own if `detached`.
/// `cfg` supplies on_record, retry, forward target, dedup and the shared counters.
partition_lane_actor spawn_partition_lane(caf::local_actor* parent, bool detached,
                                          lane_owner owner, uint32_t id,
                                          std::shared_ptr<lane_config> cfg);

} // namespace kafka_actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(kafka_actors::lane_work)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(kafka_actors::lane_progress)
