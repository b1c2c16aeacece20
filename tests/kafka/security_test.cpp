// Security on real brokers: SCRAM logins, TLS certificate checks, and secrets kept out of
// every text a user or a log sees. The suite starts three brokers of its own once, in
// parallel (scripts/kafka start --security scram|ssl|scram-ssl, each with its own state dir
// and ports), and stops them at the end. ctest runs the suite as one test (security_test),
// so the brokers start once per run, not once per test.
//
// Ports: KAFKA_ACTORS_SECURITY_PORT_BASE (default 28400), +0 scram, +2 ssl, +4 scram-ssl
// (a retry: +10 per attempt)
// (each broker also takes the port after its own). State dirs: <prefix>-<flavour>, the prefix
// KAFKA_ACTORS_SECURITY_STATE (default /tmp/kafka-actors-security); fixed like the ports, so
// a run killed on timeout leaves brokers the next run stops first. Runs only where the
// real-broker tests run (KAFKA_ACTORS_BOOTSTRAP set, as `scripts/kafka run` does).

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include <caf/deep_to_string.hpp>

#include "kafka_actors/runtime/properties.hpp"
#include "kafka_actors/runtime/rdkafka_handles.hpp"
#include "kafka_actors/runtime/reaper.hpp"
#include "support/service_fixture.hpp"

using namespace kafka_actors;
using namespace kafka_actors::test;
using namespace std::chrono_literals;

