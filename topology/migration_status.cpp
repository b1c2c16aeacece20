#include "kafka_actors/topology/migration_status.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <numeric>

#include "kafka_actors/runtime/printable.hpp"

namespace kafka_actors {

namespace {

using state = migration_status::entry::state;

std::string file_of(const migration& m) {
  return printable(std::filesystem::path{m.path}.filename().string());
}

// How an applied version is named when no file shows how its version was written.
std::string label(int64_t version, const std::string& name) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "v%03lld_", static_cast<long long>(version));
  return buf + printable(name);
}

void add_problem(std::string& problems, const std::string& what) {
  if (!problems.empty())
    problems += "; ";
  problems += what;
}

} // namespace

const char* to_string(state st) {
  switch (st) {
    case state::applied: return "applied";
    case state::pending: return "pending";
    case state::checksum_mismatch: return "checksum_mismatch";
    case state::missing_file: return "missing_file";
  }
  return "unknown";
}

migration_status compare(const std::vector<migration>& on_disk,
                         const std::map<int64_t, applied_migration>& applied) {
  migration_status out;
  std::vector<size_t> order(on_disk.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) {
    return on_disk[x].version < on_disk[y].version;
  });
  int64_t newest_applied = applied.empty() ? 0 : applied.rbegin()->first;
  const migration* newest_file = nullptr;
  for (size_t i : order)
    if (on_disk[i].version == newest_applied)
      newest_file = &on_disk[i];
  auto newest_label = newest_file ? file_of(*newest_file)
                                  : newest_applied > 0
                                      ? label(newest_applied,
                                              applied.rbegin()->second.name)
                                      : std::string{};
  auto next_applied = applied.begin();
  auto add_missing_up_to = [&](int64_t version) {
    for (; next_applied != applied.end() && next_applied->first < version; ++next_applied) {
      const auto& a = next_applied->second;
      out.entries.push_back({a.version, a.name, state::missing_file, a.applied_at_ms});
      add_problem(out.problem, "applied migration " + label(a.version, a.name)
                                 + " (checksum " + printable(a.checksum)
                                 + ") has no file in the migration directory");
    }
  };
  for (size_t n = 0; n < order.size(); ++n) {
    const auto& m = on_disk[order[n]];
    if (n > 0 && on_disk[order[n - 1]].version == m.version) {
      add_problem(out.problem, file_of(on_disk[order[n - 1]]) + " and " + file_of(m)
                                 + " both have version " + std::to_string(m.version));
      continue;
    }
    add_missing_up_to(m.version);
    auto a = applied.find(m.version);
    if (a == applied.end()) {
      out.entries.push_back({m.version, m.name, state::pending, std::nullopt});
      out.pending.push_back(order[n]);
      if (m.version < newest_applied)
        add_problem(out.problem, file_of(m) + " is older than applied " + newest_label
                                   + " and would run out of order");
      continue;
    }
    ++next_applied;
    if (a->second.checksum != m.checksum) {
      out.entries.push_back({m.version, m.name, state::checksum_mismatch,
                             a->second.applied_at_ms});
      add_problem(out.problem, file_of(m) + " changed after it was applied (checksum now "
                                 + m.checksum + ", applied " + printable(a->second.checksum) + ")");
      continue;
    }
    out.entries.push_back({m.version, m.name, state::applied, a->second.applied_at_ms});
  }
  add_missing_up_to(INT64_MAX);
  return out;
}

} // namespace kafka_actors
