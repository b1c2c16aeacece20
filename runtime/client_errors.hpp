#pragma once

// What a librdkafka error says about a client: transient trouble librdkafka retries by itself,
// or a condition a user must hear about at once because retrying will not heal it.

#include <string>

namespace kafka_actors {

enum class client_error_kind {
  transient,      // brokers down, timeouts, transport: librdkafka reconnects
  fatal,          // the client is unusable (idempotence or group fencing): restart it
  authentication, // wrong credentials, SASL or SSL handshake refused
  authorization,  // topic, group or cluster ACLs refuse us
  unknown_topic,  // a subscribed or produced-to topic does not exist
};

/// Classifies a librdkafka error code (rd_kafka_resp_err_t as int).
client_error_kind classify_client_error(int err);

const char* to_string(client_error_kind k);

/// A kind that no retry heals and that callers waiting on the client should be told of.
inline bool is_persistent(client_error_kind k) {
  return k != client_error_kind::transient;
}

} // namespace kafka_actors
