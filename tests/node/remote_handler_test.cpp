// Remote handlers across processes (issue 13): `kafka-actors node` runs the consumer; the
// handler is an actor in this process, or in examples/remote_handler.cpp's process, which is
// SIGKILLed mid-stream five times. Records, acks and credit cross the connection.

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <atomic>
#include <chrono>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <caf/scoped_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <gtest/gtest.h>

#include "kafka_actors/actors/node.hpp"
#include "kafka_actors/actors/remote_handler.hpp"
#include "kafka_actors/runtime/errors.hpp"
#include "support/await.hpp"
#include "support/node_process.hpp"
#include "support/temp_dir.hpp"

using namespace kafka_actors;
using namespace kafka_actors::test;
using namespace std::chrono_literals;

namespace {

constexpr auto call = std::chrono::seconds{60};

struct client {
  network_system& net;
  kafka_service_actor service;
  caf::scoped_actor self{net.sys};

  client(network_system& n, uint16_t port) : net(n) {
    auto s = connect_kafka_service(net.sys, "127.0.0.1", port);
    if (!s)
      throw std::runtime_error(describe(s.error()));
    service = *s;
  }
  ~client() {
    caf::anon_send_exit(service, caf::exit_reason::user_shutdown);
  }

  void create(const std::string& topic) {
    self->request(service, call, create_topic_atom_v, topic_config{topic, 3, 1, {}})
      .receive([](bool) {}, [](caf::error&) {});
  }
  size_t produce(const std::string& topic, int n, int from = 0) {
    size_t ok = 0;
    for (int b = 0; b < n; b += 1000) {
      message_batch batch;
      for (int i = b; i < std::min(n, b + 1000); ++i) {
        message m;
        m.topic = topic;
        m.key = "k" + std::to_string(i % 31);
        m.content = "r" + std::to_string(from + i);
        batch.push_back(std::move(m));
      }
      self->request(service, call, send_atom_v, std::move(batch))
        .receive([&](batch_report& rep) { ok += rep.results.size() - rep.failed(); },
                 [](caf::error&) {});
    }
    return ok;
  }
  caf::expected<uint64_t> subscribe(remote_subscription rs) {
    caf::expected<uint64_t> out{caf::error{}};
    self->request(service, call, subscribe_atom_v, std::move(rs))
      .receive([&](uint64_t id) { out = id; }, [&](caf::error& e) { out = e; });
    return out;
  }
  service_status status() {
    service_status out;
    self->request(service, call, status_atom_v)
      .receive([&](service_status& s) { out = std::move(s); }, [](caf::error&) {});
    return out;
  }
  consumer_status consumer(uint64_t id) {
    auto s = status();
    auto i = s.consumers.find(id);
    return i == s.consumers.end() ? consumer_status{} : i->second;
  }
};

struct seen {
  std::mutex mtx;
  std::map<std::pair<int32_t, int64_t>, std::string> records;
  size_t total = 0;
  int64_t held = 0;
  int64_t max_held = 0;
  size_t size() {
    std::lock_guard<std::mutex> g{mtx};
    return records.size();
  }
};

// Grants `credit`, holds batches unacknowledged until ack_atom, then acknowledges all.
using holding_handler = remote_handler_actor::extend<caf::reacts_to<ack_atom>>;

holding_handler::behavior_type holding(holding_handler::pointer self, std::shared_ptr<seen> log,
                                       int64_t credit) {
  auto held = std::make_shared<std::vector<std::pair<remote_feed_actor, remote_batch>>>();
  auto open = std::make_shared<bool>(false);
  return {
    [=](join_atom, remote_feed_actor feed) { self->send(feed, credit_atom_v, credit); },
    [=](remote_batch& b, remote_feed_actor feed) {
      {
        std::lock_guard<std::mutex> g{log->mtx};
        b.for_each([&](const remote_record& r) {
          log->records[{r.partition(), r.offset()}] = std::string{r.payload()};
        });
        log->total += b.size();
        log->held += b.credit;
        log->max_held = std::max(log->max_held, log->held);
        if (*open)
          log->held -= b.credit;
      }
      if (*open)
        self->send(feed, ack_atom_v, b.id, b.credit);
      else
        held->emplace_back(feed, std::move(b));
    },
    [=](ack_atom) {
      *open = true;
      for (auto& [feed, b] : *held) {
        {
          std::lock_guard<std::mutex> g{log->mtx};
          log->held -= b.credit;
        }
        self->send(feed, ack_atom_v, b.id, b.credit);
      }
      held->clear();
    },
  };
}

// examples/remote_handler.cpp as a child process, its output in a file.
class handler_process {
public:
  handler_process(uint16_t port, const std::string& topic, const std::string& group,
                  const std::string& ledger, const std::string& log) {
    std::string bin = KAFKA_ACTORS_REMOTE_HANDLER;
    auto p = std::to_string(port);
    const char* args[] = {bin.c_str(), "127.0.0.1", p.c_str(), topic.c_str(), group.c_str(),
                          "--ledger", ledger.c_str(), "--credit", "200", "--delay-ms", "1",
                          nullptr};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, log.c_str(),
                                     O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&fa, STDOUT_FILENO, STDERR_FILENO);
    if (posix_spawn(&pid_, bin.c_str(), &fa, nullptr, const_cast<char**>(args), environ) != 0)
      throw std::runtime_error("cannot start " + bin);
    posix_spawn_file_actions_destroy(&fa);
  }
  ~handler_process() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  void kill(int sig) {
    ::kill(pid_, sig);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  bool running() {
    return pid_ > 0 && ::waitpid(pid_, nullptr, WNOHANG) == 0;
  }

private:
  pid_t pid_ = -1;
};

struct ledger_view {
  std::map<std::pair<int32_t, int64_t>, int> count;
  size_t lines = 0;
};

ledger_view read_ledger(const std::string& path) {
  ledger_view out;
  std::ifstream in{path};
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls{line};
    int32_t p = -1;
    int64_t o = -1;
    if (ls >> p >> o) {
      ++out.count[{p, o}];
      ++out.lines;
    }
  }
  return out;
}

