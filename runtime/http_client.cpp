#include "kafka_actors/runtime/http_client.hpp"

#include <memory>
#include <mutex>

#include <curl/curl.h>

namespace kafka_actors {

namespace {

// curl_global_init is not thread-safe (before libcurl 7.84 at least) and must come before any
// other libcurl call; curl_easy_init would call it lazily, unguarded. Once per process, never
// undone (curl_global_cleanup at exit would race with requests still running elsewhere).
CURLcode global_init() {
  static std::once_flag once;
  static CURLcode rc = CURLE_OK;
  std::call_once(once, [] { rc = curl_global_init(CURL_GLOBAL_DEFAULT); });
  return rc;
}

size_t append_body(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

struct easy_deleter {
  void operator()(CURL* c) const noexcept {
    curl_easy_cleanup(c);
  }
};

struct slist_deleter {
  void operator()(curl_slist* l) const noexcept {
    curl_slist_free_all(l);
  }
};

using easy_ptr = std::unique_ptr<CURL, easy_deleter>;
using slist_ptr = std::unique_ptr<curl_slist, slist_deleter>;

// Options every request gets. Returns the handle, or nullptr with out.error set.
easy_ptr prepare(const std::string& url, std::chrono::milliseconds timeout, http_response& out,
                 char* errbuf) {
  if (auto rc = global_init(); rc != CURLE_OK) {
    out.error = std::string{"curl_global_init failed: "} + curl_easy_strerror(rc);
    return nullptr;
  }
  easy_ptr curl{curl_easy_init()};
  if (!curl) {
    out.error = "curl_easy_init failed";
    return nullptr;
  }
  auto* c = curl.get();
  long timeout_ms = timeout.count() < 1 ? 1L : static_cast<long>(timeout.count());
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  // The whole exchange (connect included) within the timeout.
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
  // No SIGALRM for DNS timeouts: callers are multi-threaded (actors, CAF's scheduler).
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  // Never through a proxy, whatever http_proxy / HTTPS_PROXY / ALL_PROXY say. The requests
  // go to a monitoring endpoint (usually loopback or the pod's own address) and to an
  // Alertmanager the configuration names; a proxy variable a service inherited from some
  // shell would otherwise send loopback requests to the proxy (they fail there) and alerts
  // through a third party. Prometheus decides the same for its Alertmanager client (no proxy
  // unless configured). A deployment that needs one gets an explicit setting, not this.
  curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
  // A configured URL must not read files or speak other protocols.
#if LIBCURL_VERSION_NUM >= 0x075500 // 7.85.0
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
#else
  curl_easy_setopt(c, CURLOPT_PROTOCOLS, static_cast<long>(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
  // A redirect is reported as its status, not followed (the default, said here on purpose).
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &append_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &out.body);
  return curl;
}

void perform(CURL* c, http_response& out, const char* errbuf) {
  auto rc = curl_easy_perform(c);
  if (rc == CURLE_OK) {
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out.status);
    return;
  }
  out.status = 0;
  // The error buffer is specific ("Failed to connect to 127.0.0.1 port 9 after 0 ms:
  // Couldn't connect to server"); curl_easy_strerror only names the class of failure.
  out.error = errbuf[0] != 0 ? std::string{errbuf} : std::string{curl_easy_strerror(rc)};
}

} // namespace

http_response http_get(const std::string& url, std::chrono::milliseconds timeout) {
  http_response out;
  char errbuf[CURL_ERROR_SIZE] = {0};
  auto curl = prepare(url, timeout, out, errbuf);
  if (!curl)
    return out;
  curl_easy_setopt(curl.get(), CURLOPT_HTTPGET, 1L);
  perform(curl.get(), out, errbuf);
  return out;
}

http_response http_post_json(const std::string& url, const std::string& json_body,
                             std::chrono::milliseconds timeout) {
  http_response out;
  char errbuf[CURL_ERROR_SIZE] = {0};
  auto curl = prepare(url, timeout, out, errbuf);
  if (!curl)
    return out;
  auto* c = curl.get();
  // No "Expect: 100-continue" (curl adds it to bodies above 1 KiB and then waits for the
  // interim answer): one round trip, whatever the server thinks of that header.
  // (curl_slist_append leaves the list as it was when it fails.)
  slist_ptr headers{curl_slist_append(nullptr, "Content-Type: application/json")};
  auto* both = headers ? curl_slist_append(headers.get(), "Expect:") : nullptr;
  if (!both) {
    out.error = "curl_slist_append failed";
    return out;
  }
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_POST, 1L);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, json_body.data());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(json_body.size()));
  perform(c, out, errbuf);
  return out;
}

} // namespace kafka_actors
