#include "kafka_actors/actors/consumer.hpp"

#include <algorithm>
#include <chrono>

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>
#include <librdkafka/rdkafka.h>

#include "kafka_actors/actors/batch_processor.hpp"
#include "kafka_actors/actors/handler_lane.hpp"
#include "kafka_actors/actors/partition_manager.hpp"
#include "kafka_actors/config/topic_config.hpp"
#include "kafka_actors/runtime/client_errors.hpp"
#include "kafka_actors/runtime/consumer_flow.hpp"
#include "kafka_actors/runtime/errors.hpp"
#include "kafka_actors/runtime/queue_waker.hpp"
#include "kafka_actors/runtime/rdkafka_handles.hpp"
#include "kafka_actors/runtime/reaper.hpp"
#include "kafka_actors/runtime/ticker.hpp"

namespace kafka_actors {

namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

// Polling on a timer as well as on wake-ups: librdkafka signals only empty -> non-empty, and
// a consumer that does not poll leaves its group after max.poll.interval.ms (DESIGN §6).
constexpr auto tick_interval = 50ms;
// Poll rounds per mailbox turn, so acks and control messages get a turn under load.
constexpr int max_rounds_per_turn = 8;
// Messages taken per turn while paused or draining (they only keep the membership alive).
constexpr int max_idle_polls = 1000;

struct consumer_state;

std::string label(const topic_partition& tp) {
  return tp.topic + "[" + std::to_string(tp.partition) + "]";
}

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

struct consumer_client;

// Gives revoked partitions back to librdkafka (incrementally under cooperative-sticky).
void unassign(rd_kafka_t* rk, const std::vector<topic_partition>& tps) {
  tpl_ptr list{rd_kafka_topic_partition_list_new(static_cast<int>(tps.size()))};
  for (auto& tp : tps)
    rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition);
  plain_rebalance(rk, RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS, list.get());
}

// The handle's conf opaque, through which librdkafka's callbacks find the client. It lives
// until the handle is destroyed (the reaper's job holds it), since librdkafka's threads call
// the certificate verify callback with it until then; `client` is null from the moment the
// client is gone, so the callbacks of the reaper's close reach nothing else.
struct consumer_context : client_context {
  consumer_client* client = nullptr;
  // Whether the handle may be destroyed (librdkafka #4312): marked by the rebalance callback
  // and by ticks.
  std::shared_ptr<first_join_watch> first_join = std::make_shared<first_join_watch>();
};

// Everything on librdkafka's side of one consumer. Shared by the actor's state and by every
// batch in flight (librdkafka requires every message destroyed before its handle). Whoever
// lets go last, the handle is closed and destroyed on the reaper thread, never on a
// scheduler thread.
struct consumer_client {
  std::shared_ptr<consumer_context> context = std::make_shared<consumer_context>();
  client_ptr rk;
  queue_ptr queue;
  std::unique_ptr<queue_waker> waker;
  // Null once the actor's state is gone: callbacks then only (un)assign.
  consumer_state* state = nullptr;
  std::chrono::milliseconds close_deadline{5000};

  ~consumer_client() {
    context->client = nullptr;
    if (!rk)
      return;
    auto q = std::make_shared<queue_ptr>(std::move(queue));
    auto w = std::shared_ptr<queue_waker>(std::move(waker));
    // The job keeps `context` (captured here) until after the handle's destruction.
    reap_consumer(
      std::move(rk), close_deadline,
      [q, w, ctx = context] {
        if (*q && w)
          w->disable(q->get());
        q->reset();
      },
      context->first_join);
  }
};

struct consumer_state {
  static inline const char* name = "kafka-consumer";

  std::shared_ptr<consumer_client> client;
  subscription sub;
  flow_config cfg;
  std::optional<consumer_flow> flow;
  caf::actor_addr self_addr;
  handler_actor handler;
  bool own_handler = false;
  std::shared_ptr<lane_counters> lane;
  uint64_t rebalances = 0;
  std::string last_error;
  uint64_t commit_failures = 0;
  std::string last_commit_error;
  uint64_t lost_assignments = 0;
  std::string failure;
  // A fatal error seen inside a poll: acted on once the poll returned.
  caf::error pending_failure;
  bool ready = false;
  std::vector<caf::typed_response_promise<bool>> ready_waiters;
  std::vector<caf::typed_response_promise<consumer_status>> stop_promises;
  caf::error exit_reason;
  // Taken when closing starts: closing revokes everything, which empties what status shows.
  std::optional<consumer_status> final_status;
  std::optional<clock_type::time_point> first_assignment_deadline;
  // Interning cache: consecutive records mostly share their partition.
  const rd_kafka_topic_t* last_rkt = nullptr;
  int32_t last_partition = -1;
  uint32_t last_part = 0;
  std::vector<void*> dropped;

