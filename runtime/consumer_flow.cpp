#include "kafka_actors/runtime/consumer_flow.hpp"

#include <algorithm>
#include <limits>

namespace kafka_actors {

uint32_t consumer_flow::intern(const topic_partition& tp) {
  auto i = index_.find(tp);
  if (i != index_.end())
    return i->second;
  auto part = static_cast<uint32_t>(parts_.size());
  parts_.push_back(partition_state{});
  parts_.back().tp = tp;
  index_.emplace(tp, part);
  return part;
}

void consumer_flow::assign(const std::vector<topic_partition>& tps) {
  for (auto& tp : tps) {
    auto& p = parts_[intern(tp)];
    p.assigned = true;
    p.draining = false;
    p.revoked = std::make_shared<std::atomic<bool>>(false);
    p.end_offset = -1;
    p.applied = -1;
    p.over_share = false;
    tracker_.assign(tp);
    stored_.erase(tp);
  }
}

void consumer_flow::revoke(const std::vector<topic_partition>& tps,
                           std::vector<void*>& dropped) {
  std::vector<bool> gone(parts_.size(), false);
  for (auto& tp : tps) {
    auto i = index_.find(tp);
    if (i == index_.end())
      continue;
    auto& p = parts_[i->second];
    gone[i->second] = true;
    p.assigned = false;
    p.draining = false;
    if (p.revoked)
      p.revoked->store(true, std::memory_order_relaxed);
    p.applied = -1;
    p.over_share = false;
    drop_queued(p, dropped);
    tracker_.revoke(tp);
    stored_.erase(tp);
  }
  drop_held(gone, dropped);
}

void consumer_flow::drop_queued(partition_state& p, std::vector<void*>& dropped) {
  p.end_offset = -1;
  for (auto& d : p.delayed)
    dropped.push_back(d.second.msg);
  stats_.dropped_on_revoke += p.delayed.size() + p.held;
  p.delayed.clear();
  p.held = 0;
}

void consumer_flow::drop_held(const std::vector<bool>& gone, std::vector<void*>& dropped) {
  // Held records follow every dispatched one of their partition, so dropping them leaves
  // the acked prefix, and what is committed, as it is.
  auto out = std::remove_if(held_.begin(), held_.end(), [&](const flow_record& r) {
    if (r.part >= gone.size() || !gone[r.part])
      return false;
    held_bytes_ -= r.bytes;
    dropped.push_back(r.msg);
    return true;
  });
  held_.erase(out, held_.end());
}

bool consumer_flow::begin_revoke(const std::vector<topic_partition>& tps, time_point now,
                                 std::vector<void*>& dropped) {
  std::vector<bool> gone(parts_.size(), false);
  bool in_flight = false;
  for (auto& tp : tps) {
    auto i = index_.find(tp);
    if (i == index_.end() || !parts_[i->second].assigned)
      continue;
    auto& p = parts_[i->second];
    if (!p.draining) {
      p.draining = true;
      revoking_.push_back(tp);
    }
    gone[i->second] = true;
    drop_queued(p, dropped);
    in_flight = in_flight || tracker_.pending(tp) > 0;
  }
  drop_held(gone, dropped);
  if (revoking_.empty())
    return false;
  bool joined = revoke_deadline_ != time_point{};
  if (!joined)
    revoke_deadline_ = now + s_.revoke_drain;
  bool wait = s_.revoke_drain.count() > 0 && (in_flight || joined) && !revoke_due(now);
  if (wait && !joined)
    ++stats_.revoke_drains;
  return wait;
}

bool consumer_flow::revoke_due(time_point now) const {
  if (revoking_.empty())
    return false;
  if (now >= revoke_deadline_)
    return true;
  for (auto& tp : revoking_)
    if (tracker_.pending(tp) > 0)
      return false;
  return true;
}

std::vector<topic_partition> consumer_flow::take_revoke(time_point now) {
  bool in_flight = false;
  for (auto& tp : revoking_)
    in_flight = in_flight || tracker_.pending(tp) > 0;
  if (in_flight && now >= revoke_deadline_ && s_.revoke_drain.count() > 0)
    ++stats_.revoke_drain_timeouts;
  auto out = std::move(revoking_);
  revoking_.clear();
  revoke_deadline_ = time_point{};
  return out;
}

std::vector<topic_partition> consumer_flow::assigned_partitions() const {
  std::vector<topic_partition> out;
  for (auto& p : parts_)
    if (p.assigned)
      out.push_back(p.tp);
  return out;
}

bool consumer_flow::can_dispatch() const {
  if (credit_.exhausted())
    return false;
  if (in_flight_bytes_ == 0)
    return true;
  if (in_flight_bytes_ >= s_.max_in_flight_bytes)
    return false;
  // The next record must fit under the byte bound too.
  return held_.empty() || in_flight_bytes_ + held_.front().bytes <= s_.max_in_flight_bytes;
}

int64_t consumer_flow::records_wanted() const {
  if (phase_ != phase::running || paused_ || !can_dispatch())
    return 0;
  // What is held counts against both bounds: held records are the next to go.
  if ((in_flight_bytes_ > 0 || !held_.empty())
      && in_flight_bytes_ + held_bytes_ >= s_.max_in_flight_bytes)
    return 0;
  auto room = credit_.available() - static_cast<int64_t>(held_.size());
  return std::max<int64_t>(0, std::min(room, s_.batch_size));
}

consumer_flow::intake consumer_flow::take(const flow_record& r, int64_t due_wall_ms,
                                          int64_t now_wall_ms, std::vector<void*>& dropped) {
  auto& p = parts_[r.part];
  if (!p.assigned || p.draining || phase_ == phase::closing || phase_ == phase::closed) {
    // A record polled after its partition was revoked (a rebalance ran inside that poll, or
    // it is draining) belongs to the partition's new owner.
    dropped.push_back(r.msg);
    return intake::dropped;
  }
  if (p.end_offset >= 0 && r.offset >= p.end_offset)
    p.end_offset = -1;
  if (!p.delayed.empty() || due_wall_ms > now_wall_ms) {
    // Retry topics: a record not due yet holds its partition; later records of it queue
    // behind, other partitions flow on.
    p.delayed.emplace_back(due_wall_ms, r);
    ++stats_.delayed_total;
    return intake::delayed;
  }
  held_.push_back(r);
  held_bytes_ += r.bytes;
  ++p.held;
  return intake::held;
}

void consumer_flow::end_of_partition(uint32_t part, int64_t offset) {
  if (parts_[part].assigned)
    parts_[part].end_offset = offset;
}

std::optional<consumer_flow::batch> consumer_flow::next_batch() {
  if (phase_ != phase::running || held_.empty() || !can_dispatch())
    return std::nullopt;
  auto limit = std::min(credit_.available(), s_.batch_size);
  batch b;
  b.records.reserve(static_cast<size_t>(std::min<int64_t>(limit, held_.size())));
  while (!held_.empty() && static_cast<int64_t>(b.records.size()) < limit) {
    auto& r = held_.front();
    bool nothing_out = in_flight_bytes_ == 0 && b.records.empty();
    if (!nothing_out && in_flight_bytes_ + b.bytes + r.bytes > s_.max_in_flight_bytes)
      break; // the bound holds per record, not per batch
    b.bytes += r.bytes;
    b.records.push_back(r);
    --parts_[r.part].held;
    held_bytes_ -= r.bytes;
    held_.pop_front();
  }
  if (b.records.empty())
    return std::nullopt;
  b.id = next_batch_id_++;
  // Last offset and count per partition, in order of first appearance (a batch spans few
  // partitions).
  std::vector<std::pair<uint32_t, int64_t>> lasts;
  batch_account account{b.bytes, {}, {}, std::nullopt};
  for (auto& r : b.records) {
    auto i = std::find_if(lasts.begin(), lasts.end(),
                          [&](const auto& x) { return x.first == r.part; });
    if (i == lasts.end()) {
      lasts.emplace_back(r.part, r.offset);
      account.records.emplace_back(r.part, 1);
      account.first_timestamps.push_back(r.timestamp);
    } else {
      i->second = r.offset;
      ++account.records[static_cast<size_t>(i - lasts.begin())].second;
    }
  }
  for (auto& [part, last] : lasts) {
    tracker_.dispatched(b.id, parts_[part].tp, last);
    b.flags.emplace_back(part, parts_[part].revoked);
  }
  for (auto& [part, n] : account.records)
    parts_[part].in_flight += n;
  credit_.spend(static_cast<int64_t>(b.records.size()));
  in_flight_bytes_ += b.bytes;
  in_flight_records_ += static_cast<int64_t>(b.records.size());
  batches_[b.id] = std::move(account);
  stats_.dispatched += b.records.size();
  return b;
}

std::map<topic_partition, int64_t> consumer_flow::oldest_pending_timestamps() const {
  std::map<topic_partition, int64_t> out;
  auto note = [&](uint32_t part, int64_t ts) {
    if (ts < 0 || !parts_[part].assigned)
      return;
    auto [i, added] = out.emplace(parts_[part].tp, ts);
    if (!added && ts < i->second)
      i->second = ts;
  };
  for (auto& [id, b] : batches_)
    for (size_t i = 0; i < b.records.size() && i < b.first_timestamps.size(); ++i)
      note(b.records[i].first, b.first_timestamps[i]);
  // Held records are in offset order per partition: the first one of each is its oldest.
  std::vector<bool> seen(parts_.size(), false);
  for (auto& r : held_) {
    if (seen[r.part])
      continue;
    seen[r.part] = true;
    note(r.part, r.timestamp);
  }
  return out;
}

void consumer_flow::grant(int64_t n) {
  credit_.grant(n);
  // The window grew back (an ack's credit comes after the ack): shares are larger again.
  for (auto& p : parts_)
    if (p.over_share)
      update_share(p);
  if (phase_ == phase::running && can_dispatch()) {
    starved_ = false;
    if (paused_) {
      paused_ = false;
      ++stats_.resumes;
    }
  }
}

std::vector<commit_position> consumer_flow::ack(uint64_t id) {
  std::vector<commit_position> out;
  auto b = batches_.find(id);
  if (b != batches_.end()) {
    in_flight_bytes_ -= std::min(in_flight_bytes_, b->second.bytes);
    for (auto& [part, n] : b->second.records) {
      auto& p = parts_[part];
      p.in_flight = std::max<int64_t>(0, p.in_flight - n);
      in_flight_records_ = std::max<int64_t>(0, in_flight_records_ - n);
    }
    batches_.erase(b);
    for (auto& p : parts_)
      if (p.over_share)
        update_share(p);
  }
  auto before = tracker_.pending();
  tracker_.acked(id, out);
  if (tracker_.pending() == before)
    ++stats_.fenced_acks;
  ++stats_.acked;
  return out;
}

void consumer_flow::stored(const topic_partition& tp, int64_t next_offset) {
  auto i = index_.find(tp);
  if (i != index_.end() && parts_[i->second].assigned)
    stored_[tp] = next_offset;
}

void consumer_flow::tick(time_point now, int64_t now_wall_ms) {
  for (auto& p : parts_) {
    while (!p.delayed.empty() && p.delayed.front().first <= now_wall_ms) {
      held_.push_back(p.delayed.front().second);
      held_bytes_ += p.delayed.front().second.bytes;
      ++p.held;
      p.delayed.pop_front();
    }
  }
  if (phase_ != phase::running)
    return;
  enforce_shares(now);
  if (can_dispatch()) {
    starved_ = false;
    return;
  }
  if (!starved_) {
    starved_ = true;
    starved_since_ = now;
  } else if (!paused_ && now - starved_since_ >= s_.pause_grace) {
    // A pause drops prefetched data and a resume waits for the next fetch: only after the
    // grace period (DESIGN §2).
    paused_ = true;
    ++stats_.pauses;
  }
}

std::vector<consumer_flow::pause_change> consumer_flow::pause_changes() {
  std::vector<pause_change> out;
  if (phase_ == phase::closing || phase_ == phase::closed)
    return out;
  for (auto& p : parts_) {
    if (!p.assigned)
      continue;
    // A draining partition fetches nothing more: what arrives belongs to the next owner.
    int want = (paused_ || phase_ != phase::running || !p.delayed.empty() || p.draining
                || p.over_share)
                 ? 1
                 : 0;
    if (p.applied != want) {
      p.applied = want;
      out.push_back(pause_change{p.tp, want == 1});
    }
  }
  return out;
}

void consumer_flow::stop(time_point now) {
  if (phase_ != phase::running)
    return;
  phase_ = phase::draining;
  drain_deadline_ = now + s_.drain_timeout;
  stop_deadline_ = now + s_.stop_timeout;
  if (!paused_) {
    paused_ = true;
    ++stats_.pauses;
  }
}

bool consumer_flow::close_due(time_point now) const {
  return phase_ == phase::draining && (tracker_.pending() == 0 || now >= drain_deadline_);
}

std::vector<void*> consumer_flow::begin_close(time_point now) {
  std::vector<void*> out;
  if (phase_ == phase::closing || phase_ == phase::closed)
    return out;
  if (phase_ == phase::running)
    stop_deadline_ = now + s_.stop_timeout;
  phase_ = phase::closing;
  for (auto& r : held_)
    out.push_back(r.msg);
  held_.clear();
  held_bytes_ = 0;
  for (auto& p : parts_) {
    p.held = 0;
    for (auto& d : p.delayed)
      out.push_back(d.second.msg);
    p.delayed.clear();
  }
  return out;
}

void consumer_flow::closed() {
  phase_ = phase::closed;
}

bool consumer_flow::stop_deadline_passed(time_point now) const {
  return now >= stop_deadline_;
}

size_t consumer_flow::delayed() const noexcept {
  size_t n = 0;
  for (auto& p : parts_)
    n += p.delayed.size();
  return n;
}

int64_t consumer_flow::share() const {
  constexpr auto unbounded = std::numeric_limits<int64_t>::max();
  if (!s_.fair_share)
    return unbounded;
  int64_t sharing = 0;
  for (auto& p : parts_)
    if (p.assigned && !p.draining)
      ++sharing;
  if (sharing < 2)
    return unbounded;
  auto window = std::max<int64_t>(0, credit_.available()) + in_flight_records_;
  return std::max(s_.min_share, window / sharing);
}

void consumer_flow::update_share(partition_state& p) {
  if (!s_.fair_share)
    return;
  if (p.over_share && static_cast<int64_t>(p.held) + p.in_flight <= share() / 2)
    p.over_share = false;
}

void consumer_flow::enforce_shares(time_point now) {
  if (!s_.fair_share || phase_ != phase::running)
    return;
  // A batch is first seen here, at the tick after its dispatch: its age is good to a tick.
  std::vector<bool> slow(parts_.size(), false);
  for (auto& [id, b] : batches_) {
    if (!b.seen)
      b.seen = now;
    else if (now - *b.seen >= s_.pause_grace)
      for (auto& [part, n] : b.records)
        slow[part] = true;
  }
  // Only a full window keeps other partitions out, and only a slow handler keeps it full
  // for long: a fast one empties it in milliseconds, and a pause throws away librdkafka's
  // prefetch of the partition.
  if (credit_.available() > static_cast<int64_t>(held_.size()))
    return;
  auto limit = share();
  for (uint32_t i = 0; i < parts_.size(); ++i) {
    auto& p = parts_[i];
    if (slow[i] && p.assigned && !p.draining && !p.over_share
        && static_cast<int64_t>(p.held) + p.in_flight >= limit) {
      p.over_share = true;
      ++stats_.share_pauses;
    }
  }
}

std::vector<topic_partition> consumer_flow::at_end() const {
  std::vector<topic_partition> out;
  for (auto& p : parts_)
    if (p.assigned && !p.draining && p.end_offset >= 0 && p.held == 0 && p.delayed.empty()
        && tracker_.pending(p.tp) == 0)
      out.push_back(p.tp);
  return out;
}

} // namespace kafka_actors