namespace {

constexpr const char* canary = "CANARY-s3cr3t-91f0";
const char* const flavours[] = {"scram", "ssl", "scram-ssl"};

struct broker {
  std::string state;     // the broker's KAFKA_ACTORS_STATE
  std::string bootstrap; // empty if it did not start
  std::string port;      // its client port
  std::string start_log; // what `start` printed on stderr
};

// Runs a shell command; returns its stdout.
std::string shell(const std::string& cmd) {
  std::string out;
  if (auto p = ::popen(cmd.c_str(), "r")) {
    char buf[512];
    while (auto n = std::fread(buf, 1, sizeof(buf), p))
      out.append(buf, n);
    ::pclose(p);
  }
  return out;
}

std::string read_file(const std::string& path) {
  std::ifstream in{path};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

size_t count_of(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (auto i = text.find(needle); i != std::string::npos; i = text.find(needle, i + 1))
    ++n;
  return n;
}

bool contains(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// Every librdkafka log line kafka-actors routes, for the whole suite: handles of one test may
// still log from the reaper after it ended, so the sink never points into a test's frame.
struct log_capture {
  std::mutex mx;
  std::vector<std::string> lines;

  void add(int level, const std::string& line) {
    std::lock_guard<std::mutex> guard{mx};
    lines.push_back(std::to_string(level) + " " + line);
  }
  std::string all() {
    std::lock_guard<std::mutex> guard{mx};
    std::string out;
    for (auto& l : lines)
      out += l + "\n";
    return out;
  }
  void clear() {
    std::lock_guard<std::mutex> guard{mx};
    lines.clear();
  }
};

log_capture& captured() {
  static log_capture c;
  return c;
}

class security_test : public service_fixture {
protected:
  static inline bool enabled = false;
  static inline std::map<std::string, broker> brokers;
  /// Every state dir a start used (retries have their own), to stop and remove at the end.
  static inline std::vector<std::string> state_dirs;

  static std::string script_env(const broker& b, int port_base) {
    return "KAFKA_ACTORS_STATE='" + b.state + "' KAFKA_ACTORS_PORT_BASE="
           + std::to_string(port_base) + " " + KAFKA_ACTORS_SCRIPT;
  }

  // Below the ephemeral range (32768..60999 here): a client's outgoing connection never
  // holds a port a broker is about to bind. A retry (attempt > 0) gets ports of its own.
  static int port_base_of(size_t i, int attempt = 0) {
    auto env = std::getenv("KAFKA_ACTORS_SECURITY_PORT_BASE");
    return (env && *env ? std::atoi(env) : 28400) + 2 * static_cast<int>(i) + 10 * attempt;
  }

  static void SetUpTestSuite() {
    auto env = std::getenv("KAFKA_ACTORS_BOOTSTRAP");
    if (!env || !*env)
      return; // SetUp skips every test
    enabled = true;
    auto prefix_env = std::getenv("KAFKA_ACTORS_SECURITY_STATE");
    auto prefix = prefix_env && *prefix_env ? std::string{prefix_env}
                                            : std::string{"/tmp/kafka-actors-security"};
    // A loaded machine (two cores, three JVMs starting) needs more than the default 60 s.
    auto start_cmd = [](size_t i, int attempt) {
      auto& b = brokers[flavours[i]];
      auto port = port_base_of(i, attempt);
      state_dirs.push_back(b.state);
      return "(" + script_env(b, port) + " stop >/dev/null 2>&1; mkdir -p '" + b.state
             + "' && KAFKA_ACTORS_START_TIMEOUT=120 " + script_env(b, port) + " start --security "
             + flavours[i] + " >'" + b.state + "/start.out' 2>'" + b.state + "/start.err')";
    };
    auto collect = [](size_t i) {
      auto& b = brokers[flavours[i]];
      auto out = read_file(b.state + "/start.out");
      b.bootstrap = out.substr(0, out.find('\n'));
      b.start_log += read_file(b.state + "/start.err");
      return !b.bootstrap.empty();
    };
    // All three at once: a broker start is mostly JVM warm-up and waiting.
    std::string cmd;
    for (size_t i = 0; i < std::size(flavours); ++i) {
      auto& b = brokers[flavours[i]];
      b.state = prefix + "-" + flavours[i];
      b.port = std::to_string(port_base_of(i));
      cmd += start_cmd(i, 0) + " & ";
    }
    auto t0 = std::chrono::steady_clock::now();
    shell(cmd + "wait");
    // Three JVMs at once on a loaded machine can still miss the deadline, and CI saw the
    // scram-ssl broker JVM exit at start with status 1 and an empty log, twice in a row, three
    // times in all (never by hand): those get two more starts, each in a fresh state dir on
    // ports of its own, so nothing of the failed start is reused (the first one's log stays
    // for a look).
    std::vector<bool> up(std::size(flavours));
    for (size_t i = 0; i < std::size(flavours); ++i)
      up[i] = collect(i);
    for (int attempt = 1; attempt <= 2; ++attempt) {
      std::string again;
      for (size_t i = 0; i < std::size(flavours); ++i)
        if (!up[i]) {
          auto& b = brokers[flavours[i]];
          b.state = prefix + "-" + flavours[i] + "-retry" + std::to_string(attempt);
          b.port = std::to_string(port_base_of(i, attempt));
          again += start_cmd(i, attempt) + " & ";
        }
      if (again.empty())
        break;
      shell(again + "wait");
      for (size_t i = 0; i < std::size(flavours); ++i)
        if (!up[i])
          up[i] = collect(i);
    }
    std::printf("[ figures  ] scram, ssl and scram-ssl brokers started in %lld ms\n",
                static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                         std::chrono::steady_clock::now() - t0)
                                         .count()));
    set_librdkafka_log_sink([](int level, const std::string& line) {
      captured().add(level, line);
    });
  }

  static void TearDownTestSuite() {
    if (!enabled)
      return;
    await_reaper(); // the last handles log no more
    set_librdkafka_log_sink({});
    std::string cmd;
    for (auto& dir : state_dirs)
      cmd += "(KAFKA_ACTORS_STATE='" + dir + "' " + KAFKA_ACTORS_SCRIPT
             + " stop >/dev/null 2>&1; rm -rf '" + dir + "') & ";
    shell(cmd + "wait");
  }

  void SetUp() override {
    if (!enabled)
      GTEST_SKIP() << "no real broker: run under scripts/kafka run -- ctest";
    captured().clear();
  }

  // The bootstrap of `flavour`'s broker; fails the test if it did not start.
  const broker& of(const std::string& flavour) {
    auto& b = brokers[flavour];
    EXPECT_FALSE(b.bootstrap.empty()) << flavour << " broker did not start:\n" << b.start_log;
    return b;
  }

  std::string ca_of(const std::string& flavour) {
    return brokers[flavour].state + "/ca.pem";
  }

  static properties scram(const std::string& user, const std::string& password,
                          const std::string& mechanism = "SCRAM-SHA-512") {
    return {{"security.protocol", "SASL_PLAINTEXT"},
            {"sasl.mechanisms", mechanism},
            {"sasl.username", user},
            {"sasl.password", password}};
  }

  properties tls(const std::string& ca) {
    return {{"security.protocol", "SSL"}, {"ssl.ca.location", ca}};
  }

  // An actor system without a service: for clients spawned directly.
  void start_system() {
    sys_cfg = std::make_unique<actor_system_config>();
    sys = std::make_unique<caf::actor_system>(*sys_cfg);
    self = std::make_unique<caf::scoped_actor>(*sys);
  }

  // Failed logins the broker saw so far (it logs every one, librdkafka only the first two).
  size_t failed_logins(const std::string& flavour) {
    return count_of(read_file(brokers[flavour].state + "/logs/broker-1.log"),
                    "Failed authentication");
  }

  // Produces and consumes `n` records through the service on `bootstrap`.
  void round_trip(const std::string& bootstrap, size_t n) {
    start(bootstrap);
    auto topic = unique_topic("secured");
    auto err = create_topic(topic_config{topic, 2, 1, {}});
    ASSERT_FALSE(err) << describe(err);
    collector got;
    auto id = subscribe(subscription{{topic}, unique_topic("secured-group"), got.handler()});
    ASSERT_TRUE(id) << describe(id.error());
    std::string first_error;
    EXPECT_EQ(send(numbered(topic, "s", 0, n), &first_error), 0u) << first_error;
    ASSERT_TRUE(got.wait_for(n, 60s)) << got.distinct() << " of " << n;
    EXPECT_EQ(got.duplicates(), 0u);
  }

  // Sends one record through a producer spawned for `c`; returns the error text (empty: ok).
  std::string send_direct(const kafka_config& c, const std::string& topic,
                          std::chrono::milliseconds* took = nullptr) {
    auto p = spawn_producer(*sys, c);
    if (!p)
      return "spawn: " + describe(p.error());
    std::string out;
    auto t0 = std::chrono::steady_clock::now();
    (*self)->request(*p, call_timeout, send_atom_v, message{topic, "x"})
      .receive([](delivery_report&) {}, [&](caf::error& err) { out = describe(err); });
    if (took)
      *took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - t0);
    (*self)->request(*p, call_timeout, stop_atom_v).receive([](uint64_t) {}, [](caf::error&) {});
    return out;
  }
};

} // namespace

