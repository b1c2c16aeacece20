#include "kafka_actors/runtime/progress_watch.hpp"

#include <set>

namespace kafka_actors {

namespace {

std::chrono::milliseconds ms_between(progress_watch::clock::time_point a,
                                     progress_watch::clock::time_point b) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(b - a);
}

} // namespace

progress_watch::verdict progress_watch::observe(const std::vector<progress_sample>& round,
                                                clock::time_point now) {
  verdict out;
  std::set<partition_key> seen_partitions;
  std::set<uint64_t> seen_consumers;
  for (auto& c : round) {
    if (c.stopping)
      continue;
    seen_consumers.insert(c.subscription);
    if (c.assigned == 0) {
      auto since = unassigned_since_.emplace(c.subscription, now).first->second;
      if (now - since >= join_within_)
        out.stuck_joining.push_back({c.subscription, c.group, ms_between(since, now)});
    } else {
      unassigned_since_.erase(c.subscription);
    }
    for (auto& p : c.partitions) {
      if (p.waiting <= 0)
        continue; // idle: nothing to make progress on
      partition_key key{c.subscription, p.topic, p.partition};
      seen_partitions.insert(key);
      auto [i, fresh] = partitions_.emplace(key, watched{p.position, now});
      if (!fresh && i->second.position != p.position)
        i->second = watched{p.position, now};
      if (now - i->second.since >= stall_after_)
        out.stalled.push_back(
          {c.subscription, c.group, p.topic, p.partition, p.waiting, ms_between(i->second.since, now)});
    }
  }
  for (auto i = partitions_.begin(); i != partitions_.end();)
    i = seen_partitions.count(i->first) ? std::next(i) : partitions_.erase(i);
  for (auto i = unassigned_since_.begin(); i != unassigned_since_.end();)
    i = seen_consumers.count(i->first) ? std::next(i) : unassigned_since_.erase(i);
  return out;
}

std::string progress_watch::verdict::reason() const {
  std::string out;
  auto add = [&](const std::string& one) { out += (out.empty() ? "" : "; ") + one; };
  for (auto& s : stalled)
    add("subscription " + std::to_string(s.subscription) + " (group '" + s.group + "'): "
        + s.topic + "[" + std::to_string(s.partition) + "] stalled for "
        + std::to_string(s.stalled_for.count()) + " ms with " + std::to_string(s.waiting)
        + " records waiting");
  for (auto& s : stuck_joining)
    add("subscription " + std::to_string(s.subscription) + " (group '" + s.group
        + "'): stuck joining, no partition for " + std::to_string(s.unassigned_for.count())
        + " ms");
  return out;
}

} // namespace kafka_actors
