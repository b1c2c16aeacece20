#include "kafka_actors/actors/consumer.hpp"

#include <algorithm>
#include <chrono>
#include <unordered_map>

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>
#include <librdkafka/rdkafka.h>

#include "kafka_actors/actors/handler_lane.hpp"
#include "kafka_actors/config/topic_config.hpp"
#include "kafka_actors/runtime/credit.hpp"
#include "kafka_actors/runtime/errors.hpp"
#include "kafka_actors/runtime/offset_tracker.hpp"
#include "kafka_actors/runtime/queue_waker.hpp"
#include "kafka_actors/runtime/rdkafka_handles.hpp"

namespace kafka_actors {

namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

constexpr auto tick_interval = 50ms;
// Poll rounds per mailbox turn, so acks and control messages get a turn under load.
constexpr int max_rounds_per_turn = 8;

struct consumer_state;

// Owns the handle; also librdkafka's opaque, through which callbacks find the state.
struct consumer_box {
  client_ptr rk;
  consumer_state* state = nullptr;
};

std::string label(const topic_partition& tp) {
  return tp.topic + "[" + std::to_string(tp.partition) + "]";
}

topic_partition tp_of(const rd_kafka_message_t* m) {
  return topic_partition{rd_kafka_topic_name(m->rkt), m->partition};
}

enum class phase { running, draining, closing };

struct consumer_state {
  static inline const char* name = "kafka-consumer";

  std::shared_ptr<consumer_box> box;
  queue_ptr queue;
  std::unique_ptr<queue_waker> waker;
  subscription sub;
  flow_config flow;
  offset_tracker tracker;
  credit_account credit;
  // Bytes dispatched and not acknowledged, per batch and in all.
  std::unordered_map<uint64_t, size_t> batch_bytes;
  size_t in_flight_bytes = 0;

  // Credit in records from the handler, bounded further by the byte window.
  bool can_dispatch() const {
    return !credit.exhausted()
           && (in_flight_bytes == 0 || in_flight_bytes < flow.consumer_max_in_flight_bytes);
  }
  handler_actor handler;
  bool own_handler = false;
  std::shared_ptr<lane_counters> lane;
  // Partitions held until their first record's `ka.due` time (retry topics), with the
  // records that arrived since.
  struct delay {
    int64_t due_ms;
    std::vector<rd_kafka_message_t*> records;
  };
  std::map<topic_partition, delay> delays;
  // Records taken from librdkafka but not dispatched yet (no credit, paused, or revoked
  // in the middle of a poll round). Offsets of these are never stored.
  std::vector<rd_kafka_message_t*> held;
  std::map<topic_partition, int64_t> stored;
  std::set<topic_partition> at_end;
  uint64_t next_batch_id = 1;
  bool paused = false;
  bool tick_armed = false;
  clock_type::time_point starved_since{};
  bool starved = false;
  phase ph = phase::running;
  clock_type::time_point drain_deadline{};
  caf::error exit_reason;
  // Taken when closing starts: closing revokes everything, which empties what status shows.
  consumer_status final_status;
  std::vector<caf::typed_response_promise<consumer_status>> stop_promises;
  consumer_status stats;

  ~consumer_state() {
    for (auto m : held)
      rd_kafka_message_destroy(m);
    for (auto& [tp, d] : delays)
      for (auto m : d.records)
        rd_kafka_message_destroy(m);
    if (waker && queue)
      waker->disable(queue.get());
    queue.reset();
  }

  rd_kafka_t* rk() const {
    return box->rk.get();
  }

  consumer_status status() const {
    auto s = stats;
    for (auto& tp : tracker.assigned())
      s.assigned.push_back(label(tp));
    for (auto& [tp, off] : stored)
      s.stored[label(tp)] = off;
    for (auto& tp : at_end)
      s.at_end.push_back(label(tp));
    s.paused = paused;
    s.stopping = ph != phase::running;
    s.credit = credit.available();
    s.in_flight_batches = tracker.pending();
    s.in_flight_bytes = in_flight_bytes;
    s.held = held.size();
    if (lane) {
      s.handled = lane->handled;
      s.retried_in_place = lane->retried_in_place;
      s.forwarded_to_retry = lane->forwarded_to_retry;
      s.dead_lettered = lane->dead_lettered;
      s.breaker_opened = lane->breaker_opened;
      if (sub.breaker)
        s.breaker = to_string(static_cast<breaker_phase>(lane->breaker.load()));
    }
    return s;
  }

