// kafka-actors: the command line of the framework.

#include <iostream>

#include "kafka_actors/runtime/errors.hpp"
#include "kafka_actors/runtime/printable.hpp"
#include "tools/cli.hpp"

namespace kafka_actors::cli {

caf::expected<kafka_config> load_config(const args& a) {
  kafka_config cfg;
  if (a.has("--config")) {
    auto loaded = kafka_config::from_file(a.get("--config"));
    if (!loaded)
      return loaded.error();
    cfg = std::move(*loaded);
  }
  if (auto err = cfg.apply_env())
    return err;
  if (a.has("-b")) {
    // Checked here, not at the first connect: librdkafka takes 127.0.0.1:99999 as port 34463
    // and waits out the connect timeout on ':::' or ','.
    if (auto problem = bootstrap_servers_problem(a.get("-b")); !problem.empty())
      throw usage_error("-b: " + problem);
    cfg.bootstrap_servers = a.get("-b");
  }
  return cfg;
}

} // namespace kafka_actors::cli

namespace {

const char* usage = R"(usage: kafka-actors <command> [options]

commands:
  quickstart   create a topic, send 10,000 messages through KafkaService, consume them
  produce      send stdin lines as records (kcat -P habits)
  consume      print records as lines (kcat -C habits)
  health       what a running service's /readyz (or /healthz) says; exit 0 ready, 1 not
  topics       list, describe, create, delete, add-partitions, alter, delete-records;
               plan/apply a topology file's desired topics
  groups       list, describe, lag, reset offsets (dry run unless --execute)
  migrate      plan, apply, status of versioned topic migrations (vNNN_<name>.json)
  node         publish a KafkaService for other processes (CAF middleman) until SIGTERM
  completion   print the bash completion script ('source <(kafka-actors completion bash)')

Without -b, produce, consume and quickstart run on the embedded default: librdkafka's
in-process mock cluster, which lives as long as the command does. topics, groups and migrate
need a real broker.
Run 'kafka-actors <command> --help' for a command's options.
)";

} // namespace

int main(int argc, char** argv) {
  using namespace kafka_actors::cli;
  std::vector<std::string> rest(argv + 1, argv + argc);
  if (rest.empty()) {
    std::cerr << usage; // a usage error: stdout stays for what a command prints
    return 2;
  }
  if (rest[0] == "--help" || rest[0] == "-h" || rest[0] == "help") {
    std::cout << usage;
    return 0;
  }
  auto cmd = rest[0];
  rest.erase(rest.begin());
  try {
    if (cmd == "quickstart")
      return quickstart(rest);
    if (cmd == "produce")
      return produce(rest);
    if (cmd == "consume")
      return consume(rest);
    if (cmd == "health")
      return health(rest);
    if (cmd == "topics")
      return topics(rest);
    if (cmd == "groups")
      return groups(rest);
    if (cmd == "migrate")
      return migrate(rest);
    if (cmd == "node")
      return node(rest);
    if (cmd == "completion")
      return completion(rest);
    std::cerr << "kafka-actors: unknown command '" << kafka_actors::printable(cmd)
              << "' (try 'kafka-actors --help')\n";
    return 2;
  } catch (const usage_error& e) {
    std::cerr << "kafka-actors " << cmd << ": " << e.what() << " (try 'kafka-actors " << cmd
              << " --help')\n";
    return 2;
  }
}
