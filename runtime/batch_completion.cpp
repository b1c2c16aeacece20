#include "kafka_actors/runtime/batch_completion.hpp"

#include <algorithm>

namespace kafka_actors {

void batch_completion::dispatched(uint64_t id, size_t records) {
  if (records == 0) {
    complete_.push_back(ack{id, 0});
    return;
  }
  batches_[id] = progress{records, 0, 0, 0};
}

void batch_completion::done(uint64_t id, size_t n) {
  auto i = batches_.find(id);
  if (i == batches_.end())
    return;
  auto& b = i->second;
  n = std::min(n, b.total - b.done);
  b.done += n;
  if (b.done < b.total) {
    b.owed += n;
    owed_ += static_cast<int64_t>(n);
    return;
  }
  owed_ -= static_cast<int64_t>(b.owed);
  complete_.push_back(ack{id, static_cast<int64_t>(b.total - b.credited)});
  batches_.erase(i);
}

std::vector<batch_completion::ack> batch_completion::take_acks() {
  auto out = std::move(complete_);
  complete_.clear();
  std::sort(out.begin(), out.end(), [](const ack& a, const ack& b) { return a.id < b.id; });
  return out;
}

int64_t batch_completion::take_all_credit() {
  if (owed_ == 0)
    return 0;
  for (auto& [id, b] : batches_) {
    b.credited += b.owed;
    b.owed = 0;
  }
  auto out = owed_;
  owed_ = 0;
  return out;
}

bool batch_completion::forget(uint64_t id) {
  auto i = batches_.find(id);
  if (i == batches_.end())
    return false;
  owed_ -= static_cast<int64_t>(i->second.owed);
  batches_.erase(i);
  return true;
}

} // namespace kafka_actors
