#include "tools/args.hpp"

#include <algorithm>
#include <cctype>

#include "kafka_actors/runtime/errors.hpp"
#include "kafka_actors/runtime/printable.hpp"

namespace kafka_actors::cli {

namespace {

bool contains(const std::vector<std::string>& xs, const std::string& x) {
  return std::find(xs.begin(), xs.end(), x) != xs.end();
}

// Long spellings every command accepts for its short options, as Kafka's tools and kcat do.
std::string canonical(const std::string& name, const arg_spec& spec) {
  static const std::pair<const char*, const char*> aliases[] = {
    {"--help", "-h"}, {"--bootstrap", "-b"}, {"--debug", "-d"}, {"--topic", "-t"},
    {"--group", "-G"}};
  for (auto& [alias, opt] : aliases)
    if (name == alias
        && (contains(spec.flags, opt) || contains(spec.valued, opt)
            || contains(spec.repeatable, opt)))
      return opt;
  return name;
}

} // namespace

args::args(std::vector<std::string> argv, arg_spec spec) : spec_(std::move(spec)) {
  auto takes_value = [&](const std::string& opt) {
    return contains(spec_.valued, opt) || contains(spec_.repeatable, opt);
  };
  bool options_done = false;
  for (size_t i = 0; i < argv.size(); ++i) {
    auto& a = argv[i];
    if (options_done || a.size() < 2 || a[0] != '-') {
      // A lone '-' is a positional (stdin, by convention), not an option.
      if (positional_.size() >= spec_.positionals.size())
        throw usage_error("unexpected argument '" + printable(a) + "'"
                          + (spec_.positionals.empty()
                               ? std::string{" (this command takes no arguments)"}
                               : ""));
      positional_.push_back(a);
      continue;
    }
    if (a == "--") {
      options_done = true;
      continue;
    }
    if (a.rfind("--", 0) == 0) {
      auto eq = a.find('=');
      auto name = canonical(a.substr(0, eq), spec_);
      if (contains(spec_.flags, name)) {
        if (eq != std::string::npos)
          throw usage_error("option '" + name + "' takes no value");
        add(name, "");
      } else if (takes_value(name)) {
        if (eq != std::string::npos)
          add(name, a.substr(eq + 1));
        else if (i + 1 < argv.size())
          add(name, argv[++i]);
        else
          throw usage_error("option '" + name + "' needs a value");
      } else {
        throw usage_error("unknown option '" + printable(name) + "'");
      }
      continue;
    }
    // Short options, getopt style: flags bundle, and a valued option takes the rest of the
    // word or, when nothing is left, the next word.
    for (size_t c = 1; c < a.size(); ++c) {
      auto opt = std::string{"-"} + a[c];
      if (contains(spec_.flags, opt)) {
        add(opt, "");
      } else if (takes_value(opt)) {
        if (c + 1 < a.size())
          add(opt, a.substr(c + 1));
        else if (i + 1 < argv.size())
          add(opt, argv[++i]);
        else
          throw usage_error("option '" + opt + "' needs a value");
        break;
      } else {
        throw usage_error("unknown option '" + printable(opt) + "'"
                          + (a.size() > 2 ? " in '" + printable(a) + "'" : std::string{}));
      }
    }
  }
}

void args::add(const std::string& opt, std::string value) {
  bool flag = contains(spec_.flags, opt);
  if (!flag && value.empty())
    throw usage_error("option '" + opt + "' needs a non-empty value");
  if (!flag && !contains(spec_.repeatable, opt) && has(opt))
    throw usage_error("option '" + opt + "' given twice ('" + printable(get(opt)) + "' and '"
                      + printable(value) + "'); it takes one value");
  if (flag && has(opt))
    return;
  values_.emplace(opt, std::move(value));
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
    if (used != v.size() || std::isspace(static_cast<unsigned char>(v.front())))
      throw std::invalid_argument(v);
  } catch (const std::exception&) {
    throw usage_error("option '" + opt + "' needs a number, got '" + printable(v) + "'");
  }
  if (n < min || n > max)
    throw usage_error("option '" + opt + "' needs a number in " + std::to_string(min) + ".."
                      + std::to_string(max) + ", got '" + v + "'");
  return n;
}

} // namespace kafka_actors::cli
