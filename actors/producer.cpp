#include "kafka_actors/actors/producer.hpp"

#include <algorithm>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <tuple>
#include <variant>

#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>
#include <librdkafka/rdkafka.h>

#include "kafka_actors/config/topic_config.hpp"
#include "kafka_actors/runtime/breaker_state.hpp"
#include "kafka_actors/runtime/client_pool.hpp"
#include "kafka_actors/runtime/credit.hpp"
#include "kafka_actors/runtime/errors.hpp"
#include "kafka_actors/runtime/rdkafka_handles.hpp"

namespace kafka_actors {

namespace {

using namespace std::chrono_literals;

// A result's error code while its record has no final outcome yet.
constexpr int32_t pending_code = RD_KAFKA_RESP_ERR__IN_PROGRESS;

// What one record of a request knows so far: compact, no strings (texts of the rare failures
// are kept apart), so a request costs no allocation per record. `slot` is the record's
// librdkafka opaque.
struct record_state {
  delivery_slot slot;
  int32_t partition;
  int32_t error_code;
  int64_t offset;
  int64_t timestamp;
};

// One request in progress: its records (moved in and owned until the request is answered:
// librdkafka references their payloads without copying them, so they must stay valid until
// each record's delivery report), each record's outcome, and whom to answer. Contexts are
// pooled per producer; see delivery_request for who frees a context when its producer dies
// first.
struct request_ctx final : delivery_request {
  std::variant<caf::typed_response_promise<delivery_report>,
               caf::typed_response_promise<batch_report>>
    promise;
  message_batch records;
  std::vector<record_state> recs;
  std::vector<std::pair<uint32_t, std::string>> errors; // failure texts by record index
  size_t parked_bytes = 0; // what this request counts against the bound on waiting bytes
  size_t next = 0;        // index of the next record to produce
  size_t size = 0;        // records in the request
  size_t remaining = 0; // records without a final report yet
  size_t live_index = 0; // position in producer_state::live
  bool is_waiting = false;
  bool probe = false;          // took the breaker's half-open probe slot
  bool broker_outcome = false; // a record's outcome said something about the brokers
  std::chrono::steady_clock::time_point received_at{}; // for the ack latency

  // Called once `records` holds the request's records.
  void start(const delivery_owner* o) {
    owner = o;
    size = records.size();
    recs.resize(size);
    for (size_t i = 0; i < size; ++i)
      recs[i] = record_state{delivery_slot{this, static_cast<uint32_t>(i), 0}, -1,
                             pending_code, -1, -1};
    remaining = size;
  }

  // Back to the state of a fresh context (it goes back to the pool).
  void clear() {
    promise = caf::typed_response_promise<batch_report>{};
    if (records.capacity() > 16)
      message_batch{}.swap(records);
    else
      records.clear();
    if (recs.capacity() > 4096)
      std::vector<record_state>{}.swap(recs);
    errors.clear();
    parked_bytes = next = size = remaining = live_index = 0;
    is_waiting = probe = broker_outcome = false;
    outstanding.store(0, std::memory_order_relaxed);
  }

  void set_error(size_t i, int32_t code, std::string text) {
    recs[i].error_code = code;
    errors.emplace_back(static_cast<uint32_t>(i), std::move(text));
  }

  std::string error_of(size_t i) const {
    for (auto& [k, text] : errors)
      if (k == i)
        return text;
    return {};
  }

  // The reply for record `i`; takes the record's topic (librdkafka no longer needs it).
  delivery_report report_of(size_t i) {
    auto& r = recs[i];
    delivery_report d;
    d.topic = std::move(records[i].topic);
    d.partition = r.partition;
    d.offset = r.offset;
    d.timestamp = r.timestamp;
    d.error_code = r.error_code;
    if (r.error_code != 0)
      d.error = error_of(i);
    return d;
  }

