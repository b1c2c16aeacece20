// Remote batches (runtime/remote_batch): what a remote handler's node reads off the network.
// The input is the batch's buffer after a few bytes choosing its topic table and record
// count. Reading must never look past the buffer; what it accepts is re-encoded and must read
// back field for field; a refusal names the batch.

#include "fuzz_support.hpp"
#include "kafka_actors/runtime/remote_batch.hpp"

using namespace kafka_actors;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3)
    return 0;
  remote_batch b;
  b.id = 7;
  int topics = data[0] % 4;
  for (int i = 0; i < topics; ++i)
    b.topics.push_back("t" + std::to_string(i));
  b.count = static_cast<uint32_t>(data[1]) | (static_cast<uint32_t>(data[2]) << 8);
  b.data = fuzz::as_string(data + 3, size - 3);
  std::vector<message> seen;
  auto err = b.for_each([&](const remote_record& r) {
    FUZZ_CHECK(r.key().empty() || (r.key().data() >= b.data.data()
                                   && r.key().data() + r.key().size()
                                        <= b.data.data() + b.data.size()),
               "a key outside the buffer");
    FUZZ_CHECK(r.payload().empty() || (r.payload().data() >= b.data.data()
                                       && r.payload().data() + r.payload().size()
                                            <= b.data.data() + b.data.size()),
               "a payload outside the buffer");
    r.header("x");
    seen.push_back(r.to_message());
  });
  if (!err.empty()) {
    FUZZ_CHECK(err.find("remote batch 7") != std::string::npos, "a refusal that names no batch");
    return 0;
  }
  FUZZ_CHECK(seen.size() == b.count, "accepted with another record count");
  remote_batch again;
  for (auto& m : seen)
    again.add(m);
  std::vector<message> back;
  auto err2 = again.for_each([&](const remote_record& r) { back.push_back(r.to_message()); });
  FUZZ_CHECK(err2.empty(), "a re-encoded batch does not read: " + err2);
  FUZZ_CHECK(back.size() == seen.size(), "a re-encoded batch lost records");
  for (size_t i = 0; i < back.size(); ++i) {
    auto& x = seen[i];
    auto& y = back[i];
    FUZZ_CHECK(x.topic == y.topic && x.partition == y.partition && x.offset == y.offset
                 && x.timestamp == y.timestamp && x.key == y.key && x.content == y.content
                 && x.metadata == y.metadata,
               "a re-encoded record reads back differently");
  }
  return 0;
}
