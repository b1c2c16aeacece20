// kafka_bench --monitoring: the cost of monitoring (docs/METRICS.md) on the two paths through
// KafkaService, 100 B records:
//   produce: spawn_kafka_service, 1000-record send_atom batches, as the "KafkaService,
//            batches" path of the main table (produce_service_batched), a fresh topic per run;
//   consume: a subscription of the service with on_batch (consume_service_batch) reading a
//            topic the raw loop filled once, a fresh group per run.
// Each run gets a fresh service: with monitoring.enabled=false, or =true on 127.0.0.1:0 with
// a 1 s interval (the collector asks the service for its status, probes the brokers, and the
// consumers emit librdkafka statistics every second). While a monitored service runs, a bench
// thread scrapes its /metrics over HTTP once per second (libcurl, one kept-alive connection,
// as a Prometheus server would), so serving scrapes is part of the cost.
// The per-record counters run in both arms: the library counts unconditionally, monitoring
// only reads and exposes the counts. So "off" is not "no counters": this measures what
// turning monitoring on costs.
// Order per repetition: produce off, consume off, produce on, consume on. Each path then
// alternates off, on, off, on, ... and every produce run follows a consume run (and every
// consume run a produce run), so the page cache writeback of the previous produce run and
// the deletion of its topic (right after it) land on both arms alike. After each run the
// bench waits for the library's reaper to destroy the stopped service's librdkafka handles,
// so no run pays for the teardown of the one before.

#include "monitoring.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <caf/scoped_actor.hpp>
#include <curl/curl.h>
#include <unistd.h>

#include "paths.hpp"
#include "kafka_actors/actors/kafka_service.hpp"
#include "kafka_actors/runtime/errors.hpp"
#include "kafka_actors/runtime/reaper.hpp"

namespace kafka_bench {

namespace ka = kafka_actors;
using namespace std::chrono_literals;

namespace {

constexpr size_t payload_bytes = 100;
constexpr double target = 0.97;
constexpr auto scrape_every = 1s;
constexpr long scrape_timeout_ms = 5000;
constexpr auto call_timeout = 60s;

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

size_t append_body(char* data, size_t size, size_t n, void* body) {
  static_cast<std::string*>(body)->append(data, size * n);
  return size * n;
}

struct scrape_summary {
  int ok = 0;
  int failed = 0;
  std::string first_error;
  size_t last_bytes = 0;
  /// Whether some scrape's body held `watch`.
  bool saw_watch = false;
  /// CPU the scraping thread itself took (libcurl's side; part of the run's client CPU).
  double cpu_seconds = 0;
};

// GET `url` now and then once per `scrape_every` until stopped, on a thread of its own.
class scraper {
public:
  scraper(std::string url, std::string watch)
    : url_(std::move(url)), watch_(std::move(watch)), thread_([this] { loop(); }) {
  }

  ~scraper() {
    stop();
  }

  scrape_summary stop() {
    {
      std::lock_guard<std::mutex> guard{mx_};
      stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable())
      thread_.join();
    return summary_;
  }

private:
  void scrape(CURL* curl) {
    std::string body;
    char err[CURL_ERROR_SIZE] = {0};
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, err);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
    auto rc = curl_easy_perform(curl);
    long status = 0;
    if (rc == CURLE_OK)
      curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    if (rc == CURLE_OK && status == 200) {
      ++summary_.ok;
      summary_.last_bytes = body.size();
      summary_.saw_watch |= body.find(watch_) != std::string::npos;
      return;
    }
    if (summary_.failed++ == 0)
      summary_.first_error = rc != CURLE_OK
                               ? std::string{err[0] != 0 ? err : curl_easy_strerror(rc)}
                               : "HTTP " + std::to_string(status);
  }

