// kafka_bench --latency: end-to-end latency at a fixed rate, from the produce call to the
// handler, raw librdkafka against the actor API.
//   raw:   rd_kafka_producev per record + rd_kafka_poll(0) in the pacing loop; a consumer
//          thread on rd_kafka_consumer_poll;
//   actor: spawn_kafka_service, one send_atom message_batch per 1 ms slot, a subscription
//          with on_record as the handler.
// Every record carries its steady_clock send time and a sequence number; both ends run in
// this process, so they share the clock and the handler's now - sent is the whole trip:
// linger, the broker's append and ack, the fetch and every hop to the handler.

#include "latency.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <string_view>
#include <thread>
#include <vector>

#include <caf/after.hpp>
#include <caf/scoped_actor.hpp>
#include <librdkafka/rdkafka.h>
#include <unistd.h>

#include "paths.hpp"
#include "kafka_actors/actors/kafka_service.hpp"
#include "kafka_actors/runtime/errors.hpp"
#include "kafka_actors/runtime/record.hpp"

namespace kafka_bench {

namespace ka = kafka_actors;
using clock_type = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

constexpr size_t payload_bytes = 100;
// Sequence numbers of the warm-up records (one per partition) start here.
constexpr uint64_t warm_tag = uint64_t{1} << 62;
constexpr auto ready_timeout = 60s;
// After the last send: long enough for any broker hiccup, short enough to report a loss.
constexpr auto arrival_timeout = 60s;

// Wall-clock ms, the clock of a record's CreateTime.
int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

void add_ack(std::vector<uint32_t>& acks, int64_t create_time_ms) {
  if (create_time_ms > 0)
    acks.push_back(static_cast<uint32_t>(std::max<int64_t>(0, wall_ms() - create_time_ms)));
}

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
           clock_type::now().time_since_epoch())
    .count();
}

// The first 24 payload bytes: send time (steady_clock ns), sequence number, send time
// (wall-clock ms, the clock of CreateTime: it splits the trip at librdkafka's producev).
void stamp(char* payload, uint64_t seq) {
  auto ns = now_ns();
  auto ms = wall_ms();
  std::memcpy(payload, &ns, sizeof(ns));
  std::memcpy(payload + 8, &seq, sizeof(seq));
  std::memcpy(payload + 16, &ms, sizeof(ms));
}

// A record's trip split at its CreateTime, in wall-clock ms: send call to producev (the
// actor path's hops into librdkafka; ~0 raw) and producev to the handler (librdkafka, the
// broker, the fetch and the hops out to the handler).
struct trip_split {
  std::vector<uint32_t> to_producev_ms;
  std::vector<uint32_t> after_producev_ms;
};

// What the handler of one path saw. on_payload runs on one thread at a time (the
// subscription's handler lane, or the raw consumer thread), so the latencies go into a
// preallocated vector without a lock; the caller reads them once wait() saw all of them, or
// after it stopped the consumer.
class latency_sink {
public:
  enum stage { assigned = 1, warmed = 2, complete = 4 };

  latency_sink(int64_t expected, int partitions)
    : expected_(expected), latency_us_(static_cast<size_t>(expected)),
      seen_(static_cast<size_t>(expected), 0), warm_seen_(static_cast<size_t>(partitions), 0),
      warm_left_(partitions) {
    split_.to_producev_ms.resize(static_cast<size_t>(expected));
    split_.after_producev_ms.resize(static_cast<size_t>(expected));
  }

