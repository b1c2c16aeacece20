#pragma once

// HTTP GET for tests that scrape the monitoring endpoint (the runtime's client), and a
// reader for the Prometheus text format they get back.

#include <chrono>
#include <cstdlib>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "kafka_actors/runtime/http_client.hpp"

namespace kafka_actors::test {

using http_response = kafka_actors::http_response;

/// The runtime's client (runtime/http_client.hpp) with the tests' timeout in milliseconds.
inline http_response http_get(const std::string& url, long timeout_ms = 10000) {
  return kafka_actors::http_get(url, std::chrono::milliseconds{timeout_ms});
}

using label_map = std::map<std::string, std::string>;

struct sample {
  std::string name;
  label_map labels;
  double value = 0;
};

/// The samples of a text exposition (comments skipped). Label values are unescaped.
inline std::vector<sample> parse_exposition(const std::string& text) {
  std::vector<sample> out;
  std::istringstream in{text};
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#')
      continue;
    sample s;
    size_t i = line.find_first_of("{ ");
    s.name = line.substr(0, i);
    if (i != std::string::npos && line[i] == '{') {
      ++i;
      while (i < line.size() && line[i] != '}') {
        auto eq = line.find('=', i);
        auto key = line.substr(i, eq - i);
        std::string value;
        size_t j = eq + 2; // past ="
        for (; j < line.size() && line[j] != '"'; ++j) {
          if (line[j] == '\\' && j + 1 < line.size()) {
            ++j;
            value += line[j] == 'n' ? '\n' : line[j];
          } else {
            value += line[j];
          }
        }
        s.labels[key] = value;
        i = j + 1;
        if (i < line.size() && line[i] == ',')
          ++i;
      }
      ++i; // past }
    }
    s.value = std::strtod(line.c_str() + i, nullptr);
    out.push_back(std::move(s));
  }
  return out;
}

/// The sum over the series of `name` whose labels include `labels`; nullopt if none.
inline std::optional<double> metric(const std::string& text, const std::string& name,
                                    const label_map& labels = {}) {
  std::optional<double> sum;
  for (auto& s : parse_exposition(text)) {
    if (s.name != name)
      continue;
    bool match = true;
    for (auto& [k, v] : labels) {
      auto i = s.labels.find(k);
      match = match && i != s.labels.end() && i->second == v;
    }
    if (match)
      sum = sum.value_or(0) + s.value;
  }
  return sum;
}

} // namespace kafka_actors::test
