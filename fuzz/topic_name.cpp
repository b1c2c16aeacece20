// Topic names (-t of the CLI, subscriptions, records' topics): validate_topic_name against
// Kafka's own rule written out independently, and the retry chain's names: parse_topic_level
// must read back what retry_topic_name and dead_letter_topic_name write, and decide() must
// never name a topic Kafka would refuse for a source that leaves room for the suffix.

#include "fuzz_support.hpp"
#include "kafka_actors/runtime/retry_policy.hpp"
#include "kafka_actors/runtime/topic_config.hpp"

using namespace kafka_actors;

namespace {

// Kafka's Topic.validate: 1..249 of [a-zA-Z0-9._-], not "." or "..".
bool kafka_accepts(const std::string& name) {
  if (name.empty() || name.size() > 249 || name == "." || name == "..")
    return false;
  for (unsigned char c : name)
    if (!std::isalnum(c) && c != '.' && c != '_' && c != '-')
      return false;
  return true;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto name = fuzz::as_string(data, size);
  auto err = validate_topic_name(name);
  FUZZ_CHECK(!err == kafka_accepts(name), "validate_topic_name disagrees with Kafka");
  if (err)
    FUZZ_CHECK(code_of(err) == errc::invalid_topic, "refused with another code");
  auto lvl = parse_topic_level(name);
  FUZZ_CHECK(lvl.level >= -1 && lvl.level <= 999, "level out of range");
  if (lvl.level == -1)
    FUZZ_CHECK(dead_letter_topic_name(lvl.base) == name, "a dead-letter name misread");
  else if (lvl.level == 0)
    FUZZ_CHECK(lvl.base == name || name.rfind(lvl.base + ".retry.", 0) == 0,
               "a source name misread");
  else
    FUZZ_CHECK(name.rfind(lvl.base + ".retry.", 0) == 0, "a retry name misread");
  if (err)
    return 0;
  for (int n : {1, 2, 10, 999}) {
    auto r = parse_topic_level(retry_topic_name(name, n));
    FUZZ_CHECK(r.base == name && r.level == n, "a retry topic name does not read back");
  }
  auto d = parse_topic_level(dead_letter_topic_name(name));
  FUZZ_CHECK(d.base == name && d.level == -1, "a dead-letter topic name does not read back");
  if (name.size() + 12 > 249)
    return 0;
  retry_policy p;
  for (int attempts = 1; attempts <= 4; ++attempts)
    for (auto kind : {failure_kind::retriable, failure_kind::non_retriable}) {
      auto dec = decide(p, name, attempts, kind, 0.5);
      if (dec.what == retry_decision::action::forward && lvl.base.size() + 12 <= 249)
        FUZZ_CHECK(!validate_topic_name(dec.topic), "decide() names an invalid topic");
    }
  return 0;
}
