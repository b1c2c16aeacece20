#include "kafka_actors/runtime/readiness.hpp"

#include <boost/json.hpp>

namespace kafka_actors {

namespace {

void add(std::string& reasons, const std::string& one) {
  reasons += (reasons.empty() ? "" : "; ") + one;
}

std::string consumer_name(const health_inputs::consumer& c) {
  return "subscription " + std::to_string(c.id) + " (group '" + c.group + "')";
}

} // namespace

readiness_report readiness_tracker::evaluate(const health_inputs& in, clock::time_point now) {
  readiness_report out;
  auto check = [&](const char* name, std::string reason) {
    health_check c;
    c.name = name;
    c.ok = reason.empty();
    c.reason = std::move(reason);
    if (c.ok) {
      failing_since_.erase(name);
    } else {
      auto since = failing_since_.emplace(name, now).first->second;
      c.failing_for = std::chrono::duration_cast<std::chrono::milliseconds>(now - since);
    }
    out.checks.push_back(std::move(c));
  };
  check("status", in.have_status ? "" : "no status from the service yet");
  if (!in.broker_error)
    check("brokers", "no broker probe answered yet");
  else
    check("brokers", *in.broker_error);
  check("producer", in.producer_failure.empty() ? "" : "producer: " + in.producer_failure);
  std::string consumers;
  for (auto& c : in.consumers) {
    if (c.stopping)
      continue; // stopping on purpose
    if (!c.failure.empty())
      add(consumers, consumer_name(c) + ": " + c.failure);
    else if (c.assigned == 0)
      add(consumers, consumer_name(c) + ": no partition assigned (joining or rebalancing)");
  }
  for (auto& [id, why] : in.given_up)
    add(consumers, "subscription " + std::to_string(id) + " given up: " + why);
  check("consumers", consumers);
  std::string breakers;
  if (in.producer_breaker == "open")
    add(breakers, "producer breaker open");
  for (auto& c : in.consumers)
    if (c.breaker == "open")
      add(breakers, consumer_name(c) + ": breaker open");
  check("breakers", breakers);
  check("progress", in.progress_problem);
  out.ready = true;
  for (auto& c : out.checks)
    out.ready = out.ready && c.ok;
  return out;
}

std::string readiness_report::to_json() const {
  boost::json::array list;
  for (auto& c : checks) {
    boost::json::object o;
    o["name"] = c.name;
    o["ok"] = c.ok;
    if (!c.ok) {
      o["reason"] = c.reason;
      o["failing_for_ms"] = c.failing_for.count();
    }
    list.push_back(std::move(o));
  }
  boost::json::object root;
  root["status"] = ready ? "ready" : "not_ready";
  root["checks"] = std::move(list);
  return boost::json::serialize(root);
}

liveness_report evaluate_liveness(readiness_tracker::clock::time_point last_answer,
                                  readiness_tracker::clock::time_point now,
                                  std::chrono::milliseconds timeout) {
  liveness_report out;
  auto quiet = std::chrono::duration_cast<std::chrono::milliseconds>(now - last_answer);
  if (quiet > timeout) {
    out.alive = false;
    out.reason = "the service has not answered a status request for "
                 + std::to_string(quiet.count()) + " ms (limit "
                 + std::to_string(timeout.count()) + " ms)";
  }
  return out;
}

std::string liveness_report::to_json() const {
  boost::json::object root;
  root["status"] = alive ? "alive" : "not_alive";
  if (!alive)
    root["reason"] = reason;
  return boost::json::serialize(root);
}

readiness_report current_readiness(const readiness_report& last, const liveness_report& live) {
  if (live.alive)
    return last;
  auto out = last;
  out.ready = false;
  for (auto& c : out.checks)
    if (c.name == "status") {
      c.ok = false;
      c.reason = live.reason;
    }
  return out;
}

} // namespace kafka_actors