  void loop() {
    auto cpu0 = thread_cpu_seconds();
    auto curl = curl_easy_init();
    if (!curl) {
      summary_.failed = 1;
      summary_.first_error = "curl_easy_init failed";
      return;
    }
    curl_easy_setopt(curl, CURLOPT_URL, url_.c_str());
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, scrape_timeout_ms);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &append_body);
    std::unique_lock<std::mutex> lock{mx_};
    while (!stopping_) {
      lock.unlock();
      scrape(curl);
      lock.lock();
      cv_.wait_for(lock, scrape_every, [&] { return stopping_; });
    }
    lock.unlock();
    curl_easy_cleanup(curl);
    summary_.cpu_seconds = thread_cpu_seconds() - cpu0;
  }

  const std::string url_;
  const std::string watch_;
  std::mutex mx_;
  std::condition_variable cv_;
  bool stopping_ = false;
  // Written by the thread only, read after it joined.
  scrape_summary summary_;
  std::thread thread_; // last: starts once everything above is set up
};

enum path_kind { produce_path, consume_path };
enum arm_kind { off, on };

const char* const path_names[] = {"produce  KafkaService, batches", "consume  KafkaService, on_batch"};
const char* const run_names[2][2] = {
  {"produce  KafkaService, batches, off", "produce  KafkaService, batches, on"},
  {"consume  KafkaService, on_batch, off", "consume  KafkaService, on_batch, on"},
};
// What a scrape of a monitored run should show: the producer's counts once the collector
// ran a round; for consume the lag, which comes from librdkafka's statistics.
const char* const watched[] = {"kafka_actors_producer_messages_delivered_total",
                               "kafka_actors_consumer_lag_messages{"};

struct arm_runs {
  /// Per repetition; a failed run keeps its error.
  std::vector<run_result> runs;
  std::vector<scrape_summary> scrapes;
  bool verified = true;
};

struct path_runs {
  int64_t count = 0;
  arm_runs arms[2];
};

bool usable(const run_result& r) {
  return r.error.empty() && r.seconds > 0;
}

double rate(const run_result& r, int64_t count) {
  return usable(r) ? static_cast<double>(count) / r.seconds : 0;
}

template <class F>
double median_over(const arm_runs& a, F f) {
  std::vector<double> xs;
  for (auto& r : a.runs)
    if (usable(r))
      xs.push_back(f(r));
  return median(xs);
}

// One run on a fresh service with `cfg`; when monitored, scraped while it runs.
run_result run_once(caf::actor_system& sys, const ka::kafka_config& cfg, path_kind path,
                    arm_kind arm, const run_spec& spec, const std::string& group,
                    scrape_summary& scrapes) {
  run_result r;
  auto spawned = ka::spawn_kafka_service(sys, cfg);
  if (!spawned) {
    r.error = "spawn_kafka_service: " + ka::describe(spawned.error());
    return r;
  }
  auto service = std::move(*spawned);
  std::unique_ptr<scraper> scrape;
  if (arm == on) {
    caf::scoped_actor self{sys};
    self->request(service, call_timeout, ka::metrics_atom_v)
      .receive([&](std::string& url) { scrape = std::make_unique<scraper>(url + "/metrics",
                                                                          watched[path]); },
               [&](caf::error& err) { r.error = "metrics_atom: " + ka::describe(err); });
  }
  if (r.error.empty())
    r = path == produce_path ? produce_service_batched(sys, spec, service)
                             : consume_service_batch(sys, service, spec, group);
  if (scrape)
    scrapes = scrape->stop();
  if (auto err = stop_service(sys, service); !err.empty() && r.error.empty())
    r.error = err;
  // The service's librdkafka handles are flushed and destroyed on the library's reaper
  // thread after it stopped: let that finish here, not during the next run.
  ka::await_reaper();
  return r;
}

void print_scrapes(const scrape_summary& s, path_kind path) {
  std::printf("    scrapes %d ok, %d failed, last %s B, %s %s, scraper thread %.1f ms cpu%s%s\n",
              s.ok, s.failed, with_commas(static_cast<double>(s.last_bytes)).c_str(),
              path == produce_path ? "producer counts" : "lag (librdkafka statistics)",
              s.saw_watch ? "seen" : "not seen", s.cpu_seconds * 1e3,
              s.failed > 0 ? "  ERROR: " : "", s.first_error.c_str());
  std::fflush(stdout);
}

