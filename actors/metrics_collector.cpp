#include "kafka_actors/actors/metrics_collector.hpp"

#include <algorithm>
#include <chrono>
#include <set>

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "kafka_actors/actors/admin.hpp"
#include "kafka_actors/actors/alert_evaluator.hpp"
#include "kafka_actors/actors/kafka_service.hpp"
#include "kafka_actors/runtime/client_statistics.hpp"
#include "kafka_actors/runtime/errors.hpp"
#include "kafka_actors/runtime/metrics.hpp"
#include "kafka_actors/runtime/monitoring_endpoint.hpp"
#include "kafka_actors/runtime/progress_watch.hpp"
#include "kafka_actors/runtime/readiness.hpp"

namespace kafka_actors {

namespace {

using clock_type = std::chrono::steady_clock;

struct collector_state {
  static inline const char* name = "kafka-metrics-collector";
  // The admin's client talks to the embedded cluster: the cluster goes after it.
  std::shared_ptr<embedded_cluster> cluster;
  std::shared_ptr<monitoring_board> board;
  // Destroyed on this actor's own thread (detached): joins the HTTP threads.
  std::shared_ptr<monitoring_endpoint> endpoint;
  caf::actor_addr service;
  admin_actor prober;
  monitoring_config cfg;
  counter_totals totals;
  readiness_tracker ready;
  std::optional<progress_watch> progress;
  health_inputs inputs;
  std::string metrics_text;
  bool collecting = false;
  bool probing = false;
  int32_t brokers_seen = 0;
  uint64_t collections = 0;
  uint64_t statistics_errors = 0;
  std::string last_statistics_error;
  // Spawned when monitoring.alerts has rules; fed one observation per round.
  alert_evaluator_actor evaluator;
  bool evaluating = false;
  alert_stats alerts;
  uint64_t evaluator_restarts = 0;
  // High watermarks of paused partitions asked of their leaders ("topic[partition]").
  std::map<std::string, int64_t> asked_highs;
  bool asking_watermarks = false;