  // The reply for the whole request, built once: topics move out of the records.
  batch_report batch() {
    batch_report rep;
    rep.results.resize(size);
    for (size_t i = 0; i < size; ++i) {
      auto& d = rep.results[i];
      auto& r = recs[i];
      d.topic = std::move(records[i].topic);
      d.partition = r.partition;
      d.offset = r.offset;
      d.timestamp = r.timestamp;
      d.error_code = r.error_code;
    }
    for (auto& [i, text] : errors)
      rep.results[i].error = std::move(text);
    errors.clear();
    return rep;
  }
};

struct producer_state {
  static inline const char* name = "kafka-producer";

  std::shared_ptr<shared_producer_client> client;
  const delivery_owner* owner = nullptr;
  credit_window window{1, 1};
  std::optional<breaker_state> breaker;
  std::string last_valid_topic;
  size_t max_waiting = 0;
  size_t max_parked_bytes = 0;
  size_t parked_bytes = 0;
  std::deque<request_ctx*> waiting;
  bool queue_full = false;  // the head of `waiting` met QUEUE_FULL on the shared handle
  bool retry_armed = false; // a tick is on its way to retry it
  std::vector<delivery_request*> live;
  std::vector<request_ctx*> pool; // answered contexts, ready for reuse
  producer_status stats;
  // Set while the shared handle cannot connect as configured (failed login, refused broker
  // certificate), until a record is delivered again: the breaker's reason, and the cause
  // named in the reports of the records the pump purged for it.
  std::string client_failure;
  // The idempotent producer's fatal error: nothing is produced on this handle any more.
  std::string fatal_failure;
  bool stopping = false;
  uint64_t flushed_at_stop = 0;
  std::vector<caf::typed_response_promise<uint64_t>> stop_promises;

  static constexpr size_t max_pooled = 256;

  request_ctx* new_ctx() {
    if (pool.empty())
      return new request_ctx;
    auto ctx = pool.back();
    pool.pop_back();
    return ctx;
  }

  void recycle(request_ctx* ctx) {
    if (pool.size() >= max_pooled) {
      delete ctx;
      return;
    }
    ctx->clear();
    pool.push_back(ctx);
  }

  // Every exit path (stop, kill, user_shutdown, an exception) ends here: answer every pending
  // request, and leave what librdkafka still points to in the client's care.
  ~producer_state() {
    for (auto ctx : pool)
      delete ctx;
    if (!client || !owner)
      return;
    auto waiting_copy = waiting;
    for (auto ctx : waiting_copy)
      ctx->is_waiting = true;
    for (auto r : live) {
      auto ctx = static_cast<request_ctx*>(r);
      if (ctx->is_waiting && ctx->next == 0) {
        auto err = make_error(errc::stopped, "producer stopped before the request was sent");
        if (auto p = std::get_if<0>(&ctx->promise))
          p->deliver(err);
        else
          std::get<1>(ctx->promise).deliver(err);
        continue;
      }
      for (size_t i = 0; i < ctx->size; ++i) {
        if (ctx->recs[i].error_code != pending_code)
          continue;
        ctx->set_error(i, RD_KAFKA_RESP_ERR__DESTROY,
                       i < ctx->next
                         ? "record " + std::to_string(i)
                             + ": producer stopped before the broker acknowledged it"
                         : "record " + std::to_string(i)
                             + ": producer stopped before it was sent");
      }
      if (auto p = std::get_if<0>(&ctx->promise)) {
        auto r0 = ctx->report_of(0);
        if (r0.ok())
          p->deliver(std::move(r0));
        else
          p->deliver(make_error(r0.error_code == RD_KAFKA_RESP_ERR__DESTROY
                                  ? errc::stopped
                                  : code_for(r0.error_code),
                                r0.error));
      } else {
        std::get<1>(ctx->promise).deliver(ctx->batch());
      }
    }
    for (auto& p : stop_promises)
      p.deliver(make_error(errc::stopped, "producer stopped before its flush finished"));
    client->unregister_owner(owner, live);
  }

  rd_kafka_t* rk() const {
    return client->handle();
  }

  void forget(request_ctx* ctx) {
    auto i = ctx->live_index;
    live[i] = live.back();
    static_cast<request_ctx*>(live[i])->live_index = i;
    live.pop_back();
  }

