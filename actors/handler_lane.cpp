#include "kafka_actors/actors/handler_lane.hpp"

#include <exception>

#include <caf/typed_event_based_actor.hpp>

#include "kafka_actors/runtime/errors.hpp"

namespace kafka_actors {

caf::error run_handler(const record_batch& batch, const record_handler& on_record,
                       const batch_handler& on_batch) {
  size_t i = 0;
  try {
    if (on_batch) {
      if (auto err = on_batch(batch))
        return make_error(errc::handler_failed,
                          "batch of " + std::to_string(batch.size()) + " records from "
                            + (batch.empty() ? std::string{"?"} : batch[0].where())
                            + ": " + describe(err));
      return caf::none;
    }
    for (; i < batch.size(); ++i)
      if (auto err = on_record(batch[i]))
        return make_error(errc::handler_failed,
                          "record " + batch[i].where() + ": " + describe(err));
  } catch (const std::exception& e) {
    return make_error(errc::handler_failed,
                      "record " + (i < batch.size() ? batch[i].where() : std::string{"?"})
                        + ": handler threw: " + e.what());
  } catch (...) {
    return make_error(errc::handler_failed,
                      "record " + (i < batch.size() ? batch[i].where() : std::string{"?"})
                        + ": handler threw a non-standard exception");
  }
  return caf::none;
}

handler_actor::behavior_type handler_lane(handler_actor::pointer self, consumer_actor consumer,
                                          record_handler on_record, batch_handler on_batch,
                                          int64_t credit) {
  self->send(consumer, credit_atom_v, credit);
  return {
    [=](const record_batch_ptr& batch, const consumer_actor& from) {
      if (auto err = run_handler(*batch, on_record, on_batch))
        self->send(from, fail_atom_v, batch->id(), std::move(err));
      else
        self->send(from, ack_atom_v, batch->id(), static_cast<int64_t>(batch->size()));
    },
  };
}

} // namespace kafka_actors