  ~consumer_state() {
    // Every way out lands here: stop, exit message, exception, last handle dropped, system
    // shutdown. Detach librdkafka's callbacks from this state first.
    if (client)
      client->state = nullptr;
    unwatch_ticks(self_addr);
    if (own_handler && handler) {
      if (lane)
        lane->cancelled = true;
      caf::anon_send_exit(handler, caf::exit_reason::user_shutdown);
    }
    if (flow && client && flow->revoke_pending()) {
      // librdkafka waits for the unassign of a revoke that was draining, and its close would
      // wait too: unassign on the reaper (this may run inside a librdkafka callback), before
      // the handle's close. Nothing more is committed: what was stored goes with the close.
      auto c = client;
      auto tps = flow->take_revoke(clock_type::now());
      reap([c, tps] { unassign(c->rk.get(), tps); });
    }
    if (flow && client) {
      auto msgs = flow->begin_close(clock_type::now());
      msgs.insert(msgs.end(), dropped.begin(), dropped.end());
      if (!msgs.empty()) {
        // This destructor may run on any thread, even inside a librdkafka callback (a
        // waker's last reference): leave the messages to the reaper, before the handle.
        auto c = client;
        reap([msgs, c] {
          for (auto m : msgs)
            rd_kafka_message_destroy(static_cast<rd_kafka_message_t*>(m));
        });
      }
    }
    auto why = make_error(errc::stopped, "consumer of group '" + sub.group + "' is gone");
    for (auto& rp : ready_waiters)
      rp.deliver(why);
    for (auto& rp : stop_promises)
      rp.deliver(why);
  }

  rd_kafka_t* rk() const {
    return client->rk.get();
  }

  void destroy_dropped() {
    for (auto m : dropped)
      rd_kafka_message_destroy(static_cast<rd_kafka_message_t*>(m));
    dropped.clear();
  }

  uint32_t part_of(const rd_kafka_message_t* m) {
    if (m->rkt == last_rkt && m->partition == last_partition)
      return last_part;
    last_rkt = m->rkt;
    last_partition = m->partition;
    last_part = flow->intern(topic_partition{rd_kafka_topic_name(m->rkt), m->partition});
    return last_part;
  }

  consumer_status status() const {
    consumer_status s;
    for (auto& tp : flow->assigned_partitions())
      s.assigned.push_back(label(tp));
    for (auto& [tp, off] : flow->stored_positions())
      s.stored[label(tp)] = off;
    for (auto& [tp, ts] : flow->oldest_pending_timestamps())
      s.oldest_pending[label(tp)] = ts;
    for (auto& tp : flow->at_end())
      s.at_end.push_back(label(tp));
    s.paused = flow->paused();
    s.stopping = flow->current() != consumer_flow::phase::running;
    s.credit = flow->credit();
    s.in_flight_batches = flow->in_flight_batches();
    s.in_flight_bytes = flow->in_flight_bytes();
    s.held = flow->held();
    s.delayed = flow->stats().delayed_total;
    auto& c = flow->stats();
    s.dispatched = c.dispatched;
    s.acked = c.acked;
    s.pauses = c.pauses;
    s.resumes = c.resumes;
    s.fenced_acks = c.fenced_acks;
    s.dropped_on_revoke = c.dropped_on_revoke;
    s.revoke_drains = c.revoke_drains;
    s.revoke_drain_timeouts = c.revoke_drain_timeouts;
    s.share_pauses = c.share_pauses;
    s.rebalances = rebalances;
    if (lane) {
      s.handled = lane->handled;
      s.retried_in_place = lane->retried_in_place;
      s.forwarded_to_retry = lane->forwarded_to_retry;
      s.dead_lettered = lane->dead_lettered;
      s.dropped = lane->dropped;
      s.deduplicated = lane->deduplicated;
      {
        std::lock_guard<std::mutex> guard{lane->duration_mx};
        s.handler_duration = lane->handler_duration;
      }
      s.breaker_opened = lane->breaker_opened;
      if (sub.breaker)
        s.breaker = to_string(static_cast<breaker_phase>(lane->breaker.load()));
    }
    s.last_error = last_error;
    s.commit_failures = commit_failures;
    s.lost_assignments = lost_assignments;
    s.last_commit_error = last_commit_error;
    s.failure = failure;
    s.group = sub.group;
    // rd_kafka_memberid waits for the group thread, which a closing consumer's no longer
    // answers.
    auto phase = flow->current();
    if (phase != consumer_flow::phase::closing && phase != consumer_flow::phase::closed)
      if (auto id = rd_kafka_memberid(rk())) {
        s.member_id = id;
        rd_kafka_mem_free(rk(), id);
      }
    s.statistics = client->context->statistics();
    return s;
  }

