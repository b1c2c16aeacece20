// Retries, retry topics and the dead-letter topic, on the embedded mock cluster.

#include <map>
#include <mutex>

#include "support/service_fixture.hpp"

using namespace kafka_actors;
using namespace kafka_actors::test;
using namespace std::chrono_literals;

namespace {

class retry_test : public service_fixture {
protected:
  int64_t lag(const std::string& group, const std::vector<std::string>& topics) {
    int64_t out = -1;
    (*self)->request(service, call_timeout, lag_atom_v, group, topics)
      .receive([&](int64_t n) { out = n; },
               [&](caf::error& err) { ADD_FAILURE() << describe(err); });
    return out;
  }
};

std::string header(const message& m, const std::string& name) {
  for (auto& [k, v] : m.metadata)
    if (k == name)
      return v;
  return "<missing>";
}

} // namespace

TEST_F(retry_test, one_percent_poison_is_retried_as_configured_then_dead_lettered) {
  start();
  auto topic = unique_topic("orders");
  ASSERT_FALSE(create_topic(topic_config{topic, 3, 1, {}}));
  constexpr int total = 10000;
  // Every 100th record fails retriably every time; every 1000th (offset by 3) is a record
  // that can never succeed (non-retriable), which skips every retry.
  auto is_poison = [](int i) { return i % 100 == 7; };
  auto is_invalid = [](int i) { return i % 1000 == 3; };
  std::mutex mx;
  std::map<std::string, int> calls;
  std::map<std::string, int> good;
  subscription sub{{topic}, "orders-group"};
  sub.retry = retry_policy{};
  sub.retry->in_place_attempts = 2;
  sub.retry->initial_backoff = 5ms;
  sub.retry->retry_topic_delays = {200ms, 400ms};
  sub.on_record = [&](const record& r) -> caf::error {
    std::string payload{r.payload()};
    auto i = std::stoi(payload.substr(payload.find('-') + 1));
    std::lock_guard<std::mutex> guard{mx};
    ++calls[payload];
    if (is_invalid(i))
      return make_error(errc::non_retriable, "cannot parse " + payload);
    if (is_poison(i))
      return make_error(errc::handler_failed, "downstream refused " + payload);
    ++good[payload];
    return caf::none;
  };
  ASSERT_TRUE(subscribe(std::move(sub)));
  auto records = numbered(topic, "m", 0, total);
  // Where each record landed, to check the dead-letter headers against.
  std::map<std::string, std::pair<int32_t, int64_t>> where;
  batch_report rep;
  for (size_t i = 0; i < records.size(); i += 500) {
    message_batch chunk(records.begin() + static_cast<ptrdiff_t>(i),
                        records.begin() + static_cast<ptrdiff_t>(i + 500));
    (*self)->request(service, call_timeout, send_atom_v, chunk)
      .receive([&](batch_report& r) { rep = std::move(r); },
               [&](caf::error& err) { FAIL() << describe(err); });
    ASSERT_EQ(rep.failed(), 0u);
    for (size_t j = 0; j < chunk.size(); ++j)
      where[chunk[j].content] = {rep.results[j].partition, rep.results[j].offset};
  }
  int poison = 0, invalid = 0;
  for (int i = 0; i < total; ++i) {
    invalid += is_invalid(i) ? 1 : 0;
    poison += !is_invalid(i) && is_poison(i) ? 1 : 0;
  }
  // Read the dead-letter topic.
  std::mutex dmx;
  std::vector<message> dead;
  subscription dlt{{topic + ".dlt"}, "dlt-reader"};
  dlt.on_record = [&](const record& r) -> caf::error {
    std::lock_guard<std::mutex> guard{dmx};
    dead.push_back(r.to_message());
    return caf::none;
  };
  ASSERT_TRUE(subscribe(std::move(dlt)));
  ASSERT_TRUE(await(
    [&] {
      std::lock_guard<std::mutex> guard{dmx};
      return dead.size() >= static_cast<size_t>(poison + invalid);
    },
    60s));
  // Every good record handled exactly once.
  {
    std::lock_guard<std::mutex> guard{mx};
    EXPECT_EQ(good.size(), static_cast<size_t>(total - poison - invalid));
    for (auto& [k, n] : good)
      ASSERT_EQ(n, 1) << k;
  }
  // Each poison record: 2 attempts at each of 3 levels; invalid ones exactly once.
  std::lock_guard<std::mutex> guard{dmx};
  std::map<std::string, int> dead_copies;
  for (auto& m : dead)
    ++dead_copies[m.content];
  EXPECT_EQ(dead.size(), static_cast<size_t>(poison + invalid));
  EXPECT_EQ(dead_copies.size(), dead.size()) << "a record was dead-lettered twice";
  for (auto& m : dead) {
    auto i = std::stoi(m.content.substr(2));
    std::lock_guard<std::mutex> g{mx};
    EXPECT_EQ(calls[m.content], is_invalid(i) ? 1 : 6) << m.content;
    EXPECT_EQ(header(m, "ka.origin.topic"), topic);
    EXPECT_EQ(header(m, "ka.origin.partition"), std::to_string(where[m.content].first));
    EXPECT_EQ(header(m, "ka.origin.offset"), std::to_string(where[m.content].second));
    EXPECT_EQ(header(m, "ka.attempts"), is_invalid(i) ? "1" : "6");
    EXPECT_NE(header(m, "ka.error").find(is_invalid(i) ? "cannot parse" : "downstream refused"),
              std::string::npos)
      << header(m, "ka.error");
    EXPECT_GT(std::stoll(header(m, "ka.first.failure")), 1700000000000LL);
    EXPECT_EQ(header(m, "i"), std::to_string(i)); // the record's own headers travel along
  }
  // All offsets committed: source and both retry levels drain to zero lag.
  EXPECT_TRUE(await([&] { return lag("orders-group", {topic}) == 0; }, 30s));
  EXPECT_TRUE(await([&] { return lag("orders-group.retry.1", {topic + ".retry.1"}) == 0; }, 30s));
  EXPECT_TRUE(await([&] { return lag("orders-group.retry.2", {topic + ".retry.2"}) == 0; }, 30s));
}

