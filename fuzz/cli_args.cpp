// The CLI's argument scanning: NUL-separated input bytes are argv, scanned with the option
// sets of produce, consume and quickstart. Only usage_error may come out, and every number
// the CLI takes is a whole decimal value inside the range it asked for.

#include "fuzz_support.hpp"
#include "tools/args.hpp"
#include "tools/line_format.hpp"

using namespace kafka_actors::cli;

namespace {

const arg_spec commands[] = {
  {{"-h", "-d"}, {"-b", "-t", "-K", "-p", "--config"}, {"-H"}, {}},
  {{"-h", "-e", "-d"}, {"-b", "-G", "-K", "-c", "--timeout", "--config"}, {"-t"}, {}},
  {{"-h"}, {"-b", "-t", "-n", "-p", "-G", "--config"}, {}, {}},
  {{"-h", "--json"}, {"-b", "--config"}, {}, {"TOPIC"}},
};

void check_number(const args& a, const std::string& opt, long long min, long long max) {
  try {
    auto n = a.number(opt, min, min, max);
    FUZZ_CHECK(n >= min && n <= max, "number() out of the range it was asked for");
  } catch (const usage_error&) {
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<std::string> argv;
  auto text = fuzz::as_string(data, size);
  size_t start = 0;
  while (start <= text.size() && argv.size() < 64) {
    auto end = text.find('\0', start);
    if (end == std::string::npos)
      end = text.size();
    argv.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  for (auto& cmd : commands) {
    try {
      args a{argv, cmd};
      FUZZ_CHECK(a.positional().size() <= cmd.positionals.size(), "a stray positional passed");
      for (auto& v : cmd.valued)
        FUZZ_CHECK(a.all(v).size() <= 1, "a single-valued option kept two values");
      for (auto& v : cmd.valued)
        FUZZ_CHECK(!a.has(v) || !a.get(v).empty(), "a valued option kept an empty value");
      for (auto& f : cmd.flags)
        FUZZ_CHECK(!a.has(f) || a.get(f).empty(), "a flag got a value");
      check_number(a, "-p", -1, 2147483647);
      check_number(a, "-c", 1, std::numeric_limits<long long>::max());
      check_number(a, "--timeout", 1, 31'536'000);
      check_number(a, "-n", 2, std::numeric_limits<long long>::max());
      for (auto& h : a.all("-H"))
        (void) parse_header_arg(h);
    } catch (const usage_error&) {
    }
  }
  return 0;
}
