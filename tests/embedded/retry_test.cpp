// Retries, retry topics and the dead-letter topic, on the embedded mock cluster.

#include <map>
#include <mutex>

#include "support/poison_fixture.hpp"

using namespace kafka_actors;
using namespace kafka_actors::test;
using namespace std::chrono_literals;

namespace {

class retry_test : public poison_fixture {};

} // namespace

TEST_F(retry_test, one_percent_poison_is_retried_as_configured_then_dead_lettered) {
  start();
  run_poison_scenario();
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
