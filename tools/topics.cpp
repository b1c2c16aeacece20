// kafka-actors topics: list, describe, create, delete, add-partitions, alter, delete-records,
// and a desired state from a topology file through plan/apply.

#include <iostream>

#include <boost/json.hpp>

#include "kafka_actors/runtime/admin_client.hpp"
#include "kafka_actors/runtime/printable.hpp"
#include "kafka_actors/topology/cluster_ops.hpp"
#include "kafka_actors/topology/desired_topics.hpp"
#include "kafka_actors/topology/topic_plan.hpp"
#include "tools/cli.hpp"
#include "tools/table.hpp"

namespace kafka_actors::cli {

namespace {

const char* topics_usage = R"(usage: kafka-actors topics <action> [options]

actions:
  list                          topic names (--internal: with __consumer_offsets and such)
  describe TOPIC                partitions, leaders, replicas, in-sync replicas, configs
  create TOPIC [-p N] [-r N] [-X key=value]...
                                -p partitions (default 1), -r replication (default: the
                                broker's), -X a topic config (repeatable)
  delete TOPIC
  add-partitions TOPIC -p N     grow TOPIC to N partitions
  alter TOPIC -X key=value...   set topic configs; the others stay as they are
  delete-records TOPIC -p PARTITION --before OFFSET
                                drop PARTITION's records before OFFSET (-1: all)
  plan FILE [--check]           what 'apply' would change to match FILE's "topics";
                                --check exits 3 when anything would change
  apply FILE                    make the cluster match FILE (creates, grows partitions,
                                sets configs; never deletes, never shrinks)

options:
  -b, --bootstrap HOST:PORT,... brokers (or --config FILE, or KAFKA_ACTORS_BOOTSTRAP_SERVERS)
  --config FILE                 kafka-actors JSON config
  --json                        print JSON instead of a table
  -h, --help                    this text

Exit codes: 0 done, 1 failed (the error says why), 2 usage error, 3 plan --check found
changes. The admin commands need a real broker: the embedded cluster lives only as long as
one command.
)";

std::map<std::string, std::string> topic_configs(const args& a) {
  std::map<std::string, std::string> out;
  for (auto& kv : a.all("-X")) {
    auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == kv.size())
      throw usage_error("-X needs key=value, got '" + printable(kv) + "'");
    if (!out.emplace(kv.substr(0, eq), kv.substr(eq + 1)).second)
      throw usage_error("-X sets '" + printable(kv.substr(0, eq)) + "' twice");
  }
  return out;
}

boost::json::object to_json(const topic_description& d) {
  boost::json::array parts;
  for (auto& p : d.partitions) {
    boost::json::array replicas(p.replicas.begin(), p.replicas.end());
    boost::json::array isr(p.isr.begin(), p.isr.end());
    parts.push_back({{"partition", p.id}, {"leader", p.leader}, {"replicas", replicas},
                     {"isr", isr}});
  }
  boost::json::object configs;
  for (auto& [k, v] : d.configs)
    configs[k] = v;
  return {{"topic", d.name}, {"partitions", parts}, {"replication", d.replication()},
          {"configs", configs}};
}

std::string join(const std::vector<int32_t>& xs) {
  std::string out;
  for (auto x : xs)
    out += (out.empty() ? "" : ",") + std::to_string(x);
  return out;
}

int print_plan(const std::vector<topic_op>& ops, bool json) {
  if (json) {
    boost::json::array out;
    for (auto& op : ops)
      out.push_back({{"op", to_string(op.k)}, {"topic", op.topic}, {"change", describe(op)}});
    std::cout << boost::json::serialize(out) << "\n";
  } else if (ops.empty()) {
    std::cout << "up to date: nothing to change\n";
  } else {
    for (auto& op : ops)
      std::cout << "  " << describe(op) << "\n";
    std::cout << ops.size() << (ops.size() == 1 ? " change" : " changes") << "\n";
  }
  return 0;
}

} // namespace

caf::expected<admin_client> connect_admin(const args& a) {
  auto cfg = load_config(a);
  if (!cfg)
    return cfg.error();
  return admin_client::connect(*cfg);
}

