#pragma once

// Lets a handler wait until the test opens it (a handler stalled on purpose, not a sleep).

#include <condition_variable>
#include <memory>
#include <mutex>

namespace kafka_actors::test {

class gate {
public:
  void open() {
    std::lock_guard<std::mutex> guard{mx_};
    open_ = true;
    cv_.notify_all();
  }
  void pass() {
    std::unique_lock<std::mutex> lock{mx_};
    cv_.wait(lock, [&] { return open_; });
  }

private:
  std::mutex mx_;
  std::condition_variable cv_;
  bool open_ = false;
};

/// Opens a gate when the test leaves its scope, so a failed assertion never leaves a handler
/// thread waiting (which would hang the actor system's shutdown).
class open_on_exit {
public:
  explicit open_on_exit(gate& g) : g_(g) {
  }
  ~open_on_exit() {
    g_.open();
  }

private:
  gate& g_;
};

} // namespace kafka_actors::test
