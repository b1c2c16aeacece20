#include "kafka_actors/runtime/dedup_window.hpp"

namespace kafka_actors {

namespace {

// FNV-1a: stable across runs and platforms (std::hash is neither promised to be).
uint64_t fnv1a(std::string_view s) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

} // namespace

dedup_window::dedup_window(dedup_config cfg) : cfg_(std::move(cfg)), seen_(cfg_.limits) {
}

void dedup_window::expire(clock::time_point now) {
  // Sightings enter in time order and are never refreshed, so the oldest is last.
  seen_.evict_oldest_while([&](std::string_view, const clock::time_point& first) {
    return now - first >= cfg_.window;
  });
}

bool dedup_window::seen(std::string_view identity, clock::time_point now) {
  expire(now);
  if (seen_.peek(identity) == nullptr)
    return false;
  ++duplicates_;
  return true;
}

void dedup_window::remember(std::string_view identity, clock::time_point now) {
  expire(now);
  if (seen_.peek(identity) == nullptr)
    seen_.put(identity, now, sizeof(clock::time_point));
}

std::string dedup_window::identity(std::string_view id_header_value, std::string_view key,
                                   std::string_view payload) {
  if (!id_header_value.empty()) {
    std::string out{"i:"};
    out += id_header_value;
    return out;
  }
  std::string out{"k:"};
  out += key;
  out += '#';
  out += std::to_string(fnv1a(payload));
  return out;
}

} // namespace kafka_actors
