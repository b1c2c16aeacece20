// rel_raw_consume: the deliberately unsafe consumer the reliability scenarios run to show the
// ledger checker catches loss. A plain librdkafka consumer with enable.auto.commit and
// enable.auto.offset.store on: an offset is stored the moment poll returns its record, and
// committed every --commit-ms, before the record was handled. It polls up to --buffer
// records, then handles them one by one (--per-record-us each, one ledger line each). A
// process killed mid-buffer, or a member leaving with records still buffered, has committed
// records nobody handled.
//
//   rel_raw_consume -b BROKERS -t TOPIC -G GROUP --ledger FILE [--members 1] [--churn-ms 0]
//                   [--buffer 500] [--per-record-us 0] [--commit-ms 50]
//                   [--strategy range,roundrobin] [--instance-id ID] [--stop-file PATH]
//                   [--drain] [--max-seconds 600] [--seconds S] [--stall-ms MS --stall-every N]
//                   [--events FILE] [-X key=value]...
//
// Options as rel_consume's. --stall-ms makes every --stall-every-th record take that long
// inside the poll loop (the soak scenario's unsafe run: a handler stuck past
// max.poll.interval.ms in a plain poll loop gets its member thrown out of the group);
// --seconds stops after that long; -X sets a consumer property. With --drain it exits 0 once --stop-file exists (if given) and
// every member's assignment has nothing left between its committed and its end offsets.

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <thread>
#include <unistd.h>
#include <vector>

#include <librdkafka/rdkafka.h>

#include "kafka_actors/runtime/errors.hpp"
#include "kafka_actors/runtime/rdkafka_handles.hpp"
#include "kafka_actors/runtime/reaper.hpp"
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

struct settings {
  properties props;
  std::string topic;
  size_t buffer = 500;
  microseconds per_record{0};
  milliseconds stall{0};
  uint64_t stall_every = 0;
};

struct member {
  std::atomic<bool> stop{false};
  std::atomic<bool> caught_up{false};
  std::atomic<uint64_t> handled{0};
  std::atomic<uint64_t> dropped{0}; // buffered, offsets committed, never handled
  std::atomic<uint64_t> rebalances{0};
  std::thread thread;
};

std::string header(const rd_kafka_message_t* m, const char* name) {
  rd_kafka_headers_t* hs = nullptr;
  const void* v = nullptr;
  size_t n = 0;
  if (rd_kafka_message_headers(m, &hs) != RD_KAFKA_RESP_ERR_NO_ERROR
      || rd_kafka_header_get_last(hs, name, &v, &n) != RD_KAFKA_RESP_ERR_NO_ERROR || !v)
    return {};
  return std::string{static_cast<const char*>(v), n};
}

// Nothing between the committed and the end offsets of any partition assigned to `rk`.
bool caught_up(rd_kafka_t* rk) {
  rd_kafka_topic_partition_list_t* raw = nullptr;
  if (rd_kafka_assignment(rk, &raw) != RD_KAFKA_RESP_ERR_NO_ERROR || !raw)
    return false;
  tpl_ptr parts{raw};
  if (parts->cnt == 0 || rd_kafka_committed(rk, parts.get(), 5000) != RD_KAFKA_RESP_ERR_NO_ERROR)
    return false;
  for (int i = 0; i < parts->cnt; ++i) {
    auto& e = parts->elems[i];
    int64_t low = 0, high = 0;
    if (rd_kafka_query_watermark_offsets(rk, e.topic, e.partition, &low, &high, 5000))
      return false;
    if ((e.offset >= 0 ? e.offset : low) < high)
      return false;
  }
  return true;
}

void rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts,
               void* opaque) {
  ++static_cast<member*>(opaque)->rebalances;
  plain_rebalance(rk, err, parts);
}