  void apply_pause_changes() {
    auto changes = flow->pause_changes();
    if (changes.empty())
      return;
    tpl_ptr pause{rd_kafka_topic_partition_list_new(static_cast<int>(changes.size()))};
    tpl_ptr resume{rd_kafka_topic_partition_list_new(static_cast<int>(changes.size()))};
    for (auto& c : changes)
      rd_kafka_topic_partition_list_add(c.pause ? pause.get() : resume.get(),
                                        c.tp.topic.c_str(), c.tp.partition);
    if (pause->cnt > 0)
      rd_kafka_pause_partitions(rk(), pause.get());
    if (resume->cnt > 0)
      rd_kafka_resume_partitions(rk(), resume.get());
  }

  // Commits what is stored for `tps` without waiting: called on revoke and on close.
  void commit_async(const std::vector<topic_partition>& tps) {
    auto& stored = flow->stored_positions();
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

  // librdkafka 2.0.2 cannot destroy a cooperative-sticky consumer between its JoinGroup and
  // its first SyncGroup (reaper.hpp): a close then waits for that assignment, at most half
  // the stop timeout (a rebalance takes seconds); past that the reaper leaves the handle
  // open rather than abort the process.
  bool awaits_first_assignment(clock_type::time_point now) {
    auto& watch = *client->context->first_join;
    if (!in_first_cooperative_join(rk(), watch, true)) // called before the close begins
      return false;
    if (!first_assignment_deadline)
      first_assignment_deadline = now + cfg.stop_timeout / 2;
    if (now < *first_assignment_deadline)
      return true;
    last_error = "consumer of group '" + sub.group
                 + "' stopped before its first assignment came (waited "
                 + std::to_string((cfg.stop_timeout / 2).count())
                 + " ms): librdkafka 2.0.2 cannot destroy a cooperative-sticky consumer in "
                   "that state (librdkafka #4312), so its handle stays open until the "
                   "process ends";
    return false;
  }

  void deliver_ready() {
    ready = true;
    for (auto& rp : ready_waiters)
      rp.deliver(true);
    ready_waiters.clear();
  }

  // Ends the revoke whose drain is over (or cut short): commits what is stored unless the
  // assignment was lost meanwhile, fences the partitions (late acks store nothing, lanes skip
  // what they hold of them) and gives them back to librdkafka, which waited for this.
  void end_revoke() {
    auto tps = flow->take_revoke(clock_type::now());
    if (!rd_kafka_assignment_lost(rk()))
      commit_async(tps);
    flow->revoke(tps, dropped);
    destroy_dropped();
    unassign(rk(), tps);
  }

  // Called on ticks and after acks: the pending revoke ends once drained or past its deadline.
  void end_revoke_if_due() {
    if (flow->revoke_due(clock_type::now()))
      end_revoke();
  }

  void on_rebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts) {
    ++rebalances;
    bool cooperative = uses_cooperative_protocol(rk());
    // librdkafka starts no new rebalance before the unassign of the last one; another callback
    // while a drain waits (a lost assignment, the close) ends that drain first.
    if (flow->revoke_pending())
      end_revoke();
    std::vector<topic_partition> tps;
    for (int i = 0; i < parts->cnt; ++i)
      tps.push_back(topic_partition{parts->elems[i].topic, parts->elems[i].partition});
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
      if (cooperative) {
        if (auto error = rd_kafka_incremental_assign(rk(), parts)) {
          last_error = rd_kafka_error_string(error);
          rd_kafka_error_destroy(error);
        }
      } else if (auto e = rd_kafka_assign(rk(), parts)) {
        last_error = "assign: " + rd_error_text(e);
      }
      flow->assign(tps);
      // A pause can outlive a reassignment in librdkafka 2.0.2 (and cannot be queried):
      // our own state is the truth, applied to every partition we get.
      apply_pause_changes();
      if (!tps.empty()) {
        // A topic created moments ago may be unknown to the first metadata: once it is
        // assigned, that condition has healed.
        if (failure.rfind("unknown_topic", 0) == 0)
          failure.clear();
        deliver_ready();
      }
      return;
    }
    // Revoked or lost: commit what is done unless lost, then forget the partitions so late
    // acks for them store nothing and handlers skip what they still hold of them.
    bool lost = err != RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS || rd_kafka_assignment_lost(rk());
    if (lost && !tps.empty())
      ++lost_assignments;
    if (!lost && flow->current() == consumer_flow::phase::running) {
      // Revoked, not lost: drain first. librdkafka lets the application unassign after the
      // callback returned (it waits in WAIT_UNASSIGN_CALL and keeps the group session), so
      // in-flight work of these partitions may finish and be committed within
      // flow.revoke.drain.ms; meanwhile they take nothing and we keep polling.
      bool wait = flow->begin_revoke(tps, clock_type::now(), dropped);
      destroy_dropped();
      if (wait) {
        apply_pause_changes();
        return;
      }
      end_revoke();
      return;
    }
    if (!lost)
      commit_async(tps);
    flow->revoke(tps, dropped);
    destroy_dropped();
    if (cooperative) {
      if (auto error = rd_kafka_incremental_unassign(rk(), parts))
        rd_kafka_error_destroy(error);
    } else {
      rd_kafka_assign(rk(), nullptr);
    }
  }

  // A client error (error callback) or an error event from a poll.
  void on_client_error(rd_kafka_resp_err_t err, const std::string& raw_reason) {
    auto reason = client_error_text(client->context.get(), err, raw_reason);
    // "All brokers down" follows every failed login or refused certificate: keep the cause.
    if (err != RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN || failure.empty())
      last_error = std::string{rd_kafka_err2name(err)} + ": " + reason;
    auto kind = classify_client_error(err);
    if (!is_persistent(kind))
      return;
    if (kind == client_error_kind::fatal) {
      char buf[512];
      auto real = rd_kafka_fatal_error(rk(), buf, sizeof(buf));
      failure = std::string{"fatal: "} + (real ? buf : reason.c_str());
      pending_failure = make_error(errc::kafka_error, "consumer of group '" + sub.group
                                                        + "' hit a fatal error: " + failure);
    } else {
      failure = std::string{to_string(kind)} + ": " + reason;
    }
    auto why = make_error(kind == client_error_kind::unknown_topic ? errc::invalid_topic
                                                                    : errc::kafka_error,
                          "consumer of group '" + sub.group + "': " + failure);
    for (auto& rp : ready_waiters)
      rp.deliver(why);
    ready_waiters.clear();
  }

  static void rebalance_cb(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                           rd_kafka_topic_partition_list_t* parts, void* opaque) {
    // A C callback must not throw into librdkafka.
    try {
      auto ctx = context_of<consumer_context>(opaque);
      if (ctx && err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS)
        ctx->first_join->synced = true;
      auto c = ctx ? ctx->client : nullptr;
      if (c && c->state) {
        c->state->on_rebalance(err, parts);
        return;
      }
    } catch (...) {
    }
    plain_rebalance(rk, err, parts);
  }

  // The outcome of a commit (ours on revoke and close, or librdkafka's auto-commit). A
  // failed one is not retried: the next owner reads those records again, so say so.
  void on_commit(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* offsets) {
    if (err == RD_KAFKA_RESP_ERR__NO_OFFSET)
      return; // nothing was stored to commit
    std::string failed;
    rd_kafka_resp_err_t first = err;
    for (int i = 0; offsets && i < offsets->cnt; ++i) {
      auto& e = offsets->elems[i];
      if (!e.err && !err)
        continue;
      if (!first)
        first = e.err;
      failed += (failed.empty() ? "" : ", ") + std::string{e.topic} + "["
                + std::to_string(e.partition) + "]@" + std::to_string(e.offset);
    }
    if (!first)
      return;
    ++commit_failures;
    last_commit_error = "commit of " + (failed.empty() ? std::string{"stored offsets"} : failed)
                        + " for group '" + sub.group + "' failed: " + rd_kafka_err2name(first)
                        + ": " + rd_kafka_err2str(first);
    last_error = last_commit_error;
  }

  static void commit_cb(rd_kafka_t*, rd_kafka_resp_err_t err,
                        rd_kafka_topic_partition_list_t* offsets, void* opaque) {
    try {
      auto ctx = context_of<consumer_context>(opaque);
      auto c = ctx ? ctx->client : nullptr;
      if (c && c->state)
        c->state->on_commit(err, offsets);
    } catch (...) {
    }
  }

  static void error_cb(rd_kafka_t*, int err, const char* reason, void* opaque) {
    try {
      auto ctx = context_of<consumer_context>(opaque);
      auto c = ctx ? ctx->client : nullptr;
      if (c && c->state)
        c->state->on_client_error(static_cast<rd_kafka_resp_err_t>(err),
                                  reason ? reason : "");
    } catch (...) {
    }
  }

  // A message that carries an event instead of a record.
  void on_event(rd_kafka_message_t* m) {
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      if (m->rkt)
        flow->end_of_partition(part_of(m), m->offset);
      return;
    }
    std::string what = rd_kafka_message_errstr(m);
    if (m->rkt && what.find(rd_kafka_topic_name(m->rkt)) == std::string::npos)
      what = "topic '" + std::string{rd_kafka_topic_name(m->rkt)} + "': " + what;
    on_client_error(m->err, what);
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
    return due_of_header(std::string_view{static_cast<const char*>(value), size});
  }

  // Every polled message goes through here: events, records of revoked partitions (a
  // rebalance may have run inside that very poll), records not due yet, and the rest.
  void take(rd_kafka_message_t* m, int64_t now_wall) {
    if (m->err) {
      on_event(m);
      rd_kafka_message_destroy(m);
      return;
    }
    flow_record r{m, part_of(m), m->offset, m->len + m->key_len,
                  rd_kafka_message_timestamp(m, nullptr)};
    flow->take(r, sub.honor_due_header ? due_of(m) : 0, now_wall, dropped);
    destroy_dropped();
  }

  // Stores the positions whose contiguous prefix advanced; only what librdkafka took counts.
  void store(const std::vector<commit_position>& positions) {
    if (positions.empty())
      return;
    tpl_ptr list{rd_kafka_topic_partition_list_new(static_cast<int>(positions.size()))};
    for (auto& p : positions)
      rd_kafka_topic_partition_list_add(list.get(), p.tp.topic.c_str(), p.tp.partition)
        ->offset = p.next_offset;
    auto err = rd_kafka_offsets_store(rk(), list.get());
    for (int i = 0; i < list->cnt; ++i) {
      auto& e = list->elems[i];
      if (e.err == RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR__INVALID_ARG) {
        flow->stored(topic_partition{e.topic, e.partition}, e.offset);
      } else if (e.err != RD_KAFKA_RESP_ERR__STATE) {
        // __STATE: not assigned any more, the partition was lost: never commit for it.
        last_error = "storing offset " + std::to_string(e.offset) + " of " + e.topic + "["
                     + std::to_string(e.partition) + "]: "
                     + rd_error_text(e.err ? e.err : err);
      }
    }
  }
};

