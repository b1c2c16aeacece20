// `kafka-actors health`: asks a running service's monitoring endpoint what /readyz (or, with
// --live, /healthz) says, prints the JSON body and exits by it, so scripts and container
// probes need no HTTP client of their own.

#include <chrono>
#include <iostream>
#include <string>

#include "kafka_actors/runtime/http_client.hpp"
#include "tools/cli.hpp"

namespace kafka_actors::cli {

namespace {

const char* health_usage = R"(usage: kafka-actors health [options]
  --url URL        the monitoring endpoint (default: http://<monitoring.listen> of the
                   config, 127.0.0.1:9464 unless set)
  --live           liveness (/healthz) instead of readiness (/readyz)
  --timeout SEC    how long to wait for an answer (default 5)
  --config FILE    kafka-actors JSON config (its monitoring.listen)
Prints the endpoint's JSON body. Exit 0: ready (alive); 1: not ready (not alive), the body
names the failing checks; 3: no answer (is monitoring.enabled on in the service?).
)";

} // namespace

int health(const std::vector<std::string>& argv) {
  args a{argv, {{"--live", "-h"}, {"--url", "--timeout", "--config"}, {}, {}}};
  if (a.has("-h")) {
    std::cout << health_usage;
    return 0;
  }
  if (!a.positional().empty())
    throw usage_error("unexpected argument '" + a.positional().front() + "'");
  auto timeout_s = a.number("--timeout", 5, 1, 3600);
  std::string base = a.get("--url");
  if (base.empty()) {
    auto cfg = load_config(a);
    if (!cfg)
      return report("health", cfg.error());
    base = "http://" + cfg->monitoring.listen;
  }
  while (!base.empty() && base.back() == '/')
    base.pop_back();
  if (base.rfind("http://", 0) != 0 && base.rfind("https://", 0) != 0)
    throw usage_error("--url must start with http:// or https://, not '" + base + "'");
  auto url = base + (a.has("--live") ? "/healthz" : "/readyz");
  auto r = http_get(url, std::chrono::seconds{timeout_s});
  if (r.status == 0) {
    std::cerr << "kafka-actors health: no answer from " << url << ": " << r.error
              << " (is monitoring.enabled on in the service, listening there?)\n";
    return 3;
  }
  std::cout << r.body;
  if (r.body.empty() || r.body.back() != '\n')
    std::cout << "\n";
  if (r.status == 200)
    return 0;
  if (r.status == 503)
    return 1;
  std::cerr << "kafka-actors health: " << url << " answered HTTP " << r.status
            << " (not a kafka-actors monitoring endpoint?)\n";
  return 3;
}

} // namespace kafka_actors::cli
