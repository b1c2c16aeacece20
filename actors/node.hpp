#pragma once

// Distributed nodes: a KafkaService published over CAF's middleman (BASP over TCP), and a
// client's handle to it with the same typed protocol as a local one. What crosses the wire
// is data with `inspect` (messages, reports, statuses), never librdkafka pointers.
//
// The node publishes a small greeter, not the service itself: a client first says which
// protocol version it speaks, and a node of another version refuses it with a clear error
// instead of a client failing on a message it cannot read.

#include <chrono>
#include <cstdint>
#include <string>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/expected.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "kafka_actors/actors/kafka_service.hpp"
#include "kafka_actors/runtime/atoms.hpp"

namespace kafka_actors {

/// Bumped whenever a message of kafka_service_actor changes shape.
constexpr int32_t node_protocol_version = 2;

using node_actor = caf::typed_actor<
  // The client's protocol version; the node's service when it matches, errc::invalid_argument
  // naming both versions otherwise.
  caf::replies_to<hello_atom, int32_t>::with<kafka_service_actor>>;

/// Certificates for TLS between nodes (PEM files). Both sides present a certificate signed
/// by a CA the other side trusts; a peer without one is refused during the handshake.
struct node_tls {
  std::string certificate; // this side's certificate (chain)
  std::string key;         // its private key
  std::string ca_file;     // CAs whose certificates this side accepts from peers
  std::string passphrase;  // of the key, if it has one
};

/// Makes every node connection of the system built from `cfg` TLS 1.2 with certificates
/// checked both ways (CAF's OpenSSL module; `cfg` must load the middleman already:
/// kafka_actors::actor_system_config::with_tls does both): publish_node and
/// connect_kafka_service then speak only TLS. Checks the files first and names the one that
/// cannot be used (missing, not PEM, a key that does not match the certificate), so a bad
/// file is an error here, not an exception inside CAF later.
caf::error enable_node_tls(caf::actor_system_config& cfg, const node_tls& tls);

/// Publishes `service` on bind:port (port 0: a free one) and returns the port bound. The
/// system needs the middleman (actor_system_config::with_network()). Errors name the address.
caf::expected<uint16_t> publish_node(caf::actor_system& sys, kafka_service_actor service,
                                     const std::string& bind, uint16_t port);

/// Connects to the node at host:port and greets it; the handle speaks kafka_service_actor
/// (a local actor forwarding to the node: once the node is gone, every pending request fails
/// at once with errc::stopped, and later ones with request_receiver_down, instead of
/// waiting out their timeouts). While the node lives, the handle keeps the client's actor
/// system running: send it an exit message (caf::anon_send_exit) before the system ends. Records,
/// reports and statuses cross, and so do remote subscriptions (their handler is an actor of
/// this process; actors/remote_handler.hpp); a subscription with handler functions fails with
/// errc::invalid_argument saying so. Fails (never hangs longer than `timeout`)
/// when nothing listens there, when what listens is not a kafka-actors node, or when the
/// node speaks another protocol version.
caf::expected<kafka_service_actor>
connect_kafka_service(caf::actor_system& sys, const std::string& host, uint16_t port,
                      std::chrono::milliseconds timeout = std::chrono::seconds{10});

} // namespace kafka_actors
