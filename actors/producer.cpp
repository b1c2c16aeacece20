#include "kafka_actors/actors/producer.hpp"

#include <deque>
#include <memory>
#include <unordered_set>
#include <variant>

#include <caf/event_based_actor.hpp>
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

// One request in progress: the records not yet handed to librdkafka (only kept when the
// request had to wait), the reports so far, and whom to answer.
struct request_ctx {
  // The record's librdkafka opaque; the pump reads `owner` to route its report.
  struct slot {
    const delivery_owner* owner;
    request_ctx* ctx;
    size_t index;
  };
  std::variant<caf::typed_response_promise<delivery_report>,
               caf::typed_response_promise<batch_report>>
    promise;
  message_batch parked;   // records not yet produced, kept only while the request waits
  size_t parked_base = 0; // index in the request of parked.front()
  size_t next = 0;        // index in the request of the next record to produce
  batch_report report;
  std::vector<slot> slots;
  size_t remaining = 0; // records without a final report yet

  void init(size_t n, const delivery_owner* owner) {
    report.results.resize(n);
    slots.resize(n);
    for (size_t i = 0; i < n; ++i)
      slots[i] = slot{owner, this, i};
    remaining = n;
  }
};

struct producer_state {
  static inline const char* name = "kafka-producer";

  std::shared_ptr<shared_producer_client> client;
  const delivery_owner* owner = nullptr;
  caf::actor_addr self_addr;
  credit_window window{1, 1};
  std::optional<breaker_state> breaker;
  std::string last_valid_topic;
  size_t max_waiting = 0;
  std::deque<request_ctx*> waiting;
  std::unordered_set<request_ctx*> live;
  producer_status stats;
  bool stopping = false;
  uint64_t flushed_at_stop = 0;
  std::vector<caf::typed_response_promise<uint64_t>> stop_promises;

  ~producer_state() {
    if (client)
      client->unregister_owner(self_addr);
    for (auto ctx : live)
      delete ctx;
  }

  rd_kafka_t* rk() const {
    return client->handle();
  }

