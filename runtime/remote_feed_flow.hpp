#pragma once

// The bookkeeping of a remote feed (actors/remote_feed): it stands between a local consumer
// and a handler that may live on another node, and keeps three promises there.
//
// - Credit: the handler's grant is the bound. The consumer is granted only what the handler
//   granted and nothing holds yet (batches waiting here, credit the consumer has not used),
//   so records out never exceed the handler's credit, across handler changes too.
// - Nothing is lost with a handler: batches sent to it and not acknowledged go back to the
//   front of the queue when it is lost, and the next handler gets them first (under new
//   wire ids: a late answer for the old id finds nothing). The consumer never hears of the
//   loss; its offsets stay where the acknowledged records left them.
// - Nothing is acknowledged twice or to the wrong consumer: a consumer that joins (a restart)
//   starts a generation; batches of an earlier one are dropped (their records come again from
//   the committed offsets), and answers for them are swallowed.
//
// Pure: no CAF, no librdkafka. `Batch` is whatever the actor ships (a shared record batch).

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <vector>

namespace kafka_actors {

template <class Batch>
class remote_feed_flow {
public:
  /// A batch to ship to the current handler now, under `wire_id`.
  struct send {
    uint64_t wire_id;
    int64_t records;
    Batch batch;
  };

  /// A consumer introduced itself (at its start and after each restart).
  void consumer_joined() {
    ++generation_;
    queue_.clear();
    queued_ = 0;
    consumer_credit_ = 0;
  }

  /// The consumer dispatched its batch `id` of `records` records.
  std::vector<send> on_batch(uint64_t id, int64_t records, Batch batch) {
    consumer_credit_ = consumer_credit_ > records ? consumer_credit_ - records : 0;
    queue_.push_back(entry{generation_, id, records, std::move(batch)});
    queued_ += records;
    return drain();
  }

  /// A handler took over: it starts without credit and gets the unacknowledged batches first.
  void handler_attached() {
    requeue();
    handler_ = true;
    handler_credit_ = 0;
    ++attaches_;
  }

  /// The handler is gone (its node died or it quit): what it did not acknowledge waits here.
  void handler_lost() {
    requeue();
    handler_ = false;
    handler_credit_ = 0;
    ++losses_;
  }

  /// The current handler granted `n` more records.
  std::vector<send> on_grant(int64_t n) {
    if (!handler_ || n <= 0)
      return {};
    handler_credit_ += n;
    return drain();
  }

  /// The current handler acknowledged `wire_id`: the consumer's batch id to acknowledge,
  /// unless the batch belongs to an earlier consumer or is unknown.
  std::optional<uint64_t> on_ack(uint64_t wire_id) {
    return settle(wire_id);
  }

  /// The handler failed `wire_id`: the consumer's batch id to fail (same rules as on_ack).
  /// The handler holds the batch no more, so the credit it took is the handler's again (a
  /// fail grants nothing back; without this, each fail would shrink the window for good).
  std::optional<uint64_t> on_fail(uint64_t wire_id) {
    auto i = in_flight_.find(wire_id);
    if (i != in_flight_.end())
      handler_credit_ += i->second.records;
    return settle(wire_id);
  }

  /// Credit to grant the consumer now (0: none).
  int64_t consumer_grant() {
    if (!handler_)
      return 0;
    auto g = handler_credit_ - queued_ - consumer_credit_;
    if (g <= 0)
      return 0;
    consumer_credit_ += g;
    return g;
  }

  bool has_handler() const noexcept {
    return handler_;
  }
  /// Records waiting here for a handler (or its credit).
  int64_t queued() const noexcept {
    return queued_;
  }
  /// Records at the handler, not acknowledged.
  int64_t in_flight() const noexcept {
    int64_t n = 0;
    for (auto& [w, e] : in_flight_)
      n += e.records;
    return n;
  }
  /// Credit granted to the consumer and not used yet.
  int64_t consumer_credit() const noexcept {
    return consumer_credit_;
  }
  int64_t handler_credit() const noexcept {
    return handler_credit_;
  }
  /// Batches shipped again to a later handler.
  uint64_t replayed() const noexcept {
    return replayed_;
  }
  uint64_t losses() const noexcept {
    return losses_;
  }
  uint64_t attaches() const noexcept {
    return attaches_;
  }

private:
  struct entry {
    uint64_t generation;
    uint64_t consumer_id;
    int64_t records;
    Batch batch;
    bool shipped_before = false;
  };

  std::optional<uint64_t> settle(uint64_t wire_id) {
    auto i = in_flight_.find(wire_id);
    if (i == in_flight_.end())
      return std::nullopt;
    auto e = std::move(i->second);
    in_flight_.erase(i);
    if (e.generation != generation_)
      return std::nullopt;
    return e.consumer_id;
  }

  // Unacknowledged batches of the current consumer go back ahead of the waiting ones, in the
  // order they were shipped; those of an earlier consumer are dropped.
  void requeue() {
    for (auto i = in_flight_.rbegin(); i != in_flight_.rend(); ++i) {
      if (i->second.generation != generation_)
        continue;
      i->second.shipped_before = true;
      queued_ += i->second.records;
      queue_.push_front(std::move(i->second));
    }
    in_flight_.clear();
  }

  // Ships what the handler's credit covers; the head goes even when it is larger than the
  // credit if the handler holds nothing (else a batch bigger than a new handler's grant would
  // wait forever).
  std::vector<send> drain() {
    std::vector<send> out;
    while (handler_ && !queue_.empty()) {
      auto& head = queue_.front();
      if (head.records > handler_credit_ && !(in_flight_.empty() && handler_credit_ > 0))
        break;
      auto wire = next_wire_++;
      handler_credit_ -= head.records;
      queued_ -= head.records;
      if (head.shipped_before)
        ++replayed_;
      out.push_back(send{wire, head.records, head.batch});
      in_flight_.emplace(wire, std::move(head));
      queue_.pop_front();
    }
    return out;
  }

  std::deque<entry> queue_;
  std::map<uint64_t, entry> in_flight_; // by wire id
  uint64_t generation_ = 0;
  uint64_t next_wire_ = 1;
  int64_t handler_credit_ = 0;
  int64_t consumer_credit_ = 0;
  int64_t queued_ = 0;
  bool handler_ = false;
  uint64_t replayed_ = 0;
  uint64_t losses_ = 0;
  uint64_t attaches_ = 0;
};

} // namespace kafka_actors
