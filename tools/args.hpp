#pragma once

// Argument scanning of the kafka-actors CLI, in getopt's and kcat's habits. Pure (no CAF, no
// librdkafka), so unit tests and fuzz/ exercise exactly what the CLI runs.

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

/// What a command accepts.
struct arg_spec {
  /// Options without a value (-e, --live).
  std::vector<std::string> flags;
  /// Options with exactly one value; given twice is an error, not a silent pick.
  std::vector<std::string> valued;
  /// Options with a value that may repeat (-H k=v -H k2=v2).
  std::vector<std::string> repeatable;
  /// Names of the positional arguments the command takes, in order ("TOPIC"); more is an error.
  std::vector<std::string> positionals;
};

/// Scans argv against a spec. A short option's value may be attached (-K: -tname -c10) or
/// follow (-c 10); flags may be bundled (-ed); a long option's value follows or comes after
/// '=' (--timeout=5); "--" ends the options. --help, --bootstrap, --debug, --topic and --group
/// mean -h, -b, -d, -t and -G where the command has those. Throws usage_error for an unknown option, a
/// missing or empty value, a single-valued option given twice, a flag given a value or a stray
/// positional.
class args {
public:
  args(std::vector<std::string> argv, arg_spec spec);

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
  void add(const std::string& opt, std::string value);

  arg_spec spec_;
  std::multimap<std::string, std::string> values_;
  std::vector<std::string> positional_;
};

} // namespace kafka_actors::cli
