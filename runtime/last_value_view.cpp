#include "kafka_actors/runtime/last_value_view.hpp"

namespace kafka_actors {

const char* to_string(view_change c) noexcept {
  switch (c) {
    case view_change::inserted:
      return "inserted";
    case view_change::updated:
      return "updated";
    case view_change::deleted:
      return "deleted";
    case view_change::unchanged:
      return "unchanged";
  }
  return "?";
}

view_change last_value_view::apply(std::string_view key,
                                   std::optional<std::string_view> value, int32_t partition,
                                   int64_t offset) {
  auto held = values_.get(key);
  // A key lives on one partition: an offset at or below the one held is a replay.
  if (held && held->partition == partition && offset <= held->offset)
    return view_change::unchanged;
  if (!value) {
    return values_.erase(key) ? view_change::deleted : view_change::unchanged;
  }
  if (held && held->value == *value) {
    held->offset = offset;
    held->partition = partition;
    return view_change::unchanged;
  }
  bool existed = held != nullptr;
  auto bytes = value->size();
  // A value larger than the whole bound is not kept: the key then has no value here.
  if (!values_.put(key, keyed_value{std::string{*value}, partition, offset}, bytes))
    return existed ? view_change::deleted : view_change::unchanged;
  return existed ? view_change::updated : view_change::inserted;
}

} // namespace kafka_actors
