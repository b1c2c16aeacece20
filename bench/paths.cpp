// The measured paths of kafka_bench. Raw paths drive librdkafka directly from the calling
// thread; actor paths go through spawn_producer / spawn_consumer from a caf::scoped_actor.
// Both take their properties from the same kafka_config (producer_config / consumer_config),
// so only the code path differs.

#include "paths.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include <caf/after.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <librdkafka/rdkafka.h>

#include "kafka_actors/actors/consumer.hpp"
#include "kafka_actors/actors/kafka_service.hpp"
#include "kafka_actors/actors/producer.hpp"
#include "kafka_actors/actors/remote_handler.hpp"
#include "kafka_actors/runtime/errors.hpp"
#include "kafka_actors/runtime/message.hpp"
#include "kafka_actors/runtime/record.hpp"

namespace kafka_bench {

namespace ka = kafka_actors;
using clock_type = std::chrono::steady_clock;
using namespace std::chrono_literals;

rk_ptr new_client(rd_kafka_type_t type, ka::properties props, const ka::kafka_config& cfg,
                  std::string* error, const std::function<void(rd_kafka_conf_t*)>& extra) {
  props["bootstrap.servers"] = cfg.bootstrap_servers;
  auto conf = rd_kafka_conf_new();
  char errstr[512];
  for (auto& [k, v] : props)
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), errstr, sizeof(errstr))
        != RD_KAFKA_CONF_OK) {
      *error = "property '" + k + "': " + errstr;
      rd_kafka_conf_destroy(conf);
      return nullptr;
    }
  if (extra)
    extra(conf);
  auto rk = rd_kafka_new(type, conf, errstr, sizeof(errstr));
  if (!rk) {
    *error = std::string{"rd_kafka_new: "} + errstr;
    rd_kafka_conf_destroy(conf);
  }
  return rk_ptr{rk};
}

std::string err_text(rd_kafka_resp_err_t err) {
  return std::string{rd_kafka_err2name(err)} + ": " + rd_kafka_err2str(err);
}

cpu_sample cpu_sample::now() {
  cpu_sample s;
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  s.process = static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
  std::ifstream in{"/proc/stat"};
  std::string cpu;
  double user = 0, nice = 0, sys = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
  in >> cpu >> user >> nice >> sys >> idle >> iowait >> irq >> softirq >> steal;
  s.busy = user + nice + sys + irq + softirq + steal;
  s.total = s.busy + idle + iowait;
  return s;
}