std::string slurp(const std::string& path) {
  std::ifstream in{path};
  return {std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
}

} // namespace

TEST(remote_handler, ten_thousand_records_reach_a_handler_in_another_process) {
  network_system net;
  node_process node;
  ASSERT_NE(node.port, 0);
  client c{net, node.port};
  c.create("to-b");
  ASSERT_EQ(c.produce("to-b", 10000), 10000u);
  auto log = std::make_shared<seen>();
  auto h = net.sys.spawn(holding, log, int64_t{500});
  caf::anon_send(h, ack_atom_v); // acknowledge as they come
  remote_subscription rs;
  rs.topics = {"to-b"};
  rs.group = "b";
  rs.handler = caf::actor_cast<remote_handler_actor>(h);
  auto id = c.subscribe(rs);
  ASSERT_TRUE(id) << describe(id.error());
  ASSERT_TRUE(await([&] { return log->size() == 10000; }, 90s)) << log->size() << " of 10000";
  std::set<std::string> contents;
  {
    std::lock_guard<std::mutex> g{log->mtx};
    for (auto& [k, v] : log->records)
      contents.insert(v);
    EXPECT_EQ(log->total, 10000u) << "none twice";
  }
  EXPECT_EQ(contents.size(), 10000u);
  EXPECT_TRUE(contents.count("r0") && contents.count("r9999"));
  EXPECT_LE(log->max_held, 500);
  // Acknowledged across the wire: the node stores the offsets (10,000 over 3 partitions).
  ASSERT_TRUE(await([&] {
    int64_t sum = 0;
    for (auto& [tp, next] : c.consumer(*id).stored)
      sum += next;
    return sum == 10000;
  }, 30s));
  caf::anon_send_exit(h, caf::exit_reason::user_shutdown);
  EXPECT_EQ(node.stop(SIGTERM), 0);
}

