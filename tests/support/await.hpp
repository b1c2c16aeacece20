#pragma once

// Waits for a condition instead of sleeping for a guessed time.

#include <chrono>
#include <functional>
#include <thread>

namespace kafka_actors::test {

/// Re-checks `pred` every few milliseconds until it holds or `timeout` passes.
inline bool await(const std::function<bool()>& pred,
                  std::chrono::milliseconds timeout = std::chrono::seconds{30}) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= deadline)
      return pred();
    std::this_thread::sleep_for(std::chrono::milliseconds{5});
  }
  return true;
}

} // namespace kafka_actors::test
