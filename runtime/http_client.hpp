#pragma once

// A small blocking HTTP client over libcurl, for the few requests kafka-actors makes itself:
// `kafka-actors health` asking a monitoring endpoint, the Alertmanager sink posting alerts,
// and tests. One request per call, no connection reuse, no redirects followed, http:// and
// https:// only, never through a proxy (see http_client.cpp for why).

#include <chrono>
#include <string>

namespace kafka_actors {

struct http_response {
  /// The HTTP status; 0: no answer (see `error`).
  long status = 0;
  std::string body;
  /// Why nothing answered (libcurl's reason, as specific as it gives it); "" once answered.
  std::string error;
};

/// GET `url`, waiting at most `timeout` for the whole exchange (a timeout below 1 ms is taken
/// as 1 ms: no request waits without a bound).
http_response http_get(const std::string& url, std::chrono::milliseconds timeout);

/// POST `json_body` to `url` with Content-Type: application/json, same rules as http_get.
http_response http_post_json(const std::string& url, const std::string& json_body,
                             std::chrono::milliseconds timeout);

} // namespace kafka_actors
