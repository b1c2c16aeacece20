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
#include "kafka_actors/runtime/reaper.hpp"

namespace kafka_actors {

// The pump's state: reports collected during one poll, per owner.
struct pump_state {
  static inline const char* name = "kafka-producer-pump";
  std::weak_ptr<shared_producer_client> client;
  std::shared_ptr<producer_dispatch> dispatch;
  rd_kafka_queue_t* queue = nullptr;
  std::unique_ptr<queue_waker> waker;
  std::unordered_map<const delivery_owner*, delivery_batch> out;
  // Consecutive reports mostly share an owner: skip the map lookup for them.
  const delivery_owner* last_owner = nullptr;
  std::vector<delivery_entry>* last_batch = nullptr;
  size_t served = 0; // reports seen in the current poll

  ~pump_state();
};

// What librdkafka's callbacks reach (the handle's client_context). Outlives the handle: the
// client hands its last reference to the reaper after the handle's own destruction job.
struct producer_dispatch : client_context {
  // The pump while it serves the queue; null once the pump or the client is gone (then
  // callbacks run only inside the reaper's flush and only settle orphans).
  std::atomic<pump_state*> pump{nullptr};
  std::mutex mx;
  std::vector<caf::actor_addr> listeners;
  std::vector<std::unique_ptr<delivery_owner>> owners;

  ~producer_dispatch() {
    // The handle is destroyed: nothing points into these any more.
    for (auto& o : owners)
      for (auto r : o->orphans)
        delete r;
  }
};

// Callbacks must never reach a destroyed state, whichever of pump and client goes first.
pump_state::~pump_state() {
  if (dispatch)
    dispatch->pump.store(nullptr, std::memory_order_release);
}

// Callbacks run inside rd_kafka_poll on the pump's thread (or rd_kafka_flush on the reaper's).
struct pump_access {
  static void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
    auto d = context_of<producer_dispatch>(opaque);
    auto slot = static_cast<const delivery_slot*>(m->_private);
    auto req = slot->request;
    auto owner = req->owner;
    auto st = d->pump.load(std::memory_order_acquire);
    if (st && !owner->dead_flag.load()) {
      ++st->served;
      if (owner != st->last_owner) {
        auto& batch = st->out[owner];
        if (!batch) {
          batch = std::make_shared<std::vector<delivery_entry>>();
          batch->reserve(1024);
        }
        st->last_owner = owner;
        st->last_batch = batch.get();
      }
      st->last_batch->push_back(delivery_entry{slot, m->partition, m->err, m->offset,
                                               rd_kafka_message_timestamp(m, nullptr)});
    }
    // The last report of a request the pump sees: if its producer is gone, nobody else
    // will free it. (seq_cst pairs with unregister_owner: one of the two sees the other.)
    if (req->outstanding.fetch_sub(1) == 1 && owner->dead_flag.load()) {
      std::lock_guard<std::mutex> guard{d->mx};
      if (owner->orphans.erase(req) > 0)
        delete req;
    }
  }

  static void on_error(rd_kafka_t* rk, int err, const char* reason, void* opaque) {
    auto d = context_of<producer_dispatch>(opaque);
    if (!d->pump.load(std::memory_order_acquire))
      return;
    std::vector<caf::actor_addr> listeners;
    {
      std::lock_guard<std::mutex> guard{d->mx};
      listeners = d->listeners;
    }
    auto text = client_error_text(d, err, reason ? reason : "");
    // The producers hear of the failure first, so they can name it in the purged records'
    // reports, which the pump forwards after this poll.
    for (auto& l : listeners)
      if (auto hdl = caf::actor_cast<caf::actor>(l))
        caf::anon_send(hdl, fail_atom_v, static_cast<int32_t>(err), text);
    // librdkafka reports a failed login only the first two times and lets the records wait
    // for message.timeout.ms meanwhile: fail them now, for every producer of the handle.
    // Non-blocking: the pump runs on a scheduler thread.
    if (cannot_connect(*d, err))
      rd_kafka_purge(rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT
                           | RD_KAFKA_PURGE_F_NON_BLOCKING);
  }

  static bool cannot_connect(const producer_dispatch& d, int err) {
    return err == RD_KAFKA_RESP_ERR__AUTHENTICATION
           || (err == RD_KAFKA_RESP_ERR__SSL && !d.tls_failure().empty());
  }

