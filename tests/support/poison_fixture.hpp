#pragma once

// The poison-message scenario of the retry mechanism, run on the embedded cluster and on the
// real broker: 1 % of 10,000 records always fail (retriably), 0.1 % can never succeed.

#include <map>
#include <mutex>

#include "support/await.hpp"
#include "support/service_fixture.hpp"

namespace kafka_actors::test {

class poison_fixture : public service_fixture {
protected:
  int64_t lag(const std::string& group, const std::vector<std::string>& topics) {
    int64_t out = -1;
    (*self)->request(service, call_timeout, lag_atom_v, group, topics)
      .receive([&](int64_t n) { out = n; },
               [&](caf::error& err) { ADD_FAILURE() << describe(err); });
    return out;
  }

  static std::string header(const message& m, const std::string& name) {
    for (auto& [k, v] : m.metadata)
      if (k == name)
        return v;
    return "<missing>";
  }

  /// Call after start().
  void run_poison_scenario() {
    using namespace std::chrono_literals;
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
    std::mutex dmx; // the dead-letter reader's, below
    std::vector<message> dead;
    stop_on_exit stopper{*this}; // first to go: the handlers use the locals above
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
};

} // namespace kafka_actors::test