TEST(remote_handler, a_remote_handler_without_credit_pauses_the_consumer_on_the_other_node) {
  network_system net;
  node_process node;
  ASSERT_NE(node.port, 0);
  client c{net, node.port};
  c.create("slow");
  ASSERT_EQ(c.produce("slow", 20000), 20000u);
  auto log = std::make_shared<seen>();
  auto h = net.sys.spawn(holding, log, int64_t{50});
  remote_subscription rs;
  rs.topics = {"slow"};
  rs.group = "slow";
  rs.handler = caf::actor_cast<remote_handler_actor>(h);
  auto id = c.subscribe(rs);
  ASSERT_TRUE(id) << describe(id.error());
  ASSERT_TRUE(await([&] { return c.consumer(*id).paused; }, 60s));
  auto paused = c.consumer(*id);
  {
    std::lock_guard<std::mutex> g{log->mtx};
    EXPECT_LE(log->held, 50) << "no more records out than the remote handler granted";
    EXPECT_GT(log->held, 0);
    EXPECT_LE(log->records.size(), 50u);
  }
  EXPECT_FALSE(paused.assigned.empty()) << "paused, the consumer keeps its partitions";
  caf::anon_send(h, ack_atom_v);
  ASSERT_TRUE(await([&] { return log->size() == 20000; }, 120s)) << log->size();
  EXPECT_LE(log->max_held, 50);
  EXPECT_EQ(c.consumer(*id).rebalances, paused.rebalances) << "the member kept its place";
  caf::anon_send_exit(h, caf::exit_reason::user_shutdown);
  EXPECT_EQ(node.stop(SIGTERM), 0);
}

// The ledger test: the handler's process dies by SIGKILL five times mid-stream and is started
// again; every record reaches the ledger (written before its ack), each duplicate is a record
// the killed process had not acknowledged (at most its credit per kill), and after every kill
// nothing the node stored for commit lies beyond what the ledger holds.
TEST(remote_handler, the_handlers_process_sigkilled_five_times_loses_nothing) {
  network_system net;
  node_process node;
  ASSERT_NE(node.port, 0);
  client c{net, node.port};
  c.create("kills");
  constexpr int total = 12000;
  ASSERT_EQ(c.produce("kills", total), static_cast<size_t>(total));
  ka_test::temp_dir dir;
  auto ledger = dir.path() + "/ledger";
  auto out = dir.path() + "/handler.log";
  uint64_t id = 0;
  size_t kills = 0;
  for (int round = 0; round < 6; ++round) {
    auto before = read_ledger(ledger).lines;
    handler_process h{node.port, "kills", "k", ledger, out};
    if (round == 5) {
      ASSERT_TRUE(await([&] { return read_ledger(ledger).count.size() == total; }, 120s))
        << read_ledger(ledger).count.size() << " of " << total << "\n" << slurp(out);
      h.kill(SIGTERM);
      break;
    }
    // Mid-stream: the process handled some records of its own first.
    ASSERT_TRUE(await([&] { return read_ledger(ledger).lines >= before + 1000; }, 60s))
      << "round " << round << ": " << slurp(out);
    ASSERT_TRUE(h.running());
    h.kill(SIGKILL);
    ++kills;
    auto seen = read_ledger(ledger);
    auto st = c.status();
    ASSERT_EQ(st.consumers.size(), 1u) << "the subscription outlives its handler";
    id = st.consumers.begin()->first;
    for (auto& [tp, next] : st.consumers.begin()->second.stored) {
      auto p = std::stoi(tp.substr(tp.find('[') + 1));
      for (int64_t o = 0; o < next; ++o)
        ASSERT_TRUE(seen.count.count({p, o}))
          << tp << "@" << o << " is stored for commit but was never handled";
    }
  }
  auto final = read_ledger(ledger);
  EXPECT_EQ(final.count.size(), static_cast<size_t>(total)) << "0 lost";
  size_t dups = final.lines - final.count.size();
  EXPECT_LE(dups, kills * 200) << "duplicates beyond the in-flight cap of 200 per kill";
  std::cout << "[ ledger ] " << total << " records, " << kills << " kills, " << dups
            << " duplicates (cap " << kills * 200 << ")" << std::endl;
  EXPECT_EQ(c.status().restarts, 0u) << "the consumer never restarted: the feed kept the batches";
  ASSERT_TRUE(await([&] {
    int64_t sum = 0;
    for (auto& [tp, next] : c.consumer(id).stored)
      sum += next;
    return sum == total;
  }, 30s)) << "every record acknowledged and stored";
  EXPECT_EQ(node.stop(SIGTERM), 0);
}