  void drop_held_of(const std::vector<topic_partition>& tps) {
    auto gone = [&](rd_kafka_message_t* m) {
      auto tp = tp_of(m);
      if (std::find(tps.begin(), tps.end(), tp) == tps.end())
        return false;
      rd_kafka_message_destroy(m);
      return true;
    };
    held.erase(std::remove_if(held.begin(), held.end(), gone), held.end());
  }

  void set_paused(bool on) {
    rd_kafka_topic_partition_list_t* parts = nullptr;
    if (rd_kafka_assignment(rk(), &parts) != RD_KAFKA_RESP_ERR_NO_ERROR || !parts)
      return;
    tpl_ptr guard{parts};
    if (on) {
      rd_kafka_pause_partitions(rk(), parts);
      return;
    }
    rd_kafka_resume_partitions(rk(), parts);
    for (auto& [tp, d] : delays)
      pause_one(tp, true);
  }

  void pause_one(const topic_partition& tp, bool on) {
    tpl_ptr one{rd_kafka_topic_partition_list_new(1)};
    rd_kafka_topic_partition_list_add(one.get(), tp.topic.c_str(), tp.partition);
    if (on)
      rd_kafka_pause_partitions(rk(), one.get());
    else
      rd_kafka_resume_partitions(rk(), one.get());
  }

  // `ka.due` headers hold wall-clock milliseconds.
  static int64_t wall_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
  }

  static int64_t due_of(rd_kafka_message_t* m) {
    rd_kafka_headers_t* hdrs = nullptr;
    if (rd_kafka_message_headers(m, &hdrs) != RD_KAFKA_RESP_ERR_NO_ERROR || !hdrs)
      return 0;
    const void* value = nullptr;
    size_t size = 0;
    if (rd_kafka_header_get_last(hdrs, retry_headers::due, &value, &size)
          != RD_KAFKA_RESP_ERR_NO_ERROR
        || !value)
      return 0;
    return std::atoll(std::string{static_cast<const char*>(value), size}.c_str());
  }

  // Retry topics: a record not yet due holds its partition (paused) until it is; records of
  // other partitions flow on. Returns true if `m` was taken.
  bool delay_if_not_due(rd_kafka_message_t* m) {
    if (!sub.honor_due_header)
      return false;
    auto tp = tp_of(m);
    auto i = delays.find(tp);
    if (i != delays.end()) {
      i->second.records.push_back(m);
      ++stats.delayed;
      return true;
    }
    auto due = due_of(m);
    auto now = wall_ms();
    if (due <= now)
      return false;
    delays.emplace(tp, delay{due, {m}});
    ++stats.delayed;
    pause_one(tp, true);
    return true;
  }

  // Moves records of partitions whose time has come back in line.
  void release_due() {
    auto now = wall_ms();
    for (auto i = delays.begin(); i != delays.end();) {
      if (i->second.due_ms > now) {
        ++i;
        continue;
      }
      // Records behind the first may be due later: they keep the partition held.
      auto records = std::move(i->second.records);
      auto tp = i->first;
      i = delays.erase(i);
      size_t k = 0;
      for (; k < records.size(); ++k) {
        if (due_of(records[k]) > now)
          break;
        held.push_back(records[k]);
      }
      if (k < records.size()) {
        delays.emplace(tp, delay{due_of(records[k]),
                                 {records.begin() + static_cast<ptrdiff_t>(k), records.end()}});
      } else if (!paused) {
        pause_one(tp, false);
      }
    }
  }

