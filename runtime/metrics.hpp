#pragma once

// The metrics of one collection round, built by the collector and serialized once into
// Prometheus' text format (prometheus-cpp's serializer), which the HTTP endpoint then serves
// as is: a scrape costs a string copy and never touches an actor. A series that is not in a
// round (a revoked partition, a stopped subscription) is not in the exposition either.
// Pure: no CAF, no I/O; prometheus-cpp stays out of this header.

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "kafka_actors/runtime/latency_histogram.hpp"

namespace kafka_actors {

using metric_labels = std::vector<std::pair<std::string, std::string>>;

enum class metric_type { counter, gauge, histogram };

struct metric_family {
  std::string name;
  std::string help;
  metric_type type = metric_type::gauge;
  std::vector<std::pair<metric_labels, double>> samples;
  std::vector<std::pair<metric_labels, latency_histogram>> histograms;
};

/// Totals that only grow, from counts that start over when their source restarts (a
/// consumer's counters after a restart of its subscription): a count below the last one
/// seen is a restart, and all of it is new.
class counter_totals {
public:
  double total(const std::string& series, double reported);

  /// The same for a histogram: a count below the last one means its source restarted (all
  /// buckets at once, so the buckets stay consistent).
  latency_histogram total(const std::string& series, const latency_histogram& reported);

private:
  struct entry {
    double last = 0;
    double total = 0;
  };
  struct histogram_entry {
    latency_histogram last;
    latency_histogram total;
  };
  std::map<std::string, entry> entries_;
  std::map<std::string, histogram_entry> histograms_;
};

/// One collection round's families, in the order first added.
class metric_set {
public:
  explicit metric_set(counter_totals& totals) : totals_(totals) {
  }

  /// A counter from a count its source reports (made monotonic through the totals).
  void counter(const std::string& name, const std::string& help, metric_labels labels,
               double reported);

  void gauge(const std::string& name, const std::string& help, metric_labels labels,
             double value);

  /// A histogram from one its source reports (made monotonic through the totals).
  void histogram(const std::string& name, const std::string& help, metric_labels labels,
                 const latency_histogram& reported);

  /// Declares a family even without samples, so its HELP and TYPE are always exposed.
  void declare(const std::string& name, const std::string& help, metric_type type);

  const std::vector<metric_family>& families() const noexcept {
    return families_;
  }

  /// Prometheus text exposition format 0.0.4.
  std::string exposition() const;

private:
  metric_family& family(const std::string& name, const std::string& help, metric_type type);

  counter_totals& totals_;
  std::vector<metric_family> families_;
  std::map<std::string, size_t> index_;
};

} // namespace kafka_actors
