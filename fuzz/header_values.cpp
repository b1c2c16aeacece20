// Header values of consumed records, which any producer may have written: the ka.* headers
// a retry hop reads back (attempts, due, origin, first failure) through forward_headers and
// due_of_header. Checks what the next hop and the dead-letter topic rely on: one of each
// ka.* header, the user's headers unchanged and in order, attempts that only grow.

#include <charconv>

#include <fuzzer/FuzzedDataProvider.h>

#include "fuzz_support.hpp"
#include "kafka_actors/runtime/retry_policy.hpp"

using namespace kafka_actors;

namespace {

const char* names[] = {retry_headers::origin_topic, retry_headers::origin_partition,
                       retry_headers::origin_offset, retry_headers::error,
                       retry_headers::attempts,     retry_headers::first_failure,
                       retry_headers::due,          "trace-id"};

size_t count(const headers& hs, const std::string& name) {
  size_t n = 0;
  for (auto& [k, v] : hs)
    n += k == name ? 1 : 0;
  return n;
}

const std::string* find(const headers& hs, const std::string& name) {
  for (auto& [k, v] : hs)
    if (k == name)
      return &v;
  return nullptr;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in{data, size};
  // What the lane passes: its own counts and clocks, not input.
  auto attempts = in.ConsumeIntegralInRange<int>(1, 100);
  auto now_ms = in.ConsumeIntegralInRange<int64_t>(0, int64_t{1} << 45);
  auto delay = std::chrono::milliseconds{in.ConsumeIntegralInRange<int64_t>(0, 86'400'000)};
  headers hs;
  while (in.remaining_bytes() > 0 && hs.size() < 64) {
    auto pick = in.ConsumeIntegral<uint8_t>();
    std::string name = pick < 2 * std::size(names) ? names[pick % std::size(names)]
                                                   : in.ConsumeRandomLengthString(32);
    hs.emplace_back(std::move(name), in.ConsumeRandomLengthString(64));
  }
  for (auto& [k, v] : hs)
    (void) due_of_header(v);
  auto out = forward_headers(hs, "orders.retry.1", 3, 42, "handler_failed: boom", attempts,
                             now_ms, delay);
  for (auto name : names) {
    if (std::string{name} == "trace-id")
      continue;
    size_t want = std::string{name} == retry_headers::due ? (delay.count() > 0 ? 1 : 0) : 1;
    FUZZ_CHECK(count(out, name) == want, std::string{"header "} + name + " appears "
                                           + std::to_string(count(out, name)) + " times");
  }
  headers user_in, user_out;
  for (auto& h : hs)
    if (h.first.rfind("ka.", 0) != 0)
      user_in.push_back(h);
  for (auto& h : out)
    if (h.first.rfind("ka.", 0) != 0)
      user_out.push_back(h);
  FUZZ_CHECK(user_in == user_out, "the user's headers changed");
  auto total = find(out, retry_headers::attempts);
  int64_t n = -1;
  auto res = std::from_chars(total->data(), total->data() + total->size(), n);
  FUZZ_CHECK(res.ec == std::errc{} && res.ptr == total->data() + total->size(),
             "ka.attempts is not a number: " + *total);
  FUZZ_CHECK(n >= attempts, "ka.attempts shrank to " + *total);
  if (delay.count() > 0) {
    auto due = find(out, retry_headers::due);
    FUZZ_CHECK(due_of_header(*due) == now_ms + delay.count(), "ka.due does not read back");
  }
  return 0;
}