  // Commits what is done for `tps` without waiting: called on revoke and on close.
  void commit_async(const std::vector<topic_partition>& tps) {
    tpl_ptr list{rd_kafka_topic_partition_list_new(static_cast<int>(tps.size()))};
    for (auto& tp : tps) {
      auto i = stored.find(tp);
      if (i != stored.end())
        rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition)
          ->offset = i->second;
    }
    if (list->cnt > 0)
      rd_kafka_commit(rk(), list.get(), 1);
  }

  void on_rebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts) {
    ++stats.rebalances;
    bool cooperative = std::string{rd_kafka_rebalance_protocol(rk())} == "COOPERATIVE";
    std::vector<topic_partition> tps;
    for (int i = 0; i < parts->cnt; ++i)
      tps.push_back(topic_partition{parts->elems[i].topic, parts->elems[i].partition});
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
      rd_kafka_error_t* error = nullptr;
      if (cooperative)
        error = rd_kafka_incremental_assign(rk(), parts);
      else
        rd_kafka_assign(rk(), parts);
      if (error) {
        stats.last_error = rd_kafka_error_string(error);
        rd_kafka_error_destroy(error);
      }
      for (auto& tp : tps) {
        tracker.assign(tp);
        stored.erase(tp);
        at_end.erase(tp);
      }
      // A pause can outlive a reassignment in librdkafka 2.0.2 (and cannot be queried):
      // our own state is the truth, applied to every partition we get.
      if (paused)
        rd_kafka_pause_partitions(rk(), parts);
      else
        rd_kafka_resume_partitions(rk(), parts);
      return;
    }
    // Revoked or lost: commit what is done unless lost, then forget the partitions so late
    // acks for them store nothing.
    bool lost = err != RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS || rd_kafka_assignment_lost(rk());
    if (!lost)
      commit_async(tps);
    for (auto& tp : tps) {
      tracker.revoke(tp);
      stored.erase(tp);
      at_end.erase(tp);
    }
    drop_held_of(tps);
    for (auto& tp : tps) {
      auto i = delays.find(tp);
      if (i != delays.end()) {
        for (auto m : i->second.records)
          rd_kafka_message_destroy(m);
        delays.erase(i);
      }
    }
    if (cooperative) {
      if (auto error = rd_kafka_incremental_unassign(rk(), parts))
        rd_kafka_error_destroy(error);
    } else {
      rd_kafka_assign(rk(), nullptr);
    }
  }

  static void rebalance_cb(rd_kafka_t*, rd_kafka_resp_err_t err,
                           rd_kafka_topic_partition_list_t* parts, void* opaque) {
    static_cast<consumer_box*>(opaque)->state->on_rebalance(err, parts);
  }

  static void error_cb(rd_kafka_t*, int err, const char* reason, void* opaque) {
    auto st = static_cast<consumer_box*>(opaque)->state;
    if (st)
      st->stats.last_error = std::string{rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(err))}
                             + ": " + reason;
  }

  // Handles a message that carries an event instead of a record.
  void on_event(rd_kafka_message_t* m) {
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      at_end.insert(tp_of(m));
      return;
    }
    stats.last_error = std::string{rd_kafka_err2name(m->err)} + ": "
                       + rd_kafka_message_errstr(m);
  }

  // Stores the positions whose contiguous prefix advanced.
  void store(const std::vector<commit_position>& positions) {
    if (positions.empty())
      return;
    tpl_ptr list{rd_kafka_topic_partition_list_new(static_cast<int>(positions.size()))};
    for (auto& p : positions)
      rd_kafka_topic_partition_list_add(list.get(), p.tp.topic.c_str(), p.tp.partition)
        ->offset = p.next_offset;
    rd_kafka_offsets_store(rk(), list.get());
    for (int i = 0; i < list->cnt; ++i) {
      auto& e = list->elems[i];
      topic_partition tp{e.topic, e.partition};
      if (e.err == RD_KAFKA_RESP_ERR__STATE) {
        // Not assigned any more: the partition was lost, never commit for it.
        tracker.revoke(tp);
        stored.erase(tp);
        continue;
      }
      stored[tp] = e.offset;
    }
  }
};

using consumer_pointer = consumer_actor::stateful_pointer<consumer_state>;

void arm_tick(consumer_pointer self) {
  if (!self->state.tick_armed) {
    self->state.tick_armed = true;
    self->delayed_send(self, tick_interval, tick_atom_v);
  }
}

