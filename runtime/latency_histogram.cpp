#include "kafka_actors/runtime/latency_histogram.hpp"

#include <algorithm>

namespace kafka_actors {

void latency_histogram::observe(std::chrono::nanoseconds d, uint64_t n) {
  if (n == 0)
    return;
  if (buckets.empty())
    buckets.assign(bounds.size() + 1, 0);
  auto s = std::chrono::duration<double>(d).count();
  auto i = static_cast<size_t>(std::lower_bound(bounds.begin(), bounds.end(), s) - bounds.begin());
  buckets[i] += n;
  sum_seconds += s * static_cast<double>(n);
  count += n;
}

void latency_histogram::merge(const latency_histogram& other) {
  if (other.buckets.empty())
    return;
  if (buckets.empty())
    buckets.assign(bounds.size() + 1, 0);
  for (size_t i = 0; i < buckets.size() && i < other.buckets.size(); ++i)
    buckets[i] += other.buckets[i];
  sum_seconds += other.sum_seconds;
  count += other.count;
}

uint64_t latency_histogram::cumulative(size_t i) const {
  uint64_t n = 0;
  for (size_t k = 0; k <= i && k < buckets.size(); ++k)
    n += buckets[k];
  return n;
}

} // namespace kafka_actors
