#include "kafka_actors/runtime/alert_engine.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

namespace kafka_actors {

namespace {

using std::chrono::milliseconds;

constexpr milliseconds one_day{86400000};
constexpr milliseconds one_second{1000};

/// A number as a person writes it: integers without a fraction ("1000", not "1000.000000").
std::string number(double x) {
  if (std::isnan(x))
    return "nan";
  if (std::isinf(x))
    return x > 0 ? "inf" : "-inf";
  if (x == std::floor(x) && std::fabs(x) < 1e15)
    return std::to_string(static_cast<long long>(x));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", x);
  return buf;
}

/// A share 0..1 as a percentage: "2.5%"; tiny non-zero shares keep two significant digits.
std::string percent(double share) {
  double p = share * 100;
  char buf[32];
  if (p == 0 || std::fabs(p) >= 0.1)
    std::snprintf(buf, sizeof buf, "%.1f%%", p);
  else
    std::snprintf(buf, sizeof buf, "%.2g%%", p);
  return buf;
}

/// "60 s", "1.5 s".
template <class Duration>
std::string seconds(Duration d) {
  auto ms = std::chrono::duration_cast<milliseconds>(d).count();
  return number(static_cast<double>(ms) / 1000.0) + " s";
}

bool all_of_charset(const std::string& s, bool allow_dot) {
  return std::all_of(s.begin(), s.end(), [&](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'
           || c == '-' || (allow_dot && c == '.');
  });
}

/// `s` quoted for a message, cut short when long.
std::string quoted(const std::string& s) {
  if (s.size() <= 40)
    return "\"" + s + "\"";
  return "\"" + s.substr(0, 40) + "...\" (" + std::to_string(s.size()) + " characters)";
}

std::string duration_problem(const char* field, milliseconds d, milliseconds lo, milliseconds hi,
                             const char* note) {
  if (d >= lo && d <= hi)
    return "";
  return std::string{field} + " must be " + std::to_string(lo.count()) + ".."
         + std::to_string(hi.count()) + " (" + note + "), not " + std::to_string(d.count());
}

/// What one round says about one instance of a rule.
struct observed {
  bool holds = false;
  double value = 0;      // the value behind the decision (0 for a lapsed breaker/broker)
  std::string firing;    // summary while it holds (without the "for ..." part)
  std::string resolved;  // summary once it no longer holds but is still observed
};

alert_labels partition_labels(const std::string& group, const std::string& topic,
                              int32_t partition) {
  return {{"group", group}, {"topic", topic}, {"partition", std::to_string(partition)}};
}

std::string label(const alert_labels& labels, const std::string& key) {
  for (auto& [k, v] : labels)
    if (k == key)
      return v;
  return "";
}

/// "orders[3] in group billing".
std::string where(const alert_labels& labels) {
  return label(labels, "topic") + "[" + label(labels, "partition") + "] in group "
         + label(labels, "group");
}

/// The summary of a resolved event for an instance that is no longer in the observation.
std::string gone_summary(const alert_rule& rule, const alert_labels& labels) {
  switch (rule.kind) {
    case alert_kind::lag:
      return where(labels) + " is no longer lagging (partition no longer observed)";
    case alert_kind::error_rate:
      return "records of " + label(labels, "source")
             + " no longer failing (source no longer observed)";
    case alert_kind::breaker_open:
      return "breaker " + label(labels, "breaker") + " is no longer open (no longer observed)";
    case alert_kind::broker_unreachable:
      return "brokers no longer unreachable";
    case alert_kind::consumer_stalled:
      return where(labels) + " is no longer stalled (partition no longer observed)";
  }
  return "resolved";
}

/// The oldest sample at or after `from`; the newest one when none is (never: the newest is
/// at `now`), so the caller gets a share of 0 records.
template <class Deque, class Time>
auto window_start(const Deque& h, Time from) {
  auto i = std::find_if(h.begin(), h.end(), [&](auto& s) { return s.at >= from; });
  return i == h.end() ? std::prev(h.end()) : i;
}

} // namespace

const char* to_string(alert_kind k) {
  switch (k) {
    case alert_kind::lag: return "lag";
    case alert_kind::error_rate: return "error_rate";
    case alert_kind::breaker_open: return "breaker_open";
    case alert_kind::broker_unreachable: return "broker_unreachable";
    case alert_kind::consumer_stalled: return "consumer_stalled";
  }
  return "unknown";
}

std::optional<alert_kind> alert_kind_from(const std::string& name) {
  for (auto k : {alert_kind::lag, alert_kind::error_rate, alert_kind::breaker_open,
                 alert_kind::broker_unreachable, alert_kind::consumer_stalled})
    if (name == to_string(k))
      return k;
  return std::nullopt;
}

const char* to_string(alert_event::state_type s) {
  switch (s) {
    case alert_event::state_type::firing: return "firing";
    case alert_event::state_type::resolved: return "resolved";
  }
  return "unknown";
}

std::string alert_rule_problem(const alert_rule& rule) {
  if (rule.name.empty() || rule.name.size() > 128 || !all_of_charset(rule.name, true))
    return "name must be 1..128 characters of letters, digits, '_', '-' and '.', not "
           + quoted(rule.name);
  switch (rule.kind) {
    case alert_kind::lag:
      if (!std::isfinite(rule.threshold) || rule.threshold < 0)
        return "threshold must be a number of records >= 0 for kind lag, not "
               + number(rule.threshold);
      break;
    case alert_kind::error_rate:
      if (!std::isfinite(rule.threshold) || rule.threshold < 0 || rule.threshold >= 1)
        return "threshold must be 0..1 (a share of records, below 1) for kind error_rate, not "
               + number(rule.threshold);
      break;
    default:
      break; // unused
  }
  if (auto p = duration_problem("for.ms", rule.for_duration, milliseconds{0}, one_day,
                                "milliseconds, a day at most");
      !p.empty())
    return p;
  if (auto p = duration_problem("repeat.ms", rule.repeat, milliseconds{0}, one_day,
                                "milliseconds, 0: never again, a day at most");
      !p.empty())
    return p;
  if (rule.kind == alert_kind::error_rate) {
    if (auto p = duration_problem("window.ms", rule.window, one_second, one_day,
                                  "milliseconds, a second to a day, for kind error_rate");
        !p.empty())
      return p;
  }
  if (rule.severity.empty() || rule.severity.size() > 64 || !all_of_charset(rule.severity, false))
    return "severity must be 1..64 characters of letters, digits, '_' and '-', not "
           + quoted(rule.severity);
  return "";
}

alert_engine::alert_engine(std::vector<alert_rule> rules)
  : rules_(std::move(rules)), active_(rules_.size()) {
  // Nothing else: instances and history come with the observations.
}

std::vector<alert_event> alert_engine::observe(const alert_observation& obs, alert_time now) {
  if (last_now_ && now < *last_now_)
    now = *last_now_;
  last_now_ = now;

  // -- error_rate history: one sample per source and round, kept for the longest window.
  std::optional<milliseconds> longest;
  for (auto& r : rules_)
    if (r.kind == alert_kind::error_rate)
      longest = std::max(longest.value_or(r.window), r.window);
  std::map<std::string, const alert_observation::record_counts*> sources;
  for (auto& rc : obs.records)
    sources[rc.source] = &rc; // a source named twice: the last entry counts
  if (!longest) {
    history_.clear();
  } else {
    for (auto& [name, rc] : sources) {
      auto& h = history_[name];
      if (!h.empty() && (rc->failed < h.back().failed || rc->total < h.back().total))
        h.clear(); // counters went backwards: the source restarted, start again from here
      if (!h.empty() && h.back().at == now)
        h.back() = count_sample{now, rc->failed, rc->total};
      else
        h.push_back(count_sample{now, rc->failed, rc->total});
    }
    for (auto i = history_.begin(); i != history_.end();) {
      auto& h = i->second;
      while (!h.empty() && h.front().at < now - *longest)
        h.pop_front();
      i = h.empty() ? history_.erase(i) : std::next(i);
    }
  }

  std::vector<alert_event> out;
  for (size_t ri = 0; ri < rules_.size(); ++ri) {
    auto& rule = rules_[ri];
    auto& active = active_[ri];

    // What this round says about each instance it shows.
    std::map<alert_labels, observed> seen;
    switch (rule.kind) {
      case alert_kind::lag:
        for (auto& l : obs.lags) {
          auto labels = partition_labels(l.group, l.topic, l.partition);
          observed o;
          o.value = static_cast<double>(l.lag);
          o.holds = o.value > rule.threshold;
          o.firing = "lag of " + where(labels) + " is " + std::to_string(l.lag)
                     + " records (above " + number(rule.threshold);
          o.resolved = "lag of " + where(labels) + " is back to " + std::to_string(l.lag)
                       + " records (threshold " + number(rule.threshold) + ")";
          seen[labels] = std::move(o);
        }
        break;
      case alert_kind::error_rate:
        for (auto& [name, rc] : sources) {
          auto h = history_.find(name);
          if (h == history_.end() || h->second.empty())
            continue; // cannot happen: this round's sample was just added
          auto& samples = h->second;
          auto start = window_start(samples, now - rule.window);
          auto& cur = samples.back();
          uint64_t total = cur.total - start->total;
          uint64_t failed = cur.failed - start->failed;
          observed o;
          auto over = " over the last " + seconds(rule.window);
          if (total == 0) {
            o.holds = false; // no records, no rate
            o.value = 0;
            o.resolved = "no records of " + name + over + ", so no error rate (threshold "
                         + percent(rule.threshold) + ")";
          } else {
            o.value = static_cast<double>(failed) / static_cast<double>(total);
            o.holds = o.value > rule.threshold;
            o.firing = percent(o.value) + " of records of " + name + " failed" + over
                       + " (above " + percent(rule.threshold);
            o.resolved = "error rate of " + name + " is back to " + percent(o.value) + over
                         + " (threshold " + percent(rule.threshold) + ")";
          }
          seen[{{"source", name}}] = std::move(o);
        }
        break;
      case alert_kind::breaker_open:
        for (auto& b : obs.breakers) {
          observed o;
          o.holds = b.open;
          o.value = b.open ? 1 : 0;
          o.firing = "breaker " + b.name + " is open";
          o.resolved = "breaker " + b.name + " is closed again";
          seen[{{"breaker", b.name}}] = std::move(o);
        }
        break;
      case alert_kind::broker_unreachable:
        if (!obs.broker_error)
          continue; // not decided: every instance of this rule stays as it is
        {
          observed o;
          o.holds = !obs.broker_error->empty();
          o.value = o.holds ? 1 : 0;
          o.firing = "brokers unreachable: " + *obs.broker_error;
          o.resolved = "brokers reachable again";
          seen[alert_labels{}] = std::move(o);
        }
        break;
      case alert_kind::consumer_stalled:
        for (auto& s : obs.stalled) {
          auto labels = partition_labels(s.group, s.topic, s.partition);
          observed o;
          o.holds = true;
          o.value = static_cast<double>(s.waiting);
          o.firing = where(labels) + " has " + std::to_string(s.waiting)
                     + " records waiting and no handler progress for " + seconds(s.stalled_for);
          seen[labels] = std::move(o);
        }
        break;
    }

    auto event = [&](const alert_labels& labels, const instance& inst,
                     alert_event::state_type state, bool repeated, double value,
                     std::string summary) {
      alert_event e;
      e.rule = rule.name;
      e.kind = rule.kind;
      e.severity = rule.severity;
      e.labels = labels;
      e.state = state;
      e.repeated = repeated;
      e.value = value;
      e.summary = std::move(summary);
      e.active_since = inst.since;
      e.at = now;
      return e;
    };
    auto firing_summary = [&](const observed& o, const instance& inst) {
      auto s = o.firing;
      if (rule.kind == alert_kind::lag || rule.kind == alert_kind::error_rate) {
        auto held = now - inst.since;
        if (held > alert_time::duration::zero())
          s += " for " + seconds(held);
        s += ")";
      }
      return s;
    };

    // Every instance seen now or active before, in label order.
    std::set<alert_labels> keys;
    for (auto& kv : seen)
      keys.insert(kv.first);
    for (auto& kv : active)
      keys.insert(kv.first);
    for (auto& key : keys) {
      auto s = seen.find(key);
      auto a = active.find(key);
      if (s != seen.end() && s->second.holds) {
        if (a == active.end()) {
          instance fresh;
          fresh.since = now;
          a = active.emplace(key, std::move(fresh)).first;
        }
        auto& inst = a->second;
        bool due_first = !inst.fired && now - inst.since >= rule.for_duration;
        bool due_again = inst.fired && rule.repeat > milliseconds{0}
                         && now - inst.last_notified >= rule.repeat;
        if (due_first || due_again) {
          inst.fired = true;
          inst.last_notified = now;
          inst.last = event(key, inst, alert_event::state_type::firing, due_again,
                            s->second.value, firing_summary(s->second, inst));
          out.push_back(inst.last);
        }
      } else if (a != active.end()) {
        if (a->second.fired) {
          bool present = s != seen.end();
          out.push_back(event(key, a->second, alert_event::state_type::resolved, false,
                              present ? s->second.value : 0,
                              present ? s->second.resolved : gone_summary(rule, key)));
        }
        active.erase(a); // a pending instance goes without an event
      }
    }
  }
  return out;
}

std::vector<alert_event> alert_engine::firing() const {
  std::vector<alert_event> out;
  for (auto& rule_instances : active_)
    for (auto& [labels, inst] : rule_instances)
      if (inst.fired)
        out.push_back(inst.last);
  return out;
}

} // namespace kafka_actors
