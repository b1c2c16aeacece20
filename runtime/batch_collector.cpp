#include "kafka_actors/runtime/batch_collector.hpp"

#include <algorithm>

namespace kafka_actors {

const char* to_string(batch_trigger t) noexcept {
  switch (t) {
    case batch_trigger::count:
      return "count";
    case batch_trigger::bytes:
      return "bytes";
    case batch_trigger::time:
      return "time";
    case batch_trigger::flush:
      return "flush";
  }
  return "?";
}

void batch_collector::add(const topic_partition& tp, item it, clock::time_point now,
                          std::vector<closed_batch>& out) {
  auto i = open_.find(tp);
  if (i != open_.end() && i->second.bytes + it.bytes > cfg_.max_bytes) {
    close(i, batch_trigger::bytes, out);
    i = open_.end();
  }
  if (i == open_.end()) {
    i = open_.emplace(tp, open_batch{}).first;
    i->second.deadline = now + cfg_.max_wait;
  }
  auto& b = i->second;
  b.items.push_back(it);
  b.bytes += it.bytes;
  ++open_records_;
  if (b.items.size() >= std::max<size_t>(cfg_.max_records, 1))
    close(i, batch_trigger::count, out);
  else if (b.bytes >= cfg_.max_bytes)
    close(i, batch_trigger::bytes, out);
}

void batch_collector::close_due(clock::time_point now, std::vector<closed_batch>& out) {
  for (auto i = open_.begin(); i != open_.end();) {
    auto next = std::next(i);
    if (i->second.deadline <= now)
      close(i, batch_trigger::time, out);
    i = next;
  }
}

std::optional<batch_collector::clock::time_point> batch_collector::next_deadline() const {
  std::optional<clock::time_point> first;
  for (auto& [tp, b] : open_)
    if (!first || b.deadline < *first)
      first = b.deadline;
  return first;
}

void batch_collector::flush(std::vector<closed_batch>& out) {
  while (!open_.empty())
    close(open_.begin(), batch_trigger::flush, out);
}

std::vector<batch_collector::item> batch_collector::discard(const topic_partition& tp) {
  auto i = open_.find(tp);
  if (i == open_.end())
    return {};
  auto items = std::move(i->second.items);
  open_records_ -= items.size();
  open_.erase(i);
  return items;
}

void batch_collector::close(std::map<topic_partition, open_batch>::iterator i,
                            batch_trigger why, std::vector<closed_batch>& out) {
  open_records_ -= i->second.items.size();
  out.push_back(closed_batch{i->first, std::move(i->second.items), i->second.bytes, why});
  open_.erase(i);
}

} // namespace kafka_actors
