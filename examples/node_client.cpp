// A client of a kafka-actors node: connects to the KafkaService another process publishes
// (`kafka-actors node --port P`), sends records through it and prints where they landed.
//
//   kafka-actors node --port 4242 &            # node A: the service (embedded cluster here)
//   example_node_client 127.0.0.1 4242 1000    # node B: this program

#include <iostream>
#include <string>

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>

#include <kafka_actors/kafka_actors.hpp>

int main(int argc, char** argv) {
  using namespace kafka_actors;
  if (argc != 4) {
    std::cerr << "usage: example_node_client HOST PORT COUNT\n";
    return 2;
  }
  std::string host = argv[1];
  auto port = static_cast<uint16_t>(std::stoi(argv[2]));
  auto count = std::stoi(argv[3]);
  actor_system_config sys_cfg;
  sys_cfg.with_network(); // the middleman: BASP over TCP
  caf::actor_system sys{sys_cfg};
  auto service = connect_kafka_service(sys, host, port);
  if (!service) {
    std::cerr << describe(service.error()) << "\n";
    return 1;
  }
  caf::scoped_actor self{sys};
  int rc = 0;
  self->request(*service, std::chrono::seconds{30}, create_topic_atom_v,
                topic_config{"from-b", 3, 1, {}})
    .receive([](bool) {}, [](caf::error&) {}); // topic_already_exists is fine
  message_batch batch;
  for (int i = 0; i < count; ++i)
    batch.push_back(message{"from-b", "record " + std::to_string(i), {}, std::to_string(i)});
  self->request(*service, std::chrono::seconds{60}, send_atom_v, std::move(batch))
    .receive(
      [&](const batch_report& rep) {
        size_t ok = 0;
        for (auto& r : rep.results)
          ok += r.ok() ? 1 : 0;
        std::cout << ok << " of " << rep.results.size() << " records delivered through node "
                  << host << ":" << port << "\n";
        rc = ok == rep.results.size() ? 0 : 1;
      },
      [&](const caf::error& e) {
        std::cerr << describe(e) << "\n";
        rc = 1;
      });
  // While the node lives, the handle keeps this actor system running: let it go.
  caf::anon_send_exit(*service, caf::exit_reason::user_shutdown);
  return rc;
}
