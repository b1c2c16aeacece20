// rel_produce: produces keyed records with per-key sequence numbers through KafkaService
// (send_messages_batch, and every --single-every-th request as --singles send_message calls)
// and writes what the caller was told about each record to a produced ledger.
//
//   rel_produce -b BROKERS -t TOPIC --ledger FILE [--keys 200] [--value-bytes 100]
//               [--batch 500] [--window 20000] [--rate 10000] [--records N]
//               [--stop-file PATH] [--single-every 5] [--singles 20]
//               [--partitions 12 --replication 3 [-C key=value]...] [-X key=value]...
//               [--request-timeout-s 400]
//
// It produces until --records were sent or --stop-file exists, at most --rate records a
// second (0: as fast as the window allows) and --window records unanswered, then waits for
// every answer. With --partitions it first creates the topic (-C: topic configs). -X sets a
// producer property. A record whose request got no answer within --request-timeout-s is
// "unanswered": the failure the pass figure forbids. Prints figures as name=value lines.

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <vector>

#include <caf/event_based_actor.hpp>
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

struct settings {
  std::string topic;
  size_t keys = 200;
  size_t value_bytes = 100;
  size_t batch = 500;
  size_t window = 20000;
  double rate = 10000;
  uint64_t max_records = UINT64_MAX;
  std::string stop_file;
  size_t single_every = 5;
  size_t singles = 20;
  seconds request_timeout{400};
};

struct figures {
  uint64_t sent = 0;
  uint64_t acked = 0;
  uint64_t failed = 0;
  uint64_t unanswered = 0;
  uint64_t batch_requests = 0;
  uint64_t single_requests = 0;
  std::string first_error;
  double seconds = 0;
};

// One record as the ledger knows it before its answer.
struct pending {
  std::string key;
  uint64_t seq;
  uint32_t crc;
};

struct driver_state {
  settings s;
  kafka_service_actor service;
  ledger_file* out = nullptr;
  figures* fig = nullptr;
  caf::actor notify;
  std::vector<uint64_t> next_seq;
  size_t next_key = 0;
  uint64_t requests = 0;
  size_t outstanding = 0;
  bool stopping = false;
  steady_clock::time_point start = steady_clock::now();
  steady_clock::time_point stop_checked;
};

message next_record(driver_state& st, std::vector<pending>& meta) {
  auto k = st.next_key++ % st.s.keys;
  auto key = key_name(k);
  auto seq = st.next_seq[k]++;
  auto value = make_value(key, seq, st.s.value_bytes);
  meta.push_back(pending{key, seq, ledger::crc32(value)});
  ++st.fig->sent;
  return message{st.s.topic, std::move(value), {{seq_header, std::to_string(seq)}}, key};
}

void record(driver_state& st, const pending& p, const delivery_report* r,
            const caf::error* err, std::string& lines) {
  ledger::produced e{p.key, p.seq, p.crc, ledger::delivery::acked, -1, -1, {}};
  if (r && r->ok()) {
    e.partition = r->partition;
    e.offset = r->offset;
    ++st.fig->acked;
  } else if (err && *err == caf::sec::request_timeout) {
    e.result = ledger::delivery::unanswered;
    e.error = "no answer within " + std::to_string(st.s.request_timeout.count()) + " s";
    ++st.fig->unanswered;
  } else {
    e.result = ledger::delivery::failed;
    e.error = r ? r->error : err ? describe(*err) : "no report for this record";
    if (r)
      e.partition = r->partition;
    ++st.fig->failed;
    if (st.fig->first_error.empty())
      st.fig->first_error = e.error;
  }
  lines += ledger::format(e);
  lines += '\n';
}

bool should_stop(driver_state& st) {
  if (st.fig->sent >= st.s.max_records)
    return true;
  if (st.s.stop_file.empty())
    return false;
  auto now = steady_clock::now();
  if (now - st.stop_checked < milliseconds{20})
    return false;
  st.stop_checked = now;
  std::error_code ec;
  return std::filesystem::exists(st.s.stop_file, ec);
}

