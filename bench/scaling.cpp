// kafka_bench --scaling: consume throughput of the actor API over partitions (1, 3, 12) and
// members of one group (1, 2, 3). Each member is its own KafkaService subscription in the
// same group with a trivial on_record; one topic per partition count is filled once by the
// raw producer, and every member count reads it from the start with a fresh group.
// Timed from the first record any member saw to the last record of the topic, and from the
// first subscribe. Members beyond the partition count get nothing (Kafka assigns a partition
// to one member of a group), and members that join after the first one start a rebalance
// while it already reads: both are part of what a user of a group sees.

#include "scaling.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
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

constexpr auto call_timeout = 60s;
constexpr auto consume_timeout = 120s;
const int partition_counts[] = {1, 3, 12};
const int member_counts[] = {1, 2, 3};

// Every partition's end offset (its high watermark): the run is done when each was read up
// to it. Empty on an error.
std::vector<int64_t> partition_ends(const ka::kafka_config& cfg, const std::string& topic,
                                    int partitions, std::string* error) {
  auto rk = new_client(RD_KAFKA_PRODUCER, cfg.admin_config(), cfg, error);
  if (!rk)
    return {};
  std::vector<int64_t> ends;
  for (int32_t p = 0; p < partitions; ++p) {
    int64_t lo = 0, hi = 0;
    if (auto err = rd_kafka_query_watermark_offsets(rk.get(), topic.c_str(), p, &lo, &hi,
                                                    10000)) {
      *error = "watermarks of " + topic + "[" + std::to_string(p) + "]: "
               + rd_kafka_err2str(err);
      ends.clear();
      break;
    }
    ends.push_back(hi);
  }
  return ends;
}

// Per-partition progress of a group. Only the member that owns a partition writes its slot
// (a revoke drains before the next owner starts), so a slot costs a load and a store per
// record on a line of its own; the shared state is touched once per partition and run.
class group_probe {
public:
  explicit group_probe(const std::vector<int64_t>& ends) : slots_(ends.size()) {
    int open = 0;
    for (size_t i = 0; i < ends.size(); ++i) {
      slots_[i].end = ends[i];
      open += ends[i] > 0 ? 1 : 0;
    }
    open_.store(open);
  }

  void on(int32_t partition, int64_t offset) {
    if (!started_.load(std::memory_order_relaxed)) {
      bool expected = false;
      if (started_.compare_exchange_strong(expected, true))
        first_ns_.store(now_ns(), std::memory_order_release);
    }
    if (partition < 0 || static_cast<size_t>(partition) >= slots_.size()) {
      gaps_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    auto& s = slots_[static_cast<size_t>(partition)];
    auto next = s.next.load(std::memory_order_relaxed);
    if (offset < next) {
      // Read again after a rebalance: the new owner starts from the last commit.
      duplicates_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    if (offset > next)
      gaps_.fetch_add(1, std::memory_order_relaxed);
    s.next.store(offset + 1, std::memory_order_relaxed);
    if (offset + 1 == s.end && open_.fetch_sub(1) == 1) {
      auto now = now_ns();
      std::lock_guard<std::mutex> guard{mx_};
      last_ns_ = now;
      done_ = true;
      cv_.notify_all();
    }
  }

  bool wait(std::chrono::seconds timeout) {
    std::unique_lock<std::mutex> lock{mx_};
    return cv_.wait_for(lock, timeout, [&] { return done_; });
  }

  /// Valid once wait() returned true.
  double seconds_since(clock_type::time_point t) const {
    return static_cast<double>(last_ns_ - ns_of(t)) * 1e-9;
  }
  double seconds() const {
    return static_cast<double>(last_ns_ - first_ns_.load(std::memory_order_acquire)) * 1e-9;
  }
  int64_t duplicates() const {
    return duplicates_.load(std::memory_order_relaxed);
  }
  int64_t gaps() const {
    return gaps_.load(std::memory_order_relaxed);
  }

private:
  static int64_t ns_of(clock_type::time_point t) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  }
  static int64_t now_ns() {
    return ns_of(clock_type::now());
  }

  struct alignas(64) slot {
    std::atomic<int64_t> next{0};
    int64_t end = 0;
  };
  std::vector<slot> slots_;
  std::atomic<int> open_{0};
  std::atomic<bool> started_{false};
  std::atomic<int64_t> first_ns_{0};
  std::atomic<int64_t> duplicates_{0};
  std::atomic<int64_t> gaps_{0};
  std::mutex mx_;
  std::condition_variable cv_;
  bool done_ = false;
  int64_t last_ns_ = 0;
};

// Records one member handled; written by its own handler lane only.
struct alignas(64) member_count {
  std::atomic<int64_t> handled{0};
};

struct run_row {
  int partitions = 0;
  int members = 0;
  int64_t records = 0;
  double seconds = 0;
  double seconds_from_subscribe = 0;
  int active = 0;
  std::vector<int64_t> per_member;
  uint64_t rebalances = 0;
  int64_t duplicates = 0;
  std::string error;

