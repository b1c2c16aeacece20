#include "kafka_actors/runtime/retry_policy.hpp"

#include <algorithm>
#include <cmath>

#include "kafka_actors/runtime/errors.hpp"

namespace kafka_actors {

std::chrono::milliseconds retry_policy::backoff(int attempt, double random01) const {
  auto exponent = std::max(0, attempt - 2);
  double base = static_cast<double>(initial_backoff.count()) * std::pow(multiplier, exponent);
  base = std::min(base, static_cast<double>(max_backoff.count()));
  double factor = 1.0 + jitter * (2.0 * random01 - 1.0);
  auto ms = static_cast<int64_t>(std::llround(base * factor));
  return std::chrono::milliseconds{std::clamp<int64_t>(ms, 0, max_backoff.count())};
}

failure_kind classify(const caf::error& err) {
  switch (code_of(err)) {
    case errc::non_retriable:
    case errc::invalid_topic:
    case errc::message_too_large:
      return failure_kind::non_retriable;
    default:
      return failure_kind::retriable;
  }
}

topic_level parse_topic_level(const std::string& topic) {
  static const std::string dlt = ".dlt";
  if (topic.size() > dlt.size()
      && topic.compare(topic.size() - dlt.size(), dlt.size(), dlt) == 0)
    return {topic.substr(0, topic.size() - dlt.size()), -1};
  auto pos = topic.rfind(".retry.");
  if (pos != std::string::npos) {
    auto digits = topic.substr(pos + 7);
    if (!digits.empty() && digits.size() < 4
        && std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return {topic.substr(0, pos), std::stoi(digits)};
  }
  return {topic, 0};
}

std::string retry_topic_name(const std::string& base, int level) {
  return base + ".retry." + std::to_string(level);
}

std::string dead_letter_topic_name(const std::string& base) {
  return base + ".dlt";
}

retry_decision decide(const retry_policy& policy, const std::string& source_topic,
                      int attempts, failure_kind kind, double random01) {
  retry_decision d;
  auto src = parse_topic_level(source_topic);
  if (src.level < 0) { // a record from the dead-letter topic failed again: keep it there
    d.what = retry_decision::action::drop;
    return d;
  }
  if (kind == failure_kind::retriable && attempts < policy.in_place_attempts) {
    d.what = retry_decision::action::retry_in_place;
    d.delay = policy.backoff(attempts + 1, random01);
    return d;
  }
  auto next = src.level + 1;
  if (kind == failure_kind::retriable
      && next <= static_cast<int>(policy.retry_topic_delays.size())) {
    d.what = retry_decision::action::forward;
    d.topic = retry_topic_name(src.base, next);
    d.level = next;
    d.delay = policy.retry_topic_delays[static_cast<size_t>(next - 1)];
    return d;
  }
  if (policy.dead_letter) {
    d.what = retry_decision::action::forward;
    d.topic = dead_letter_topic_name(src.base);
    d.level = -1;
    return d;
  }
  d.what = retry_decision::action::drop;
  return d;
}

} // namespace kafka_actors