void print_table(const path_runs (&results)[2], int reps) {
  std::printf("\nmonitoring: median of %d run(s) per arm, 100 B records. ratio = on / off of the "
              "medians;\npairs = median of each repetition's on / off. cpu = CPU time of the "
              "whole bench process\n(actors, librdkafka, collector, HTTP server, scraper) per "
              "record. Target: on >= %.2f x off.\n\n",
              reps, target);
  const char* row = "%-32s %11s %11s %6s %6s %7s %-7s %7s %7s %-16s %s\n";
  std::printf(row, "path", "msg/s off", "msg/s on", "ratio", "pairs", "target", "verdict",
              "cpu off", "cpu on", "verified", "scrapes (on)");
  std::printf(row, "", "median", "median", "on/off", "median", "", "", "us/msg", "us/msg",
              "off, on", "");
  for (int p = 0; p < 2; ++p) {
    auto& res = results[p];
    auto count = static_cast<double>(res.count);
    auto rate_of = [&](const run_result& r) { return rate(r, res.count); };
    auto cpu_of = [&](const run_result& r) { return r.client_cpu * 1e6 / count; };
    double rates[2], cpus[2];
    for (int a = 0; a < 2; ++a) {
      rates[a] = median_over(res.arms[a], rate_of);
      cpus[a] = median_over(res.arms[a], cpu_of);
    }
    std::vector<double> pair_ratios;
    for (size_t i = 0; i < res.arms[off].runs.size() && i < res.arms[on].runs.size(); ++i)
      if (usable(res.arms[off].runs[i]) && usable(res.arms[on].runs[i]))
        pair_ratios.push_back(rate_of(res.arms[on].runs[i]) / rate_of(res.arms[off].runs[i]));
    char ratio[16] = "-", pairs[16] = "-", target_s[16], cpu_off[16] = "-", cpu_on[16] = "-";
    std::string verdict = "-";
    if (rates[off] > 0 && rates[on] > 0) {
      std::snprintf(ratio, sizeof(ratio), "%.3f", rates[on] / rates[off]);
      verdict = rates[on] >= target * rates[off] ? "PASS" : "BELOW";
    }
    if (!pair_ratios.empty())
      std::snprintf(pairs, sizeof(pairs), "%.3f", median(pair_ratios));
    std::snprintf(target_s, sizeof(target_s), ">=%.2f", target);
    if (cpus[off] > 0)
      std::snprintf(cpu_off, sizeof(cpu_off), "%.2f", cpus[off]);
    if (cpus[on] > 0)
      std::snprintf(cpu_on, sizeof(cpu_on), "%.2f", cpus[on]);
    std::string verified;
    for (int a = 0; a < 2; ++a) {
      auto ok = std::count_if(res.arms[a].runs.begin(), res.arms[a].runs.end(), usable);
      verified += (a == 0 ? "" : ", ")
                  + (res.arms[a].verified ? std::to_string(ok) + "/" + std::to_string(reps)
                                          : std::string{"FAILED"});
    }
    int scrapes_ok = 0, scrapes_failed = 0, watched_seen = 0;
    for (auto& s : res.arms[on].scrapes) {
      scrapes_ok += s.ok;
      scrapes_failed += s.failed;
      watched_seen += s.saw_watch ? 1 : 0;
    }
    auto scrapes = std::to_string(scrapes_ok) + " ok, " + std::to_string(scrapes_failed)
                   + " failed; " + (p == produce_path ? "counts" : "lag") + " seen in "
                   + std::to_string(watched_seen) + "/" + std::to_string(reps) + " runs";
    std::printf(row, path_names[p], with_commas(rates[off]).c_str(),
                with_commas(rates[on]).c_str(), ratio, pairs, target_s, verdict.c_str(), cpu_off,
                cpu_on, verified.c_str(), scrapes.c_str());
  }
}

} // namespace

