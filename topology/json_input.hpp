#pragma once

// Internal to topology/: reading the JSON files of migrations and topologies with errors
// that name the file, the JSON path of the key (operations[2].partitions) and the problem.
// Not part of the public API (Boost.JSON is a private dependency of the library).

#include <cstdint>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>

#include <boost/json/value.hpp>
#include <caf/error.hpp>
#include <caf/expected.hpp>

namespace kafka_actors::topology_detail {

/// invalid_config with "<file>: <what>"; `file` is printed escaped.
caf::error file_error(const std::string& file, const std::string& what);

/// The sentence an error of ours carries, without its code (for embedding in another).
std::string reason_of(const caf::error& err);

/// The bytes of `path`; an error for a directory or an unreadable file.
caf::expected<std::string> read_bytes(const std::string& path);

/// One JSON value from `text`, nothing after it; errors give line:column.
caf::expected<boost::json::value> parse_json(const std::string& text, const std::string& file);

/// `key` appended to the JSON path `parent`: parent.key, or parent["key"] when the key is
/// not a plain identifier (config names have dots).
std::string member_path(const std::string& parent, std::string_view key);
std::string index_path(const std::string& parent, size_t index);

/// A short, escaped rendering of a JSON value for "got ..." in errors.
std::string shown(const boost::json::value& v);

/// The object at `path` (empty: the top level), with no key outside `known`.
caf::expected<const boost::json::object*>
read_object(const boost::json::value& v, const std::string& path,
            std::initializer_list<std::string_view> known, const std::string& file);

caf::expected<std::string> read_string(const boost::json::value& v, const std::string& path,
                                       const std::string& file);

/// An integer in [min, max].
caf::expected<int64_t> read_int(const boost::json::value& v, const std::string& path,
                                int64_t min, int64_t max, const std::string& file);

/// A topic name Kafka accepts.
caf::expected<std::string> read_topic(const boost::json::value& v, const std::string& path,
                                      const std::string& file);

/// partitions: 1..100000 (Kafka has no hard limit; more is a typo, not a plan).
caf::expected<int32_t> read_partitions(const boost::json::value& v, const std::string& path,
                                       const std::string& file);

/// replication: 1..32 or -1 for the broker's default.
caf::expected<int16_t> read_replication(const boost::json::value& v, const std::string& path,
                                        const std::string& file);

/// Topic configs: string values as written, numbers and booleans as their text.
caf::expected<std::map<std::string, std::string>>
read_configs(const boost::json::value& v, const std::string& path, const std::string& file);

} // namespace kafka_actors::topology_detail
