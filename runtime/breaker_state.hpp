#pragma once

// The circuit breaker's state machine, driven by an explicit clock so tests control time.
//
//   closed --(N consecutive failures, or failure ratio over the window)--> open
//   open --(open_for elapsed)--> half_open: at most `probes` calls in flight
//   half_open --(a probe fails)--> open;  --(`probes` successes)--> closed

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>

namespace kafka_actors {

struct breaker_config {
  /// Consecutive failures that open the breaker.
  size_t consecutive_failures = 5;
  /// Failure ratio over the last `window` outcomes that opens it (once the window is full).
  double failure_ratio = 0.5;
  size_t window = 20;
  std::chrono::milliseconds open_for{5000};
  /// Calls let through while half-open; this many successes close it.
  size_t probes = 3;
};

enum class breaker_phase : uint8_t { closed, open, half_open };

const char* to_string(breaker_phase p);

class breaker_state {
public:
  using clock = std::chrono::steady_clock;
  using time_point = clock::time_point;

  explicit breaker_state(breaker_config cfg = {}) : cfg_(cfg) {
  }

  /// May a call go through now? Half-open admits at most `probes` calls in flight.
  bool allow(time_point now);

  /// Gives back a slot `allow` took for a call whose outcome says nothing about the
  /// dependency (the record itself was bad, the call never reached it).
  void release_probe() noexcept {
    if (phase_ == breaker_phase::half_open && probes_in_flight_ > 0)
      --probes_in_flight_;
  }

  void on_success(time_point now);
  void on_failure(time_point now);
  /// Opens at once, whatever the counts (e.g. every broker is down).
  void trip(time_point now);

  breaker_phase phase(time_point now);

  /// When an open breaker turns half-open.
  time_point reopens_at() const noexcept {
    return opened_at_ + cfg_.open_for;
  }

  uint64_t times_opened() const noexcept {
    return times_opened_;
  }

  const breaker_config& config() const noexcept {
    return cfg_;
  }

private:
  void open(time_point now);
  void close();

  breaker_config cfg_;
  breaker_phase phase_ = breaker_phase::closed;
  size_t consecutive_ = 0;
  std::deque<bool> outcomes_; // true = failure
  size_t failures_in_window_ = 0;
  time_point opened_at_{};
  size_t probes_in_flight_ = 0;
  size_t probe_successes_ = 0;
  uint64_t times_opened_ = 0;
};

} // namespace kafka_actors
