#pragma once

// Argument scanning of the kafka-actors CLI. Pure (no CAF, no librdkafka), so unit tests and
// fuzz/ exercise exactly what the CLI runs.

#include <limits>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace kafka_actors::cli {

/// A usage error: printed with the command's usage hint, exit code 2.
struct usage_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Scans argv for short/long options. Flags take no value; every other option takes one.
/// Throws usage_error for an unknown option or a missing value.
class args {
public:
  args(std::vector<std::string> argv, std::vector<std::string> flags,
       std::vector<std::string> valued);

  bool has(const std::string& opt) const {
    return values_.count(opt) > 0;
  }
  std::string get(const std::string& opt, std::string fallback = {}) const;
  std::vector<std::string> all(const std::string& opt) const;
  /// The value of `opt` as a decimal number, `fallback` if it is absent. Throws usage_error
  /// unless the whole value is a number in min..max.
  long long number(const std::string& opt, long long fallback,
                   long long min = std::numeric_limits<long long>::min(),
                   long long max = std::numeric_limits<long long>::max()) const;
  const std::vector<std::string>& positional() const {
    return positional_;
  }

private:
  std::multimap<std::string, std::string> values_;
  std::vector<std::string> positional_;
};

} // namespace kafka_actors::cli