using consumer_pointer = consumer_actor::stateful_pointer<consumer_state>;

void dispatch(consumer_pointer self, consumer_flow::batch& b) {
  auto& st = self->state;
  std::vector<rd_kafka_message_t*> msgs;
  msgs.reserve(b.records.size());
  for (auto& r : b.records)
    msgs.push_back(static_cast<rd_kafka_message_t*>(r.msg));
  std::vector<record_batch::fence> fences;
  fences.reserve(b.flags.size());
  for (auto& [part, flag] : b.flags) {
    auto it = std::find_if(msgs.begin(), msgs.end(), [&](rd_kafka_message_t* m) {
      return m->partition == st.flow->partition(part).partition
             && rd_kafka_topic_name(m->rkt) == st.flow->partition(part).topic;
    });
    if (it != msgs.end())
      fences.push_back(record_batch::fence{(*it)->rkt, (*it)->partition, flag});
  }
  auto ptr = std::make_shared<const record_batch>(b.id, std::move(msgs), st.client,
                                                  std::move(fences));
  self->send(st.handler, std::move(ptr), caf::actor_cast<consumer_actor>(self));
}

void finish_close(consumer_pointer self) {
  auto& st = self->state;
  st.flow->closed();
  auto final = st.final_status ? *st.final_status : st.status();
  // The close's own commits answer during the close, after the final status was taken.
  final.commit_failures = st.commit_failures;
  final.last_commit_error = st.last_commit_error;
  for (auto& p : st.stop_promises)
    p.deliver(final);
  st.stop_promises.clear();
  self->quit(st.exit_reason);
}

