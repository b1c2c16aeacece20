// kafka-actors groups: list, describe, lag (committed offsets), reset (dry run unless
// --execute, refused for a group with active members).

#include <iostream>

#include <boost/json.hpp>

#include "kafka_actors/runtime/admin_client.hpp"
#include "kafka_actors/runtime/printable.hpp"
#include "tools/cli.hpp"
#include "tools/table.hpp"

namespace kafka_actors::cli {

caf::expected<admin_client> connect_admin(const args& a);

namespace {

const char* groups_usage = R"(usage: kafka-actors groups <action> [options]

actions:
  list                      consumer groups and their state
  describe GROUP            state, assignor, members and what each is assigned
  lag GROUP [-t TOPIC]...   committed offset, end offset and lag per partition (every topic
                            the group committed to, or the -t topics)
  reset GROUP [-t TOPIC]... (--to-earliest | --to-latest | --to-offset N |
                             --to-timestamp MS | --shift-by N) [--execute]
                            move the group's committed offsets; prints the plan and changes
                            nothing without --execute; refused while the group has members

options:
  -b, --bootstrap HOST:PORT,... brokers (or --config FILE, or KAFKA_ACTORS_BOOTSTRAP_SERVERS)
  --config FILE                 kafka-actors JSON config
  --json                        print JSON instead of a table
  -h, --help                    this text

Exit codes: 0 done, 1 failed (the error says why), 2 usage error.
)";

std::string offset_text(int64_t o) {
  return o < 0 ? std::string{"-"} : std::to_string(o);
}

} // namespace