  double rate() const {
    return seconds > 0 ? static_cast<double>(records) / seconds : 0;
  }
  double rate_from_subscribe() const {
    return seconds_from_subscribe > 0 ? static_cast<double>(records) / seconds_from_subscribe
                                      : 0;
  }
};

void measure(caf::scoped_actor& self, const ka::kafka_service_actor& service,
             const std::string& topic, const std::vector<int64_t>& ends, run_row& row) {
  auto probe = std::make_shared<group_probe>(ends);
  std::vector<std::shared_ptr<member_count>> counts;
  std::vector<uint64_t> ids;
  auto fail = [&row](const char* what) {
    return [&row, what](caf::error& err) {
      if (row.error.empty())
        row.error = std::string{what} + ": " + ka::describe(err);
    };
  };
  auto group = topic + "-g" + std::to_string(row.members);
  auto start = clock_type::now();
  // All subscribes are sent before any answer is awaited, so the members join the group close
  // together. No ready request: a member beyond the partition count is never assigned.
  for (int m = 0; m < row.members; ++m) {
    auto count = std::make_shared<member_count>();
    counts.push_back(count);
    ka::subscription sub;
    sub.topics = {topic};
    sub.group = group;
    sub.on_record = [probe, count](const ka::record& rec) -> caf::error {
      count->handled.store(count->handled.load(std::memory_order_relaxed) + 1,
                           std::memory_order_relaxed);
      probe->on(rec.partition(), rec.offset());
      return caf::none;
    };
    self->send(service, ka::subscribe_atom_v, std::move(sub));
  }
  for (int m = 0; m < row.members; ++m)
    self->receive([&](uint64_t id) { ids.push_back(id); }, fail("subscribe"),
                  caf::after(call_timeout) >> [&] {
                    if (row.error.empty())
                      row.error = "no answer to subscribe within 60 s";
                  });
  if (row.error.empty() && !probe->wait(std::chrono::duration_cast<std::chrono::seconds>(
                             consume_timeout)))
    row.error = "the topic was not read to its end within 120 s";
  if (row.error.empty()) {
    row.seconds = probe->seconds();
    row.seconds_from_subscribe = probe->seconds_since(start);
  }
  // Stopping waits for each member's in-flight batches: the counts are final after it.
  for (auto id : ids)
    self->request(service, call_timeout, ka::stop_atom_v, id)
      .receive([&](ka::consumer_status& st) { row.rebalances += st.rebalances; },
               fail("stopping a subscription"));
  for (auto& c : counts) {
    auto n = c->handled.load(std::memory_order_relaxed);
    row.per_member.push_back(n);
    row.active += n > 0 ? 1 : 0;
  }
  row.duplicates = probe->duplicates();
  if (row.error.empty() && probe->gaps() > 0)
    row.error = std::to_string(probe->gaps()) + " records skipped";
}

std::string members_text(const std::vector<int64_t>& per_member) {
  std::string s;
  for (auto n : per_member)
    s += (s.empty() ? "" : "/") + std::to_string((n + 500) / 1000) + "k";
  return s;
}

void print_row(const run_row& r) {
  std::printf("  %2d partitions, %d member(s): %10.0f msg/s, %8.0f incl. subscribe, %.3f s, "
              "per member %s, rebalances %llu, read again %lld%s%s\n",
              r.partitions, r.members, r.rate(), r.rate_from_subscribe(), r.seconds,
              members_text(r.per_member).c_str(), static_cast<unsigned long long>(r.rebalances),
              static_cast<long long>(r.duplicates), r.error.empty() ? "" : "  ERROR: ",
              r.error.c_str());
  std::fflush(stdout);
}

std::string write_csv(const std::string& dir, const std::vector<run_row>& rows) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return "creating " + dir + ": " + ec.message();
  std::ofstream csv{dir + "/scaling.csv"};
  csv << "partitions,consumers,records,seconds,msg_per_s,seconds_from_subscribe,"
         "msg_per_s_from_subscribe,active_consumers,rebalances,read_again\n";
  for (auto& r : rows) {
    char line[256];
    std::snprintf(line, sizeof(line), "%d,%d,%lld,%.4f,%.0f,%.4f,%.0f,%d,%llu,%lld\n",
                  r.partitions, r.members, static_cast<long long>(r.records), r.seconds,
                  r.rate(), r.seconds_from_subscribe, r.rate_from_subscribe(), r.active,
                  static_cast<unsigned long long>(r.rebalances),
                  static_cast<long long>(r.duplicates));
    csv << line;
  }
  return csv ? std::string{} : "writing " + dir + "/scaling.csv failed";
}

} // namespace