  void finish(request_ctx* ctx) {
    if (ctx->probe && !ctx->broker_outcome && breaker)
      breaker->release_probe();
    if (auto p = std::get_if<0>(&ctx->promise)) {
      auto r = ctx->report_of(0);
      if (r.ok())
        p->deliver(std::move(r));
      else
        p->deliver(make_error(code_for(r.error_code), r.error));
    } else {
      std::get<1>(ctx->promise).deliver(ctx->batch());
    }
    forget(ctx);
    recycle(ctx);
  }

  static errc code_for(int32_t err) {
    switch (err) {
      case -1:
        return errc::backpressure;
      case -2:
        return errc::circuit_open;
      case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
        return errc::message_too_large;
      case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
      case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
      case RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION:
        return errc::invalid_topic;
      case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT:
      case RD_KAFKA_RESP_ERR__TIMED_OUT:
        return errc::timeout;
      case RD_KAFKA_RESP_ERR__DESTROY:
        return errc::stopped;
      default:
        return errc::kafka_error;
    }
  }

  void fail_record(request_ctx* ctx, size_t i, const message& m, int32_t code,
                   std::string text) {
    ctx->recs[i].partition = m.partition;
    ctx->set_error(i, code, std::move(text));
    ++stats.failed;
    --ctx->remaining;
  }

  // Checks what librdkafka would reject late or vaguely, naming the record.
  bool precheck(request_ctx* ctx, size_t i, const message& m, size_t size) {
    // Records mostly share their topic: check each name once, not per record.
    if (m.topic != last_valid_topic) {
      if (auto err = validate_topic_name(m.topic)) {
        fail_record(ctx, i, m, RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION,
                    "record " + std::to_string(i) + ": " + describe(err));
        return false;
      }
      last_valid_topic = m.topic;
    }
    if (size > client->max_message_bytes()) {
      fail_record(ctx, i, m, RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE,
                  "record " + std::to_string(i) + " for topic '" + m.topic + "' has "
                    + std::to_string(size) + " bytes, message.max.bytes is "
                    + std::to_string(client->max_message_bytes()));
      return false;
    }
    return true;
  }

  enum class outcome { done, window_full, queue_full };

  // Hands record `i` of `ctx` to librdkafka if the window admits it. The caller has counted
  // the record in ctx->outstanding; `produced` tells it whether a report will come.
  // The request owns its records (moved in) until it is answered, so librdkafka may reference
  // the payload instead of copying it (no RD_KAFKA_MSG_F_COPY): the report of a record comes
  // before its request is answered or, if the producer dies first, before the pump frees the
  // orphaned request (topic, key and headers are copied by librdkafka).
  outcome produce_record(request_ctx* ctx, size_t i, message& m, bool& produced) {
    produced = false;
    auto bytes = m.wire_size();
    if (!precheck(ctx, i, m, bytes))
      return outcome::done;
    if (!window.admits(1, bytes))
      return outcome::window_full;
    rd_kafka_headers_t* hdrs = nullptr;
    if (!m.metadata.empty()) {
      hdrs = rd_kafka_headers_new(m.metadata.size());
      for (auto& [k, v] : m.metadata)
        rd_kafka_header_add(hdrs, k.data(), static_cast<ssize_t>(k.size()), v.data(),
                            static_cast<ssize_t>(v.size()));
    }
    auto& slot = ctx->recs[i].slot;
    slot.bytes = static_cast<uint32_t>(bytes);
    auto err = rd_kafka_producev(
      rk(), RD_KAFKA_V_TOPIC(m.topic.c_str()), RD_KAFKA_V_PARTITION(m.partition),
      RD_KAFKA_V_MSGFLAGS(0),
      RD_KAFKA_V_VALUE(const_cast<char*>(m.content.data()), m.content.size()),
      RD_KAFKA_V_KEY(m.key.empty() ? nullptr : m.key.data(), m.key.size()),
      RD_KAFKA_V_TIMESTAMP(m.timestamp), RD_KAFKA_V_HEADERS(hdrs),
      RD_KAFKA_V_OPAQUE(&slot), RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      produced = true;
      window.take(1, bytes);
      return outcome::done;
    }
    if (hdrs)
      rd_kafka_headers_destroy(hdrs); // librdkafka takes them over only on success
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      // Retried when the shared queue has room (the pump says so) or on a timer.
      client->want_room(owner);
      return outcome::queue_full;
    }
    fail_record(ctx, i, m, err, "record " + std::to_string(i) + " for topic '" + m.topic
                                  + "': " + rd_error_text(err));
    return outcome::done;
  }

