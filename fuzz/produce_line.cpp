// `kafka-actors produce` input: the first input line is the -K delimiter (empty: no -K), the
// rest is stdin, read line by line as the CLI reads it; every line is also tried as a -H
// NAME=VALUE argument. Checks that nothing is lost or invented: key, delimiter and value
// give back the line, and a header gives back its argument.

#include "fuzz_support.hpp"
#include "kafka_actors/runtime/message.hpp"
#include "tools/line_format.hpp"

using namespace kafka_actors;
using namespace kafka_actors::cli;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto text = fuzz::as_string(data, size);
  auto nl = text.find('\n');
  std::string delim = nl == std::string::npos ? text : text.substr(0, nl);
  std::string input = nl == std::string::npos ? std::string{} : text.substr(nl + 1);
  for (auto& line : fuzz::lines_of(input)) {
    auto kv = split_key(line, delim);
    auto at = delim.empty() ? std::string::npos : line.find(delim);
    if (at == std::string::npos) {
      FUZZ_CHECK(kv.key.empty() && kv.value == line, "a line without delimiter changed");
    } else {
      FUZZ_CHECK(kv.key + delim + kv.value == line, "key, delimiter and value lost bytes");
      FUZZ_CHECK(!fuzz::contains(kv.key, delim), "the key holds the delimiter");
    }
    message m;
    m.key = kv.key;
    m.content = kv.value;
    auto header = parse_header_arg(line);
    if (header) {
      FUZZ_CHECK(!header->first.empty(), "a header without a name");
      FUZZ_CHECK(!fuzz::contains(header->first, "="), "a header name holds '='");
      FUZZ_CHECK(header->first + "=" + header->second == line, "a header lost bytes");
      m.metadata.push_back(*header);
    } else {
      FUZZ_CHECK(line.find('=') == std::string::npos || line[0] == '=',
                 "a NAME=VALUE argument was refused");
    }
    FUZZ_CHECK(m.wire_size() == kv.key.size() + kv.value.size()
                                  + (header ? line.size() - 1 : 0),
               "wire_size miscounts");
  }
  return 0;
}
