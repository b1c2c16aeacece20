// `kafka-actors consume`: records as lines, in kcat's habits.
//
// Only what was printed is committed: a handler actor writes a batch's lines, flushes stdout,
// and only then acknowledges the batch; with -c it never grants more credit than records it
// may still print, so no record past the count is ever handed to it. SIGINT and SIGTERM stop
// the consumer in order (what was printed is committed, the group is left) and exit 130/143.

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <thread>
#include <unistd.h>

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <librdkafka/rdkafka.h>

#include "kafka_actors/kafka_actors.hpp"
#include "kafka_actors/runtime/rdkafka_handles.hpp"
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
  --timeout SEC    give up after SEC seconds, exit 1 (default: none; with -e: 60)
  -d, --debug      show librdkafka's own log lines on stderr
  --config FILE    kafka-actors JSON config
Prints one line per record. Only offsets of printed (and flushed) lines are committed.
SIGINT/SIGTERM: commit what was printed, leave the group, exit 130/143.
)";

volatile std::sig_atomic_t caught_signal = 0;

extern "C" void on_signal(int sig) {
  caught_signal = sig;
}

// What the printing handler shares with the main thread.
struct progress {
  std::atomic<long long> printed{0};
  std::atomic<bool> output_failed{false};
};

struct printer_state {
  static inline const char* name = "kafka-actors-cli-printer";
  std::string delim;
  long long limit = -1; // < 0: unlimited
  progress* out = nullptr;
  // Credit granted to the current consumer and not used yet.
  long long granted = 0;
};

constexpr long long credit_step = 500;

constexpr long long max_timeout_s = 365LL * 24 * 3600;

// Credit to grant now: never more than what may still be printed.
long long next_grant(printer_state& st) {
  if (st.limit < 0)
    return credit_step;
  auto left = st.limit - st.out->printed.load() - st.granted;
  return std::max(0LL, std::min(credit_step, left));
}

handler_actor::behavior_type printer(handler_actor::stateful_pointer<printer_state> self,
                                     std::string delim, long long limit, progress* out) {
  self->state.delim = std::move(delim);
  self->state.limit = limit;
  self->state.out = out;
  return {
    [=](join_atom, const consumer_actor& c) {
      auto& st = self->state;
      st.granted = 0; // credit given to an earlier consumer is void
      auto n = next_grant(st);
      st.granted += n;
      self->send(c, credit_atom_v, static_cast<int64_t>(n));
    },
    [=](const record_batch_ptr& b, const consumer_actor& c) {
      auto& st = self->state;
      st.granted -= std::min<long long>(st.granted, static_cast<long long>(b->size()));
      std::string text;
      bool past_limit = false;
      long long printed_now = 0;
      for (size_t i = 0; i < b->size(); ++i) {
        if (b->revoked(i))
          continue;
        if (st.limit >= 0 && st.out->printed.load() + printed_now >= st.limit) {
          past_limit = true; // only after a consumer restart: credit was spent twice
          break;
        }
        auto r = (*b)[i];
        if (!st.delim.empty()) {
          text.append(r.key());
          text.append(st.delim);
        }
        text.append(r.payload());
        text.push_back('\n');
        ++printed_now;
      }
      bool ok = std::fwrite(text.data(), 1, text.size(), stdout) == text.size()
                && std::fflush(stdout) == 0;
      if (!ok) {
        st.out->output_failed = true;
        self->send(c, fail_atom_v, b->id(),
                   make_error(errc::stopped, "standard output is closed"));
        return;
      }
      st.out->printed += printed_now;
      if (past_limit) {
        // Printed lines of this batch are not committed: read again next time (a duplicate,
        // never a loss).
        self->send(c, fail_atom_v, b->id(), make_error(errc::stopped, "count reached"));
        return;
      }
      auto n = next_grant(st);
      st.granted += n;
      self->send(c, ack_atom_v, b->id(), static_cast<int64_t>(n));
    },
  };
}

// Names the first of `topics` the brokers do not have. Lists all topics (a metadata request
// for one topic may create it where brokers auto-create).
caf::error check_topics_exist(const kafka_config& cfg, const std::string& bootstrap,
                              const std::vector<std::string>& topics) {
  auto props = cfg.admin_config();
  props["bootstrap.servers"] = bootstrap;
  auto conf = make_conf(props);
  if (!conf)
    return conf.error();
  auto rk = make_client(RD_KAFKA_PRODUCER, std::move(*conf));
  if (!rk)
    return rk.error();
  const rd_kafka_metadata_t* md = nullptr;
  auto err = rd_kafka_metadata(rk->get(), 1, nullptr, &md, 10000);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR || !md)
    return make_error(errc::broker_unreachable,
                      "no topic list from " + bootstrap + ": " + rd_error_text(err));
  caf::error out;
  for (auto& t : topics) {
    bool found = false;
    for (int i = 0; i < md->topic_cnt && !found; ++i)
      found = t == md->topics[i].topic && md->topics[i].err == RD_KAFKA_RESP_ERR_NO_ERROR;
    if (!found) {
      out = make_error(errc::invalid_topic, "topic '" + t + "' does not exist on " + bootstrap);
      break;
    }
  }
  rd_kafka_metadata_destroy(md);
  return out;
}

} // namespace

