// `kafka-actors quickstart`: the main job on the embedded default. Creates a topic, sends
// 10,000 messages through KafkaService (half one by one, half in batches), consumes them with
// a subscribed handler and prints counts, per-partition offsets and throughput.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <iostream>
#include <map>
#include <mutex>

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>

#include "kafka_actors/kafka_actors.hpp"
#include "tools/cli.hpp"

namespace kafka_actors::cli {

namespace {

const char* quickstart_usage = R"(usage: kafka-actors quickstart [options]
  -b BROKERS       bootstrap servers (default: embedded mock cluster, 3 brokers)
  -t TOPIC         topic (default: quickstart)
  -n COUNT         messages to send (default: 10000; half single, half batched)
  -p PARTITIONS    partitions of the topic, 1..1000 (default: 3)
  -G GROUP         consumer group (default: quickstart)
  --config FILE    kafka-actors JSON config
)";

using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

} // namespace

int quickstart(const std::vector<std::string>& argv) {
  args a{argv, {{"-h"}, {"-b", "-t", "-n", "-p", "-G", "--config"}, {}, {}}};
  if (a.has("-h")) {
    std::cout << quickstart_usage;
    return 0;
  }
  auto topic = a.get("-t", "quickstart");
  auto total = a.number("-n", 10000, 2, 1'000'000'000);
  // librdkafka's mock cluster takes ~5 s for 1000 partitions and aborts in rd_calloc for
  // billions: a quickstart needs a few.
  auto partitions = static_cast<int32_t>(a.number("-p", 3, 1, 1000));
  auto group = a.get("-G", "quickstart");
  auto cfg = load_config(a);
  if (!cfg) {
    std::cerr << "kafka-actors quickstart: " << describe(cfg.error()) << "\n";
    return 1;
  }

  actor_system_config sys_cfg;
  caf::actor_system sys{sys_cfg};
  auto service = spawn_kafka_service(sys, *cfg);
  if (!service) {
    std::cerr << "kafka-actors quickstart: " << describe(service.error()) << "\n";
    return 1;
  }
  caf::scoped_actor self{sys};
  int rc = 0;
  auto fail = [&](const std::string& what, const caf::error& err) {
    std::cerr << "kafka-actors quickstart: " << what << ": " << describe(err) << "\n";
    rc = 1;
  };
  auto timeout = std::chrono::seconds{60};

  self->request(*service, timeout, ping_atom_v)
    .receive([&](int32_t brokers) {
      std::cout << "cluster: " << (cfg->is_embedded() ? "embedded mock, " : "")
                << brokers << " broker(s)\n";
    }, [&](caf::error& err) { fail("connecting", err); });
  if (rc == 0)
    self->request(*service, timeout, create_topic_atom_v,
                  topic_config{topic, partitions, 1, {}})
      .receive([&](bool) { std::cout << "created topic '" << topic << "' with " << partitions
                                     << " partitions\n"; },
               [&](caf::error& err) {
                 if (code_of(err) == errc::topic_already_exists)
                   std::cout << "topic '" << topic << "' already exists, using it\n";
                 else
                   fail("creating topic", err);
               });
  if (rc != 0) {
    self->send_exit(*service, caf::exit_reason::user_shutdown);
    return rc;
  }

  // The handler runs on its own thread; it counts and wakes us when all arrived.
  std::mutex mx;
  std::condition_variable cv;
  std::map<int32_t, int64_t> consumed_per_partition;
  int64_t consumed = 0;
  clock_type::time_point first_consumed{}, last_consumed{};
  subscription sub;
  sub.topics = {topic};
  sub.group = group;
  sub.on_record = [&](const record& r) -> caf::error {
    std::lock_guard<std::mutex> guard{mx};
    if (consumed++ == 0)
      first_consumed = clock_type::now();
    ++consumed_per_partition[r.partition()];
    last_consumed = clock_type::now();
    if (consumed >= total)
      cv.notify_all();
    return caf::none;
  };
  auto subscribed_at = clock_type::now();
  self->request(*service, timeout, subscribe_atom_v, std::move(sub))
    .receive([&](uint64_t) {}, [&](caf::error& err) { fail("subscribing", err); });

  std::map<int32_t, std::pair<int64_t, int64_t>> produced; // partition -> {count, max offset}
  auto note = [&](const delivery_report& r) {
    auto& p = produced[r.partition];
    ++p.first;
    p.second = std::max(p.second, r.offset);
  };
  auto singles = total / 2;
  auto t0 = clock_type::now();
  // send_message, pipelined: up to `window` requests outstanding, answers as plain messages.
  const int64_t window = 1000;
  int64_t sent = 0, answered = 0, failed = 0;
  while (answered < singles && rc == 0) {
    while (sent < singles && sent - answered < window) {
      self->send(*service, send_atom_v,
                 message{topic, "single " + std::to_string(sent), {{"kind", "single"}},
                         "key-" + std::to_string(sent % 100)});
      ++sent;
    }
    self->receive([&](delivery_report& r) { note(r); ++answered; },
                  [&](caf::error& err) {
                    ++answered;
                    if (++failed == 1)
                      fail("send_message", err);
                  });
  }
  auto single_secs = seconds_since(t0);
  // send_messages_batch: 500 records per request.
  auto t1 = clock_type::now();
  int64_t batched = total - singles;
  for (int64_t i = 0; i < batched && rc == 0; i += 500) {
    message_batch batch;
    for (int64_t j = i; j < std::min(batched, i + 500); ++j)
      batch.push_back(message{topic, "batched " + std::to_string(j), {{"kind", "batch"}},
                              "key-" + std::to_string(j % 100)});
    self->request(*service, timeout, send_atom_v, std::move(batch))
      .receive([&](batch_report& rep) {
                 for (auto& r : rep.results) {
                   if (r.ok())
                     note(r);
                   else if (++failed == 1)
                     std::cerr << "kafka-actors quickstart: " << r.error << "\n";
                 }
               },
               [&](caf::error& err) { fail("send_messages_batch", err); });
  }
  auto batch_secs = seconds_since(t1);
  bool all_consumed = false;
  {
    std::unique_lock<std::mutex> lock{mx};
    all_consumed = cv.wait_for(lock, std::chrono::seconds{60},
                               [&] { return consumed >= total; });
  }
  auto end_to_end = seconds_since(t0);
  double join_secs = 0, consume_secs = 0;
  {
    std::lock_guard<std::mutex> guard{mx};
    join_secs = std::chrono::duration<double>(first_consumed - subscribed_at).count();
    consume_secs = std::chrono::duration<double>(last_consumed - first_consumed).count();
  }
  service_status status;
  self->request(*service, timeout, status_atom_v)
    .receive([&](service_status& s) { status = std::move(s); }, [&](caf::error&) {});
  self->request(*service, timeout, stop_all_atom_v).receive([](bool) {}, [&](caf::error& err) {
    fail("stop_all", err);
  });

  std::cout << "\nproduced " << (sent + batched - failed) << " of " << total << " ("
            << singles << " one by one, " << batched << " in batches of 500), " << failed
            << " failed\n";
  std::printf("  send_message:        %8.0f msg/s\n", singles / single_secs);
  std::printf("  send_messages_batch: %8.0f msg/s\n", batched / batch_secs);
  std::printf("consumed %lld of %lld: first record %.2f s after subscribing (the group join), "
              "the rest in %.3f s\n",
              static_cast<long long>(consumed), static_cast<long long>(total), join_secs,
              consume_secs);
  std::printf("end to end: %.2f s (includes the embedded cluster's ~3 s first group join)\n",
              end_to_end);
  std::printf("\n%-10s %10s %12s %10s %16s\n", "partition", "produced", "last offset",
              "consumed", "stored next");
  std::map<std::string, int64_t> stored;
  for (auto& [id, cs] : status.consumers)
    for (auto& [tp, off] : cs.stored)
      stored[tp] = off;
  for (auto& [p, c] : produced) {
    auto key = topic + "[" + std::to_string(p) + "]";
    std::printf("%-10d %10lld %12lld %10lld %16s\n", p, static_cast<long long>(c.first),
                static_cast<long long>(c.second),
                static_cast<long long>(consumed_per_partition[p]),
                stored.count(key) ? std::to_string(stored[key]).c_str() : "-");
  }
  if (!all_consumed) {
    std::cerr << "kafka-actors quickstart: only " << consumed << " of " << total
              << " messages consumed within 60 s\n";
    rc = 1;
  }
  if (failed > 0)
    rc = 1;
  std::cout << (rc == 0 ? "\nquickstart OK\n" : "\nquickstart FAILED\n");
  return rc;
}

} // namespace kafka_actors::cli