  /// `create_ms`: the record's CreateTime (wall-clock ms).
  void on_payload(const void* data, size_t size, int64_t create_ms) {
    auto arrived = now_ns();
    auto arrived_ms = wall_ms();
    if (size < 24) {
      unexpected_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    int64_t sent = 0;
    uint64_t seq = 0;
    std::memcpy(&sent, data, sizeof(sent));
    std::memcpy(&seq, static_cast<const char*>(data) + 8, sizeof(seq));
    if (seq >= warm_tag) {
      auto p = seq - warm_tag;
      if (p < warm_seen_.size() && !warm_seen_[p]) {
        warm_seen_[p] = 1;
        if (--warm_left_ == 0)
          reach(warmed);
      }
      return;
    }
    if (seq >= static_cast<uint64_t>(expected_)) {
      unexpected_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    if (seen_[seq]) {
      duplicates_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    seen_[seq] = 1;
    auto n = received_.load(std::memory_order_relaxed);
    latency_us_[static_cast<size_t>(n)] = static_cast<uint32_t>((arrived - sent) / 1000);
    int64_t sent_ms = 0;
    std::memcpy(&sent_ms, static_cast<const char*>(data) + 16, sizeof(sent_ms));
    split_.to_producev_ms[static_cast<size_t>(n)]
      = static_cast<uint32_t>(std::max<int64_t>(0, create_ms - sent_ms));
    split_.after_producev_ms[static_cast<size_t>(n)]
      = static_cast<uint32_t>(std::max<int64_t>(0, arrived_ms - create_ms));
    received_.store(n + 1, std::memory_order_release);
    if (n + 1 == expected_)
      reach(complete);
  }

  void reach(stage s) {
    std::lock_guard<std::mutex> guard{mx_};
    stages_ |= s;
    cv_.notify_all();
  }

  bool wait(stage s, clock_type::time_point deadline) {
    std::unique_lock<std::mutex> lock{mx_};
    return cv_.wait_until(lock, deadline, [&] { return (stages_ & s) != 0; });
  }

  int64_t received() const {
    return received_.load(std::memory_order_acquire);
  }
  int64_t duplicates() const {
    return duplicates_.load(std::memory_order_relaxed);
  }
  int64_t unexpected() const {
    return unexpected_.load(std::memory_order_relaxed);
  }
  /// Call once nothing writes any more.
  std::vector<uint32_t> sorted_latencies() const {
    std::vector<uint32_t> v(latency_us_.begin(), latency_us_.begin() + received());
    std::sort(v.begin(), v.end());
    return v;
  }
  /// Call once nothing writes any more.
  trip_split sorted_split() const {
    auto n = static_cast<size_t>(received());
    trip_split out;
    out.to_producev_ms.assign(split_.to_producev_ms.begin(),
                              split_.to_producev_ms.begin() + static_cast<std::ptrdiff_t>(n));
    out.after_producev_ms.assign(split_.after_producev_ms.begin(),
                                 split_.after_producev_ms.begin()
                                   + static_cast<std::ptrdiff_t>(n));
    std::sort(out.to_producev_ms.begin(), out.to_producev_ms.end());
    std::sort(out.after_producev_ms.begin(), out.after_producev_ms.end());
    return out;
  }

private:
  const int64_t expected_;
  std::vector<uint32_t> latency_us_;
  trip_split split_;
  std::vector<char> seen_;
  std::vector<char> warm_seen_;
  int warm_left_;
  std::atomic<int64_t> received_{0};
  std::atomic<int64_t> duplicates_{0};
  std::atomic<int64_t> unexpected_{0};
  std::mutex mx_;
  std::condition_variable cv_;
  int stages_ = 0;
};

struct path_result {
  explicit path_result(const char* n) : name(n) {
  }

  const char* name;
  int64_t sent = 0;
  int64_t received = 0;
  int64_t duplicates = 0;
  int64_t unexpected = 0;
  int64_t failed_deliveries = 0;
  /// First to last send of the paced records.
  double send_seconds = 0;
  /// Worst lateness of a slot's sending against its start, in ms (the pacer's own delay).
  double max_slot_late_ms = 0;
  double process_cpu = 0;
  double machine_busy = 0;
  std::vector<uint32_t> latency_us;
  /// Per record: wall-clock ms from its CreateTime (stamped by librdkafka in producev) to
  /// its delivery report reaching the sender. Splits the trip into produce and consume.
  std::vector<uint32_t> ack_ms;
  trip_split split;
  std::string error;

  double rate() const {
    return send_seconds > 0 ? static_cast<double>(sent - 1) / send_seconds : 0;
  }
};

// Nearest rank, in ms; 0 without samples.
double percentile_ms(const std::vector<uint32_t>& sorted, double p) {
  if (sorted.empty())
    return 0;
  auto rank = static_cast<size_t>(std::ceil(p / 100 * static_cast<double>(sorted.size())));
  rank = std::clamp<size_t>(rank, 1, sorted.size());
  return sorted[rank - 1] / 1000.0;
}

// Sends `total` records at `rate` per second. Record i is due at t0 + i / rate; each 1 ms
// slot sends every record due by its start, and after a late wake-up what is due by then,
// never more (a backlog is not burst ahead of schedule). `send(first, n)` hands records
// [first, first + n) over; `serve_until(t)` serves replies until t.
template <class Send, class Serve>
void pace(int64_t total, int64_t rate, path_result& r, Send&& send, Serve&& serve_until) {
  auto cpu0 = cpu_sample::now();
  auto t0 = clock_type::now();
  auto last_send = t0;
  int64_t slot = 0;
  while (r.sent < total && r.error.empty()) {
    auto now = clock_type::now();
    auto elapsed = std::chrono::duration<double>(now - t0).count();
    auto due = std::min(total, static_cast<int64_t>(elapsed * static_cast<double>(rate)) + 1);
    if (due > r.sent) {
      send(r.sent, due - r.sent);
      r.sent = due;
      last_send = now;
    }
    auto late = std::chrono::duration<double, std::milli>(now - (t0 + slot * 1ms)).count();
    r.max_slot_late_ms = std::max(r.max_slot_late_ms, late);
    // Next slot boundary after now: slots missed while late are not replayed.
    slot = std::chrono::duration_cast<std::chrono::milliseconds>(now - t0).count() + 1;
    if (r.sent < total)
      serve_until(t0 + slot * 1ms);
  }
  r.send_seconds = std::chrono::duration<double>(last_send - t0).count();
  auto cpu1 = cpu_sample::now();
  auto wall = std::chrono::duration<double>(clock_type::now() - t0).count();
  r.process_cpu = wall > 0 ? (cpu1.process - cpu0.process) / wall : 0;
  r.machine_busy = cpu1.total > cpu0.total ? (cpu1.busy - cpu0.busy) / (cpu1.total - cpu0.total)
                                           : 0;
}

void collect(path_result& r, const latency_sink& sink) {
  r.received = sink.received();
  r.duplicates = sink.duplicates();
  r.unexpected = sink.unexpected();
  r.latency_us = sink.sorted_latencies();
  r.split = sink.sorted_split();
  if (r.error.empty() && r.received != r.sent)
    r.error = std::to_string(r.sent - r.received) + " records did not arrive within "
              + std::to_string(arrival_timeout.count()) + " s";
}

// -- raw librdkafka ------------------------------------------------------------------------

struct dr_counts {
  int64_t ok = 0;
  int64_t failed = 0;
  std::string first_error;
  std::vector<uint32_t>* acks = nullptr;
};

void count_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto c = static_cast<dr_counts*>(opaque);
  if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    ++c->ok;
    if (c->acks)
      add_ack(*c->acks, rd_kafka_message_timestamp(m, nullptr));
  } else if (c->failed++ == 0)
    c->first_error = err_text(m->err);
}

bool has_assignment(rd_kafka_t* rk) {
  rd_kafka_topic_partition_list_t* parts = nullptr;
  if (rd_kafka_assignment(rk, &parts) != RD_KAFKA_RESP_ERR_NO_ERROR)
    return false;
  bool any = parts->cnt > 0;
  rd_kafka_topic_partition_list_destroy(parts);
  return any;
}

// The consumer's thread: polls until told to stop, feeding the sink.
struct raw_consumer {
  rk_ptr rk;
  std::atomic<bool> stop{false};
  std::string error; // written by the thread, read after join
  std::thread thread;

