#pragma once

// The handler actor that runs a user's function over batches: it grants the consumer its
// credit up front and returns it with each ack. A function that returns an error or throws
// fails the batch with an error naming the record.

#include <cstdint>

#include "kafka_actors/actors/consumer.hpp"

namespace kafka_actors {

handler_actor::behavior_type handler_lane(handler_actor::pointer self, consumer_actor consumer,
                                          record_handler on_record, batch_handler on_batch,
                                          int64_t credit);

/// Runs `on_record` over every record of `batch` (or `on_batch` once), turning errors and
/// exceptions into an errc::handler_failed error that names the record.
caf::error run_handler(const record_batch& batch, const record_handler& on_record,
                       const batch_handler& on_batch);

} // namespace kafka_actors
