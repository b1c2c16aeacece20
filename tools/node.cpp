// kafka-actors node: a KafkaService published over CAF's middleman until SIGINT/SIGTERM.

#include <csignal>
#include <cstdlib>
#include <iostream>

#include <pthread.h>

#include <caf/scoped_actor.hpp>

#include "kafka_actors/actors/kafka_service.hpp"
#include "kafka_actors/actors/node.hpp"
#include "tools/cli.hpp"

namespace kafka_actors::cli {

namespace {

const char* node_usage = R"(usage: kafka-actors node --port PORT [options]

Runs a KafkaService and publishes it on PORT (0: a free one, printed on stdout) for C++
programs that connect with connect_kafka_service(sys, host, port) (docs/NODES.md). Runs until
SIGINT or SIGTERM, then stops in order: consumers commit what was acknowledged, producers
flush; exit 0.

options:
  --port PORT      TCP port to listen on, 0..65535
  --bind ADDRESS   address to listen on (default 127.0.0.1; 0.0.0.0 for every interface:
                   without TLS, BASP has no authentication: only on a network you trust)
  -b, --bootstrap HOST:PORT,...  brokers (default: the embedded cluster, which lives as long
                   as the node)
  --config FILE    kafka-actors JSON config
  --tls-cert FILE  TLS between nodes (TLS 1.2, certificates checked both ways): this node's
  --tls-key FILE   certificate and key (PEM; the key's passphrase, if any, from
  --tls-ca FILE    $KAFKA_ACTORS_TLS_PASSPHRASE) and the CA file that signs its clients'
                   certificates. All three or none; with them, only TLS clients connect
  -h, --help       this text
)";

} // namespace

int node(const std::vector<std::string>& argv) {
  args a{argv,
         {{"-h"}, {"-b", "--config", "--port", "--bind", "--tls-cert", "--tls-key", "--tls-ca"},
          {}, {}}};
  if (a.has("-h")) {
    std::cout << node_usage;
    return 0;
  }
  if (!a.has("--port"))
    throw usage_error("missing --port PORT (0 for a free one)");
  auto port = static_cast<uint16_t>(a.number("--port", 0, 0, 65535));
  auto bind = a.get("--bind", "127.0.0.1");
  int tls_opts = (a.has("--tls-cert") ? 1 : 0) + (a.has("--tls-key") ? 1 : 0)
                 + (a.has("--tls-ca") ? 1 : 0);
  if (tls_opts != 0 && tls_opts != 3)
    throw usage_error("TLS needs all of --tls-cert, --tls-key and --tls-ca");
  actor_system_config sys_cfg;
  bool tls = tls_opts == 3;
  if (tls) {
    node_tls t;
    t.certificate = a.get("--tls-cert");
    t.key = a.get("--tls-key");
    t.ca_file = a.get("--tls-ca");
    if (auto pass = std::getenv("KAFKA_ACTORS_TLS_PASSPHRASE"))
      t.passphrase = pass;
    if (auto err = sys_cfg.with_tls(t))
      return report("node", err);
  }
  sys_cfg.with_network();
  auto cfg = load_config(a);
  if (!cfg)
    return report("node", cfg.error());
  // SIGINT and SIGTERM are blocked in every thread (CAF's and librdkafka's inherit the mask)
  // and taken by sigwait below: stopping in order happens on this thread, not in a handler.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  // A shell starts background jobs with SIGINT ignored, and an ignored signal never reaches
  // sigwait: take both back first.
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  caf::actor_system sys{sys_cfg};
  auto service = spawn_kafka_service(sys, *cfg);
  if (!service)
    return report("node", service.error());
  caf::scoped_actor self{sys};
  int rc = 0;
  self->request(*service, call_timeout, ping_atom_v)
    .receive([](int32_t) {}, [&](caf::error& err) { rc = report("node", err); });
  if (rc != 0) {
    self->request(*service, call_timeout, stop_all_atom_v)
      .receive([](bool) {}, [](caf::error&) {});
    return rc;
  }
  auto bound = publish_node(sys, *service, bind, port);
  if (!bound) {
    self->request(*service, call_timeout, stop_all_atom_v)
      .receive([](bool) {}, [](caf::error&) {});
    return report("node", bound.error());
  }
  std::cout << *bound << std::endl; // for scripts that asked for port 0
  std::cerr << "kafka-actors node: KafkaService published on " << bind << ":" << *bound
            << " (protocol v" << node_protocol_version << (tls ? ", TLS" : ", no TLS")
            << "); SIGINT or SIGTERM stops it\n";
  int sig = 0;
  sigwait(&stop_signals, &sig);
  std::cerr << "kafka-actors node: " << (sig == SIGINT ? "SIGINT" : "SIGTERM")
            << ": stopping (consumers commit, producers flush)\n";
  self->request(*service, call_timeout, stop_all_atom_v)
    .receive([](bool) {},
             [&](caf::error& err) { rc = report("node", err); });
  if (rc == 0)
    std::cerr << "kafka-actors node: stopped\n";
  return rc;
}

} // namespace kafka_actors::cli