void dispatch(consumer_pointer self, std::vector<rd_kafka_message_t*>& batch) {
  auto& st = self->state;
  auto id = st.next_batch_id++;
  // Last offset per partition; a batch spans few partitions, so a linear scan is cheapest.
  struct last_of {
    rd_kafka_topic_t* rkt;
    int32_t partition;
    int64_t offset;
  };
  std::vector<last_of> lasts;
  for (auto m : batch) {
    auto i = std::find_if(lasts.begin(), lasts.end(), [&](const last_of& x) {
      return x.rkt == m->rkt && x.partition == m->partition;
    });
    if (i == lasts.end())
      lasts.push_back(last_of{m->rkt, m->partition, m->offset});
    else
      i->offset = m->offset;
  }
  for (auto& l : lasts) {
    topic_partition tp{rd_kafka_topic_name(l.rkt), l.partition};
    st.tracker.dispatched(id, tp, l.offset);
    st.at_end.erase(tp);
  }
  st.credit.spend(static_cast<int64_t>(batch.size()));
  st.stats.dispatched += batch.size();
  size_t bytes = 0;
  for (auto m : batch)
    bytes += m->len + m->key_len;
  st.batch_bytes[id] = bytes;
  st.in_flight_bytes += bytes;
  auto ptr = std::make_shared<const record_batch>(id, std::move(batch));
  batch = {};
  self->send(st.handler, std::move(ptr), caf::actor_cast<consumer_actor>(self));
}

void finish_close(consumer_pointer self) {
  auto& st = self->state;
  for (auto& p : st.stop_promises)
    p.deliver(st.final_status);
  st.stop_promises.clear();
  if (st.own_handler) {
    if (st.lane)
      st.lane->cancelled = true;
    self->send_exit(st.handler, caf::exit_reason::user_shutdown);
  }
  st.handler = nullptr;
  self->quit(st.exit_reason);
}

void begin_close(consumer_pointer self, caf::error reason) {
  auto& st = self->state;
  if (st.ph == phase::closing)
    return;
  st.ph = phase::closing;
  st.exit_reason = std::move(reason);
  st.final_status = st.status();
  st.commit_async(st.tracker.assigned());
  if (auto err = rd_kafka_consumer_close_queue(st.rk(), st.queue.get())) {
    st.stats.last_error = rd_kafka_error_string(err);
    rd_kafka_error_destroy(err);
    finish_close(self);
    return;
  }
  arm_tick(self);
  self->send(self, poll_atom_v);
}

// Drains librdkafka up to the credit, in batches. Rebalance callbacks run inside the polls.
void serve(consumer_pointer self) {
  auto& st = self->state;
  st.waker->clear();
  if (st.ph == phase::closing) {
    while (auto m = rd_kafka_consumer_poll(st.rk(), 0))
      rd_kafka_message_destroy(m); // never dispatched, never stored: read again later
    if (rd_kafka_consumer_closed(st.rk()))
      finish_close(self);
    return;
  }
  if (st.ph == phase::draining || st.paused) {
    // Keep the group membership alive; hold what arrives (a pause may race with a fetch).
    while (auto m = rd_kafka_consumer_poll(st.rk(), 0)) {
      if (m->err) {
        st.on_event(m);
        rd_kafka_message_destroy(m);
      } else if (!st.delay_if_not_due(m)) {
        st.held.push_back(m);
      }
    }
    return;
  }
  auto batch_size = static_cast<int64_t>(st.flow.consumer_batch_size);
  for (int round = 0; round < max_rounds_per_turn; ++round) {
    if (!st.can_dispatch())
      break;
    auto want = std::min(st.credit.available(), batch_size);
    std::vector<rd_kafka_message_t*> batch;
    batch.reserve(static_cast<size_t>(want));
    size_t from_held = std::min(st.held.size(), static_cast<size_t>(want));
    batch.insert(batch.end(), st.held.begin(), st.held.begin() + from_held);
    st.held.erase(st.held.begin(), st.held.begin() + from_held);
    bool empty = false;
    while (static_cast<int64_t>(batch.size()) < want) {
      auto before = st.stats.rebalances;
      auto m = rd_kafka_consumer_poll(st.rk(), 0);
      if (st.stats.rebalances != before) {
        // Partitions may have been revoked while this batch was being built.
        st.held.insert(st.held.begin(), batch.begin(), batch.end());
        batch.clear();
        if (m)
          st.held.push_back(m);
        std::vector<topic_partition> revoked;
        for (auto x : st.held)
          if (!x->err && !st.tracker.is_assigned(tp_of(x)))
            revoked.push_back(tp_of(x));
        st.drop_held_of(revoked);
        size_t n = std::min(st.held.size(), static_cast<size_t>(want));
        batch.insert(batch.end(), st.held.begin(), st.held.begin() + n);
        st.held.erase(st.held.begin(), st.held.begin() + n);
        continue;
      }
      if (!m) {
        empty = true;
        break;
      }
      if (m->err) {
        st.on_event(m);
        rd_kafka_message_destroy(m);
        continue;
      }
      if (st.delay_if_not_due(m)) {
        arm_tick(self);
        continue;
      }
      batch.push_back(m);
    }
    if (!batch.empty())
      dispatch(self, batch);
    if (empty)
      return;
  }
  if (!st.can_dispatch()) {
    // Starved: stop taking records; pause after the grace period (see tick).
    if (!st.starved) {
      st.starved = true;
      st.starved_since = clock_type::now();
    }
    arm_tick(self);
  } else {
    // Round limit reached with records left: librdkafka will not signal again.
    self->send(self, poll_atom_v);
  }
}