TEST_F(security_test, scram_sha_512_login_produces_and_consumes_through_the_service) {
  auto& b = of("scram");
  ASSERT_FALSE(b.bootstrap.empty());
  cfg.security = scram("alice", "alice-secret");
  round_trip(b.bootstrap, 500);
  // The other mechanism the broker offers logs in as well.
  auto c = cfg;
  c.security = scram("bob", "bob-secret", "SCRAM-SHA-256");
  c.bootstrap_servers = b.bootstrap;
  auto topic = unique_topic("sha256");
  ASSERT_FALSE(create_topic(topic_config{topic, 1, 1, {}}));
  EXPECT_EQ(send_direct(c, topic), "");
}

TEST_F(security_test, wrong_password_fails_pending_sends_at_once_opens_breaker_and_backs_off) {
  auto& b = of("scram");
  ASSERT_FALSE(b.bootstrap.empty());
  cfg.bootstrap_servers = b.bootstrap;
  cfg.security = scram("alice", "not-alice-secret");
  // Open long enough that no probe starts during the measurement below.
  cfg.producer_breaker = breaker_config{3, 1.0, 10, 60000ms, 1};
  start_system();
  auto before = failed_logins("scram");
  auto p = spawn_producer(*sys, cfg);
  ASSERT_TRUE(p) << describe(p.error());
  auto topic = unique_topic("never-written");
  // Handed over before the first login fails: they must fail then, not after
  // message.timeout.ms (300 s by default).
  auto t0 = std::chrono::steady_clock::now();
  batch_report rep;
  (*self)->request(*p, call_timeout, send_atom_v, numbered(topic, "w", 0, 100))
    .receive([&](batch_report& r) { rep = std::move(r); },
             [&](caf::error& err) { FAIL() << describe(err); });
  auto to_error = std::chrono::steady_clock::now() - t0;
  ASSERT_EQ(rep.results.size(), 100u);
  for (auto& r : rep.results) {
    EXPECT_FALSE(r.ok());
    EXPECT_TRUE(contains(lower(r.error), "authentication")) << r.error;
  }
  EXPECT_LT(to_error, 5s);
  std::printf("[ figures  ] wrong password: 100 pending sends failed after %lld ms: %s\n",
              static_cast<long long>(
                std::chrono::duration_cast<std::chrono::milliseconds>(to_error).count()),
              rep.results[0].error.c_str());
  producer_status st;
  (*self)->request(*p, call_timeout, status_atom_v)
    .receive([&](producer_status& s) { st = std::move(s); }, [](caf::error&) {});
  EXPECT_EQ(st.breaker, "open");
  EXPECT_TRUE(contains(st.last_error, "_AUTHENTICATION")) << st.last_error;
  EXPECT_EQ(st.failed, 100u);
  // While open, a new send is refused at once, naming the failed login.
  auto t1 = std::chrono::steady_clock::now();
  caf::error refused;
  (*self)->request(*p, call_timeout, send_atom_v, message{topic, "late"})
    .receive([](delivery_report&) {}, [&](caf::error& err) { refused = std::move(err); });
  EXPECT_LT(std::chrono::steady_clock::now() - t1, 500ms);
  EXPECT_EQ(code_of(refused), errc::circuit_open) << describe(refused);
  EXPECT_TRUE(contains(lower(describe(refused)), "authentication")) << describe(refused);
  // No tight reconnect loop: librdkafka backs off exponentially (4 logins in 10 s measured
  // here); a loop at reconnect.backoff.ms would try 100 times. The wait ends early if it
  // exceeds the bound.
  constexpr size_t bound = 8;
  auto t_window = std::chrono::steady_clock::now();
  EXPECT_FALSE(await([&] { return failed_logins("scram") - before > bound; },
                     10s - std::chrono::duration_cast<std::chrono::milliseconds>(
                             t_window - t0)));
  auto attempts = failed_logins("scram") - before;
  EXPECT_GE(attempts, 1u); // the count sees the logins at all
  std::printf("[ figures  ] wrong password: %zu failed logins in 10 s (broker log)\n", attempts);
  (*self)->request(*p, call_timeout, stop_atom_v).receive([](uint64_t) {}, [](caf::error&) {});
}

