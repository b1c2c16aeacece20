// Readiness and liveness from what the collector saw: transitions, and the JSON that names
// the failed check.

#include "kafka_actors/runtime/readiness.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

using namespace kafka_actors;
using namespace std::chrono_literals;

namespace {

using clock_type = readiness_tracker::clock;
const clock_type::time_point t0 = clock_type::time_point{} + 1h;

health_inputs healthy() {
  health_inputs in;
  in.have_status = true;
  in.broker_error = std::string{};
  in.producer_breaker = "closed";
  in.consumers.push_back(health_inputs::consumer{1, "billing", 3, "", "", false});
  return in;
}

const health_check& check(const readiness_report& r, const std::string& name) {
  for (auto& c : r.checks)
    if (c.name == name)
      return c;
  throw std::runtime_error("no check " + name);
}

} // namespace

TEST(readiness, not_ready_before_anything_was_seen) {
  readiness_tracker r;
  auto rep = r.evaluate(health_inputs{}, t0);
  EXPECT_FALSE(rep.ready);
  EXPECT_FALSE(check(rep, "status").ok);
  EXPECT_FALSE(check(rep, "brokers").ok);
  EXPECT_NE(check(rep, "brokers").reason.find("no broker probe"), std::string::npos);
}

TEST(readiness, brokers_away_and_back) {
  readiness_tracker r;
  auto in = healthy();
  EXPECT_TRUE(r.evaluate(in, t0).ready);
  in.broker_error = "broker_unreachable: no broker answered within 5000 ms";
  auto down = r.evaluate(in, t0 + 1s);
  EXPECT_FALSE(down.ready);
  EXPECT_FALSE(check(down, "brokers").ok);
  EXPECT_EQ(check(down, "brokers").reason, *in.broker_error);
  EXPECT_EQ(check(down, "brokers").failing_for, 0ms);
  EXPECT_TRUE(check(down, "consumers").ok);
  // Still down later: the failure's age grows from when it began.
  EXPECT_EQ(check(r.evaluate(in, t0 + 4s), "brokers").failing_for, 3000ms);
  in.broker_error = std::string{};
  auto back = r.evaluate(in, t0 + 5s);
  EXPECT_TRUE(back.ready);
  // A new outage counts from its own start.
  in.broker_error = "down again";
  EXPECT_EQ(check(r.evaluate(in, t0 + 9s), "brokers").failing_for, 0ms);
}

TEST(readiness, a_consumer_without_partitions_or_with_a_persistent_failure_is_not_ready) {
  readiness_tracker r;
  auto in = healthy();
  in.consumers[0].assigned = 0;
  auto joining = r.evaluate(in, t0);
  EXPECT_FALSE(joining.ready);
  EXPECT_NE(check(joining, "consumers").reason.find("subscription 1 (group 'billing')"),
            std::string::npos);
  EXPECT_NE(check(joining, "consumers").reason.find("no partition assigned"),
            std::string::npos);
  in.consumers[0].assigned = 2;
  in.consumers[0].failure = "authentication: SASL authentication error";
  auto failed = r.evaluate(in, t0 + 1s);
  EXPECT_FALSE(failed.ready);
  EXPECT_NE(check(failed, "consumers").reason.find("authentication"), std::string::npos);
}

TEST(readiness, a_consumer_stopping_on_purpose_is_no_failure) {
  readiness_tracker r;
  auto in = healthy();
  in.consumers[0].assigned = 0;
  in.consumers[0].stopping = true;
  EXPECT_TRUE(r.evaluate(in, t0).ready);
}

TEST(readiness, a_given_up_subscription_and_open_breakers_fail) {
  readiness_tracker r;
  auto in = healthy();
  in.given_up[7] = "gave up after 11 failed runs in a row: handler_failed";
  auto rep = r.evaluate(in, t0);
  EXPECT_FALSE(rep.ready);
  EXPECT_NE(check(rep, "consumers").reason.find("subscription 7 given up"), std::string::npos);
  in.given_up.clear();
  in.producer_breaker = "open";
  rep = r.evaluate(in, t0);
  EXPECT_FALSE(rep.ready);
  EXPECT_NE(check(rep, "breakers").reason.find("producer breaker open"), std::string::npos);
  in.producer_breaker = "half_open"; // probing: traffic flows again
  in.consumers[0].breaker = "open";
  rep = r.evaluate(in, t0);
  EXPECT_FALSE(rep.ready);
  EXPECT_NE(check(rep, "breakers").reason.find("group 'billing'): breaker open"),
            std::string::npos);
  in.consumers[0].breaker = "half_open";
  EXPECT_TRUE(r.evaluate(in, t0).ready);
}

