// kafka-actors migrate: versioned topic migrations (vNNN_<name>.json in a directory), their
// ledger in the compacted topic __kafka_actors_migrations.

#include <ctime>
#include <iostream>

#include <boost/json.hpp>

#include "kafka_actors/runtime/printable.hpp"
#include "kafka_actors/topology/migration_runner.hpp"
#include "tools/cli.hpp"
#include "tools/table.hpp"

namespace kafka_actors::cli {

namespace {

const char* migrate_usage = R"(usage: kafka-actors migrate <plan|apply|status> DIR [options]

DIR holds migration files vNNN_<name>.json (see examples/migrations/). Applied versions are
recorded, with the file's checksum, in the compacted topic __kafka_actors_migrations.

actions:
  status DIR          applied and pending versions; a file changed after it was applied,
                      a file gone or a version out of order is reported (exit 1)
  plan DIR [--check]  what apply would change, changing nothing; --check exits 3 when
                      anything is pending
  apply DIR           runs pending migrations in order; stops at the first failure with
                      the file and the op; safe to re-run (done ops are skipped); a second
                      apply at the same time takes over and the first stops

options:
  -b, --bootstrap HOST:PORT,... brokers (or --config FILE, or KAFKA_ACTORS_BOOTSTRAP_SERVERS)
  --config FILE                 kafka-actors JSON config
  --ledger TOPIC                the ledger topic (default __kafka_actors_migrations): one
                                per set of migrations sharing a cluster
  --json                        print JSON instead of text
  -h, --help                    this text

Exit codes: 0 done, 1 failed, 2 usage error, 3 plan --check found pending migrations.
)";

std::string time_text(int64_t ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string version_text(int64_t v) {
  auto s = std::to_string(v);
  return "v" + std::string(s.size() < 3 ? 3 - s.size() : 0, '0') + s;
}

} // namespace

int migrate(const std::vector<std::string>& argv) {
  if (argv.empty())
    throw usage_error("missing action (plan, apply, status)");
  auto action = argv.front();
  if (action == "-h" || action == "--help") {
    std::cout << migrate_usage;
    return 0;
  }
  if (action != "plan" && action != "apply" && action != "status")
    throw usage_error("unknown action '" + printable(action) + "'");
  args a{{argv.begin() + 1, argv.end()},
         {{"-h", "--json", "--check"}, {"-b", "--config", "--ledger"}, {}, {"DIR"}}};
  if (a.has("-h")) {
    std::cout << migrate_usage;
    return 0;
  }
  if (a.positional().empty())
    throw usage_error("missing DIR (the directory of vNNN_<name>.json files)");
  if (a.has("--check") && action != "plan")
    throw usage_error("'--check' applies only to 'migrate plan'");
  auto cmd = "migrate " + action;
  bool json = a.has("--json");
  auto cfg = load_config(a);
  if (!cfg)
    return report(cmd.c_str(), cfg.error());
  auto ledger = a.get("--ledger", default_ledger_topic);
  if (auto err = validate_topic_name(ledger))
    return report(cmd.c_str(), err);
  auto runner = migration_runner::open(*cfg, a.positional().front(), ledger);
  if (!runner)
    return report(cmd.c_str(), runner.error());

  if (action == "status") {
    auto st = runner->status();
    if (!st)
      return report(cmd.c_str(), st.error());
    if (json) {
      boost::json::array out;
      for (auto& e : st->entries) {
        boost::json::object o{{"version", e.version}, {"name", e.name},
                              {"state", to_string(e.st)}};
        if (e.applied_at_ms)
          o["applied_at_ms"] = *e.applied_at_ms;
        out.push_back(o);
      }
      std::cout << boost::json::serialize(boost::json::object{
                     {"migrations", out}, {"problem", st->problem}})
                << "\n";
    } else {
      table t{{"VERSION", "NAME", "STATE", "APPLIED"}};
      for (auto& e : st->entries)
        t.add({version_text(e.version), e.name, to_string(e.st),
               e.applied_at_ms ? time_text(*e.applied_at_ms) : "-"});
      t.print(std::cout);
    }
    if (!st->ok())
      return report(cmd.c_str(), make_error(errc::invalid_config, st->problem));
    return 0;
  }
  if (action == "plan") {
    auto plan = runner->plan();
    if (!plan)
      return report(cmd.c_str(), plan.error());
    if (json) {
      boost::json::array out;
      for (auto& s : plan->steps) {
        boost::json::array ops;
        for (auto& op : s.ops)
          ops.push_back({{"op", to_string(op.k)}, {"topic", op.topic}, {"change", describe(op)}});
        out.push_back({{"version", s.m.version}, {"name", s.m.name}, {"ops", ops}});
      }
      std::cout << boost::json::serialize(boost::json::object{{"pending", out}}) << "\n";
    } else if (plan->empty()) {
      std::cout << "up to date: no pending migration\n";
    } else {
      for (auto& s : plan->steps) {
        std::cout << version_text(s.m.version) << " " << s.m.name << "\n";
        if (s.ops.empty())
          std::cout << "  (the cluster already is as it leaves it: only recorded)\n";
        for (auto& op : s.ops)
          std::cout << "  " << describe(op) << "\n";
      }
      std::cout << plan->steps.size() << " pending\n";
    }
    return a.has("--check") && !plan->empty() ? 3 : 0;
  }
  auto recorded = runner->apply([](const std::string& line) { std::cerr << line << "\n"; });
  if (!recorded)
    return report(cmd.c_str(), recorded.error());
  if (json) {
    std::cout << boost::json::serialize(boost::json::object{
                   {"applied", boost::json::array(recorded->begin(), recorded->end())}})
              << "\n";
  }
  std::cerr << (recorded->empty() ? "up to date: no pending migration"
                                  : std::to_string(recorded->size()) + " applied")
            << "\n";
  return 0;
}

} // namespace kafka_actors::cli