  void run(latency_sink& sink) {
    bool assigned = false;
    while (!stop.load(std::memory_order_relaxed)) {
      auto m = rd_kafka_consumer_poll(rk.get(), 100);
      // Assignment happens inside the poll (the default rebalance handling assigns).
      if (!assigned && has_assignment(rk.get())) {
        assigned = true;
        sink.reach(latency_sink::assigned);
      }
      if (!m)
        continue;
      if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR)
        sink.on_payload(m->payload, m->len, rd_kafka_message_timestamp(m, nullptr));
      else if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF && error.empty())
        error = "consumer: " + err_text(m->err);
      rd_kafka_message_destroy(m);
    }
  }
};

path_result run_raw(const ka::kafka_config& cfg, const latency_options& o,
                    const std::string& topic, const std::string& group, int64_t total) {
  path_result r{"raw librdkafka"};
  latency_sink sink{total, o.partitions};
  raw_consumer consumer;
  consumer.rk = new_client(RD_KAFKA_CONSUMER, cfg.consumer_config(group), cfg, &r.error);
  if (!consumer.rk)
    return r;
  rd_kafka_poll_set_consumer(consumer.rk.get());
  auto topics = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(topics, topic.c_str(), RD_KAFKA_PARTITION_UA);
  auto err = rd_kafka_subscribe(consumer.rk.get(), topics);
  rd_kafka_topic_partition_list_destroy(topics);
  if (err) {
    r.error = "rd_kafka_subscribe: " + err_text(err);
    return r;
  }
  consumer.thread = std::thread{[&] { consumer.run(sink); }};
  dr_counts counts;
  auto producer = new_client(RD_KAFKA_PRODUCER, cfg.producer_config(), cfg, &r.error,
                             [&counts](rd_kafka_conf_t* conf) {
                               rd_kafka_conf_set_dr_msg_cb(conf, &count_delivery);
                               rd_kafka_conf_set_opaque(conf, &counts);
                             });
  char payload[payload_bytes];
  std::memset(payload, 'x', sizeof(payload));
  auto produce = [&](uint64_t seq, int32_t partition) {
    stamp(payload, seq);
    for (;;) {
      auto e = rd_kafka_producev(producer.get(), RD_KAFKA_V_TOPIC(topic.c_str()),
                                 RD_KAFKA_V_PARTITION(partition),
                                 RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                 RD_KAFKA_V_VALUE(payload, sizeof(payload)), RD_KAFKA_V_END);
      if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL)
        return e;
      rd_kafka_poll(producer.get(), 1);
    }
  };
  auto deadline = clock_type::now() + ready_timeout;
  if (producer && !sink.wait(latency_sink::assigned, deadline))
    r.error = "the consumer had no assignment within 60 s";
  // One record per partition, awaited at the handler: every partition is being fetched and
  // the producer knows every leader before the clock runs (positions of an empty partition
  // stay unset until something arrives).
  for (int32_t p = 0; p < o.partitions && r.error.empty(); ++p)
    if (auto e = produce(warm_tag + static_cast<uint64_t>(p), p))
      r.error = "warm-up record: " + err_text(e);
  if (r.error.empty()) {
    rd_kafka_flush(producer.get(), 30000);
    if (!sink.wait(latency_sink::warmed, clock_type::now() + ready_timeout))
      r.error = "warm-up records did not reach the consumer within 60 s";
  }
  counts = dr_counts{};
  r.ack_ms.reserve(static_cast<size_t>(total));
  counts.acks = &r.ack_ms;
  if (r.error.empty())
    pace(
      total, o.rate, r,
      [&](int64_t first, int64_t n) {
        for (int64_t i = first; i < first + n && r.error.empty(); ++i) {
          if (auto e = produce(static_cast<uint64_t>(i), RD_KAFKA_PARTITION_UA))
            r.error = "rd_kafka_producev: " + err_text(e);
          rd_kafka_poll(producer.get(), 0);
        }
      },
      [&](clock_type::time_point until) {
        // Serve delivery reports while waiting; the sub-millisecond rest is a timed wait.
        for (;;) {
          auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                        until - clock_type::now())
                        .count();
          if (left <= 0)
            break;
          rd_kafka_poll(producer.get(), static_cast<int>(left));
        }
        rd_kafka_poll(producer.get(), 0);
        std::this_thread::sleep_until(until);
      });
  if (producer) {
    if (auto e = rd_kafka_flush(producer.get(), 60000); e && r.error.empty())
      r.error = "rd_kafka_flush: " + err_text(e);
    r.failed_deliveries = counts.failed;
    if (counts.failed > 0 && r.error.empty())
      r.error = std::to_string(counts.failed) + " deliveries failed, first: "
                + counts.first_error;
  }
  if (r.error.empty())
    sink.wait(latency_sink::complete, clock_type::now() + arrival_timeout);
  consumer.stop = true;
  consumer.thread.join();
  rd_kafka_consumer_close(consumer.rk.get());
  if (r.error.empty())
    r.error = consumer.error;
  collect(r, sink);
  return r;
}