  // Produces records [ctx->next, size) of the request.
  outcome produce_from(request_ctx* ctx) {
    auto& src = ctx->records;
    auto n = src.size() - ctx->next;
    // Counted before librdkafka may report, given back for what was not handed over.
    ctx->outstanding.fetch_add(n);
    size_t handed = 0;
    auto res = outcome::done;
    for (; ctx->next < src.size(); ++ctx->next) {
      bool produced = false;
      res = produce_record(ctx, ctx->next, src[ctx->next], produced);
      handed += produced ? 1 : 0;
      if (res != outcome::done)
        break;
    }
    if (handed < n)
      ctx->outstanding.fetch_sub(n - handed);
    return res;
  }

  static size_t bytes_of(const message_batch& records, size_t from) {
    size_t n = 0;
    for (size_t i = from; i < records.size(); ++i)
      n += records[i].wire_size();
    return n;
  }

  // Takes a new request. Returns false if it was refused with backpressure.
  bool admit(request_ctx* ctx, bool may_wait) {
    auto& records = ctx->records;
    ctx->live_index = live.size();
    live.push_back(ctx);
    // Earlier waiters go first: a new request only bypasses an empty queue.
    auto res = outcome::window_full;
    if (waiting.empty()) {
      res = produce_from(ctx);
      if (res == outcome::done) {
        if (ctx->remaining == 0)
          finish(ctx);
        return true;
      }
      queue_full = res == outcome::queue_full;
    }
    // Waiting is bounded by requests and by bytes (the window's size); a request that would
    // wait alone always may, so a batch larger than the window still makes progress.
    auto rest = bytes_of(records, ctx->next);
    bool fits = waiting.size() < max_waiting
                && (waiting.empty() || parked_bytes + rest <= max_parked_bytes);
    if (!may_wait || !fits) {
      // Records already handed over still report; the rest fail with backpressure.
      std::string why = "backpressure: " + std::to_string(window.in_flight_messages())
                        + " records / " + std::to_string(window.in_flight_bytes())
                        + " bytes in flight, " + std::to_string(waiting.size())
                        + " requests / " + std::to_string(parked_bytes)
                        + " bytes waiting";
      for (size_t i = ctx->next; i < records.size(); ++i)
        fail_record(ctx, i, records[i], -1, why);
      ++stats.backpressure_rejections;
      ctx->next = records.size();
      if (ctx->remaining == 0)
        finish(ctx);
      return false;
    }
    ctx->parked_bytes = rest;
    parked_bytes += rest;
    ctx->is_waiting = true;
    waiting.push_back(ctx);
    return true;
  }

  // Produces what waits, in arrival order, while the window and the shared queue admit it.
  outcome drain_waiting() {
    queue_full = false;
    while (!waiting.empty()) {
      auto ctx = waiting.front();
      auto res = produce_from(ctx);
      if (res != outcome::done) {
        queue_full = res == outcome::queue_full;
        return res;
      }
      waiting.pop_front();
      parked_bytes -= ctx->parked_bytes;
      ctx->is_waiting = false;
      if (ctx->remaining == 0)
        finish(ctx);
    }
    return outcome::done;
  }

  // Applies one delivery report the pump forwarded.
  // The records of one request acked in one delivery batch share their latency: counted as
  // one run, so a record costs an increment, not a histogram observation.
  const request_ctx* run_ctx = nullptr;
  uint64_t run_length = 0;
  std::chrono::steady_clock::time_point batch_now{};

  void end_latency_run() {
    if (run_ctx && run_length > 0)
      stats.ack_latency.observe(batch_now - run_ctx->received_at, run_length);
    run_ctx = nullptr;
    run_length = 0;
  }