void consume(const settings& s, member& me, ledger_file& out) {
  auto conf = make_conf(s.props);
  if (!conf) {
    std::cerr << "rel_raw_consume: config: " << describe(conf.error()) << "\n";
    std::exit(2);
  }
  rd_kafka_conf_set_opaque(conf->get(), &me);
  rd_kafka_conf_set_rebalance_cb(conf->get(), rebalance);
  auto rk = make_client(RD_KAFKA_CONSUMER, std::move(*conf));
  if (!rk) {
    std::cerr << "rel_raw_consume: client failed\n";
    std::exit(2);
  }
  rd_kafka_poll_set_consumer(rk->get());
  tpl_ptr topics{rd_kafka_topic_partition_list_new(1)};
  rd_kafka_topic_partition_list_add(topics.get(), s.topic.c_str(), RD_KAFKA_PARTITION_UA);
  rd_kafka_subscribe(rk->get(), topics.get());
  auto last_check = steady_clock::now();
  std::vector<message_ptr> buffer;
  uint64_t batches = 0;
  while (!me.stop) {
    // Poll a buffer full: every returned record's offset is stored, and soon committed.
    buffer.clear();
    while (buffer.size() < s.buffer) {
      message_ptr m{rd_kafka_consumer_poll(rk->get(), buffer.empty() ? 100 : 0)};
      if (!m)
        break;
      if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR)
        buffer.push_back(std::move(m));
    }
    auto id = std::to_string(++batches);
    if (!buffer.empty())
      out.write("# batch " + id + " " + std::to_string(buffer.size()) + "\n");
    for (auto& m : buffer) {
      if (me.stop) { // leaving mid-buffer: the rest was committed but never handled
        ++me.dropped;
        continue;
      }
      std::string_view value{static_cast<const char*>(m->payload), m->len};
      std::string_view key{static_cast<const char*>(m->key), m->key_len};
      auto seq = parse_seq(header(m.get(), seq_header), value);
      if (!seq || *seq > ledger::max_seq)
        continue;
      if (s.stall_every > 0 && (me.handled + 1) % s.stall_every == 0)
        std::this_thread::sleep_for(s.stall); // a stuck handler, no poll meanwhile
      else if (s.per_record.count() > 0)
        std::this_thread::sleep_for(s.per_record); // the handler's work on this record
      out.write(ledger::format(ledger::consumed{std::string{key}, *seq, ledger::crc32(value),
                                                m->partition, m->offset})
                + "\n");
      ++me.handled;
    }
    if (!buffer.empty() && !me.stop)
      out.write("# done " + id + "\n");
    buffer.clear();
    if (steady_clock::now() - last_check > milliseconds{500}) {
      me.caught_up = caught_up(rk->get());
      last_check = steady_clock::now();
    }
  }
  rd_kafka_consumer_close(rk->get());
}

bool exists(const std::string& path) {
  std::error_code ec;
  return !path.empty() && std::filesystem::exists(path, ec);
}

