#include "kafka_actors/actors/alert_evaluator.hpp"

#include <cstdio>

#include <boost/json.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "kafka_actors/actors/kafka_service.hpp"
#include "kafka_actors/runtime/alertmanager_client.hpp"
#include "kafka_actors/runtime/errors.hpp"

namespace kafka_actors {

namespace {

// Undelivered resolved events kept for Alertmanager: beyond that, it lets the alert expire
// by its endsAt instead.
constexpr size_t max_unposted = 1000;

struct evaluator_state {
  static inline const char* name = "kafka-alert-evaluator";
  std::optional<alert_engine> engine;
  alerts_config cfg;
  caf::actor_addr service;
  alert_stats stats;
  // Resolved events Alertmanager has not taken yet (a failed post), posted again next round.
  std::vector<alert_event> unposted;
  std::optional<alert_time> last_post;
};

using evaluator_pointer = alert_evaluator_actor::stateful_pointer<evaluator_state>;

void count(evaluator_state& st, const char* sink, bool ok, const std::string& why = {}) {
  if (ok) {
    ++st.stats.sent[sink];
    return;
  }
  ++st.stats.failed[sink];
  st.stats.last_failure = std::string{sink} + ": " + why;
}

void to_log(evaluator_state& st, const std::vector<alert_event>& events) {
  for (auto& e : events) {
    auto line = alert_log_line(e) + "\n";
    std::fputs(line.c_str(), stderr);
    count(st, "log", true);
  }
}

void to_topic(evaluator_pointer self, const std::vector<alert_event>& events) {
  auto& st = self->state;
  auto service = caf::actor_cast<kafka_service_actor>(st.service);
  for (auto& e : events) {
    if (!service) {
      count(st, "topic", false, "the service is gone");
      continue;
    }
    message m;
    m.topic = st.cfg.topic;
    m.key = e.rule;
    for (auto& [k, v] : e.labels)
      m.key += "/" + v;
    m.content = alert_record_json(e);
    // The producer's own timeout bounds the wait; the reply only counts.
    self->request(service, caf::infinite, send_atom_v, std::move(m))
      .then(
        [=](const delivery_report& r) {
          count(self->state, "topic", r.ok(), r.error);
        },
        [=](const caf::error& err) { count(self->state, "topic", false, describe(err)); });
  }
}

void to_alertmanager(evaluator_state& st, std::vector<alert_event> events, alert_time now) {
  // Firing alerts again on every resend interval: Alertmanager resolves an alert whose endsAt
  // passed without news, so a lost process resolves there too, by itself.
  bool resend = !st.last_post || now - *st.last_post >= st.cfg.alertmanager_resend;
  std::vector<alert_event> batch = std::move(st.unposted);
  st.unposted.clear();
  if (resend) {
    for (auto& e : st.engine->firing())
      batch.push_back(e);
    for (auto& e : events)
      if (e.state == alert_event::state_type::resolved)
        batch.push_back(std::move(e));
  } else {
    for (auto& e : events)
      batch.push_back(std::move(e));
  }
  if (batch.empty())
    return;
  auto ends_at = now + 3 * st.cfg.alertmanager_resend;
  auto payload = alertmanager_payload(batch, ends_at, {{"service", "kafka-actors"}});
  if (auto err = post_alerts(st.cfg.alertmanager, payload, st.cfg.alertmanager_timeout)) {
    st.stats.failed["alertmanager"] += batch.size();
    st.stats.last_failure = "alertmanager: " + describe(err);
    for (auto& e : batch)
      if (e.state == alert_event::state_type::resolved && st.unposted.size() < max_unposted)
        st.unposted.push_back(std::move(e));
    // Firing ones go again with the next resend (or the next event).
    st.last_post.reset();
    return;
  }
  st.stats.sent["alertmanager"] += batch.size();
  if (resend)
    st.last_post = now;
}

alert_evaluator_actor::behavior_type evaluator_impl(evaluator_pointer self,
                                                    std::shared_ptr<kafka_config> cfg,
                                                    caf::actor_addr service) {
  auto& st = self->state;
  st.cfg = cfg->monitoring.alerts;
  st.engine.emplace(st.cfg.rules);
  st.service = std::move(service);
  for (auto& r : st.cfg.rules)
    st.stats.firing[r.name] = 0;
  return {
    [=](observe_atom, const alert_observation& obs, int64_t at_ms) -> alert_stats {
      auto& st = self->state;
      auto now = alert_time{std::chrono::milliseconds{at_ms}};
      auto events = st.engine->observe(obs, now);
      if (st.cfg.log)
        to_log(st, events);
      if (!st.cfg.topic.empty())
        to_topic(self, events);
      if (!st.cfg.alertmanager.empty())
        to_alertmanager(st, events, now);
      for (auto& [rule, n] : st.stats.firing)
        n = 0;
      for (auto& e : st.engine->firing())
        ++st.stats.firing[e.rule];
      return st.stats;
    },
    [=](alerts_atom) {
      std::vector<std::string> out;
      for (auto& e : self->state.engine->firing())
        out.push_back(alert_log_line(e));
      return out;
    },
  };
}

} // namespace

std::string alert_record_json(const alert_event& e) {
  boost::json::object labels;
  for (auto& [k, v] : e.labels)
    labels[k] = v;
  boost::json::object o{
    {"alert", e.rule},
    {"kind", to_string(e.kind)},
    {"state", to_string(e.state)},
    {"repeated", e.repeated},
    {"severity", e.severity},
    {"labels", std::move(labels)},
    {"value", e.value},
    {"summary", e.summary},
    {"active_since", rfc3339_millis(e.active_since)},
    {"at", rfc3339_millis(e.at)},
  };
  return boost::json::serialize(o);
}

std::string alert_log_line(const alert_event& e) {
  std::string out = "kafka-actors: alert ";
  out += e.state == alert_event::state_type::firing ? (e.repeated ? "FIRING (again)" : "FIRING")
                                                    : "RESOLVED";
  out += " [" + e.rule + ", " + e.severity + "]";
  for (auto& [k, v] : e.labels)
    out += " " + k + "=" + v;
  out += ": " + e.summary;
  return out;
}

alert_evaluator_actor spawn_alert_evaluator(caf::actor_system& sys, const kafka_config& cfg,
                                            caf::actor_addr service) {
  return sys.spawn<caf::detached>(evaluator_impl, std::make_shared<kafka_config>(cfg),
                                  std::move(service));
}

} // namespace kafka_actors
