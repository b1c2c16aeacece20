// rel_soak: two consumers of one KafkaService for longer than max.poll.interval.ms several
// times over: one on a topic that stays empty (idle), one on a backlog under a slow handler
// (--handler-ms per record, and every --stall-every-th record a stall of --stall-ms, longer
// than max.poll.interval.ms itself). Neither may be rebalanced out of its group, and the
// process's RSS must stay flat.
//
//   rel_soak -b BROKERS [--seconds 40] [--max-poll-ms 8000] [--handler-ms 20]
//            [--stall-ms 10000] [--stall-every 400] [--backlog 20000] [--in-flight 50]
//            [--sample-ms 1000] [--max-growth-mib-per-min 1]
//
// Prints figures as name=value lines; exit 0 when both consumers kept their first assignment
// (no rebalance after it), the slow one was paused for want of credit at least once, and RSS
// grew by less than --max-growth-mib-per-min over the run after its first quarter; 1 if not.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <mutex>
#include <thread>
#include <unistd.h>
#include <vector>

#include <caf/scoped_actor.hpp>

#include "kafka_actors/kafka_actors.hpp"
#include "support/memory_trend.hpp"
#include "reliability/options.hpp"

using namespace kafka_actors;
using namespace kafka_actors::reliability;
using namespace std::chrono;

