// The batch processor, a deduplicating consumer and the last-value view, on the embedded
// default: 1,000 records (each sent twice) over 20 keys; prints what each part saw.

#include <atomic>
#include <iostream>

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>

#include <kafka_actors/kafka_actors.hpp>

int main() {
  using namespace kafka_actors;
  using namespace std::chrono_literals;
  actor_system_config sys_cfg;
  caf::actor_system sys{sys_cfg};
  auto service = spawn_kafka_service(sys, kafka_config::embedded());
  if (!service) {
    std::cerr << describe(service.error()) << "\n";
    return 1;
  }
  caf::scoped_actor self{sys};
  // Sends a request to the service and waits; prints the error, if any.
  auto ask = [&](auto&&... xs) {
    bool ok = true;
    auto fail = [&](const caf::error& e) {
      std::cerr << describe(e) << "\n";
      ok = false;
    };
    self->request(*service, 30s, std::forward<decltype(xs)>(xs)...)
      .receive([](bool) {}, fail);
    return ok;
  };
  if (!ask(create_topic_atom_v, topic_config{"prices", 3, 1, {}}))
    return 1;

  // 1. Batches of up to 100 records per partition, or whatever 200 ms gathered.
  std::atomic<size_t> batches{0}, batched{0};
  subscription by_batch{{"prices"}, "prices-batches"};
  by_batch.on_partition_batch = [&](partition_batch& b) -> caf::error {
    ++batches;
    batched += b.size();
    return caf::none;
  };
  by_batch.batching = batching_config{100, 1u << 20, 200ms};

  // 2. An idempotent consumer: a record whose ka.id was handled within 10 minutes is dropped.
  std::atomic<size_t> handled{0};
  subscription dedup{{"prices"}, "prices-dedup"};
  dedup.on_record = [&](const record&) -> caf::error {
    ++handled;
    return caf::none;
  };
  dedup.dedup = dedup_config{};

  // 3. The latest price per key.
  auto view = spawn_last_value_view(sys, cache_limits{10'000, 16u << 20});
  subscription latest{{"prices"}, "prices-view"};
  latest.handler = caf::actor_cast<handler_actor>(view);

  for (auto* s : {&by_batch, &dedup, &latest}) {
    bool ok = true;
    self->request(*service, 30s, subscribe_atom_v, *s)
      .receive([](uint64_t) {}, [&](const caf::error& e) {
        std::cerr << describe(e) << "\n";
        ok = false;
      });
    if (!ok)
      return 1;
  }

  message_batch records;
  for (int i = 0; i < 1000; ++i) {
    message m{"prices", std::to_string(100 + i), {{"ka.id", "p" + std::to_string(i)}},
              "sku-" + std::to_string(i % 20)};
    records.push_back(m);
    records.push_back(m); // a producer retry, as far as the consumer can tell
  }
  size_t failed = 0;
  self->request(*service, 60s, send_atom_v, records)
    .receive([&](const batch_report& r) { failed = r.failed(); },
             [&](const caf::error& e) {
               std::cerr << describe(e) << "\n";
               failed = records.size();
             });
  if (failed > 0)
    return 1;

  // Wait until the view applied everything (all three read at about the same pace).
  auto deadline = std::chrono::steady_clock::now() + 60s;
  view_status vs;
  while (vs.applied < records.size() && std::chrono::steady_clock::now() < deadline) {
    self->request(view, 10s, status_atom_v)
      .receive([&](const view_status& s) { vs = s; }, [](const caf::error&) {});
    if (vs.applied < records.size())
      self->receive(caf::after(50ms) >> [] {});
  }
  view_entry sku7;
  self->request(view, 10s, get_atom_v, std::string{"sku-7"})
    .receive([&](const view_entry& e) { sku7 = e; }, [](const caf::error&) {});
  while ((batched < records.size() || handled < 1000)
         && std::chrono::steady_clock::now() < deadline)
    self->receive(caf::after(50ms) >> [] {});

  std::cout << "batch processor: " << batched << " records in " << batches << " batches\n"
            << "dedup consumer:  " << handled << " of " << records.size()
            << " records handled (the rest were duplicates)\n"
            << "last-value view: " << vs.entries << " keys; sku-7 = " << sku7.value << "\n";
  bool ok = batched == records.size() && handled == 1000 && vs.entries == 20;
  if (!ok) {
    // What each consumer holds, to tell an unassigned partition from an unfetched one.
    self->request(*service, 10s, status_atom_v)
      .receive(
        [](const service_status& ss) {
          for (auto& [id, c] : ss.consumers) {
            std::cerr << "subscription " << id << " (group " << c.group << "): assigned";
            for (auto& a : c.assigned)
              std::cerr << " " << a;
            std::cerr << "; stored";
            for (auto& [tp, off] : c.stored)
              std::cerr << " " << tp << "@" << off;
            std::cerr << "; at end";
            for (auto& e : c.at_end)
              std::cerr << " " << e;
            std::cerr << "; paused " << c.paused << ", credit " << c.credit << ", held "
                      << c.held << ", dispatched " << c.dispatched << ", acked " << c.acked
                      << ", rebalances " << c.rebalances << ", pauses " << c.pauses << "\n";
          }
          if (!ss.last_failure.empty())
            std::cerr << "last failure: " << ss.last_failure << "\n";
        },
        [](const caf::error& e) { std::cerr << "status: " << describe(e) << "\n"; });
  }
  ask(stop_all_atom_v);
  return ok ? 0 : 1;
}
