#pragma once

// A latency histogram an actor keeps in its own state (plain counts, no atomics: one owner
// thread) and hands out with its status; the metrics collector turns it into a Prometheus
// histogram. Observations of equal value come in runs (the records of one request acked in
// one delivery batch), so `observe` takes a count. Pure.

#include <array>
#include <chrono>
#include <cstdint>
#include <vector>

namespace kafka_actors {

struct latency_histogram {
  /// Upper bounds in seconds, the same for every histogram of kafka-actors (+Inf implied).
  static constexpr std::array<double, 15> bounds{0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                 0.025,  0.05,  0.1,    0.25,  0.5,
                                                 1,      2.5,   5,      10,    30};

  /// Counts per bucket, not cumulative; the last one is above the highest bound. Empty until
  /// the first observation (a status without observations stays small).
  std::vector<uint64_t> buckets;
  double sum_seconds = 0;
  uint64_t count = 0;

  void observe(std::chrono::nanoseconds d, uint64_t n = 1);

  void merge(const latency_histogram& other);

  /// Cumulative count of observations <= bounds[i] (i == bounds.size(): all of them).
  uint64_t cumulative(size_t i) const;
};

} // namespace kafka_actors
