#include "kafka_actors/runtime/metrics.hpp"

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

std::string metric_set::exposition() const {
  std::vector<prometheus::MetricFamily> out;
  out.reserve(families_.size());
  for (auto& f : families_) {
    prometheus::MetricFamily pf;
    pf.name = f.name;
    pf.help = f.help;
    pf.type = f.type == metric_type::counter ? prometheus::MetricType::Counter
                                             : prometheus::MetricType::Gauge;
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
