#include "tools/table.hpp"

#include <algorithm>
#include <ostream>

#include "kafka_actors/runtime/printable.hpp"

namespace kafka_actors::cli {

namespace {

size_t width(const std::string& s) {
  // UTF-8: continuation bytes take no column.
  return static_cast<size_t>(
    std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xc0) != 0x80; }));
}

} // namespace

void table::print(std::ostream& out) const {
  std::vector<std::vector<std::string>> cells;
  std::vector<size_t> widths;
  for (auto& row : rows_) {
    std::vector<std::string> shown;
    for (size_t i = 0; i < row.size(); ++i) {
      shown.push_back(printable(row[i]));
      if (widths.size() <= i)
        widths.push_back(0);
      widths[i] = std::max(widths[i], width(shown.back()));
    }
    cells.push_back(std::move(shown));
  }
  for (auto& row : cells) {
    for (size_t i = 0; i < row.size(); ++i) {
      out << row[i];
      if (i + 1 < row.size())
        out << std::string(widths[i] - width(row[i]) + 2, ' ');
    }
    out << '\n';
  }
}

} // namespace kafka_actors::cli
