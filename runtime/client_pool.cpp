#include "kafka_actors/runtime/client_pool.hpp"

#include <algorithm>
#include <unordered_map>

#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <librdkafka/rdkafka.h>

#include "kafka_actors/runtime/atoms.hpp"
#include "kafka_actors/runtime/errors.hpp"
#include "kafka_actors/runtime/queue_waker.hpp"

namespace kafka_actors {

// The pump's view of a client: it must not keep it alive, or the last producer could never
// release it. Callbacks run inside rd_kafka_poll on the pump's thread.
struct pump_access {
  struct state {
    static inline const char* name = "kafka-producer-pump";
    std::weak_ptr<shared_producer_client> client;
    rd_kafka_queue_t* queue = nullptr;
    std::unique_ptr<queue_waker> waker;
    // Reports collected during one poll, per owner.
    std::unordered_map<const delivery_owner*, delivery_batch> out;
    // Consecutive reports mostly share an owner: skip the map lookup for them.
    const delivery_owner* last_owner = nullptr;
    std::vector<delivery_entry>* last_batch = nullptr;
  };

  static void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
    auto st = static_cast<state*>(opaque);
    auto owner = *static_cast<const delivery_owner* const*>(m->_private);
    if (owner != st->last_owner) {
      auto& batch = st->out[owner];
      if (!batch) {
        batch = std::make_shared<std::vector<delivery_entry>>();
        batch->reserve(1024);
      }
      st->last_owner = owner;
      st->last_batch = batch.get();
    }
    st->last_batch->push_back(delivery_entry{m->_private, m->partition, m->offset,
                                             rd_kafka_message_timestamp(m, nullptr), m->err,
                                             m->len + m->key_len});
  }

  static void on_error(rd_kafka_t*, int err, const char* reason, void* opaque) {
    auto st = static_cast<state*>(opaque);
    auto client = st->client.lock();
    if (!client)
      return;
    std::vector<caf::actor_addr> listeners;
    {
      std::lock_guard<std::mutex> guard{client->mx_};
      listeners = client->listeners_;
    }
    for (auto& l : listeners)
      if (auto hdl = caf::actor_cast<caf::actor>(l))
        caf::anon_send(hdl, fail_atom_v, static_cast<int32_t>(err), std::string{reason});
  }

  static caf::behavior pump(caf::stateful_actor<state>* self,
                            std::shared_ptr<shared_producer_client> client) {
    auto& st = self->state;
    st.client = client;
    st.queue = client->main_queue_.get();
    st.waker = std::make_unique<queue_waker>(self->address());
    st.waker->enable(st.queue);
    // If the pump goes first (system shutdown), librdkafka must not call its dead waker.
    self->attach_functor([self] {
      if (auto c = self->state.client.lock())
        rd_kafka_queue_cb_event_enable(self->state.queue, nullptr, nullptr);
    });
    client.reset();
    self->send(self, poll_atom_v);
    return {
      [=](poll_atom) {
        auto& st = self->state;
        auto client = st.client.lock();
        if (!client)
          return;
        st.waker->clear();
        rd_kafka_poll(client->handle(), 0);
        for (auto& [owner, batch] : st.out)
          if (auto hdl = caf::actor_cast<caf::actor>(owner->owner))
            caf::anon_send(hdl, std::move(batch));
        st.out.clear();
        st.last_owner = nullptr;
        st.last_batch = nullptr;
      },
    };
  }
};

shared_producer_client::~shared_producer_client() {
  // Producers flushed their own records before letting go: the queue holds no reports.
  if (main_queue_)
    rd_kafka_queue_cb_event_enable(main_queue_.get(), nullptr, nullptr);
  main_queue_.reset();
  rk_.reset();
  if (pump_)
    caf::anon_send_exit(pump_, caf::exit_reason::user_shutdown);
}

const delivery_owner* shared_producer_client::register_owner(const caf::actor_addr& a) {
  std::lock_guard<std::mutex> guard{mx_};
  listeners_.push_back(a);
  owners_.push_back(std::make_unique<delivery_owner>(delivery_owner{a}));
  return owners_.back().get();
}

void shared_producer_client::unregister_owner(const caf::actor_addr& a) {
  std::lock_guard<std::mutex> guard{mx_};
  listeners_.erase(std::remove(listeners_.begin(), listeners_.end(), a), listeners_.end());
}

client_pool& client_pool::instance() {
  static client_pool pool;
  return pool;
}

caf::expected<std::shared_ptr<shared_producer_client>>
client_pool::acquire(caf::actor_system& sys, const properties& props) {
  std::string key;
  for (auto& [k, v] : props)
    key += k + "=" + v + "\n";
  std::lock_guard<std::mutex> guard{mx_};
  if (auto existing = clients_[key].lock())
    return existing;
  auto conf = make_conf(props);
  if (!conf)
    return conf.error();
  auto client = std::shared_ptr<shared_producer_client>(new shared_producer_client);
  char buf[64];
  size_t len = sizeof(buf);
  if (rd_kafka_conf_get(conf->get(), "message.max.bytes", buf, &len) == RD_KAFKA_CONF_OK)
    client->max_message_bytes_ = std::stoull(buf);
  // Callbacks get the pump state through a stable holder set before the first poll.
  auto holder = new pump_access::state*(nullptr);
  rd_kafka_conf_set_opaque(conf->get(), holder);
  rd_kafka_conf_set_dr_msg_cb(conf->get(), [](rd_kafka_t* rk, const rd_kafka_message_t* m,
                                              void* opaque) {
    pump_access::on_delivery(rk, m, *static_cast<pump_access::state**>(opaque));
  });
  rd_kafka_conf_set_error_cb(conf->get(), [](rd_kafka_t* rk, int err, const char* reason,
                                             void* opaque) {
    pump_access::on_error(rk, err, reason, *static_cast<pump_access::state**>(opaque));
  });
  auto rk = make_client(RD_KAFKA_PRODUCER, std::move(*conf));
  if (!rk) {
    delete holder;
    return rk.error();
  }
  client->rk_ = std::move(*rk);
  client->main_queue_.reset(rd_kafka_queue_get_main(client->rk_.get()));
  auto pump = sys.spawn([holder](caf::stateful_actor<pump_access::state>* self,
                                 std::shared_ptr<shared_producer_client> c) {
    *holder = &self->state;
    self->attach_functor([holder] { delete holder; });
    return pump_access::pump(self, std::move(c));
  }, client);
  client->pump_ = pump;
  clients_[key] = client;
  return client;
}

size_t client_pool::size() {
  std::lock_guard<std::mutex> guard{mx_};
  size_t n = 0;
  for (auto i = clients_.begin(); i != clients_.end();) {
    if (i->second.expired()) {
      i = clients_.erase(i);
    } else {
      ++n;
      ++i;
    }
  }
  return n;
}

} // namespace kafka_actors