void begin_close(consumer_pointer self, caf::error reason) {
  auto& st = self->state;
  if (st.flow->current() == consumer_flow::phase::closing
      || st.flow->current() == consumer_flow::phase::closed)
    return;
  if (reason && !st.exit_reason)
    st.exit_reason = std::move(reason);
  if (st.awaits_first_assignment(clock_type::now())) {
    // Retried on every tick until the assignment came or the wait is over.
    if (st.flow->current() == consumer_flow::phase::running) {
      st.flow->stop(clock_type::now());
      st.apply_pause_changes();
    }
    return;
  }
  st.final_status = st.status();
  st.final_status->stopping = true;
  for (auto m : st.flow->begin_close(clock_type::now()))
    rd_kafka_message_destroy(static_cast<rd_kafka_message_t*>(m));
  if (st.own_handler && st.lane)
    st.lane->cancelled = true; // the lane stops between records: nothing more is acked
  // A revoke still draining is cut short: the close leaves the group and needs it unassigned.
  if (st.flow->revoke_pending())
    st.end_revoke();
  st.commit_async(st.flow->assigned_partitions());
  st.client->context->first_join->closing = true;
  if (auto err = rd_kafka_consumer_close_queue(st.rk(), st.client->queue.get())) {
    st.last_error = rd_kafka_error_string(err);
    rd_kafka_error_destroy(err);
    finish_close(self);
    return;
  }
  self->send(self, poll_atom_v);
}

