#include "kafka_actors/runtime/reaper.hpp"

#include <condition_variable>
#include <cstdio>
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
  bool cooperative = uses_cooperative_protocol(rk);
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

namespace {

std::atomic<int64_t> leaked_handles{0};

} // namespace

bool uses_cooperative_protocol(rd_kafka_t* rk) {
  // "NONE" until a JoinGroup was answered, then the chosen assignor's protocol.
  auto protocol = rd_kafka_rebalance_protocol(rk);
  return protocol && std::strcmp(protocol, "COOPERATIVE") == 0;
}

bool in_first_cooperative_join(rd_kafka_t* rk, first_join_watch& watch, bool ask_protocol) {
  if (watch.synced)
    return false;
  if (watch.cooperative_strategy < 0) {
    char strategy[256];
    size_t size = sizeof(strategy);
    bool cooperative =
      rd_kafka_conf_get(rd_kafka_conf(rk), "partition.assignment.strategy", strategy, &size)
        == RD_KAFKA_CONF_OK
      && std::strstr(strategy, "cooperative");
    watch.cooperative_strategy = cooperative ? 1 : 0;
  }
  if (watch.cooperative_strategy == 0)
    return false;
  if (watch.joined)
    return true;
  if (!ask_protocol)
    return false;
  if (auto id = rd_kafka_memberid(rk)) {
    if (*id)
      watch.joined = true;
    rd_kafka_mem_free(rk, id);
  }
  return watch.joined || uses_cooperative_protocol(rk);
}

int64_t leaked_client_handles() {
  return leaked_handles.load();
}

void reap_consumer(client_ptr rk, std::chrono::milliseconds deadline,
                   std::function<void()> before, std::shared_ptr<first_join_watch> watch) {
  // std::function needs a copyable callable: carry the handle in a shared_ptr.
  auto handle = std::make_shared<client_ptr>(std::move(rk));
  reap([handle, deadline, before, watch] {
    if (before)
      before();
    auto rk = handle->get();
    if (!rk)
      return;
    auto until = std::chrono::steady_clock::now() + deadline;
    auto in_window = [&](bool ask_protocol) {
      return watch && in_first_cooperative_join(rk, *watch, ask_protocol);
    };
    // In its first cooperative join: its first assignment is a rebalance away, and with it
    // the handle can be destroyed. Polling serves the rebalance (the callback, its state
    // gone, only assigns and marks the watch); records taken meanwhile are dropped, never
    // stored.
    auto wait_until = std::chrono::steady_clock::now() + deadline / 2;
    bool may_ask = !watch || !watch->closing;
    while (may_ask && !rd_kafka_consumer_closed(rk) && in_window(true)
           && std::chrono::steady_clock::now() < wait_until)
      if (auto m = rd_kafka_consumer_poll(rk, 100))
        rd_kafka_message_destroy(m);
    if (!rd_kafka_consumer_closed(rk)) {
      queue_ptr q{rd_kafka_queue_new(rk)};
      if (auto err = rd_kafka_consumer_close_queue(rk, q.get())) {
        rd_kafka_error_destroy(err);
      } else {
        // Rebalance callbacks run inside these polls; their opaque no longer reaches a state,
        // so they only (un)assign.
        while (!rd_kafka_consumer_closed(rk) && std::chrono::steady_clock::now() < until) {
          if (auto ev = rd_kafka_queue_poll(q.get(), 100)) {
            if (rd_kafka_event_type(ev) == RD_KAFKA_EVENT_REBALANCE) {
              if (watch && rd_kafka_event_error(ev) == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS)
                watch->synced = true;
              plain_rebalance(rk, rd_kafka_event_error(ev),
                              rd_kafka_event_topic_partition_list(ev));
            }
            rd_kafka_event_destroy(ev);
          }
        }
      }
    }
    auto raw = handle->release();
    if (in_window(false)) {
      // Destroying it would abort the process (librdkafka #4312): it has left its group and
      // stays, threads and all, until the process ends.
      ++leaked_handles;
      std::fprintf(stderr,
                   "kafka-actors: a cooperative-sticky consumer stopped between its JoinGroup "
                   "and its first SyncGroup is closed but not destroyed (librdkafka 2.0.2 "
                   "would abort the process: librdkafka #4312)\n");
      return;
    }
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
