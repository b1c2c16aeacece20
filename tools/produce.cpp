// `kafka-actors produce`: stdin lines as records, in kcat's habits.

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

const char* produce_usage = R"(usage: kafka-actors produce -t TOPIC [options] < lines
  -b BROKERS       bootstrap servers (default: embedded mock cluster, gone at exit)
  -t TOPIC         topic to produce to (required)
  -K DELIM         split each line into key DELIM value at the first DELIM
  -H NAME=VALUE    add a header to every record (repeatable)
  -p PARTITION     produce to this partition (default: the partitioner chooses)
  --config FILE    kafka-actors JSON config
Each stdin line is one record. Exits 1 if any record failed; each failure names its line.
)";

constexpr size_t batch_size = 500;

} // namespace

int produce(const std::vector<std::string>& argv) {
  args a{argv, {"--help", "-h"}, {"-b", "-t", "-K", "-H", "-p", "--config"}};
  if (a.has("--help") || a.has("-h")) {
    std::cout << produce_usage;
    return 0;
  }
  if (!a.has("-t"))
    throw usage_error("missing -t TOPIC");
  auto topic = a.get("-t");
  if (auto err = validate_topic_name(topic))
    return report("produce", err);
  headers hdrs;
  for (auto& h : a.all("-H")) {
    auto eq = h.find('=');
    if (eq == std::string::npos || eq == 0)
      throw usage_error("-H needs NAME=VALUE, got '" + h + "'");
    hdrs.emplace_back(h.substr(0, eq), h.substr(eq + 1));
  }
  auto delim = a.get("-K");
  auto partition = static_cast<int32_t>(a.number("-p", any_partition));
  auto cfg = load_config(a);
  if (!cfg)
    return report("produce", cfg.error());
  session s;
  auto service = spawn_kafka_service(s.sys, *cfg);
  if (!service)
    return report("produce", service.error());
  caf::scoped_actor self{s.sys};
  int rc = 0;
  self->request(*service, call_timeout, ping_atom_v)
    .receive([](int32_t) {}, [&](caf::error& err) { rc = report("produce", err); });
  if (rc == 0 && cfg->is_embedded())
    self->request(*service, call_timeout, create_topic_atom_v, topic_config{topic, 3, 1, {}})
      .receive([](bool) {}, [](caf::error&) {});
  uint64_t line_no = 0, ok = 0, failed = 0;
  auto flush = [&](message_batch& batch, uint64_t first_line) {
    if (batch.empty())
      return;
    self->request(*service, call_timeout, send_atom_v, std::move(batch))
      .receive(
        [&](batch_report& rep) {
          for (size_t i = 0; i < rep.results.size(); ++i) {
            if (rep.results[i].ok()) {
              ++ok;
            } else {
              ++failed;
              std::cerr << "kafka-actors produce: line " << first_line + i << ": "
                        << rep.results[i].error << "\n";
            }
          }
        },
        [&](caf::error& err) {
          failed += 1;
          report("produce", err);
        });
    batch = {};
  };
  message_batch batch;
  uint64_t batch_first_line = 1;
  std::string line;
  while (rc == 0 && std::getline(std::cin, line)) {
    ++line_no;
    message m;
    m.topic = topic;
    m.partition = partition;
    m.metadata = hdrs;
    auto pos = delim.empty() ? std::string::npos : line.find(delim);
    if (pos != std::string::npos) {
      m.key = line.substr(0, pos);
      m.content = line.substr(pos + delim.size());
    } else {
      m.content = std::move(line);
    }
    if (batch.empty())
      batch_first_line = line_no;
    batch.push_back(std::move(m));
    if (batch.size() >= batch_size)
      flush(batch, batch_first_line);
  }
  flush(batch, batch_first_line);
  self->request(*service, call_timeout, stop_all_atom_v).receive([](bool) {}, [](caf::error&) {});
  if (rc == 0)
    std::cerr << "kafka-actors produce: " << ok << " records delivered to '" << topic << "', "
              << failed << " failed\n";
  return rc != 0 ? rc : (failed > 0 ? 1 : 0);
}

} // namespace kafka_actors::cli