// Cross-node credit on a real broker: a remote handler at 10 ms per record, granting 100, on
// a 200,000-record backlog of 1 KiB (200 MiB). The node's consumer prefetch is held small
// (8 MiB queued, 4 MiB per fetch) so that its bound is far below the backlog: the node's RSS
// must stay within that bound plus slack while it feeds the handler, its partitions pause
// for want of credit, and the member stays in its group.
TEST(remote_handler, a_slow_remote_handler_on_a_large_backlog_keeps_the_nodes_memory_bounded) {
  auto env = std::getenv("KAFKA_ACTORS_BOOTSTRAP");
  if (!env || !*env)
    GTEST_SKIP() << "no real broker: run under scripts/kafka run -- ctest";
  std::string bootstrap = env;
  ka_test::temp_dir dir;
  auto config = dir.path() + "/node.json";
  {
    std::ofstream f{config};
    f << "{\"bootstrap.servers\": \"" << bootstrap << "\", \"consumer\": "
      << "{\"queued.max.messages.kbytes\": 8192, \"fetch.max.bytes\": 4194304, "
         "\"max.partition.fetch.bytes\": 1048576}}\n";
  }
  network_system net;
  auto topic = "remote-rss-" + std::to_string(::getpid());
  {
    // Filled from here, not through the node: the node's memory is what is measured.
    kafka_config cfg;
    cfg.bootstrap_servers = bootstrap;
    auto local = spawn_kafka_service(net.sys, cfg);
    ASSERT_TRUE(local) << describe(local.error());
    caf::scoped_actor self{net.sys};
    bool created = false;
    self->request(*local, call, create_topic_atom_v, topic_config{topic, 3, 1, {}})
      .receive([&](bool) { created = true; }, [&](caf::error& e) { FAIL() << describe(e); });
    ASSERT_TRUE(created);
    size_t ok = 0;
    std::string payload(1024, 'x');
    for (int b = 0; b < 200; ++b) {
      message_batch batch;
      for (int i = 0; i < 1000; ++i)
        batch.push_back(message{topic, payload, {}, "k" + std::to_string(i)});
      self->request(*local, call, send_atom_v, std::move(batch))
        .receive([&](batch_report& rep) { ok += rep.results.size() - rep.failed(); },
                 [](caf::error&) {});
    }
    ASSERT_EQ(ok, 200000u);
    self->request(*local, call, stop_all_atom_v).receive([](bool) {}, [](caf::error&) {});
  }
  node_process node{{"--config", config}};
  ASSERT_NE(node.port, 0);
  client c{net, node.port};
  auto before = node.rss_kib();
  ASSERT_GT(before, 0);
  auto handled = std::make_shared<std::atomic<int64_t>>(0);
  auto h = spawn_remote_record_handler(net.sys, [handled](const remote_record&) -> caf::error {
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
    ++*handled;
    return {};
  }, 100);
  remote_subscription rs;
  rs.topics = {topic};
  rs.group = "rss";
  rs.handler = h;
  auto id = c.subscribe(rs);
  ASSERT_TRUE(id) << describe(id.error());
  ASSERT_TRUE(await([&] { return c.consumer(*id).pauses > 0; }, 60s))
    << "the consumer never paused for want of credit";
  auto first = c.consumer(*id);
  // Watch the node for 15 s while the handler works through the backlog.
  long peak = before;
  auto until = std::chrono::steady_clock::now() + 15s;
  await([&] {
    peak = std::max(peak, node.rss_kib());
    return std::chrono::steady_clock::now() >= until;
  }, 20s);
  auto last = c.consumer(*id);
  auto grew_mib = (peak - before) / 1024.0;
  std::cout << "[ rss ] node " << before / 1024 << " MiB before, peak " << peak / 1024
            << " MiB (+" << grew_mib << "), " << handled->load() << " records handled, "
            << last.pauses << " pauses, " << last.rebalances << " rebalances" << std::endl;
  // 8 MiB queued + 4 MiB fetched + 100 KiB in flight, and room for allocator arenas and the
  // middleman's buffers: far below the 200 MiB the broker holds. (Under ASan freed memory
  // sits in its quarantine, up to 256 MiB: the figure says nothing there.)
#if !defined(__SANITIZE_ADDRESS__)
  EXPECT_LT(grew_mib, 64.0) << "the node's memory followed the backlog";
#endif
  EXPECT_GT(handled->load(), 100) << "the handler got records";
  EXPECT_LT(handled->load(), 200000);
  EXPECT_EQ(last.rebalances, first.rebalances) << "the member left its group";
  EXPECT_FALSE(last.assigned.empty());
  caf::anon_send_exit(h, caf::exit_reason::user_shutdown);
  EXPECT_EQ(node.stop(SIGTERM), 0);
}
