#pragma once

// A KafkaService with its monitoring endpoint on a free loopback port (200 ms rounds), and
// the scrapes tests make of it.

#include <optional>
#include <string>

#include "support/http.hpp"
#include "support/service_fixture.hpp"

namespace kafka_actors::test {

class monitored_fixture : public service_fixture {
protected:
  std::string base_url;

  // Generous bounds: the machine may be loaded, and ASan slows everything down.
  static constexpr auto long_wait = std::chrono::milliseconds{120000};

  /// Starts the service with monitoring on (other cfg settings as the test left them).
  void start_monitored() {
    cfg.monitoring.enabled = true;
    cfg.monitoring.listen = "127.0.0.1:0";
    cfg.monitoring.interval = std::chrono::milliseconds{200};
    cfg.monitoring.broker_timeout = std::chrono::milliseconds{1000};
    // Commits (and so the committed offsets the lag is computed from) come quickly.
    cfg.consumer["auto.commit.interval.ms"] = "200";
    ASSERT_FALSE(cfg.validate()) << describe(cfg.validate());
    start();
    (*self)->request(service, call_timeout, metrics_atom_v)
      .receive([&](std::string& url) { base_url = url; },
               [&](caf::error& err) { FAIL() << describe(err); });
    ASSERT_EQ(base_url.rfind("http://127.0.0.1:", 0), 0u) << base_url;
  }

  http_response get(const std::string& path) {
    return http_get(base_url + path);
  }

  std::string scrape() {
    auto r = get("/metrics");
    EXPECT_EQ(r.status, 200) << r.error;
    return r.body;
  }

  /// Waits until the scraped value of `name` (summed over `labels`) is `want`.
  ::testing::AssertionResult await_metric(const std::string& name, const label_map& labels,
                                          double want) {
    std::optional<double> got;
    if (await([&] { return (got = metric(scrape(), name, labels)) == want; }, long_wait))
      return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure()
           << name << " = " << (got ? std::to_string(*got) : std::string{"(absent)"})
           << ", want " << want << "\n"
           << scrape();
  }
};

} // namespace kafka_actors::test