  void note_acked(const request_ctx* ctx) {
    if (ctx != run_ctx) {
      end_latency_run();
      run_ctx = ctx;
    }
    ++run_length;
  }

  void on_delivery(const delivery_entry& e) {
    auto slot = e.slot;
    auto ctx = static_cast<request_ctx*>(slot->request);
    auto& r = ctx->recs[slot->index];
    r.partition = e.partition;
    r.offset = e.offset;
    r.timestamp = e.timestamp;
    r.error_code = e.error_code;
    if (e.error_code) {
      auto err = static_cast<rd_kafka_resp_err_t>(e.error_code);
      auto what = "record " + std::to_string(slot->index) + " for topic '"
                  + ctx->records[slot->index].topic + "': ";
      bool purged = err == RD_KAFKA_RESP_ERR__PURGE_QUEUE
                    || err == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT;
      if (purged && !client_failure.empty()) {
        // Failed at once instead of after message.timeout.ms; the cause stays last_error.
        what += err == RD_KAFKA_RESP_ERR__PURGE_QUEUE
                  ? "not sent, the client cannot connect: "
                  : "not acknowledged (it may have been written), the client cannot connect: ";
        ctx->set_error(slot->index, e.error_code,
                       what + client_failure + " (" + rd_error_text(err) + ")");
      } else {
        stats.last_error = what + rd_error_text(err);
        ctx->set_error(slot->index, e.error_code, stats.last_error);
      }
      ++stats.failed;
    } else {
      ++stats.delivered;
      client_failure.clear();
      note_acked(ctx);
    }
    window.give_back(1, slot->bytes);
    if (breaker) {
      auto now = std::chrono::steady_clock::now();
      if (!e.error_code) {
        ctx->broker_outcome = true;
        breaker->on_success(now);
      } else if (is_broker_failure(static_cast<rd_kafka_resp_err_t>(e.error_code))) {
        ctx->broker_outcome = true;
        breaker->on_failure(now);
      }
    }
    if (--ctx->remaining == 0 && ctx->next >= ctx->size) {
      end_latency_run(); // finish() recycles the context
      finish(ctx);
    }
  }

  // Failures that say the brokers, not the record, are the trouble.
  static bool is_broker_failure(rd_kafka_resp_err_t err) {
    switch (err) {
      case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
      case RD_KAFKA_RESP_ERR_INVALID_MSG:
      case RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION:
      case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
      case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
      case RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE:
      case RD_KAFKA_RESP_ERR__DESTROY:
      case RD_KAFKA_RESP_ERR__PURGE_QUEUE:
      case RD_KAFKA_RESP_ERR__PURGE_INFLIGHT:
        return false;
      default:
        return true;
    }
  }

