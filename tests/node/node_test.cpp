// Distributed nodes (issue 13, first part): `kafka-actors node` in its own process, a client
// here with connect_kafka_service. Round trip of 10,000 records with exact delivery reports,
// SIGTERM of the node (clients get errors, not hangs; the node stops in order), and bad input:
// a port where nothing listens, a port where something else listens, a client of another
// protocol version.

#include <chrono>
#include <iostream>
#include <memory>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>
#include <csignal>
#include <set>
#include <string>

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>
#include <gtest/gtest.h>

#include "kafka_actors/actors/node.hpp"
#include "kafka_actors/runtime/errors.hpp"
#include "kafka_actors/system_config.hpp"
#include "support/node_process.hpp"

extern char** environ;

using namespace kafka_actors;
using kafka_actors::test::network_system;
using kafka_actors::test::node_process;

TEST(node, ten_thousand_records_through_a_remote_kafka_service) {
  // The node before the client's system: on any way out the node dies first, so the
  // client's handle ends and its system can shut down.
  network_system net;
  node_process node;
  ASSERT_NE(node.port, 0) << "the node printed no port";
  auto service = connect_kafka_service(net.sys, "127.0.0.1", node.port);
  ASSERT_TRUE(service) << describe(service.error());
  caf::scoped_actor self{net.sys};
  bool created = false;
  self->request(*service, std::chrono::seconds{30}, create_topic_atom_v,
                topic_config{"remote", 3, 1, {}})
    .receive([&](bool) { created = true; },
             [&](caf::error& err) { FAIL() << describe(err); });
  ASSERT_TRUE(created);
  std::set<std::pair<int32_t, int64_t>> positions;
  size_t ok = 0;
  for (int b = 0; b < 10; ++b) {
    message_batch batch;
    for (int i = 0; i < 1000; ++i) {
      message m;
      m.topic = "remote";
      m.key = "k" + std::to_string(i % 17);
      m.content = "record-" + std::to_string(b * 1000 + i);
      m.metadata = {{"n", std::to_string(b * 1000 + i)}};
      batch.push_back(std::move(m));
    }
    self->request(*service, std::chrono::seconds{60}, send_atom_v, std::move(batch))
      .receive(
        [&](batch_report& rep) {
          ASSERT_EQ(rep.results.size(), 1000u);
          for (auto& r : rep.results) {
            ASSERT_TRUE(r.ok()) << r.error;
            EXPECT_EQ(r.topic, "remote");
            positions.emplace(r.partition, r.offset);
            ++ok;
          }
        },
        [&](caf::error& err) { FAIL() << describe(err); });
  }
  EXPECT_EQ(ok, 10000u);
  // Every report names its own place in the log: 10,000 distinct (partition, offset) pairs,
  // each partition's offsets 0..n-1 without a gap.
  EXPECT_EQ(positions.size(), 10000u);
  std::map<int32_t, int64_t> per_partition;
  for (auto& [p, o] : positions)
    ++per_partition[p];
  for (auto& [p, n] : per_partition) {
    EXPECT_TRUE(positions.count({p, 0})) << p;
    EXPECT_TRUE(positions.count({p, n - 1})) << p;
  }
  service_status st;
  self->request(*service, std::chrono::seconds{30}, status_atom_v)
    .receive([&](service_status& s) { st = s; }, [&](caf::error& err) { FAIL() << describe(err); });
  EXPECT_EQ(node.stop(SIGTERM), 0);
}

TEST(node, a_sigterm_stops_the_node_in_order_and_clients_get_an_error_not_a_hang) {
  // The node before the client's system: on any way out the node dies first, so the
  // client's handle ends and its system can shut down.
  network_system net;
  node_process node;
  ASSERT_NE(node.port, 0);
  auto service = connect_kafka_service(net.sys, "127.0.0.1", node.port);
  ASSERT_TRUE(service) << describe(service.error());
  caf::scoped_actor self{net.sys};
  EXPECT_EQ(node.stop(SIGTERM), 0);
  std::string failed;
  auto start = std::chrono::steady_clock::now();
  message m;
  m.topic = "t";
  m.content = "after the node is gone";
  self->request(*service, std::chrono::seconds{30}, send_atom_v, m)
    .receive([&](delivery_report&) {}, [&](caf::error& err) { failed = describe(err); });
  EXPECT_FALSE(failed.empty());
  // An error from the lost connection, not the request's own 30 s timeout.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds{20});
}

