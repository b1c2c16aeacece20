#include "kafka_actors/runtime/reaper.hpp"

#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>

#include <librdkafka/rdkafka.h>

namespace kafka_actors {

namespace {

class reaper_thread {
public:
  reaper_thread() : worker_([this] { run(); }) {
  }

  // At process exit: finish what was handed over (each job is bounded), then join.
  ~reaper_thread() {
    {
      std::lock_guard<std::mutex> guard{mx_};
      quit_ = true;
    }
    cv_.notify_all();
    worker_.join();
  }

  void push(std::function<void()> job) {
    {
      std::lock_guard<std::mutex> guard{mx_};
      jobs_.push_back(std::move(job));
      ++queued_;
    }
    cv_.notify_all();
  }

  void wait_for_all_queued() {
    std::unique_lock<std::mutex> lock{mx_};
    auto target = queued_;
    done_cv_.wait(lock, [&] { return done_ >= target; });
  }

private:
  void run() {
    std::unique_lock<std::mutex> lock{mx_};
    for (;;) {
      cv_.wait(lock, [&] { return quit_ || !jobs_.empty(); });
      if (jobs_.empty() && quit_)
        return;
      auto job = std::move(jobs_.front());
      jobs_.pop_front();
      lock.unlock();
      try {
        job();
      } catch (...) {
        // A job that throws must not take the reaper (and every later handle) with it.
      }
      job = nullptr;
      lock.lock();
      ++done_;
      done_cv_.notify_all();
    }
  }

  std::mutex mx_;
  std::condition_variable cv_;
  std::condition_variable done_cv_;
  std::deque<std::function<void()>> jobs_;
  uint64_t queued_ = 0;
  uint64_t done_ = 0;
  bool quit_ = false;
  std::thread worker_;
};

reaper_thread& the_reaper() {
  static reaper_thread instance;
  return instance;
}

} // namespace

void plain_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                     rd_kafka_topic_partition_list_t* parts) {
  auto protocol = rd_kafka_rebalance_protocol(rk);
  bool cooperative = protocol && std::strcmp(protocol, "COOPERATIVE") == 0;
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    if (cooperative) {
      if (auto e = rd_kafka_incremental_assign(rk, parts))
        rd_kafka_error_destroy(e);
    } else {
      rd_kafka_assign(rk, parts);
    }
  } else if (cooperative) {
    if (auto e = rd_kafka_incremental_unassign(rk, parts))
      rd_kafka_error_destroy(e);
  } else {
    rd_kafka_assign(rk, nullptr);
  }
}

void reap(std::function<void()> job) {
  the_reaper().push(std::move(job));
}

void await_reaper() {
  the_reaper().wait_for_all_queued();
}

void reap_consumer(client_ptr rk, std::chrono::milliseconds deadline,
                   std::function<void()> before) {
  // std::function needs a copyable callable: carry the handle in a shared_ptr.
  auto handle = std::make_shared<client_ptr>(std::move(rk));
  reap([handle, deadline, before] {
    if (before)
      before();
    auto rk = handle->get();
    if (!rk)
      return;
    auto until = std::chrono::steady_clock::now() + deadline;
    if (!rd_kafka_consumer_closed(rk)) {
      queue_ptr q{rd_kafka_queue_new(rk)};
      if (auto err = rd_kafka_consumer_close_queue(rk, q.get())) {
        rd_kafka_error_destroy(err);
      } else {
        // Rebalance callbacks run inside these polls; their opaque no longer reaches a state,
        // so they only (un)assign.
        while (!rd_kafka_consumer_closed(rk) && std::chrono::steady_clock::now() < until) {
          if (auto ev = rd_kafka_queue_poll(q.get(), 100)) {
            if (rd_kafka_event_type(ev) == RD_KAFKA_EVENT_REBALANCE)
              plain_rebalance(rk, rd_kafka_event_error(ev),
                              rd_kafka_event_topic_partition_list(ev));
            rd_kafka_event_destroy(ev);
          }
        }
      }
    }
    auto raw = handle->release();
    rd_kafka_destroy_flags(raw, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
    note_client_destroyed();
  });
}

void reap_producer(client_ptr rk, std::chrono::milliseconds deadline) {
  auto handle = std::make_shared<client_ptr>(std::move(rk));
  reap([handle, deadline] {
    if (!handle->get())
      return;
    rd_kafka_flush(handle->get(), static_cast<int>(deadline.count()));
    handle->reset();
  });
}

} // namespace kafka_actors
