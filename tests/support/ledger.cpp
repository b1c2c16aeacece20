#include "support/ledger.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <stdexcept>

namespace kafka_actors::test::ledger {

namespace {

constexpr std::array<uint32_t, 256> crc_table() {
  std::array<uint32_t, 256> t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k)
      c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    t[i] = c;
  }
  return t;
}

constexpr auto table = crc_table();

std::string clean(std::string_view s) {
  std::string out{s};
  for (auto& ch : out)
    if (ch == '\t' || ch == '\n' || ch == '\r')
      ch = ' ';
  return out;
}

std::string hex(uint32_t v) {
  static const char* digits = "0123456789abcdef";
  std::string out(8, '0');
  for (int i = 7; i >= 0; --i, v >>= 4)
    out[static_cast<size_t>(i)] = digits[v & 0xf];
  return out;
}

const char* name(delivery d) {
  switch (d) {
    case delivery::acked:
      return "acked";
    case delivery::failed:
      return "failed";
    case delivery::unanswered:
      return "unanswered";
  }
  return "?";
}

std::vector<std::string_view> split_tabs(std::string_view s) {
  std::vector<std::string_view> out;
  size_t from = 0;
  while (true) {
    auto tab = s.find('\t', from);
    out.push_back(s.substr(from, tab == std::string_view::npos ? tab : tab - from));
    if (tab == std::string_view::npos)
      return out;
    from = tab + 1;
  }
}

template <class T>
bool number(std::string_view s, T& out, int base = 10) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out, base);
  return ec == std::errc{} && end == s.data() + s.size() && !s.empty();
}

std::optional<line> fail(std::string* why, std::string text) {
  if (why)
    *why = std::move(text);
  return std::nullopt;
}

} // namespace

