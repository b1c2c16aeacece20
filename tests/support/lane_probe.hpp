#pragma once

// Watches handler calls of lanes from any thread: how many run at once (over all, per key,
// per partition), whether each key's records came in sequence, and what arrived how often.
// Records carry "<key>#<seq>" payloads (lane_records makes them), seq counting per key from 0.

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <tuple>

#include "kafka_actors/runtime/message.hpp"
#include "kafka_actors/runtime/record.hpp"

namespace kafka_actors::test {

/// `per_key` records for each of `keys` keys "k<i>", interleaved (k0#0, k1#0, ..., k0#1, ...).
/// `keys` == 0 gives records without a key, "#<seq>".
inline message_batch lane_records(const std::string& topic, size_t keys, size_t per_key,
                                  size_t first_seq = 0) {
  message_batch out;
  size_t n = std::max<size_t>(keys, 1);
  for (size_t s = first_seq; s < first_seq + per_key; ++s)
    for (size_t k = 0; k < n; ++k) {
      auto key = keys == 0 ? std::string{} : "k" + std::to_string(k);
      out.push_back(message{topic, key + "#" + std::to_string(s), {}, key});
    }
  return out;
}

class lane_probe {
public:
  /// Marks a handler call of `r` running until it leaves scope.
  class call {
  public:
    call(lane_probe& p, const record& r) : p_(p), key_(r.key()), part_(r.partition()) {
      p_.enter(key_, part_);
    }
    ~call() {
      p_.leave(key_, part_);
    }

  private:
    lane_probe& p_;
    std::string key_;
    int32_t part_;
  };

  /// A record was handled (successfully): checks its key's sequence.
  /// `by` names who handled it (a member's number), for duplicates().
  void handled(const record& r, int by = 0) {
    std::string payload{r.payload()};
    auto hash = payload.rfind('#');
    auto key = payload.substr(0, hash);
    auto seq = std::stoull(payload.substr(hash + 1));
    std::lock_guard<std::mutex> guard{mx_};
    ++total_;
    auto first = handlers_.emplace(std::make_pair(r.partition(), r.offset()), by);
    if (!seen_.insert(payload).second) {
      ++duplicates_;
      auto& span = dup_spans_[{r.partition(), first.first->second, by}];
      if (span.count++ == 0)
        span.first = r.offset();
      span.first = std::min(span.first, r.offset());
      span.last = std::max(span.last, r.offset());
    } else {
      auto& top = highest_[key];
      // First time handled, yet a later record of its key came before: out of order.
      if (top.first && seq < top.second)
        ++reordered_;
      if (!top.first || seq > top.second)
        top = {true, seq};
    }
    cv_.notify_all();
  }

  /// Inside a handler call: waits until `n` calls ran at once (ever), at most `timeout`.
  /// Lanes that run in parallel meet here; a single lane never does, and times out.
  bool await_overlap(size_t n, std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock{mx_};
    return cv_.wait_for(lock, timeout, [&] { return max_active_ >= n; });
  }

  bool await_handled(size_t distinct, std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock{mx_};
    return cv_.wait_for(lock, timeout, [&] { return seen_.size() >= distinct; });
  }

  size_t max_active() const {
    std::lock_guard<std::mutex> guard{mx_};
    return max_active_;
  }
  /// Times a key (or a partition) was in two calls at once.
  size_t key_overlaps() const {
    std::lock_guard<std::mutex> guard{mx_};
    return key_overlaps_;
  }
  size_t partition_overlaps() const {
    std::lock_guard<std::mutex> guard{mx_};
    return part_overlaps_;
  }
  size_t distinct() const {
    std::lock_guard<std::mutex> guard{mx_};
    return seen_.size();
  }
  size_t duplicates() const {
    std::lock_guard<std::mutex> guard{mx_};
    return duplicates_;
  }
  size_t reordered() const {
    std::lock_guard<std::mutex> guard{mx_};
    return reordered_;
  }
  /// Where the duplicates are: per partition and pair of handlers (first, again), the span
  /// of offsets handled twice. "p3 m1->m4 offsets 1200..1450 (251)".
  std::string duplicate_spans() const {
    std::lock_guard<std::mutex> guard{mx_};
    std::string out;
    for (auto& [k, span] : dup_spans_)
      out += "\n  p" + std::to_string(std::get<0>(k)) + " m" + std::to_string(std::get<1>(k))
             + "->m" + std::to_string(std::get<2>(k)) + " offsets " + std::to_string(span.first)
             + ".." + std::to_string(span.last) + " (" + std::to_string(span.count) + ")";
    return out;
  }

  bool saw(const std::string& payload) const {
    std::lock_guard<std::mutex> guard{mx_};
    return seen_.count(payload) > 0;
  }

private:
  void enter(const std::string& key, int32_t part) {
    std::lock_guard<std::mutex> guard{mx_};
    ++active_;
    max_active_ = std::max(max_active_, active_);
    if (!key.empty() && ++by_key_[key] > 1)
      ++key_overlaps_;
    if (++by_part_[part] > 1)
      ++part_overlaps_;
    cv_.notify_all();
  }
  void leave(const std::string& key, int32_t part) {
    std::lock_guard<std::mutex> guard{mx_};
    --active_;
    if (!key.empty())
      --by_key_[key];
    --by_part_[part];
  }

  mutable std::mutex mx_;
  std::condition_variable cv_;
  size_t active_ = 0;
  size_t max_active_ = 0;
  size_t key_overlaps_ = 0;
  size_t part_overlaps_ = 0;
  std::map<std::string, size_t> by_key_;
  std::map<int32_t, size_t> by_part_;
  std::set<std::string> seen_;
  std::map<std::string, std::pair<bool, uint64_t>> highest_;
  struct span {
    int64_t first = 0;
    int64_t last = 0;
    size_t count = 0;
  };
  std::map<std::pair<int32_t, int64_t>, int> handlers_; // (partition, offset) -> first handler
  std::map<std::tuple<int32_t, int, int>, span> dup_spans_;
  size_t total_ = 0;
  size_t duplicates_ = 0;
  size_t reordered_ = 0;
};

} // namespace kafka_actors::test
