// A slow handler (100 ms per record by default) on a large backlog (1 GiB by default) of a real
// broker: samples the process's RSS over time and reports its growth. Memory must stay flat,
// bounded by the consumer's in-flight window plus librdkafka's queued.max.messages.kbytes,
// and the consumer must stay in its group although the handler is far slower than
// max.poll.interval.ms allows a blocking poll loop to be.
//
// Run: scripts/kafka run -- build/bench/kafka_bench_rss [--gib 1] [--minutes 5]

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>

#include "kafka_actors/kafka_actors.hpp"
#include "support/memory_trend.hpp"

using namespace kafka_actors;
using namespace std::chrono;

namespace {

using kafka_actors::test::rss_mib;
using kafka_actors::test::slope;

const char* arg(int argc, char** argv, const char* name, const char* fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (std::string{argv[i]} == name)
      return argv[i + 1];
  return fallback;
}

} // namespace

int main(int argc, char** argv) {
  auto env = std::getenv("KAFKA_ACTORS_BOOTSTRAP");
  std::string bootstrap = arg(argc, argv, "-b", env ? env : "");
  if (bootstrap.empty()) {
    std::fprintf(stderr, "kafka_bench_rss: needs -b BROKERS or KAFKA_ACTORS_BOOTSTRAP\n");
    return 2;
  }
  double gib = std::atof(arg(argc, argv, "--gib", "1"));
  double minutes = std::atof(arg(argc, argv, "--minutes", "5"));
  int handler_ms = std::atoi(arg(argc, argv, "--handler-ms", "100"));
  int sample_s = std::atoi(arg(argc, argv, "--sample-s", "10"));
  const size_t record_size = 1024;
  auto records = static_cast<size_t>(gib * 1024 * 1024 * 1024 / record_size);

  actor_system_config sys_cfg;
  caf::actor_system sys{sys_cfg};
  auto cfg = kafka_config::remote(bootstrap);
  auto service = spawn_kafka_service(sys, cfg);
  if (!service) {
    std::fprintf(stderr, "kafka_bench_rss: %s\n", describe(service.error()).c_str());
    return 1;
  }
  caf::scoped_actor self{sys};
  auto topic = "rss-backlog-" + std::to_string(::getpid());
  bool ok = true;
  self->request(*service, seconds{60}, create_topic_atom_v, topic_config{topic, 3, 1, {}})
    .receive([](bool) {}, [&](caf::error& e) {
      std::fprintf(stderr, "create_topic: %s\n", describe(e).c_str());
      ok = false;
    });
  if (!ok)
    return 1;
  // The backlog, through the batched producer path, 8 batches of 1,000 in flight.
  std::printf("producing a backlog of %zu x %zu B = %.2f GiB to %s ...\n", records, record_size,
              gib, topic.c_str());
  std::fflush(stdout);
  auto t0 = steady_clock::now();
  std::string payload(record_size, 'x');
  size_t sent = 0, answered = 0, failed = 0;
  while (answered < records) {
    while (sent < records && sent - answered < 8000) {
      message_batch batch;
      for (size_t i = 0; i < 1000 && sent < records; ++i, ++sent)
        batch.push_back(message{topic, payload, {}, std::to_string(sent)});
      self->send(*service, send_atom_v, std::move(batch));
    }
    self->receive([&](batch_report& r) {
      answered += r.results.size();
      failed += r.failed();
    });
  }
  auto produce_s = duration<double>(steady_clock::now() - t0).count();
  std::printf("backlog produced in %.1f s (%.0f MiB/s), %zu failed\n", produce_s,
              gib * 1024 / produce_s, failed);
  auto rss_before = rss_mib();

  std::atomic<uint64_t> handled{0};
  subscription sub;
  sub.topics = {topic};
  sub.group = "rss-group";
  sub.on_record = [&](const record&) -> caf::error {
    std::this_thread::sleep_for(milliseconds{handler_ms}); // the slow handler under test
    ++handled;
    return caf::none;
  };
  uint64_t id = 0;
  self->request(*service, seconds{60}, subscribe_atom_v, std::move(sub))
    .receive([&](uint64_t x) { id = x; }, [&](caf::error& e) {
      std::fprintf(stderr, "subscribe: %s\n", describe(e).c_str());
      ok = false;
    });
  if (!ok)
    return 1;
  std::printf("\nflow: %zu records / %zu MiB in flight, librdkafka queued.max.messages.kbytes "
              "default (65536)\n",
              cfg.flow.consumer_max_in_flight, cfg.flow.consumer_max_in_flight_bytes >> 20);
  std::printf("RSS before consuming: %.1f MiB\n\n", rss_before);
  std::printf("%8s %10s %9s %7s %7s %10s %7s\n", "t (s)", "RSS (MiB)", "handled", "paused",
              "pauses", "rebalances", "held");
  std::vector<double> ts, rss;
  auto start = steady_clock::now();
  consumer_status last;
  while (duration<double>(steady_clock::now() - start).count() < minutes * 60) {
    std::this_thread::sleep_for(seconds{sample_s}); // the sampling period of the report
    auto t = duration<double>(steady_clock::now() - start).count();
    self->request(*service, seconds{30}, status_atom_v)
      .receive([&](service_status& s) { last = s.consumers[id]; }, [](caf::error&) {});
    auto r = rss_mib();
    ts.push_back(t / 60.0);
    rss.push_back(r);
    std::printf("%8.0f %10.1f %9llu %7s %7llu %10llu %7llu\n", t, r,
                static_cast<unsigned long long>(handled.load()), last.paused ? "yes" : "no",
                static_cast<unsigned long long>(last.pauses),
                static_cast<unsigned long long>(last.rebalances),
                static_cast<unsigned long long>(last.held));
    std::fflush(stdout);
  }
  // Growth after the first minute (fetch buffers and the handler thread settle first).
  std::vector<double> xs, ys;
  for (size_t i = 0; i < ts.size(); ++i)
    if (ts[i] >= 1.0) {
      xs.push_back(ts[i]);
      ys.push_back(rss[i]);
    }
  auto growth = slope(xs, ys);
  // And over the second half alone: allocator arenas and fetch buffers fill towards a
  // plateau during the first cycles of pause and resume.
  std::vector<double> hx, hy;
  for (size_t i = ts.size() / 2; i < ts.size(); ++i) {
    hx.push_back(ts[i]);
    hy.push_back(rss[i]);
  }
  auto late_growth = slope(hx, hy);
  double peak = 0;
  for (auto r : rss)
    peak = std::max(peak, r);
  std::printf("\nRSS growth after the first minute: %.3f MiB/min (target < 1 MiB/min); peak "
              "%.1f MiB\n",
              growth, peak);
  std::printf("RSS growth over the second half of the run: %.3f MiB/min\n", late_growth);
  std::printf("consumer rebalances: %llu (1 = joined once and never left the group)\n",
              static_cast<unsigned long long>(last.rebalances));
  self->request(*service, seconds{120}, stop_all_atom_v).receive([](bool) {}, [](caf::error&) {});
  return 0;
}