void finish_if_done(caf::stateful_actor<driver_state>* self) {
  auto& st = self->state;
  if (st.stopping && st.outstanding == 0) {
    st.fig->seconds = duration<double>(steady_clock::now() - st.start).count();
    self->send(st.notify, stop_atom_v);
    self->quit();
  }
}

void top_up(caf::stateful_actor<driver_state>* self) {
  auto& st = self->state;
  while (!st.stopping) {
    if (should_stop(st)) {
      st.stopping = true;
      break;
    }
    if (st.outstanding >= st.s.window)
      break;
    if (st.s.rate > 0) {
      auto allowed = st.s.rate * duration<double>(steady_clock::now() - st.start).count();
      if (static_cast<double>(st.fig->sent) + 1 > allowed)
        break;
    }
    bool singles = st.s.single_every > 0 && ++st.requests % st.s.single_every == 0;
    if (singles) {
      for (size_t i = 0; i < st.s.singles && st.fig->sent < st.s.max_records; ++i) {
        auto meta = std::make_shared<std::vector<pending>>();
        auto m = next_record(st, *meta);
        ++st.outstanding;
        ++st.fig->single_requests;
        auto done = [self, meta](const delivery_report* r, const caf::error* e) {
          std::string lines;
          record(self->state, meta->front(), r, e, lines);
          self->state.out->write(lines);
          --self->state.outstanding;
          top_up(self);
          finish_if_done(self);
        };
        self->request(st.service, st.s.request_timeout, send_atom_v, std::move(m))
          .then([done](delivery_report& r) { done(&r, nullptr); },
                [done](caf::error& e) { done(nullptr, &e); });
      }
      continue;
    }
    auto meta = std::make_shared<std::vector<pending>>();
    message_batch batch;
    for (size_t i = 0; i < st.s.batch && st.fig->sent < st.s.max_records; ++i)
      batch.push_back(next_record(st, *meta));
    st.outstanding += batch.size();
    ++st.fig->batch_requests;
    auto done = [self, meta](const batch_report* rep, const caf::error* e) {
      std::string lines;
      for (size_t i = 0; i < meta->size(); ++i) {
        const delivery_report* r = rep && i < rep->results.size() ? &rep->results[i] : nullptr;
        record(self->state, (*meta)[i], r, r ? nullptr : e, lines);
      }
      self->state.out->write(lines);
      self->state.outstanding -= meta->size();
      top_up(self);
      finish_if_done(self);
    };
    self->request(st.service, st.s.request_timeout, send_atom_v, std::move(batch))
      .then([done](batch_report& r) { done(&r, nullptr); },
            [done](caf::error& e) { done(nullptr, &e); });
  }
}

caf::behavior driver(caf::stateful_actor<driver_state>* self, settings s,
                     kafka_service_actor service, ledger_file* out, figures* fig,
                     caf::actor notify) {
  auto& st = self->state;
  st.next_seq.assign(s.keys, 0);
  st.s = std::move(s);
  st.service = std::move(service);
  st.out = out;
  st.fig = fig;
  st.notify = std::move(notify);
  self->send(self, tick_atom_v);
  return {
    [self](tick_atom) {
      top_up(self);
      finish_if_done(self);
      if (!self->state.stopping)
        self->delayed_send(self, milliseconds{5}, tick_atom_v);
    },
  };
}