// The stop deadline passed while the group close was still under way (brokers gone): tear
// down anyway and say what may not have been committed.
void abandon_close(consumer_pointer self) {
  auto& st = self->state;
  auto& fs = *st.final_status;
  fs.stop_deadline_passed = true;
  std::string offsets;
  for (auto& [tp, off] : fs.stored)
    offsets += (offsets.empty() ? "" : ", ") + tp + "@" + std::to_string(off);
  fs.last_error = "stop deadline of " + std::to_string(st.cfg.stop_timeout.count())
                  + " ms passed before the consumer left group '" + st.sub.group + "'"
                  + (offsets.empty() ? std::string{}
                                     : "; stored offsets possibly not committed: " + offsets);
  st.client->close_deadline = 0ms;
  finish_close(self);
}

void fail_if_pending(consumer_pointer self) {
  auto& st = self->state;
  if (st.pending_failure) {
    auto err = std::move(st.pending_failure);
    st.pending_failure = caf::error{};
    begin_close(self, std::move(err));
  }
}

// Polls librdkafka: as many records as the flow wants, or (paused, draining) only to keep
// the membership alive. Rebalance and error callbacks run inside these polls.
void serve(consumer_pointer self) {
  auto& st = self->state;
  st.client->waker->clear();
  auto& flow = *st.flow;
  if (flow.current() == consumer_flow::phase::closed)
    return;
  if (flow.current() == consumer_flow::phase::closing) {
    while (auto m = rd_kafka_consumer_poll(st.rk(), 0))
      rd_kafka_message_destroy(m); // never dispatched, never stored: read again later
    if (rd_kafka_consumer_closed(st.rk()))
      finish_close(self);
    return;
  }
  auto now_wall = wall_ms();
  bool running = flow.current() == consumer_flow::phase::running;
  if (running && !flow.paused() && flow.records_wanted() == 0) {
    // Starved within the grace period: take nothing (the prefetch queue bounds memory).
    return;
  }
  if (!running || flow.paused()) {
    for (int n = 0; n < max_idle_polls; ++n) {
      auto m = rd_kafka_consumer_poll(st.rk(), 0);
      if (!m)
        break;
      st.take(m, now_wall);
    }
    st.apply_pause_changes();
    fail_if_pending(self);
    return;
  }
  bool more = false;
  for (int round = 0; round < max_rounds_per_turn; ++round) {
    auto want = flow.records_wanted();
    more = false;
    for (int64_t n = 0; n < want; ++n) {
      auto m = rd_kafka_consumer_poll(st.rk(), 0);
      if (!m)
        break;
      st.take(m, now_wall);
      more = n + 1 == want;
    }
    while (auto b = flow.next_batch())
      dispatch(self, *b);
    st.apply_pause_changes();
    if (st.pending_failure || !more || flow.current() != consumer_flow::phase::running)
      break;
  }
  fail_if_pending(self);
  if (more && flow.records_wanted() > 0)
    self->send(self, poll_atom_v); // round limit reached with records left
}

