#include "kafka_actors/actors/remote_handler.hpp"

#include <exception>
#include <memory>

#include <caf/typed_event_based_actor.hpp>

#include "kafka_actors/runtime/errors.hpp"

namespace kafka_actors {

namespace {

remote_handler_actor::behavior_type
record_handler_impl(remote_handler_actor::pointer self,
                    std::shared_ptr<remote_record_handler> fn, int64_t credit) {
  return {
    [=](join_atom, remote_feed_actor feed) { self->send(feed, credit_atom_v, credit); },
    [=](const remote_batch& batch, remote_feed_actor feed) {
      caf::error failed;
      auto malformed = batch.for_each([&](const remote_record& r) {
        if (failed)
          return;
        caf::error err;
        try {
          err = (*fn)(r);
        } catch (const std::exception& e) {
          err = make_error(errc::handler_failed, std::string{"handler threw: "} + e.what());
        } catch (...) {
          err = make_error(errc::handler_failed, "handler threw a non-standard exception");
        }
        if (err)
          failed = make_error(errc::handler_failed, r.where() + ": " + describe(err));
      });
      if (!failed && !malformed.empty())
        failed = make_error(errc::handler_failed, malformed);
      if (failed)
        self->send(feed, fail_atom_v, batch.id, std::move(failed));
      else
        self->send(feed, ack_atom_v, batch.id, batch.credit);
    },
  };
}

} // namespace

remote_handler_actor spawn_remote_record_handler(caf::actor_system& sys, remote_record_handler fn,
                                                 int64_t credit) {
  return sys.spawn<caf::detached>(record_handler_impl,
                                  std::make_shared<remote_record_handler>(std::move(fn)),
                                  credit > 0 ? credit : 1);
}

} // namespace kafka_actors