// -- actor API -----------------------------------------------------------------------------

ka::message make_message(const std::string& topic, uint64_t seq, int32_t partition) {
  ka::message m;
  m.topic = topic;
  m.content.assign(payload_bytes, 'x');
  m.partition = partition;
  stamp(m.content.data(), seq);
  return m;
}

path_result run_actor(caf::actor_system& sys, const ka::kafka_config& cfg,
                      const latency_options& o, const std::string& topic,
                      const std::string& group, int64_t total) {
  path_result r{"actor (KafkaService)"};
  auto sink = std::make_shared<latency_sink>(total, o.partitions);
  auto spawned = ka::spawn_kafka_service(sys, cfg);
  if (!spawned) {
    r.error = "spawn_kafka_service: " + ka::describe(spawned.error());
    return r;
  }
  auto service = std::move(*spawned);
  caf::scoped_actor self{sys};
  auto fail = [&](const char* what) {
    return [&r, what](caf::error& err) {
      if (r.error.empty())
        r.error = std::string{what} + ": " + ka::describe(err);
    };
  };
  ka::subscription sub;
  sub.topics = {topic};
  sub.group = group;
  sub.on_record = [sink](const ka::record& rec) -> caf::error {
    auto p = rec.payload();
    sink->on_payload(p.data(), p.size(), rec.timestamp());
    return caf::none;
  };
  uint64_t id = 0;
  self->request(service, ready_timeout, ka::subscribe_atom_v, std::move(sub))
    .receive([&](uint64_t i) { id = i; }, fail("subscribe"));
  if (r.error.empty())
    self->request(service, ready_timeout, ka::ready_atom_v, id)
      .receive([](bool) {}, fail("ready"));
  for (int32_t p = 0; p < o.partitions && r.error.empty(); ++p)
    self
      ->request(service, ready_timeout, ka::send_atom_v,
                make_message(topic, warm_tag + static_cast<uint64_t>(p), p))
      .receive([](ka::delivery_report&) {}, fail("warm-up record"));
  if (r.error.empty() && !sink->wait(latency_sink::warmed, clock_type::now() + ready_timeout))
    r.error = "warm-up records did not reach the handler within 60 s";
  size_t outstanding = 0;
  r.ack_ms.reserve(static_cast<size_t>(total));
  auto on_report = [&](ka::batch_report& rep) {
    --outstanding;
    auto failed = static_cast<int64_t>(rep.failed());
    r.failed_deliveries += failed;
    for (auto& d : rep.results)
      if (d.ok())
        add_ack(r.ack_ms, d.timestamp);
    if (failed > 0 && r.error.empty())
      for (auto& d : rep.results)
        if (!d.ok()) {
          r.error = "delivery failed: " + d.error;
          break;
        }
  };
  auto on_error = [&](caf::error& err) {
    --outstanding;
    if (r.error.empty())
      r.error = "send (batch): " + ka::describe(err);
  };
  if (r.error.empty())
    pace(
      total, o.rate, r,
      [&](int64_t first, int64_t n) {
        ka::message_batch batch;
        batch.reserve(static_cast<size_t>(n));
        for (int64_t i = first; i < first + n; ++i)
          batch.push_back(make_message(topic, static_cast<uint64_t>(i), ka::any_partition));
        self->send(service, ka::send_atom_v, std::move(batch));
        ++outstanding;
      },
      [&](clock_type::time_point until) {
        // Serve batch reports while waiting: a receive with a timeout, not a sleep.
        for (;;) {
          auto left = std::chrono::duration_cast<std::chrono::microseconds>(
            until - clock_type::now());
          if (left.count() <= 0)
            break;
          self->receive(on_report, on_error, caf::after(left) >> [] {});
        }
      });
  while (outstanding > 0 && r.error.empty())
    self->receive(on_report, on_error, caf::after(arrival_timeout) >> [&] {
      r.error = "no batch_report within 60 s";
    });
  if (r.error.empty())
    sink->wait(latency_sink::complete, clock_type::now() + arrival_timeout);
  // The stop waits for the handler's in-flight batches: nothing writes into the sink after.
  self->request(service, ready_timeout, ka::stop_atom_v, id)
    .receive([](ka::consumer_status&) {}, fail("stopping the subscription"));
  self->request(service, ready_timeout, ka::stop_all_atom_v)
    .receive([](bool) {}, fail("stopping the service"));
  service = nullptr;
  collect(r, *sink);
  return r;
}

