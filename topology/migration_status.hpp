#pragma once

// The migrations on disk against the ledger: what ran, what is pending, and whatever
// makes applying unsafe (a file edited after it ran, a file gone, a version that would
// run out of order).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "kafka_actors/topology/migration.hpp"
#include "kafka_actors/topology/migration_ledger.hpp"

namespace kafka_actors {

struct migration_status {
  struct entry {
    enum class state { applied, pending, checksum_mismatch, missing_file };
    int64_t version = 0;
    /// The file's name part; the ledger's for a missing file.
    std::string name;
    state st = state::pending;
    /// Set for every version the ledger has.
    std::optional<int64_t> applied_at_ms;
  };
  /// One per version on disk or in the ledger, by version.
  std::vector<entry> entries;
  /// Indexes into compare's `on_disk` of the migrations to apply, by version.
  std::vector<size_t> pending;
  /// Empty when applying is safe; otherwise every problem, separated by "; ". An apply
  /// must refuse to run while this is not empty.
  std::string problem;

  bool ok() const {
    return problem.empty();
  }
};

const char* to_string(migration_status::entry::state st);

/// `on_disk` as load_migrations returns it (any order is accepted).
migration_status compare(const std::vector<migration>& on_disk,
                         const std::map<int64_t, applied_migration>& applied);

} // namespace kafka_actors
