#pragma once

// RAII for librdkafka handles: the only place that calls rd_kafka_*_destroy.

#include <functional>
#include <memory>
#include <mutex>
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

/// What a handle's librdkafka callbacks share with kafka-actors beyond librdkafka's own
/// reports. The conf opaque of a handle built by make_conf is either null or one of these
/// (set it with set_client_context, read it back with context_of), so the certificate
/// verify callback make_conf installs can record its verdict per handle, without globals.
struct client_context {
  /// The verify callback's verdict on a refused broker certificate (called on librdkafka's
  /// broker threads); a certificate accepted later clears it.
  void note_tls_verdict(int x509_error, int depth, const char* broker);

  /// "certificate of broker B refused: unknown CA (x509 error 20) at chain depth 0; <fix>"
  /// after a refusal, else empty: librdkafka's own text is the same for every refusal.
  std::string tls_failure() const;

  /// Keeps the statistics JSON librdkafka just emitted (the stats callback enable_statistics
  /// installs calls it, on whichever thread serves the handle's queue).
  void note_statistics(const char* json, size_t len);

  /// The latest statistics JSON, or empty before the first (or without
  /// `statistics.interval.ms`).
  std::string statistics() const;

private:
  mutable std::mutex mx_;
  std::string tls_failure_;
  std::string statistics_;
};

/// Makes `ctx` the conf opaque librdkafka hands to every callback of the handle.
inline void set_client_context(rd_kafka_conf_t* conf, client_context* ctx) {
  rd_kafka_conf_set_opaque(conf, ctx);
}

/// The context set with set_client_context, as the type the caller stored (a conversion
/// through the base, so it holds whatever the layout of T).
template <class T>
T* context_of(void* opaque) {
  return static_cast<T*>(static_cast<client_context*>(opaque));
}

/// Installs a stats callback that keeps each statistics JSON in the handle's client_context
/// (set_client_context first). It only copies the text: parsing is for whoever reads it, off
/// the thread that polls the handle.
void enable_statistics(rd_kafka_conf_t* conf);

/// The text of a client-wide error (error callback, error event) as users see it: `reason`,
/// and for a refused TLS handshake the verify callback's verdict, which tells an unknown CA
/// from a hostname mismatch.
std::string client_error_text(const client_context* ctx, int err, const std::string& reason);

/// Sets `props` on `conf` until one is rejected; returns "key '<prefix><key>': <reason>" for
/// it (the reason hides values of secret keys), or an empty string if all were taken. A key
/// or value holding a NUL byte is rejected: librdkafka would read only the part before it.
std::string apply_properties(rd_kafka_conf_t* conf, const properties& props,
                             const std::string& prefix = {});

/// Builds a librdkafka configuration from validated properties; errors name the key. Its log
/// goes through kafka-actors (see set_librdkafka_log), never straight to stderr. With
/// security.protocol ssl or sasl_ssl it installs a certificate verify callback that keeps
/// librdkafka's verdict and records refusals in the handle's client_context (if any).
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

/// Receives every librdkafka log line kafka-actors routes (level, "FACILITY: text"), on
/// librdkafka's threads, besides the handling set_librdkafka_log chose. An empty function
/// removes it. For tests and applications that keep librdkafka's log themselves.
using librdkafka_log_sink = std::function<void(int level, const std::string& line)>;
void set_librdkafka_log_sink(librdkafka_log_sink sink);

/// The last librdkafka log line of level error or worse ("FAIL: ..."), or empty. Lets a final
/// error name the real cause (an authentication failure is not "unreachable").
std::string last_librdkafka_error();

/// Text of a librdkafka error code, e.g. "Broker: Message size too large (MSG_SIZE_TOO_LARGE)".
std::string rd_error_text(rd_kafka_resp_err_t err);

} // namespace kafka_actors