TEST(readiness, a_failed_producer_is_not_ready) {
  readiness_tracker r;
  auto in = healthy();
  in.producer_failure = "fatal: Producer fenced";
  auto rep = r.evaluate(in, t0);
  EXPECT_FALSE(rep.ready);
  EXPECT_EQ(check(rep, "producer").reason, "producer: fatal: Producer fenced");
}

TEST(readiness, json_names_the_failed_check_and_why) {
  readiness_tracker r;
  auto in = healthy();
  in.broker_error = "no broker answered";
  auto rep = r.evaluate(in, t0);
  auto doc = boost::json::parse(rep.to_json()).as_object();
  EXPECT_EQ(doc["status"].as_string(), "not_ready");
  bool found = false;
  for (auto& c : doc["checks"].as_array()) {
    auto& o = c.as_object();
    if (o.at("name").as_string() != "brokers") {
      EXPECT_TRUE(o.at("ok").as_bool());
      EXPECT_FALSE(o.contains("reason"));
      continue;
    }
    found = true;
    EXPECT_FALSE(o.at("ok").as_bool());
    EXPECT_EQ(o.at("reason").as_string(), "no broker answered");
    EXPECT_EQ(o.at("failing_for_ms").as_int64(), 0);
  }
  EXPECT_TRUE(found);
  in.broker_error = std::string{};
  auto ok = boost::json::parse(r.evaluate(in, t0).to_json()).as_object();
  EXPECT_EQ(ok["status"].as_string(), "ready");
}

TEST(liveness, alive_while_the_service_answers_and_stale_readiness_is_not_ready) {
  auto live = evaluate_liveness(t0, t0 + 29s, 30s);
  EXPECT_TRUE(live.alive);
  EXPECT_EQ(boost::json::parse(live.to_json()).as_object()["status"].as_string(), "alive");
  readiness_tracker r;
  auto rep = r.evaluate(healthy(), t0);
  EXPECT_TRUE(current_readiness(rep, live).ready);
  auto dead = evaluate_liveness(t0, t0 + 31s, 30s);
  EXPECT_FALSE(dead.alive);
  EXPECT_NE(dead.reason.find("31000 ms"), std::string::npos) << dead.reason;
  auto doc = boost::json::parse(dead.to_json()).as_object();
  EXPECT_EQ(doc["status"].as_string(), "not_alive");
  EXPECT_EQ(doc["reason"].as_string(), dead.reason);
  auto stale = current_readiness(rep, dead);
  EXPECT_FALSE(stale.ready);
  EXPECT_EQ(check(stale, "status").reason, dead.reason);
}

TEST(readiness, a_stalled_partition_or_stuck_consumer_fails_the_progress_check) {
  readiness_tracker r;
  auto in = healthy();
  EXPECT_TRUE(check(r.evaluate(in, t0), "progress").ok);
  in.progress_problem = "subscription 1 (group 'billing'): t[0] stalled for 60000 ms with 7 "
                        "records waiting";
  auto rep = r.evaluate(in, t0 + 1s);
  EXPECT_FALSE(rep.ready);
  EXPECT_FALSE(check(rep, "progress").ok);
  EXPECT_EQ(check(rep, "progress").reason, in.progress_problem);
  EXPECT_TRUE(check(rep, "consumers").ok); // assigned and healthy otherwise
  EXPECT_NE(rep.to_json().find("\"name\":\"progress\",\"ok\":false"), std::string::npos)
    << rep.to_json();
  in.progress_problem.clear();
  EXPECT_TRUE(r.evaluate(in, t0 + 2s).ready);
}