  void finish(request_ctx* ctx) {
    if (auto p = std::get_if<0>(&ctx->promise)) {
      auto& r = ctx->report.results.front();
      if (r.ok())
        p->deliver(std::move(r));
      else
        p->deliver(make_error(code_for(r.error_code), r.error));
    } else {
      std::get<1>(ctx->promise).deliver(std::move(ctx->report));
    }
    live.erase(ctx);
    delete ctx;
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
      default:
        return errc::kafka_error;
    }
  }

  void fail_record(request_ctx* ctx, size_t i, const message& m, int32_t code,
                   std::string text) {
    auto& r = ctx->report.results[i];
    r.topic = m.topic;
    r.partition = m.partition;
    r.error_code = code;
    r.error = std::move(text);
    ++stats.failed;
    --ctx->remaining;
  }

  // Checks what librdkafka would reject late or vaguely, naming the record.
  bool precheck(request_ctx* ctx, size_t i, const message& m) {
    // Records mostly share their topic: check each name once, not per record.
    if (m.topic != last_valid_topic) {
      if (auto err = validate_topic_name(m.topic)) {
        fail_record(ctx, i, m, RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION,
                    "record " + std::to_string(i) + ": " + describe(err));
        return false;
      }
      last_valid_topic = m.topic;
    }
    auto size = m.wire_size();
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

  // Hands record `i` of `ctx` to librdkafka if the window admits it.
  outcome produce_record(request_ctx* ctx, size_t i, const message& m) {
    if (!precheck(ctx, i, m))
      return outcome::done;
    auto bytes = m.content.size() + m.key.size();
    if (!window.admits(1, bytes))
      return outcome::window_full;
    rd_kafka_headers_t* hdrs = nullptr;
    if (!m.metadata.empty()) {
      hdrs = rd_kafka_headers_new(m.metadata.size());
      for (auto& [k, v] : m.metadata)
        rd_kafka_header_add(hdrs, k.data(), static_cast<ssize_t>(k.size()), v.data(),
                            static_cast<ssize_t>(v.size()));
    }
    auto err = rd_kafka_producev(
      rk(), RD_KAFKA_V_TOPIC(m.topic.c_str()), RD_KAFKA_V_PARTITION(m.partition),
      RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
      RD_KAFKA_V_VALUE(const_cast<char*>(m.content.data()), m.content.size()),
      RD_KAFKA_V_KEY(m.key.empty() ? nullptr : m.key.data(), m.key.size()),
      RD_KAFKA_V_TIMESTAMP(m.timestamp), RD_KAFKA_V_HEADERS(hdrs),
      RD_KAFKA_V_OPAQUE(&ctx->slots[i]), RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      window.take(1, bytes);
      ctx->report.results[i].topic = m.topic;
      return outcome::done;
    }
    if (hdrs)
      rd_kafka_headers_destroy(hdrs); // librdkafka takes them over only on success
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL)
      return outcome::queue_full; // retried when deliveries free the queue
    fail_record(ctx, i, m, err, "record " + std::to_string(i) + " for topic '" + m.topic
                                  + "': " + rd_error_text(err));
    return outcome::done;
  }

  // Produces records [ctx->next, base + src.size()) where record i is src[i - base].
  outcome produce_from(request_ctx* ctx, const message_batch& src, size_t base) {
    for (; ctx->next < base + src.size(); ++ctx->next) {
      auto res = produce_record(ctx, ctx->next, src[ctx->next - base]);
      if (res != outcome::done)
        return res;
    }
    return outcome::done;
  }

  // Takes a new request. Returns false if it was refused with backpressure.
  bool admit(request_ctx* ctx, const message_batch& records, bool may_wait) {
    live.insert(ctx);
    ctx->init(records.size(), owner);
    // Earlier waiters go first: a new request only bypasses an empty queue.
    if (waiting.empty() && produce_from(ctx, records, 0) == outcome::done) {
      if (ctx->remaining == 0)
        finish(ctx);
      return true;
    }
    if (!may_wait || waiting.size() >= max_waiting) {
      // Records already handed over still report; the rest fail with backpressure.
      std::string why = "backpressure: " + std::to_string(window.in_flight_messages())
                        + " records / " + std::to_string(window.in_flight_bytes())
                        + " bytes in flight, " + std::to_string(waiting.size())
                        + " requests waiting";
      for (size_t i = ctx->next; i < records.size(); ++i)
        fail_record(ctx, i, records[i], -1, why);
      ++stats.backpressure_rejections;
      ctx->next = records.size();
      if (ctx->remaining == 0)
        finish(ctx);
      return false;
    }
    ctx->parked.assign(records.begin() + static_cast<ptrdiff_t>(ctx->next), records.end());
    ctx->parked_base = ctx->next;
    waiting.push_back(ctx);
    return true;
  }

  // Produces what waits, in arrival order, while the window admits it.
  void drain_waiting() {
    while (!waiting.empty()) {
      auto ctx = waiting.front();
      if (produce_from(ctx, ctx->parked, ctx->parked_base) != outcome::done)
        return;
      waiting.pop_front();
      message_batch{}.swap(ctx->parked);
      if (ctx->remaining == 0)
        finish(ctx);
    }
  }

  // Applies one delivery report the pump forwarded.
  void on_delivery(const delivery_entry& e) {
    auto slot = static_cast<request_ctx::slot*>(e.slot);
    auto ctx = slot->ctx;
    auto& r = ctx->report.results[slot->index];
    r.partition = e.partition;
    r.offset = e.offset;
    r.timestamp = e.timestamp;
    r.error_code = e.error_code;
    if (e.error_code) {
      auto err = static_cast<rd_kafka_resp_err_t>(e.error_code);
      r.error = "record " + std::to_string(slot->index) + " for topic '" + r.topic
                + "': " + rd_error_text(err);
      stats.last_error = r.error;
      ++stats.failed;
    } else {
      ++stats.delivered;
    }
    window.give_back(1, e.bytes);
    if (breaker) {
      auto now = std::chrono::steady_clock::now();
      if (!e.error_code)
        breaker->on_success(now);
      else if (is_broker_failure(static_cast<rd_kafka_resp_err_t>(e.error_code)))
        breaker->on_failure(now);
    }
    if (--ctx->remaining == 0 && ctx->next >= ctx->report.results.size())
      finish(ctx);
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
        return false;
      default:
        return true;
    }
  }

  // A client-wide error event, forwarded by the pump.
  void on_error(int32_t err, const std::string& reason) {
    auto code = static_cast<rd_kafka_resp_err_t>(err);
    stats.last_error = std::string{rd_kafka_err2name(code)} + ": " + reason;
    if (breaker
        && (code == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN
            || code == RD_KAFKA_RESP_ERR__AUTHENTICATION || code == RD_KAFKA_RESP_ERR__FATAL))
      breaker->trip(std::chrono::steady_clock::now());
  }
};

