#pragma once

// How `kafka-actors produce` reads its input: stdin lines split into key and value at the
// -K delimiter, and -H NAME=VALUE headers. Pure functions (no CAF, no librdkafka), so unit
// tests and fuzz/ exercise exactly what the CLI runs.

#include <optional>
#include <string>
#include <utility>

namespace kafka_actors::cli {

/// One stdin line as a record's key and value. An empty key means "no key".
struct keyed_line {
  std::string key;
  std::string value;
};

/// Splits `line` at the first occurrence of `delim` (kcat -K): what comes before is the key,
/// what follows the value (either may be empty). Without `delim` in the line, or with an
/// empty `delim`, the whole line is the value and there is no key.
keyed_line split_key(std::string line, const std::string& delim);

/// A `-H NAME=VALUE` argument as a header: the name is what comes before the first '=', the
/// value everything after it (may be empty, may contain '='). Nothing when there is no '='
/// or the name is empty.
std::optional<std::pair<std::string, std::string>> parse_header_arg(const std::string& arg);

} // namespace kafka_actors::cli