void on_credit(consumer_pointer self, int64_t n) {
  auto& st = self->state;
  st.credit.grant(n);
  if (st.ph != phase::running || !st.can_dispatch())
    return;
  st.starved = false;
  if (st.paused) {
    st.paused = false;
    ++st.stats.resumes;
    st.set_paused(false);
  }
  serve(self);
}

void on_tick(consumer_pointer self) {
  auto& st = self->state;
  st.tick_armed = false;
  auto now = clock_type::now();
  if (!st.delays.empty()) {
    st.release_due();
    if (!st.delays.empty())
      arm_tick(self);
    if (st.ph == phase::running && !st.paused && !st.held.empty())
      serve(self);
  }
  switch (st.ph) {
    case phase::running:
      if (st.starved && !st.paused && !st.can_dispatch()
          && now - st.starved_since >= st.flow.pause_grace) {
        st.paused = true;
        ++st.stats.pauses;
        st.set_paused(true);
      }
      if (st.starved || st.paused) {
        serve(self);
        arm_tick(self);
      }
      break;
    case phase::draining:
      serve(self);
      if (now >= st.drain_deadline)
        begin_close(self, caf::none);
      else
        arm_tick(self);
      break;
    case phase::closing:
      serve(self);
      if (st.ph == phase::closing)
        arm_tick(self);
      break;
  }
}

consumer_actor::behavior_type consumer_impl(consumer_pointer self,
                                            std::shared_ptr<consumer_box> box,
                                            std::shared_ptr<subscription> sub,
                                            flow_config flow) {
  auto& st = self->state;
  st.box = std::move(box);
  st.box->state = &st;
  st.sub = std::move(*sub);
  st.flow = flow;
  st.queue.reset(rd_kafka_queue_get_consumer(st.rk()));
  st.waker = std::make_unique<queue_waker>(self->address());
  st.waker->enable(st.queue.get());
  auto me = caf::actor_cast<consumer_actor>(self);
  if (st.sub.handler) {
    st.handler = st.sub.handler;
  } else {
    st.own_handler = true;
    auto lane = std::make_shared<lane_config>();
    lane->on_record = st.sub.on_record;
    lane->on_batch = st.sub.on_batch;
    lane->credit = static_cast<int64_t>(flow.consumer_max_in_flight);
    lane->retry = st.sub.retry;
    lane->breaker = st.sub.breaker;
    lane->producer = st.sub.producer;
    st.lane = lane->counters;
    st.handler = spawn_handler_lane(self->system(), st.sub.blocking_handler, me, lane);
  }
  self->send(self, poll_atom_v);
  return {
    [=](credit_atom, int64_t n) { on_credit(self, n); },
    [=](ack_atom, uint64_t id, int64_t n) {
      auto& st = self->state;
      std::vector<commit_position> positions;
      auto before = st.tracker.pending();
      auto b = st.batch_bytes.find(id);
      if (b != st.batch_bytes.end()) {
        st.in_flight_bytes -= std::min(st.in_flight_bytes, b->second);
        st.batch_bytes.erase(b);
      }
      st.tracker.acked(id, positions);
      if (st.tracker.pending() == before)
        ++st.stats.fenced_acks;
      st.stats.acked += 1;
      st.store(positions);
      if (st.ph == phase::draining && st.tracker.pending() == 0) {
        begin_close(self, caf::none);
        return;
      }
      on_credit(self, n);
    },
    [=](fail_atom, uint64_t, caf::error& err) {
      auto& st = self->state;
      st.stats.last_error = describe(err);
      begin_close(self, std::move(err));
    },
    [=](stop_atom) -> caf::typed_response_promise<consumer_status> {
      auto& st = self->state;
      auto rp = self->make_response_promise<consumer_status>();
      st.stop_promises.push_back(rp);
      if (st.ph == phase::running) {
        st.ph = phase::draining;
        st.drain_deadline = clock_type::now() + st.flow.drain_timeout;
        if (st.tracker.pending() == 0)
          begin_close(self, caf::none);
        else
          arm_tick(self);
      }
      return rp;
    },
    [=](status_atom) { return self->state.status(); },
    [=](poll_atom) { serve(self); },
    [=](tick_atom) { on_tick(self); },
  };
}

} // namespace