uint32_t crc32(std::string_view data) noexcept {
  uint32_t c = 0xFFFFFFFFu;
  for (unsigned char ch : data)
    c = table[(c ^ ch) & 0xff] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

std::string format(const produced& p) {
  std::string out = "p\t" + clean(p.key) + "\t" + std::to_string(p.seq) + "\t" + hex(p.crc)
                    + "\t" + name(p.result) + "\t" + std::to_string(p.partition) + "\t"
                    + std::to_string(p.offset);
  if (!p.error.empty())
    out += "\t" + clean(p.error);
  return out;
}

std::string format(const consumed& c) {
  return "c\t" + clean(c.key) + "\t" + std::to_string(c.seq) + "\t" + hex(c.crc) + "\t"
         + std::to_string(c.partition) + "\t" + std::to_string(c.offset);
}

std::optional<line> parse(std::string_view text, std::string* why) {
  if (!text.empty() && text.back() == '\r')
    text.remove_suffix(1);
  line out;
  if (text.empty())
    return out;
  if (text[0] == '#') {
    auto rest = text.substr(1);
    while (!rest.empty() && rest[0] == ' ')
      rest.remove_prefix(1);
    out.segment_start = rest.substr(0, 3) == "run" && (rest.size() == 3 || rest[3] == ' ');
    return out;
  }
  auto f = split_tabs(text);
  if (f[0] != "p" && f[0] != "c")
    return fail(why, "neither a produced (p) nor a consumed (c) record");
  bool is_p = f[0] == "p";
  if (is_p ? (f.size() != 7 && f.size() != 8) : f.size() != 6)
    return fail(why, std::string{"expected "} + (is_p ? "7 or 8" : "6")
                       + " tab-separated fields, got " + std::to_string(f.size()));
  uint64_t seq = 0;
  uint32_t crc = 0;
  if (!number(f[2], seq))
    return fail(why, "seq '" + std::string{f[2]} + "' is not a number");
  if (seq > max_seq)
    return fail(why, "seq " + std::string{f[2]} + " is above " + std::to_string(max_seq));
  if (f[3].size() != 8 || !number(f[3], crc, 16))
    return fail(why, "crc '" + std::string{f[3]} + "' is not 8 hex digits");
  auto where = is_p ? 5 : 4;
  int32_t partition = 0;
  int64_t offset = 0;
  if (!number(f[where], partition))
    return fail(why, "partition '" + std::string{f[where]} + "' is not a number");
  if (!number(f[where + 1], offset))
    return fail(why, "offset '" + std::string{f[where + 1]} + "' is not a number");
  if (is_p) {
    produced p{std::string{f[1]}, seq, crc, delivery::acked, partition, offset, {}};
    if (f[4] == "acked")
      p.result = delivery::acked;
    else if (f[4] == "failed")
      p.result = delivery::failed;
    else if (f[4] == "unanswered")
      p.result = delivery::unanswered;
    else
      return fail(why, "result '" + std::string{f[4]} + "' is not acked, failed or unanswered");
    if (f.size() == 8)
      p.error = std::string{f[7]};
    out.p = std::move(p);
  } else {
    out.c = consumed{std::string{f[1]}, seq, crc, partition, offset};
  }
  return out;
}

std::string to_figures(const report& r) {
  std::string out;
  auto add = [&](const char* k, uint64_t v) {
    out += k;
    out += '=';
    out += std::to_string(v);
    out += '\n';
  };
  add("produced", r.produced);
  add("acked", r.acked);
  add("failed", r.failed);
  add("unanswered", r.unanswered);
  add("consumed", r.consumed);
  add("distinct", r.distinct);
  add("lost", r.lost);
  add("duplicated", r.duplicated);
  add("segments", r.segments);
  add("max_segment_duplicates", r.max_segment_duplicates);
  add("reordered", r.reordered);
  add("log_inversions", r.log_inversions);
  add("corrupted", r.corrupted);
  add("unexpected", r.unexpected);
  add("failed_but_consumed", r.failed_but_consumed);
  add("split_keys", r.split_keys);
  out += std::string{"clean="} + (r.clean() ? "1" : "0") + "\n";
  return out;
}

uint32_t checker::key_id(const std::string& key) {
  auto [i, added] = key_ids_.emplace(key, static_cast<uint32_t>(key_names_.size()));
  if (added) {
    key_names_.push_back(key);
    produced_.emplace_back();
  }
  return i->second;
}

void checker::add(const produced& p) {
  if (p.seq > max_seq)
    throw std::out_of_range("ledger: seq " + std::to_string(p.seq) + " of key '" + p.key
                            + "' is above max_seq");
  auto& slots = produced_[key_id(p.key)];
  if (slots.size() <= p.seq)
    slots.resize(p.seq + 1);
  slots[p.seq] = produced_slot{true, p.result, p.crc, p.partition};
}

void checker::add(const consumed& c) {
  consumed_.push_back(consumed_entry{key_id(c.key), segment_, c.seq, c.crc, c.partition,
                                     c.offset});
  segment_empty_ = false;
}

void checker::next_segment() {
  if (!segment_empty_)
    ++segment_;
  segment_empty_ = true;
}

report checker::check(size_t max_examples) const {
  report r;
  auto example = [&](std::string text) {
    if (r.examples.size() < max_examples)
      r.examples.push_back(std::move(text));
  };
  auto who = [&](uint32_t key, uint64_t seq) {
    return "key '" + key_names_[key] + "' seq " + std::to_string(seq);
  };
  // Per key: copies and first position of every consumed seq, the highest seq delivered
  // for the first time so far, and the partitions the key was seen on.
  struct first_seen {
    uint32_t copies = 0;
    int32_t partition = -1;
    int64_t offset = -1;
  };
  struct key_state {
    std::vector<first_seen> seen; // by seq
    uint64_t max_first = 0;
    bool any_first = false;
    std::vector<int32_t> partitions;
  };
  std::vector<key_state> keys(key_names_.size());
  auto note_partition = [](key_state& ks, int32_t p) {
    if (p >= 0 && std::find(ks.partitions.begin(), ks.partitions.end(), p) == ks.partitions.end())
      ks.partitions.push_back(p);
  };
  std::vector<uint64_t> segment_dups;
  for (auto& e : consumed_) {
    ++r.consumed;
    auto& ks = keys[e.key];
    auto& prod = produced_[e.key];
    if (e.seq < prod.size() && prod[e.seq].present) {
      if (prod[e.seq].crc != e.crc) {
        ++r.corrupted;
        example("corrupted: " + who(e.key, e.seq) + " at partition "
                + std::to_string(e.partition) + " offset " + std::to_string(e.offset));
      }
    } else {
      ++r.unexpected;
      example("unexpected: " + who(e.key, e.seq) + " was consumed but never produced");
    }
    note_partition(ks, e.partition);
    if (e.seq > max_seq)
      continue; // add() stores no such record; counted as unexpected above
    if (ks.seen.size() <= e.seq)
      ks.seen.resize(e.seq + 1);
    auto& s = ks.seen[e.seq];
    if (s.copies++ > 0) {
      ++r.duplicated;
      if (segment_dups.size() <= e.segment)
        segment_dups.resize(e.segment + 1);
      ++segment_dups[e.segment];
      continue;
    }
    ++r.distinct;
    s.partition = e.partition;
    s.offset = e.offset;
    if (ks.any_first && e.seq < ks.max_first) {
      ++r.reordered;
      example("reordered: " + who(e.key, e.seq) + " first consumed after seq "
              + std::to_string(ks.max_first));
    }
    if (!ks.any_first || e.seq > ks.max_first)
      ks.max_first = e.seq;
    ks.any_first = true;
  }
  if (!consumed_.empty())
    r.segments = consumed_.back().segment + 1;
  for (auto d : segment_dups)
    r.max_segment_duplicates = std::max(r.max_segment_duplicates, d);
  for (uint32_t k = 0; k < key_names_.size(); ++k) {
    auto& ks = keys[k];
    auto& prod = produced_[k];
    for (uint64_t seq = 0; seq < prod.size(); ++seq) {
      auto& p = prod[seq];
      if (!p.present)
        continue;
      ++r.produced;
      bool seen = seq < ks.seen.size() && ks.seen[seq].copies > 0;
      switch (p.result) {
        case delivery::acked:
          ++r.acked;
          note_partition(ks, p.partition);
          if (!seen) {
            ++r.lost;
            example("lost: " + who(k, seq) + " was acknowledged at partition "
                    + std::to_string(p.partition) + " but never consumed");
          }
          break;
        case delivery::failed:
          ++r.failed;
          r.failed_but_consumed += seen ? 1 : 0;
          break;
        case delivery::unanswered:
          ++r.unanswered;
          example("unanswered: " + who(k, seq) + " got no delivery result");
          break;
      }
    }
    // The log's order: per partition, offsets must rise with seq.
    std::map<int32_t, int64_t> last;
    for (uint64_t seq = 0; seq < ks.seen.size(); ++seq) {
      auto& s = ks.seen[seq];
      if (s.copies == 0)
        continue;
      auto [i, first] = last.emplace(s.partition, s.offset);
      if (!first) {
        if (s.offset < i->second) {
          ++r.log_inversions;
          example("log order: " + who(k, seq) + " at offset " + std::to_string(s.offset)
                  + " of partition " + std::to_string(s.partition)
                  + ", below an earlier seq at " + std::to_string(i->second));
        }
        i->second = s.offset;
      }
    }
    if (ks.partitions.size() > 1) {
      ++r.split_keys;
      std::string ps;
      for (auto p : ks.partitions)
        ps += (ps.empty() ? "" : ",") + std::to_string(p);
      example("split key: '" + key_names_[k] + "' seen on partitions " + ps);
    }
  }
  return r;
}

} // namespace kafka_actors::test::ledger
