// TLS between nodes (issue 13): `kafka-actors node --tls-cert/--tls-key/--tls-ca` and a
// client built with actor_system_config::with_tls. A client with a certificate of the right
// CA gets through; one of another CA, and one without TLS, are refused with a clear error
// and leave the node serving; unusable files are refused naming the file, before anything
// starts. Certificates are made per test run with the openssl command line.

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>

#include <sys/wait.h>

#include <caf/scoped_actor.hpp>
#include <gtest/gtest.h>

#include "kafka_actors/actors/node.hpp"
#include "kafka_actors/runtime/errors.hpp"
#include "kafka_actors/system_config.hpp"
#include "support/node_process.hpp"
#include "support/temp_dir.hpp"

using namespace kafka_actors;
using namespace kafka_actors::test;

namespace {

// A CA, a node and a client certificate it signed, and a rogue CA with a client of its own.
class tls_files {
public:
  tls_files() {
    auto d = dir_.path();
    std::string script =
      "cd '" + d + "' && "
      "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 "
      "-subj /CN=ka-test-ca && "
      "openssl req -x509 -newkey rsa:2048 -nodes -keyout rogue-ca.key -out rogue-ca.pem "
      "-days 2 -subj /CN=rogue-ca && "
      "for n in node client; do openssl req -newkey rsa:2048 -nodes -keyout $n.key -out $n.csr "
      "-subj /CN=$n && openssl x509 -req -in $n.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
      "-out $n.pem -days 2 || exit 1; done && "
      "openssl req -newkey rsa:2048 -nodes -keyout rogue.key -out rogue.csr -subj /CN=rogue && "
      "openssl x509 -req -in rogue.csr -CA rogue-ca.pem -CAkey rogue-ca.key -CAcreateserial "
      "-out rogue.pem -days 2";
    ok = std::system(("(" + script + ") >/dev/null 2>&1").c_str()) == 0;
  }
  std::string path(const std::string& name) const {
    return dir_.path() + "/" + name;
  }
  std::vector<std::string> node_args() const {
    return {"--tls-cert", path("node.pem"), "--tls-key", path("node.key"), "--tls-ca",
            path("ca.pem")};
  }
  node_tls client(const std::string& who = "client", const std::string& ca = "ca.pem") const {
    return node_tls{path(who + ".pem"), path(who + ".key"), path(ca), {}};
  }
  bool ok = false;

private:
  ka_test::temp_dir dir_;
};

// A client system: with TLS when `tls` is set.
struct client_system {
  explicit client_system(const node_tls* tls) {
    if (tls)
      error = cfg.with_tls(*tls);
    else
      cfg.with_network();
    if (!error)
      sys = std::make_unique<caf::actor_system>(cfg);
  }
  actor_system_config cfg;
  caf::error error;
  std::unique_ptr<caf::actor_system> sys;
};

// Sends 100 records through the node; the number delivered.
size_t send_through(caf::actor_system& sys, kafka_service_actor service) {
  caf::scoped_actor self{sys};
  message_batch batch;
  for (int i = 0; i < 100; ++i)
    batch.push_back(message{"tls", "r" + std::to_string(i), {}, std::to_string(i)});
  size_t ok = 0;
  self->request(service, std::chrono::seconds{60}, send_atom_v, std::move(batch))
    .receive([&](batch_report& rep) { ok = rep.results.size() - rep.failed(); },
             [](caf::error&) {});
  return ok;
}

} // namespace

TEST(node_tls, a_client_with_a_certificate_of_the_nodes_ca_gets_through) {
  tls_files files;
  ASSERT_TRUE(files.ok) << "openssl could not make the test certificates";
  auto good = files.client();
  client_system client{&good};
  ASSERT_FALSE(client.error) << describe(client.error);
  node_process node{files.node_args()};
  ASSERT_NE(node.port, 0) << "the node printed no port";
  auto service = connect_kafka_service(*client.sys, "127.0.0.1", node.port);
  ASSERT_TRUE(service) << describe(service.error());
  EXPECT_EQ(send_through(*client.sys, *service), 100u);
  caf::anon_send_exit(*service, caf::exit_reason::user_shutdown);
  EXPECT_EQ(node.stop(SIGTERM), 0);
}