namespace {

constexpr auto reply_timeout = 120s;
constexpr int consume_timeout_s = 120;

double seconds_between(clock_type::time_point a, clock_type::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// CPU used by this process and by the whole machine, to tell "slower" from "busier".
void fill_cpu(run_result& r, const cpu_sample& a, const cpu_sample& b) {
  r.client_cpu = b.process - a.process;
  r.machine_busy = b.total > a.total ? (b.busy - a.busy) / (b.total - a.total) : 0;
}

// -- raw librdkafka plumbing ---------------------------------------------------------------

// Runs one admin request on `q` and returns its result event (or nullptr + error).
rd_kafka_event_t* await_admin(rd_kafka_queue_t* q, std::string* error) {
  auto ev = rd_kafka_queue_poll(q, 60000);
  if (!ev) {
    *error = "admin request: no answer within 60 s";
    return nullptr;
  }
  if (auto err = rd_kafka_event_error(ev)) {
    *error = std::string{"admin request: "} + rd_kafka_err2name(err) + ": "
             + rd_kafka_event_error_string(ev);
    rd_kafka_event_destroy(ev);
    return nullptr;
  }
  return ev;
}

// Partitions of `topic` with a leader each, or -1 while metadata does not show it yet.
int ready_partitions(rd_kafka_t* rk, const std::string& topic) {
  auto rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  const rd_kafka_metadata_t* md = nullptr;
  int n = -1;
  if (rd_kafka_metadata(rk, 0, rkt, &md, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    if (md->topic_cnt == 1 && md->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      n = md->topics[0].partition_cnt;
      for (int i = 0; i < md->topics[0].partition_cnt; ++i)
        if (md->topics[0].partitions[i].leader < 0)
          n = -1;
    }
    rd_kafka_metadata_destroy(md);
  }
  rd_kafka_topic_destroy(rkt);
  return n;
}

// -- consume bookkeeping -------------------------------------------------------------------

// What every consume path does per record: check the offset follows the previous one of its
// partition (a fresh group reads each partition from 0, so any gap or duplicate shows) and
// count. Records arrive from one thread at a time in every path.
class consume_probe {
public:
  explicit consume_probe(int64_t n) : n_(n), next_(max_partitions, 0) {
  }

  void check(int32_t partition, int64_t offset) {
    if (partition < 0 || partition >= max_partitions) {
      anomalies_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    if (next_[static_cast<size_t>(partition)] != offset)
      anomalies_.fetch_add(1, std::memory_order_relaxed);
    next_[static_cast<size_t>(partition)] = offset + 1;
  }

  void add(int64_t k) {
    auto before = count_.fetch_add(k, std::memory_order_relaxed);
    if (before == 0) {
      first_ = clock_type::now();
      first_cpu_ = cpu_sample::now();
    }
    if (before < n_ && before + k >= n_) {
      auto now = clock_type::now();
      auto cpu = cpu_sample::now();
      std::lock_guard<std::mutex> guard{mx_};
      last_ = now;
      last_cpu_ = cpu;
      done_ = true;
      cv_.notify_all();
    }
  }

  bool wait(std::chrono::seconds timeout) {
    std::unique_lock<std::mutex> lock{mx_};
    return cv_.wait_for(lock, timeout, [&] { return done_; });
  }

  /// Valid once wait() returned true.
  clock_type::time_point first() const {
    return first_;
  }
  clock_type::time_point last() const {
    return last_;
  }
  const cpu_sample& first_cpu() const {
    return first_cpu_;
  }
  const cpu_sample& last_cpu() const {
    return last_cpu_;
  }
  int64_t count() const {
    return count_.load(std::memory_order_relaxed);
  }
  int64_t anomalies() const {
    return anomalies_.load(std::memory_order_relaxed);
  }

private:
  static constexpr int32_t max_partitions = 1024;
  const int64_t n_;
  std::vector<int64_t> next_;
  std::atomic<int64_t> count_{0};
  std::atomic<int64_t> anomalies_{0};
  clock_type::time_point first_{};
  clock_type::time_point last_{};
  cpu_sample first_cpu_;
  cpu_sample last_cpu_;
  std::mutex mx_;
  std::condition_variable cv_;
  bool done_ = false;
};

void fill_consume_result(run_result& r, const consume_probe& probe, bool done,
                         clock_type::time_point start, int64_t n) {
  r.ok = probe.count();
  r.failed = probe.anomalies();
  if (!done) {
    if (r.error.empty())
      r.error = "only " + std::to_string(probe.count()) + " of " + std::to_string(n)
                + " records within " + std::to_string(consume_timeout_s) + " s";
    return;
  }
  r.seconds = seconds_between(probe.first(), probe.last());
  fill_cpu(r, probe.first_cpu(), probe.last_cpu());
  r.seconds_from_start = seconds_between(start, probe.last());
}

// -- actor plumbing ------------------------------------------------------------------------

ka::message make_message(const std::string& topic, const std::string& payload) {
  ka::message m;
  m.topic = topic;
  m.content = payload;
  return m;
}

// One record through `send`, answered before anything is timed: connects, fetches the
// topic's metadata and the idempotent producer id, as the raw path's warm-up does.
bool warm_up(caf::scoped_actor& self, const ka::producer_actor& p, const run_spec& s,
             run_result& r) {
  self->request(p, reply_timeout, ka::send_atom_v,
                make_message(s.topic, std::string(s.payload_bytes, 'w')))
    .receive([](ka::delivery_report&) {},
             [&](caf::error& err) { r.error = "warm-up record: " + ka::describe(err); });
  return r.error.empty();
}

void stop_producer(caf::scoped_actor& self, ka::producer_actor& p, run_result& r) {
  self->request(p, reply_timeout, ka::stop_atom_v)
    .receive([](uint64_t) {},
             [&](caf::error& err) {
               if (r.error.empty())
                 r.error = "stopping the producer: " + ka::describe(err);
             });
  p = nullptr;
}

// `service`: subscribe through it (and stop the subscription by its id) instead of spawning a
// consumer of our own.
run_result consume_actor(caf::actor_system& sys, const run_spec& s, const std::string& group,
                         bool batch_handler,
                         const std::optional<ka::lane_options>& lanes = std::nullopt,
                         std::chrono::microseconds cost = std::chrono::microseconds{0},
                         const ka::kafka_service_actor* service = nullptr) {
  run_result r;
  auto probe = std::make_shared<consume_probe>(s.count);
  ka::subscription sub;
  sub.topics = {s.topic};
  sub.group = group;
  sub.lanes = lanes;
  if (lanes || cost.count() > 0) {
    // Lanes call from a thread per partition (the probe's per-partition slots are each
    // written by one); key lanes reorder a partition's offsets, so those only count.
    bool in_order = !lanes || lanes->key_lanes == 1;
    sub.on_record = [probe, cost, in_order](const ka::record& rec) -> caf::error {
      if (cost.count() > 0)
        std::this_thread::sleep_for(cost);
      if (in_order)
        probe->check(rec.partition(), rec.offset());
      probe->add(1);
      return caf::none;
    };
  } else if (batch_handler)
    sub.on_batch = [probe](const ka::record_batch& b) -> caf::error {
      b.for_each([&](const ka::record& rec) { probe->check(rec.partition(), rec.offset()); });
      probe->add(static_cast<int64_t>(b.size()));
      return caf::none;
    };
  else
    sub.on_record = [probe](const ka::record& rec) -> caf::error {
      probe->check(rec.partition(), rec.offset());
      probe->add(1);
      return caf::none;
    };
  caf::scoped_actor self{sys};
  auto stopped = [&](ka::consumer_status&) {};
  auto stop_failed = [&](caf::error& err) {
    if (r.error.empty())
      r.error = "stopping the consumer: " + ka::describe(err);
  };
  auto start = clock_type::now();
  if (service) {
    uint64_t id = 0;
    self->request(*service, reply_timeout, ka::subscribe_atom_v, std::move(sub))
      .receive([&](uint64_t i) { id = i; },
               [&](caf::error& err) { r.error = "subscribe: " + ka::describe(err); });
    if (!r.error.empty())
      return r;
    bool done = probe->wait(std::chrono::seconds{consume_timeout_s});
    fill_consume_result(r, *probe, done, start, s.count);
    self->request(*service, reply_timeout, ka::stop_atom_v, id).receive(stopped, stop_failed);
    return r;
  }
  auto spawned = ka::spawn_consumer(sys, *s.cfg, std::move(sub));
  if (!spawned) {
    r.error = "spawn_consumer: " + ka::describe(spawned.error());
    return r;
  }
  ka::consumer_actor consumer = std::move(*spawned);
  bool done = probe->wait(std::chrono::seconds{consume_timeout_s});
  fill_consume_result(r, *probe, done, start, s.count);
  self->request(consumer, reply_timeout, ka::stop_atom_v).receive(stopped, stop_failed);
  consumer = nullptr;
  return r;
}

} // namespace

// -- produce -------------------------------------------------------------------------------

namespace {

struct dr_counts {
  int64_t ok = 0;
  int64_t failed = 0;
  std::string first_error;
};

void count_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto c = static_cast<dr_counts*>(opaque);
  if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    ++c->ok;
  } else if (c->failed++ == 0) {
    c->first_error = err_text(m->err);
  }
}

} // namespace

run_result produce_raw(const run_spec& s) {
  run_result r;
  dr_counts counts;
  auto rk = new_client(RD_KAFKA_PRODUCER, s.cfg->producer_config(), *s.cfg, &r.error,
                       [&](rd_kafka_conf_t* conf) {
                         rd_kafka_conf_set_dr_msg_cb(conf, &count_delivery);
                         rd_kafka_conf_set_opaque(conf, &counts);
                       });
  if (!rk)
    return r;
  std::string payload(s.payload_bytes, 'x');
  std::string key;
  auto produce_one = [&](std::string& value) {
    for (;;) {
      auto err = rd_kafka_producev(rk.get(), RD_KAFKA_V_TOPIC(s.topic.c_str()),
                                   RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                   RD_KAFKA_V_VALUE(value.data(), value.size()),
                                   RD_KAFKA_V_KEY(key.empty() ? nullptr : key.data(),
                                                  key.size()),
                                   RD_KAFKA_V_END);
      if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL)
        return err;
      rd_kafka_poll(rk.get(), 100);
    }
  };
  std::string warm(s.payload_bytes, 'w');
  if (auto err = produce_one(warm)) {
    r.error = "warm-up record: " + err_text(err);
    return r;
  }
  rd_kafka_flush(rk.get(), 60000);
  if (counts.ok != 1) {
    r.error = "warm-up record not delivered: " + counts.first_error;
    return r;
  }
  counts = dr_counts{};
  auto cpu0 = cpu_sample::now();
  auto t0 = clock_type::now();
  for (int64_t i = 0; i < s.count; ++i) {
    if (s.keys > 0)
      key = "k" + std::to_string(static_cast<size_t>(i) % s.keys);
    if (auto err = produce_one(payload)) {
      r.error = "rd_kafka_producev: " + err_text(err);
      break;
    }
    rd_kafka_poll(rk.get(), 0);
  }
  if (auto err = rd_kafka_flush(rk.get(), 120000); err && r.error.empty())
    r.error = "rd_kafka_flush: " + err_text(err);
  r.seconds = seconds_between(t0, clock_type::now());
  fill_cpu(r, cpu0, cpu_sample::now());
  r.ok = counts.ok;
  r.failed = counts.failed;
  if (counts.failed > 0 && r.error.empty())
    r.error = std::to_string(counts.failed) + " deliveries failed, first: " + counts.first_error;
  return r;
}

