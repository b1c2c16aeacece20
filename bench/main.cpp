// kafka_bench: raw librdkafka against the kafka-actors API, side by side in one run against
// one broker with identical client settings (DESIGN §3). Prints every run, then a table of
// medians with ratios to the raw loop of the same size and direction. Exit code 0 also when a
// path is below its target (this is a report); 1 on errors or lost/duplicated records.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <caf/actor_system.hpp>
#include <unistd.h>

#include "lanes.hpp"
#include "latency.hpp"
#include "monitoring.hpp"
#include "paths.hpp"
#include "remote.hpp"
#include "scaling.hpp"
#include "kafka_actors/runtime/errors.hpp"
#include "kafka_actors/system_config.hpp"

namespace ka = kafka_actors;
using namespace kafka_bench;

namespace {

const char* usage = R"(usage: kafka_bench [options]
  -b BROKERS     bootstrap servers (default: $KAFKA_ACTORS_BOOTSTRAP)
  -n COUNT       records per run with 100-byte payloads (default 3000000)
  -k COUNT       records per run with 1 KiB payloads (default 1000000)
  -r REPS        repetitions; the table shows medians (default 3)
  -p PARTITIONS  partitions of each fresh topic (default 3, replication 1)
  -B BATCHES     actor batched produce: 1000-record requests outstanding (default 64,
                 i.e. 64,000 records, near the raw loop's queue.buffering.max.messages)
  -w WINDOW      actor per-message produce: sends outstanding (default 5000)
  -X KEY=VALUE   librdkafka property for every client of both paths (repeatable), e.g.
                 -X queued.min.messages=100000 -X queued.max.messages.kbytes=65536
                 (librdkafka's defaults: a random refetch stall, see docs/BENCHMARKS.md)
  --scheduler P  CAF scheduler policy: 'stealing' or 'sharing' (default: the library's)
  --caf KEY=N    a CAF setting over the library's, N a count or a duration ending in us or
                 ms (e.g. --caf work-stealing.moderate-poll-attempts=500)
  --quick        smoke run: 100000 records per size, 1 repetition
  --lanes        the partition manager instead: a 1 ms handler on 12 partitions with
                 lanes vs one handler lane, 8 key lanes on one partition, and the lanes'
                 cost on a fast handler (see bench/lanes.cpp)
  --only WHAT    'produce' or 'consume' paths only (the raw produce always runs: it is
                 the produce baseline and fills the topic the consume paths read)
  --latency      end-to-end latency (produce call -> handler) at a fixed rate, raw
                 librdkafka vs KafkaService (see bench/latency.cpp), with
    --rate N         records per second, paced in 1 ms slots (default 50000)
    --seconds S      per path (default 20)
    --partitions P   same as -p (default 3)
    --actor-first    run the actor path first (default: raw first)
    --pairs N        N raw/actor pairs, the order alternating; the verdict compares the
                     medians of their p99s (default 1)
    --raw-burn F     a control: a thread keeps F (0..1) of a core busy beside the raw path
    --append-time    LogAppendTime topics: split the trip at the broker's append
    --path WHICH     'raw' or 'actor' only (after the settle pass), e.g. under perf
  --monitoring   what monitoring costs: produce (KafkaService, batches) and consume
                 (KafkaService subscription, on_batch) of 100 B records with
                 monitoring.enabled off vs on (interval 1 s, /metrics scraped once per
                 second), repetitions interleaved off/on; uses -n, -r, -p, -B (see
                 bench/monitoring.cpp)
  --scaling      consume throughput over partitions 1/3/12 and 1/2/3 members of one group,
                 each member a KafkaService subscription (see bench/scaling.cpp), with
    --records N      records per topic (default 1000000)
  --remote       a remote handler's cost (issue 13): 100 B records consumed through a local
                 subscription, a remote subscription of the same service, and one of a
                 `kafka-actors node` child over loopback (see bench/remote.cpp); uses -n, -r,
                 -p
  --consumer-batch N   flow.consumer.batch.size for every actor consume path (default 500)
  --consumer-window N  flow.consumer.max.in.flight, records (default 4000; --remote's handler
                       grants as much)
  --out DIR      --latency / --scaling: write latency.csv, latency-cdf-*.dat and
                 scaling.csv there (plot them with scripts/bench-plots DIR)
)";

// Client settings shared by raw and actor paths, stated so a reader knows what was measured.
// librdkafka 2.0.2 defaults except the consumer's prefetch bounds: with its defaults (100,000
// records, 64 MiB per partition) a partition whose queue passes a bound is not fetched again
// until the broker thread's next wake-up, up to ~1 s later (DESIGN §6); a run of 1 M records
// per partition then measures where that stall happened to fall (one raw run here: 1.1 M msg/s
// against 2.1 M in the runs beside it). Bounds above a run's size keep both paths clear of it.
const ka::properties producer_settings = {
  {"acks", "all"},
  {"enable.idempotence", "true"},
  {"linger.ms", "5"},
  {"compression.type", "none"},
  {"batch.num.messages", "10000"},
  {"batch.size", "1000000"},
  {"queue.buffering.max.messages", "100000"},
  {"queue.buffering.max.kbytes", "1048576"},
};
const ka::properties consumer_settings = {
  {"queued.min.messages", "2000000"},
  {"queued.max.messages.kbytes", "1048576"},
  {"fetch.wait.max.ms", "500"},
  {"fetch.min.bytes", "1"},
  {"fetch.max.bytes", "52428800"},
  {"max.partition.fetch.bytes", "1048576"},
  {"auto.offset.reset", "earliest"},
};

enum path_id { raw_produce, batch_produce, single_produce, service_produce, sender_produce,
               raw_consume, batch_consume, record_consume, path_count };
constexpr int produce_paths = raw_consume;

struct path_info {
  const char* name;
  double target; // ratio to the raw path of the same direction; 0 = is the baseline
};

const path_info paths[path_count] = {
  {"produce  raw producev loop", 0},
  {"produce  actor, batches of 1000", 0.95},
  {"produce  actor, per message", 0.75},
  {"produce  KafkaService, batches", 0.95},
  {"produce  per message, sender", 0.75},
  {"consume  raw consumer_poll loop", 0},
  {"consume  actor, on_batch", 0.95},
  {"consume  actor, on_record", 0.95},
};

struct options {
  std::string bootstrap;
  // Runs of several seconds each: shorter ones mostly measure the broker's GC and the page
  // cache's writeback on this 2-core machine (ratios swung 0.5-1.0 at 1 s per run).
  int64_t n_small = 3000000;
  int64_t n_large = 1000000;
  int reps = 3;
  int partitions = 3;
  size_t window = 5000;
  size_t batches = 64;
  std::string scheduler;
  std::vector<std::pair<std::string, std::string>> caf_settings;
  bool produce = true;
  bool consume = true;
  bool quick = false;
  bool lanes = false;
  bool latency = false;
  bool scaling = false;
  bool remote = false;
  int64_t consumer_batch = 0;
  int64_t consumer_window = 0;
  bool monitoring = false;
  int64_t rate = 50000;
  int seconds = 20;
  bool actor_first = false;
  int pairs = 1;
  double raw_burn = 0;
  bool append_time = false;
  std::string only_path;
  int64_t records = 1000000;
  std::string out_dir;
  ka::properties overrides;
};

std::string load_average() {
  std::ifstream in{"/proc/loadavg"};
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

bool parse(int argc, char** argv, options& o) {
  if (auto env = std::getenv("KAFKA_ACTORS_BOOTSTRAP"))
    o.bootstrap = env;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc)
        throw std::invalid_argument(a + " needs a value");
      return argv[++i];
    };
    if (a == "-h" || a == "--help") {
      std::cout << usage;
      std::exit(0);
    } else if (a == "--quick") {
      o.n_small = o.n_large = 100000;
      o.reps = 1;
      o.quick = true;
    } else if (a == "--lanes") {
      o.lanes = true;
    } else if (a == "--latency") {
      o.latency = true;
    } else if (a == "--scaling") {
      o.scaling = true;
    } else if (a == "--monitoring") {
      o.monitoring = true;
    } else if (a == "--remote") {
      o.remote = true;
    } else if (a == "--consumer-batch") {
      o.consumer_batch = std::stoll(value());
    } else if (a == "--consumer-window") {
      o.consumer_window = std::stoll(value());
    } else if (a == "--rate") {
      o.rate = std::stoll(value());
    } else if (a == "--actor-first") {
      o.actor_first = true;
    } else if (a == "--pairs") {
      o.pairs = std::stoi(value());
      if (o.pairs < 1 || o.pairs > 100)
        throw std::invalid_argument("--pairs must be 1..100");
    } else if (a == "--raw-burn") {
      o.raw_burn = std::stod(value());
      if (!(o.raw_burn >= 0 && o.raw_burn <= 1))
        throw std::invalid_argument("--raw-burn must be 0..1 (a fraction of one core)");
    } else if (a == "--append-time") {
      o.append_time = true;
    } else if (a == "--path") {
      o.only_path = value();
      if (o.only_path != "raw" && o.only_path != "actor")
        throw std::invalid_argument("--path takes 'raw' or 'actor'");
    } else if (a == "--seconds") {
      o.seconds = std::stoi(value());
    } else if (a == "--records") {
      o.records = std::stoll(value());
    } else if (a == "--out") {
      o.out_dir = value();
    } else if (a == "-b") {
      o.bootstrap = value();
    } else if (a == "-n") {
      o.n_small = std::stoll(value());
    } else if (a == "-k") {
      o.n_large = std::stoll(value());
    } else if (a == "-r") {
      o.reps = std::stoi(value());
    } else if (a == "-p" || a == "--partitions") {
      o.partitions = std::stoi(value());
    } else if (a == "-B") {
      o.batches = std::stoul(value());
    } else if (a == "-w") {
      o.window = std::stoul(value());
    } else if (a == "--only") {
      auto what = value();
      if (what != "produce" && what != "consume")
        throw std::invalid_argument("--only takes 'produce' or 'consume'");
      o.produce = what == "produce";
      o.consume = what == "consume";
    } else if (a == "--caf") {
      auto kv = value();
      auto eq = kv.find('=');
      if (eq == std::string::npos || eq == 0 || eq + 1 == kv.size())
        throw std::invalid_argument("--caf takes KEY=VALUE, not '" + kv + "'");
      auto text = kv.substr(eq + 1);
      size_t used = 0;
      std::stoull(text, &used);
      if (auto unit = text.substr(used); !unit.empty() && unit != "us" && unit != "ms")
        throw std::invalid_argument("--caf " + kv.substr(0, eq) + ": '" + text
                                    + "' is neither a count nor a duration in us or ms");
      o.caf_settings.emplace_back(kv.substr(0, eq), text);
    } else if (a == "--scheduler") {
      o.scheduler = value();
      if (o.scheduler != "stealing" && o.scheduler != "sharing")
        throw std::invalid_argument("--scheduler takes 'stealing' or 'sharing'");
    } else if (a == "-X") {
      auto kv = value();
      auto eq = kv.find('=');
      if (eq == std::string::npos)
        throw std::invalid_argument("-X needs KEY=VALUE");
      o.overrides[kv.substr(0, eq)] = kv.substr(eq + 1);
    } else {
      throw std::invalid_argument("unknown argument '" + a + "'");
    }
  }
  if (o.bootstrap.empty())
    throw std::invalid_argument("no broker: pass -b or set KAFKA_ACTORS_BOOTSTRAP "
                                "(scripts/kafka run -- build/bench/kafka_bench)");
  if (o.n_small < 1 || o.n_large < 1 || o.reps < 1 || o.partitions < 1 || o.window < 1
      || o.batches < 1 || o.rate < 1 || o.seconds < 1 || o.records < 1)
    throw std::invalid_argument("counts must be at least 1");
  return true;
}

void print_props(const char* title, const ka::properties& props) {
  std::cout << title << "\n";
  for (auto& [k, v] : props)
    if (k != "group.id" && k != "client.id" && !ka::is_secret_key(k))
      std::cout << "    " << k << "=" << v << "\n";
}

// One size: the runs of every path over all repetitions.
struct size_results {
  size_t payload;
  int64_t count;
  std::vector<run_result> runs[path_count];
  bool all_verified[path_count] = {true, true, true, true, true, true, true, true};
};

bool report_run(const ka::kafka_config& cfg, const run_spec& spec, path_id p,
                const run_result& r, int rep, int reps) {
  return kafka_bench::report_run(cfg, spec, paths[p].name, p < produce_paths, r, rep, reps);
}

void run_size(caf::actor_system& sys, const ka::kafka_config& cfg, const options& o,
              size_results& out) {
  for (int rep = 0; rep < o.reps; ++rep) {
    auto base = "bench-" + std::to_string(::getpid()) + "-" + std::to_string(out.payload)
                + "b-r" + std::to_string(rep);
    run_spec spec;
    spec.cfg = &cfg;
    spec.count = out.count;
    spec.payload_bytes = out.payload;
    spec.window = o.window;
    spec.batches_in_flight = o.batches;
    std::string source = base + "-raw";
    std::vector<std::string> topics;
    // Produce paths in rotated order per repetition, so no path is always first.
    for (int i = 0; i < produce_paths; ++i) {
      auto p = static_cast<path_id>((i + rep) % produce_paths);
      if (p != raw_produce && !o.produce)
        continue;
      spec.topic = p == raw_produce ? source : base + "-" + std::to_string(p);
      topics.push_back(spec.topic);
      run_result r;
      r.error = create_topic(cfg, spec.topic, o.partitions);
      if (r.error.empty())
        r = p == raw_produce      ? produce_raw(spec)
            : p == batch_produce ? produce_actor_batched(sys, spec)
            : p == service_produce ? produce_service_batched(sys, spec)
            : p == sender_produce ? produce_sender_single(sys, spec)
                                 : produce_actor_single(sys, spec);
      out.all_verified[p] &= report_run(cfg, spec, p, r, rep, o.reps);
      out.runs[p].push_back(r);
    }
    // Consume paths read N records of the raw-produced topic, each with a fresh group.
    spec.topic = source;
    for (int i = 0; i < 3 && o.consume; ++i) {
      auto p = static_cast<path_id>(raw_consume + (i + rep) % 3);
      auto group = base + "-g" + std::to_string(p);
      auto r = p == raw_consume     ? consume_raw(spec, group)
               : p == batch_consume ? consume_actor_batch(sys, spec, group)
                                    : consume_actor_record(sys, spec, group);
      out.all_verified[p] &= report_run(cfg, spec, p, r, rep, o.reps);
      out.runs[p].push_back(r);
    }
    if (auto err = delete_topics(cfg, topics); !err.empty())
      std::cout << "note: " << err << "\n";
  }
}

// Median over the runs that worked of `f(run)`.
template <class F>
double median_of(const size_results& s, path_id p, F f) {
  std::vector<double> xs;
  for (auto& r : s.runs[p])
    if (r.error.empty() && r.seconds > 0)
      xs.push_back(f(r));
  return median(xs);
}

double median_rate(const size_results& s, path_id p, bool from_start = false) {
  std::vector<double> rates;
  for (auto& r : s.runs[p]) {
    auto secs = from_start ? r.seconds_from_start : r.seconds;
    if (r.error.empty() && secs > 0)
      rates.push_back(static_cast<double>(s.count) / secs);
  }
  return median(rates);
}

void print_table(const std::vector<size_results>& sizes, int reps) {
  std::printf("\nMedian of %d run(s), min-max in thousands. ratio = path / raw loop of the same"
              "\nsize and direction. MB/s = payload bytes / 10^6. Consume paths are timed from"
              "\nthe first record to the N-th; 'incl. join' times from client creation (group"
              "\njoin, first fetch)."
              "\ncpu = CPU time of the whole bench process (client, actors, librdkafka threads)"
              "\nper record; busy = share of both cores busy, broker included.\n\n",
              reps);
  const char* row = "%-6s %-32s %11s %11s %7s %6s %7s %-7s %7s %5s %11s %-8s\n";
  std::printf(row, "size", "path", "msg/s", "runs, k/s", "MB/s", "ratio", "target", "verdict",
              "cpu", "busy", "incl. join", "verified");
  std::printf(row, "", "", "median", "min-max", "", "", "", "", "us/msg", "%", "msg/s", "");
  for (auto& s : sizes) {
    for (int i = 0; i < path_count; ++i) {
      auto p = static_cast<path_id>(i);
      if (s.runs[p].empty())
        continue;
      auto rate = median_rate(s, p);
      auto base = median_rate(s, p < produce_paths ? raw_produce : raw_consume);
      auto ratio = base > 0 ? rate / base : 0;
      char target[16] = "-", ratio_s[16], mbs[16], cpu[16], busy[16];
      std::string verdict = "-";
      if (paths[p].target > 0) {
        std::snprintf(target, sizeof(target), ">=%.2f", paths[p].target);
        verdict = ratio >= paths[p].target ? "PASS" : "BELOW";
      }
      std::snprintf(ratio_s, sizeof(ratio_s), "%.2f", ratio);
      std::snprintf(mbs, sizeof(mbs), "%.1f", rate * static_cast<double>(s.payload) / 1e6);
      std::snprintf(cpu, sizeof(cpu), "%.2f", median_of(s, p, [&](const run_result& r) {
                      return r.client_cpu * 1e6 / static_cast<double>(s.count);
                    }));
      std::snprintf(busy, sizeof(busy), "%.0f",
                    median_of(s, p, [](const run_result& r) { return r.machine_busy * 100; }));
      auto incl = p >= raw_consume ? with_commas(median_rate(s, p, true)) : std::string{"-"};
      auto verified = s.all_verified[p] ? std::to_string(s.runs[p].size()) + "/"
                                            + std::to_string(reps) + " ok"
                                        : std::string{"FAILED"};
      std::vector<double> rates;
      for (auto& r : s.runs[p])
        if (r.error.empty() && r.seconds > 0)
          rates.push_back(static_cast<double>(s.count) / r.seconds / 1000);
      std::string range = "-";
      if (!rates.empty())
        range = with_commas(*std::min_element(rates.begin(), rates.end())) + "-"
                + with_commas(*std::max_element(rates.begin(), rates.end()));
      std::printf(row, (std::to_string(s.payload) + " B").c_str(), paths[p].name,
                  with_commas(rate).c_str(), range.c_str(), mbs, ratio_s, target,
                  verdict.c_str(), cpu, busy, incl.c_str(), verified.c_str());
    }
  }
}

// Untimed: lets the broker's JIT compiler and page cache settle before the first measured run
// (a fresh broker spends its first seconds compiling).
void warm_up_broker(const ka::kafka_config& cfg, const options& o) {
  auto started = std::chrono::steady_clock::now();
  const std::pair<size_t, int64_t> rounds[] = {{100, std::min<int64_t>(o.n_small, 500000)},
                                               {1024, std::min<int64_t>(o.n_large, 100000)}};
  for (auto& [payload, count] : rounds) {
    run_spec spec;
    spec.cfg = &cfg;
    spec.topic = "bench-" + std::to_string(::getpid()) + "-warmup-" + std::to_string(payload);
    spec.payload_bytes = payload;
    spec.count = count;
    if (auto err = create_topic(cfg, spec.topic, o.partitions); !err.empty())
      throw std::runtime_error("creating the warm-up topic: " + err);
    auto p = produce_raw(spec);
    auto c = consume_raw(spec, spec.topic + "-g");
    delete_topics(cfg, {spec.topic});
    if (!p.error.empty() || !c.error.empty())
      throw std::runtime_error("warm-up: " + p.error + c.error);
  }
  std::printf("warm-up (untimed): %.1f s\n\n",
              std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
}

} // namespace

int main(int argc, char** argv) {
  options o;
  try {
    parse(argc, argv, o);
  } catch (const std::exception& e) {
    std::cerr << "kafka_bench: " << e.what() << "\n" << usage;
    return 2;
  }
  auto cfg = ka::kafka_config::remote(o.bootstrap);
  cfg.source = "kafka_bench";
  cfg.producer = producer_settings;
  cfg.consumer = consumer_settings;
  // -X replaces a stated setting in its own section; other keys go to every client.
  for (auto& [k, v] : o.overrides) {
    if (producer_settings.count(k))
      cfg.producer[k] = v;
    else if (consumer_settings.count(k))
      cfg.consumer[k] = v;
    else
      cfg.client[k] = v;
  }
  if (o.consumer_batch > 0)
    cfg.flow.consumer_batch_size = static_cast<size_t>(o.consumer_batch);
  if (o.consumer_window > 0)
    cfg.flow.consumer_max_in_flight = static_cast<size_t>(o.consumer_window);
  if (auto err = cfg.validate()) {
    std::cerr << "kafka_bench: " << ka::describe(err) << "\n";
    return 2;
  }
  auto started = std::chrono::steady_clock::now();
  std::cout << "kafka_bench: bootstrap " << o.bootstrap << ", "
            << std::thread::hardware_concurrency() << " cores, " << o.reps
            << " repetition(s), topics with " << o.partitions << " partitions, replication 1\n";
  print_props("producer properties (raw and actor):", cfg.producer_config());
  print_props("consumer properties (raw and actor; fresh group.id per run):",
              cfg.consumer_config("-"));
  std::cout << "actor flow: producer window " << cfg.flow.producer_max_in_flight_messages
            << " records / " << cfg.flow.producer_max_in_flight_bytes / (1024 * 1024)
            << " MiB; consumer " << cfg.flow.consumer_batch_size << " records per batch, "
            << cfg.flow.consumer_max_in_flight << " records / "
            << cfg.flow.consumer_max_in_flight_bytes / (1024 * 1024)
            << " MiB in flight; handler on its own thread\n"
            << "actor drivers: batched = 1000-record requests, " << o.batches
            << " outstanding; per message = " << o.window << " sends outstanding\n"
            << "load average at start: " << load_average()
            << " (other work on this machine skews every figure)\n"
            << std::flush;

  std::vector<size_results> sizes;
  sizes.push_back(size_results{100, o.n_small, {}});
  sizes.push_back(size_results{1024, o.n_large, {}});
  int rc = 0;
  {
    ka::actor_system_config sys_cfg;
    if (!o.scheduler.empty())
      sys_cfg.set("scheduler.policy", caf::atom_from_string(o.scheduler));
    for (auto& [key, text] : o.caf_settings) {
      size_t used = 0;
      auto n = std::stoull(text, &used);
      auto unit = text.substr(used);
      if (unit.empty())
        sys_cfg.set(key, static_cast<size_t>(n));
      else if (unit == "us")
        sys_cfg.set(key, caf::timespan{std::chrono::microseconds{n}});
      else
        sys_cfg.set(key, caf::timespan{std::chrono::milliseconds{n}});
      std::cout << "caf setting: " << key << " = " << text << "\n";
    }
    if (o.remote)
      sys_cfg.with_network(); // the middleman, to reach the node
    caf::actor_system sys{sys_cfg};
    try {
      warm_up_broker(cfg, o);
    } catch (const std::exception& e) {
      std::cerr << "kafka_bench: " << e.what() << "\n";
      return 1;
    }
    if (o.lanes)
      return run_lanes_bench(sys, cfg, o.reps, o.quick);
    if (o.remote)
      return run_remote_bench(sys, cfg, o.n_small, o.reps, o.partitions);
    if (o.monitoring) {
      rc = run_monitoring_bench(sys, cfg,
                                monitoring_options{o.n_small, o.reps, o.partitions, o.batches});
      auto secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      std::printf("\n%s; %.0f s in total\n",
                  rc == 0 ? "all records verified (no loss, no duplicates), every scrape ok"
                          : "ERRORS: see the lines marked ERROR above",
                  secs);
      return rc;
    }
    if (o.latency || o.scaling) {
      if (o.latency)
        rc |= run_latency_bench(sys, cfg,
                                latency_options{o.rate, o.seconds, o.partitions, o.actor_first,
                                                o.out_dir, o.pairs, o.raw_burn,
                                                o.append_time, o.only_path});
      if (o.latency && o.scaling)
        std::printf("\n");
      if (o.scaling)
        rc |= run_scaling_bench(sys, cfg, o.records, o.out_dir);
      return rc;
    }
    for (auto& s : sizes)
      run_size(sys, cfg, o, s);
    // Every actor handle is gone here (each path stops its actors and drops its handles).
  }
  print_table(sizes, o.reps);
  for (auto& s : sizes)
    for (bool ok : s.all_verified)
      rc |= ok ? 0 : 1;
  auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("\n%s; %.0f s in total\n",
              rc == 0 ? "all records verified (no loss, no duplicates)"
                      : "ERRORS: see the lines marked ERROR above",
              secs);
  return rc;
}
