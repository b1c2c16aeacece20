#pragma once

// Idempotent-consumer bookkeeping: has a message with this identity been seen within the
// window? Identities are an id header when the producer sets one, else key + a hash of the
// content. Memory is bounded by the cache limits; an identity evicted by the bounds before
// its window ended is forgotten early (counted), so a late duplicate of it passes. Pure
// logic: the caller passes the clock.

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "kafka_actors/runtime/lru_cache.hpp"

namespace kafka_actors {

struct dedup_config {
  /// How long an identity counts as seen.
  std::chrono::milliseconds window{std::chrono::minutes{10}};
  /// Header carrying a producer-assigned message id; when a record lacks it (or this is
  /// empty), the identity is key + a hash of the payload.
  std::string id_header = "ka.id";
  cache_limits limits{1'000'000, 128u << 20};
};

class dedup_window {
public:
  using clock = std::chrono::steady_clock;

  explicit dedup_window(dedup_config cfg);

  /// True if `identity` was remembered within the window before `now`: a duplicate, to be
  /// dropped (counted).
  bool seen(std::string_view identity, clock::time_point now);

  /// Remembers `identity` as handled at `now`, unless it is remembered already: the first
  /// handling counts, duplicates do not extend the window. Callers remember a record only
  /// once it was handled, so a record that failed is not mistaken for its own retry.
  void remember(std::string_view identity, clock::time_point now);

  /// The identity of a record: "i:" + its id header value if present, else
  /// "k:" + key + "#" + a 64-bit hash of the payload.
  static std::string identity(std::string_view id_header_value, std::string_view key,
                              std::string_view payload);

  const dedup_config& config() const noexcept {
    return cfg_;
  }
  size_t size() const noexcept {
    return seen_.size();
  }
  size_t bytes() const noexcept {
    return seen_.bytes();
  }
  uint64_t duplicates() const noexcept {
    return duplicates_;
  }
  /// Identities the bounds evicted while their window still ran.
  uint64_t forgotten_early() const noexcept {
    return seen_.evictions();
  }

private:
  void expire(clock::time_point now);

  dedup_config cfg_;
  lru_cache<clock::time_point> seen_; // value: first sighting; oldest sighting last
  uint64_t duplicates_ = 0;
};

/// One window shared by every lane a subscription runs, over its restarts: a record read
/// again after a restart (handled, not yet committed) is the duplicate that matters most.
class shared_dedup {
public:
  explicit shared_dedup(dedup_config cfg) : window_(std::move(cfg)) {
  }

  const std::string& id_header() const noexcept {
    return window_.config().id_header;
  }
  bool seen(std::string_view identity, dedup_window::clock::time_point now) {
    std::lock_guard<std::mutex> guard{mx_};
    return window_.seen(identity, now);
  }
  void remember(std::string_view identity, dedup_window::clock::time_point now) {
    std::lock_guard<std::mutex> guard{mx_};
    window_.remember(identity, now);
  }
  uint64_t duplicates() {
    std::lock_guard<std::mutex> guard{mx_};
    return window_.duplicates();
  }

private:
  std::mutex mx_;
  dedup_window window_;
};

} // namespace kafka_actors
