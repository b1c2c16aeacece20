// The monitoring endpoint on the embedded mock cluster, scraped over real HTTP: counts and
// lag after a known workload, readiness while the brokers go away and come back, and an
// exposition promtool accepts.

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include <boost/json.hpp>

#include "support/gate.hpp"
#include "support/http.hpp"
#include "support/prometheus_server.hpp"
#include "support/monitored_fixture.hpp"

using namespace kafka_actors;
using namespace kafka_actors::test;
using namespace std::chrono_literals;

namespace {

class monitoring_test : public monitored_fixture {};

} // namespace

TEST_F(monitoring_test, scrape_shows_counts_and_committed_lag_of_a_paused_consumer) {
  // Little credit, so the stalled consumer runs out of it and pauses.
  cfg.flow.consumer_max_in_flight = 20;
  start_monitored();
  auto done_topic = unique_topic("mon-done");
  auto backlog_topic = unique_topic("mon-backlog");
  ASSERT_FALSE(create_topic(topic_config{done_topic, 2, 1, {}}));
  ASSERT_FALSE(create_topic(topic_config{backlog_topic, 1, 1, {}}));
  ASSERT_EQ(send(numbered(done_topic, "d", 0, 500)), 0u);
  ASSERT_EQ(send(numbered(backlog_topic, "b", 0, 200)), 0u);

  collector got;
  std::atomic<int> handled{0};
  gate stall;
  // On the way out: the gate opens, then everything stops, then the locals go.
  stop_on_exit stopper{*this};
  open_on_exit release{stall};
  auto fast = subscribe(subscription{{done_topic}, "mon-fast", got.handler()});
  ASSERT_TRUE(fast);
  // The slow group handles 30 records, then its handler stalls until the test ends.
  subscription slow{{backlog_topic}, "mon-slow", [&](const record&) -> caf::error {
                      if (handled.fetch_add(1) >= 30)
                        stall.pass();
                      return caf::none;
                    }};
  auto slow_id = subscribe(std::move(slow));
  ASSERT_TRUE(slow_id);
  ASSERT_TRUE(got.wait_for(500, long_wait)) << got.distinct();

  EXPECT_TRUE(await_metric("kafka_actors_producer_messages_delivered_total", {}, 700));
  EXPECT_TRUE(await_metric("kafka_actors_producer_messages_failed_total", {}, 0));
  EXPECT_TRUE(await_metric("kafka_actors_producer_ack_latency_seconds_count", {}, 700));
  EXPECT_TRUE(await_metric("kafka_actors_producer_ack_latency_seconds_bucket", {{"le", "+Inf"}},
                           700));
  EXPECT_TRUE(
    await_metric("kafka_actors_consumer_messages_consumed_total", {{"group", "mon-fast"}}, 500));
  EXPECT_TRUE(
    await_metric("kafka_actors_consumer_messages_handled_total", {{"group", "mon-fast"}}, 500));
  // Everything of the fast group is committed: no lag on either partition.
  EXPECT_TRUE(await_metric("kafka_actors_consumer_lag_messages",
                           {{"group", "mon-fast"}, {"topic", done_topic}, {"partition", "0"}},
                           0));
  EXPECT_TRUE(await_metric("kafka_actors_consumer_lag_messages",
                           {{"group", "mon-fast"}, {"topic", done_topic}, {"partition", "1"}},
                           0));
  EXPECT_TRUE(await_metric("kafka_actors_consumer_high_watermark_offset",
                           {{"group", "mon-fast"}, {"topic", done_topic}}, 500));

  // The slow group: paused, its stored offset is where its acknowledged batches end, and
  // the lag counts everything after that although all 200 records were fetched.
  EXPECT_TRUE(await_metric("kafka_actors_consumer_paused", {{"group", "mon-slow"}}, 1));
  int64_t stored = -1;
  ASSERT_TRUE(await(
    [&] {
      auto s = status();
      auto i = s.consumers.find(*slow_id);
      if (i == s.consumers.end())
        return false;
      auto j = i->second.stored.find(backlog_topic + "[0]");
      stored = j == i->second.stored.end() ? 0 : j->second;
      return i->second.paused && stored > 0;
    },
    long_wait));
  EXPECT_LE(stored, 30);
  EXPECT_TRUE(await_metric("kafka_actors_consumer_committed_offset",
                           {{"group", "mon-slow"}, {"topic", backlog_topic}},
                           static_cast<double>(stored)));
  EXPECT_TRUE(await_metric("kafka_actors_consumer_lag_messages",
                           {{"group", "mon-slow"}, {"topic", backlog_topic}, {"partition", "0"}},
                           static_cast<double>(200 - stored)));
  EXPECT_TRUE(await_metric("kafka_actors_consumer_credit", {{"group", "mon-slow"}}, 0));
  // Records produced after the pause: librdkafka 2.0.2 stops refreshing a paused partition's
  // high watermark, so the collector asks the leader; the lag counts them too.
  ASSERT_EQ(send(numbered(backlog_topic, "late", 0, 50)), 0u);
  EXPECT_TRUE(await_metric("kafka_actors_consumer_lag_messages",
                           {{"group", "mon-slow"}, {"topic", backlog_topic}, {"partition", "0"}},
                           static_cast<double>(250 - stored)));
  // Time lag: the stalled group's oldest unacknowledged record keeps ageing; the caught-up
  // group has none.
  label_map slow_part{{"group", "mon-slow"}, {"topic", backlog_topic}, {"partition", "0"}};
  std::optional<double> age1, age2;
  ASSERT_TRUE(await([&] { return (age1 = metric(scrape(), "kafka_actors_consumer_time_lag_seconds",
                                                slow_part))
                                   .has_value(); },
                    long_wait))
    << scrape();
  ASSERT_TRUE(await(
    [&] {
      age2 = metric(scrape(), "kafka_actors_consumer_time_lag_seconds", slow_part);
      return age2 && *age2 >= *age1 + 0.5;
    },
    long_wait))
    << scrape();
  EXPECT_TRUE(await_metric("kafka_actors_consumer_time_lag_seconds",
                           {{"group", "mon-fast"}, {"topic", done_topic}, {"partition", "0"}}, 0));
  auto text = scrape();
  // One observation per handled batch: at least one, at most one per record.
  auto batches = metric(text, "kafka_actors_consumer_handler_duration_seconds_count",
                        {{"group", "mon-fast"}});
  ASSERT_TRUE(batches) << text;
  EXPECT_GE(*batches, 1);
  EXPECT_LE(*batches, 500);
  EXPECT_EQ(metric(text, "kafka_actors_consumer_assigned_partitions", {{"group", "mon-fast"}}),
            2);
  EXPECT_EQ(metric(text, "kafka_actors_subscriptions_running"), 2);
  EXPECT_GT(metric(text, "kafka_actors_broker_up").value_or(0), 0);
  EXPECT_EQ(metric(text, "kafka_actors_ready"), 1);
  for (auto kind : {"service", "producer", "consumer"})
    EXPECT_GE(metric(text, "kafka_actors_mailbox_messages", {{"actor", kind}}).value_or(-1), 0)
      << kind << "\n" << text;

  // A subscription that stops takes its series with it.
  ASSERT_TRUE(stop_subscription(*fast));
  ASSERT_TRUE(await(
    [&] {
      return !metric(scrape(), "kafka_actors_consumer_lag_messages", {{"group", "mon-fast"}});
    },
    long_wait))
    << scrape();
  EXPECT_TRUE(metric(scrape(), "kafka_actors_consumer_lag_messages", {{"group", "mon-slow"}}));
}

