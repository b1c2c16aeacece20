#include "kafka_actors/runtime/metrics.hpp"

#include <limits>
#include <sstream>

#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>

namespace kafka_actors {

double counter_totals::total(const std::string& series, double reported) {
  auto& e = entries_[series];
  e.total += reported >= e.last ? reported - e.last : reported;
  e.last = reported;
  return e.total;
}

latency_histogram counter_totals::total(const std::string& series,
                                        const latency_histogram& reported) {
  auto& e = histograms_[series];
  if (reported.count >= e.last.count) {
    latency_histogram delta = reported;
    for (size_t i = 0; i < delta.buckets.size() && i < e.last.buckets.size(); ++i)
      delta.buckets[i] -= e.last.buckets[i];
    delta.sum_seconds -= e.last.sum_seconds;
    delta.count -= e.last.count;
    e.total.merge(delta);
  } else {
    e.total.merge(reported);
  }
  e.last = reported;
  return e.total;
}

metric_family& metric_set::family(const std::string& name, const std::string& help,
                                  metric_type type) {
  auto i = index_.find(name);
  if (i != index_.end())
    return families_[i->second];
  index_.emplace(name, families_.size());
  families_.push_back(metric_family{name, help, type, {}});
  return families_.back();
}

void metric_set::declare(const std::string& name, const std::string& help, metric_type type) {
  family(name, help, type);
}

void metric_set::counter(const std::string& name, const std::string& help,
                         metric_labels labels, double reported) {
  std::string series = name;
  for (auto& [k, v] : labels)
    series += '\0' + k + '\0' + v;
  auto total = totals_.total(series, reported);
  family(name, help, metric_type::counter).samples.emplace_back(std::move(labels), total);
}

void metric_set::gauge(const std::string& name, const std::string& help, metric_labels labels,
                       double value) {
  family(name, help, metric_type::gauge).samples.emplace_back(std::move(labels), value);
}

void metric_set::histogram(const std::string& name, const std::string& help,
                           metric_labels labels, const latency_histogram& reported) {
  std::string series = name;
  for (auto& [k, v] : labels)
    series += '\0' + k + '\0' + v;
  auto total = totals_.total(series, reported);
  family(name, help, metric_type::histogram).histograms.emplace_back(std::move(labels), total);
}

std::string metric_set::exposition() const {
  std::vector<prometheus::MetricFamily> out;
  out.reserve(families_.size());
  for (auto& f : families_) {
    prometheus::MetricFamily pf;
    pf.name = f.name;
    pf.help = f.help;
    pf.type = f.type == metric_type::counter     ? prometheus::MetricType::Counter
              : f.type == metric_type::histogram ? prometheus::MetricType::Histogram
                                                 : prometheus::MetricType::Gauge;
    for (auto& [labels, h] : f.histograms) {
      prometheus::ClientMetric m;
      for (auto& [k, v] : labels)
        m.label.push_back(prometheus::ClientMetric::Label{k, v});
      m.histogram.sample_count = h.count;
      m.histogram.sample_sum = h.sum_seconds;
      for (size_t i = 0; i < latency_histogram::bounds.size(); ++i)
        m.histogram.bucket.push_back(
          prometheus::ClientMetric::Bucket{h.cumulative(i), latency_histogram::bounds[i]});
      m.histogram.bucket.push_back(prometheus::ClientMetric::Bucket{
        h.count, std::numeric_limits<double>::infinity()});
      pf.metric.push_back(std::move(m));
    }
    for (auto& [labels, value] : f.samples) {
      prometheus::ClientMetric m;
      for (auto& [k, v] : labels)
        m.label.push_back(prometheus::ClientMetric::Label{k, v});
      if (f.type == metric_type::counter)
        m.counter.value = value;
      else
        m.gauge.value = value;
      pf.metric.push_back(std::move(m));
    }
    out.push_back(std::move(pf));
  }
  std::ostringstream os;
  prometheus::TextSerializer{}.Serialize(os, out);
  return os.str();
}

} // namespace kafka_actors