TEST_F(security_test, wrong_password_fails_consumer_ready_and_reports_failure_within_seconds) {
  auto& b = of("scram");
  ASSERT_FALSE(b.bootstrap.empty());
  cfg.security = scram("alice", "not-alice-secret");
  cfg.flow.drain_timeout = 1000ms;
  cfg.flow.stop_timeout = 3000ms;
  start(b.bootstrap);
  auto id = subscribe(subscription{{unique_topic("unreadable")}, "wrong-password-group",
                                   [](const record&) -> caf::error { return caf::none; }});
  ASSERT_TRUE(id) << describe(id.error());
  auto t0 = std::chrono::steady_clock::now();
  caf::error failure;
  bool ready = false;
  (*self)->request(service, call_timeout, ready_atom_v, *id)
    .receive([&](bool) { ready = true; }, [&](caf::error& err) { failure = std::move(err); });
  auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_FALSE(ready);
  EXPECT_LT(took, 5s);
  EXPECT_TRUE(contains(lower(describe(failure)), "authentication")) << describe(failure);
  auto cs = status().consumers[*id];
  EXPECT_EQ(cs.failure.rfind("authentication: ", 0), 0u) << cs.failure;
  std::printf("[ figures  ] wrong password: consumer not ready after %lld ms: %s\n",
              static_cast<long long>(
                std::chrono::duration_cast<std::chrono::milliseconds>(took).count()),
              describe(failure).c_str());
}

