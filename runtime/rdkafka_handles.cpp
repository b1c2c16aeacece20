#include "kafka_actors/runtime/rdkafka_handles.hpp"

#include "kafka_actors/runtime/errors.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdio>
#include <mutex>
#include <utility>

namespace kafka_actors {

namespace {

std::atomic<int64_t> live_handles{0};

std::atomic<bool> log_verbose{false};
std::mutex log_mx;
std::string last_error_line;
std::shared_ptr<const librdkafka_log_sink> log_sink;

// Called on librdkafka's threads.
void on_log(const rd_kafka_t* rk, int level, const char* fac, const char* buf) {
  std::shared_ptr<const librdkafka_log_sink> sink;
  {
    std::lock_guard<std::mutex> guard{log_mx};
    if (level <= 3)
      last_error_line = std::string{fac} + ": " + buf;
    sink = log_sink;
  }
  if (sink)
    (*sink)(level, std::string{fac} + ": " + buf);
  if (log_verbose.load(std::memory_order_relaxed))
    std::fprintf(stderr, "%%%d|%s|%s|%s\n", level, rk ? rd_kafka_name(rk) : "-", fac, buf);
}

// What an x509 error means to someone fixing the client's configuration, and the fix if
// there is an obvious one. OpenSSL's own strings would need libcrypto linked here; these are
// the errors a Kafka client meets.
std::pair<const char*, const char*> x509_meaning(int err) {
  const char* what = nullptr;
  const char* fix = nullptr;
  switch (err) {
    case 2:  // X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT
    case 19: // X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN
    case 20: // X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY
    case 21: // X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE
      what = "unknown CA";
      fix = "set ssl.ca.location to the CA that signed the broker's certificate";
      break;
    case 18: // X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT
      what = "self-signed certificate";
      fix = "set ssl.ca.location to the broker's certificate or its CA";
      break;
    case 62: // X509_V_ERR_HOSTNAME_MISMATCH
      what = "hostname mismatch";
      fix = "connect by a name the certificate lists (subjectAltName) in bootstrap.servers";
      break;
    case 64: // X509_V_ERR_IP_ADDRESS_MISMATCH
      what = "IP address mismatch";
      fix = "connect by an address or name the certificate lists (subjectAltName)";
      break;
    case 9: // X509_V_ERR_CERT_NOT_YET_VALID
      what = "certificate not yet valid";
      break;
    case 10: // X509_V_ERR_CERT_HAS_EXPIRED
      what = "certificate expired";
      break;
    case 23: // X509_V_ERR_CERT_REVOKED
      what = "certificate revoked";
      break;
    case 26: // X509_V_ERR_INVALID_PURPOSE
      what = "certificate not meant for a server";
      break;
    default:
      what = "certificate refused";
  }
  return {what, fix};
}

// "unknown CA (x509 error 20)"
std::string x509_verdict(int err) {
  return std::string{x509_meaning(err).first} + " (x509 error " + std::to_string(err) + ")";
}

bool is_tls_protocol(const properties& props) {
  auto i = props.find("security.protocol");
  if (i == props.end())
    return false;
  auto p = i->second;
  std::transform(p.begin(), p.end(), p.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return p == "ssl" || p == "sasl_ssl";
}

// Called on librdkafka's broker threads once per certificate of the chain, root first, and
// again at depth 0 for the host check. librdkafka takes the return value as the verdict:
// returning 0 exactly when OpenSSL found an error keeps OpenSSL's verdict (and its x509_error).
int verify_cb(rd_kafka_t*, const char* broker_name, int32_t, int* x509_error, int depth,
              const char*, size_t, char* errstr, size_t errstr_size, void* opaque) {
  try {
    auto ctx = static_cast<client_context*>(opaque);
    if (*x509_error == 0) {
      if (depth == 0 && ctx)
        ctx->note_tls_verdict(0, 0, broker_name);
      return 1;
    }
    std::snprintf(errstr, errstr_size, "%s", x509_verdict(*x509_error).c_str());
    if (ctx)
      ctx->note_tls_verdict(*x509_error, depth, broker_name);
  } catch (...) { // a C callback must not throw into librdkafka
  }
  return 0;
}

} // namespace

void client_context::note_tls_verdict(int x509_error, int depth, const char* broker) {
  std::string text;
  if (x509_error != 0) {
    text = "certificate of broker " + std::string{broker ? broker : "?"}
           + " refused: " + x509_verdict(x509_error) + " at chain depth "
           + std::to_string(depth);
    if (auto fix = x509_meaning(x509_error).second)
      text += "; " + std::string{fix};
  }
  std::lock_guard<std::mutex> guard{mx_};
  tls_failure_ = std::move(text);
}

std::string client_context::tls_failure() const {
  std::lock_guard<std::mutex> guard{mx_};
  return tls_failure_;
}

void client_context::note_statistics(const char* json, size_t len) {
  std::string text{json, len};
  std::lock_guard<std::mutex> guard{mx_};
  statistics_.swap(text);
}

std::string client_context::statistics() const {
  std::lock_guard<std::mutex> guard{mx_};
  return statistics_;
}

namespace {

// Returns 0: librdkafka frees the JSON once the callback returned.
int stats_cb(rd_kafka_t*, char* json, size_t len, void* opaque) {
  try {
    if (auto ctx = static_cast<client_context*>(opaque))
      ctx->note_statistics(json, len);
  } catch (...) { // a C callback must not throw into librdkafka
  }
  return 0;
}

} // namespace

void enable_statistics(rd_kafka_conf_t* conf) {
  rd_kafka_conf_set_stats_cb(conf, &stats_cb);
}

std::string client_error_text(const client_context* ctx, int err, const std::string& reason) {
  if (err != RD_KAFKA_RESP_ERR__SSL || !ctx)
    return reason;
  auto verdict = ctx->tls_failure();
  return verdict.empty() ? reason : reason + " [" + verdict + "]";
}

void rd_kafka_deleter::operator()(rd_kafka_t* p) const noexcept {
  rd_kafka_destroy(p);
  --live_handles;
}

void note_client_destroyed() noexcept {
  --live_handles;
}

int64_t live_client_handles() {
  return live_handles.load();
}

std::string apply_properties(rd_kafka_conf_t* conf, const properties& props,
                             const std::string& prefix) {
  char errstr[512];
  for (auto& [key, value] : props) {
    // librdkafka takes C strings: it would read only up to a NUL (and see "t" for "t\0x").
    if (key.find('\0') != std::string::npos || value.find('\0') != std::string::npos) {
      std::string shown = key;
      for (size_t i = shown.find('\0'); i != std::string::npos; i = shown.find('\0', i + 2))
        shown.replace(i, 1, "\\0");
      return "key '" + prefix + shown + "': "
             + (key.find('\0') != std::string::npos ? "the name" : "the value")
             + " holds a NUL byte";
    }
    if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), errstr, sizeof(errstr))
        != RD_KAFKA_CONF_OK)
      // librdkafka echoes rejected values in its error text; never for secrets.
      return "key '" + prefix + key + "': "
             + (is_secret_key(key) ? std::string{"invalid value (not shown: secret)"}
                                   : std::string{errstr});
  }
  return {};
}

