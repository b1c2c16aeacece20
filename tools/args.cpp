#include "tools/args.hpp"

namespace kafka_actors::cli {

args::args(std::vector<std::string> argv, std::vector<std::string> flags,
           std::vector<std::string> valued) {
  auto is = [](const std::vector<std::string>& xs, const std::string& x) {
    for (auto& y : xs)
      if (y == x)
        return true;
    return false;
  };
  for (size_t i = 0; i < argv.size(); ++i) {
    auto& a = argv[i];
    if (a.size() > 1 && a[0] == '-') {
      auto eq = a.find('=');
      if (a.rfind("--", 0) == 0 && eq != std::string::npos) {
        auto name = a.substr(0, eq);
        if (!is(valued, name))
          throw usage_error("unknown option '" + name + "'");
        values_.emplace(name, a.substr(eq + 1));
      } else if (is(flags, a)) {
        values_.emplace(a, "");
      } else if (is(valued, a)) {
        if (i + 1 >= argv.size())
          throw usage_error("option '" + a + "' needs a value");
        values_.emplace(a, argv[++i]);
      } else {
        throw usage_error("unknown option '" + a + "'");
      }
    } else {
      positional_.push_back(a);
    }
  }
}

std::string args::get(const std::string& opt, std::string fallback) const {
  auto i = values_.find(opt);
  return i == values_.end() ? fallback : i->second;
}

std::vector<std::string> args::all(const std::string& opt) const {
  std::vector<std::string> out;
  auto [b, e] = values_.equal_range(opt);
  for (auto i = b; i != e; ++i)
    out.push_back(i->second);
  return out;
}

long long args::number(const std::string& opt, long long fallback, long long min,
                       long long max) const {
  if (!has(opt))
    return fallback;
  auto v = get(opt);
  long long n = 0;
  try {
    size_t used = 0;
    n = std::stoll(v, &used);
    if (used != v.size())
      throw std::invalid_argument(v);
  } catch (const std::exception&) {
    throw usage_error("option '" + opt + "' needs a number, got '" + v + "'");
  }
  if (n < min || n > max)
    throw usage_error("option '" + opt + "' needs a number in " + std::to_string(min) + ".."
                      + std::to_string(max) + ", got '" + v + "'");
  return n;
}

} // namespace kafka_actors::cli
