#include "kafka_actors/runtime/breaker_state.hpp"

namespace kafka_actors {

const char* to_string(breaker_phase p) {
  switch (p) {
    case breaker_phase::closed: return "closed";
    case breaker_phase::open: return "open";
    case breaker_phase::half_open: return "half_open";
  }
  return "unknown";
}

breaker_phase breaker_state::phase(time_point now) {
  if (phase_ == breaker_phase::open && now >= reopens_at()) {
    phase_ = breaker_phase::half_open;
    probes_in_flight_ = 0;
    probe_successes_ = 0;
  }
  return phase_;
}

bool breaker_state::allow(time_point now) {
  switch (phase(now)) {
    case breaker_phase::closed:
      return true;
    case breaker_phase::open:
      return false;
    case breaker_phase::half_open:
      if (probes_in_flight_ + probe_successes_ >= cfg_.probes)
        return false;
      ++probes_in_flight_;
      return true;
  }
  return false;
}

void breaker_state::on_success(time_point now) {
  switch (phase(now)) {
    case breaker_phase::closed:
      consecutive_ = 0;
      outcomes_.push_back(false);
      if (outcomes_.size() > cfg_.window) {
        failures_in_window_ -= outcomes_.front() ? 1 : 0;
        outcomes_.pop_front();
      }
      break;
    case breaker_phase::half_open:
      if (probes_in_flight_ > 0)
        --probes_in_flight_;
      if (++probe_successes_ >= cfg_.probes)
        close();
      break;
    case breaker_phase::open:
      break; // a late answer from before it opened
  }
}

void breaker_state::on_failure(time_point now) {
  switch (phase(now)) {
    case breaker_phase::closed: {
      ++consecutive_;
      outcomes_.push_back(true);
      ++failures_in_window_;
      if (outcomes_.size() > cfg_.window) {
        failures_in_window_ -= outcomes_.front() ? 1 : 0;
        outcomes_.pop_front();
      }
      bool ratio_tripped
        = outcomes_.size() >= cfg_.window
          && static_cast<double>(failures_in_window_) >= cfg_.failure_ratio * cfg_.window;
      if (consecutive_ >= cfg_.consecutive_failures || ratio_tripped)
        open(now);
      break;
    }
    case breaker_phase::half_open:
      open(now);
      break;
    case breaker_phase::open:
      break;
  }
}

void breaker_state::trip(time_point now) {
  if (phase(now) != breaker_phase::open)
    open(now);
}

void breaker_state::open(time_point now) {
  phase_ = breaker_phase::open;
  opened_at_ = now;
  ++times_opened_;
  probes_in_flight_ = 0;
  probe_successes_ = 0;
}

void breaker_state::close() {
  phase_ = breaker_phase::closed;
  consecutive_ = 0;
  outcomes_.clear();
  failures_in_window_ = 0;
}

} // namespace kafka_actors
