// A separate project using an installed kafka-actors: one record through KafkaService.
#include <iostream>

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>

#include <kafka_actors/kafka_actors.hpp>

int main() {
  using namespace kafka_actors;
  actor_system_config sys_cfg;
  caf::actor_system sys{sys_cfg};
  auto service = spawn_kafka_service(sys, kafka_config::embedded());
  if (!service)
    return 1;
  caf::scoped_actor self{sys};
  int rc = 1;
  self->request(*service, std::chrono::seconds{30}, send_atom_v, message{"installed", "ok"})
    .receive([&](const delivery_report& r) { rc = r.offset == 0 ? 0 : 1; },
             [&](const caf::error& e) { std::cerr << describe(e) << "\n"; });
  self->request(*service, std::chrono::seconds{30}, stop_all_atom_v)
    .receive([](bool) {}, [](const caf::error&) {});
  std::cout << (rc == 0 ? "installed package works\n" : "installed package FAILED\n");
  return rc;
}
