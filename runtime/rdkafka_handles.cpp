#include "kafka_actors/runtime/rdkafka_handles.hpp"

#include "kafka_actors/runtime/errors.hpp"

#include <atomic>
#include <cstdio>
#include <mutex>

namespace kafka_actors {

namespace {

std::atomic<int64_t> live_handles{0};

std::atomic<bool> log_verbose{false};
std::mutex log_mx;
std::string last_error_line;

// Called on librdkafka's threads.
void on_log(const rd_kafka_t* rk, int level, const char* fac, const char* buf) {
  if (level <= 3) {
    std::lock_guard<std::mutex> guard{log_mx};
    last_error_line = std::string{fac} + ": " + buf;
  }
  if (log_verbose.load(std::memory_order_relaxed))
    std::fprintf(stderr, "%%%d|%s|%s|%s\n", level, rk ? rd_kafka_name(rk) : "-", fac, buf);
}

} // namespace

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
  for (auto& [key, value] : props)
    if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), errstr, sizeof(errstr))
        != RD_KAFKA_CONF_OK)
      // librdkafka echoes rejected values in its error text; never for secrets.
      return "key '" + prefix + key + "': "
             + (is_secret_key(key) ? std::string{"invalid value (not shown: secret)"}
                                   : std::string{errstr});
  return {};
}

caf::expected<conf_ptr> make_conf(const properties& props) {
  conf_ptr conf{rd_kafka_conf_new()};
  rd_kafka_conf_set_log_cb(conf.get(), &on_log);
  auto rejected = apply_properties(conf.get(), props);
  if (!rejected.empty())
    return make_error(errc::invalid_config, std::move(rejected));
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
