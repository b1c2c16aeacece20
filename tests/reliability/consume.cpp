// rel_consume: consumes through KafkaService, in a group, and writes every record its
// handlers handled to a consumed ledger, before the batch is acknowledged (so what the
// ledger holds is what the application saw, also when the process is SIGKILLed).
//
//   rel_consume -b BROKERS -t TOPIC -G GROUP --ledger FILE [--members 1] [--churn-ms 0]
//               [--strategy range,roundrobin] [--per-record-us 0] [--batch-size 100]
//               [--in-flight 1000] [--commit-ms 100] [--instance-id ID]
//               [--stop-file PATH] [--drain] [--max-seconds 600] [--events FILE]
//               [--trace FILE] [--settled-leaves] [-X key=value]...
//
// --members subscriptions share the group. With --churn-ms, every that many milliseconds
// one member leaves (stop: commit, leave the group) when all --members run, or a new one
// joins when one is missing; the member that leaves is the oldest that holds partitions
// (with --settled-leaves, one leaves only while every member holds partitions).
// --per-record-us makes the handler take that long per record (it then writes each
// record's line as it finishes it). --instance-id gives the (single) member a static
// group.instance.id: a restarted process takes over its assignment without a rebalance.
// --events gets a line "join N" or "leave N" (N members after it) per change; --trace,
// every second, each member's assigned partitions and stored offsets (for post-mortems).
// Once --stop-file exists the churn stops; with --drain the program then waits until the
// group's lag is 0 with nothing in flight, stops in order and exits 0 (exit 1 if that took
// more than --max-seconds). SIGTERM/SIGINT stop in order. Prints figures as name=value
// lines. The ledger gets a "# run" line first and "# batch ID N member M" / "# done ID"
// around every batch (a kill between the two landed mid-batch; with several members the
// lines of their batches interleave).

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>
#include <unistd.h>

#include <caf/scoped_actor.hpp>

#include "kafka_actors/kafka_actors.hpp"
#include "reliability/ledger_file.hpp"
#include "reliability/options.hpp"
#include "reliability/workload.hpp"

using namespace kafka_actors;
using namespace kafka_actors::reliability;
using namespace std::chrono;
namespace ledger = kafka_actors::test::ledger;

namespace {

volatile std::sig_atomic_t caught_signal = 0;

extern "C" void on_signal(int sig) {
  caught_signal = sig;
}

struct counters {
  std::atomic<uint64_t> handled{0};
  std::atomic<uint64_t> skipped_revoked{0};
  std::atomic<uint64_t> batches{0};
  std::atomic<uint64_t> unparsable{0};
};

// `member` numbers the subscriptions of this process in the order they joined (1, 2, ...).
batch_handler make_handler(ledger_file& out, counters& n, microseconds per_record,
                           uint64_t member) {
  return [&out, &n, per_record, member](const record_batch& b) -> caf::error {
    auto id = std::to_string(b.id());
    std::string lines = "# batch " + id + " " + std::to_string(b.size()) + " member "
                        + std::to_string(member) + "\n";
    for (size_t i = 0; i < b.size(); ++i) {
      if (b.revoked(i)) { // its partition moved: the new owner reads it again
        ++n.skipped_revoked;
        continue;
      }
      auto r = b[i];
      auto seq = parse_seq(r.header(seq_header), r.payload());
      if (!seq || *seq > ledger::max_seq) {
        ++n.unparsable;
        lines += "# unparsable " + r.where() + "\n";
        continue;
      }
      lines += ledger::format(ledger::consumed{std::string{r.key()}, *seq,
                                               ledger::crc32(r.payload()), r.partition(),
                                               r.offset()});
      lines += '\n';
      ++n.handled;
      if (per_record.count() > 0) {
        std::this_thread::sleep_for(per_record); // the handler's work on this record
        out.write(lines);
        lines.clear();
      }
    }
    lines += "# done " + id + "\n";
    out.write(lines);
    ++n.batches;
    return caf::none;
  };
}

bool exists(const std::string& path) {
  std::error_code ec;
  return !path.empty() && std::filesystem::exists(path, ec);
}

int run(const options& o) {
  auto bootstrap = o.str("-b");
  auto topic = o.str("-t");
  auto group = o.str("-G");
  auto ledger_path = o.str("--ledger");
  if (bootstrap.empty() || topic.empty() || group.empty() || ledger_path.empty())
    throw std::invalid_argument("needs -b BROKERS, -t TOPIC, -G GROUP and --ledger FILE");
  auto members = static_cast<size_t>(o.num("--members", 1));
  auto churn = milliseconds{o.num("--churn-ms", 0)};
  auto per_record = microseconds{o.num("--per-record-us", 0)};
  auto stop_file = o.str("--stop-file");
  bool drain = o.has("--drain");
  bool settled_leaves = o.has("--settled-leaves");
  auto max_time = seconds{o.num("--max-seconds", 600)};
  if (members == 0)
    throw std::invalid_argument("--members must be at least 1");
  if (o.has("--instance-id") && members != 1)
    throw std::invalid_argument("--instance-id needs --members 1");

  auto cfg = kafka_config::remote(bootstrap);
  cfg.flow.consumer_batch_size = static_cast<size_t>(o.num("--batch-size", 100));
  cfg.flow.consumer_max_in_flight = static_cast<size_t>(o.num("--in-flight", 1000));
  cfg.consumer["auto.commit.interval.ms"] = std::to_string(o.num("--commit-ms", 100));
  cfg.consumer["partition.assignment.strategy"] = o.str("--strategy", "range,roundrobin");
  if (o.has("--instance-id"))
    cfg.consumer["group.instance.id"] = o.str("--instance-id");
  for (auto& [k, v] : o.pairs("-X"))
    cfg.consumer[k] = v;

  ledger_file out{ledger_path};
  out.write("# run pid=" + std::to_string(::getpid()) + " group=" + group + "\n");
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);

