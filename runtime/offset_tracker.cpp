#include "kafka_actors/runtime/offset_tracker.hpp"

namespace kafka_actors {

void offset_tracker::assign(const topic_partition& tp) {
  revoke(tp);
  partitions_.emplace(tp, partition_state{next_generation_++, {}});
}

void offset_tracker::revoke(const topic_partition& tp) {
  auto i = partitions_.find(tp);
  if (i == partitions_.end())
    return;
  for (auto& seg : i->second.segments)
    if (!seg.done)
      --pending_;
  partitions_.erase(i);
}

bool offset_tracker::is_assigned(const topic_partition& tp) const {
  return partitions_.count(tp) > 0;
}

void offset_tracker::dispatched(batch_id id, const topic_partition& tp,
                                int64_t last_offset) {
  auto i = partitions_.find(tp);
  if (i == partitions_.end())
    return;
  i->second.segments.push_back(segment{id, last_offset, false});
  batches_[id].push_back(batch_part{tp, i->second.generation});
  ++pending_;
}

void offset_tracker::acked(batch_id id, std::vector<commit_position>& out) {
  auto b = batches_.find(id);
  if (b == batches_.end())
    return;
  for (auto& part : b->second) {
    auto i = partitions_.find(part.tp);
    if (i == partitions_.end() || i->second.generation != part.generation)
      continue; // fenced: revoked (and maybe re-assigned) since dispatch
    auto& segs = i->second.segments;
    for (auto& seg : segs) {
      if (seg.id == id && !seg.done) {
        seg.done = true;
        --pending_;
        break;
      }
    }
    int64_t advanced_to = -1;
    while (!segs.empty() && segs.front().done) {
      advanced_to = segs.front().last_offset + 1;
      segs.pop_front();
    }
    if (advanced_to >= 0)
      out.push_back(commit_position{part.tp, advanced_to});
  }
  batches_.erase(b);
}

bool offset_tracker::live(batch_id id) const {
  auto b = batches_.find(id);
  if (b == batches_.end())
    return false;
  for (auto& part : b->second) {
    auto i = partitions_.find(part.tp);
    if (i != partitions_.end() && i->second.generation == part.generation)
      return true;
  }
  return false;
}

size_t offset_tracker::pending(const topic_partition& tp) const {
  auto i = partitions_.find(tp);
  if (i == partitions_.end())
    return 0;
  size_t n = 0;
  for (auto& seg : i->second.segments)
    n += seg.done ? 0 : 1;
  return n;
}

std::vector<topic_partition> offset_tracker::assigned() const {
  std::vector<topic_partition> out;
  out.reserve(partitions_.size());
  for (auto& kv : partitions_)
    out.push_back(kv.first);
  return out;
}

} // namespace kafka_actors
