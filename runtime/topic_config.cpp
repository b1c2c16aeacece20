#include "kafka_actors/runtime/topic_config.hpp"

#include "kafka_actors/runtime/errors.hpp"
#include "kafka_actors/runtime/printable.hpp"

namespace kafka_actors {

caf::error validate_topic_name(const std::string& name) {
  if (name.empty())
    return make_error(errc::invalid_topic, "topic name is empty");
  if (name == "." || name == "..")
    return make_error(errc::invalid_topic,
                      "topic name '" + name + "' is not allowed");
  // Names come from files and the command line: printed escaped, and the offending
  // character whole (a lone byte of a UTF-8 character would print as garbage).
  if (name.size() > 249)
    return make_error(errc::invalid_topic,
                      "topic name '" + printable_prefix(name, 40) + "' has "
                        + std::to_string(name.size())
                        + " bytes, at most 249 are allowed");
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok) {
      size_t n = utf8_length_at(name, i);
      return make_error(errc::invalid_topic,
                        "topic name '" + printable(name) + "' contains '"
                          + printable(std::string_view{name}.substr(i, n == 0 ? 1 : n))
                          + "'; only [a-zA-Z0-9._-] are allowed");
    }
  }
  return caf::none;
}

caf::error validate(const topic_config& cfg) {
  if (auto err = validate_topic_name(cfg.name))
    return err;
  // 100000: far beyond what a broker serves well, and what migration files accept.
  if (cfg.partitions < 1 || cfg.partitions > 100000)
    return make_error(errc::invalid_argument,
                      "topic '" + cfg.name + "': partitions must be 1..100000, got "
                        + std::to_string(cfg.partitions));
  if (cfg.replication_factor < 1)
    return make_error(errc::invalid_argument,
                      "topic '" + cfg.name
                        + "': replication_factor must be >= 1, got "
                        + std::to_string(cfg.replication_factor));
  return caf::none;
}

} // namespace kafka_actors
