#pragma once

// librdkafka properties as kafka-actors passes them around, and which of them are secrets.
// Plain data: config/ builds them, runtime/ hands them to librdkafka.

#include <map>
#include <string>

namespace kafka_actors {

using properties = std::map<std::string, std::string>;

/// True for keys whose values must never be printed (passwords, keys, tokens).
bool is_secret_key(const std::string& key);

} // namespace kafka_actors
