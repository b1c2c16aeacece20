// The producer actor on the embedded mock cluster: a full shared queue, a producer that dies
// with records in flight, the breaker's probe slot, and the bounds of the credit window.

#include <condition_variable>
#include <map>
#include <mutex>

#include <caf/send.hpp>

#include "support/scenarios.hpp"

using namespace kafka_actors;
using namespace kafka_actors::test;
using namespace std::chrono_literals;

namespace {

class producer_test : public scenario_fixture {
protected:
  static message_batch unkeyed(const std::string& topic, const std::string& prefix, size_t n,
                               size_t bytes = 0) {
    message_batch out;
    out.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      auto payload = prefix + "-" + std::to_string(i);
      if (payload.size() < bytes)
        payload.resize(bytes, 'x');
      out.push_back(message{topic, std::move(payload)});
    }
    return out;
  }

  producer_status producer_status_of(const producer_actor& p) {
    producer_status out;
    (*self)->request(p, call_timeout, status_atom_v)
      .receive([&](producer_status& s) { out = std::move(s); },
               [&](caf::error& err) { ADD_FAILURE() << describe(err); });
    return out;
  }

  // Answers of `n` requests sent with send(): reports and errors, within `timeout` overall.
  struct answers {
    size_t reports = 0;
    size_t errors = 0;
    size_t delivered = 0;
    size_t failed = 0;
    std::vector<caf::error> errs;
  };

  answers collect(size_t n, std::chrono::milliseconds timeout) {
    answers a;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    bool timed_out = false;
    while (a.reports + a.errors < n && !timed_out) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0)
        break;
      (*self)->receive(
        [&](batch_report& r) {
          ++a.reports;
          a.failed += r.failed();
          a.delivered += r.results.size() - r.failed();
        },
        [&](caf::error& err) {
          ++a.errors;
          a.errs.push_back(std::move(err));
        },
        caf::after(left) >> [&] { timed_out = true; });
    }
    return a;
  }
};

} // namespace

TEST_F(producer_test, queue_full_on_a_shared_handle_completes_every_request) {
  start();
  auto topic = unique_topic("qfull");
  ASSERT_FALSE(create_topic(topic_config{topic, 3, 1, {}}));
  auto pcfg = cfg;
  pcfg.producer["queue.buffering.max.messages"] = "1000";
  auto group = spawn_producer_group(*sys, pcfg, 4);
  ASSERT_TRUE(group) << describe(group.error());
  // Unkeyed batches go whole to one shard each: three shards find the shared queue full while
  // they have nothing in flight of their own.
  for (int b = 0; b < 50; ++b)
    (*self)->send(*group, send_atom_v, unkeyed(topic, "q" + std::to_string(b), 1000));
  auto a = collect(50, 60s);
  EXPECT_EQ(a.reports, 50u) << "requests left hanging";
  EXPECT_EQ(a.errors, 0u);
  EXPECT_EQ(a.delivered, 50000u);
  EXPECT_EQ(a.failed, 0u);
  bool stopped = false;
  (*self)->request(*group, 30s, stop_atom_v)
    .receive([&](uint64_t) { stopped = true; },
             [&](caf::error& err) { ADD_FAILURE() << describe(err); });
  EXPECT_TRUE(stopped);
}

TEST_F(producer_test, stop_answers_while_requests_wait_for_a_full_shared_queue) {
  start();
  auto topic = unique_topic("qfull-stop");
  ASSERT_FALSE(create_topic(topic_config{topic, 3, 1, {}}));
  auto pcfg = cfg;
  pcfg.producer["queue.buffering.max.messages"] = "1000";
  auto group = spawn_producer_group(*sys, pcfg, 4);
  ASSERT_TRUE(group) << describe(group.error());
  for (int b = 0; b < 20; ++b)
    (*self)->send(*group, send_atom_v, unkeyed(topic, "s" + std::to_string(b), 1000));
  (*self)->send(*group, stop_atom_v);
  bool stopped = false;
  size_t reports = 0;
  auto deadline = std::chrono::steady_clock::now() + 60s;
  while (!stopped && std::chrono::steady_clock::now() < deadline)
    (*self)->receive([&](batch_report&) { ++reports; }, [&](uint64_t) { stopped = true; },
                     [&](caf::error& err) { ADD_FAILURE() << describe(err); },
                     caf::after(60s) >> [] {});
  EXPECT_TRUE(stopped);
  EXPECT_EQ(reports, 20u) << "stop answered before every request";
}

