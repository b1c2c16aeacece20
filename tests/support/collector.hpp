#pragma once

// Collects what handlers saw, from any thread, and answers questions about it.

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>

#include "kafka_actors/actors/kafka_service.hpp"
#include "kafka_actors/runtime/errors.hpp"
#include "kafka_actors/runtime/record.hpp"

namespace kafka_actors::test {

class collector {
public:
  void add(const record& r) {
    std::lock_guard<std::mutex> guard{mx_};
    ++seen_[std::string{r.payload()}];
    ++total_;
    per_partition_[r.partition()].push_back(r.offset());
    cv_.notify_all();
  }

  record_handler handler() {
    return [this](const record& r) -> caf::error {
      add(r);
      return caf::none;
    };
  }

  /// Waits until `n` distinct payloads arrived (duplicates do not count towards it).
  bool wait_for(size_t n, std::chrono::milliseconds timeout = std::chrono::seconds{60}) {
    std::unique_lock<std::mutex> lock{mx_};
    return cv_.wait_for(lock, timeout, [&] { return seen_.size() >= n; });
  }

  size_t total() const {
    std::lock_guard<std::mutex> guard{mx_};
    return total_;
  }

  size_t distinct() const {
    std::lock_guard<std::mutex> guard{mx_};
    return seen_.size();
  }

  size_t duplicates() const {
    std::lock_guard<std::mutex> guard{mx_};
    size_t n = 0;
    for (auto& [k, c] : seen_)
      n += c - 1;
    return n;
  }

  /// How often `payload` arrived.
  size_t count(const std::string& payload) const {
    std::lock_guard<std::mutex> guard{mx_};
    auto i = seen_.find(payload);
    return i == seen_.end() ? 0 : i->second;
  }

  bool saw(const std::string& payload) const {
    std::lock_guard<std::mutex> guard{mx_};
    return seen_.count(payload) > 0;
  }

  /// Offsets seen per partition, in arrival order.
  std::map<int32_t, std::vector<int64_t>> offsets() const {
    std::lock_guard<std::mutex> guard{mx_};
    return per_partition_;
  }

private:
  mutable std::mutex mx_;
  std::condition_variable cv_;
  std::map<std::string, size_t> seen_;
  std::map<int32_t, std::vector<int64_t>> per_partition_;
  size_t total_ = 0;
};

/// Builds `n` records with payloads "<prefix>-<i>" and keys spread over 50 values.
inline message_batch numbered(const std::string& topic, const std::string& prefix, size_t from,
                              size_t n) {
  message_batch out;
  out.reserve(n);
  for (size_t i = from; i < from + n; ++i)
    out.push_back(message{topic, prefix + "-" + std::to_string(i), {{"i", std::to_string(i)}},
                          "k" + std::to_string(i % 50)});
  return out;
}

/// Sends `records` through `service` in batches of 500; returns the failures.
template <class Handle>
size_t send_all(caf::scoped_actor& self, const Handle& service, const message_batch& records,
                std::string* first_error = nullptr) {
  size_t failed = 0;
  for (size_t i = 0; i < records.size(); i += 500) {
    message_batch chunk(records.begin() + static_cast<ptrdiff_t>(i),
                        records.begin()
                          + static_cast<ptrdiff_t>(std::min(records.size(), i + 500)));
    auto n = chunk.size();
    self->request(service, std::chrono::seconds{120}, send_atom_v, std::move(chunk))
      .receive(
        [&](batch_report& rep) {
          for (auto& r : rep.results)
            if (!r.ok()) {
              if (failed++ == 0 && first_error)
                *first_error = r.error;
            }
        },
        [&](caf::error& err) {
          if (failed == 0 && first_error)
            *first_error = describe(err);
          failed += n;
        });
  }
  return failed;
}

} // namespace kafka_actors::test
