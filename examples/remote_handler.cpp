// A remote handler: this process handles records that a consumer on another node (the
// KafkaService of `kafka-actors node --port P`) takes from Kafka. Records, acknowledgements
// and credit cross the connection; the node never has more records out than this process
// granted, and if this process dies, what it had not acknowledged goes to the next handler
// that subscribes for the same group (run this program again).
//
//   kafka-actors node --port 4242 &
//   example_node_client 127.0.0.1 4242 1000          # puts 1,000 records on topic from-b
//   example_remote_handler 127.0.0.1 4242 from-b g1 --count 1000
//
// Options: --ledger FILE appends "partition offset content" per record (before it is
// acknowledged), --credit N (records granted; default 100), --delay-ms D per record,
// --count N to exit once N records were handled (else until SIGINT or SIGTERM),
// --tls-cert FILE --tls-key FILE --tls-ca FILE for a node with TLS (docs/NODES.md).

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <iostream>
#include <string>
#include <thread>

#include <fcntl.h>
#include <unistd.h>

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>

#include <kafka_actors/kafka_actors.hpp>

namespace {

int usage() {
  std::cerr << "usage: example_remote_handler HOST PORT TOPIC GROUP [--ledger FILE] "
               "[--credit N] [--delay-ms D] [--count N] [--tls-cert F --tls-key F --tls-ca F]\n";
  return 2;
}

bool parse_int(const char* s, long long min, long long& out) {
  char* end = nullptr;
  errno = 0;
  auto v = std::strtoll(s, &end, 10);
  if (errno != 0 || end == s || *end != '\0' || v < min)
    return false;
  out = v;
  return true;
}

} // namespace

int main(int argc, char** argv) {
  using namespace kafka_actors;
  if (argc < 5)
    return usage();
  std::string host = argv[1];
  long long port = 0, credit = 100, delay_ms = 0, count = 0;
  if (!parse_int(argv[2], 1, port) || port > 65535) {
    std::cerr << "example_remote_handler: PORT '" << argv[2] << "' is not a port\n";
    return 2;
  }
  std::string topic = argv[3], group = argv[4], ledger;
  node_tls tls;
  for (int i = 5; i < argc; ++i) {
    std::string opt = argv[i];
    if (i + 1 >= argc)
      return usage();
    const char* val = argv[++i];
    bool ok = true;
    if (opt == "--ledger")
      ledger = val;
    else if (opt == "--credit")
      ok = parse_int(val, 1, credit);
    else if (opt == "--delay-ms")
      ok = parse_int(val, 0, delay_ms);
    else if (opt == "--count")
      ok = parse_int(val, 1, count);
    else if (opt == "--tls-cert")
      tls.certificate = val;
    else if (opt == "--tls-key")
      tls.key = val;
    else if (opt == "--tls-ca")
      tls.ca_file = val;
    else
      return usage();
    if (!ok) {
      std::cerr << "example_remote_handler: " << opt << " '" << val << "' is out of range\n";
      return 2;
    }
  }
  int fd = -1;
  if (!ledger.empty()) {
    fd = ::open(ledger.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) {
      std::cerr << "example_remote_handler: cannot open ledger " << ledger << ": "
                << std::strerror(errno) << "\n";
      return 1;
    }
  }
  // SIGINT and SIGTERM are taken below, not by CAF's threads.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
  actor_system_config sys_cfg;
  if (!tls.certificate.empty() || !tls.key.empty() || !tls.ca_file.empty()) {
    if (auto err = sys_cfg.with_tls(tls)) {
      std::cerr << "example_remote_handler: " << describe(err) << "\n";
      return 2;
    }
  }
  sys_cfg.with_network();
  caf::actor_system sys{sys_cfg};
  auto service = connect_kafka_service(sys, host, static_cast<uint16_t>(port));
  if (!service) {
    std::cerr << describe(service.error()) << "\n";
    return 1;
  }
  caf::scoped_actor self{sys};
  self->request(*service, std::chrono::seconds{30}, create_topic_atom_v,
                topic_config{topic, 3, 1, {}})
    .receive([](bool) {}, [](caf::error&) {}); // topic_already_exists is fine
  std::atomic<long long> handled{0};
  auto handler = spawn_remote_record_handler(
    sys,
    [&](const remote_record& r) -> caf::error {
      if (delay_ms > 0)
        std::this_thread::sleep_for(std::chrono::milliseconds{delay_ms});
      if (fd >= 0) {
        auto line = std::to_string(r.partition()) + " " + std::to_string(r.offset()) + " "
                    + std::string{r.payload()} + "\n";
        if (::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size()))
          return make_error(errc::handler_failed, "cannot write the ledger");
      }
      ++handled;
      return {};
    },
    credit);
  remote_subscription rs;
  rs.topics = {topic};
  rs.group = group;
  rs.handler = handler;
  int rc = 0;
  // A handler that died a moment ago may still count as live until the node notices the
  // lost connection: ask again for a while when that is the answer.
  auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds{30};
  for (bool again = true; again;) {
    again = false;
    self->request(*service, std::chrono::seconds{60}, subscribe_atom_v, rs)
      .receive([&](uint64_t id) { std::cout << "subscribed " << id << std::endl; },
               [&](const caf::error& e) {
                 auto text = describe(e);
                 if (text.find("live handler") != std::string::npos
                     && std::chrono::steady_clock::now() < give_up) {
                   again = true;
                   std::this_thread::sleep_for(std::chrono::milliseconds{200});
                   return;
                 }
                 std::cerr << text << "\n";
                 rc = 1;
               });
  }
  if (rc == 0) {
    timespec tick{0, 100'000'000};
    while (count == 0 || handled.load() < count) {
      if (sigtimedwait(&sigs, nullptr, &tick) > 0)
        break;
    }
    std::cout << "handled " << handled.load() << " records" << std::endl;
  }
  caf::anon_send_exit(handler, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(*service, caf::exit_reason::user_shutdown);
  if (fd >= 0)
    ::close(fd);
  return rc;
}