// -- report --------------------------------------------------------------------------------

const double percentiles[] = {50, 99, 99.9, 100};

void print_path(path_result& r) {
  std::sort(r.ack_ms.begin(), r.ack_ms.end());
  auto ack = [&](double p) { // ms already: percentile_ms divides by 1000
    return percentile_ms(r.ack_ms, p) * 1000;
  };
  std::printf("  %-22s delivery report after create time: p50 %.0f ms, p99 %.0f ms, max %.0f "
              "ms\n",
              r.name, ack(50), ack(99), ack(100));
  // percentile_ms reads µs: these are ms, so scale back.
  auto ms = [](const std::vector<uint32_t>& v, double p) { return percentile_ms(v, p) * 1000; };
  std::printf("  %-22s send -> producev: p50 %.0f, p99 %.0f, p99.9 %.0f, max %.0f ms; producev"
              " -> handler: p50 %.0f, p99 %.0f, p99.9 %.0f, max %.0f ms\n",
              r.name, ms(r.split.to_producev_ms, 50), ms(r.split.to_producev_ms, 99),
              ms(r.split.to_producev_ms, 99.9), ms(r.split.to_producev_ms, 100),
              ms(r.split.after_producev_ms, 50), ms(r.split.after_producev_ms, 99),
              ms(r.split.after_producev_ms, 99.9), ms(r.split.after_producev_ms, 100));
  std::printf("  %-22s sent %lld, received %lld, duplicates %lld, %.0f msg/s, slots late up to"
              " %.2f ms, process cpu %.0f%%, machine busy %.0f%%%s%s\n",
              r.name, static_cast<long long>(r.sent), static_cast<long long>(r.received),
              static_cast<long long>(r.duplicates), r.rate(), r.max_slot_late_ms,
              r.process_cpu * 100, r.machine_busy * 100, r.error.empty() ? "" : "  ERROR: ",
              r.error.c_str());
  std::fflush(stdout);
}

