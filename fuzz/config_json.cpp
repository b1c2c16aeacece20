// kafka_config::from_json (what from_file reads): any text at all. A refusal must be an
// invalid_config error naming the source, never one that shows a secret; an accepted config
// must keep the promises of fuzz::check_accepted.

#include <boost/json.hpp>

#include "fuzz_support.hpp"

using namespace kafka_actors;

namespace {

const std::string source = "fuzz.json";

void check_refusal(const caf::error& err) {
  auto text = describe(err);
  FUZZ_CHECK(code_of(err) == errc::invalid_config, "refused with another code: " + text);
  FUZZ_CHECK(fuzz::contains(text, source), "the error does not name the file: " + text);
}

// The same config with every secret property's value marked: no error may show the mark.
void check_secrets_hidden(boost::json::value root) {
  if (!root.is_object())
    return;
  bool marked = false;
  for (auto section : {"client", "producer", "consumer", "security"}) {
    auto it = root.as_object().find(section);
    if (it == root.as_object().end() || !it->value().is_object())
      continue;
    for (auto& [k, v] : it->value().as_object()) {
      if (!fuzz::is_secret_property(std::string{k}))
        continue;
      std::string old = v.is_string() ? std::string{v.as_string()} : std::string{};
      v = fuzz::canary + old;
      marked = true;
    }
  }
  if (!marked)
    return;
  auto cfg = kafka_config::from_json(boost::json::serialize(root), source);
  if (!cfg)
    FUZZ_CHECK(!fuzz::contains(describe(cfg.error()), fuzz::canary),
               "a secret value shows in the error: " + describe(cfg.error()));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto text = fuzz::as_string(data, size);
  auto cfg = kafka_config::from_json(text, source);
  if (!cfg)
    check_refusal(cfg.error());
  else
    fuzz::check_accepted(*cfg);
  boost::json::error_code ec;
  auto root = boost::json::parse(text, ec);
  if (!ec && !fuzz::has_canary(text))
    check_secrets_hidden(std::move(root));
  return 0;
}