int run(const options& o) {
  auto bootstrap = o.str("-b");
  settings s;
  s.topic = o.str("-t");
  auto ledger_path = o.str("--ledger");
  if (bootstrap.empty() || s.topic.empty() || ledger_path.empty())
    throw std::invalid_argument("needs -b BROKERS, -t TOPIC and --ledger FILE");
  s.keys = static_cast<size_t>(o.num("--keys", 200));
  s.value_bytes = static_cast<size_t>(o.num("--value-bytes", 100));
  s.batch = static_cast<size_t>(o.num("--batch", 500));
  s.window = static_cast<size_t>(o.num("--window", 20000));
  s.rate = static_cast<double>(o.num("--rate", 10000));
  s.max_records = o.has("--records") ? static_cast<uint64_t>(o.num("--records", 0)) : UINT64_MAX;
  s.stop_file = o.str("--stop-file");
  s.single_every = static_cast<size_t>(o.num("--single-every", 5));
  s.singles = static_cast<size_t>(o.num("--singles", 20));
  s.request_timeout = seconds{o.num("--request-timeout-s", 400)};
  if (s.keys == 0 || s.batch == 0 || s.window == 0)
    throw std::invalid_argument("--keys, --batch and --window must be positive");
  if (s.max_records == UINT64_MAX && s.stop_file.empty())
    throw std::invalid_argument("needs --records N or --stop-file PATH");

  auto cfg = kafka_config::remote(bootstrap);
  for (auto& [k, v] : o.pairs("-X"))
    cfg.producer[k] = v;
  actor_system_config sys_cfg;
  caf::actor_system sys{sys_cfg};
  auto service = spawn_kafka_service(sys, cfg);
  if (!service) {
    std::cerr << "rel_produce: " << describe(service.error()) << "\n";
    return 2;
  }
  int rc = 0;
  {
    caf::scoped_actor self{sys};
    self->request(*service, seconds{60}, ping_atom_v)
      .receive([](int32_t) {}, [&](caf::error& e) {
        std::cerr << "rel_produce: " << describe(e) << "\n";
        rc = 2;
      });
    if (rc == 0 && o.has("--partitions")) {
      topic_config tc{s.topic, static_cast<int32_t>(o.num("--partitions", 1)),
                      static_cast<int16_t>(o.num("--replication", 1)), {}};
      for (auto& [k, v] : o.pairs("-C"))
        tc.configs[k] = v;
      self->request(*service, seconds{60}, create_topic_atom_v, tc)
        .receive([](bool) {}, [&](caf::error& e) {
          if (code_of(e) != errc::topic_already_exists) {
            std::cerr << "rel_produce: " << describe(e) << "\n";
            rc = 2;
          }
        });
    }
    if (rc == 0) {
      ledger_file out{ledger_path};
      figures fig;
      sys.spawn(driver, s, *service, &out, &fig, caf::actor_cast<caf::actor>(self));
      self->receive([](stop_atom) {});
      std::printf("sent=%llu\nacked=%llu\nfailed=%llu\nunanswered=%llu\nbatch_requests=%llu\n"
                  "single_requests=%llu\nseconds=%.1f\n",
                  static_cast<unsigned long long>(fig.sent),
                  static_cast<unsigned long long>(fig.acked),
                  static_cast<unsigned long long>(fig.failed),
                  static_cast<unsigned long long>(fig.unanswered),
                  static_cast<unsigned long long>(fig.batch_requests),
                  static_cast<unsigned long long>(fig.single_requests), fig.seconds);
      if (!fig.first_error.empty())
        std::printf("first_error=%s\n", fig.first_error.c_str());
      std::fflush(stdout);
    }
    self->request(*service, seconds{120}, stop_all_atom_v).receive([](bool) {}, [](caf::error&) {});
  }
  return rc;
}

} // namespace

int main(int argc, char** argv) {
  try {
    options o{argc, argv, {}, {"-b", "-t", "--ledger", "--keys", "--value-bytes", "--batch",
                               "--window", "--rate", "--records", "--stop-file",
                               "--single-every", "--singles", "--partitions", "--replication",
                               "-C", "-X", "--request-timeout-s"}};
    return run(o);
  } catch (const std::invalid_argument& e) {
    std::cerr << "rel_produce: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "rel_produce: " << e.what() << "\n";
    return 1;
  }
}
