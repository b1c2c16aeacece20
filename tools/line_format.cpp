#include "tools/line_format.hpp"

namespace kafka_actors::cli {

keyed_line split_key(std::string line, const std::string& delim) {
  keyed_line out;
  auto pos = delim.empty() ? std::string::npos : line.find(delim);
  if (pos != std::string::npos) {
    out.key = line.substr(0, pos);
    out.value = line.substr(pos + delim.size());
  } else {
    out.value = std::move(line);
  }
  return out;
}

std::optional<std::pair<std::string, std::string>> parse_header_arg(const std::string& arg) {
  auto eq = arg.find('=');
  if (eq == std::string::npos || eq == 0)
    return std::nullopt;
  return std::make_pair(arg.substr(0, eq), arg.substr(eq + 1));
}

} // namespace kafka_actors::cli
