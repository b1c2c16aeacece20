#include "kafka_actors/runtime/monitoring_endpoint.hpp"

#include <exception>
#include <vector>

#include <CivetServer.h>

#include "kafka_actors/runtime/errors.hpp"

namespace kafka_actors {

void monitoring_board::publish(std::string metrics_text, readiness_report ready) {
  std::lock_guard<std::mutex> guard{mx_};
  metrics_.swap(metrics_text);
  ready_ = std::move(ready);
}

std::string monitoring_board::metrics() const {
  std::lock_guard<std::mutex> guard{mx_};
  return metrics_;
}

liveness_report monitoring_board::liveness(clock::time_point now) const {
  clock::time_point last{clock::duration{last_answer_.load(std::memory_order_relaxed)}};
  return evaluate_liveness(last, now, liveness_timeout_);
}

readiness_report monitoring_board::readiness(clock::time_point now) const {
  auto live = liveness(now);
  std::lock_guard<std::mutex> guard{mx_};
  return current_readiness(ready_, live);
}

namespace {

void respond(mg_connection* conn, int code, const char* content_type, const std::string& body) {
  const char* text = code == 200 ? "OK" : "Service Unavailable";
  mg_printf(conn,
            "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
            "Cache-Control: no-store\r\nConnection: close\r\n\r\n",
            code, text, content_type, body.size());
  mg_write(conn, body.data(), body.size());
}

// civetweb calls these on its own worker threads.
struct metrics_handler : CivetHandler {
  std::shared_ptr<monitoring_board> board;
  bool handleGet(CivetServer*, mg_connection* conn) override {
    respond(conn, 200, "text/plain; version=0.0.4; charset=utf-8", board->metrics());
    return true;
  }
};

struct liveness_handler : CivetHandler {
  std::shared_ptr<monitoring_board> board;
  bool handleGet(CivetServer*, mg_connection* conn) override {
    auto r = board->liveness(monitoring_board::clock::now());
    respond(conn, r.alive ? 200 : 503, "application/json", r.to_json());
    return true;
  }
};

struct readiness_handler : CivetHandler {
  std::shared_ptr<monitoring_board> board;
  bool handleGet(CivetServer*, mg_connection* conn) override {
    auto r = board->readiness(monitoring_board::clock::now());
    respond(conn, r.ready ? 200 : 503, "application/json", r.to_json());
    return true;
  }
};

} // namespace

struct monitoring_endpoint::impl {
  // Handlers first: the server, destroyed before them, may still be running one.
  metrics_handler metrics;
  liveness_handler live;
  readiness_handler ready;
  std::unique_ptr<CivetServer> server;
};

caf::expected<std::unique_ptr<monitoring_endpoint>>
monitoring_endpoint::start(const std::string& listen, std::shared_ptr<monitoring_board> board) {
  std::unique_ptr<monitoring_endpoint> ep{new monitoring_endpoint};
  ep->impl_ = std::make_unique<impl>();
  auto& im = *ep->impl_;
  im.metrics.board = board;
  im.live.board = board;
  im.ready.board = board;
  std::vector<std::string> options{"listening_ports", listen, "num_threads", "2",
                                   // A scrape of a few hundred series is one small response;
                                   // an idle keep-alive must not hold a worker.
                                   "request_timeout_ms", "10000", "enable_keep_alive", "no"};
  try {
    im.server = std::make_unique<CivetServer>(options);
  } catch (const std::exception& e) {
    return make_error(errc::invalid_config, "monitoring.listen '" + listen
                                              + "': cannot listen (" + e.what()
                                              + "; is the port taken?)");
  }
  auto ports = im.server->getListeningPorts();
  if (ports.empty())
    return make_error(errc::invalid_config,
                      "monitoring.listen '" + listen + "': the server listens on no port");
  ep->port_ = ports.front();
  ep->host_ = listen.substr(0, listen.rfind(':'));
  im.server->addHandler("/metrics", im.metrics);
  im.server->addHandler("/healthz", im.live);
  im.server->addHandler("/readyz", im.ready);
  return ep;
}

monitoring_endpoint::~monitoring_endpoint() {
  if (impl_ && impl_->server)
    impl_->server->close();
}

std::string monitoring_endpoint::url() const {
  auto host = host_ == "0.0.0.0" || host_.empty() ? std::string{"127.0.0.1"} : host_;
  return "http://" + host + ":" + std::to_string(port_);
}

} // namespace kafka_actors