namespace {

// Batches of s.batch_size records to `target`, at most s.batches_in_flight outstanding.
template <class Handle>
void produce_batches(caf::scoped_actor& self, const Handle& target, const run_spec& s,
                     run_result& r) {
  std::string payload(s.payload_bytes, 'x');
  int64_t sent = 0, answered = 0;
  size_t outstanding = 0;
  auto cpu0 = cpu_sample::now();
  auto t0 = clock_type::now();
  while (answered < s.count && r.error.empty()) {
    while (outstanding < s.batches_in_flight && sent < s.count) {
      auto k = std::min(static_cast<int64_t>(s.batch_size), s.count - sent);
      ka::message_batch batch;
      batch.reserve(static_cast<size_t>(k));
      for (int64_t i = 0; i < k; ++i)
        batch.push_back(make_message(s.topic, payload));
      self->send(target, ka::send_atom_v, std::move(batch));
      sent += k;
      ++outstanding;
    }
    self->receive(
      [&](ka::batch_report& rep) {
        --outstanding;
        auto failed = static_cast<int64_t>(rep.failed());
        answered += static_cast<int64_t>(rep.results.size());
        r.failed += failed;
        r.ok += static_cast<int64_t>(rep.results.size()) - failed;
        if (failed > 0 && r.error.empty())
          for (auto& d : rep.results)
            if (!d.ok()) {
              r.error = "delivery failed: " + d.error;
              break;
            }
      },
      [&](caf::error& err) { r.error = "send (batch): " + ka::describe(err); },
      caf::after(reply_timeout) >> [&] { r.error = "no batch_report within 120 s"; });
  }
  r.seconds = seconds_between(t0, clock_type::now());
  fill_cpu(r, cpu0, cpu_sample::now());
}

} // namespace