int run(const options& o) {
  auto bootstrap = o.str("-b");
  auto group = o.str("-G");
  auto ledger_path = o.str("--ledger");
  settings s;
  s.topic = o.str("-t");
  if (bootstrap.empty() || s.topic.empty() || group.empty() || ledger_path.empty())
    throw std::invalid_argument("needs -b BROKERS, -t TOPIC, -G GROUP and --ledger FILE");
  s.buffer = static_cast<size_t>(o.num("--buffer", 500));
  s.per_record = microseconds{o.num("--per-record-us", 0)};
  auto members = static_cast<size_t>(o.num("--members", 1));
  auto churn = milliseconds{o.num("--churn-ms", 0)};
  auto stop_file = o.str("--stop-file");
  bool drain = o.has("--drain");
  auto max_time = seconds{o.num("--max-seconds", 600)};
  auto run_for = seconds{o.num("--seconds", 0)};
  s.stall = milliseconds{o.num("--stall-ms", 0)};
  s.stall_every = static_cast<uint64_t>(o.num("--stall-every", 0));
  s.props = {
    {"bootstrap.servers", bootstrap},
    {"group.id", group},
    {"enable.auto.commit", "true"},
    {"enable.auto.offset.store", "true"}, // the unsafe part: stored when polled
    {"auto.commit.interval.ms", std::to_string(o.num("--commit-ms", 50))},
    {"auto.offset.reset", "earliest"},
    {"partition.assignment.strategy", o.str("--strategy", "range,roundrobin")},
  };
  for (auto& [k, v] : o.pairs("-X"))
    s.props[k] = v;
  if (o.has("--instance-id")) {
    if (members != 1)
      throw std::invalid_argument("--instance-id needs --members 1");
    s.props["group.instance.id"] = o.str("--instance-id");
  }
  ledger_file out{ledger_path};
  out.write("# run pid=" + std::to_string(::getpid()) + " group=" + group + " unsafe\n");
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);

  std::vector<std::unique_ptr<member>> live;
  uint64_t joined = 0, left = 0, handled = 0, dropped = 0, rebalances = 0;
  std::ofstream events;
  if (o.has("--events"))
    events.open(o.str("--events"), std::ios::app);
  auto note = [&](const char* what) {
    if (events.is_open())
      events << what << " " << live.size() << std::endl;
  };
  auto join = [&] {
    auto m = std::make_unique<member>();
    auto* p = m.get();
    p->thread = std::thread{[&s, p, &out] { consume(s, *p, out); }};
    live.push_back(std::move(m));
    ++joined;
    note("join");
  };
  auto leave = [&](std::unique_ptr<member>& m) {
    m->stop = true;
    m->thread.join();
    handled += m->handled;
    dropped += m->dropped;
    rebalances += m->rebalances;
    ++left;
  };
  for (size_t i = 0; i < members; ++i)
    join();
  auto start = steady_clock::now();
  auto next_churn = start + churn;
  bool stopped_churn = false;
  auto drain_start = start; // the stop file's arrival, or the start without one
  int rc = 0, caught_up_in_a_row = 0;
  while (caught_signal == 0) {
    std::this_thread::sleep_for(milliseconds{50}); // the pace of this control loop
    auto now = steady_clock::now();
    if (run_for.count() > 0 && now - start >= run_for)
      break;
    if (!stopped_churn && exists(stop_file)) {
      stopped_churn = true;
      drain_start = now;
    }
    if (churn.count() > 0 && !stopped_churn && now >= next_churn) {
      if (live.size() >= members) {
        leave(live.front());
        live.erase(live.begin());
        note("leave");
      } else {
        join();
      }
      next_churn = now + churn;
    }
    if (!drain || (!stop_file.empty() && !stopped_churn))
      continue;
    if (now - drain_start > max_time) {
      std::cerr << "rel_raw_consume: the group still lags " << max_time.count() << " s into the drain\n";
      rc = 1;
      break;
    }
    bool all = !live.empty();
    for (auto& m : live)
      all = all && m->caught_up;
    caught_up_in_a_row = all ? caught_up_in_a_row + 1 : 0;
    if (caught_up_in_a_row >= 20) // a second of checks, each member checking every 0.5 s
      break;
  }
  for (auto& m : live)
    leave(m);
  std::printf("handled=%llu\ndropped_unhandled=%llu\njoined=%llu\nleft=%llu\nrebalances=%llu\n"
              "seconds=%.1f\n",
              static_cast<unsigned long long>(handled), static_cast<unsigned long long>(dropped),
              static_cast<unsigned long long>(joined), static_cast<unsigned long long>(left),
              static_cast<unsigned long long>(rebalances),
              duration<double>(steady_clock::now() - start).count());
  std::fflush(stdout);
  return rc;
}

} // namespace

int main(int argc, char** argv) {
  try {
    options o{argc, argv, {"--drain"},
              {"-b", "-t", "-G", "--ledger", "--members", "--churn-ms", "--buffer",
               "--per-record-us", "--commit-ms", "--strategy", "--instance-id", "--stop-file",
               "--max-seconds", "--seconds", "--stall-ms", "--stall-every", "--events", "-X"}};
    return run(o);
  } catch (const std::invalid_argument& e) {
    std::cerr << "rel_raw_consume: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "rel_raw_consume: " << e.what() << "\n";
    return 1;
  }
}