void on_tick(consumer_pointer self) {
  auto& st = self->state;
  auto& flow = *st.flow;
  auto now = clock_type::now();
  // Notes a member id while the first join is on (the close's leave clears it again).
  if (!st.client->context->first_join->synced && flow.current() != consumer_flow::phase::closing
      && flow.current() != consumer_flow::phase::closed)
    in_first_cooperative_join(st.rk(), *st.client->context->first_join, true);
  flow.tick(now, wall_ms());
  st.end_revoke_if_due();
  if (flow.current() == consumer_flow::phase::running) {
    while (auto b = flow.next_batch())
      dispatch(self, *b);
    st.apply_pause_changes();
  }
  serve(self);
  if (flow.close_due(now))
    begin_close(self, caf::none);
  else if (flow.current() == consumer_flow::phase::closing && flow.stop_deadline_passed(now))
    abandon_close(self);
}

void after_feedback(consumer_pointer self) {
  auto& st = self->state;
  auto& flow = *st.flow;
  st.end_revoke_if_due();
  if (flow.close_due(clock_type::now())) {
    begin_close(self, caf::none);
    return;
  }
  if (flow.current() != consumer_flow::phase::running)
    return;
  while (auto b = flow.next_batch())
    dispatch(self, *b);
  st.apply_pause_changes();
  serve(self);
}

