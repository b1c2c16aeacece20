#pragma once

// The latest value per key of a topic, as a compacted topic would keep it: a record with a
// payload sets its key, a tombstone (no payload) removes it, an older offset of the same
// partition than the one held (a replay) changes nothing. Bounded like any cache: keys beyond
// the bounds are evicted least-recently-written first, and counted. Pure logic.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "kafka_actors/runtime/lru_cache.hpp"

namespace kafka_actors {

struct keyed_value {
  std::string value;
  int32_t partition = 0;
  int64_t offset = -1;
};

enum class view_change { inserted, updated, deleted, unchanged };

const char* to_string(view_change c) noexcept;

class last_value_view {
public:
  explicit last_value_view(cache_limits limits) : values_(limits) {
  }

  /// Applies one record; `value` is empty for a tombstone.
  view_change apply(std::string_view key, std::optional<std::string_view> value,
                    int32_t partition, int64_t offset);

  /// The latest value of `key`, if the view holds one.
  const keyed_value* get(std::string_view key) const {
    return values_.peek(key);
  }

  size_t size() const noexcept {
    return values_.size();
  }
  size_t bytes() const noexcept {
    return values_.bytes();
  }
  uint64_t evictions() const noexcept {
    return values_.evictions();
  }

  template <class F>
  void for_each(F&& f) const {
    values_.for_each(f);
  }

private:
  lru_cache<keyed_value> values_;
};

} // namespace kafka_actors
