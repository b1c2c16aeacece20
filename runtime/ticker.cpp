#include "kafka_actors/runtime/ticker.hpp"

#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_cast.hpp>
#include <caf/send.hpp>

#include "kafka_actors/runtime/atoms.hpp"

namespace kafka_actors {

namespace {

using clock_type = std::chrono::steady_clock;

class ticker {
public:
  ticker() : worker_([this] { run(); }) {
  }

  ~ticker() {
    {
      std::lock_guard<std::mutex> guard{mx_};
      quit_ = true;
    }
    cv_.notify_all();
    worker_.join();
  }

  void watch(const caf::actor_addr& who, std::chrono::milliseconds period) {
    {
      std::lock_guard<std::mutex> guard{mx_};
      entries_.push_back(entry{who, period, clock_type::now() + period});
    }
    cv_.notify_all();
  }

  void unwatch(const caf::actor_addr& who) {
    std::lock_guard<std::mutex> guard{mx_};
    for (auto& e : entries_)
      if (e.who == who)
        e.who = caf::actor_addr{};
  }

private:
  struct entry {
    caf::actor_addr who;
    std::chrono::milliseconds period;
    clock_type::time_point due;
  };

  void run() {
    std::vector<caf::actor_addr> due;
    std::unique_lock<std::mutex> lock{mx_};
    while (!quit_) {
      auto next = clock_type::now() + std::chrono::seconds{1};
      for (auto& e : entries_)
        next = std::min(next, e.due);
      cv_.wait_until(lock, next);
      auto now = clock_type::now();
      due.clear();
      for (auto i = entries_.begin(); i != entries_.end();) {
        if (!i->who) {
          i = entries_.erase(i);
          continue;
        }
        if (i->due <= now) {
          due.push_back(i->who);
          i->due = now + i->period;
        }
        ++i;
      }
      // Upgrading an address may yield the last strong reference: its release can destroy
      // the actor, whose cleanup may call unwatch. Never do that under our lock.
      lock.unlock();
      for (auto& who : due) {
        if (auto hdl = caf::actor_cast<caf::actor>(who))
          caf::anon_send(hdl, tick_atom_v);
        else
          unwatch(who);
      }
      due.clear();
      lock.lock();
    }
  }

  std::mutex mx_;
  std::condition_variable cv_;
  std::vector<entry> entries_;
  bool quit_ = false;
  std::thread worker_;
};

ticker& the_ticker() {
  static ticker instance;
  return instance;
}

} // namespace

void watch_ticks(const caf::actor_addr& who, std::chrono::milliseconds period) {
  the_ticker().watch(who, period);
}

void unwatch_ticks(const caf::actor_addr& who) {
  the_ticker().unwatch(who);
}

} // namespace kafka_actors
