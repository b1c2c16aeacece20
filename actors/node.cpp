#include "kafka_actors/actors/node.hpp"

#include <cerrno>
#include <cstring>
#include <algorithm>
#include <functional>
#include <memory>
#include <set>
#include <unordered_map>

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <caf/io/middleman.hpp>
#include <caf/io/middleman_actor.hpp>
#include <caf/openssl/manager.hpp>
#include <caf/openssl/publish.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "kafka_actors/runtime/errors.hpp"

namespace kafka_actors {

namespace {

// The client's side of a node: a local actor with KafkaService's protocol that forwards each
// request to the remote service and keeps its promise. CAF 0.17 drops a request sent to the
// proxy of a node that is gone without answering it, so the caller would wait out its own
// timeout; this actor watches the node and fails every pending and later request at once.
struct remote_service_state {
  static inline const char* name = "kafka-remote-service";
  kafka_service_actor remote;
  std::string where;
  caf::error lost; // set once the node is gone
  uint64_t next_id = 0;
  std::unordered_map<uint64_t, std::function<void(const caf::error&)>> pending;
};

using remote_pointer = kafka_service_actor::stateful_pointer<remote_service_state>;

template <class R, class... Ts>
caf::result<R> forward(remote_pointer self, Ts&&... xs) {
  auto& st = self->state;
  if (st.lost)
    return st.lost;
  auto rp = self->template make_response_promise<R>();
  auto id = st.next_id++;
  st.pending.emplace(id, [rp](const caf::error& err) mutable { rp.deliver(err); });
  // No timeout here: the caller's request has its own, and the node's loss answers it.
  self->request(st.remote, caf::infinite, std::forward<Ts>(xs)...)
    .then(
      [=](R& reply) mutable {
        if (self->state.pending.erase(id) > 0)
          rp.deliver(std::move(reply));
      },
      [=](caf::error& err) mutable {
        if (self->state.pending.erase(id) > 0)
          rp.deliver(std::move(err));
      });
  return rp;
}

kafka_service_actor::behavior_type remote_service(remote_pointer self,
                                                  kafka_service_actor remote,
                                                  std::string where) {
  // On the node, the same forwarding shields the service (see greeter); on the client, it
  // answers for a node that is gone.
  self->state.remote = remote;
  self->state.where = where;
  self->monitor(remote);
  self->set_down_handler([=](const caf::down_msg& dm) {
    auto& st = self->state;
    st.lost = make_error(errc::stopped, "the KafkaService of node " + st.where + " is gone ("
                                          + self->system().render(dm.reason)
                                          + "): its node stopped or the connection was lost");
    auto pending = std::move(st.pending);
    for (auto& [id, fail] : pending)
      fail(st.lost);
    // Later requests get CAF's request_receiver_down at once. Quitting now also lets the
    // client's actor system end: the middleman holds this actor (it sent over the wire)
    // until it quits.
    self->quit(st.lost);
  });
  auto no_subscriptions = [=] {
    return make_error(errc::invalid_argument,
                      "node " + where + ": a subscription with handler functions cannot "
                      "cross nodes (they run in this process); subscribe with a "
                      "remote_subscription, whose handler is an actor "
                      "(spawn_remote_record_handler makes one of a function)");
  };
  return {
    [=](send_atom a, message& m) { return forward<delivery_report>(self, a, std::move(m)); },
    [=](send_atom a, message_batch& b) { return forward<batch_report>(self, a, std::move(b)); },
    [=](try_send_atom a, message_batch& b) {
      return forward<batch_report>(self, a, std::move(b));
    },
    [=](subscribe_atom, subscription&) -> caf::result<uint64_t> { return no_subscriptions(); },
    [=](subscribe_atom a, remote_subscription& rs) {
      return forward<uint64_t>(self, a, std::move(rs));
    },
    [=](stop_atom a, uint64_t id) { return forward<consumer_status>(self, a, id); },
    [=](ready_atom a, uint64_t id) { return forward<bool>(self, a, id); },
    [=](create_topic_atom a, topic_config& t) { return forward<bool>(self, a, std::move(t)); },
    [=](ping_atom a) { return forward<int32_t>(self, a); },
    [=](lag_atom a, std::string& group, std::vector<std::string>& topics) {
      return forward<int64_t>(self, a, std::move(group), std::move(topics));
    },
    [=](status_atom a) { return forward<service_status>(self, a); },
    [=](producer_atom a) { return forward<producer_actor>(self, a); },
    [=](metrics_atom a) { return forward<std::string>(self, a); },
    [=](stop_all_atom a) { return forward<bool>(self, a); },
    [=](restart_atom, uint64_t) {
      // The remote service's own timer message: nothing to forward from here.
    },
  };
}

node_actor::behavior_type greeter(node_actor::pointer self, kafka_service_actor local) {
  // Clients get a forwarder that answers every request itself, not the service: a reply
  // straight from the service's admin actor or producer would put that actor's address on
  // the wire, the middleman would hold it until the actor system ends, and a detached one
  // (the admin) would then keep the system from ending at all.
  auto service = self->spawn(remote_service, local, std::string{"this node"});
  // The node's lifetime is the service's: once the service is gone, greeting is pointless.
  self->monitor(local);
  self->set_down_handler([=](const caf::down_msg&) { self->quit(); });
  return {
    [=](hello_atom, int32_t version) -> caf::result<kafka_service_actor> {
      if (version != node_protocol_version)
        return make_error(errc::invalid_argument,
                          "this node speaks kafka-actors node protocol v"
                            + std::to_string(node_protocol_version) + ", the client v"
                            + std::to_string(version) + ": run the same version on both");
      return service;
    },
  };
}

struct fd_guard {
  int fd = -1;
  ~fd_guard() {
    if (fd >= 0)
      ::close(fd);
  }
};

// CAF's remote_actor waits without a deadline for a BASP handshake, so a port where some
// other server listens silently (HTTP waits for a request) would hang the caller. A BASP
// node writes its server handshake (operation byte 0) as soon as it accepts: look for that
// first, within the deadline.
// With TLS the client speaks first (its ClientHello), so there only the connect is checked.
caf::error probe_node(const std::string& host, uint16_t port, std::chrono::milliseconds timeout,
                      bool tls) {
  auto where = host + ":" + std::to_string(port);
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (auto rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res); rc != 0)
    return make_error(errc::broker_unreachable,
                      "node " + where + ": cannot resolve '" + host + "': " + gai_strerror(rc));
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> guard{res, ::freeaddrinfo};
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto left_ms = [&] {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
    return static_cast<int>(std::max<int64_t>(0, left.count()));
  };
  std::string last = "no address";
  for (auto ai = res; ai; ai = ai->ai_next) {
    fd_guard s{::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                        ai->ai_protocol)};
    if (s.fd < 0)
      continue;
    if (::connect(s.fd, ai->ai_addr, ai->ai_addrlen) != 0 && errno != EINPROGRESS) {
      last = std::strerror(errno);
      continue;
    }
    pollfd pw{s.fd, POLLOUT, 0};
    if (::poll(&pw, 1, left_ms()) <= 0) {
      last = "no answer to connect";
      continue;
    }
    int soerr = 0;
    socklen_t len = sizeof(soerr);
    ::getsockopt(s.fd, SOL_SOCKET, SO_ERROR, &soerr, &len);
    if (soerr != 0) {
      last = std::strerror(soerr);
      continue;
    }
    if (tls)
      return caf::none;
    pollfd pr{s.fd, POLLIN, 0};
    if (::poll(&pr, 1, left_ms()) <= 0)
      return make_error(errc::invalid_argument,
                        "node " + where + ": something listens there but sent no kafka-actors "
                        "node handshake within " + std::to_string(timeout.count())
                          + " ms: not a node (is it the monitoring or a broker port? a node "
                            "with TLS? then this client needs certificates too)");
    unsigned char first = 0xff;
    auto n = ::recv(s.fd, &first, 1, 0);
    if (n != 1 || first != 0)
      return make_error(errc::invalid_argument,
                        "node " + where + ": what listens there is not a kafka-actors node "
                        "(its first bytes are no BASP handshake)");
    return caf::none;
  }
  return make_error(errc::broker_unreachable, "node " + where + ": cannot connect (" + last + ")");
}