run_result produce_actor_batched(caf::actor_system& sys, const run_spec& s) {
  run_result r;
  auto spawned = ka::spawn_producer(sys, *s.cfg);
  if (!spawned) {
    r.error = "spawn_producer: " + ka::describe(spawned.error());
    return r;
  }
  ka::producer_actor producer = std::move(*spawned);
  caf::scoped_actor self{sys};
  if (warm_up(self, producer, s, r))
    produce_batches(self, producer, s, r);
  stop_producer(self, producer, r);
  return r;
}

run_result produce_service_batched(caf::actor_system& sys, const run_spec& s) {
  run_result r;
  auto spawned = ka::spawn_kafka_service(sys, *s.cfg);
  if (!spawned) {
    r.error = "spawn_kafka_service: " + ka::describe(spawned.error());
    return r;
  }
  auto service = std::move(*spawned);
  r = produce_service_batched(sys, s, service);
  if (auto err = stop_service(sys, service); !err.empty() && r.error.empty())
    r.error = err;
  return r;
}

run_result produce_service_batched(caf::actor_system& sys, const run_spec& s,
                                   const ka::kafka_service_actor& service) {
  run_result r;
  caf::scoped_actor self{sys};
  self->request(service, reply_timeout, ka::send_atom_v,
                make_message(s.topic, std::string(s.payload_bytes, 'w')))
    .receive([](ka::delivery_report&) {},
             [&](caf::error& err) { r.error = "warm-up record: " + ka::describe(err); });
  if (r.error.empty())
    produce_batches(self, service, s, r);
  return r;
}

