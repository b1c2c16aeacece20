#include "kafka_actors/runtime/lane_router.hpp"

#include <algorithm>

namespace kafka_actors {

namespace {

uint64_t mix(uint64_t a, uint64_t b) noexcept {
  // splitmix64 finaliser over the combination: spreads partition and key bits evenly.
  uint64_t x = a ^ (b + 0x9e3779b97f4a7c15ull + (a << 6) + (a >> 2));
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// Order keys of unordered null-key records: a range no key hash mix is likely to meet, and
// if one did, two records would merely run one after the other.
constexpr uint64_t null_tag = 0x6e756c6c6b657973ull; // "nullkeys"

} // namespace

std::string lane_options_problem(const lane_options& o) {
  if (o.key_lanes < 1 || o.key_lanes > 1024)
    return "lanes.key_lanes must be 1..1024, not " + std::to_string(o.key_lanes);
  if (o.max_lane_threads < 1 || o.max_lane_threads > 1024)
    return "lanes.max_lane_threads must be 1..1024, not " + std::to_string(o.max_lane_threads);
  return {};
}

uint64_t lane_router::hash_key(std::string_view key) noexcept {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : key) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

lane_router::lane_key lane_router::lane_of(uint32_t part, uint64_t key_hash, bool null_key) {
  uint32_t p = o_.per_partition ? part : any_partition;
  uint32_t sub = 0;
  if (keyed()) {
    if (null_key && o_.null_keys == null_key_policy::unordered)
      sub = null_rr_++; // each one a key of its own: placed wherever there is room
    else
      // Partitions mixed in: without per_partition, keys of all partitions share the lanes.
      sub = static_cast<uint32_t>(mix(key_hash, o_.per_partition ? 0 : part) >> 32);
  }
  return (static_cast<uint64_t>(p) << 32) | sub;
}

uint64_t lane_router::order_key(uint32_t part, uint64_t key_hash, bool null_key) {
  if (null_key && o_.null_keys == null_key_policy::unordered)
    return mix(null_tag, ++null_seq_);
  return mix(key_hash, part);
}

lane_router::route lane_router::place(lane_key k, size_t n) {
  auto i = keys_.find(k);
  if (i != keys_.end()) {
    i->second.unfinished += n;
    lanes_.at(i->second.lane).unfinished += n;
    return route{i->second.lane, false};
  }
  auto part = partition_of(k);
  bool spawn = lanes_.size() < o_.max_lane_threads
               && (!keyed() || part_lanes_[part] < o_.key_lanes);
  lane_id id = 0;
  if (spawn) {
    id = next_lane_++;
    lanes_.emplace(id, lane{part});
    if (keyed())
      ++part_lanes_[part];
  } else {
    id = least_loaded(keyed() ? part : any_partition);
  }
  auto& l = lanes_.at(id);
  ++l.keys;
  l.unfinished += n;
  keys_.emplace(k, placed{id, n});
  return route{id, spawn};
}

// The lane with the fewest keys, then the fewest unfinished records: among the lanes of
// `part` if it has any (`any_partition`: among all).
lane_router::lane_id lane_router::least_loaded(uint32_t part) const {
  auto better = [](const lane& a, const lane& b) {
    return a.keys < b.keys || (a.keys == b.keys && a.unfinished < b.unfinished);
  };
  const std::pair<const lane_id, lane>* best = nullptr;
  for (auto& l : lanes_)
    if (l.second.part == part && (!best || better(l.second, best->second)))
      best = &l;
  if (best)
    return best->first;
  for (auto& l : lanes_)
    if (!best || better(l.second, best->second))
      best = &l;
  return best->first;
}

void lane_router::add(lane_key k, size_t n) {
  auto i = keys_.find(k);
  if (i == keys_.end())
    return;
  i->second.unfinished += n;
  lanes_.at(i->second.lane).unfinished += n;
}

void lane_router::finished(lane_key k, size_t n) {
  auto i = keys_.find(k);
  if (i == keys_.end())
    return;
  n = std::min(n, i->second.unfinished);
  i->second.unfinished -= n;
  auto& l = lanes_.at(i->second.lane);
  l.unfinished -= std::min(n, l.unfinished);
  if (keyed() && i->second.unfinished == 0) {
    --l.keys;
    keys_.erase(i);
  }
}

std::vector<lane_router::lane_id>
lane_router::collect(const std::function<bool(uint32_t part)>& gone) {
  for (auto i = keys_.begin(); i != keys_.end();) {
    auto part = partition_of(i->first);
    if (i->second.unfinished == 0 && part != any_partition && gone(part)) {
      --lanes_.at(i->second.lane).keys;
      i = keys_.erase(i);
    } else {
      ++i;
    }
  }
  std::vector<lane_id> out;
  for (auto l = lanes_.begin(); l != lanes_.end();) {
    auto& ln = l->second;
    if (ln.keys == 0 && ln.unfinished == 0
        && (!keyed() || (ln.part != any_partition && gone(ln.part)))) {
      if (keyed()) {
        auto p = part_lanes_.find(ln.part);
        if (p != part_lanes_.end() && --p->second == 0)
          part_lanes_.erase(p);
      }
      out.push_back(l->first);
      l = lanes_.erase(l);
    } else {
      ++l;
    }
  }
  return out;
}

size_t lane_router::unfinished() const noexcept {
  size_t n = 0;
  for (auto& [id, l] : lanes_)
    n += l.unfinished;
  return n;
}

bool lane_router::lane_for(lane_key k, lane_id& out) const {
  auto i = keys_.find(k);
  if (i == keys_.end())
    return false;
  out = i->second.lane;
  return true;
}

} // namespace kafka_actors
