// kafka_bench --lanes: the partition manager's lanes against today's single handler lane.
//   1. a slow handler (1 ms blocking per record) on 12 partitions: one handler lane, then one
//      lane per partition with 12 and with 4 lane threads (expected: ~1,000 msg/s per lane);
//   2. the same handler on one partition with 8 key lanes (100 keys);
//   3. a fast handler (no work) on 3 partitions: the lanes' own cost, as a ratio to the single
//      handler lane and to the raw consumer_poll loop of the same run.
// Each row: median over the repetitions, first record to the N-th.

#include "lanes.hpp"

#include <algorithm>
#include <cstdio>
#include <string>
#include <tuple>
#include <vector>

#include <unistd.h>

namespace kafka_bench {

namespace ka = kafka_actors;
using namespace std::chrono_literals;

namespace {

struct row {
  std::string name;
  int64_t count;
  std::vector<double> rates;
  std::string error;
};

ka::lane_options lanes(uint32_t key_lanes, uint32_t threads) {
  ka::lane_options o;
  o.key_lanes = key_lanes;
  o.max_lane_threads = threads;
  return o;
}

// One consume run of `count` records of `topic` into `out`.
void measure(caf::actor_system& sys, const ka::kafka_config& cfg, const std::string& topic,
             int64_t count, const std::optional<ka::lane_options>& l,
             std::chrono::microseconds cost, bool raw, row& out) {
  run_spec spec;
  spec.cfg = &cfg;
  spec.topic = topic;
  spec.count = count;
  static int groups = 0;
  auto group = topic + "-g" + std::to_string(++groups);
  auto r = raw ? consume_raw(spec, group) : consume_actor_lanes(sys, spec, group, l, cost);
  if (!r.error.empty() || r.failed != 0) {
    out.error = !r.error.empty() ? r.error : std::to_string(r.failed) + " out of sequence";
  } else if (r.seconds > 0) {
    out.rates.push_back(static_cast<double>(count) / r.seconds);
  }
  std::printf("  %-44s %10.0f msg/s%s%s\n", out.name.c_str(),
              r.seconds > 0 ? static_cast<double>(count) / r.seconds : 0.0,
              out.error.empty() ? "" : "  ERROR: ", out.error.c_str());
  std::fflush(stdout);
}

std::string fill(const ka::kafka_config& cfg, const std::string& name, int partitions,
                 int64_t count, size_t keys) {
  run_spec spec;
  spec.cfg = &cfg;
  spec.topic = name;
  spec.count = count;
  spec.keys = keys;
  if (auto err = create_topic(cfg, name, partitions); !err.empty())
    return err;
  auto r = produce_raw(spec);
  return r.error;
}

} // namespace

int run_lanes_bench(caf::actor_system& sys, const ka::kafka_config& cfg, int reps, bool quick) {
  auto base = "bench-lanes-" + std::to_string(::getpid());
  // Keyed, so the records spread evenly over the partitions (null keys go to one partition
  // for a sticky while). Slow runs: the single lane reads fewer records (1 ms each), so
  // every run takes seconds.
  int64_t slow_many = quick ? 6000 : 24000;
  int64_t slow_few = quick ? 1500 : 4000;
  int64_t fast = quick ? 200000 : 2000000;
  auto slow12 = base + "-slow12", slow1 = base + "-slow1", fast3 = base + "-fast3";
  for (auto& [t, p, n, k] : std::vector<std::tuple<std::string, int, int64_t, size_t>>{
         {slow12, 12, slow_many, 1200}, {slow1, 1, slow_many, 100}, {fast3, 3, fast, 300}})
    if (auto err = fill(cfg, t, p, n, k); !err.empty()) {
      std::fprintf(stderr, "kafka_bench: filling %s: %s\n", t.c_str(), err.c_str());
      return 1;
    }
  auto ms = std::chrono::microseconds{1000};
  std::vector<row> rows = {
    {"slow 1 ms, 12 partitions, single handler lane", slow_few, {}, {}},
    {"slow 1 ms, 12 partitions, lanes, 12 threads", slow_many, {}, {}},
    {"slow 1 ms, 12 partitions, lanes, 4 threads", slow_many / 2, {}, {}},
    {"slow 1 ms, 1 partition, single handler lane", slow_few, {}, {}},
    {"slow 1 ms, 1 partition, 8 key lanes", slow_many, {}, {}},
    {"fast, 3 partitions, raw consumer_poll loop", fast, {}, {}},
    {"fast, 3 partitions, single handler lane", fast, {}, {}},
    {"fast, 3 partitions, lanes", fast, {}, {}},
    {"fast, 3 partitions, lanes, 4 key lanes", fast, {}, {}},
  };
  for (int rep = 0; rep < reps; ++rep) {
    std::printf("[lanes rep %d/%d]\n", rep + 1, reps);
    measure(sys, cfg, slow12, rows[0].count, std::nullopt, ms, false, rows[0]);
    measure(sys, cfg, slow12, rows[1].count, lanes(1, 12), ms, false, rows[1]);
    measure(sys, cfg, slow12, rows[2].count, lanes(1, 4), ms, false, rows[2]);
    measure(sys, cfg, slow1, rows[3].count, std::nullopt, ms, false, rows[3]);
    measure(sys, cfg, slow1, rows[4].count, lanes(8, 8), ms, false, rows[4]);
    // Fast paths in rotated order, so none is always first.
    for (int i = 0; i < 4; ++i) {
      auto p = 5 + (i + rep) % 4;
      std::optional<ka::lane_options> l;
      if (p == 7)
        l = lanes(1, 16);
      else if (p == 8)
        l = lanes(4, 16);
      measure(sys, cfg, fast3, rows[p].count, l, std::chrono::microseconds{0}, p == 5, rows[p]);
    }
  }
  delete_topics(cfg, {slow12, slow1, fast3});
  std::printf("\nlanes: median of %d run(s), first record to the N-th\n", reps);
  std::printf("%-46s %9s %12s %9s\n", "path", "records", "msg/s", "ratio");
  int rc = 0;
  auto single_slow12 = median(rows[0].rates), single_slow1 = median(rows[3].rates);
  auto single_fast = median(rows[6].rates), raw_fast = median(rows[5].rates);
  for (size_t i = 0; i < rows.size(); ++i) {
    auto rate = median(rows[i].rates);
    // Slow rows: speed-up over the single lane; fast rows: ratio to the single lane and raw.
    char ratio[48] = "-";
    if (i == 1 || i == 2)
      std::snprintf(ratio, sizeof(ratio), "%.1fx single", single_slow12 > 0 ? rate / single_slow12 : 0);
    else if (i == 4)
      std::snprintf(ratio, sizeof(ratio), "%.1fx single", single_slow1 > 0 ? rate / single_slow1 : 0);
    else if (i >= 6)
      std::snprintf(ratio, sizeof(ratio), "%.2f single, %.2f raw",
                    single_fast > 0 ? rate / single_fast : 0, raw_fast > 0 ? rate / raw_fast : 0);
    std::printf("%-46s %9lld %12.0f  %s%s%s\n", rows[i].name.c_str(),
                static_cast<long long>(rows[i].count), rate, ratio,
                rows[i].error.empty() ? "" : "  ERROR: ", rows[i].error.c_str());
    rc |= rows[i].error.empty() ? 0 : 1;
  }
  return rc;
}

} // namespace kafka_bench