std::string stop_service(caf::actor_system& sys, ka::kafka_service_actor& service) {
  std::string error;
  caf::scoped_actor self{sys};
  self->request(service, reply_timeout, ka::stop_all_atom_v)
    .receive([](bool) {},
             [&](caf::error& err) { error = "stopping the service: " + ka::describe(err); });
  service = nullptr;
  return error;
}

run_result produce_actor_single(caf::actor_system& sys, const run_spec& s) {
  run_result r;
  auto spawned = ka::spawn_producer(sys, *s.cfg);
  if (!spawned) {
    r.error = "spawn_producer: " + ka::describe(spawned.error());
    return r;
  }
  ka::producer_actor producer = std::move(*spawned);
  caf::scoped_actor self{sys};
  if (warm_up(self, producer, s, r)) {
    std::string payload(s.payload_bytes, 'x');
    auto window = static_cast<int64_t>(s.window);
    int64_t sent = 0, answered = 0;
    auto cpu0 = cpu_sample::now();
    auto t0 = clock_type::now();
    while (answered < s.count && r.error.empty()) {
      while (sent < s.count && sent - answered < window) {
        self->send(producer, ka::send_atom_v, make_message(s.topic, payload));
        ++sent;
      }
      self->receive(
        [&](ka::delivery_report&) {
          ++answered;
          ++r.ok;
        },
        [&](caf::error& err) {
          ++answered;
          if (r.failed++ == 0)
            r.error = "delivery failed: " + ka::describe(err);
        },
        caf::after(reply_timeout) >> [&] { r.error = "no delivery_report within 120 s"; });
    }
    r.seconds = seconds_between(t0, clock_type::now());
    fill_cpu(r, cpu0, cpu_sample::now());
  }
  stop_producer(self, producer, r);
  return r;
}

