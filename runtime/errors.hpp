#pragma once

// The error domain of kafka-actors: every failure that crosses an actor boundary is a
// caf::error of category "kafka" whose context is one human-readable sentence.

#include <cstdint>
#include <string>

#include <caf/atom.hpp>
#include <caf/error.hpp>

namespace kafka_actors {

enum class errc : uint8_t {
  none = 0,
  invalid_config,     // unknown or wrongly typed key, unreadable or malformed file
  invalid_topic,      // topic name Kafka would reject
  message_too_large,  // larger than message.max.bytes
  backpressure,       // in-flight bound reached and the caller asked not to wait
  circuit_open,
  broker_unreachable, // no broker answered within the timeout
  timeout,
  topic_already_exists,
  kafka_error,        // any other librdkafka error; context holds its name and text
  partition_lost,
  handler_failed,     // a user handler returned an error or threw
  stopped,            // the actor is stopping and takes no new work
  invalid_argument,
  non_retriable,      // a handler's verdict: retrying this record can never succeed
                      // (invalid record, deserialization or authorization failure)
};

/// The error category atom registered with CAF.
constexpr caf::atom_value error_category = caf::atom("kafka");

const char* to_string(errc x);

/// Builds an error of our category carrying `what` as its human-readable context.
caf::error make_error(errc code, std::string what);
caf::error make_error(errc code);

/// Returns the code if `err` belongs to our category, errc::none otherwise.
errc code_of(const caf::error& err);

/// Renders any error as "<code>: <context>" for our category, CAF's text otherwise.
std::string describe(const caf::error& err);

} // namespace kafka_actors