namespace {

using kafka_actors::test::rss_mib;
using kafka_actors::test::slope;

int run(const options& o) {
  auto bootstrap = o.str("-b");
  if (bootstrap.empty())
    throw std::invalid_argument("needs -b BROKERS");
  auto run_for = seconds{o.num("--seconds", 40)};
  auto max_poll = milliseconds{o.num("--max-poll-ms", 8000)};
  auto handler_time = milliseconds{o.num("--handler-ms", 20)};
  auto stall = milliseconds{o.num("--stall-ms", 10000)};
  auto stall_every = static_cast<uint64_t>(o.num("--stall-every", 400));
  auto backlog = static_cast<size_t>(o.num("--backlog", 20000));
  auto sample = milliseconds{o.num("--sample-ms", 1000)};
  auto max_growth = static_cast<double>(o.num("--max-growth-mib-per-min", 1));

  auto cfg = kafka_config::remote(bootstrap);
  cfg.consumer["max.poll.interval.ms"] = std::to_string(max_poll.count());
  // As long as librdkafka allows (it wants max.poll.interval.ms >= session.timeout.ms): the
  // scenario is about polling, not about a heartbeat thread starved on a loaded machine.
  cfg.consumer["session.timeout.ms"] = std::to_string(max_poll.count());
  cfg.flow.consumer_max_in_flight = static_cast<size_t>(o.num("--in-flight", 50));
  cfg.flow.consumer_batch_size = 10;
  actor_system_config sys_cfg;
  caf::actor_system sys{sys_cfg};
  auto service = spawn_kafka_service(sys, cfg);
  if (!service) {
    std::cerr << "rel_soak: " << describe(service.error()) << "\n";
    return 2;
  }
  caf::scoped_actor self{sys};
  auto tag = std::to_string(::getpid());
  auto idle_topic = "soak-idle-" + tag, slow_topic = "soak-slow-" + tag;
  bool ok = true;
  auto fail = [&](const char* what, const caf::error& e) {
    std::cerr << "rel_soak: " << what << ": " << describe(e) << "\n";
    ok = false;
  };
  for (auto& t : {idle_topic, slow_topic})
    self->request(*service, seconds{60}, create_topic_atom_v, topic_config{t, 3, 1, {}})
      .receive([](bool) {}, [&](caf::error& e) { fail("create_topic", e); });
  if (!ok)
    return 2;
  message_batch records;
  for (size_t i = 0; i < backlog; ++i)
    records.push_back(message{slow_topic, std::string(200, 'x'), {}, std::to_string(i % 64)});
  self->request(*service, seconds{120}, send_atom_v, std::move(records))
    .receive([&](batch_report& r) { ok = r.failed() == 0; },
             [&](caf::error& e) { fail("backlog", e); });
  if (!ok)
    return 2;

  std::atomic<uint64_t> handled{0}, stalls{0};
  // Set when the run is over: a stall in progress ends then, so the stop need not wait.
  std::mutex finish_mx;
  std::condition_variable finish_cv;
  bool finishing = false;
  subscription idle;
  idle.topics = {idle_topic};
  idle.group = "soak-idle-group-" + tag;
  idle.on_record = [](const record&) -> caf::error { return caf::none; };
  subscription slow;
  slow.topics = {slow_topic};
  slow.group = "soak-slow-group-" + tag;
  slow.on_record = [&](const record&) -> caf::error {
    auto n = ++handled;
    if (stall_every > 0 && n % stall_every == 0) {
      ++stalls;
      std::unique_lock<std::mutex> lock{finish_mx}; // a stuck handler, past max.poll.interval
      finish_cv.wait_for(lock, stall, [&] { return finishing; });
    } else {
      std::this_thread::sleep_for(handler_time); // the slow handler under test
    }
    return caf::none;
  };
  uint64_t idle_id = 0, slow_id = 0;
  self->request(*service, seconds{60}, subscribe_atom_v, std::move(idle))
    .receive([&](uint64_t id) { idle_id = id; }, [&](caf::error& e) { fail("subscribe", e); });
  self->request(*service, seconds{60}, subscribe_atom_v, std::move(slow))
    .receive([&](uint64_t id) { slow_id = id; }, [&](caf::error& e) { fail("subscribe", e); });
  for (auto id : {idle_id, slow_id})
    if (ok)
      self->request(*service, seconds{60}, ready_atom_v, id)
        .receive([](bool) {}, [&](caf::error& e) { fail("ready", e); });
  if (!ok)
    return 2;
  auto status = [&] {
    service_status st;
    self->request(*service, seconds{60}, status_atom_v)
      .receive([&](service_status& s) { st = std::move(s); }, [](caf::error&) {});
    return st;
  };
  // The first assignment is the baseline: every rebalance after it counts.
  auto first = status();
  auto idle_base = first.consumers[idle_id].rebalances;
  auto slow_base = first.consumers[slow_id].rebalances;
  auto start = steady_clock::now();
  std::vector<double> ts, rss;
  service_status last;
  while (steady_clock::now() - start < run_for) {
    std::this_thread::sleep_for(sample); // the sampling period
    ts.push_back(duration<double>(steady_clock::now() - start).count() / 60.0);
    rss.push_back(rss_mib());
    last = status();
  }
  auto& ci = last.consumers[idle_id];
  auto& cs = last.consumers[slow_id];
  std::vector<double> xs, ys;
  for (size_t i = ts.size() / 4; i < ts.size(); ++i) {
    xs.push_back(ts[i]);
    ys.push_back(rss[i]);
  }
  auto growth = slope(xs, ys);
  double peak = 0;
  for (auto r : rss)
    peak = std::max(peak, r);
  auto idle_rebalances = ci.rebalances - idle_base;
  auto slow_rebalances = cs.rebalances - slow_base;
  bool pass = idle_rebalances == 0 && slow_rebalances == 0 && cs.pauses > 0
              && growth < max_growth && ci.failure.empty() && cs.failure.empty()
              && last.restarts == 0;
  std::printf("seconds=%.0f\nmax_poll_ms=%lld\npoll_intervals=%.1f\nidle_rebalances=%llu\n"
              "slow_rebalances=%llu\nslow_handled=%llu\nslow_stalls=%llu\nstall_ms=%lld\n"
              "slow_pauses=%llu\nslow_resumes=%llu\nrestarts=%llu\nrss_start_mib=%.1f\n"
              "rss_end_mib=%.1f\nrss_peak_mib=%.1f\nrss_growth_mib_per_min=%.3f\npass=%d\n",
              duration<double>(steady_clock::now() - start).count(),
              static_cast<long long>(max_poll.count()),
              duration<double>(steady_clock::now() - start) / duration<double>(max_poll),
              static_cast<unsigned long long>(idle_rebalances),
              static_cast<unsigned long long>(slow_rebalances),
              static_cast<unsigned long long>(handled.load()),
              static_cast<unsigned long long>(stalls.load()),
              static_cast<long long>(stall.count()),
              static_cast<unsigned long long>(cs.pauses),
              static_cast<unsigned long long>(cs.resumes),
              static_cast<unsigned long long>(last.restarts), ys.empty() ? 0.0 : ys.front(),
              rss.empty() ? 0.0 : rss.back(), peak, growth, pass ? 1 : 0);
  if (!ci.last_error.empty() || !cs.last_error.empty())
    std::printf("idle_last_error=%s\nslow_last_error=%s\n", ci.last_error.c_str(),
                cs.last_error.c_str());
  std::fflush(stdout);
  {
    std::lock_guard<std::mutex> guard{finish_mx};
    finishing = true;
  }
  finish_cv.notify_all();
  self->request(*service, seconds{120}, stop_all_atom_v).receive([](bool) {}, [](caf::error&) {});
  return pass ? 0 : 1;
}

} // namespace

int main(int argc, char** argv) {
  try {
    options o{argc, argv, {},
              {"-b", "--seconds", "--max-poll-ms", "--handler-ms", "--stall-ms",
               "--stall-every", "--backlog", "--in-flight", "--sample-ms",
               "--max-growth-mib-per-min"}};
    return run(o);
  } catch (const std::invalid_argument& e) {
    std::cerr << "rel_soak: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "rel_soak: " << e.what() << "\n";
    return 1;
  }
}