run_result produce_sender_single(caf::actor_system& sys, const run_spec& s) {
  run_result r;
  auto spawned = ka::spawn_producer(sys, *s.cfg);
  if (!spawned) {
    r.error = "spawn_producer: " + ka::describe(spawned.error());
    return r;
  }
  ka::producer_actor producer = std::move(*spawned);
  caf::scoped_actor self{sys};
  if (warm_up(self, producer, s, r)) {
    // Results come on the sender's helper thread: count them there, wake this thread only
    // when it waits for the window to open.
    struct counts {
      std::atomic<int64_t> answered{0};
      std::atomic<int64_t> failed{0};
      std::atomic<int64_t> wake_at{INT64_MAX};
      std::mutex mx;
      std::condition_variable cv;
      std::string first_error;
    } c;
    auto on_result = [&c](ka::delivery_report& d) {
      if (!d.ok() && c.failed.fetch_add(1) == 0) {
        std::lock_guard<std::mutex> guard{c.mx};
        c.first_error = d.error;
      }
      auto a = c.answered.fetch_add(1) + 1;
      if (a >= c.wake_at.load()) {
        std::lock_guard<std::mutex> guard{c.mx};
        c.cv.notify_one();
      }
    };
    std::string payload(s.payload_bytes, 'x');
    auto window = static_cast<int64_t>(s.window);
    auto deadline = clock_type::now() + reply_timeout;
    auto cpu0 = cpu_sample::now();
    auto t0 = clock_type::now();
    {
      ka::producer_sender sender{sys, producer, s.batch_size, 1ms};
      auto wait_for = [&](int64_t target) {
        if (c.answered.load() >= target)
          return true;
        std::unique_lock<std::mutex> lock{c.mx};
        c.wake_at.store(target);
        bool ok = c.cv.wait_until(lock, deadline, [&] { return c.answered.load() >= target; });
        c.wake_at.store(INT64_MAX);
        return ok;
      };
      int64_t sent = 0;
      while (sent < s.count && r.error.empty()) {
        if (sent - c.answered.load() >= window && !wait_for(sent - window / 2)) {
          r.error = "no results within 120 s";
          break;
        }
        sender.send(make_message(s.topic, payload), on_result);
        ++sent;
      }
      sender.flush();
      if (r.error.empty() && !wait_for(s.count))
        r.error = "no results within 120 s";
    }
    r.seconds = seconds_between(t0, clock_type::now());
    fill_cpu(r, cpu0, cpu_sample::now());
    r.failed = c.failed.load();
    r.ok = c.answered.load() - r.failed;
    if (r.failed > 0 && r.error.empty())
      r.error = "delivery failed: " + c.first_error;
  }
  stop_producer(self, producer, r);
  return r;
}

// -- consume -------------------------------------------------------------------------------

run_result consume_raw(const run_spec& s, const std::string& group) {
  run_result r;
  consume_probe probe{s.count};
  auto start = clock_type::now();
  auto rk = new_client(RD_KAFKA_CONSUMER, s.cfg->consumer_config(group), *s.cfg, &r.error);
  if (!rk)
    return r;
  rd_kafka_poll_set_consumer(rk.get());
  auto topics = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(topics, s.topic.c_str(), RD_KAFKA_PARTITION_UA);
  auto err = rd_kafka_subscribe(rk.get(), topics);
  rd_kafka_topic_partition_list_destroy(topics);
  if (err) {
    r.error = "rd_kafka_subscribe: " + err_text(err);
    return r;
  }
  auto deadline = start + std::chrono::seconds{consume_timeout_s};
  bool done = false;
  while (!done) {
    auto m = rd_kafka_consumer_poll(rk.get(), 100);
    if (!m) {
      if (clock_type::now() > deadline)
        break;
      continue;
    }
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      probe.check(m->partition, m->offset);
      probe.add(1);
      done = probe.count() >= s.count;
    }
    rd_kafka_message_destroy(m);
  }
  fill_consume_result(r, probe, done, start, s.count);
  rd_kafka_consumer_close(rk.get());
  return r;
}

run_result consume_actor_batch(caf::actor_system& sys, const run_spec& spec,
                               const std::string& group) {
  return consume_actor(sys, spec, group, true);
}

run_result consume_actor_record(caf::actor_system& sys, const run_spec& spec,
                                const std::string& group) {
  return consume_actor(sys, spec, group, false);
}

run_result consume_service_batch(caf::actor_system& sys, const ka::kafka_service_actor& service,
                                 const run_spec& spec, const std::string& group) {
  return consume_actor(sys, spec, group, true, std::nullopt, std::chrono::microseconds{0},
                       &service);
}