TEST_F(monitoring_test, readyz_fails_naming_the_brokers_while_they_are_down_healthz_stays_up) {
  start_monitored();
  auto topic = unique_topic("mon-ready");
  ASSERT_FALSE(create_topic(topic_config{topic, 1, 1, {}}));
  collector got;
  stop_on_exit stopper{*this}; // first to go: the handlers use the locals above
  auto id = subscribe(subscription{{topic}, "mon-ready", got.handler()});
  ASSERT_TRUE(id);
  http_response r;
  ASSERT_TRUE(await([&] { return (r = get("/readyz")).status == 200; }, long_wait))
    << r.status << " " << r.body << r.error;
  EXPECT_NE(r.body.find("\"status\":\"ready\""), std::string::npos) << r.body;
  for (int b = 1; b <= cluster->brokers(); ++b)
    ASSERT_FALSE(cluster->set_broker_down(b));
  // The probe of the next round fails (other checks may fail too, e.g. consumers that lose
  // their coordinator): wait for the brokers check itself.
  auto brokers_check = [](const std::string& body) -> std::optional<boost::json::object> {
    boost::json::error_code ec;
    auto doc = boost::json::parse(body, ec);
    if (ec || !doc.is_object())
      return std::nullopt;
    for (auto& c : doc.as_object()["checks"].as_array())
      if (c.as_object().at("name").as_string() == "brokers")
        return c.as_object();
    return std::nullopt;
  };
  ASSERT_TRUE(await(
    [&] {
      r = get("/readyz");
      auto c = brokers_check(r.body);
      return r.status == 503 && c && !c->at("ok").as_bool();
    },
    long_wait))
    << r.status << " " << r.body << r.error;
  EXPECT_NE(r.body.find("\"status\":\"not_ready\""), std::string::npos) << r.body;
  auto why = brokers_check(r.body)->at("reason").as_string();
  EXPECT_NE(std::string{why}.find("broker_unreachable"), std::string::npos) << r.body;
  // Liveness is not readiness: the service itself still answers.
  auto live = get("/healthz");
  EXPECT_EQ(live.status, 200) << live.body;
  EXPECT_NE(live.body.find("\"status\":\"alive\""), std::string::npos) << live.body;
  EXPECT_TRUE(await_metric("kafka_actors_brokers_reachable", {}, 0));
  for (int b = 1; b <= cluster->brokers(); ++b)
    ASSERT_FALSE(cluster->set_broker_up(b));
  ASSERT_TRUE(await([&] { return (r = get("/readyz")).status == 200; }, long_wait))
    << r.status << " " << r.body << r.error;
  EXPECT_TRUE(await_metric("kafka_actors_brokers_reachable", {}, 1));
}

