// kafka_bench --remote: what the network hop of a remote handler costs (issue 13). Three
// consume paths over the same topic of 100 B records, repetitions interleaved:
//
// - local:   a KafkaService subscription in this process, on_batch (the local consume path);
// - feed:    a remote_subscription of that same local service, its handler an actor here:
//            the feed's copy into remote_batch, without a wire;
// - remote:  a remote_subscription of a `kafka-actors node` child process (same broker, same
//            consumer settings): records copied, serialized, sent over loopback BASP,
//            deserialized here, acks and credit back.
//
// Each run reads the topic from the start in a fresh group and checks every partition's
// offsets arrive in sequence, once. Timed from the first record to the N-th, like the other
// consume paths; the client CPU is this process's only (the node's is not in it).

#include "remote.hpp"

#include <cstdio>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <string>

#include <signal.h>
#include <unistd.h>

#include <caf/scoped_actor.hpp>

#include "paths.hpp"
#include "support/node_process.hpp"
#include "kafka_actors/actors/kafka_service.hpp"
#include "kafka_actors/actors/node.hpp"
#include "kafka_actors/runtime/errors.hpp"

namespace kafka_bench {

namespace ka = kafka_actors;

namespace {

std::string json_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\')
      out += '\\';
    out += c;
  }
  return out;
}

// The bench's broker and consumer settings as a node config file; its path.
std::string write_node_config(const ka::kafka_config& cfg) {
  char tmpl[] = "/tmp/kafka_bench_node_XXXXXX";
  int fd = ::mkstemp(tmpl);
  if (fd < 0)
    throw std::runtime_error("cannot make a config file for the node");
  ::close(fd);
  std::ofstream f{tmpl};
  f << "{\"bootstrap.servers\": \"" << json_escape(cfg.bootstrap_servers) << "\",\n"
    << " \"consumer\": {";
  bool first = true;
  for (auto& [k, v] : cfg.consumer) {
    f << (first ? "" : ", ") << "\"" << json_escape(k) << "\": \"" << json_escape(v) << "\"";
    first = false;
  }
  f << "},\n \"flow\": {\"consumer.max.in.flight\": " << cfg.flow.consumer_max_in_flight
    << ", \"consumer.batch.size\": " << cfg.flow.consumer_batch_size << "}}\n";
  return tmpl;
}

// `kafka-actors node --port 0 --config FILE` with the bench's settings, stopped with SIGTERM
// (in order) when the bench is done with it.
class node_child {
public:
  explicit node_child(const ka::kafka_config& cfg)
    : config_(write_node_config(cfg)), process_({"--config", config_}), port(process_.port) {
  }
  ~node_child() {
    process_.stop(SIGTERM);
    ::unlink(config_.c_str());
  }

  /// CPU seconds the node has used so far (user + system), from /proc.
  double cpu_seconds() const {
    std::ifstream f{"/proc/" + std::to_string(process_.pid()) + "/stat"};
    std::string stat{std::istreambuf_iterator<char>{f}, std::istreambuf_iterator<char>{}};
    auto close = stat.rfind(')');
    if (close == std::string::npos)
      return 0;
    std::istringstream rest{stat.substr(close + 2)};
    std::string field;
    double utime = 0, stime = 0;
    // Fields after the name: state is 3rd, utime the 14th, stime the 15th (proc(5)).
    for (int i = 3; i <= 15 && rest >> field; ++i) {
      if (i == 14)
        utime = std::stod(field);
      if (i == 15)
        stime = std::stod(field);
    }
    return (utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
  }

private:
  std::string config_;
  ka::test::node_process process_;

public:
  uint16_t port;
};

} // namespace

