#pragma once

// Readable tables for the admin commands, as Kafka's own tools print them: a header row,
// columns padded to their widest cell (counted in characters, not bytes).

#include <iosfwd>
#include <string>
#include <vector>

namespace kafka_actors::cli {

class table {
public:
  explicit table(std::vector<std::string> header) : rows_{std::move(header)} {
  }
  void add(std::vector<std::string> row) {
    rows_.push_back(std::move(row));
  }
  /// Rows after the header.
  size_t size() const {
    return rows_.size() - 1;
  }
  void print(std::ostream& out) const;

private:
  std::vector<std::vector<std::string>> rows_;
};

} // namespace kafka_actors::cli