TEST_F(monitoring_test, exposition_passes_promtool_check_metrics) {
  std::string promtool = "/usr/bin/promtool";
  if (!std::ifstream{promtool})
    GTEST_SKIP() << "promtool not installed (Debian package prometheus, scripts/install-deps)";
  start_monitored();
  auto topic = unique_topic("mon-promtool");
  ASSERT_FALSE(create_topic(topic_config{topic, 2, 1, {}}));
  collector got;
  stop_on_exit stopper{*this}; // first to go: the handlers use the locals above
  ASSERT_TRUE(subscribe(subscription{{topic}, "mon-promtool", got.handler()}));
  ASSERT_EQ(send(numbered(topic, "p", 0, 50)), 0u);
  ASSERT_TRUE(got.wait_for(50, long_wait));
  // Wait for a round that has the lag series, so they are checked too.
  ASSERT_TRUE(await_metric("kafka_actors_consumer_lag_messages", {{"group", "mon-promtool"}}, 0));
  auto text = scrape();
  auto path = ::testing::TempDir() + "exposition-" + std::to_string(::getpid()) + ".txt";
  std::ofstream{path} << text;
  auto out_path = path + ".out";
  auto rc = std::system((promtool + " check metrics < " + path + " > " + out_path + " 2>&1").c_str());
  std::ifstream in{out_path};
  std::string report{std::istreambuf_iterator<char>{in}, {}};
  EXPECT_EQ(rc, 0) << report << "\n" << text;
  EXPECT_EQ(report, "") << text;
  std::remove(path.c_str());
  std::remove(out_path.c_str());
}