int run_remote_bench(caf::actor_system& sys, const ka::kafka_config& cfg, int64_t records,
                     int reps, int partitions) {
  run_spec spec;
  spec.cfg = &cfg;
  spec.topic = "bench-remote-" + std::to_string(::getpid());
  spec.count = records;
  spec.payload_bytes = 100;
  if (auto err = create_topic(cfg, spec.topic, partitions); !err.empty()) {
    std::fprintf(stderr, "kafka_bench --remote: %s\n", err.c_str());
    return 1;
  }
  auto filled = produce_raw(spec);
  if (!filled.error.empty()) {
    std::fprintf(stderr, "kafka_bench --remote: filling %s: %s\n", spec.topic.c_str(),
                 filled.error.c_str());
    return 1;
  }
  // The warm-up record the raw producer sends first is part of the topic.
  spec.count = records + 1;
  auto local = ka::spawn_kafka_service(sys, cfg);
  if (!local) {
    std::fprintf(stderr, "kafka_bench --remote: %s\n", ka::describe(local.error()).c_str());
    return 1;
  }
  node_child node{cfg};
  if (node.port == 0) {
    std::fprintf(stderr, "kafka_bench --remote: the node printed no port\n");
    return 1;
  }
  auto remote = ka::connect_kafka_service(sys, "127.0.0.1", node.port);
  if (!remote) {
    std::fprintf(stderr, "kafka_bench --remote: %s\n", ka::describe(remote.error()).c_str());
    return 1;
  }
  auto credit = static_cast<int64_t>(cfg.flow.consumer_max_in_flight);
  std::printf("remote handler: %lld records of 100 B on %d partitions, %d repetitions, "
              "credit %lld, node on 127.0.0.1:%u\n",
              static_cast<long long>(spec.count), partitions, reps,
              static_cast<long long>(credit), node.port);
  const char* names[] = {"consume  local, on_batch", "consume  feed, in-process handler",
                         "consume  remote, node over loopback"};
  std::vector<double> rates[3];
  std::vector<double> node_cpu; // µs per record, remote runs
  int rc = 0;
  int group = 0;
  for (int rep = 0; rep < reps; ++rep) {
    for (int i = 0; i < 3; ++i) {
      int p = (i + rep) % 3;
      auto g = "bench-remote-" + std::to_string(::getpid()) + "-" + std::to_string(group++);
      auto cpu0 = node.cpu_seconds();
      auto r = p == 0   ? consume_service_batch(sys, *local, spec, g)
               : p == 1 ? consume_remote(sys, *local, spec, g, credit)
                        : consume_remote(sys, *remote, spec, g, credit);
      auto node_us = (node.cpu_seconds() - cpu0) * 1e6 / static_cast<double>(spec.count);
      if (!report_run(cfg, spec, names[p], false, r, rep, reps))
        rc = 1;
      if (p == 2) {
        // The node's CPU over the whole run (subscribe to stop), per record.
        std::printf("                 node process: cpu %.2f us/msg\n", node_us);
        node_cpu.push_back(node_us);
      }
      if (r.seconds > 0)
        rates[p].push_back(static_cast<double>(spec.count) / r.seconds);
    }
  }
  auto base = median(rates[0]);
  std::printf("\n%-38s %14s %8s\n", "path (medians)", "msg/s", "ratio");
  for (int p = 0; p < 3; ++p) {
    auto m = median(rates[p]);
    std::printf("%-38s %14s %8.2f\n", names[p], with_commas(m).c_str(), base > 0 ? m / base : 0);
  }
  std::printf("node process CPU, remote runs (median): %.2f us/msg (the client's is in the "
              "lines above)\n", median(node_cpu));
  auto ratio = base > 0 ? median(rates[2]) / base : 0;
  std::printf("\nremote / local = %.2f (target >= 0.80): %s\n", ratio,
              ratio >= 0.8 ? "PASS" : "FAIL");
  caf::anon_send_exit(*remote, caf::exit_reason::user_shutdown);
  std::string why = stop_service(sys, *local);
  if (!why.empty())
    std::fprintf(stderr, "kafka_bench --remote: stopping the local service: %s\n", why.c_str());
  delete_topics(cfg, {spec.topic});
  return rc;
}

} // namespace kafka_bench