caf::expected<conf_ptr> make_conf(const properties& props) {
  conf_ptr conf{rd_kafka_conf_new()};
  rd_kafka_conf_set_log_cb(conf.get(), &on_log);
  auto rejected = apply_properties(conf.get(), props);
  if (!rejected.empty())
    return make_error(errc::invalid_config, std::move(rejected));
  if (is_tls_protocol(props)
      && rd_kafka_conf_set_ssl_cert_verify_cb(conf.get(), &verify_cb) != RD_KAFKA_CONF_OK)
    return make_error(errc::invalid_config,
                      "security.protocol '" + props.at("security.protocol")
                        + "' needs a librdkafka built with SSL");
  return conf;
}

caf::expected<client_ptr> make_client(rd_kafka_type_t type, conf_ptr conf) {
  char errstr[512];
  auto rk = rd_kafka_new(type, conf.get(), errstr, sizeof(errstr));
  if (!rk)
    return make_error(errc::invalid_config, errstr);
  conf.release(); // now owned by rk
  ++live_handles;
  return client_ptr{rk};
}

void set_librdkafka_log(bool verbose) {
  log_verbose.store(verbose);
}

void set_librdkafka_log_sink(librdkafka_log_sink sink) {
  auto p = sink ? std::make_shared<const librdkafka_log_sink>(std::move(sink)) : nullptr;
  std::lock_guard<std::mutex> guard{log_mx};
  log_sink = std::move(p);
}

std::string last_librdkafka_error() {
  std::lock_guard<std::mutex> guard{log_mx};
  return last_error_line;
}

std::string rd_error_text(rd_kafka_resp_err_t err) {
  std::string out = rd_kafka_err2str(err);
  out += " (";
  out += rd_kafka_err2name(err);
  out += ")";
  return out;
}

} // namespace kafka_actors
