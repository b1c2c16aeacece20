#pragma once

// The partition manager: a handler actor (consumer.hpp's protocol) that runs one ordered lane
// (actors/partition_lane) per partition, and with key lanes several per partition (a key on
// one of them at a time), so partitions (and keys) are handled in parallel while each key
// keeps its order.
//
//   consumer ==record_batch==> manager --split per lane--> lane (one per partition[/key group])
//   consumer <==credit, ack=== manager <==progress======== lane
//
// Lanes are spawned on the first record of their partition, on a thread of their own when
// the handler blocks (subscription::blocking_handler), at most lane_options::max_lane_threads
// of them (past the cap partitions share lanes); a lane whose partitions were all revoked is
// stopped once nothing routed to it is unfinished. A consumer batch is acknowledged once every
// record of it finished; credit comes back as records finish, so a key waiting for a retry
// holds back only its own records while other keys and partitions flow. The committed offset
// of a partition never passes a record that is not finished (the consumer stores the acked
// prefix only).

#include <memory>

#include <caf/actor_system.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "kafka_actors/actors/consumer.hpp"
#include "kafka_actors/actors/handler_lane.hpp"
#include "kafka_actors/actors/partition_lane.hpp"
#include "kafka_actors/runtime/lane_router.hpp"

namespace kafka_actors {

using partition_manager_actor = handler_actor::extend_with<lane_owner>::extend<
  // Internal: grant owed credit, stop lanes of revoked partitions.
  caf::reacts_to<tick_atom>>;

/// Spawns a manager; `cfg` gives on_record, retry, forward target, dedup, the credit to grant
/// and the counters every lane shares. `detached_lanes` gives each lane a thread.
handler_actor spawn_partition_manager(caf::actor_system& sys, bool detached_lanes,
                                      lane_options options, std::shared_ptr<lane_config> cfg);

} // namespace kafka_actors