std::string ssl_errors() {
  std::string out;
  while (auto e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof(buf));
    out += out.empty() ? "" : "; ";
    out += buf;
  }
  return out.empty() ? "no detail from OpenSSL" : out;
}

int passphrase_cb(char* buf, int size, int, void* user) {
  auto& pass = *static_cast<const std::string*>(user);
  auto n = std::min<size_t>(pass.size(), static_cast<size_t>(size));
  std::memcpy(buf, pass.data(), n);
  return static_cast<int>(n);
}

} // namespace

caf::error enable_node_tls(caf::actor_system_config& cfg, const node_tls& tls) {
  auto missing = [](const char* what) {
    return make_error(errc::invalid_config, std::string{"node TLS: no "} + what
                                              + " given (TLS needs a certificate, its key "
                                                "and the CA file that signs the peers')");
  };
  if (tls.certificate.empty())
    return missing("certificate");
  if (tls.key.empty())
    return missing("key");
  if (tls.ca_file.empty())
    return missing("CA file");
  for (auto* f : {&tls.certificate, &tls.key, &tls.ca_file})
    if (::access(f->c_str(), R_OK) != 0)
      return make_error(errc::invalid_config,
                        "node TLS: cannot read " + *f + ": " + std::strerror(errno));
  // What CAF's OpenSSL session will do with these files, once, here: it raises an exception
  // inside the multiplexer if one of them fails.
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx{SSL_CTX_new(TLS_method()),
                                                          SSL_CTX_free};
  if (!ctx)
    return make_error(errc::invalid_config, "node TLS: OpenSSL: " + ssl_errors());
  ERR_clear_error();
  if (SSL_CTX_use_certificate_chain_file(ctx.get(), tls.certificate.c_str()) != 1)
    return make_error(errc::invalid_config, "node TLS: " + tls.certificate
                                              + " is not a PEM certificate: " + ssl_errors());
  SSL_CTX_set_default_passwd_cb(ctx.get(), passphrase_cb);
  SSL_CTX_set_default_passwd_cb_userdata(ctx.get(), const_cast<std::string*>(&tls.passphrase));
  if (SSL_CTX_use_PrivateKey_file(ctx.get(), tls.key.c_str(), SSL_FILETYPE_PEM) != 1) {
    if (ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH) {
      ERR_clear_error();
      return make_error(errc::invalid_config, "node TLS: the key " + tls.key
                                                + " does not match the certificate "
                                                + tls.certificate);
    }
    return make_error(errc::invalid_config,
                      "node TLS: " + tls.key + " is not a PEM private key (or its passphrase "
                                               "is wrong): " + ssl_errors());
  }
  if (SSL_CTX_load_verify_locations(ctx.get(), tls.ca_file.c_str(), nullptr) != 1)
    return make_error(errc::invalid_config, "node TLS: " + tls.ca_file
                                              + " holds no PEM CA certificate: " + ssl_errors());
  cfg.load<caf::openssl::manager>();
  cfg.openssl_certificate = tls.certificate;
  cfg.openssl_key = tls.key;
  cfg.openssl_cafile = tls.ca_file;
  cfg.openssl_passphrase = tls.passphrase;
  return caf::none;
}