TEST_F(monitoring_test, a_real_prometheus_scrapes_the_lag_of_a_known_backlog) {
  ASSERT_TRUE(std::ifstream{prometheus_server::binary})
    << "prometheus not installed (Debian package prometheus, scripts/install-deps)";
  cfg.flow.consumer_max_in_flight = 20; // the stalled consumer pauses with little taken
  start_monitored();
  auto topic = unique_topic("mon-prom");
  ASSERT_FALSE(create_topic(topic_config{topic, 1, 1, {}}));
  ASSERT_EQ(send(numbered(topic, "b", 0, 300)), 0u);
  std::atomic<int> handled{0};
  gate stall;
  stop_on_exit stopper{*this}; // after the gate opens, before the locals go
  open_on_exit release{stall};
  subscription slow{{topic}, "mon-prom", [&](const record&) -> caf::error {
                      if (handled.fetch_add(1) >= 40)
                        stall.pass();
                      return caf::none;
                    }};
  auto id = subscribe(std::move(slow));
  ASSERT_TRUE(id);
  // The backlog: what was produced minus what the group committed, once it stays put.
  int64_t stored = -1;
  ASSERT_TRUE(await(
    [&] {
      auto s = status();
      auto i = s.consumers.find(*id);
      if (i == s.consumers.end())
        return false;
      auto j = i->second.stored.find(topic + "[0]");
      stored = j == i->second.stored.end() ? 0 : j->second;
      return i->second.paused && stored > 0;
    },
    long_wait));
  auto lag = static_cast<double>(300 - stored);
  label_map labels{{"group", "mon-prom"}, {"topic", topic}, {"partition", "0"}};
  ASSERT_TRUE(await_metric("kafka_actors_consumer_lag_messages", labels, lag));

  prometheus_server prom{base_url.substr(std::string{"http://"}.size())};
  ASSERT_EQ(prom.error(), "");
  auto promql = "kafka_actors_consumer_lag_messages{group=\"mon-prom\",topic=\"" + topic
                + "\",partition=\"0\"}";
  std::optional<double> got;
  EXPECT_TRUE(await([&] { return (got = prom.query(promql)) == lag; }, long_wait))
    << promql << " = " << (got ? std::to_string(*got) : "(none)") << ", want " << lag << "\n"
    << prom.last_answer() << "\n" << prom.log_text();
  // The target is healthy in Prometheus's own eyes, and a sum over the group agrees.
  EXPECT_EQ(prom.query("up{job=\"kafka-actors\"}"), 1.0) << prom.last_answer();
  EXPECT_EQ(prom.query("sum by (group) (kafka_actors_consumer_lag_messages{group=\"mon-prom\"})"),
            lag)
    << prom.last_answer();
}