// Kills (or shuts down) a producer with records in flight: every request is answered, and the
// shared handle's later reports for the dead producer touch nothing that was freed.
class producer_exit_test : public producer_test {
protected:
  void run(caf::exit_reason reason) {
    start();
    auto topic = unique_topic("exit");
    ASSERT_FALSE(create_topic(topic_config{topic, 3, 1, {}}));
    // Shares its handle with the service's own producer (same configuration).
    auto p = spawn_producer(*sys, cfg);
    ASSERT_TRUE(p) << describe(p.error());
    constexpr size_t requests = 10;
    for (size_t b = 0; b < requests; ++b)
      (*self)->send(*p, send_atom_v, unkeyed(topic, "e" + std::to_string(b), 5000));
    // One more single-record request, waiting behind the batches.
    (*self)->send(*p, send_atom_v, message{topic, "single"});
    auto st = producer_status_of(*p);
    ASSERT_GT(st.in_flight_messages + st.waiting_requests, 0u)
      << "everything was delivered before the exit: the test proves nothing";
    caf::anon_send_exit(*p, reason);
    size_t answered = 0;
    auto deadline = std::chrono::steady_clock::now() + 30s;
    while (answered < requests + 1 && std::chrono::steady_clock::now() < deadline)
      (*self)->receive([&](batch_report& r) {
                         ++answered;
                         EXPECT_EQ(r.results.size(), 5000u);
                       },
                       [&](delivery_report&) { ++answered; },
                       [&](caf::error&) { ++answered; }, caf::after(30s) >> [] {});
    EXPECT_EQ(answered, requests + 1) << "requests of the dead producer got no answer";
    // The shared handle keeps working, and its reports for the dead producer's records have
    // reached something alive (ASan would flag a freed request context here).
    ASSERT_EQ(send(unkeyed(topic, "after", 2000)), 0u);
  }
};

TEST_F(producer_exit_test, killed_producer_answers_every_request_and_frees_nothing_in_use) {
  run(caf::exit_reason::kill);
}

TEST_F(producer_exit_test, shut_down_producer_answers_every_request_and_frees_nothing_in_use) {
  run(caf::exit_reason::user_shutdown);
}

TEST_F(producer_test, refused_records_give_the_half_open_probe_back) {
  cfg.producer_breaker = breaker_config{3, 1.0, 10, 500ms, 1};
  // Records sent while the brokers are down fail soon, so none is left in flight to close
  // the breaker behind the test's back.
  cfg.producer["message.timeout.ms"] = "3000";
  start();
  auto topic = unique_topic("probe");
  ASSERT_FALSE(create_topic(topic_config{topic, 3, 1, {}}));
  ASSERT_EQ(send(unkeyed(topic, "warm", 10)), 0u);
  for (int b = 1; b <= 3; ++b)
    ASSERT_FALSE(cluster->set_broker_down(b));
  (*self)->request(service, call_timeout, send_atom_v, unkeyed(topic, "down", 10))
    .receive([&](batch_report&) {}, [&](caf::error& e) { FAIL() << describe(e); });
  ASSERT_TRUE(await([&] { return status().producer.breaker == "open"; }, 20s));
  for (int b = 1; b <= 3; ++b)
    ASSERT_FALSE(cluster->set_broker_up(b));
  // Each round: once half-open, records the producer refuses itself (they say nothing about
  // the brokers) come first, then a valid one. Refused records must give the probe back, or
  // the valid record fails with circuit_open for good. A valid probe may still time out
  // while the brokers reconnect: then the breaker opens again and the round repeats.
  bool refused_in_half_open = false;
  bool closed = false;
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while (!closed && std::chrono::steady_clock::now() < deadline) {
    if (!await([&] { return status().producer.breaker == "half_open"; }, 5s))
      continue;
    auto bad = send_one(message{"not a valid topic!", "x"});
    auto big = send_one(message{topic, std::string(2'000'000, 'x')});
    if (code_of(bad) == errc::invalid_topic && code_of(big) == errc::message_too_large)
      refused_in_half_open = true;
    auto err = send_one(message{topic, "probe"});
    // Refused while half-open and nothing of ours in flight: the probe slot was not given back
    // (the text then says "probing again in -N ms", or that a probe is in flight).
    if (code_of(err) == errc::circuit_open) {
      auto text = describe(err);
      EXPECT_TRUE(text.find("in -") == std::string::npos
                  && text.find("probe is in flight") == std::string::npos)
        << "the refused records kept the probe slot: " << text;
    }
    closed = !err && status().producer.breaker == "closed";
  }
  EXPECT_TRUE(refused_in_half_open);
  EXPECT_TRUE(closed) << status().producer.breaker;
  auto err = send_one(message{topic, "after"});
  EXPECT_FALSE(err) << describe(err);
}

