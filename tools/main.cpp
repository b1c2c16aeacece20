// kafka-actors: the command line of the framework.

#include <iostream>

#include "kafka_actors/runtime/errors.hpp"
#include "tools/cli.hpp"

namespace kafka_actors::cli {

args::args(std::vector<std::string> argv, std::vector<std::string> flags,
           std::vector<std::string> valued) {
  auto is = [](const std::vector<std::string>& xs, const std::string& x) {
    for (auto& y : xs)
      if (y == x)
        return true;
    return false;
  };
  for (size_t i = 0; i < argv.size(); ++i) {
    auto& a = argv[i];
    if (a.size() > 1 && a[0] == '-') {
      auto eq = a.find('=');
      if (a.rfind("--", 0) == 0 && eq != std::string::npos) {
        auto name = a.substr(0, eq);
        if (!is(valued, name))
          throw usage_error("unknown option '" + name + "'");
        values_.emplace(name, a.substr(eq + 1));
      } else if (is(flags, a)) {
        values_.emplace(a, "");
      } else if (is(valued, a)) {
        if (i + 1 >= argv.size())
          throw usage_error("option '" + a + "' needs a value");
        values_.emplace(a, argv[++i]);
      } else {
        throw usage_error("unknown option '" + a + "'");
      }
    } else {
      positional_.push_back(a);
    }
  }
}

std::string args::get(const std::string& opt, std::string fallback) const {
  auto i = values_.find(opt);
  return i == values_.end() ? fallback : i->second;
}

std::vector<std::string> args::all(const std::string& opt) const {
  std::vector<std::string> out;
  auto [b, e] = values_.equal_range(opt);
  for (auto i = b; i != e; ++i)
    out.push_back(i->second);
  return out;
}

long long args::number(const std::string& opt, long long fallback) const {
  if (!has(opt))
    return fallback;
  auto v = get(opt);
  try {
    size_t used = 0;
    auto n = std::stoll(v, &used);
    if (used != v.size())
      throw std::invalid_argument(v);
    return n;
  } catch (const std::exception&) {
    throw usage_error("option '" + opt + "' needs a number, got '" + v + "'");
  }
}

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
  if (a.has("-b"))
    cfg.bootstrap_servers = a.get("-b");
  return cfg;
}

} // namespace kafka_actors::cli

namespace {

const char* usage = R"(usage: kafka-actors <command> [options]

commands:
  quickstart   create a topic, send 10,000 messages through KafkaService, consume them
  produce      send stdin lines as records (kcat -P habits)
  consume      print records as lines (kcat -C habits)

Without -b every command runs on the embedded default: librdkafka's in-process mock
cluster, which lives as long as the command does.
Run 'kafka-actors <command> --help' for a command's options.
)";

} // namespace

int main(int argc, char** argv) {
  using namespace kafka_actors::cli;
  std::vector<std::string> rest(argv + 1, argv + argc);
  if (rest.empty() || rest[0] == "--help" || rest[0] == "-h" || rest[0] == "help") {
    std::cout << usage;
    return rest.empty() ? 2 : 0;
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
    std::cerr << "kafka-actors: unknown command '" << cmd
              << "' (try 'kafka-actors --help')\n";
    return 2;
  } catch (const usage_error& e) {
    std::cerr << "kafka-actors " << cmd << ": " << e.what() << " (try 'kafka-actors " << cmd
              << " --help')\n";
    return 2;
  }
}