int run_monitoring_bench(caf::actor_system& sys, const ka::kafka_config& cfg,
                         const monitoring_options& o) {
  auto cfgs = std::vector<ka::kafka_config>{cfg, cfg};
  cfgs[off].monitoring.enabled = false;
  cfgs[on].monitoring.enabled = true;
  cfgs[on].monitoring.listen = "127.0.0.1:0";
  cfgs[on].monitoring.interval = 1000ms;
  if (auto err = cfgs[on].validate()) {
    std::printf("ERROR: the monitored config: %s\n", ka::describe(err).c_str());
    return 1;
  }
  curl_global_init(CURL_GLOBAL_DEFAULT);
  std::printf("monitoring: %lld records of %zu B per run, %d repetition(s) of produce off, "
              "consume off, produce on, consume on; a fresh KafkaService per run; on = "
              "monitoring.enabled, listen 127.0.0.1:0, interval 1000 ms (librdkafka statistics "
              "every 1 s for consumers), /metrics scraped once per second by a bench thread\n",
              static_cast<long long>(o.count), payload_bytes, o.reps);
  std::fflush(stdout);

  auto base = "bench-" + std::to_string(::getpid()) + "-mon";
  run_spec spec;
  spec.count = o.count;
  spec.payload_bytes = payload_bytes;
  spec.batches_in_flight = o.batches;
  path_runs results[2];
  results[produce_path].count = results[consume_path].count = o.count;
  int rc = 0;

  // The consume runs all read the same topic, filled once by the raw loop (untimed here).
  auto source = base + "-source";
  spec.cfg = &cfg;
  spec.topic = source;
  {
    run_result fill;
    fill.error = create_topic(cfg, source, o.partitions);
    if (fill.error.empty())
      fill = produce_raw(spec);
    bool ok = report_run(cfg, spec, "fill   raw producev (consume input)", true, fill, 0, 1);
    // Read once, untimed: the first pair then meets the topic in the page cache, as every
    // later one does, and the fill's writeback is not on the first produce run alone.
    if (ok)
      ok = report_run(cfg, spec, "read   raw consumer_poll (untimed)", false,
                      consume_raw(spec, base + "-g-settle"), 0, 1);
    if (!ok) {
      delete_topics(cfg, {source});
      curl_global_cleanup();
      return 1;
    }
  }

  const std::pair<path_kind, arm_kind> order[] = {
    {produce_path, off}, {consume_path, off}, {produce_path, on}, {consume_path, on}};
  for (int rep = 0; rep < o.reps; ++rep) {
    for (auto [path, arm] : order) {
      auto arm_name = arm == on ? "on" : "off";
      auto& runs = results[path].arms[arm];
      spec.cfg = &cfgs[arm];
      run_result r;
      std::string group;
      if (path == produce_path) {
        spec.topic = base + "-r" + std::to_string(rep) + "-" + arm_name;
        r.error = create_topic(cfg, spec.topic, o.partitions);
      } else {
        spec.topic = source;
        group = base + "-r" + std::to_string(rep) + "-g-" + arm_name;
      }
      scrape_summary scrapes;
      if (r.error.empty())
        r = run_once(sys, cfgs[arm], path, arm, spec, group, scrapes);
      runs.verified &= report_run(cfg, spec, run_names[path][arm], path == produce_path, r,
                                  rep, o.reps);
      if (arm == on) {
        print_scrapes(scrapes, path);
        runs.verified &= scrapes.failed == 0 && scrapes.ok > 0;
        runs.scrapes.push_back(scrapes);
      }
      runs.runs.push_back(std::move(r));
      // Right after its run, so the broker's deletion work falls on the consume run that
      // follows each produce run, off and on alike.
      if (path == produce_path)
        if (auto err = delete_topics(cfg, {spec.topic}); !err.empty())
          std::printf("note: %s\n", err.c_str());
    }
  }
  if (auto err = delete_topics(cfg, {source}); !err.empty())
    std::printf("note: %s\n", err.c_str());
  curl_global_cleanup();

  print_table(results, o.reps);
  for (auto& p : results)
    for (auto& a : p.arms)
      rc |= a.verified ? 0 : 1;
  return rc;
}

} // namespace kafka_bench