TEST_F(monitoring_test, a_stalled_handler_fails_readiness_and_recovers_when_it_moves_again) {
  cfg.monitoring.stall_timeout = 1500ms;
  start_monitored();
  auto topic = unique_topic("mon-stall");
  ASSERT_FALSE(create_topic(topic_config{topic, 1, 1, {}}));
  ASSERT_EQ(send(numbered(topic, "s", 0, 100)), 0u);
  std::atomic<int> handled{0};
  gate stall;
  stop_on_exit stopper{*this}; // after the gate opens, before the locals go
  open_on_exit release{stall};
  ASSERT_TRUE(subscribe(subscription{{topic}, "mon-stall", [&](const record&) -> caf::error {
                                       if (handled.fetch_add(1) >= 10)
                                         stall.pass(); // blocks until the gate opens
                                       return caf::none;
                                     }}));
  label_map labels{{"group", "mon-stall"}, {"topic", topic}, {"partition", "0"}};
  ASSERT_TRUE(await_metric("kafka_actors_consumer_partition_stalled", labels, 1));
  auto r = get("/readyz");
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_NE(r.body.find("\"name\":\"progress\",\"ok\":false"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(topic + "[0] stalled for"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("records waiting"), std::string::npos) << r.body;
  // Liveness is not readiness: the process is fine, one handler is not.
  EXPECT_EQ(get("/healthz").status, 200);
  stall.open();
  ASSERT_TRUE(await_metric("kafka_actors_consumer_partition_stalled", labels, 0));
  ASSERT_TRUE(await([&] { return (r = get("/readyz")).status == 200; }, long_wait)) << r.body;
  EXPECT_EQ(handled.load(), 100);
}

TEST_F(monitoring_test, a_consumer_that_never_gets_a_partition_is_stuck_joining) {
  cfg.monitoring.join_timeout = 1000ms;
  start_monitored();
  auto topic = unique_topic("mon-join");
  ASSERT_FALSE(create_topic(topic_config{topic, 1, 1, {}}));
  collector a, b;
  stop_on_exit stopper{*this}; // first to go: the handlers use the locals above
  // Two members, one partition: the second never gets one.
  auto first = subscribe(subscription{{topic}, "mon-join", a.handler()});
  ASSERT_TRUE(first);
  ASSERT_TRUE(await([&] { return status().consumers[*first].assigned.size() == 1; }, long_wait));
  auto second = subscribe(subscription{{topic}, "mon-join", b.handler()});
  ASSERT_TRUE(second);
  ASSERT_TRUE(await_metric("kafka_actors_consumer_stuck_joining",
                           {{"subscription", std::to_string(*second)}}, 1));
  auto r = get("/readyz");
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_NE(r.body.find("subscription " + std::to_string(*second)
                        + " (group 'mon-join'): stuck joining"),
            std::string::npos)
    << r.body;
  // The member that has the partition is not stuck.
  EXPECT_TRUE(await_metric("kafka_actors_consumer_stuck_joining",
                           {{"subscription", std::to_string(*first)}}, 0));
  // It leaves: the second gets the partition and is stuck no more.
  ASSERT_TRUE(stop_subscription(*first));
  ASSERT_TRUE(await_metric("kafka_actors_consumer_stuck_joining",
                           {{"subscription", std::to_string(*second)}}, 0));
}

TEST_F(monitoring_test, a_taken_port_fails_the_spawn_naming_the_address) {
  start_monitored();
  auto port = base_url.substr(base_url.rfind(':') + 1);
  auto other = cfg;
  other.monitoring.listen = "127.0.0.1:" + port;
  auto s = spawn_kafka_service(*sys, other, cluster);
  ASSERT_FALSE(s);
  EXPECT_EQ(code_of(s.error()), errc::invalid_config);
  EXPECT_NE(describe(s.error()).find("127.0.0.1:" + port), std::string::npos)
    << describe(s.error());
}

TEST_F(monitoring_test, monitoring_is_off_by_default) {
  start();
  caf::error err;
  (*self)->request(service, call_timeout, metrics_atom_v)
    .receive([](std::string&) {}, [&](caf::error& e) { err = std::move(e); });
  EXPECT_EQ(code_of(err), errc::invalid_argument) << describe(err);
  EXPECT_NE(describe(err).find("monitoring.enabled"), std::string::npos) << describe(err);
}

TEST_F(monitoring_test, partition_lanes_and_retrying_subscriptions_report_handler_durations) {
  start_monitored();
  auto topic = unique_topic("mon-lanes");
  ASSERT_FALSE(create_topic(topic_config{topic, 3, 1, {}}));
  ASSERT_EQ(send(numbered(topic, "l", 0, 300)), 0u);
  collector lanes_got, retry_got;
  stop_on_exit stopper{*this}; // first to go: the handlers use the locals above
  subscription on_lanes{{topic}, "mon-lanes", lanes_got.handler()};
  on_lanes.lanes = lane_options{};
  ASSERT_TRUE(subscribe(std::move(on_lanes)));
  subscription retrying{{topic}, "mon-retrying", retry_got.handler()};
  retrying.retry = retry_policy{};
  ASSERT_TRUE(subscribe(std::move(retrying)));
  ASSERT_TRUE(lanes_got.wait_for(300, long_wait)) << lanes_got.distinct();
  ASSERT_TRUE(retry_got.wait_for(300, long_wait)) << retry_got.distinct();
  // One observation per handler call: a record on lanes and with a retry policy.
  EXPECT_TRUE(await_metric("kafka_actors_consumer_handler_duration_seconds_count",
                           {{"group", "mon-lanes"}}, 300));
  EXPECT_TRUE(await_metric("kafka_actors_consumer_handler_duration_seconds_count",
                           {{"group", "mon-retrying"}}, 300));
  EXPECT_TRUE(await_metric("kafka_actors_consumer_handler_duration_seconds_bucket",
                           {{"group", "mon-lanes"}, {"le", "+Inf"}}, 300));
}
