#include "kafka_actors/runtime/errors.hpp"

#include <caf/message.hpp>
#include <caf/make_message.hpp>

namespace kafka_actors {

const char* to_string(errc x) {
  switch (x) {
    case errc::none: return "none";
    case errc::invalid_config: return "invalid_config";
    case errc::invalid_topic: return "invalid_topic";
    case errc::message_too_large: return "message_too_large";
    case errc::backpressure: return "backpressure";
    case errc::circuit_open: return "circuit_open";
    case errc::broker_unreachable: return "broker_unreachable";
    case errc::timeout: return "timeout";
    case errc::topic_already_exists: return "topic_already_exists";
    case errc::kafka_error: return "kafka_error";
    case errc::partition_lost: return "partition_lost";
    case errc::handler_failed: return "handler_failed";
    case errc::stopped: return "stopped";
    case errc::invalid_argument: return "invalid_argument";
    case errc::non_retriable: return "non_retriable";
  }
  return "unknown";
}

caf::error make_error(errc code, std::string what) {
  return caf::error{static_cast<uint8_t>(code), error_category,
                    caf::make_message(std::move(what))};
}

caf::error make_error(errc code) {
  return caf::error{static_cast<uint8_t>(code), error_category};
}

errc code_of(const caf::error& err) {
  if (!err || err.category() != error_category)
    return errc::none;
  return static_cast<errc>(err.code());
}

std::string describe(const caf::error& err) {
  if (!err)
    return "no error";
  if (err.category() != error_category)
    return caf::to_string(err);
  std::string out = to_string(static_cast<errc>(err.code()));
  const auto& ctx = err.context();
  if (ctx.size() == 1 && ctx.match_element<std::string>(0)) {
    out += ": ";
    out += ctx.get_as<std::string>(0);
  }
  return out;
}

} // namespace kafka_actors
