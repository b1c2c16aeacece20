#include "kafka_actors/runtime/retry_policy.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <optional>

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

namespace {

// A whole decimal number as a hop wrote it with std::to_string; nothing for anything else
// (a header value may hold any bytes: std::atoi's overflow is undefined).
std::optional<int64_t> header_number(std::string_view v) {
  int64_t n = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc{} || end != v.data() + v.size())
    return std::nullopt;
  return n;
}

} // namespace

headers forward_headers(const headers& in, const std::string& topic, int32_t partition,
                        int64_t offset, const std::string& error, int attempts,
                        int64_t now_ms, std::chrono::milliseconds delay) {
  headers out;
  // Origin and first failure survive the whole chain; the rest is rewritten per hop.
  std::string origin_topic = topic;
  std::string origin_partition = std::to_string(partition);
  std::string origin_offset = std::to_string(offset);
  std::string first_failure = std::to_string(now_ms);
  int64_t previous_attempts = 0;
  for (auto& [k, v] : in) {
    if (k.rfind("ka.", 0) != 0) {
      out.emplace_back(k, v);
    } else if (k == retry_headers::origin_topic) {
      origin_topic = v;
    } else if (k == retry_headers::origin_partition) {
      origin_partition = v;
    } else if (k == retry_headers::origin_offset) {
      origin_offset = v;
    } else if (k == retry_headers::first_failure) {
      first_failure = v;
    } else if (k == retry_headers::attempts) {
      // A count that is unreadable, negative or beyond 64 bits starts over at 0.
      previous_attempts = std::max<int64_t>(header_number(v).value_or(0), 0);
    }
  }
  out.emplace_back(retry_headers::origin_topic, origin_topic);
  out.emplace_back(retry_headers::origin_partition, origin_partition);
  out.emplace_back(retry_headers::origin_offset, origin_offset);
  out.emplace_back(retry_headers::error, error);
  auto hop = static_cast<int64_t>(std::max(attempts, 0));
  auto total = previous_attempts > std::numeric_limits<int64_t>::max() - hop
                 ? std::numeric_limits<int64_t>::max()
                 : previous_attempts + hop;
  out.emplace_back(retry_headers::attempts, std::to_string(total));
  out.emplace_back(retry_headers::first_failure, first_failure);
  if (delay.count() > 0)
    out.emplace_back(retry_headers::due, std::to_string(now_ms + delay.count()));
  return out;
}

int64_t due_of_header(std::string_view value) {
  return header_number(value).value_or(0);
}

} // namespace kafka_actors