caf::expected<consumer_actor> spawn_consumer(caf::actor_system& sys, const kafka_config& cfg,
                                             subscription sub) {
  if (cfg.bootstrap_servers.empty())
    return make_error(errc::invalid_config,
                      "consumer needs bootstrap.servers (start an embedded cluster first)");
  if (sub.topics.empty())
    return make_error(errc::invalid_argument, "subscription names no topic");
  for (auto& t : sub.topics)
    if (auto err = validate_topic_name(t))
      return err;
  if (sub.group.empty())
    return make_error(errc::invalid_argument, "subscription names no consumer group");
  int handlers = (sub.on_record ? 1 : 0) + (sub.on_batch ? 1 : 0) + (sub.handler ? 1 : 0);
  if (handlers != 1)
    return make_error(errc::invalid_argument,
                      "subscription needs exactly one of on_record, on_batch, handler");
  if ((sub.retry || sub.breaker) && !sub.on_record)
    return make_error(errc::invalid_argument,
                      "retry and breaker work per record: they need on_record");
  if (sub.retry && !sub.producer)
    return make_error(errc::invalid_argument,
                      "a retry policy needs a producer for the retry and dead-letter topics "
                      "(subscribe through KafkaService)");
  auto props = cfg.consumer_config(sub.group);
  props["bootstrap.servers"] = cfg.bootstrap_servers;
  if (sub.track_end)
    props["enable.partition.eof"] = "true";
  auto conf = make_conf(props);
  if (!conf)
    return conf.error();
  auto box = std::make_shared<consumer_box>();
  rd_kafka_conf_set_opaque(conf->get(), box.get());
  rd_kafka_conf_set_rebalance_cb(conf->get(), &consumer_state::rebalance_cb);
  rd_kafka_conf_set_error_cb(conf->get(), &consumer_state::error_cb);
  auto client = make_client(RD_KAFKA_CONSUMER, std::move(*conf));
  if (!client)
    return client.error();
  box->rk = std::move(*client);
  // All events (rebalances, errors, records) come through the consumer queue we poll.
  rd_kafka_poll_set_consumer(box->rk.get());
  tpl_ptr topics{rd_kafka_topic_partition_list_new(static_cast<int>(sub.topics.size()))};
  for (auto& t : sub.topics)
    rd_kafka_topic_partition_list_add(topics.get(), t.c_str(), RD_KAFKA_PARTITION_UA);
  if (auto err = rd_kafka_subscribe(box->rk.get(), topics.get()))
    return make_error(errc::kafka_error, "subscribing to topics: " + rd_error_text(err));
  return sys.spawn(consumer_impl, std::move(box),
                   std::make_shared<subscription>(std::move(sub)), cfg.flow);
}

} // namespace kafka_actors