TEST_F(security_test, ssl_with_the_right_ca_produces_and_consumes) {
  auto& b = of("ssl");
  ASSERT_FALSE(b.bootstrap.empty());
  cfg.security = tls(ca_of("ssl"));
  round_trip(b.bootstrap, 500);
}

TEST_F(security_test, sasl_ssl_login_produces_and_consumes) {
  auto& b = of("scram-ssl");
  ASSERT_FALSE(b.bootstrap.empty());
  cfg.security = scram("alice", "alice-secret");
  cfg.security["security.protocol"] = "SASL_SSL";
  cfg.security["ssl.ca.location"] = ca_of("scram-ssl");
  round_trip(b.bootstrap, 200);
}

TEST_F(security_test, ssl_refusals_tell_an_unknown_ca_from_a_hostname_mismatch) {
  auto& b = of("ssl");
  ASSERT_FALSE(b.bootstrap.empty());
  // A CA that signed nothing the broker has.
  auto other_ca = brokers["ssl"].state + "/other-ca.pem";
  shell("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 "
        "-subj /CN=unrelated -keyout /dev/null -out '" + other_ca + "' 2>/dev/null");
  ASSERT_TRUE(contains(read_file(other_ca), "BEGIN CERTIFICATE"));
  start_system();
  struct refusal {
    const char* name;
    std::string bootstrap;
    std::string ca;
    const char* expected;
  };
  // 127.1 reaches the broker (it is 127.0.0.1) by a name its certificate does not list.
  refusal cases[] = {
    {"unknown CA", b.bootstrap, other_ca, "unknown CA (x509 error 20)"},
    {"hostname mismatch", "127.1:" + b.port, ca_of("ssl"), "hostname mismatch (x509 error 62)"},
  };
  std::map<std::string, std::string> texts;
  for (auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto kc = cfg;
    kc.bootstrap_servers = c.bootstrap;
    kc.security = tls(c.ca);
    kc.flow.drain_timeout = 1000ms;
    kc.flow.stop_timeout = 3000ms;
    // The consumer: ready fails, and its status names the refusal.
    auto consumer = spawn_consumer(*sys, kc,
                                   subscription{{"any-topic"}, "tls-group",
                                                [](const record&) -> caf::error {
                                                  return caf::none;
                                                }});
    ASSERT_TRUE(consumer) << describe(consumer.error());
    caf::error failure;
    (*self)->request(*consumer, call_timeout, ready_atom_v)
      .receive([](bool) {}, [&](caf::error& err) { failure = std::move(err); });
    consumer_status cs;
    (*self)->request(*consumer, call_timeout, status_atom_v)
      .receive([&](consumer_status& s) { cs = std::move(s); }, [](caf::error&) {});
    EXPECT_TRUE(contains(describe(failure), c.expected)) << describe(failure);
    EXPECT_TRUE(contains(cs.failure, c.expected)) << cs.failure;
    EXPECT_TRUE(contains(cs.last_error, c.expected)) << cs.last_error;
    (*self)->request(*consumer, call_timeout, stop_atom_v)
      .receive([](consumer_status&) {}, [](caf::error&) {});
    // The producer: the send fails at once (not after message.timeout.ms), naming it.
    std::chrono::milliseconds took{0};
    auto sent = send_direct(kc, "any-topic", &took);
    EXPECT_TRUE(contains(sent, c.expected)) << sent;
    EXPECT_LT(took, 5000ms);
    texts[c.name] = describe(failure);
    std::printf("[ figures  ] %s: producer failed after %lld ms; consumer: %s\n", c.name,
                static_cast<long long>(took.count()), describe(failure).c_str());
  }
  // librdkafka's own text is the same for both ("certificate verify failed"): ours differ.
  EXPECT_FALSE(contains(texts["unknown CA"], "x509 error 62"));
  EXPECT_FALSE(contains(texts["hostname mismatch"], "x509 error 20"));
}

