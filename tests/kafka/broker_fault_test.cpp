// A real broker that dies and comes back: the producer breaker opens, sends fail fast, a probe
// closes it again, and no acknowledged record is lost. The test runs a broker of its own (on
// other ports) so the shared broker of the other tests stays up.

#include <cstdio>
#include <cstdlib>
#include <set>

#include "support/service_fixture.hpp"

using namespace kafka_actors;
using namespace kafka_actors::test;
using namespace std::chrono_literals;

namespace {

class broker_fault_test : public service_fixture {
protected:
  void SetUp() override {
    auto env = std::getenv("KAFKA_ACTORS_BOOTSTRAP");
    if (!env || !*env)
      GTEST_SKIP() << "no real broker: run under scripts/kafka run -- ctest";
    state_dir = "/tmp/kafka-actors-fault-" + std::to_string(::getpid());
    // Below the ephemeral range (32768..60999 here), so no client's outgoing connection
    // holds the port when the broker binds it.
    prefix = "KAFKA_ACTORS_PORT_BASE=28192 KAFKA_ACTORS_STATE=" + state_dir + " "
             + KAFKA_ACTORS_SCRIPT + " ";
    auto err_path = state_dir + ".start.err";
    auto out = script("start 2>'" + err_path + "'");
    std::string err;
    if (auto f = std::fopen(err_path.c_str(), "r")) {
      char buf[256];
      while (auto n = std::fread(buf, 1, sizeof(buf), f))
        err.append(buf, n);
      std::fclose(f);
    }
    std::remove(err_path.c_str());
    ASSERT_FALSE(out.empty()) << "own broker did not start:\n" << err;
    own_bootstrap = out.substr(0, out.find('\n'));
  }

  void TearDown() override {
    service_fixture::TearDown();
    if (!prefix.empty()) // stops the own broker, then removes its logs and data
      script("stop >/dev/null 2>&1; rm -rf " + state_dir);
  }

  std::string script(const std::string& args) {
    std::string out;
    if (auto p = ::popen((prefix + args).c_str(), "r")) {
      char buf[256];
      while (auto n = std::fread(buf, 1, sizeof(buf), p))
        out.append(buf, n);
      ::pclose(p);
    }
    return out;
  }

  std::string state_dir;
  std::string prefix;
  std::string own_bootstrap;
};

} // namespace

TEST_F(broker_fault_test, producer_breaker_opens_when_the_broker_dies_and_closes_after) {
  cfg.producer_breaker = breaker_config{3, 1.0, 10, 1000ms, 1};
  start(own_bootstrap);
  auto topic = unique_topic("fault");
  ASSERT_FALSE(create_topic(topic_config{topic, 3, 1, {}}));
  std::set<std::string> acknowledged;
  auto note = [&](const message_batch& sent, const batch_report& rep) {
    for (size_t i = 0; i < rep.results.size(); ++i)
      if (rep.results[i].ok())
        acknowledged.insert(sent[i].content);
  };
  auto warm = numbered(topic, "warm", 0, 100);
  (*self)->request(service, call_timeout, send_atom_v, warm)
    .receive([&](batch_report& r) { note(warm, r); }, [&](caf::error& e) { FAIL() << describe(e); });
  ASSERT_EQ(acknowledged.size(), 100u);
  script("kill-broker 1 2>/dev/null");
  auto inflight = numbered(topic, "inflight", 0, 100);
  (*self)->send(service, send_atom_v, inflight);
  ASSERT_TRUE(await([&] { return status().producer.breaker == "open"; }, 30s));
  auto t_send = std::chrono::steady_clock::now();
  auto err = send_one(message{topic, "refused"});
  EXPECT_EQ(code_of(err), errc::circuit_open) << describe(err);
  EXPECT_LT(std::chrono::steady_clock::now() - t_send, 500ms);
  script("restart-broker 1 2>/dev/null");
  batch_report rep;
  (*self)->receive([&](batch_report& r) { rep = std::move(r); },
                   [&](caf::error& e) { ADD_FAILURE() << describe(e); });
  ASSERT_EQ(rep.results.size(), 100u);
  for (auto& r : rep.results) // delivered once the broker was back, or refused up front
    EXPECT_TRUE(r.ok() || r.error_code == -2) << r.error;
  note(inflight, rep);
  ASSERT_TRUE(await([&] { return !send_one(message{topic, "probe"}); },
    30s));
  EXPECT_EQ(status().producer.breaker, "closed");
  // Every acknowledged record is on the broker after the crash and restart.
  collector got;
  stop_on_exit stopper{*this}; // first to go: the handlers use the locals above
  ASSERT_TRUE(subscribe(subscription{{topic}, unique_topic("fault-group"), got.handler()}));
  ASSERT_TRUE(got.wait_for(acknowledged.size() + 1, 60s)); // + the probe
  for (auto& payload : acknowledged)
    EXPECT_TRUE(got.saw(payload)) << payload << " was acknowledged but is gone";
}
