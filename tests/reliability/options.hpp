#pragma once

// Command-line options of the reliability drivers: "--name value" pairs and flags, nothing
// more. An unknown option is an error (exit 2), so a typo in a scenario script fails loudly.

#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace kafka_actors::reliability {

class options {
public:
  /// `flags` take no value; every other name in `valued` takes one (and may repeat).
  options(int argc, char** argv, std::set<std::string> flags, std::set<std::string> valued) {
    for (int i = 1; i < argc; ++i) {
      std::string a = argv[i];
      if (flags.count(a)) {
        values_.emplace(a, "");
      } else if (valued.count(a)) {
        if (i + 1 >= argc)
          throw std::invalid_argument("option '" + a + "' needs a value");
        values_.emplace(a, argv[++i]);
      } else {
        throw std::invalid_argument("unknown option '" + a + "'");
      }
    }
  }

  bool has(const std::string& name) const {
    return values_.count(name) > 0;
  }

  /// The last value given for `name` (a later option overrides an earlier one).
  std::string str(const std::string& name, const std::string& fallback = {}) const {
    auto [b, e] = values_.equal_range(name);
    return b == e ? fallback : std::prev(e)->second;
  }

  std::vector<std::string> all(const std::string& name) const {
    std::vector<std::string> out;
    auto [b, e] = values_.equal_range(name);
    for (auto i = b; i != e; ++i)
      out.push_back(i->second);
    return out;
  }

  long long num(const std::string& name, long long fallback) const {
    if (!has(name))
      return fallback;
    auto v = str(name);
    size_t used = 0;
    long long n = 0;
    try {
      n = std::stoll(v, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != v.size())
      throw std::invalid_argument("option '" + name + "' needs a number, got '" + v + "'");
    return n;
  }

  /// "key=value" options (e.g. -X acks=1) as a map.
  std::map<std::string, std::string> pairs(const std::string& name) const {
    std::map<std::string, std::string> out;
    for (auto& kv : all(name)) {
      auto eq = kv.find('=');
      if (eq == std::string::npos || eq == 0)
        throw std::invalid_argument("option '" + name + "' needs key=value, got '" + kv + "'");
      out[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    return out;
  }

private:
  std::multimap<std::string, std::string> values_;
};

} // namespace kafka_actors::reliability
