#include "kafka_actors/runtime/properties.hpp"

namespace kafka_actors {

bool is_secret_key(const std::string& key) {
  static const char* needles[] = {"password",     "secret",  "sasl.oauthbearer.config",
                                  "sasl.oauthbearer.extensions", "ssl.key.pem",
                                  "ssl_key",      "sasl.jaas"};
  for (auto n : needles)
    if (key.find(n) != std::string::npos)
      return true;
  // What KAFKA_ACTORS_SECURITY_SSL_KEY spells (the environment cannot write ssl_key).
  return key == "ssl.key";
}

} // namespace kafka_actors
