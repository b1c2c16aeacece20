#include "kafka_actors/runtime/client_errors.hpp"

#include <librdkafka/rdkafka.h>

namespace kafka_actors {

client_error_kind classify_client_error(int err) {
  switch (static_cast<rd_kafka_resp_err_t>(err)) {
    case RD_KAFKA_RESP_ERR__FATAL:
    case RD_KAFKA_RESP_ERR_FENCED_INSTANCE_ID:
      return client_error_kind::fatal;
    case RD_KAFKA_RESP_ERR__AUTHENTICATION:
    case RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED:
    case RD_KAFKA_RESP_ERR__SSL:
    case RD_KAFKA_RESP_ERR_UNSUPPORTED_SASL_MECHANISM:
    case RD_KAFKA_RESP_ERR_ILLEGAL_SASL_STATE:
      return client_error_kind::authentication;
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
      return client_error_kind::authorization;
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
      return client_error_kind::unknown_topic;
    default:
      return client_error_kind::transient;
  }
}

const char* to_string(client_error_kind k) {
  switch (k) {
    case client_error_kind::transient:
      return "transient";
    case client_error_kind::fatal:
      return "fatal";
    case client_error_kind::authentication:
      return "authentication";
    case client_error_kind::authorization:
      return "authorization";
    case client_error_kind::unknown_topic:
      return "unknown_topic";
  }
  return "transient";
}

} // namespace kafka_actors