int run_scaling_bench(caf::actor_system& sys, const ka::kafka_config& cfg, int64_t records,
                      const std::string& out_dir) {
  auto base = "bench-scaling-" + std::to_string(::getpid());
  std::printf("scaling: %lld records of 100 B per topic (+1 warm-up), partitions 1/3/12, "
              "members 1/2/3 of one fresh group per run, on_record counting\n",
              static_cast<long long>(records));
  std::fflush(stdout);
  auto spawned = ka::spawn_kafka_service(sys, cfg);
  if (!spawned) {
    std::printf("ERROR: spawn_kafka_service: %s\n", ka::describe(spawned.error()).c_str());
    return 1;
  }
  auto service = std::move(*spawned);
  std::vector<run_row> rows;
  std::vector<std::string> topics;
  {
    caf::scoped_actor self{sys};
    for (int partitions : partition_counts) {
      auto topic = base + "-p" + std::to_string(partitions);
      topics.push_back(topic);
      run_spec spec;
      spec.cfg = &cfg;
      spec.topic = topic;
      spec.count = records;
      // Keyed, so the records spread evenly (null keys stick to one partition a while).
      spec.keys = static_cast<size_t>(partitions) * 100;
      std::string error = create_topic(cfg, topic, partitions);
      if (error.empty())
        error = produce_raw(spec).error;
      std::vector<int64_t> ends;
      if (error.empty())
        ends = partition_ends(cfg, topic, partitions, &error);
      int64_t held = 0;
      for (auto e : ends)
        held += e;
      std::printf("filled %s: %lld records over %d partition(s)%s%s\n", topic.c_str(),
                  static_cast<long long>(held), partitions, error.empty() ? "" : "  ERROR: ",
                  error.c_str());
      for (int members : member_counts) {
        run_row row;
        row.partitions = partitions;
        row.members = members;
        row.records = held;
        row.error = error;
        if (row.error.empty())
          measure(self, service, topic, ends, row);
        print_row(row);
        rows.push_back(row);
      }
    }
    self->request(service, call_timeout, ka::stop_all_atom_v)
      .receive([](bool) {},
               [](caf::error& err) {
                 std::printf("note: stopping the service: %s\n", ka::describe(err).c_str());
               });
  }
  service = nullptr;
  if (auto err = delete_topics(cfg, topics); !err.empty())
    std::printf("note: %s\n", err.c_str());

  std::printf("\nscaling: first record -> last record of the topic over all members; "
              "'incl. subscribe' from the first subscribe\n");
  std::printf("%10s %9s %9s %11s %16s %7s %10s %10s %6s\n", "partitions", "consumers",
              "records", "msg/s", "incl. subscribe", "active", "per member", "rebalances",
              "again");
  int rc = 0;
  for (auto& r : rows) {
    std::printf("%10d %9d %9lld %11.0f %16.0f %7d %10s %10llu %6lld%s%s\n", r.partitions,
                r.members, static_cast<long long>(r.records), r.rate(), r.rate_from_subscribe(),
                r.active, members_text(r.per_member).c_str(),
                static_cast<unsigned long long>(r.rebalances),
                static_cast<long long>(r.duplicates), r.error.empty() ? "" : "  ERROR: ",
                r.error.c_str());
    rc |= r.error.empty() ? 0 : 1;
  }
  if (!out_dir.empty()) {
    if (auto err = write_csv(out_dir, rows); !err.empty()) {
      std::printf("ERROR: %s\n", err.c_str());
      rc = 1;
    } else {
      std::printf("wrote %s/scaling.csv\n", out_dir.c_str());
    }
  }
  return rc;
}

} // namespace kafka_bench