int topics(const std::vector<std::string>& argv) {
  if (argv.empty())
    throw usage_error("missing action (list, describe, create, delete, add-partitions, alter, "
                      "delete-records, plan, apply)");
  auto action = argv.front();
  std::vector<std::string> rest(argv.begin() + 1, argv.end());
  if (action == "-h" || action == "--help") {
    std::cout << topics_usage;
    return 0;
  }
  static const std::vector<std::string> actions = {
    "list", "describe", "create", "delete", "add-partitions", "alter", "delete-records", "plan",
    "apply"};
  if (std::find(actions.begin(), actions.end(), action) == actions.end())
    throw usage_error("unknown action '" + printable(action) + "'");
  arg_spec spec{{"-h", "--json", "--internal", "--check"},
                {"-b", "--config", "-p", "-r", "--before"},
                {"-X"},
                {}};
  if (action != "list")
    spec.positionals = {action == "plan" || action == "apply" ? "FILE" : "TOPIC"};
  args a{rest, spec};
  if (a.has("-h")) {
    std::cout << topics_usage;
    return 0;
  }
  if (action != "list" && a.positional().empty())
    throw usage_error(std::string{"missing "} + spec.positionals.front());
  auto target = a.positional().empty() ? std::string{} : a.positional().front();
  bool json = a.has("--json");
  auto cmd = "topics " + action;
  // Options an action does not take are errors, not silently ignored.
  auto only = [&](std::initializer_list<const char*> allowed) {
    for (auto opt : {"-p", "-r", "-X", "--before", "--internal", "--check"}) {
      bool ok = false;
      for (auto x : allowed)
        ok = ok || std::string{x} == opt;
      if (!ok && a.has(opt))
        throw usage_error(std::string{"'"} + opt + "' does not apply to 'topics " + action + "'");
    }
  };
  if (action == "list")
    only({"--internal"});
  else if (action == "describe" || action == "delete")
    only({});
  else if (action == "create")
    only({"-p", "-r", "-X"});
  else if (action == "add-partitions")
    only({"-p"});
  else if (action == "alter")
    only({"-X"});
  else if (action == "delete-records")
    only({"-p", "--before"});
  else if (action == "plan")
    only({"--check"});
  else
    only({});
  if ((action == "add-partitions" || action == "delete-records") && !a.has("-p"))
    throw usage_error("missing -p");
  if (action == "delete-records" && !a.has("--before"))
    throw usage_error("missing --before OFFSET");
  if (action == "alter" && !a.has("-X"))
    throw usage_error("missing -X key=value");
  auto partitions = static_cast<int32_t>(a.number("-p", 1, action == "delete-records" ? 0 : 1,
                                                  100000));
  auto replication = static_cast<int16_t>(a.number("-r", -1, 1, 32));
  auto before = a.number("--before", -1, -1, std::numeric_limits<int64_t>::max());
  auto configs = topic_configs(a);
  if (action != "list" && action != "plan" && action != "apply")
    if (auto err = validate_topic_name(target))
      return report(cmd.c_str(), err);
  std::vector<topic_config> desired;
  if (action == "plan" || action == "apply") {
    auto loaded = load_desired_topics(target);
    if (!loaded)
      return report(cmd.c_str(), loaded.error());
    desired = std::move(*loaded);
  }

  auto admin = connect_admin(a);
  if (!admin)
    return report(cmd.c_str(), admin.error());

  if (action == "list") {
    auto names = admin->list_topics(a.has("--internal"));
    if (!names)
      return report(cmd.c_str(), names.error());
    if (json)
      std::cout << boost::json::serialize(boost::json::array(names->begin(), names->end()))
                << "\n";
    else
      for (auto& n : *names)
        std::cout << printable(n) << "\n";
    return 0;
  }
  if (action == "describe") {
    auto d = admin->describe_topic(target);
    if (!d)
      return report(cmd.c_str(), d.error());
    if (json) {
      std::cout << boost::json::serialize(to_json(*d)) << "\n";
      return 0;
    }
    std::cout << "Topic: " << printable(d->name) << "  Partitions: " << d->partitions.size()
              << "  Replication: " << d->replication() << "\n";
    if (!d->configs.empty()) {
      std::cout << "Configs:";
      for (auto& [k, v] : d->configs)
        std::cout << " " << k << "=" << printable(v);
      std::cout << "\n";
    }
    table t{{"PARTITION", "LEADER", "REPLICAS", "ISR"}};
    for (auto& p : d->partitions)
      t.add({std::to_string(p.id), std::to_string(p.leader), join(p.replicas), join(p.isr)});
    t.print(std::cout);
    return 0;
  }
  caf::error err;
  if (action == "create") {
    err = admin->create_topic({target, partitions, replication, configs});
    if (!err)
      std::cerr << "created topic " << target << " (" << partitions << " partitions)\n";
  } else if (action == "delete") {
    err = admin->delete_topic(target);
    if (!err)
      std::cerr << "deleted topic " << target << "\n";
  } else if (action == "add-partitions") {
    err = admin->add_partitions(target, partitions);
    if (!err)
      std::cerr << "topic " << target << " has " << partitions << " partitions\n";
  } else if (action == "alter") {
    err = admin->alter_configs(target, configs);
    if (!err)
      std::cerr << "altered configs of " << target << "\n";
  } else if (action == "delete-records") {
    auto low = admin->delete_records(target, partitions, before);
    if (!low)
      return report(cmd.c_str(), low.error());
    std::cerr << target << "[" << partitions << "] now starts at offset " << *low << "\n";
  } else { // plan, apply
    std::vector<std::string> names;
    for (auto& t : desired)
      names.push_back(t.name);
    auto state = cluster_state(*admin, names);
    if (!state)
      return report(cmd.c_str(), state.error());
    auto ops = reconcile(desired, *state);
    if (!ops)
      return report(cmd.c_str(), ops.error());
    if (action == "plan") {
      print_plan(*ops, json);
      return a.has("--check") && !ops->empty() ? 3 : 0;
    }
    for (auto& op : *ops) {
      std::cerr << describe(op) << "\n";
      if (auto e = execute(*admin, op))
        return report(cmd.c_str(), make_error(code_of(e) == errc::none ? errc::kafka_error
                                                                          : code_of(e),
                                              describe(op) + " failed: " + describe(e)));
    }
    std::cerr << (ops->empty() ? "up to date: nothing to change"
                               : std::to_string(ops->size()) + " changes applied")
              << "\n";
  }
  if (err)
    return report(cmd.c_str(), err);
  return 0;
}

} // namespace kafka_actors::cli