  // A client-wide error event, forwarded by the pump.
  void on_error(int32_t err, const std::string& reason) {
    auto code = static_cast<rd_kafka_resp_err_t>(err);
    auto text = std::string{rd_kafka_err2name(code)} + ": " + reason;
    bool cannot_connect = client->cannot_connect(err);
    if (cannot_connect)
      client_failure = text;
    if (code == RD_KAFKA_RESP_ERR__FATAL && fatal_failure.empty()) {
      char buf[512];
      auto real = rd_kafka_fatal_error(client->handle(), buf, sizeof(buf));
      fatal_failure = std::string{"fatal: "} + (real ? buf : reason.c_str());
    }
    // "All brokers down" follows every failed login: the login is the news.
    if (code != RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN || client_failure.empty())
      stats.last_error = text;
    if (breaker
        && (code == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN || cannot_connect
            || code == RD_KAFKA_RESP_ERR__FATAL))
      breaker->trip(std::chrono::steady_clock::now());
  }
};

using producer_pointer = producer_actor::stateful_pointer<producer_state>;

// How long a request parked on a full shared queue waits at most before it retries, should
// the pump's "room again" note not come (e.g. it raced with the last report).
constexpr auto queue_full_retry = 20ms;

// Produces what waited for credit; ends a flush once this producer's records all reported.
void serve(producer_pointer self) {
  auto& st = self->state;
  st.drain_waiting();
  if (st.queue_full && !st.retry_armed) {
    st.retry_armed = true;
    self->delayed_send(self, queue_full_retry, tick_atom_v);
  }
  if (st.stopping && st.waiting.empty() && st.window.in_flight_messages() == 0) {
    for (auto& p : st.stop_promises)
      p.deliver(st.flushed_at_stop);
    st.stop_promises.clear();
    self->quit();
  }
}

// `fill` moves the request's records into the (pooled) context's batch.
template <class Report, class Fill>
caf::typed_response_promise<Report> accept(producer_pointer self, Fill&& fill,
                                           bool may_wait) {
  auto& st = self->state;
  auto rp = self->make_response_promise<Report>();
  if (st.stopping) {
    rp.deliver(make_error(errc::stopped, "producer is stopping and takes no new records"));
    return rp;
  }
  auto ctx = st.new_ctx();
  fill(ctx->records);
  auto& records = ctx->records;
  bool probe = false;
  if (st.breaker) {
    auto now = std::chrono::steady_clock::now();
    bool half_open = st.breaker->phase(now) == breaker_phase::half_open;
    if (!st.breaker->allow(now)) {
      ++st.stats.circuit_open_rejections;
      auto why = "circuit open: "
                 + (st.client_failure.empty() ? st.stats.last_error : st.client_failure)
                 + "; ";
      if (half_open)
        why += "a probe is in flight";
      else
        why += "probing again in "
               + std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                  st.breaker->reopens_at() - now)
                                  .count())
               + " ms";
      if constexpr (std::is_same_v<Report, delivery_report>) {
        rp.deliver(make_error(errc::circuit_open, why));
      } else {
        batch_report rep;
        rep.results.resize(records.size());
        for (size_t i = 0; i < records.size(); ++i) {
          rep.results[i].topic = records[i].topic;
          rep.results[i].error_code = -2;
          rep.results[i].error = why;
        }
        rp.deliver(std::move(rep));
      }
      st.recycle(ctx);
      return rp;
    }
    probe = half_open;
  }
  if (records.empty()) {
    if (probe)
      st.breaker->release_probe();
    if constexpr (std::is_same_v<Report, batch_report>)
      rp.deliver(batch_report{});
    st.recycle(ctx);
    return rp;
  }
  ctx->promise = rp;
  ctx->received_at = std::chrono::steady_clock::now();
  ctx->start(st.owner);
  ctx->probe = probe;
  st.admit(ctx, may_wait);
  return rp;
}