  static caf::behavior pump(caf::stateful_actor<pump_state>* self,
                            std::shared_ptr<shared_producer_client> client) {
    auto& st = self->state;
    st.client = client;
    st.dispatch = client->dispatch_;
    st.queue = client->main_queue_.get();
    st.waker = std::make_unique<queue_waker>(self->address());
    st.dispatch->pump.store(&st, std::memory_order_release);
    st.waker->enable(st.queue);
    // If the pump goes first (system shutdown), librdkafka must not call its dead waker, and
    // callbacks must not reach its dead state. Attached functors run after CAF has destroyed
    // the state (stateful_actor::on_exit), so the functor owns copies of what it touches.
    self->attach_functor([dispatch = st.dispatch, weak = st.client, queue = st.queue] {
      dispatch->pump.store(nullptr, std::memory_order_release);
      if (auto c = weak.lock())
        rd_kafka_queue_cb_event_enable(queue, nullptr, nullptr);
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
        st.served = 0;
        rd_kafka_poll(client->handle(), 0);
        for (auto& [owner, batch] : st.out)
          if (auto hdl = caf::actor_cast<caf::actor>(owner->owner))
            caf::anon_send(hdl, std::move(batch));
        st.out.clear();
        st.last_owner = nullptr;
        st.last_batch = nullptr;
        // Reports free room in the shared queue: tell producers that met QUEUE_FULL, even
        // when none of the reports was theirs.
        if (st.served > 0) {
          std::vector<caf::actor_addr> wake;
          {
            std::lock_guard<std::mutex> guard{st.dispatch->mx};
            for (auto& o : st.dispatch->owners)
              if (!o->dead && o->wants_room.load(std::memory_order_acquire)
                  && o->wants_room.exchange(false))
                wake.push_back(o->owner);
          }
          for (auto& a : wake)
            if (auto hdl = caf::actor_cast<caf::actor>(a))
              caf::anon_send(hdl, poll_atom_v);
        }
      },
    };
  }
};

shared_producer_client::~shared_producer_client() {
  if (main_queue_)
    rd_kafka_queue_cb_event_enable(main_queue_.get(), nullptr, nullptr);
  main_queue_.reset();
  if (dispatch_)
    dispatch_->pump.store(nullptr, std::memory_order_release);
  if (pump_)
    caf::anon_send_exit(pump_, caf::exit_reason::user_shutdown);
  // rd_kafka_destroy flushes and joins librdkafka's threads: never on a scheduler thread.
  // Producers flushed their own records before letting go; what a killed producer left in
  // flight gets the deadline. The dispatch (and the orphaned request contexts librdkafka
  // pointed to) goes after the handle: reaper jobs run in order.
  if (rk_)
    reap_producer(std::move(rk_), flush_deadline_);
  reap([d = std::move(dispatch_)]() mutable { d.reset(); });
}

bool shared_producer_client::cannot_connect(int err) const {
  return pump_access::cannot_connect(*dispatch_, err);
}

const delivery_owner* shared_producer_client::register_owner(const caf::actor_addr& a) {
  std::lock_guard<std::mutex> guard{dispatch_->mx};
  dispatch_->listeners.push_back(a);
  auto o = std::make_unique<delivery_owner>();
  o->owner = a;
  dispatch_->owners.push_back(std::move(o));
  return dispatch_->owners.back().get();
}

void shared_producer_client::unregister_owner(const delivery_owner* owner,
                                              const std::vector<delivery_request*>& live) {
  std::lock_guard<std::mutex> guard{dispatch_->mx};
  auto& ls = dispatch_->listeners;
  ls.erase(std::remove(ls.begin(), ls.end(), owner->owner), ls.end());
  owner->dead = true;
  owner->dead_flag.store(true); // seq_cst: see pump_access::on_delivery
  for (auto r : live) {
    if (r->outstanding.load() == 0)
      delete r;
    else
      owner->orphans.insert(r);
  }
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
  client->dispatch_ = std::make_shared<producer_dispatch>();
  char buf[64];
  size_t len = sizeof(buf);
  if (rd_kafka_conf_get(conf->get(), "message.max.bytes", buf, &len) == RD_KAFKA_CONF_OK)
    client->max_message_bytes_ = std::stoull(buf);
  set_client_context(conf->get(), client->dispatch_.get());
  rd_kafka_conf_set_dr_msg_cb(conf->get(), &pump_access::on_delivery);
  rd_kafka_conf_set_error_cb(conf->get(), &pump_access::on_error);
  auto rk = make_client(RD_KAFKA_PRODUCER, std::move(*conf));
  if (!rk)
    return rk.error();
  client->rk_ = std::move(*rk);
  client->main_queue_.reset(rd_kafka_queue_get_main(client->rk_.get()));
  client->pump_ = sys.spawn(&pump_access::pump, client);
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
