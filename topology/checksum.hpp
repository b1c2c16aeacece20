#pragma once

// A migration's identity is its bytes: the ledger keeps their digest so that a file edited
// after it was applied is noticed rather than silently diverging from the cluster.

#include <string>
#include <string_view>

#include <caf/expected.hpp>

namespace kafka_actors {

/// SHA-256 of `bytes`, 64 lowercase hex digits. Fails only when OpenSSL cannot compute it
/// (no memory, no default provider).
caf::expected<std::string> sha256_hex(std::string_view bytes);

} // namespace kafka_actors
