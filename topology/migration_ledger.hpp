#pragma once

// Which migrations ran: one record per version in a compacted Kafka topic, key
// migration_key(version), value encode(applied). Compaction keeps the last record of a
// key, so reading the topic from the start and folding gives the current ledger.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <caf/expected.hpp>

namespace kafka_actors {

struct applied_migration {
  int64_t version = 0;
  std::string name;
  /// The file's sha256 hex when it was applied.
  std::string checksum;
  /// Wall clock, milliseconds since the epoch.
  int64_t applied_at_ms = 0;
};

bool operator==(const applied_migration& x, const applied_migration& y);

/// "v000001": zero-padded so that keys sort as versions do (1..max_migration_version).
std::string migration_key(int64_t version);

/// The record value: {"version":1,"name":"...","checksum":"...","applied_at_ms":...}.
std::string encode(const applied_migration& x);

/// Reads one record back; errors (errc::invalid_config) name the key. The value must hold
/// exactly the four fields, its version the key's: a ledger this code does not fully
/// understand must stop an apply rather than be half-read.
caf::expected<applied_migration> decode_applied(std::string_view key, std::string_view value);

/// The ledger from its records in log order: a later record for a key replaces an earlier
/// one, an empty value (a tombstone) removes the version. Any undecodable record is an
/// error naming its position and key.
caf::expected<std::map<int64_t, applied_migration>>
fold_applied(const std::vector<std::pair<std::string, std::string>>& records);

} // namespace kafka_actors
