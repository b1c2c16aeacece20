// The smallest kafka-actors program: send one record through KafkaService on the embedded
// default and print where it landed.

#include <iostream>

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>

#include <kafka_actors/kafka_actors.hpp>

int main() {
  using namespace kafka_actors;
  actor_system_config sys_cfg;
  caf::actor_system sys{sys_cfg};
  auto service = spawn_kafka_service(sys, kafka_config::embedded());
  if (!service) {
    std::cerr << describe(service.error()) << "\n";
    return 1;
  }
  caf::scoped_actor self{sys};
  int rc = 0;
  self->request(*service, std::chrono::seconds{10}, send_atom_v,
                message{"orders", "hello", {{"source", "example"}}, "42"})
    .receive(
      [](const delivery_report& r) {
        std::cout << "delivered to " << r.topic << "[" << r.partition << "] at offset "
                  << r.offset << "\n";
      },
      [&](const caf::error& e) {
        std::cerr << describe(e) << "\n";
        rc = 1;
      });
  self->request(*service, std::chrono::seconds{30}, stop_all_atom_v)
    .receive([](bool) {}, [](const caf::error&) {});
  return rc;
}
