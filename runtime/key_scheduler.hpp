#pragma once

// Per-key FIFO order inside one lane, without CAF or librdkafka. Work arrives in order; the
// next runnable item is the oldest one whose key has nothing in progress and nothing waiting
// for a retry. A key whose head item failed and waits (`defer`) blocks only itself: every other
// key flows on, and once the wait is over (`resume`) the key continues in its own order.
//
//   push -> queued --next--> running --done--> (key's next item queued)
//                                    --defer--> waiting --resume--> queued (at its old place)
//
// Keys are 64-bit hashes (a collision only serialises two keys, it never reorders one).

#include <cstdint>
#include <deque>
#include <optional>
#include <set>
#include <unordered_map>
#include <utility>

namespace kafka_actors {

template <class T>
class key_scheduler {
public:
  using key_type = uint64_t;
  /// Arrival order of an item: what `next` sorts by.
  using ticket = uint64_t;

  struct item {
    key_type key;
    ticket seq;
    T value;
  };

  /// Queues `value` behind everything of `key`.
  void push(key_type key, T value) {
    auto& k = keys_[key];
    k.items.push_back(entry{next_ticket_++, std::move(value)});
    ++size_;
    if (k.items.size() == 1 && k.state == key_state::idle)
      ready_.emplace(k.items.front().seq, key);
  }

  /// The oldest item whose key is free, now running (its key blocked until done or defer);
  /// nullopt when every queued key is busy or waiting.
  std::optional<item> next() {
    if (ready_.empty())
      return std::nullopt;
    auto [seq, key] = *ready_.begin();
    ready_.erase(ready_.begin());
    auto& k = keys_.at(key);
    k.state = key_state::running;
    return item{key, seq, k.items.front().value};
  }

  /// The running item of `key` is finished: the key's next item becomes runnable.
  void done(key_type key) {
    auto i = keys_.find(key);
    if (i == keys_.end() || i->second.state == key_state::idle || i->second.items.empty())
      return;
    auto& k = i->second;
    k.items.pop_front();
    --size_;
    k.state = key_state::idle;
    if (k.items.empty())
      keys_.erase(i);
    else
      ready_.emplace(k.items.front().seq, key);
  }

  /// The running item of `key` must wait (a retry backoff): it stays at the head of its key,
  /// which stays blocked until `resume`. `value` replaces the item's (e.g. attempts so far).
  void defer(key_type key, T value) {
    auto i = keys_.find(key);
    if (i == keys_.end() || i->second.state != key_state::running)
      return;
    i->second.state = key_state::waiting;
    i->second.items.front().value = std::move(value);
    ++waiting_;
  }

  /// An item that already ran outside the scheduler (its key had nothing here) and must wait:
  /// it becomes the waiting head of `key`, as if pushed, run and deferred.
  void push_waiting(key_type key, T value) {
    auto& k = keys_[key];
    if (!k.items.empty()) { // not new after all: queue it like any other
      k.items.push_back(entry{next_ticket_++, std::move(value)});
      ++size_;
      return;
    }
    k.items.push_back(entry{next_ticket_++, std::move(value)});
    k.state = key_state::waiting;
    ++size_;
    ++waiting_;
  }

  /// True while `key` has anything queued, running or waiting here.
  bool contains(key_type key) const {
    return keys_.count(key) > 0;
  }

  /// The waiting head of `key` may run again; it keeps its place in arrival order.
  void resume(key_type key) {
    auto i = keys_.find(key);
    if (i == keys_.end() || i->second.state != key_state::waiting)
      return;
    i->second.state = key_state::idle;
    --waiting_;
    ready_.emplace(i->second.items.front().seq, key);
  }

  /// Items queued, running or waiting.
  size_t size() const noexcept {
    return size_;
  }
  bool empty() const noexcept {
    return size_ == 0;
  }
  /// Keys whose head waits for a retry.
  size_t waiting() const noexcept {
    return waiting_;
  }
  /// Items that `next` could hand out now (one per free key).
  size_t runnable() const noexcept {
    return ready_.size();
  }

  /// Removes every item for which `pred(value)` holds that is neither running nor waiting
  /// (e.g. records of a revoked partition), calling `removed(value)` for each.
  template <class Pred, class Removed>
  void drop_if(Pred pred, Removed removed) {
    for (auto i = keys_.begin(); i != keys_.end();) {
      auto& k = i->second;
      bool head_busy = k.state != key_state::idle;
      auto first = k.items.begin() + (head_busy ? 1 : 0);
      if (!head_busy && !k.items.empty())
        ready_.erase({k.items.front().seq, i->first});
      for (auto j = first; j != k.items.end();) {
        if (pred(j->value)) {
          removed(j->value);
          j = k.items.erase(j);
          --size_;
        } else {
          ++j;
        }
      }
      if (k.items.empty()) {
        i = keys_.erase(i);
        continue;
      }
      if (!head_busy)
        ready_.emplace(k.items.front().seq, i->first);
      ++i;
    }
  }

private:
  enum class key_state { idle, running, waiting };
  struct entry {
    ticket seq;
    T value;
  };
  struct key_queue {
    std::deque<entry> items;
    key_state state = key_state::idle;
  };

  std::unordered_map<key_type, key_queue> keys_;
  // Heads of idle keys, oldest first.
  std::set<std::pair<ticket, key_type>> ready_;
  ticket next_ticket_ = 0;
  size_t size_ = 0;
  size_t waiting_ = 0;
};

} // namespace kafka_actors