TEST_F(retry_test, retry_topic_holds_a_partition_until_due_and_lets_others_flow) {
  start();
  auto topic = unique_topic("due");
  ASSERT_FALSE(create_topic(topic_config{topic, 1, 1, {}}));
  std::mutex mx;
  std::map<std::string, int64_t> handled_at; // wall-clock ms
  auto now_ms = [] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
  };
  subscription sub{{topic}, "due-group"};
  sub.retry = retry_policy{};
  sub.retry->retry_topic_delays = {100ms};
  sub.retry->topic_partitions = 2;
  sub.on_record = [&](const record& r) -> caf::error {
    std::lock_guard<std::mutex> guard{mx};
    handled_at[std::string{r.payload()}] = now_ms();
    return caf::none;
  };
  ASSERT_TRUE(subscribe(std::move(sub)));
  auto retry1 = topic + ".retry.1";
  // Wait until the retry-topic consumer holds both partitions (the mock's join takes ~3 s).
  ASSERT_TRUE(await([&] {
    for (auto& [id, cs] : status().consumers)
      if (cs.assigned.size() == 2 && cs.assigned[0].rfind(retry1, 0) == 0)
        return true;
    return false;
  }));
  // Two records already in the retry topic, as a lane forwards them: one per partition, the
  // first due much later than the second, and a third behind the late one.
  auto t0 = now_ms();
  message late{retry1, "late", {{"ka.due", std::to_string(t0 + 1500)}}, "", 0};
  message behind{retry1, "behind", {{"ka.due", std::to_string(t0 + 100)}}, "", 0};
  message early{retry1, "early", {{"ka.due", std::to_string(t0 + 300)}}, "", 1};
  ASSERT_EQ(send({late, behind, early}), 0u);
  ASSERT_TRUE(await([&] {
    std::lock_guard<std::mutex> guard{mx};
    return handled_at.size() == 3;
  }));
  std::lock_guard<std::mutex> guard{mx};
  EXPECT_GE(handled_at["late"], t0 + 1500);  // not before its due time
  EXPECT_GE(handled_at["early"], t0 + 300);
  EXPECT_LT(handled_at["early"], t0 + 1500); // partition 1 was not held by partition 0
  EXPECT_GE(handled_at["behind"], handled_at["late"]); // order within a partition kept
  auto st = status();
  uint64_t delayed = 0;
  for (auto& [id, cs] : st.consumers)
    delayed += cs.delayed;
  EXPECT_GE(delayed, 1u); // at least "late" was held back
}