TEST(node_tls, clients_of_another_ca_or_without_tls_are_refused_and_the_node_serves_on) {
  tls_files files;
  ASSERT_TRUE(files.ok) << "openssl could not make the test certificates";
  node_process node{files.node_args()};
  ASSERT_NE(node.port, 0);
  {
    // Its own CA trusts it, the node's does not.
    auto rogue = files.client("rogue", "rogue-ca.pem");
    client_system client{&rogue};
    ASSERT_FALSE(client.error) << describe(client.error);
    auto start = std::chrono::steady_clock::now();
    auto service = connect_kafka_service(*client.sys, "127.0.0.1", node.port);
    ASSERT_FALSE(service) << "a certificate of another CA got through";
    EXPECT_NE(describe(service.error()).find("TLS connection refused"), std::string::npos)
      << describe(service.error());
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds{10});
  }
  {
    // The right CA on the client's side, but a certificate the node does not trust.
    auto half = files.client("rogue", "ca.pem");
    client_system client{&half};
    ASSERT_FALSE(client.error) << describe(client.error);
    auto service = connect_kafka_service(*client.sys, "127.0.0.1", node.port);
    ASSERT_FALSE(service) << "a client certificate the node does not trust got through";
  }
  {
    client_system plain{nullptr};
    auto service = connect_kafka_service(*plain.sys, "127.0.0.1", node.port,
                                         std::chrono::milliseconds{2000});
    ASSERT_FALSE(service) << "a client without TLS got through";
    EXPECT_NE(describe(service.error()).find("TLS"), std::string::npos)
      << describe(service.error());
  }
  // The node is unharmed: a good client still gets through.
  auto good = files.client();
  client_system client{&good};
  auto service = connect_kafka_service(*client.sys, "127.0.0.1", node.port);
  ASSERT_TRUE(service) << describe(service.error());
  EXPECT_EQ(send_through(*client.sys, *service), 100u);
  caf::anon_send_exit(*service, caf::exit_reason::user_shutdown);
  EXPECT_EQ(node.stop(SIGTERM), 0);
}

TEST(node_tls, unusable_files_are_refused_naming_the_file) {
  tls_files files;
  ASSERT_TRUE(files.ok);
  {
    actor_system_config cfg;
    auto err = cfg.with_tls(node_tls{files.path("missing.pem"), files.path("client.key"),
                                     files.path("ca.pem"), {}});
    ASSERT_TRUE(err);
    EXPECT_NE(describe(err).find("missing.pem"), std::string::npos) << describe(err);
  }
  {
    actor_system_config cfg;
    auto err = cfg.with_tls(node_tls{files.path("client.pem"), files.path("node.key"),
                                     files.path("ca.pem"), {}});
    ASSERT_TRUE(err);
    EXPECT_NE(describe(err).find("does not match"), std::string::npos) << describe(err);
  }
  {
    actor_system_config cfg;
    auto err = cfg.with_tls(node_tls{files.path("ca.key"), files.path("client.key"),
                                     files.path("ca.pem"), {}});
    ASSERT_TRUE(err) << "a key file given as the certificate";
    EXPECT_NE(describe(err).find("ca.key is not a PEM certificate"), std::string::npos)
      << describe(err);
  }
  {
    actor_system_config cfg;
    auto err = cfg.with_tls(node_tls{files.path("client.pem"), files.path("client.key"), "", {}});
    ASSERT_TRUE(err);
    EXPECT_NE(describe(err).find("no CA file"), std::string::npos) << describe(err);
  }
  // The CLI: a bad file stops the node before it starts anything, naming the file.
  std::string cli = KAFKA_ACTORS_CLI;
  auto out = files.path("node.out");
  auto cmd = cli + " node --port 0 --tls-cert " + files.path("nope.pem") + " --tls-key "
             + files.path("node.key") + " --tls-ca " + files.path("ca.pem") + " >" + out
             + " 2>&1";
  auto rc = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(rc));
  EXPECT_NE(WEXITSTATUS(rc), 0);
  std::ifstream f{out};
  std::string text{std::istreambuf_iterator<char>{f}, std::istreambuf_iterator<char>{}};
  EXPECT_NE(text.find("nope.pem"), std::string::npos) << text;
  cmd = cli + " node --port 0 --tls-cert " + files.path("node.pem") + " >" + out + " 2>&1";
  rc = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(rc));
  EXPECT_EQ(WEXITSTATUS(rc), 2) << "half the TLS options is a usage error";
}