  actor_system_config sys_cfg;
  caf::actor_system sys{sys_cfg};
  auto service = spawn_kafka_service(sys, cfg);
  if (!service) {
    std::cerr << "rel_consume: " << describe(service.error()) << "\n";
    return 2;
  }
  caf::scoped_actor self{sys};
  counters n;
  uint64_t joined = 0, left = 0, rebalances_of_leavers = 0;
  std::vector<uint64_t> live; // subscription ids, oldest first
  int rc = 0;
  std::ofstream events;
  if (o.has("--events"))
    events.open(o.str("--events"), std::ios::app);
  auto note = [&](const char* what) {
    if (events.is_open())
      events << what << " " << live.size() << std::endl;
  };
  auto join = [&] {
    subscription sub;
    sub.topics = {topic};
    sub.group = group;
    sub.on_batch = make_handler(out, n, per_record, joined + 1);
    self->request(*service, seconds{60}, subscribe_atom_v, std::move(sub))
      .receive([&](uint64_t id) { live.push_back(id); ++joined; note("join"); },
               [&](caf::error& e) {
                 std::cerr << "rel_consume: subscribe: " << describe(e) << "\n";
                 rc = 2;
               });
  };
  auto assigned = [&](const service_status& st, uint64_t id) {
    auto c = st.consumers.find(id);
    return c != st.consumers.end() && !c->second.assigned.empty();
  };
  // Stops the oldest member that holds partitions (with --settled-leaves: only once every
  // member does); false (nothing done) while none may leave. librdkafka 2.0.2 aborts the
  // process when a cooperative-sticky consumer is destroyed after its JoinGroup but before
  // its first assignment (librdkafka #4312, fixed in 2.3.0), so a member leaves only once it
  // was assigned; and its close can hang when an assignment arrives meanwhile (#4527, fixed
  // in 2.4.0), which --settled-leaves avoids.
  auto leave = [&](const service_status& st) {
    if (settled_leaves
        && !std::all_of(live.begin(), live.end(), [&](uint64_t id) { return assigned(st, id); }))
      return false;
    auto i = std::find_if(live.begin(), live.end(), [&](uint64_t id) { return assigned(st, id); });
    if (i == live.end())
      return false;
    auto id = *i;
    live.erase(i);
    self->request(*service, seconds{60}, stop_atom_v, id)
      .receive([&](consumer_status& s) { rebalances_of_leavers += s.rebalances; },
               [&](caf::error& e) {
                 std::cerr << "rel_consume: stop: " << describe(e) << "\n";
               });
    ++left;
    note("leave");
    return true;
  };
  auto status = [&] {
    service_status st;
    self->request(*service, seconds{60}, status_atom_v)
      .receive([&](service_status& s) { st = std::move(s); }, [](caf::error&) {});
    return st;
  };
  std::ofstream trace;
  if (o.has("--trace"))
    trace.open(o.str("--trace"), std::ios::app);
  auto next_trace = steady_clock::now();
  auto write_trace = [&](const service_status& st) {
    for (auto id : live) {
      auto i = st.consumers.find(id);
      if (i == st.consumers.end())
        continue;
      auto& cs = i->second;
      trace << duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count()
            << " member " << id << " rebalances " << cs.rebalances << " fenced " << cs.fenced_acks
            << " assigned";
      for (auto& a : cs.assigned)
        trace << " " << a;
      trace << " stored";
      for (auto& [tp, off] : cs.stored)
        trace << " " << tp << "=" << off;
      if (!cs.last_error.empty())
        trace << " last_error " << cs.last_error;
      trace << "\n";
    }
    trace.flush();
  };
  for (size_t i = 0; i < members && rc == 0; ++i)
    join();
  auto start = steady_clock::now();
  auto next_churn = start + churn;
  bool stopped_churn = false;
  auto drain_start = start; // the stop file's arrival, or the start without one
  int lag_zero_in_a_row = 0;
  while (rc == 0 && caught_signal == 0) {
    std::this_thread::sleep_for(milliseconds{50}); // the pace of this control loop
    auto now = steady_clock::now();
    if (trace.is_open() && now >= next_trace) {
      write_trace(status());
      next_trace = now + seconds{1};
    }
    if (!stopped_churn && exists(stop_file)) {
      stopped_churn = true;
      drain_start = now;
    }
    if (churn.count() > 0 && !stopped_churn && now >= next_churn) {
      if (live.size() < members) {
        join();
        next_churn = now + churn;
      } else if (leave(status())) {
        next_churn = now + churn;
      }
    }
    if (!drain || (!stop_file.empty() && !stopped_churn))
      continue;
    if (now - drain_start > max_time) {
      std::cerr << "rel_consume: the group still lags " << max_time.count() << " s into the drain\n";
      rc = 1;
      break;
    }
    // Complete: every member assigned (the group settled) and nothing left to read or ack.
    auto st = status();
    bool settled = !live.empty();
    for (auto id : live) {
      auto& cs = st.consumers[id];
      settled = settled && !cs.assigned.empty() && cs.in_flight_batches == 0 && cs.held == 0;
    }
    if (!settled) {
      lag_zero_in_a_row = 0;
      continue;
    }
    int64_t lag = -1;
    self->request(*service, seconds{60}, lag_atom_v, group, std::vector<std::string>{topic})
      .receive([&](int64_t l) { lag = l; }, [](caf::error&) {});
    lag_zero_in_a_row = lag == 0 ? lag_zero_in_a_row + 1 : 0;
    if (lag_zero_in_a_row >= 2)
      break;
  }
  auto st = status();
  uint64_t rebalances = rebalances_of_leavers, fenced = 0, dropped = 0;
  for (auto id : live) {
    rebalances += st.consumers[id].rebalances;
    fenced += st.consumers[id].fenced_acks;
    dropped += st.consumers[id].dropped_on_revoke;
  }
  self->request(*service, seconds{120}, stop_all_atom_v).receive([](bool) {}, [](caf::error&) {});
  std::printf("handled=%llu\nskipped_revoked=%llu\nbatches=%llu\nunparsable=%llu\njoined=%llu\n"
              "left=%llu\nrebalances=%llu\nfenced_acks=%llu\ndropped_on_revoke=%llu\n"
              "restarts=%llu\nseconds=%.1f\n",
              static_cast<unsigned long long>(n.handled.load()),
              static_cast<unsigned long long>(n.skipped_revoked.load()),
              static_cast<unsigned long long>(n.batches.load()),
              static_cast<unsigned long long>(n.unparsable.load()),
              static_cast<unsigned long long>(joined), static_cast<unsigned long long>(left),
              static_cast<unsigned long long>(rebalances),
              static_cast<unsigned long long>(fenced),
              static_cast<unsigned long long>(dropped),
              static_cast<unsigned long long>(st.restarts),
              duration<double>(steady_clock::now() - start).count());
  std::fflush(stdout);
  if (caught_signal == SIGTERM || caught_signal == SIGINT)
    return 0;
  return rc;
}

} // namespace

int main(int argc, char** argv) {
  try {
    options o{argc, argv, {"--drain", "--settled-leaves"},
              {"-b", "-t", "-G", "--ledger", "--members", "--churn-ms", "--strategy",
               "--per-record-us", "--batch-size", "--in-flight", "--commit-ms", "--instance-id",
               "--stop-file", "--max-seconds", "--events", "--trace", "-X"}};
    return run(o);
  } catch (const std::invalid_argument& e) {
    std::cerr << "rel_consume: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "rel_consume: " << e.what() << "\n";
    return 1;
  }
}