run_result consume_remote(caf::actor_system& sys, const ka::kafka_service_actor& service,
                          const run_spec& s, const std::string& group, int64_t credit) {
  run_result r;
  auto probe = std::make_shared<consume_probe>(s.count);
  // An event-based handler that checks and counts each record and acknowledges the batch
  // at once: what crosses the wire is the path under test.
  auto handler = sys.spawn([probe, credit](ka::remote_handler_actor::pointer self)
                             -> ka::remote_handler_actor::behavior_type {
    return {
      [=](ka::join_atom, ka::remote_feed_actor feed) {
        self->send(feed, ka::credit_atom_v, credit);
      },
      [=](ka::remote_batch& b, ka::remote_feed_actor feed) {
        b.for_each([&](const ka::remote_record& r) { probe->check(r.partition(), r.offset()); });
        probe->add(static_cast<int64_t>(b.size()));
        self->send(feed, ka::ack_atom_v, b.id, b.credit);
      },
    };
  });
  ka::remote_subscription rs;
  rs.topics = {s.topic};
  rs.group = group;
  rs.handler = handler;
  caf::scoped_actor self{sys};
  auto start = clock_type::now();
  uint64_t id = 0;
  self->request(service, reply_timeout, ka::subscribe_atom_v, std::move(rs))
    .receive([&](uint64_t i) { id = i; },
             [&](caf::error& err) { r.error = "subscribe: " + ka::describe(err); });
  if (r.error.empty()) {
    bool done = probe->wait(std::chrono::seconds{consume_timeout_s});
    fill_consume_result(r, *probe, done, start, s.count);
    self->request(service, reply_timeout, ka::stop_atom_v, id)
      .receive([](ka::consumer_status&) {},
               [&](caf::error& err) {
                 if (r.error.empty())
                   r.error = "stopping the subscription: " + ka::describe(err);
               });
  }
  caf::anon_send_exit(handler, caf::exit_reason::user_shutdown);
  return r;
}

run_result consume_actor_lanes(caf::actor_system& sys, const run_spec& spec,
                               const std::string& group,
                               const std::optional<ka::lane_options>& lanes,
                               std::chrono::microseconds handler_cost) {
  return consume_actor(sys, spec, group, false, lanes, handler_cost);
}

double median(std::vector<double> v) {
  if (v.empty())
    return 0;
  std::sort(v.begin(), v.end());
  auto n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

std::string with_commas(double x) {
  auto s = std::to_string(static_cast<long long>(x + 0.5));
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3)
    s.insert(static_cast<size_t>(i), ",");
  return s;
}

bool report_run(const ka::kafka_config& cfg, const run_spec& spec, const char* name,
                bool produce, const run_result& r, int rep, int reps) {
  std::printf("[%4zu B rep %d/%d] %-32s ", spec.payload_bytes, rep + 1, reps, name);
  std::string why = r.error;
  int64_t held = -1;
  if (produce && why.empty()) {
    held = records_in_topic(cfg, spec.topic, &why);
    if (why.empty() && (r.ok != spec.count || r.failed != 0 || held != spec.count + 1))
      why = "count mismatch";
  }
  if (!produce && why.empty() && (r.ok < spec.count || r.failed != 0))
    why = "records missing or out of sequence";
  if (r.seconds > 0)
    std::printf("%10s msg/s  cpu %5.2f us/msg  busy %3.0f%%  ",
                with_commas(static_cast<double>(spec.count) / r.seconds).c_str(),
                r.client_cpu * 1e6 / static_cast<double>(spec.count), r.machine_busy * 100);
  if (produce)
    std::printf("delivered %lld, failed %lld, broker holds %lld (N + 1 warm-up)",
                static_cast<long long>(r.ok), static_cast<long long>(r.failed),
                static_cast<long long>(held));
  else
    std::printf("consumed %lld, out of sequence %lld, subscribe->N %.2f s",
                static_cast<long long>(r.ok), static_cast<long long>(r.failed),
                r.seconds_from_start);
  std::printf("%s%s\n", why.empty() ? "" : "  ERROR: ", why.c_str());
  std::fflush(stdout);
  return why.empty();
}

// -- admin ---------------------------------------------------------------------------------


