#pragma once

// A least-recently-used map bounded by entries and by bytes. The byte count is what the
// caller says each value costs plus its key, so the bound holds for any value type. Pure
// logic: no CAF, no librdkafka; not thread-safe (one actor owns it).

#include <cstddef>
#include <cstdint>
#include <list>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace kafka_actors {

struct cache_limits {
  size_t max_entries = 100'000;
  size_t max_bytes = 64u << 20;
};

template <class Value>
class lru_cache {
public:
  /// Bookkeeping cost per entry beyond key and value (list node, map slot), so that a
  /// stream of tiny entries is bounded by bytes as well.
  static constexpr size_t entry_overhead = 64;

  explicit lru_cache(cache_limits limits) : limits_(limits) {
  }

  lru_cache(const lru_cache&) = delete;
  lru_cache& operator=(const lru_cache&) = delete;

  /// Inserts or replaces `key` and makes it the most recent. An entry that alone exceeds
  /// the byte bound is not stored (and an older value under its key is removed): returns
  /// false then. Evicts the least recent entries until both bounds hold.
  bool put(std::string_view key, Value value, size_t value_bytes) {
    erase(key);
    size_t cost = key.size() + value_bytes + entry_overhead;
    if (cost > limits_.max_bytes || limits_.max_entries == 0)
      return false;
    entries_.push_front(node{std::string{key}, std::move(value), cost});
    index_.emplace(entries_.front().key, entries_.begin());
    bytes_ += cost;
    while (index_.size() > limits_.max_entries || bytes_ > limits_.max_bytes) {
      drop(std::prev(entries_.end()));
      ++evictions_;
    }
    return true;
  }

  /// The value under `key`, made the most recent; null if absent.
  Value* get(std::string_view key) {
    auto i = index_.find(key);
    if (i == index_.end())
      return nullptr;
    entries_.splice(entries_.begin(), entries_, i->second);
    return &i->second->value;
  }

  /// The value under `key` without touching its recency; null if absent.
  const Value* peek(std::string_view key) const {
    auto i = index_.find(key);
    return i == index_.end() ? nullptr : &i->second->value;
  }

  bool erase(std::string_view key) {
    auto i = index_.find(key);
    if (i == index_.end())
      return false;
    drop(i->second);
    return true;
  }

  /// Removes least recent entries while `pred(key, value)` holds for the least recent one.
  template <class Pred>
  size_t evict_oldest_while(Pred&& pred) {
    size_t n = 0;
    while (!entries_.empty()) {
      auto last = std::prev(entries_.end());
      if (!pred(std::string_view{last->key}, last->value))
        break;
      drop(last);
      ++n;
    }
    return n;
  }

  /// Visits entries from the most to the least recent.
  template <class F>
  void for_each(F&& f) const {
    for (auto& n : entries_)
      f(std::string_view{n.key}, n.value);
  }

  size_t size() const noexcept {
    return index_.size();
  }
  size_t bytes() const noexcept {
    return bytes_;
  }
  /// Entries dropped to keep the bounds (not counting erase and evict_oldest_while).
  uint64_t evictions() const noexcept {
    return evictions_;
  }
  const cache_limits& limits() const noexcept {
    return limits_;
  }

private:
  struct node {
    std::string key;
    Value value;
    size_t cost;
  };
  using iterator = typename std::list<node>::iterator;

  void drop(iterator it) {
    bytes_ -= it->cost;
    index_.erase(std::string_view{it->key});
    entries_.erase(it);
  }

  cache_limits limits_;
  std::list<node> entries_; // most recent first
  // Keys are views into the list nodes, which never move.
  std::unordered_map<std::string_view, iterator> index_;
  size_t bytes_ = 0;
  uint64_t evictions_ = 0;
};

} // namespace kafka_actors