producer_actor::behavior_type producer_impl(producer_pointer self,
                                            std::shared_ptr<shared_producer_client> client,
                                            flow_config flow,
                                            std::optional<breaker_config> breaker) {
  auto& st = self->state;
  st.client = std::move(client);
  st.owner = st.client->register_owner(self->address());
  st.window = credit_window{flow.producer_max_in_flight_messages,
                            flow.producer_max_in_flight_bytes};
  st.max_waiting = flow.producer_max_waiting_requests;
  st.max_parked_bytes = flow.producer_max_in_flight_bytes;
  if (breaker)
    st.breaker.emplace(*breaker);
  return {
    [=](send_atom, message& m) -> caf::typed_response_promise<delivery_report> {
      return accept<delivery_report>(
        self, [&](message_batch& dst) { dst.push_back(std::move(m)); }, true);
    },
    [=](send_atom, message_batch& ms) -> caf::typed_response_promise<batch_report> {
      return accept<batch_report>(
        self, [&](message_batch& dst) { dst = std::move(ms); }, true);
    },
    [=](try_send_atom, message_batch& ms) -> caf::typed_response_promise<batch_report> {
      return accept<batch_report>(
        self, [&](message_batch& dst) { dst = std::move(ms); }, false);
    },
    [=](stop_atom) -> caf::typed_response_promise<uint64_t> {
      auto& st = self->state;
      auto rp = self->make_response_promise<uint64_t>();
      if (!st.stopping) {
        st.stopping = true;
        st.flushed_at_stop = st.window.in_flight_messages();
        for (auto ctx : st.waiting)
          st.flushed_at_stop += ctx->records.size() - ctx->next;
      }
      st.stop_promises.push_back(rp);
      serve(self);
      return rp;
    },
    [=](status_atom) {
      auto& st = self->state;
      auto s = st.stats;
      s.in_flight_messages = st.window.in_flight_messages();
      s.in_flight_bytes = st.window.in_flight_bytes();
      s.waiting_requests = st.waiting.size();
      s.mailbox = self->mailbox().size();
      s.failure = !st.fatal_failure.empty() ? st.fatal_failure : st.client_failure;
      if (st.breaker) {
        s.breaker = to_string(st.breaker->phase(std::chrono::steady_clock::now()));
        s.breaker_opened = st.breaker->times_opened();
      }
      return s;
    },
    [=](const delivery_batch& batch) {
      auto& st = self->state;
      st.batch_now = std::chrono::steady_clock::now();
      for (auto& e : *batch)
        st.on_delivery(e);
      st.end_latency_run();
      serve(self);
    },
    // The shared queue has room again (from the pump, whoever's records it delivered).
    [=](poll_atom) { serve(self); },
    // The retry timer of a request parked on a full shared queue.
    [=](tick_atom) {
      self->state.retry_armed = false;
      serve(self);
    },
    [=](fail_atom, int32_t err, const std::string& reason) {
      self->state.on_error(err, reason);
    },
  };
}

} // namespace

caf::expected<producer_actor> spawn_producer(caf::actor_system& sys,
                                             const kafka_config& cfg) {
  if (cfg.bootstrap_servers.empty())
    return make_error(errc::invalid_config,
                      "producer needs bootstrap.servers (start an embedded cluster first)");
  auto props = cfg.producer_config();
  props["bootstrap.servers"] = cfg.bootstrap_servers;
  auto conf = make_conf(props);
  if (!conf)
    return conf.error();
  auto client = client_pool::instance().acquire(sys, props);
  if (!client)
    return client.error();
  // The window respects the shared handle's queue (queue.buffering.max.*), divided among the
  // producer actors that share it.
  auto flow = cfg.flow;
  std::tie(flow.producer_max_in_flight_messages, flow.producer_max_in_flight_bytes) =
    cfg.producer_window();
  return sys.spawn(producer_impl, std::move(*client), flow, cfg.producer_breaker);
}

// -- producer_sender -------------------------------------------------------------------------

struct producer_sender::shared_state {
  producer_actor producer;
  size_t max_batch = 1000;
  std::chrono::microseconds linger{1000};
  std::mutex mx;
  message_batch batch;
  std::vector<callback> callbacks;
  bool timer_armed = false;
  uint64_t next_take = 0; // sequence number of the next gathered batch
};

// What one caller gathered: the records and, index by index, whom to tell about each.
struct sender_batch {
  message_batch batch;
  std::vector<producer_sender::callback> callbacks;
  uint64_t seq = 0; // batches go to the producer in the order they were taken
};

} // namespace kafka_actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::shared_ptr<kafka_actors::sender_batch>)