caf::expected<uint16_t> publish_node(caf::actor_system& sys, kafka_service_actor service,
                                     const std::string& bind, uint16_t port) {
  if (!sys.has_middleman())
    return make_error(errc::invalid_config,
                      "publishing a node needs CAF's middleman: construct the actor system "
                      "from actor_system_config{}.with_network()");
  auto node = sys.spawn(greeter, std::move(service));
  auto in = bind.empty() ? nullptr : bind.c_str();
  auto bound = sys.has_openssl_manager() ? caf::openssl::publish(node, port, in, true)
                                         : sys.middleman().publish(node, port, in, true);
  if (!bound) {
    caf::anon_send_exit(node, caf::exit_reason::user_shutdown);
    return make_error(errc::invalid_argument, "cannot listen on " + bind + ":"
                                                + std::to_string(port) + ": "
                                                + sys.render(bound.error()));
  }
  return *bound;
}

caf::expected<kafka_service_actor>
connect_kafka_service(caf::actor_system& sys, const std::string& host, uint16_t port,
                      std::chrono::milliseconds timeout) {
  if (!sys.has_middleman())
    return make_error(errc::invalid_config,
                      "connecting to a node needs CAF's middleman: construct the actor system "
                      "from actor_system_config{}.with_network()");
  auto tls = sys.has_openssl_manager();
  if (auto err = probe_node(host, port, timeout, tls))
    return err;
  auto where = host + ":" + std::to_string(port);
  caf::scoped_actor self{sys};
  caf::expected<node_actor> node{caf::error{}};
  if (tls) {
    // Through the OpenSSL middleman actor, within the timeout: a peer that never completes
    // the handshake must not hold the caller forever.
    self->request(sys.openssl_manager().actor_handle(), timeout, caf::connect_atom::value, host,
                  port)
      .receive(
        [&](const caf::node_id&, caf::strong_actor_ptr& ptr, const std::set<std::string>&) {
          if (ptr)
            node = caf::actor_cast<node_actor>(std::move(ptr));
          else
            node = make_error(errc::invalid_argument, "node " + where + " published no actor");
        },
        [&](caf::error& err) {
          node = make_error(errc::invalid_argument,
                            "node " + where + ": TLS connection refused or failed ("
                              + sys.render(err) + "): is it a node with TLS, and does it "
                                                  "trust this client's certificate, and this "
                                                  "client its CA?");
        });
    if (!node)
      return node.error();
  } else {
    node = sys.middleman().remote_actor<node_actor>(host, port);
    if (!node)
      return make_error(errc::invalid_argument,
                        "node " + where + ": " + sys.render(node.error())
                          + " (a node of another kafka-actors version?)");
  }
  caf::expected<kafka_service_actor> out{caf::error{}};
  self->request(*node, timeout, hello_atom_v, node_protocol_version)
    .receive([&](kafka_service_actor& service) {
               out = sys.spawn(remote_service, std::move(service), where);
             },
             [&](caf::error& err) {
               out = code_of(err) == errc::none
                       ? make_error(errc::timeout, "node " + where + ": no greeting within "
                                                     + std::to_string(timeout.count())
                                                     + " ms (" + sys.render(err) + ")")
                       : std::move(err);
             });
  return out;
}

} // namespace kafka_actors
