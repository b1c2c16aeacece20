#pragma once

// What the fuzz targets share: a check that turns a broken promise into a crash libFuzzer
// records, input splitting as the CLI does it, and the promises an accepted config keeps.

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include <librdkafka/rdkafka.h>

#include "kafka_actors/config/kafka_config.hpp"
#include "kafka_actors/runtime/breaker_state.hpp"
#include "kafka_actors/runtime/errors.hpp"
#include "kafka_actors/runtime/rdkafka_handles.hpp"

namespace fuzz {

// Aborts (a crash for libFuzzer, which saves the input) when `cond` is false.
#define FUZZ_CHECK(cond, what)                                                             \
  do {                                                                                     \
    if (!(cond)) {                                                                         \
      std::fprintf(stderr, "FUZZ_CHECK failed at %s:%d: %s\n  (%s)\n", __FILE__, __LINE__, \
                   std::string{what}.c_str(), #cond);                                      \
      std::abort();                                                                        \
    }                                                                                      \
  } while (false)

inline std::string as_string(const uint8_t* data, size_t size) {
  return std::string{reinterpret_cast<const char*>(data), size};
}

// The lines std::getline reads from `text`, as `kafka-actors produce` reads stdin.
inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in{text};
  std::string line;
  while (std::getline(in, line))
    out.push_back(line);
  return out;
}

inline bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// librdkafka 2.0.2's properties whose values are secrets (CONFIGURATION.md), written out
// here rather than taken from kafka_actors::is_secret_key, which they check.
inline const std::vector<std::string>& secret_properties() {
  static const std::vector<std::string> keys{
    "sasl.password",        "sasl.oauthbearer.client.secret", "sasl.oauthbearer.config",
    "ssl.key.password",     "ssl.keystore.password",          "ssl.key.pem"};
  return keys;
}

inline bool is_secret_property(const std::string& key) {
  auto& keys = secret_properties();
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

// Marks values of secret properties; no error text may ever contain it.
inline const std::string canary = "C4NARY-s3cr3t-";

// True if `text` holds the canary in any case (the fuzzer learns it from the comparisons):
// then an error may show it through a key or a non-secret value, and proves nothing.
inline bool has_canary(std::string text) {
  for (auto& c : text)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text.find("c4nary-s3cr3t-") != std::string::npos;
}

// The value librdkafka itself holds for `key` in `props`, or "" if it rejects them.
inline std::string librdkafka_value(const kafka_actors::properties& props,
                                    const std::string& key) {
  auto conf = kafka_actors::make_conf(props);
  if (!conf)
    return {};
  char buf[512];
  size_t len = sizeof(buf);
  if (rd_kafka_conf_get(conf->get(), key.c_str(), buf, &len) != RD_KAFKA_CONF_OK)
    return {};
  return buf;
}

// What the rest of kafka-actors relies on once a config was accepted (from a file or the
// environment): it validates again, librdkafka takes every client's properties, offsets are
// never stored automatically (at-least-once), every duration lies in 0..24 h (the bound the
// loader sets on flow.* durations: librdkafka takes timeouts as int milliseconds, and the
// actors add them to steady_clock time points), and the breaker it configures runs.
inline void check_accepted(const kafka_actors::kafka_config& cfg) {
  using namespace kafka_actors;
  auto again = cfg.validate();
  FUZZ_CHECK(!again, "an accepted config must validate again: " + describe(again));
  auto producer = make_conf(cfg.producer_config());
  FUZZ_CHECK(producer, "librdkafka refuses the producer properties of an accepted config");
  auto admin = make_conf(cfg.admin_config());
  FUZZ_CHECK(admin, "librdkafka refuses the admin properties of an accepted config");
  auto consumer = cfg.consumer_config("fuzz-group");
  FUZZ_CHECK(make_conf(consumer), "librdkafka refuses the consumer properties");
  FUZZ_CHECK(librdkafka_value(consumer, "enable.auto.offset.store") == "false",
             "an accepted config stores offsets automatically (at-most-once)");
  constexpr int64_t one_day_ms = 86'400'000;
  auto sane = [&](const char* what, std::chrono::milliseconds d) {
    FUZZ_CHECK(d.count() >= 0 && d.count() <= one_day_ms,
               std::string{what} + " of an accepted config is " + std::to_string(d.count())
                 + " ms, outside 0..24 h");
  };
  sane("connect.timeout.ms", cfg.connect_timeout);
  sane("flow.consumer.pause.grace.ms", cfg.flow.pause_grace);
  sane("flow.drain.timeout.ms", cfg.flow.drain_timeout);
  sane("flow.stop.timeout.ms", cfg.flow.stop_timeout);
  auto [msgs, bytes] = cfg.producer_window();
  FUZZ_CHECK(msgs >= 1 && bytes >= 1, "an empty producer window");
  if (cfg.producer_breaker) {
    sane("producer.breaker.open.ms", cfg.producer_breaker->open_for);
    // Drive it open and half-open, at times as far from now as a running service sees.
    breaker_state b{*cfg.producer_breaker};
    auto now = breaker_state::clock::now();
    for (size_t i = 0; i < std::min<size_t>(cfg.producer_breaker->consecutive_failures, 64);
         ++i)
      b.on_failure(now);
    b.trip(now);
    (void) b.reopens_at();
    (void) b.allow(now + std::chrono::hours{24 * 365});
    b.on_success(now + std::chrono::hours{24 * 365});
  }
}

} // namespace fuzz