TEST_F(producer_test, headers_count_in_the_byte_window) {
  cfg.flow.producer_max_in_flight_bytes = 1000;
  start();
  auto topic = unique_topic("hdr");
  ASSERT_FALSE(create_topic(topic_config{topic, 3, 1, {}}));
  auto pcfg = cfg;
  pcfg.producer["linger.ms"] = "200"; // keep the first record in flight
  auto p = spawn_producer(*sys, pcfg);
  ASSERT_TRUE(p) << describe(p.error());
  // Each record is 10 bytes of payload and 600 of header: two do not fit 1,000 bytes.
  message_batch records;
  for (int i = 0; i < 2; ++i)
    records.push_back(message{topic, "0123456789", {{"h", std::string(599, 'h')}}});
  batch_report rep;
  (*self)->request(*p, call_timeout, try_send_atom_v, records)
    .receive([&](batch_report& r) { rep = std::move(r); },
             [&](caf::error& e) { FAIL() << describe(e); });
  ASSERT_EQ(rep.results.size(), 2u);
  EXPECT_TRUE(rep.results[0].ok()) << rep.results[0].error;
  EXPECT_EQ(rep.results[1].error_code, -1) << "the second record's headers passed the window";
}

TEST_F(producer_test, waiting_requests_are_bounded_by_bytes) {
  cfg.flow.producer_max_in_flight_bytes = 1000;
  start();
  auto topic = unique_topic("parked");
  ASSERT_FALSE(create_topic(topic_config{topic, 3, 1, {}}));
  auto pcfg = cfg;
  pcfg.producer["linger.ms"] = "300"; // keep the first request in flight
  auto p = spawn_producer(*sys, pcfg);
  ASSERT_TRUE(p) << describe(p.error());
  // The first request fills the window, the second waits, the third would park more bytes
  // than the window holds: it is refused with backpressure instead of buffering unbounded.
  for (int i = 0; i < 3; ++i)
    (*self)->send(*p, send_atom_v, unkeyed(topic, "w" + std::to_string(i), 1, 900));
  size_t refused = 0, delivered = 0;
  for (int i = 0; i < 3; ++i)
    (*self)->receive(
      [&](batch_report& r) {
        ASSERT_EQ(r.results.size(), 1u);
        if (r.results[0].ok())
          ++delivered;
        else if (r.results[0].error_code == -1)
          ++refused;
      },
      [&](caf::error& e) { ADD_FAILURE() << describe(e); }, caf::after(30s) >> [] {});
  EXPECT_EQ(delivered, 2u);
  EXPECT_EQ(refused, 1u);
}

TEST_F(producer_test, sender_gives_every_record_its_own_result_in_order) {
  start();
  auto topic = unique_topic("sender");
  ASSERT_FALSE(create_topic(topic_config{topic, 3, 1, {}}));
  auto p = spawn_producer(*sys, cfg);
  ASSERT_TRUE(p) << describe(p.error());
  constexpr size_t n = 2500; // two full batches of 1,000 and a lingering rest
  struct seen {
    std::mutex mx;
    std::condition_variable cv;
    std::vector<delivery_report> reports;
    std::vector<size_t> order;
  } s;
  {
    producer_sender sender{*sys, *p, 1000, 5ms};
    for (size_t i = 0; i < n; ++i) {
      message m{topic, "v" + std::to_string(i)};
      m.key = "k" + std::to_string(i % 5);
      if (i == 7)
        m.topic = "bad topic name"; // fails alone, the others go on
      sender.send(std::move(m), [&s, i](delivery_report& d) {
        std::lock_guard<std::mutex> guard{s.mx};
        s.order.push_back(i);
        s.reports.push_back(std::move(d));
        s.cv.notify_all();
      });
    }
    std::unique_lock<std::mutex> lock{s.mx};
    ASSERT_TRUE(s.cv.wait_for(lock, 30s, [&] { return s.reports.size() == n; }))
      << s.reports.size() << " of " << n << " results";
  }
  std::map<std::string, std::pair<int32_t, int64_t>> last; // key -> partition, offset
  for (size_t k = 0; k < n; ++k) {
    auto i = s.order[k];
    EXPECT_EQ(i, k) << "results out of order";
    auto& d = s.reports[k];
    if (i == 7) {
      EXPECT_FALSE(d.ok());
      EXPECT_NE(d.error.find("record"), std::string::npos) << d.error;
      continue;
    }
    ASSERT_TRUE(d.ok()) << i << ": " << d.error;
    EXPECT_EQ(d.topic, topic);
    auto key = "k" + std::to_string(i % 5);
    auto it = last.find(key);
    if (it != last.end()) {
      EXPECT_EQ(d.partition, it->second.first) << key;
      EXPECT_GT(d.offset, it->second.second) << key << " reordered";
    }
    last[key] = {d.partition, d.offset};
  }
  (*self)->request(*p, call_timeout, stop_atom_v)
    .receive([](uint64_t) {}, [&](caf::error& err) { ADD_FAILURE() << describe(err); });
}