int groups(const std::vector<std::string>& argv) {
  if (argv.empty())
    throw usage_error("missing action (list, describe, lag, reset)");
  auto action = argv.front();
  std::vector<std::string> rest(argv.begin() + 1, argv.end());
  if (action == "-h" || action == "--help") {
    std::cout << groups_usage;
    return 0;
  }
  if (action != "list" && action != "describe" && action != "lag" && action != "reset")
    throw usage_error("unknown action '" + printable(action) + "'");
  arg_spec spec{{"-h", "--json", "--to-earliest", "--to-latest", "--execute"},
                {"-b", "--config", "--to-offset", "--to-timestamp", "--shift-by"},
                {"-t"},
                {}};
  if (action != "list")
    spec.positionals = {"GROUP"};
  args a{rest, spec};
  if (a.has("-h")) {
    std::cout << groups_usage;
    return 0;
  }
  if (action != "list" && a.positional().empty())
    throw usage_error("missing GROUP");
  auto group = a.positional().empty() ? std::string{} : a.positional().front();
  bool json = a.has("--json");
  auto cmd = "groups " + action;
  offset_reset to;
  int targets = 0;
  for (auto opt : {"--to-earliest", "--to-latest", "--to-offset", "--to-timestamp", "--shift-by"})
    targets += a.has(opt) ? 1 : 0;
  if (action == "reset") {
    if (targets != 1)
      throw usage_error("reset needs exactly one of --to-earliest, --to-latest, --to-offset, "
                        "--to-timestamp, --shift-by");
    using k = offset_reset::kind;
    constexpr auto max = std::numeric_limits<int64_t>::max();
    if (a.has("--to-earliest"))
      to = {k::earliest, 0};
    else if (a.has("--to-latest"))
      to = {k::latest, 0};
    else if (a.has("--to-offset"))
      to = {k::to_offset, a.number("--to-offset", 0, 0, max)};
    else if (a.has("--to-timestamp"))
      to = {k::to_timestamp, a.number("--to-timestamp", 0, 0, max)};
    else
      to = {k::shift, a.number("--shift-by", 0, -max, max)};
  } else if (targets > 0 || a.has("--execute")) {
    throw usage_error("the reset options apply only to 'groups reset'");
  }
  if (action == "list" || action == "describe")
    if (a.has("-t"))
      throw usage_error("'-t' does not apply to 'groups " + action + "'");
  auto topics = a.all("-t");
  for (auto& t : topics)
    if (auto err = validate_topic_name(t))
      return report(cmd.c_str(), err);

  auto admin = connect_admin(a);
  if (!admin)
    return report(cmd.c_str(), admin.error());

  if (action == "list") {
    auto gs = admin->list_groups();
    if (!gs)
      return report(cmd.c_str(), gs.error());
    if (json) {
      boost::json::array out;
      for (auto& g : *gs)
        out.push_back({{"group", g.group}, {"state", g.state}, {"simple", g.simple}});
      std::cout << boost::json::serialize(out) << "\n";
      return 0;
    }
    table t{{"GROUP", "STATE"}};
    for (auto& g : *gs)
      t.add({g.group, g.state});
    t.print(std::cout);
    return 0;
  }
  if (action == "describe") {
    auto d = admin->describe_group(group);
    if (!d)
      return report(cmd.c_str(), d.error());
    if (json) {
      boost::json::array members;
      for (auto& m : d->members) {
        boost::json::array assigned;
        for (auto& [topic, p] : m.assignment)
          assigned.push_back({{"topic", topic}, {"partition", p}});
        members.push_back({{"member_id", m.member_id}, {"client_id", m.client_id},
                           {"host", m.host}, {"assignment", assigned}});
      }
      std::cout << boost::json::serialize(boost::json::object{
                     {"group", d->group}, {"state", d->state}, {"assignor", d->assignor},
                     {"coordinator", d->coordinator}, {"members", members}})
                << "\n";
      return 0;
    }
    std::cout << "Group: " << printable(d->group) << "  State: " << d->state
              << "  Assignor: " << (d->assignor.empty() ? "-" : d->assignor)
              << "  Coordinator: " << d->coordinator << "\n";
    table t{{"MEMBER", "CLIENT", "HOST", "ASSIGNMENT"}};
    for (auto& m : d->members) {
      std::string assigned;
      for (auto& [topic, p] : m.assignment)
        assigned += (assigned.empty() ? "" : ",") + topic + "[" + std::to_string(p) + "]";
      t.add({m.member_id, m.client_id, m.host, assigned.empty() ? "-" : assigned});
    }
    t.print(std::cout);
    return 0;
  }
  if (action == "lag") {
    auto offsets = admin->group_offsets(group, topics);
    if (!offsets)
      return report(cmd.c_str(), offsets.error());
    int64_t total = 0;
    for (auto& o : *offsets)
      total += o.lag();
    if (json) {
      boost::json::array out;
      for (auto& o : *offsets)
        out.push_back({{"topic", o.topic}, {"partition", o.partition},
                       {"committed", o.committed}, {"start", o.low}, {"end", o.high},
                       {"lag", o.lag()}});
      std::cout << boost::json::serialize(boost::json::object{
                     {"group", group}, {"partitions", out}, {"lag", total}})
                << "\n";
      return 0;
    }
    table t{{"TOPIC", "PARTITION", "COMMITTED", "END", "LAG"}};
    for (auto& o : *offsets)
      t.add({o.topic, std::to_string(o.partition), offset_text(o.committed),
             std::to_string(o.high), std::to_string(o.lag())});
    t.print(std::cout);
    std::cout << "total lag: " << total << "\n";
    return 0;
  }
  // reset
  bool execute = a.has("--execute");
  auto plan = admin->reset_offsets(group, topics, to, execute);
  if (!plan)
    return report(cmd.c_str(), plan.error());
  if (json) {
    boost::json::array out;
    for (auto& p : *plan)
      out.push_back({{"topic", p.topic}, {"partition", p.partition}, {"current", p.current},
                     {"target", p.target}});
    std::cout << boost::json::serialize(boost::json::object{
                   {"group", group}, {"executed", execute}, {"partitions", out}})
              << "\n";
  } else {
    table t{{"TOPIC", "PARTITION", "CURRENT", "NEW"}};
    for (auto& p : *plan)
      t.add({p.topic, std::to_string(p.partition), offset_text(p.current),
             std::to_string(p.target)});
    t.print(std::cout);
  }
  std::cerr << (execute ? "offsets of group '" + group + "' reset"
                        : std::string{"dry run: nothing changed (add --execute to commit "
                                      "these offsets)"})
            << "\n";
  return 0;
}

} // namespace kafka_actors::cli