using producer_pointer = producer_actor::stateful_pointer<producer_state>;

// Produces what waited for credit; ends a flush once this producer's records all reported.
void serve(producer_pointer self) {
  auto& st = self->state;
  st.drain_waiting();
  if (st.stopping && st.waiting.empty() && st.window.in_flight_messages() == 0) {
    for (auto& p : st.stop_promises)
      p.deliver(st.flushed_at_stop);
    st.stop_promises.clear();
    self->quit();
  }
}

template <class Report>
caf::typed_response_promise<Report> accept(producer_pointer self, const message_batch& records,
                                           bool may_wait) {
  auto& st = self->state;
  auto rp = self->make_response_promise<Report>();
  if (st.stopping) {
    rp.deliver(make_error(errc::stopped, "producer is stopping and takes no new records"));
    return rp;
  }
  if (st.breaker && !st.breaker->allow(std::chrono::steady_clock::now())) {
    ++st.stats.circuit_open_rejections;
    auto why = "circuit open: " + st.stats.last_error + "; probing again in "
               + std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                  st.breaker->reopens_at() - std::chrono::steady_clock::now())
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
    return rp;
  }
  auto ctx = new request_ctx{rp, {}, 0, 0, {}, {}, 0};
  st.admit(ctx, records, may_wait);
  return rp;
}

producer_actor::behavior_type producer_impl(producer_pointer self,
                                            std::shared_ptr<shared_producer_client> client,
                                            flow_config flow,
                                            std::optional<breaker_config> breaker) {
  auto& st = self->state;
  st.client = std::move(client);
  st.self_addr = self->address();
  st.owner = st.client->register_owner(st.self_addr);
  st.window = credit_window{flow.producer_max_in_flight_messages,
                            flow.producer_max_in_flight_bytes};
  st.max_waiting = flow.producer_max_waiting_requests;
  if (breaker)
    st.breaker.emplace(*breaker);
  return {
    [=](send_atom, const message& m) -> caf::typed_response_promise<delivery_report> {
      return accept<delivery_report>(self, message_batch{m}, true);
    },
    [=](send_atom, const message_batch& ms) -> caf::typed_response_promise<batch_report> {
      return accept<batch_report>(self, ms, true);
    },
    [=](try_send_atom, const message_batch& ms)
      -> caf::typed_response_promise<batch_report> {
      return accept<batch_report>(self, ms, false);
    },
    [=](stop_atom) -> caf::typed_response_promise<uint64_t> {
      auto& st = self->state;
      auto rp = self->make_response_promise<uint64_t>();
      if (!st.stopping) {
        st.stopping = true;
        st.flushed_at_stop = st.window.in_flight_messages();
        for (auto ctx : st.waiting)
          st.flushed_at_stop += ctx->parked.size();

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
      if (st.breaker) {
        s.breaker = to_string(st.breaker->phase(std::chrono::steady_clock::now()));
        s.breaker_opened = st.breaker->times_opened();
      }
      return s;
    },
    [=](const delivery_batch& batch) {
      auto& st = self->state;
      for (auto& e : *batch)
        st.on_delivery(e);
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
  return sys.spawn(producer_impl, std::move(*client), cfg.flow, cfg.producer_breaker);
}

} // namespace kafka_actors