namespace kafka_actors {

namespace {

using sender_batch_ptr = std::shared_ptr<sender_batch>;

sender_batch_ptr take_gathered(producer_sender::shared_state& st) {
  auto g = std::make_shared<sender_batch>();
  g->batch.swap(st.batch);
  g->callbacks.swap(st.callbacks);
  g->seq = st.next_take++;
  st.batch.reserve(st.max_batch);
  st.callbacks.reserve(st.max_batch);
  return g;
}

struct sender_helper_state {
  static inline const char* name = "kafka-producer-sender";
  size_t pending = 0; // requests not yet answered
  bool stopping = false;
  // Batches are taken on the callers' threads (full) or here (linger) and may arrive out of
  // order: each goes out only after every batch taken before it.
  uint64_t next_seq = 0;
  std::map<uint64_t, sender_batch_ptr> held;
};

caf::behavior sender_helper(caf::stateful_actor<sender_helper_state>* self,
                            std::shared_ptr<producer_sender::shared_state> st) {
  auto done = [self] {
    if (--self->state.pending == 0 && self->state.stopping && self->state.held.empty())
      self->quit();
  };
  auto request = [self, st, done](sender_batch_ptr g) {
    ++self->state.pending;
    self->request(st->producer, caf::infinite, send_atom_v, std::move(g->batch))
      .then(
        [g, done](batch_report& rep) {
          auto& cbs = g->callbacks;
          for (size_t i = 0; i < cbs.size(); ++i) {
            if (i < rep.results.size()) {
              cbs[i](rep.results[i]);
            } else {
              delivery_report d;
              d.error_code = RD_KAFKA_RESP_ERR__FAIL;
              d.error = "record " + std::to_string(i) + ": no report in the producer's answer";
              cbs[i](d);
            }
          }
          done();
        },
        [g, done](caf::error& err) {
          auto text = describe(err);
          for (auto& cb : g->callbacks) {
            delivery_report d;
            d.error_code = RD_KAFKA_RESP_ERR__FAIL;
            d.error = text;
            cb(d);
          }
          done();
        });
  };
  auto dispatch = [self, request](sender_batch_ptr g) {
    auto& hs = self->state;
    if (g->seq != hs.next_seq) {
      hs.held.emplace(g->seq, std::move(g));
      return;
    }
    ++hs.next_seq;
    request(std::move(g));
    while (!hs.held.empty() && hs.held.begin()->first == hs.next_seq) {
      auto next = std::move(hs.held.begin()->second);
      hs.held.erase(hs.held.begin());
      ++hs.next_seq;
      request(std::move(next));
    }
  };
  return {
    [=](sender_batch_ptr g) { dispatch(std::move(g)); },
    [=](tick_atom) {
      sender_batch_ptr g;
      {
        std::lock_guard<std::mutex> guard{st->mx};
        st->timer_armed = false;
        if (!st->batch.empty())
          g = take_gathered(*st);
      }
      if (g)
        dispatch(std::move(g));
    },
    [=](stop_atom) {
      sender_batch_ptr g;
      {
        std::lock_guard<std::mutex> guard{st->mx};
        if (!st->batch.empty())
          g = take_gathered(*st);
      }
      if (g)
        dispatch(std::move(g));
      self->state.stopping = true;
      if (self->state.pending == 0 && self->state.held.empty())
        self->quit();
    },
  };
}

} // namespace

producer_sender::producer_sender(caf::actor_system& sys, producer_actor producer,
                                 size_t max_batch, std::chrono::microseconds linger)
  : st_(std::make_shared<shared_state>()) {
  st_->producer = std::move(producer);
  st_->max_batch = std::max<size_t>(max_batch, 1);
  st_->linger = linger;
  st_->batch.reserve(st_->max_batch);
  st_->callbacks.reserve(st_->max_batch);
  helper_ = sys.spawn(sender_helper, st_);
}

producer_sender::~producer_sender() {
  // The helper sends what is gathered, answers it, then quits.
  caf::anon_send(helper_, stop_atom_v);
  helper_ = nullptr;
}

void producer_sender::send(message m, callback on_result) {
  std::unique_lock<std::mutex> lock{st_->mx};
  st_->batch.push_back(std::move(m));
  st_->callbacks.push_back(std::move(on_result));
  if (st_->batch.size() >= st_->max_batch) {
    auto g = take_gathered(*st_);
    lock.unlock();
    caf::anon_send(helper_, std::move(g));
    return;
  }
  if (!st_->timer_armed) {
    st_->timer_armed = true;
    lock.unlock();
    caf::delayed_anon_send(helper_, st_->linger, tick_atom_v);
  }
}

void producer_sender::flush() {
  sender_batch_ptr g;
  {
    std::lock_guard<std::mutex> guard{st_->mx};
    if (!st_->batch.empty())
      g = take_gathered(*st_);
  }
  if (g)
    caf::anon_send(helper_, std::move(g));
}

} // namespace kafka_actors