int consume(const std::vector<std::string>& argv) {
  args a{argv,
         {{"-h", "-e", "-d"}, {"-b", "-G", "-K", "-c", "--timeout", "--config"}, {"-t"}, {}}};
  if (a.has("-h")) {
    std::cout << consume_usage;
    return 0;
  }
  if (!a.has("-t"))
    throw usage_error("missing -t TOPIC");
  auto delim = a.get("-K");
  auto limit = a.number("-c", -1);
  if (a.has("-c") && limit < 1)
    throw usage_error("-c needs a count of at least 1, got '" + a.get("-c") + "'");
  bool exit_at_end = a.has("-e");
  // At most a year: the deadline is steady_clock::now() + the seconds, in nanoseconds.
  auto timeout_s = a.number("--timeout", exit_at_end ? 60 : -1, 1, max_timeout_s);
  auto topics = a.all("-t");
  for (auto& t : topics)
    if (auto err = validate_topic_name(t))
      return report("consume", err);
  set_librdkafka_log(a.has("-d") || a.has("--debug"));
  auto cfg = load_config(a);
  if (!cfg)
    return report("consume", cfg.error());
  // Signals only set a flag; the main loop stops everything in order.
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::signal(SIGPIPE, SIG_IGN);
  session s;
  auto service = spawn_kafka_service(s.sys, *cfg);
  if (!service)
    return report("consume", service.error());
  caf::scoped_actor self{s.sys};
  int rc = 0;
  self->request(*service, call_timeout, ping_atom_v)
    .receive([](int32_t) {}, [&](caf::error& err) { rc = report("consume", err); });
  if (rc == 0) {
    std::string bootstrap = cfg->bootstrap_servers;
    self->request(*service, call_timeout, status_atom_v)
      .receive([&](service_status& st) { bootstrap = st.bootstrap_servers; },
               [](caf::error&) {});
    if (auto err = check_topics_exist(*cfg, bootstrap, topics))
      rc = report("consume", err);
  }
  progress prog;
  // Detached: writing to a slow pipe blocks, and must not block a scheduler thread.
  auto handler = s.sys.spawn<caf::detached>(printer, delim, limit, &prog);
  subscription sub;
  sub.topics = topics;
  sub.group = a.get("-G", "kafka-actors-cli-" + std::to_string(::getpid()));
  sub.track_end = exit_at_end;
  sub.handler = handler;
  uint64_t sub_id = 0;
  if (rc == 0)
    self->request(*service, call_timeout, subscribe_atom_v, std::move(sub))
      .receive([&](uint64_t id) { sub_id = id; },
               [&](caf::error& err) { rc = report("consume", err); });
  auto deadline = std::chrono::steady_clock::now()
                  + std::chrono::seconds{timeout_s < 0 ? max_timeout_s : timeout_s};
  bool timed_out = false;
  while (rc == 0 && caught_signal == 0) {
    if (limit >= 0 && prog.printed.load() >= limit)
      break;
    if (prog.output_failed) {
      rc = 1;
      break;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      timed_out = true;
      break;
    }
    bool at_end = false;
    self->request(*service, call_timeout, status_atom_v)
      .receive(
        [&](service_status& st) {
          auto f = st.failed.find(sub_id);
          if (f != st.failed.end()) {
            std::cerr << "kafka-actors consume: " << f->second << "\n";
            rc = 1;
            return;
          }
          auto i = st.consumers.find(sub_id);
          if (i == st.consumers.end())
            return;
          auto& cs = i->second;
          // The topics were checked at start: an unknown topic now is metadata catching up.
          if (!cs.failure.empty() && cs.assigned.empty()
              && cs.failure.rfind("unknown_topic", 0) != 0) {
            std::cerr << "kafka-actors consume: " << cs.failure << "\n";
            rc = 1;
            return;
          }
          at_end = exit_at_end && !cs.assigned.empty()
                   && cs.at_end.size() == cs.assigned.size() && cs.in_flight_batches == 0;
        },
        [](caf::error&) {});
    if (at_end)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds{50});
  }
  // Stops in order: the consumer commits what was acknowledged (printed and flushed), leaves
  // the group; then the producer flushes.
  self->request(*service, call_timeout, stop_all_atom_v).receive([](bool) {}, [](caf::error&) {});
  caf::anon_send_exit(handler, caf::exit_reason::user_shutdown);
  std::fflush(stdout);
  if (caught_signal == SIGINT)
    return 130;
  if (caught_signal == SIGTERM)
    return 143;
  if (timed_out) {
    std::cerr << "kafka-actors consume: timed out after " << timeout_s << " s with "
              << prog.printed.load() << " records"
              << (exit_at_end ? " before every partition reached its end" : "") << "\n";
    return 1;
  }
  return rc;
}

} // namespace kafka_actors::cli