std::string create_topic(const ka::kafka_config& cfg, const std::string& topic,
                         int partitions,
                         const std::vector<std::pair<std::string, std::string>>& configs) {
  std::string error;
  auto rk = new_client(RD_KAFKA_PRODUCER, cfg.admin_config(), cfg, &error);
  if (!rk)
    return error;
  char errstr[512];
  auto nt = rd_kafka_NewTopic_new(topic.c_str(), partitions, 1, errstr, sizeof(errstr));
  if (!nt)
    return std::string{"NewTopic: "} + errstr;
  for (auto& [k, v] : configs)
    if (auto e = rd_kafka_NewTopic_set_config(nt, k.c_str(), v.c_str())) {
      rd_kafka_NewTopic_destroy(nt);
      return "NewTopic config " + k + ": " + rd_kafka_err2name(e);
    }
  auto q = rd_kafka_queue_new(rk.get());
  auto opts = rd_kafka_AdminOptions_new(rk.get(), RD_KAFKA_ADMIN_OP_CREATETOPICS);
  rd_kafka_AdminOptions_set_operation_timeout(opts, 30000, errstr, sizeof(errstr));
  rd_kafka_CreateTopics(rk.get(), &nt, 1, opts, q);
  if (auto ev = await_admin(q, &error)) {
    size_t n = 0;
    auto res = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
    if (n != 1)
      error = "CreateTopics: " + std::to_string(n) + " results for one topic";
    else if (auto e = rd_kafka_topic_result_error(res[0]))
      error = "creating topic '" + topic + "': " + rd_kafka_err2name(e) + ": "
              + (rd_kafka_topic_result_error_string(res[0])
                   ? rd_kafka_topic_result_error_string(res[0])
                   : "");
    rd_kafka_event_destroy(ev);
  }
  rd_kafka_AdminOptions_destroy(opts);
  rd_kafka_NewTopic_destroy(nt);
  rd_kafka_queue_destroy(q);
  if (!error.empty())
    return error;
  // The controller answered; wait until metadata shows every partition with a leader.
  auto until = clock_type::now() + 30s;
  while (ready_partitions(rk.get(), topic) != partitions) {
    if (clock_type::now() > until)
      return "topic '" + topic + "' created but not ready within 30 s";
    std::this_thread::sleep_for(50ms);
  }
  return {};
}

std::string delete_topics(const ka::kafka_config& cfg, const std::vector<std::string>& topics) {
  if (topics.empty())
    return {};
  std::string error;
  auto rk = new_client(RD_KAFKA_PRODUCER, cfg.admin_config(), cfg, &error);
  if (!rk)
    return error;
  std::vector<rd_kafka_DeleteTopic_t*> dts;
  for (auto& t : topics)
    dts.push_back(rd_kafka_DeleteTopic_new(t.c_str()));
  auto q = rd_kafka_queue_new(rk.get());
  rd_kafka_DeleteTopics(rk.get(), dts.data(), dts.size(), nullptr, q);
  if (auto ev = await_admin(q, &error)) {
    size_t n = 0;
    auto res = rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(ev), &n);
    for (size_t i = 0; i < n && error.empty(); ++i)
      if (auto e = rd_kafka_topic_result_error(res[i]))
        error = std::string{"deleting topic '"} + rd_kafka_topic_result_name(res[i])
                + "': " + rd_kafka_err2name(e);
    rd_kafka_event_destroy(ev);
  }
  rd_kafka_DeleteTopic_destroy_array(dts.data(), dts.size());
  rd_kafka_queue_destroy(q);
  return error;
}

int64_t records_in_topic(const ka::kafka_config& cfg, const std::string& topic,
                         std::string* error) {
  auto rk = new_client(RD_KAFKA_PRODUCER, cfg.admin_config(), cfg, error);
  if (!rk)
    return -1;
  auto partitions = ready_partitions(rk.get(), topic);
  if (partitions < 0) {
    *error = "no metadata for topic '" + topic + "'";
    return -1;
  }
  int64_t total = 0;
  for (int32_t p = 0; p < partitions; ++p) {
    int64_t lo = 0, hi = 0;
    if (auto err = rd_kafka_query_watermark_offsets(rk.get(), topic.c_str(), p, &lo, &hi,
                                                    10000)) {
      *error = "watermarks of " + topic + "[" + std::to_string(p) + "]: " + err_text(err);
      return -1;
    }
    total += hi - lo;
  }
  return total;
}

} // namespace kafka_bench
