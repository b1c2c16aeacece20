#pragma once

// How a process's memory moves over a run: its resident set now, and the trend of samples
// (shared by the soak test and the RSS benchmark, which both judge "memory stays flat").

#include <fstream>
#include <vector>

#include <unistd.h>

namespace kafka_actors::test {

/// This process's resident set, in MiB (from /proc/self/statm).
inline double rss_mib() {
  std::ifstream statm{"/proc/self/statm"};
  long pages_total = 0, pages_resident = 0;
  statm >> pages_total >> pages_resident;
  return static_cast<double>(pages_resident) * static_cast<double>(sysconf(_SC_PAGESIZE))
         / (1024.0 * 1024.0);
}

/// Least-squares slope of y over x; 0 when x has no spread (fewer than two distinct points).
inline double slope(const std::vector<double>& x, const std::vector<double>& y) {
  double n = static_cast<double>(x.size()), sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    sx += x[i];
    sy += y[i];
    sxx += x[i] * x[i];
    sxy += x[i] * y[i];
  }
  auto d = n * sxx - sx * sx;
  return d == 0 ? 0 : (n * sxy - sx * sy) / d;
}

} // namespace kafka_actors::test