  ~collector_state() {
    if (prober)
      caf::anon_send_exit(prober, caf::exit_reason::user_shutdown);
    if (evaluator)
      caf::anon_send_exit(evaluator, caf::exit_reason::user_shutdown);
  }
};

using collector_pointer = metrics_collector_actor::stateful_pointer<collector_state>;

double num(uint64_t n) {
  return static_cast<double>(n);
}

// A breaker's phase as a one-hot state set, the Prometheus idiom for an enum.
void breaker_states(metric_set& m, const std::string& name, const std::string& help,
                    const metric_labels& base, const std::string& phase) {
  if (phase.empty())
    return; // no breaker configured
  for (const char* s : {"closed", "half_open", "open"}) {
    auto labels = base;
    labels.emplace_back("state", s);
    m.gauge(name, help, std::move(labels), phase == s ? 1 : 0);
  }
}

void producer_metrics(metric_set& m, const producer_status& p) {
  m.counter("kafka_actors_producer_messages_delivered_total",
            "Records the brokers acknowledged.", {}, num(p.delivered));
  m.counter("kafka_actors_producer_messages_failed_total",
            "Records that failed for good (reported to their sender as errors).", {},
            num(p.failed));
  m.counter("kafka_actors_producer_backpressure_rejections_total",
            "Records refused with errc::backpressure (try_send past the in-flight window).", {},
            num(p.backpressure_rejections));
  m.counter("kafka_actors_producer_circuit_open_rejections_total",
            "Records refused fast while the producer's breaker was open.", {},
            num(p.circuit_open_rejections));
  m.counter("kafka_actors_producer_breaker_opened_total",
            "Times the producer's breaker opened.", {}, num(p.breaker_opened));
  m.gauge("kafka_actors_producer_in_flight_messages",
          "Records handed to librdkafka and not yet acknowledged.", {},
          num(p.in_flight_messages));
  m.gauge("kafka_actors_producer_in_flight_bytes",
          "Bytes (payload, key, headers) of the records in flight.", {},
          num(p.in_flight_bytes));
  m.gauge("kafka_actors_producer_waiting_requests",
          "Send requests parked until the in-flight window has room.", {},
          num(p.waiting_requests));
  m.gauge("kafka_actors_producer_failed",
          "1 while the producer cannot deliver until something changes (fatal error, failed "
          "login, refused certificate).",
          {}, p.failure.empty() ? 0 : 1);
  m.histogram("kafka_actors_producer_ack_latency_seconds",
              "Per acknowledged record: from its send request reaching the producer (waiting "
              "for the in-flight window included) to the broker's acknowledgement.",
              {}, p.ack_latency);
  breaker_states(m, "kafka_actors_producer_breaker_state",
                 "The producer's circuit breaker phase (1 for the current one).", {}, p.breaker);
}

void consumer_metrics(metric_set& m, uint64_t id, const consumer_status& c) {
  metric_labels l{{"subscription", std::to_string(id)}, {"group", c.group}};
  auto count = [&](const char* name, const char* help, uint64_t n) {
    m.counter(name, help, l, num(n));
  };
  count("kafka_actors_consumer_messages_consumed_total",
        "Records the consumer handed to its handler.", c.dispatched);
  count("kafka_actors_consumer_messages_acked_total",
        "Records the handler acknowledged (their offsets may be stored).", c.acked);
  count("kafka_actors_consumer_messages_handled_total",
        "Records on_record/on_batch/on_partition_batch handled successfully.", c.handled);
  count("kafka_actors_consumer_messages_retried_total",
        "Handler calls repeated in place by the retry policy.", c.retried_in_place);
  count("kafka_actors_consumer_messages_forwarded_to_retry_total",
        "Records forwarded to a <topic>.retry.<n> topic.", c.forwarded_to_retry);
  count("kafka_actors_consumer_messages_dead_lettered_total",
        "Records forwarded to <topic>.dlt.", c.dead_lettered);
  count("kafka_actors_consumer_messages_dropped_total",
        "Records dropped after their retries were exhausted (no dead-letter topic).",
        c.dropped);
  count("kafka_actors_consumer_messages_deduplicated_total",
        "Records dropped as duplicates (subscription dedup).", c.deduplicated);
  count("kafka_actors_consumer_messages_dropped_on_revoke_total",
        "Records taken and dropped because their partition was revoked.",
        c.dropped_on_revoke);
  count("kafka_actors_consumer_fenced_acks_total",
        "Acknowledgements that arrived after their partition was revoked.", c.fenced_acks);
  count("kafka_actors_consumer_commit_failures_total",
        "Offset commits that failed (their records are read again by the next owner).",
        c.commit_failures);
  count("kafka_actors_consumer_lost_assignments_total",
        "Assignments librdkafka declared lost (nothing of them committed since the last "
        "commit).",
        c.lost_assignments);
  count("kafka_actors_consumer_pauses_total", "Times the consumer paused its partitions.",
        c.pauses);
  count("kafka_actors_consumer_resumes_total", "Times the consumer resumed its partitions.",
        c.resumes);
  count("kafka_actors_consumer_rebalances_total", "Rebalance callbacks the consumer served.",
        c.rebalances);
  count("kafka_actors_consumer_breaker_opened_total",
        "Times the subscription's handler breaker opened.", c.breaker_opened);
  m.gauge("kafka_actors_consumer_credit", "Records the handler granted and not yet received.",
          l, static_cast<double>(c.credit));
  m.gauge("kafka_actors_consumer_in_flight_batches",
          "Batches handed to the handler and not yet acknowledged.", l,
          num(c.in_flight_batches));
  m.gauge("kafka_actors_consumer_in_flight_bytes",
          "Payload and key bytes handed to the handler and not yet acknowledged.", l,
          num(c.in_flight_bytes));
  m.gauge("kafka_actors_consumer_held_messages",
          "Records taken from librdkafka and not yet dispatched (no credit, or paused).", l,
          num(c.held));
  m.gauge("kafka_actors_consumer_paused", "1 while the consumer's partitions are paused.", l,
          c.paused ? 1 : 0);
  m.gauge("kafka_actors_consumer_assigned_partitions", "Partitions assigned to the consumer.",
          l, num(c.assigned.size()));
  if (c.handler_duration.count > 0)
    m.histogram("kafka_actors_consumer_handler_duration_seconds",
                "Time the handler took per call: per batch for on_record/on_batch "
                "subscriptions without retry policy or breaker, per record with either and "
                "on partition lanes.",
                l, c.handler_duration);
  breaker_states(m, "kafka_actors_consumer_breaker_state",
                 "The subscription's handler breaker phase (1 for the current one).", l,
                 c.breaker);
}

void alert_metrics(metric_set& m, const collector_state& st) {
  if (st.cfg.alerts.rules.empty())
    return;
  m.counter("kafka_actors_alert_evaluator_restarts_total",
            "Times the alert evaluator failed and was started again.", {},
            num(st.evaluator_restarts));
  for (auto& [rule, n] : st.alerts.firing)
    m.gauge("kafka_actors_alerts_firing", "Instances of an alert rule firing now.",
            {{"rule", rule}}, num(n));
  for (const char* sink : {"log", "topic", "alertmanager"}) {
    auto at = [&](const std::map<std::string, uint64_t>& xs) {
      auto i = xs.find(sink);
      return i == xs.end() ? 0.0 : num(i->second);
    };
    m.counter("kafka_actors_alert_notifications_total",
              "Alert events (firing, repeated, resolved) a sink took.", {{"sink", sink}},
              at(st.alerts.sent));
    m.counter("kafka_actors_alert_notifications_failed_total",
              "Alert events a sink could not take (topic not written, Alertmanager not "
              "answering).",
              {{"sink", sink}}, at(st.alerts.failed));
  }
}

// Hands the round to the evaluator; a round still being evaluated (a slow Alertmanager)
// makes this one wait for the next.
void evaluate(collector_pointer self, alert_observation obs) {
  auto& st = self->state;
  if (!st.evaluator || st.evaluating)
    return;
  st.evaluating = true;
  auto at = std::chrono::duration_cast<std::chrono::milliseconds>(
              std::chrono::system_clock::now().time_since_epoch())
              .count();
  auto wait = st.cfg.alerts.alertmanager_timeout * 2 + st.cfg.interval;
  self->request(st.evaluator, wait, observe_atom_v, std::move(obs), static_cast<int64_t>(at))
    .then(
      [=](const alert_stats& stats) {
        self->state.evaluating = false;
        self->state.alerts = stats;
      },
      [=](const caf::error&) { self->state.evaluating = false; });
}

// For the next round: the high watermarks of the paused partitions, from their leaders.
void ask_watermarks(collector_pointer self, std::vector<std::string> partitions) {
  auto& st = self->state;
  if (partitions.empty())
    st.asked_highs.clear(); // nothing paused: the cached watermarks are fresh
  if (partitions.empty() || st.asking_watermarks || !st.prober)
    return;
  st.asking_watermarks = true;
  self->request(st.prober, st.cfg.broker_timeout * 2 + std::chrono::seconds{5}, watermarks_atom_v,
                std::move(partitions))
    .then(
      [=](std::map<std::string, int64_t>& highs) {
        self->state.asking_watermarks = false;
        self->state.asked_highs = std::move(highs);
      },
      [=](const caf::error&) { self->state.asking_watermarks = false; });
}

void publish(collector_pointer self) {
  auto& st = self->state;
  st.board->publish(st.metrics_text, st.ready.evaluate(st.inputs, clock_type::now()));
}

// Turns one service status into the round's series and the readiness inputs.
void collect(collector_pointer self, const service_status& s) {
  auto& st = self->state;
  auto& in = st.inputs;
  in.have_status = true;
  in.producer_failure = s.producer.failure;
  in.producer_breaker = s.producer.breaker;
  in.consumers.clear();
  in.given_up = s.failed;
  metric_set m{st.totals};
  producer_metrics(m, s.producer);
  // Every family the docs promise is present, with HELP and TYPE, even before its first
  // series (a dashboard or rule then finds the name).
  m.declare("kafka_actors_consumer_lag_messages",
            "Records of an assigned partition the group has not committed: high watermark "
            "minus committed offset (minus the low watermark before a first commit).",
            metric_type::gauge);
  m.declare("kafka_actors_consumer_high_watermark_offset",
            "High watermark of an assigned partition, as the consumer last learned it.",
            metric_type::gauge);
  m.declare("kafka_actors_consumer_committed_offset",
            "Offset the group last committed for an assigned partition.", metric_type::gauge);
  m.declare("kafka_actors_consumer_time_lag_seconds",
            "Age of the oldest record of an assigned partition that was taken from the broker "
            "and not yet acknowledged by the handler (0 when caught up; absent while the "
            "waiting records were not fetched yet). Record timestamps are the producers' "
            "clocks (CreateTime) or the broker's (LogAppendTime).",
            metric_type::gauge);
  m.declare("kafka_actors_broker_up",
            "1 while a consumer's connection to the broker is up (librdkafka state UP).",
            metric_type::gauge);
  m.declare("kafka_actors_consumer_partition_stalled",
            "1 while an assigned partition has records waiting and its stored offset has not "
            "moved for monitoring.stall.timeout.ms.",
            metric_type::gauge);
  std::set<std::tuple<std::string, std::string, int32_t>> lag_seen;
  std::map<std::string, bool> brokers;
  std::vector<progress_sample> samples;
  alert_observation obs;
  auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::system_clock::now().time_since_epoch())
                  .count();
  uint64_t consumer_mailboxes = 0;
  std::vector<std::string> paused_partitions;
  obs.records.push_back({"producer", s.producer.failed, s.producer.delivered + s.producer.failed});
  if (!s.producer.breaker.empty())
    obs.breakers.push_back({"producer", s.producer.breaker == "open"});
  std::map<std::string, alert_observation::record_counts> group_records;
  for (auto& [id, c] : s.consumers) {
    consumer_metrics(m, id, c);
    consumer_mailboxes += c.mailbox;
    auto& g = group_records["group " + c.group];
    g.failed += c.dead_lettered + c.dropped;
    g.total += c.dispatched;
    if (!c.breaker.empty())
      obs.breakers.push_back({"subscription " + std::to_string(id) + " (group " + c.group + ")",
                              c.breaker == "open"});
    in.consumers.push_back(
      health_inputs::consumer{id, c.group, c.assigned.size(), c.failure, c.breaker, c.stopping});
    auto& sample = samples.emplace_back();
    sample.subscription = id;
    sample.group = c.group;
    sample.stopping = c.stopping;
    sample.assigned = c.assigned.size();
    if (c.statistics.empty())
      continue;
    std::string why;
    auto stats = parse_client_statistics(c.statistics, &why);
    if (!stats) {
      ++st.statistics_errors;
      st.last_statistics_error = why;
      continue;
    }
    keep_assigned(*stats, c.assigned);
    // A paused partition's cached high watermark stops moving in librdkafka 2.0.2: the one
    // the prober asked the leader for last round is newer.
    for (auto& p : stats->partitions)
      if (auto j = st.asked_highs.find(p.topic + "[" + std::to_string(p.partition) + "]");
          j != st.asked_highs.end() && j->second > p.hi_offset)
        p.hi_offset = j->second;
    if (c.paused)
      paused_partitions.insert(paused_partitions.end(), c.assigned.begin(), c.assigned.end());
    for (auto& p : stats->partitions) {
      // Two members of a group may both list a partition for a moment during a rebalance:
      // one series each.
      if (!lag_seen.emplace(c.group, p.topic, p.partition).second)
        continue;
      metric_labels l{{"group", c.group}, {"topic", p.topic},
                      {"partition", std::to_string(p.partition)}};
      auto lag = committed_lag(p);
      if (lag >= 0) {
        m.gauge("kafka_actors_consumer_lag_messages", "", l, static_cast<double>(lag));
        obs.lags.push_back({c.group, p.topic, p.partition, lag});
      }
      // Time lag: the age of the oldest record taken and not yet acknowledged; 0 when the
      // group is caught up; absent while records wait on the broker unseen (no timestamp).
      if (auto j = c.oldest_pending.find(p.topic + "[" + std::to_string(p.partition) + "]");
          j != c.oldest_pending.end())
        m.gauge("kafka_actors_consumer_time_lag_seconds", "", l,
                std::max<double>(0, static_cast<double>(now_ms - j->second) / 1000.0));
      else if (lag == 0)
        m.gauge("kafka_actors_consumer_time_lag_seconds", "", l, 0);
      if (p.hi_offset >= 0)
        m.gauge("kafka_actors_consumer_high_watermark_offset", "", l,
                static_cast<double>(p.hi_offset));
      if (p.committed_offset >= 0)
        m.gauge("kafka_actors_consumer_committed_offset", "", l,
                static_cast<double>(p.committed_offset));
    }
    for (auto& p : stats->partitions) {
      // Progress is what the handler acknowledged (stored), ahead of what was committed.
      auto position = p.committed_offset;
      if (auto j = c.stored.find(p.topic + "[" + std::to_string(p.partition) + "]");
          j != c.stored.end())
        position = std::max(position, j->second);
      auto from = position >= 0 ? position : p.lo_offset;
      int64_t waiting = p.hi_offset >= 0 && from >= 0 ? p.hi_offset - from : 0;
      sample.partitions.push_back({p.topic, p.partition, waiting, position});
    }
    for (auto& b : stats->brokers)
      brokers[b.name] = brokers[b.name] || b.state == "UP";
  }
  for (auto& [name, up] : brokers)
    m.gauge("kafka_actors_broker_up", "", {{"broker", name}}, up ? 1 : 0);
  auto verdict = st.progress->observe(samples, clock_type::now());
  in.progress_problem = verdict.reason();
  for (auto& [source, counts] : group_records)
    obs.records.push_back({source, counts.failed, counts.total});
  for (auto& x : verdict.stalled)
    obs.stalled.push_back({x.group, x.topic, x.partition, x.waiting, x.stalled_for});
  obs.broker_error = in.broker_error;
  for (auto& c : samples) {
    bool stuck = false;
    for (auto& j : verdict.stuck_joining)
      stuck = stuck || j.subscription == c.subscription;
    if (!c.stopping)
      m.gauge("kafka_actors_consumer_stuck_joining",
              "1 while a running consumer has had no partition for monitoring.join.timeout.ms.",
              {{"subscription", std::to_string(c.subscription)}, {"group", c.group}},
              stuck ? 1 : 0);
    for (auto& p : c.partitions) {
      bool stalled = false;
      for (auto& x : verdict.stalled)
        stalled = stalled
                  || (x.subscription == c.subscription && x.topic == p.topic
                      && x.partition == p.partition);
      m.gauge("kafka_actors_consumer_partition_stalled", "",
              {{"group", c.group}, {"topic", p.topic},
               {"partition", std::to_string(p.partition)}},
              stalled ? 1 : 0);
    }
  }
  for (auto [kind, n] : {std::pair<const char*, uint64_t>{"service", s.mailbox},
                         {"producer", s.producer.mailbox},
                         {"consumer", consumer_mailboxes}})
    m.gauge("kafka_actors_mailbox_messages",
            "Messages waiting in the mailboxes of the actors of one kind (summed over them) "
            "when the round's status was taken.",
            {{"actor", kind}}, num(n));
  m.counter("kafka_actors_service_restarts_total",
            "Consumer restarts after failures, over all subscriptions.", {}, num(s.restarts));
  m.gauge("kafka_actors_subscriptions_running", "Consumers the service runs now.", {},
          num(s.consumers.size()));
  m.gauge("kafka_actors_subscriptions_given_up",
          "Subscriptions given up after flow.max.restarts failed runs in a row.", {},
          num(s.failed.size()));
  m.gauge("kafka_actors_brokers_reachable", "1 if a broker answered the last probe.", {},
          in.broker_error && in.broker_error->empty() ? 1 : 0);
  auto report = st.ready.evaluate(in, clock_type::now());
  m.gauge("kafka_actors_ready", "1 while /readyz answers ready.", {}, report.ready ? 1 : 0);
  for (auto& c : report.checks)
    m.gauge("kafka_actors_health_check_ok", "1 while the readiness check passes.",
            {{"check", c.name}}, c.ok ? 1 : 0);
  ++st.collections;
  m.counter("kafka_actors_metrics_collections_total",
            "Collection rounds the metrics collector completed.", {}, num(st.collections));
  m.counter("kafka_actors_metrics_statistics_errors_total",
            "librdkafka statistics documents that could not be parsed.", {},
            num(st.statistics_errors));
  alert_metrics(m, st);
  st.metrics_text = m.exposition();
  st.board->publish(st.metrics_text, std::move(report));
  evaluate(self, std::move(obs));
  ask_watermarks(self, std::move(paused_partitions));
}

void on_tick(collector_pointer self) {
  auto& st = self->state;
  auto service = caf::actor_cast<kafka_service_actor>(st.service);
  if (!service) {
    self->quit();
    return;
  }
  if (!st.collecting) {
    st.collecting = true;
    self->request(service, st.cfg.liveness_timeout, status_atom_v)
      .then(
        [=](const service_status& s) {
          self->state.collecting = false;
          self->state.board->note_answer(clock_type::now());
          collect(self, s);
        },
        [=](const caf::error&) { self->state.collecting = false; });
  }
  if (!st.probing && st.prober) {
    st.probing = true;
    self->request(st.prober, st.cfg.broker_timeout + std::chrono::seconds{5}, ping_atom_v)
      .then(
        [=](int32_t n) {
          auto& st = self->state;
          st.probing = false;
          st.brokers_seen = n;
          st.inputs.broker_error = std::string{};
          publish(self);
        },
        [=](const caf::error& err) {
          auto& st = self->state;
          st.probing = false;
          st.inputs.broker_error = describe(err);
          publish(self);
        });
  }
  self->delayed_send(self, st.cfg.interval, tick_atom_v);
}

metrics_collector_actor::behavior_type
collector_impl(collector_pointer self, std::shared_ptr<kafka_config> cfg,
               std::shared_ptr<embedded_cluster> cluster,
               std::shared_ptr<monitoring_endpoint> endpoint,
               std::shared_ptr<monitoring_board> board, caf::actor_addr service) {
  auto& st = self->state;
  st.cluster = std::move(cluster);
  st.endpoint = std::move(endpoint);
  st.board = std::move(board);
  st.service = std::move(service);
  st.cfg = cfg->monitoring;
  st.progress.emplace(st.cfg.stall_timeout, st.cfg.join_timeout);
  // A prober of its own: a probe of unreachable brokers waits broker.timeout.ms, and the
  // service's admin actor has topic creations to serve meanwhile.
  auto probe_cfg = *cfg;
  probe_cfg.connect_timeout = st.cfg.broker_timeout;
  if (auto prober = spawn_admin(self->system(), probe_cfg, st.cluster))
    st.prober = *prober;
  else
    st.inputs.broker_error = "cannot start the broker probe: " + describe(prober.error());
  if (!st.cfg.alerts.rules.empty()) {
    st.evaluator = spawn_alert_evaluator(self->system(), *cfg, st.service);
    self->monitor(st.evaluator);
    // Supervision: an evaluator that failed starts over (its firing alerts fire again, the
    // sinks see them twice rather than never).
    self->set_down_handler([=](caf::down_msg& dm) {
      auto& st = self->state;
      if (dm.source != st.evaluator.address())
        return;
      st.evaluator = nullptr;
      st.evaluating = false;
      if (dm.reason == caf::exit_reason::user_shutdown || !dm.reason)
        return;
      ++st.evaluator_restarts;
      st.evaluator = spawn_alert_evaluator(self->system(), *cfg, st.service);
      self->monitor(st.evaluator);
    });
  }
  self->send(self, tick_atom_v);
  return {
    [=](metrics_atom) -> std::string {
      return self->state.endpoint ? self->state.endpoint->url() : std::string{};
    },
    [=](tick_atom) { on_tick(self); },
  };
}

} // namespace

std::shared_ptr<monitoring_board> make_monitoring_board(const kafka_config& cfg) {
  return std::make_shared<monitoring_board>(cfg.monitoring.liveness_timeout);
}

caf::expected<std::shared_ptr<monitoring_endpoint>>
start_monitoring_endpoint(const kafka_config& cfg,
                          const std::shared_ptr<monitoring_board>& board) {
  auto ep = monitoring_endpoint::start(cfg.monitoring.listen, board);
  if (!ep)
    return ep.error();
  return std::shared_ptr<monitoring_endpoint>{std::move(*ep)};
}

metrics_collector_actor spawn_metrics_collector(caf::actor_system& sys, const kafka_config& cfg,
                                                std::shared_ptr<embedded_cluster> cluster,
                                                std::shared_ptr<monitoring_endpoint> endpoint,
                                                std::shared_ptr<monitoring_board> board,
                                                caf::actor_addr service) {
  return sys.spawn<caf::detached>(collector_impl, std::make_shared<kafka_config>(cfg),
                                  std::move(cluster), std::move(endpoint), std::move(board),
                                  std::move(service));
}

} // namespace kafka_actors
