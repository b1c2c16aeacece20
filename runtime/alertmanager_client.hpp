#pragma once

// The Alertmanager side of alerting: alert events as the body of Alertmanager's v2
// `POST /api/v2/alerts`, the request itself, and a check of the configured URL.
//
// Alertmanager keeps an alert active until its endsAt passes: a firing alert is sent with an
// endsAt a little in the future (the sender re-sends before it passes, or the alert resolves
// by itself when kafka-actors goes away), a resolved one with endsAt = when it was seen
// resolved, which ends it at once.

#include <chrono>
#include <string>
#include <vector>

#include <caf/error.hpp>

#include "kafka_actors/runtime/alert_engine.hpp"

namespace kafka_actors {

/// The JSON array Alertmanager's v2 API takes, one element per event:
///   {"labels": {"alertname": rule, "severity": severity, <event labels>, <extra labels>},
///    "annotations": {"summary": summary, "value": "<value>"},
///    "startsAt": active_since, "endsAt": firing_ends_at (firing) or at (resolved)}
/// Times are RFC 3339 in UTC with milliseconds ("2024-05-01T12:00:00.250Z"). A label name
/// given twice keeps its first value: alertname and severity cannot be overridden by an
/// event's labels, nor an instance's labels by `extra_labels` (e.g. {"service", "billing"}).
std::string alertmanager_payload(const std::vector<alert_event>& events,
                                 alert_time firing_ends_at, const alert_labels& extra_labels);

/// `t` as RFC 3339 in UTC, millisecond precision (truncated toward the past).
std::string rfc3339_millis(alert_time t);

/// POSTs `payload` to base_url + "/api/v2/alerts" (trailing '/' of base_url dropped).
/// No error on HTTP 200. Else an error naming the URL:
///   - invalid_argument: base_url is no Alertmanager URL (alertmanager_url_problem), or
///     Alertmanager answered 4xx (it refuses the payload: sending it again cannot succeed);
///     the text has the status and the first 200 bytes of the body;
///   - timeout: nothing answered within `timeout` (refused, unresolvable, timed out: curl's
///     reason), or any other status (5xx, a redirect), with status and body: worth retrying.
caf::error post_alerts(const std::string& base_url, const std::string& payload,
                       std::chrono::milliseconds timeout);

/// "" if `url` is http://host:port or https://host:port, optionally followed by a path
/// (no query, no fragment, no credentials); else what is wrong with it, in a sentence that
/// quotes the URL.
std::string alertmanager_url_problem(const std::string& url);

} // namespace kafka_actors