// 1,000 evenly spaced points, then every sample of the slowest 0.1 %: the tail is what a
// CDF plot of latency is read for.
void write_cdf(const std::string& file, const std::vector<uint32_t>& v) {
  std::ofstream out{file};
  out << "# latency_ms fraction (" << v.size() << " records)\n";
  auto n = v.size();
  auto tail = n - std::min(n, std::max<size_t>(n / 1000, 1));
  for (size_t k = 1; k <= 1000; ++k) {
    auto i = std::min(n - 1, k * n / 1000);
    if (i >= tail)
      break;
    out << v[i] / 1000.0 << " " << static_cast<double>(i + 1) / static_cast<double>(n) << "\n";
  }
  for (auto i = tail; i < n; ++i)
    out << v[i] / 1000.0 << " " << static_cast<double>(i + 1) / static_cast<double>(n) << "\n";
}

std::string write_files(const std::string& dir, const path_result (&paths)[2]) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return "creating " + dir + ": " + ec.message();
  std::ofstream csv{dir + "/latency.csv"};
  csv << "path,percentile,ms\n";
  for (auto& r : paths) {
    auto key = r.name[0] == 'r' ? "raw" : "actor";
    char line[96];
    for (auto p : percentiles) {
      std::snprintf(line, sizeof(line), "%s,%g,%.2f\n", key, p, percentile_ms(r.latency_us, p));
      csv << line;
    }
    if (!r.latency_us.empty())
      write_cdf(dir + "/latency-cdf-" + key + ".dat", r.latency_us);
  }
  return csv ? std::string{} : "writing " + dir + "/latency.csv failed";
}

