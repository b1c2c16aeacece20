// kafka_config::apply_env: one environment entry (NAME=VALUE, or anything else a process may
// carry) per input line. A refusal must be an invalid_config error naming the environment,
// never one that shows a secret; an accepted config must keep fuzz::check_accepted.

#include <cctype>

#include "fuzz_support.hpp"

using namespace kafka_actors;

namespace {

// The librdkafka property a KAFKA_ACTORS_<SECTION>_<KEY> variable sets, or "".
std::string property_of(const std::string& entry) {
  static const std::string prefix = "KAFKA_ACTORS_";
  auto eq = entry.find('=');
  if (entry.rfind(prefix, 0) != 0 || eq == std::string::npos)
    return {};
  auto name = entry.substr(prefix.size(), eq - prefix.size());
  for (auto section : {"CLIENT_", "PRODUCER_", "CONSUMER_", "SECURITY_"}) {
    std::string s{section};
    if (name.rfind(s, 0) == 0) {
      auto key = name.substr(s.size());
      for (auto& c : key)
        c = c == '_' ? '.' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      return key;
    }
  }
  return {};
}

void check_refusal(const caf::error& err) {
  auto text = describe(err);
  FUZZ_CHECK(code_of(err) == errc::invalid_config, "refused with another code: " + text);
  FUZZ_CHECK(fuzz::contains(text, "<environment>"),
             "the error does not name the environment: " + text);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto env = fuzz::lines_of(fuzz::as_string(data, size));
  auto cfg = kafka_config::embedded();
  if (auto err = cfg.apply_env(env))
    check_refusal(err);
  else
    fuzz::check_accepted(cfg);
  // Again with every secret's value marked: no error may show the mark.
  if (fuzz::has_canary(fuzz::as_string(data, size)))
    return 0;
  bool marked = false;
  for (auto& entry : env) {
    if (fuzz::is_secret_property(property_of(entry))) {
      auto eq = entry.find('=');
      entry = entry.substr(0, eq + 1) + fuzz::canary + entry.substr(eq + 1);
      marked = true;
    }
  }
  if (marked) {
    auto again = kafka_config::embedded();
    if (auto err = again.apply_env(env))
      FUZZ_CHECK(!fuzz::contains(describe(err), fuzz::canary),
                 "a secret value shows in the error: " + describe(err));
  }
  return 0;
}
