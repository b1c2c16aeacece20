#pragma once

// The ledger of a reliability run: what was produced (key, per-key sequence, CRC32 of the
// value, the delivery result the caller got, partition, offset) and what was consumed, and
// the checker that compares them. Plain C++, no CAF, no librdkafka: unit-tested alone
// (tests/unit/ledger_test.cpp) and used by tests/reliability/ledger_check.
//
// Line format, tab-separated, one record per line ('#' starts a comment):
//   p <key> <seq> <crc32 hex> acked|failed|unanswered <partition> <offset> [<error>]
//   c <key> <seq> <crc32 hex> <partition> <offset>
// A comment line "# run ..." in a consumed file starts a new segment (one consumer process
// or run); every consumed file starts one too.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kafka_actors::test::ledger {

/// CRC-32 (IEEE 802.3, as zlib's crc32) of `data`.
uint32_t crc32(std::string_view data) noexcept;

/// What the producing caller was told about a record.
enum class delivery {
  acked,     // the broker acknowledged it
  failed,    // the caller got an error for it
  unanswered // the caller got nothing at all (the worst outcome: a failure not reported)
};

struct produced {
  std::string key;
  uint64_t seq = 0;
  uint32_t crc = 0;
  delivery result = delivery::acked;
  int32_t partition = -1;
  int64_t offset = -1;
  std::string error;
};

struct consumed {
  std::string key;
  uint64_t seq = 0;
  uint32_t crc = 0;
  int32_t partition = -1;
  int64_t offset = -1;
};

/// One line, without the newline. Tabs and newlines in keys and errors become spaces.
std::string format(const produced& p);
std::string format(const consumed& c);

/// A parsed line: a record, a segment start ("# run"), or nothing (comment, blank).
struct line {
  std::optional<produced> p;
  std::optional<consumed> c;
  bool segment_start = false;
};

/// Parses one line; nullopt with `why` set when it is malformed.
std::optional<line> parse(std::string_view text, std::string* why = nullptr);

/// The figures of one check.
struct report {
  uint64_t produced = 0;
  uint64_t acked = 0;
  /// Failures the caller was told about (a reported failure is not a loss).
  uint64_t failed = 0;
  /// Records the caller never heard of: failures not reported.
  uint64_t unanswered = 0;
  /// Consumed records, copies included.
  uint64_t consumed = 0;
  /// Distinct (key, seq) consumed.
  uint64_t distinct = 0;
  /// Acknowledged but never consumed.
  uint64_t lost = 0;
  /// Copies beyond the first of a (key, seq).
  uint64_t duplicated = 0;
  /// The most copies one segment consumed of records consumed before (in earlier segments
  /// or earlier in itself): with one segment per consumer process, what one kill cost.
  uint64_t max_segment_duplicates = 0;
  uint64_t segments = 0;
  /// Records consumed for the first time after a higher seq of their key had been consumed.
  uint64_t reordered = 0;
  /// Per key, in seq order, a record at a lower offset than its predecessor: the log itself
  /// holds the key out of order.
  uint64_t log_inversions = 0;
  /// Consumed with a CRC that differs from the produced one.
  uint64_t corrupted = 0;
  /// Consumed but never produced (under this key and seq).
  uint64_t unexpected = 0;
  /// Reported failed but on the log after all (allowed: a timeout does not undo a write).
  uint64_t failed_but_consumed = 0;
  /// Keys consumed (or acknowledged) on two or more partitions.
  uint64_t split_keys = 0;
  /// The first few violations, spelled out for a human.
  std::vector<std::string> examples;

  /// No loss, no reorder, no corruption, nothing unexpected, no split key, and every failure
  /// reported. Duplicates are allowed (at-least-once); bound them separately.
  bool clean() const noexcept {
    return lost == 0 && reordered == 0 && log_inversions == 0 && corrupted == 0
           && unexpected == 0 && split_keys == 0 && unanswered == 0;
  }
};

/// Figures as "name=value" lines, in a fixed order (scripts parse them).
std::string to_figures(const report& r);

/// Highest sequence number a key may have: the checker keeps a dense table per key.
constexpr uint64_t max_seq = (uint64_t{1} << 24) - 1;

class checker {
public:
  /// Records a produced record; a later entry for the same (key, seq) replaces it.
  /// Throws std::out_of_range for a seq above max_seq.
  void add(const produced& p);

  /// Records a consumed record, in consumption order.
  void add(const consumed& c);

  /// Starts a new segment of consumed records (a new consumer process or run); the first
  /// segment starts by itself.
  void next_segment();

  /// Compares what was consumed with what was produced.
  report check(size_t max_examples = 10) const;

private:
  struct produced_slot {
    bool present = false;
    delivery result = delivery::acked;
    uint32_t crc = 0;
    int32_t partition = -1;
  };
  struct consumed_entry {
    uint32_t key;
    uint32_t segment;
    uint64_t seq;
    uint32_t crc;
    int32_t partition;
    int64_t offset;
  };

  uint32_t key_id(const std::string& key);

  std::map<std::string, uint32_t> key_ids_;
  std::vector<std::string> key_names_;
  std::vector<std::vector<produced_slot>> produced_; // by key id, then by seq
  std::vector<consumed_entry> consumed_;             // in consumption order
  uint32_t segment_ = 0;
  bool segment_empty_ = true;
};

} // namespace kafka_actors::test::ledger