// Keeps `fraction` of one core busy (1 ms periods) until stopped: the raw path's control.
class cpu_burner {
public:
  explicit cpu_burner(double fraction) {
    if (fraction <= 0)
      return;
    thread_ = std::thread{[this, fraction] {
      auto busy = std::chrono::duration_cast<clock_type::duration>(
        std::chrono::duration<double, std::milli>(std::min(fraction, 1.0)));
      auto next = clock_type::now();
      while (!stop_.load(std::memory_order_relaxed)) {
        next += 1ms;
        auto until = clock_type::now() + busy;
        while (clock_type::now() < until) {
        }
        std::this_thread::sleep_until(next);
      }
    }};
  }
  ~cpu_burner() {
    stop_ = true;
    if (thread_.joinable())
      thread_.join();
  }

private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

} // namespace

int run_latency_bench(caf::actor_system& sys, const ka::kafka_config& cfg,
                      const latency_options& o) {
  auto total = o.rate * o.seconds;
  auto base = "bench-latency-" + std::to_string(::getpid());
  std::vector<std::pair<std::string, std::string>> topic_configs;
  if (o.append_time)
    topic_configs.emplace_back("message.timestamp.type", "LogAppendTime");
  std::printf("latency: produce call -> handler, %lld msg/s in 1 ms slots for %d s (%lld "
              "records of %zu B per path), %d partitions, fresh topic and group per path, "
              "%d pair(s), %s first%s",
              static_cast<long long>(o.rate), o.seconds, static_cast<long long>(total),
              payload_bytes, o.partitions, o.pairs, o.actor_first ? "actor" : "raw",
              o.pairs > 1 ? " then alternating" : "");
  if (o.raw_burn > 0)
    std::printf(", a thread burning %.0f%% of a core beside the raw path", o.raw_burn * 100);
  if (o.append_time)
    std::printf(", LogAppendTime topics (the split is send -> broker append -> handler)");
  std::printf("\n");
  std::fflush(stdout);
  std::vector<std::string> topics;
  // Untimed first: the same paced load through the raw path. Without it, whichever path ran
  // first after the broker's start had a p99 3-6x the other's (the broker still compiles and
  // sizes its heap after kafka_bench's throughput warm-up), so the verdict measured the order.
  {
    auto settle = base + "-settle";
    topics.push_back(settle);
    auto settle_seconds = std::min(o.seconds, 10);
    auto warm = o;
    warm.seconds = settle_seconds;
    auto err = create_topic(cfg, settle, o.partitions, topic_configs);
    auto r = err.empty() ? run_raw(cfg, warm, settle, settle + "-g", o.rate * settle_seconds)
                         : path_result{"settle"};
    if (!err.empty())
      r.error = err;
    std::printf("  settle (untimed, raw, %d s): p99 %.2f ms%s%s\n", settle_seconds,
                percentile_ms(r.latency_us, 99), r.error.empty() ? "" : "  note: ",
                r.error.c_str());
    std::fflush(stdout);
  }
  int rc = 0;
  std::vector<double> raw99s, actor99s;
  std::vector<path_result> first_pair;
  for (int pair = 0; pair < std::max(1, o.pairs); ++pair) {
    path_result results[2] = {path_result{"raw librdkafka"},
                              path_result{"actor (KafkaService)"}};
    bool actor_first = o.actor_first != (pair % 2 == 1);
    for (int k = 0; k < 2; ++k) {
      int i = actor_first ? 1 - k : k;
      auto topic = base + "-" + std::to_string(pair) + (i == 0 ? "-raw" : "-actor");
      topics.push_back(topic);
      auto& r = results[i];
      if (!o.only_path.empty() && o.only_path != (i == 0 ? "raw" : "actor")) {
        r.error = "not run (--path " + o.only_path + ")";
        continue;
      }
      r.error = create_topic(cfg, topic, o.partitions, topic_configs);
      if (r.error.empty()) {
        if (i == 0) {
          cpu_burner burn{o.raw_burn};
          r = run_raw(cfg, o, topic, topic + "-g", total);
        } else {
          r = run_actor(sys, cfg, o, topic, topic + "-g", total);
        }
      }
      print_path(r);
    }
    std::printf("\npair %d (%s first)\n%-22s %9s %9s %5s %10s %8s %8s %9s %8s\n", pair + 1,
                actor_first ? "actor" : "raw", "path", "sent", "received", "dups", "msg/s",
                "p50 ms", "p99 ms", "p99.9 ms", "max ms");
    for (auto& r : results) {
      std::printf("%-22s %9lld %9lld %5lld %10.0f %8.2f %8.2f %9.2f %8.2f\n", r.name,
                  static_cast<long long>(r.sent), static_cast<long long>(r.received),
                  static_cast<long long>(r.duplicates), r.rate(),
                  percentile_ms(r.latency_us, 50), percentile_ms(r.latency_us, 99),
                  percentile_ms(r.latency_us, 99.9), percentile_ms(r.latency_us, 100));
      rc |= r.error.empty() ? 0 : 1;
    }
    std::printf("\n");
    std::fflush(stdout);
    raw99s.push_back(percentile_ms(results[0].latency_us, 99));
    actor99s.push_back(percentile_ms(results[1].latency_us, 99));
    if (pair == 0)
      for (auto& r : results)
        first_pair.push_back(std::move(r));
  }
  if (auto err = delete_topics(cfg, topics); !err.empty())
    std::printf("note: %s\n", err.c_str());
  auto raw99 = median(raw99s);
  auto actor99 = median(actor99s);
  std::printf("verdict: p99 actor %.2f ms <= raw %.2f ms + 1 ms%s: %s\n", actor99, raw99,
              raw99s.size() > 1 ? " (medians over the pairs)" : "",
              rc != 0 ? "NOT MEASURED (errors above)"
                      : actor99 <= raw99 + 1 ? "PASS" : "FAIL");
  if (!o.out_dir.empty()) {
    path_result files[2] = {std::move(first_pair[0]), std::move(first_pair[1])};
    if (auto err = write_files(o.out_dir, files); !err.empty()) {
      std::printf("ERROR: %s\n", err.c_str());
      rc = 1;
    } else {
      std::printf("wrote %s/latency.csv and latency-cdf-{raw,actor}.dat (pair 1)\n",
                  o.out_dir.c_str());
    }
  }
  return rc;
}

} // namespace kafka_bench
