#pragma once

// Versioned migrations: a directory of files vNNN_<name>.json, each a list of topic
// operations, applied once each in version order (the ledger remembers which ran).

#include <cstdint>
#include <string>
#include <vector>

#include <caf/expected.hpp>

#include "kafka_actors/topology/topic_op.hpp"

namespace kafka_actors {

/// Versions fit the ledger's six-digit keys (migration_key), so keys sort as versions do.
constexpr int64_t max_migration_version = 999'999;

struct migration {
  int64_t version = 0;
  /// The file name's <name> part: [a-z0-9_]+.
  std::string name;
  /// As given to load_migration, or the directory joined with the file name.
  std::string path;
  /// sha256 hex of the file's bytes.
  std::string checksum;
  std::string description;
  /// In file order, never empty.
  std::vector<topic_op> ops;
};

/// Reads and validates one migration file. The file name must be vNNN_<name>.json; errors
/// (errc::invalid_config) name the file, the JSON path of the key and the problem.
caf::expected<migration> load_migration(const std::string& path);

/// Every vNNN_<name>.json in `dir`, sorted by version. Files with another extension and
/// hidden files (editor backups and locks) are ignored; a .json file with another name,
/// two files with one version, or any invalid file is an error.
caf::expected<std::vector<migration>> load_migrations(const std::string& dir);

} // namespace kafka_actors
