#pragma once

// The verbs of kafka-actors' protocols. CAF 0.17 atoms hold at most 10 characters.

#include <caf/atom.hpp>

namespace kafka_actors {

#define KAFKA_ACTORS_ATOM(name, text)                                          \
  using name##_atom = caf::atom_constant<caf::atom(text)>;                     \
  constexpr name##_atom name##_atom_v = name##_atom{};

KAFKA_ACTORS_ATOM(send, "send")           // produce, waiting for credit if needed
KAFKA_ACTORS_ATOM(try_send, "try_send")   // produce, or fail with errc::backpressure
KAFKA_ACTORS_ATOM(poll, "poll")           // librdkafka has events for this actor
KAFKA_ACTORS_ATOM(tick, "tick")           // a timer of the actor itself fired
KAFKA_ACTORS_ATOM(credit, "credit")       // downstream grants more records
KAFKA_ACTORS_ATOM(ack, "ack")             // downstream finished a batch
KAFKA_ACTORS_ATOM(fail, "fail")           // downstream could not finish a batch
KAFKA_ACTORS_ATOM(stop, "stop")           // finish cleanly: commit or flush, then quit
KAFKA_ACTORS_ATOM(stop_all, "stop_all")
KAFKA_ACTORS_ATOM(status, "status")
KAFKA_ACTORS_ATOM(subscribe, "subscribe")
KAFKA_ACTORS_ATOM(create_topic, "mk_topic")
KAFKA_ACTORS_ATOM(ping, "ping")           // is a broker reachable?
KAFKA_ACTORS_ATOM(watermarks, "watermarks") // partitions' high watermarks, asked of a broker
KAFKA_ACTORS_ATOM(restart, "restart")
KAFKA_ACTORS_ATOM(lag, "lag")
KAFKA_ACTORS_ATOM(allow, "allow")         // may a call to the guarded dependency go now?
KAFKA_ACTORS_ATOM(outcome, "outcome")     // how a call went
KAFKA_ACTORS_ATOM(join, "join")           // a consumer introduces itself to its handler
KAFKA_ACTORS_ATOM(ready, "ready")         // wait until a consumer has its first assignment
KAFKA_ACTORS_ATOM(producer, "producer")   // which producer a service runs now
KAFKA_ACTORS_ATOM(get, "get")             // read one entry (by key)
KAFKA_ACTORS_ATOM(watch, "watch")         // tell this actor of every change
KAFKA_ACTORS_ATOM(changed, "changed")     // an entry changed (to watchers)
KAFKA_ACTORS_ATOM(retry, "retry")         // a backoff ended: try the waiting work again
KAFKA_ACTORS_ATOM(metrics, "metrics")     // where the monitoring endpoint listens
KAFKA_ACTORS_ATOM(attach, "attach")       // a handler takes a remote subscription over
KAFKA_ACTORS_ATOM(hello, "hello")         // a client greets a node with its protocol version
// Admin (actors/admin.hpp)
KAFKA_ACTORS_ATOM(list_topics, "ls_topics")
KAFKA_ACTORS_ATOM(describe_topic, "desc_topic")
KAFKA_ACTORS_ATOM(delete_topic, "rm_topic")
KAFKA_ACTORS_ATOM(add_partitions, "add_parts")
KAFKA_ACTORS_ATOM(alter_configs, "alter_cfg")
KAFKA_ACTORS_ATOM(list_groups, "ls_groups")
KAFKA_ACTORS_ATOM(describe_group, "desc_group")
KAFKA_ACTORS_ATOM(group_offsets, "grp_offs")

#undef KAFKA_ACTORS_ATOM

} // namespace kafka_actors