TEST_F(security_test, canary_secret_never_appears_in_logs_status_replies_or_errors) {
  auto& b = of("scram-ssl");
  ASSERT_FALSE(b.bootstrap.empty());
  // All three must be secrets for the config loader and the property errors.
  EXPECT_TRUE(is_secret_key("sasl.password"));
  EXPECT_TRUE(is_secret_key("ssl.key.password"));
  EXPECT_TRUE(is_secret_key("sasl.oauthbearer.config"));
  std::string texts;
  // The canary is the (wrong) password, the key password and the token; librdkafka logs all
  // it does (debug), its configuration dump included.
  cfg.security = {{"security.protocol", "SASL_SSL"},
                  {"ssl.ca.location", ca_of("scram-ssl")},
                  {"sasl.mechanisms", "SCRAM-SHA-512"},
                  {"sasl.username", "alice"},
                  {"sasl.password", canary},
                  {"ssl.key.password", canary},
                  {"sasl.oauthbearer.config", std::string{"principal=alice token="} + canary}};
  cfg.client["debug"] = "generic,broker,security,conf,protocol";
  cfg.producer_breaker = breaker_config{3, 1.0, 10, 60000ms, 1};
  cfg.flow.drain_timeout = 1000ms;
  cfg.flow.stop_timeout = 3000ms;
  cfg.connect_timeout = 2000ms; // the admin's answer to create_topic below
  start(b.bootstrap);
  auto id = subscribe(subscription{{unique_topic("canary")}, "canary-group",
                                   [](const record&) -> caf::error { return caf::none; }});
  ASSERT_TRUE(id) << describe(id.error());
  (*self)->request(service, call_timeout, ready_atom_v, *id)
    .receive([](bool) { ADD_FAILURE() << "ready with a wrong password"; },
             [&](caf::error& err) { texts += describe(err) + "\n"; });
  (*self)->request(service, call_timeout, send_atom_v, numbered("canary-topic", "c", 0, 10))
    .receive(
      [&](batch_report& rep) {
        for (auto& r : rep.results)
          texts += r.error + "\n";
      },
      [&](caf::error& err) { texts += describe(err) + "\n"; });
  texts += describe(send_one(message{"canary-topic", "refused"})) + "\n";
  texts += caf::deep_to_string(status()) + "\n";
  auto err = create_topic(topic_config{unique_topic("canary-topic"), 1, 1, {}});
  texts += describe(err) + "\n";
  // Rejected configurations name the key, never the value.
  auto bad = cfg;
  bad.bootstrap_servers = b.bootstrap;
  bad.security["ssl.key.pem"] = canary; // not a key: librdkafka refuses it
  auto p = spawn_producer(*sys, bad);
  EXPECT_FALSE(p);
  if (!p)
    texts += describe(p.error()) + "\n";
  auto json = std::string{R"({"bootstrap.servers": "127.0.0.1:1", "security": {)"}
              + R"("sasl.password": ")" + canary + R"(", "ssl.key.password": ")" + canary
              + R"(", "sasl.oauthbearer.config": ")" + canary + R"(", "ssl.no.such.key": "x"}})";
  auto loaded = kafka_config::from_json(json, "canary.json");
  EXPECT_FALSE(loaded);
  if (!loaded)
    texts += describe(loaded.error()) + "\n";
  // The texts are there (the check is not vacuous) and free of the canary.
  EXPECT_TRUE(contains(lower(texts), "authentication")) << texts;
  EXPECT_FALSE(contains(texts, canary)) << texts;
  await_reaper();
  auto logs = captured().all();
  EXPECT_TRUE(contains(logs, "sasl.password")) << "the configuration dump was not captured";
  EXPECT_TRUE(contains(logs, "SASL authentication error")) << "no login failure logged";
  EXPECT_FALSE(contains(logs, canary)) << "in the librdkafka log";
  std::printf("[ figures  ] canary: %zu log lines and %zu bytes of status/error texts checked\n",
              static_cast<size_t>(std::count(logs.begin(), logs.end(), '\n')), texts.size());
}
