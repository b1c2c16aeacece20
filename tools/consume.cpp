// `kafka-actors consume`: records as lines, in kcat's habits.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <thread>
#include <unistd.h>

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>

#include "kafka_actors/kafka_actors.hpp"
#include "tools/cli.hpp"

namespace kafka_actors::cli {

namespace {

const char* consume_usage = R"(usage: kafka-actors consume -t TOPIC [options]
  -b BROKERS       bootstrap servers (default: embedded mock cluster, which starts empty)
  -t TOPIC         topic to consume (required; repeatable)
  -G GROUP         consumer group (default: kafka-actors-cli-<pid>)
  -K DELIM         print key DELIM value
  -e               exit when every assigned partition reached its end
  -c COUNT         exit after COUNT records
  --timeout SEC    give up after SEC seconds (default: none; with -e: 60)
  --config FILE    kafka-actors JSON config
Prints one line per record. Offsets are committed for what was printed.
)";

} // namespace

int consume(const std::vector<std::string>& argv) {
  args a{argv, {"--help", "-h", "-e"}, {"-b", "-t", "-G", "-K", "-c", "--timeout", "--config"}};
  if (a.has("--help") || a.has("-h")) {
    std::cout << consume_usage;
    return 0;
  }
  if (!a.has("-t"))
    throw usage_error("missing -t TOPIC");
  auto delim = a.get("-K");
  auto limit = a.number("-c", -1);
  bool exit_at_end = a.has("-e");
  auto timeout_s = a.number("--timeout", exit_at_end ? 60 : -1);
  auto cfg = load_config(a);
  if (!cfg)
    return report("consume", cfg.error());
  session s;
  auto service = spawn_kafka_service(s.sys, *cfg);
  if (!service)
    return report("consume", service.error());
  caf::scoped_actor self{s.sys};
  int rc = 0;
  self->request(*service, call_timeout, ping_atom_v)
    .receive([](int32_t) {}, [&](caf::error& err) { rc = report("consume", err); });
  std::mutex mx;
  std::condition_variable cv;
  long long printed = 0;
  subscription sub;
  sub.topics = a.all("-t");
  sub.group = a.get("-G", "kafka-actors-cli-" + std::to_string(::getpid()));
  sub.track_end = exit_at_end;
  sub.on_record = [&](const record& r) -> caf::error {
    std::lock_guard<std::mutex> guard{mx};
    if (limit >= 0 && printed >= limit)
      return caf::none;
    std::string out;
    if (!delim.empty()) {
      out.append(r.key());
      out.append(delim);
    }
    out.append(r.payload());
    out.push_back('\n');
    std::fwrite(out.data(), 1, out.size(), stdout);
    if (++printed == limit)
      cv.notify_all();
    return caf::none;
  };
  uint64_t sub_id = 0;
  if (rc == 0)
    self->request(*service, call_timeout, subscribe_atom_v, std::move(sub))
      .receive([&](uint64_t id) { sub_id = id; },
               [&](caf::error& err) { rc = report("consume", err); });
  auto deadline = std::chrono::steady_clock::now()
                  + std::chrono::seconds{timeout_s < 0 ? 365LL * 24 * 3600 : timeout_s};
  bool timed_out = false;
  while (rc == 0) {
    {
      std::unique_lock<std::mutex> lock{mx};
      if (cv.wait_for(lock, std::chrono::milliseconds{100},
                      [&] { return limit >= 0 && printed >= limit; }))
        break;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      timed_out = true;
      break;
    }
    if (!exit_at_end)
      continue;
    bool at_end = false;
    self->request(*service, call_timeout, status_atom_v)
      .receive(
        [&](service_status& st) {
          auto i = st.consumers.find(sub_id);
          if (i == st.consumers.end())
            return;
          auto& cs = i->second;
          at_end = !cs.assigned.empty() && cs.at_end.size() == cs.assigned.size()
                   && cs.in_flight_batches == 0;
        },
        [](caf::error&) {});
    if (at_end)
      break;
  }
  std::fflush(stdout);
  self->request(*service, call_timeout, stop_all_atom_v).receive([](bool) {}, [](caf::error&) {});
  if (timed_out && !(exit_at_end && limit < 0 && printed > 0)) {
    std::cerr << "kafka-actors consume: timed out after " << timeout_s << " s with " << printed
              << " records\n";
    return 1;
  }
  return rc;
}

} // namespace kafka_actors::cli