// A request in flight when the node dies is answered with an error at once.
TEST(node, a_request_in_flight_when_the_node_is_killed_fails_at_once) {
  // The node before the client's system: on any way out the node dies first, so the
  // client's handle ends and its system can shut down.
  network_system net;
  node_process node;
  ASSERT_NE(node.port, 0);
  auto service = connect_kafka_service(net.sys, "127.0.0.1", node.port);
  ASSERT_TRUE(service) << describe(service.error());
  caf::scoped_actor self{net.sys};
  // A ping to a service whose embedded cluster answers: then kill the node while a large
  // batch is on its way.
  message_batch batch(20000);
  for (auto& m : batch) {
    m.topic = "killed";
    m.content = std::string(100, 'x');
  }
  self->request(*service, std::chrono::seconds{30}, create_topic_atom_v,
                topic_config{"killed", 1, 1, {}})
    .receive([](bool) {}, [](caf::error& err) { FAIL() << describe(err); });
  auto start = std::chrono::steady_clock::now();
  std::string failed;
  std::mutex mx;
  std::condition_variable cv;
  bool sent = false;
  std::thread caller{[&] {
    caf::scoped_actor in_flight{net.sys};
    auto h = in_flight->request(*service, std::chrono::seconds{60}, send_atom_v,
                                std::move(batch));
    {
      std::lock_guard<std::mutex> guard{mx};
      sent = true;
    }
    cv.notify_all();
    std::move(h).receive([&](batch_report&) { failed = "delivered before the kill"; },
                         [&](caf::error& err) { failed = describe(err); });
  }};
  {
    std::unique_lock<std::mutex> guard{mx};
    cv.wait(guard, [&] { return sent; });
  }
  EXPECT_EQ(node.stop(SIGKILL), 128 + SIGKILL);
  caller.join();
  if (failed != "delivered before the kill")
    EXPECT_NE(failed.find("is gone"), std::string::npos) << failed;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds{30});
  // And later requests fail at once too.
  auto later_start = std::chrono::steady_clock::now();
  bool later_failed = false;
  self->request(*service, std::chrono::seconds{30}, ping_atom_v)
    .receive([](int32_t) {}, [&](caf::error&) { later_failed = true; });
  EXPECT_TRUE(later_failed);
  EXPECT_LT(std::chrono::steady_clock::now() - later_start, std::chrono::seconds{5});
}

TEST(node, a_subscription_is_refused_across_nodes_with_a_reason) {
  // The node before the client's system: on any way out the node dies first, so the
  // client's handle ends and its system can shut down.
  network_system net;
  node_process node;
  ASSERT_NE(node.port, 0);
  auto service = connect_kafka_service(net.sys, "127.0.0.1", node.port);
  ASSERT_TRUE(service) << describe(service.error());
  caf::scoped_actor self{net.sys};
  subscription sub;
  sub.topics = {"t"};
  sub.group = "g";
  sub.on_record = [](const record&) -> caf::error { return caf::none; };
  std::string refused;
  self->request(*service, std::chrono::seconds{10}, subscribe_atom_v, std::move(sub))
    .receive([](uint64_t) {}, [&](caf::error& err) { refused = describe(err); });
  EXPECT_NE(refused.find("cannot cross nodes"), std::string::npos) << refused;
  EXPECT_NE(refused.find("remote_subscription"), std::string::npos) << "names the way out";
  EXPECT_EQ(node.stop(SIGTERM), 0);
}

TEST(node, connecting_where_no_node_listens_is_a_clear_error) {
  network_system net;
  // Nothing listens: a port just freed.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  auto free_port = ntohs(addr.sin_port);
  ::close(fd);
  auto none = connect_kafka_service(net.sys, "127.0.0.1", free_port, std::chrono::seconds{5});
  ASSERT_FALSE(none);
  EXPECT_NE(describe(none.error()).find("cannot connect"), std::string::npos)
    << describe(none.error());
  // Something listens and says nothing (as an HTTP server waits for a request).
  int lfd = ::socket(AF_INET, SOCK_STREAM, 0);
  addr.sin_port = 0;
  ASSERT_EQ(::bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(::listen(lfd, 4), 0);
  ::getsockname(lfd, reinterpret_cast<sockaddr*>(&addr), &len);
  auto start = std::chrono::steady_clock::now();
  auto silent = connect_kafka_service(net.sys, "127.0.0.1", ntohs(addr.sin_port),
                                      std::chrono::seconds{2});
  ASSERT_FALSE(silent);
  EXPECT_NE(describe(silent.error()).find("not a node"), std::string::npos)
    << describe(silent.error());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds{10});
  ::close(lfd);
  auto bad_host = connect_kafka_service(net.sys, "no-such-host.invalid", 1, std::chrono::seconds{5});
  ASSERT_FALSE(bad_host);
  EXPECT_NE(describe(bad_host.error()).find("cannot resolve"), std::string::npos)
    << describe(bad_host.error());
}

