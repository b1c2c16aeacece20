#pragma once

// RAII for librdkafka handles: the only place that calls rd_kafka_*_destroy.

#include <memory>
#include <string>

#include <caf/expected.hpp>
#include <librdkafka/rdkafka.h>

#include "kafka_actors/runtime/properties.hpp"

namespace kafka_actors {

/// Destroys the handle and keeps live_client_handles() right.
struct rd_kafka_deleter {
  void operator()(rd_kafka_t* p) const noexcept;
};
struct rd_kafka_conf_deleter {
  void operator()(rd_kafka_conf_t* p) const noexcept {
    rd_kafka_conf_destroy(p);
  }
};
struct rd_kafka_queue_deleter {
  void operator()(rd_kafka_queue_t* p) const noexcept {
    rd_kafka_queue_destroy(p);
  }
};
struct rd_kafka_message_deleter {
  void operator()(rd_kafka_message_t* p) const noexcept {
    rd_kafka_message_destroy(p);
  }
};
struct rd_kafka_tpl_deleter {
  void operator()(rd_kafka_topic_partition_list_t* p) const noexcept {
    rd_kafka_topic_partition_list_destroy(p);
  }
};
struct rd_kafka_event_deleter {
  void operator()(rd_kafka_event_t* p) const noexcept {
    rd_kafka_event_destroy(p);
  }
};

using client_ptr = std::unique_ptr<rd_kafka_t, rd_kafka_deleter>;
using conf_ptr = std::unique_ptr<rd_kafka_conf_t, rd_kafka_conf_deleter>;
using queue_ptr = std::unique_ptr<rd_kafka_queue_t, rd_kafka_queue_deleter>;
using message_ptr = std::unique_ptr<rd_kafka_message_t, rd_kafka_message_deleter>;
using tpl_ptr = std::unique_ptr<rd_kafka_topic_partition_list_t, rd_kafka_tpl_deleter>;
using event_ptr = std::unique_ptr<rd_kafka_event_t, rd_kafka_event_deleter>;

/// Sets `props` on `conf` until one is rejected; returns "key '<prefix><key>': <reason>" for
/// it (the reason hides values of secret keys), or an empty string if all were taken.
std::string apply_properties(rd_kafka_conf_t* conf, const properties& props,
                             const std::string& prefix = {});

/// Builds a librdkafka configuration from validated properties; errors name the key. Its log
/// goes through kafka-actors (see set_librdkafka_log), never straight to stderr.

caf::expected<conf_ptr> make_conf(const properties& props);

/// Creates a client from `conf` (consumed on success).
caf::expected<client_ptr> make_client(rd_kafka_type_t type, conf_ptr conf);

/// Counts a handle destroyed outside rd_kafka_deleter (rd_kafka_destroy_flags).
void note_client_destroyed() noexcept;

/// rd_kafka_t instances created by kafka-actors and not yet destroyed (all kinds).
int64_t live_client_handles();

/// librdkafka's log, process-wide: quiet by default (lines of level error or worse are kept
/// for last_librdkafka_error), printed to stderr when `verbose` (e.g. the CLI's --debug).
void set_librdkafka_log(bool verbose);

/// The last librdkafka log line of level error or worse ("FAIL: ..."), or empty. Lets a final
/// error name the real cause (an authentication failure is not "unreachable").
std::string last_librdkafka_error();

/// Text of a librdkafka error code, e.g. "Broker: Message size too large (MSG_SIZE_TOO_LARGE)".
std::string rd_error_text(rd_kafka_resp_err_t err);

} // namespace kafka_actors