consumer_actor::behavior_type consumer_impl(consumer_pointer self,
                                            std::shared_ptr<consumer_client> client,
                                            std::shared_ptr<subscription> sub,
                                            flow_config cfg) {
  auto& st = self->state;
  st.client = std::move(client);
  st.client->state = &st;
  st.client->close_deadline = cfg.stop_timeout;
  st.sub = std::move(*sub);
  st.cfg = cfg;
  flow_settings fs{static_cast<int64_t>(cfg.consumer_batch_size),
                   cfg.consumer_max_in_flight_bytes, cfg.pause_grace,
                   cfg.drain_timeout, cfg.stop_timeout, cfg.revoke_drain};
  // Lanes run partitions in parallel: each needs records of its own in the window.
  fs.fair_share = st.sub.lanes.has_value() && !st.sub.handler;
  st.flow.emplace(fs);
  st.self_addr = self->address();
  st.client->waker = std::make_unique<queue_waker>(self->address());
  st.client->waker->enable(st.client->queue.get());
  watch_ticks(self->address(), tick_interval);
  auto me = caf::actor_cast<consumer_actor>(self);
  if (st.sub.handler) {
    st.handler = st.sub.handler;
  } else {
    st.own_handler = true;
    if (st.sub.on_partition_batch) {
      auto pc = std::make_shared<batch_processor_config>();
      pc->batching = st.sub.batching.value_or(batching_config{});
      pc->handler = st.sub.on_partition_batch;
      // Enough for a count-closed batch on every partition of a few at once.
      pc->credit = std::max(static_cast<int64_t>(cfg.consumer_max_in_flight),
                            static_cast<int64_t>(2 * pc->batching.max_records));
      pc->retry = st.sub.retry;
      pc->producer = st.sub.producer;
      pc->forwarder = st.sub.forwarder;
      pc->dedup = st.sub.dedup_state;
      st.lane = pc->counters;
      st.handler = spawn_batch_processor(self->system(), st.sub.blocking_handler, pc);
    }
  }
  if (!st.handler) {
    auto lane = std::make_shared<lane_config>();
    lane->on_record = st.sub.on_record;
    lane->on_batch = st.sub.on_batch;
    lane->credit = static_cast<int64_t>(cfg.consumer_max_in_flight);
    lane->retry = st.sub.retry;
    lane->breaker = st.sub.breaker;
    lane->producer = st.sub.producer;
    lane->forwarder = st.sub.forwarder;
    lane->dedup = st.sub.dedup_state;
    st.lane = lane->counters;
    if (st.sub.lanes)
      st.handler = spawn_partition_manager(self->system(), st.sub.blocking_handler,
                                           *st.sub.lanes, lane);
    else
      st.handler = spawn_handler_lane(self->system(), st.sub.blocking_handler, lane);
  }
  // The handler learns who feeds it and answers with its credit (also after a restart).
  self->send(st.handler, join_atom_v, me);
  self->send(self, poll_atom_v);
  return {
    [=](credit_atom, int64_t n) {
      self->state.flow->grant(n);
      after_feedback(self);
    },
    [=](ack_atom, uint64_t id, int64_t n) {
      auto& st = self->state;
      st.store(st.flow->ack(id));
      st.flow->grant(n);
      after_feedback(self);
    },
    [=](fail_atom, uint64_t id, caf::error& err) {
      auto& st = self->state;
      if (!st.flow->live(id))
        return; // fenced by a revoke: its records belong to another member now
      st.last_error = describe(err);
      begin_close(self, std::move(err));
    },
    [=](stop_atom) -> caf::typed_response_promise<consumer_status> {
      auto& st = self->state;
      auto rp = self->make_response_promise<consumer_status>();
      st.stop_promises.push_back(rp);
      if (st.flow->current() == consumer_flow::phase::running) {
        // Take nothing more: pause at once, so a drain holds the same bound as running.
        st.flow->stop(clock_type::now());
        st.apply_pause_changes();
        if (st.flow->close_due(clock_type::now()))
          begin_close(self, caf::none);
      }
      return rp;
    },
    [=](ready_atom) -> caf::typed_response_promise<bool> {
      auto& st = self->state;
      auto rp = self->make_response_promise<bool>();
      if (!st.failure.empty())
        rp.deliver(make_error(errc::kafka_error,
                              "consumer of group '" + st.sub.group + "': " + st.failure));
      else if (st.ready)
        rp.deliver(true);
      else
        st.ready_waiters.push_back(rp);
      return rp;
    },
    [=](status_atom) {
      auto s = self->state.status();
      s.mailbox = self->mailbox().size();
      return s;
    },
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
  int handlers = (sub.on_record ? 1 : 0) + (sub.on_batch ? 1 : 0) + (sub.handler ? 1 : 0)
                 + (sub.on_partition_batch ? 1 : 0);
  if (handlers != 1)
    return make_error(errc::invalid_argument,
                      "subscription needs exactly one of on_record, on_batch, "
                      "on_partition_batch, handler");
  if (sub.breaker && !sub.on_record)
    return make_error(errc::invalid_argument, "a breaker works per record: it needs on_record");
  if (sub.retry && !sub.on_record && !sub.on_partition_batch)
    return make_error(errc::invalid_argument,
                      "retry works per record: it needs on_record or on_partition_batch");
  if (sub.lanes) {
    if (!sub.on_record)
      return make_error(errc::invalid_argument, "lanes run on_record per record: they need "
                                                "on_record");
    if (sub.breaker)
      return make_error(errc::invalid_argument,
                        "lanes and a breaker do not combine yet (the breaker is per lane)");
    if (auto problem = lane_options_problem(*sub.lanes); !problem.empty())
      return make_error(errc::invalid_argument, "subscription: " + problem);
  }
  if (sub.batching && !sub.on_partition_batch)
    return make_error(errc::invalid_argument, "batching needs on_partition_batch");
  if (sub.on_partition_batch)
    if (auto err = validate_batching(sub.batching.value_or(batching_config{}), cfg.flow))
      return err;
  if (sub.dedup && !sub.on_record && !sub.on_partition_batch)
    return make_error(errc::invalid_argument,
                      "dedup drops single records: it needs on_record or on_partition_batch");
  if (sub.dedup && sub.dedup->window.count() <= 0)
    return make_error(errc::invalid_argument, "dedup window must be positive");
  if (sub.dedup && !sub.dedup_state)
    sub.dedup_state = std::make_shared<shared_dedup>(*sub.dedup);
  if (sub.retry && !sub.producer && !sub.forwarder)
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
  auto client = std::make_shared<consumer_client>();
  client->context->client = client.get();
  set_client_context(conf->get(), client->context.get());
  enable_statistics(conf->get());
  rd_kafka_conf_set_rebalance_cb(conf->get(), &consumer_state::rebalance_cb);
  rd_kafka_conf_set_error_cb(conf->get(), &consumer_state::error_cb);
  rd_kafka_conf_set_offset_commit_cb(conf->get(), &consumer_state::commit_cb);
  auto rk = make_client(RD_KAFKA_CONSUMER, std::move(*conf));
  if (!rk)
    return rk.error();
  client->rk = std::move(*rk);
  // All events (rebalances, errors, records) come through the consumer queue we poll.
  rd_kafka_poll_set_consumer(client->rk.get());
  client->queue.reset(rd_kafka_queue_get_consumer(client->rk.get()));
  client->close_deadline = cfg.flow.stop_timeout;
  tpl_ptr topics{rd_kafka_topic_partition_list_new(static_cast<int>(sub.topics.size()))};
  for (auto& t : sub.topics)
    rd_kafka_topic_partition_list_add(topics.get(), t.c_str(), RD_KAFKA_PARTITION_UA);
  if (auto err = rd_kafka_subscribe(client->rk.get(), topics.get()))
    return make_error(errc::kafka_error, "subscribing to topics: " + rd_error_text(err));
  return sys.spawn(consumer_impl, std::move(client),
                   std::make_shared<subscription>(std::move(sub)), cfg.flow);
}

} // namespace kafka_actors