TEST(node, a_client_of_another_protocol_version_is_refused) {
  // The node before the client's system: on any way out the node dies first, so the
  // client's handle ends and its system can shut down.
  network_system net;
  node_process node;
  ASSERT_NE(node.port, 0);
  auto greeter = net.sys.middleman().remote_actor<node_actor>("127.0.0.1", node.port);
  ASSERT_TRUE(greeter) << net.sys.render(greeter.error());
  caf::scoped_actor self{net.sys};
  std::string refused;
  self->request(*greeter, std::chrono::seconds{10}, hello_atom_v, node_protocol_version + 1)
    .receive([&](kafka_service_actor&) {}, [&](caf::error& err) { refused = describe(err); });
  EXPECT_NE(refused.find("protocol v" + std::to_string(node_protocol_version)), std::string::npos)
    << refused;
  EXPECT_NE(refused.find("the client v" + std::to_string(node_protocol_version + 1)),
            std::string::npos)
    << refused;
  // The node is unharmed: a client of the right version still gets the service.
  auto service = connect_kafka_service(net.sys, "127.0.0.1", node.port);
  EXPECT_TRUE(service) << describe(service.error());
  EXPECT_EQ(node.stop(SIGINT), 0);
}

namespace {

// A type the node does not know: it cannot read it off the wire.
struct stranger {
  int32_t x = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, stranger& s) {
  return f(caf::meta::type_name("kafka_actors_test::stranger"), s.x);
}

struct stranger_system {
  stranger_system() {
    cfg.with_network();
    cfg.add_message_type<stranger>("kafka_actors_test::stranger");
    sys = std::make_unique<caf::actor_system>(cfg);
  }
  actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
};

} // namespace

TEST(node, messages_the_node_does_not_speak_get_errors_not_a_crash) {
  stranger_system net;
  node_process node;
  ASSERT_NE(node.port, 0);
  auto greeter = net.sys->middleman().remote_actor<node_actor>("127.0.0.1", node.port);
  ASSERT_TRUE(greeter) << net.sys->render(greeter.error());
  caf::scoped_actor self{*net.sys};
  auto untyped = caf::actor_cast<caf::actor>(*greeter);
  // A message of a known type the greeter has no handler for: an error comes back.
  std::string unexpected;
  self->request(untyped, std::chrono::seconds{10}, std::string{"hello?"})
    .receive([](const caf::message&) {},
             [&](caf::error& err) { unexpected = net.sys->render(err); });
  EXPECT_NE(unexpected, "") << "an unexpected message got an answer";
  // A message of a type the node has never heard of: it cannot be read. Whatever the node
  // does with it, it does not crash, and the request ends (with an error) within its timeout.
  std::string unknown;
  auto start = std::chrono::steady_clock::now();
  self->request(untyped, std::chrono::seconds{5}, stranger{7})
    .receive([](const caf::message&) {},
             [&](caf::error& err) { unknown = net.sys->render(err); });
  EXPECT_NE(unknown, "");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds{8});
  std::cout << "[ node ] unexpected message: " << unexpected << "; unknown type: " << unknown
            << std::endl;
  // The node is unharmed: a client still gets the service and sends through it.
  network_system fresh;
  auto service = connect_kafka_service(fresh.sys, "127.0.0.1", node.port);
  ASSERT_TRUE(service) << describe(service.error());
  caf::scoped_actor s2{fresh.sys};
  bool pong = false;
  s2->request(*service, std::chrono::seconds{30}, ping_atom_v)
    .receive([&](int32_t) { pong = true; }, [](caf::error&) {});
  EXPECT_TRUE(pong);
  caf::anon_send_exit(*service, caf::exit_reason::user_shutdown);
  EXPECT_EQ(node.stop(SIGTERM), 0);
}
