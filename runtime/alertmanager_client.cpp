#include "kafka_actors/runtime/alertmanager_client.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <ctime>

#include <boost/json.hpp>

#include "kafka_actors/runtime/errors.hpp"
#include "kafka_actors/runtime/http_client.hpp"

namespace kafka_actors {

namespace {

// A whole number as digits ("100000000", where the shortest form is "1e+08": lags are
// counts), else the shortest text that reads back as `v` ("0.25", "1e-07").
std::string number_text(double v) {
  if (std::isfinite(v) && std::trunc(v) == v && std::fabs(v) < 9007199254740992.0) // 2^53
    return std::to_string(static_cast<long long>(v));
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  if (ec != std::errc{})
    return std::to_string(v);
  return std::string(buf, end);
}

// At most `n` bytes of an answer's body on one line, for an error text.
std::string excerpt(const std::string& body, size_t n) {
  std::string out = body.substr(0, n);
  for (auto& ch : out)
    if (std::iscntrl(static_cast<unsigned char>(ch)))
      ch = ' ';
  while (!out.empty() && out.back() == ' ')
    out.pop_back();
  if (body.size() > n)
    out += "...";
  return out;
}

bool is_digits(const std::string& s) {
  if (s.empty())
    return false;
  for (unsigned char ch : s)
    if (!std::isdigit(ch))
      return false;
  return true;
}

} // namespace

std::string rfc3339_millis(alert_time t) {
  using namespace std::chrono;
  auto ms = floor<milliseconds>(t.time_since_epoch());
  auto secs = floor<seconds>(ms);
  auto frac = static_cast<int>((ms - secs).count());
  std::time_t tt = static_cast<std::time_t>(secs.count());
  std::tm tm{};
  ::gmtime_r(&tt, &tm);
  char buf[96]; // room for any int the compiler can imagine in each field
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
  return buf;
}

std::string alertmanager_payload(const std::vector<alert_event>& events,
                                 alert_time firing_ends_at, const alert_labels& extra_labels) {
  boost::json::array out;
  out.reserve(events.size());
  for (auto& e : events) {
    boost::json::object labels;
    // emplace keeps the first value of a name given twice (see the header).
    labels.emplace("alertname", e.rule);
    labels.emplace("severity", e.severity);
    for (auto& [k, v] : e.labels)
      labels.emplace(k, v);
    for (auto& [k, v] : extra_labels)
      labels.emplace(k, v);
    boost::json::object annotations;
    annotations.emplace("summary", e.summary);
    annotations.emplace("value", number_text(e.value));
    boost::json::object alert;
    alert.emplace("labels", std::move(labels));
    alert.emplace("annotations", std::move(annotations));
    alert.emplace("startsAt", rfc3339_millis(e.active_since));
    bool firing = e.state == alert_event::state_type::firing;
    alert.emplace("endsAt", rfc3339_millis(firing ? firing_ends_at : e.at));
    out.emplace_back(std::move(alert));
  }
  return boost::json::serialize(out);
}

caf::error post_alerts(const std::string& base_url, const std::string& payload,
                       std::chrono::milliseconds timeout) {
  if (auto problem = alertmanager_url_problem(base_url); !problem.empty())
    return make_error(errc::invalid_argument, problem);
  auto base = base_url;
  while (!base.empty() && base.back() == '/')
    base.pop_back();
  auto url = base + "/api/v2/alerts";
  auto r = http_post_json(url, payload, timeout);
  if (r.status == 200)
    return caf::none;
  if (r.status == 0)
    return make_error(errc::timeout, "no answer from Alertmanager at " + url + " (timeout "
                                       + std::to_string(timeout.count()) + " ms): " + r.error);
  auto text = "Alertmanager at " + url + " answered HTTP " + std::to_string(r.status) + ": "
              + (r.body.empty() ? std::string{"(empty body)"} : excerpt(r.body, 200));
  if (r.status >= 400 && r.status < 500)
    return make_error(errc::invalid_argument, std::move(text));
  return make_error(errc::timeout, std::move(text));
}

std::string alertmanager_url_problem(const std::string& url) {
  auto bad = [&](const std::string& why) {
    return "Alertmanager URL '" + url + "' " + why;
  };
  if (url.empty())
    return "Alertmanager URL is empty (want http://host:port or https://host:port)";
  for (unsigned char ch : url)
    if (std::isspace(ch) || std::iscntrl(ch))
      return bad("contains a space or control character");
  std::string lower;
  for (unsigned char ch : url.substr(0, 8))
    lower += static_cast<char>(std::tolower(ch));
  size_t start = 0;
  if (lower.rfind("http://", 0) == 0)
    start = 7;
  else if (lower.rfind("https://", 0) == 0)
    start = 8;
  else
    return bad("must start with http:// or https://");
  if (url.find_first_of("?#") != std::string::npos)
    return bad("must have no query or fragment ('?' or '#'): the client appends /api/v2/alerts");
  auto slash = url.find('/', start);
  auto authority = url.substr(start, slash == std::string::npos ? std::string::npos
                                                                : slash - start);
  if (authority.find('@') != std::string::npos)
    return bad("must not carry credentials (user@): error texts and logs show the URL");
  std::string host;
  std::string port;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string::npos)
      return bad("has an unclosed '[' in its IPv6 address");
    host = authority.substr(1, close - 1);
    if (close + 1 >= authority.size() || authority[close + 1] != ':')
      return bad("must name a port after the host (http://host:port; Alertmanager's is 9093)");
    port = authority.substr(close + 2);
    if (host.empty() || host.find_first_not_of("0123456789abcdefABCDEF:.") != std::string::npos)
      return bad("has no valid IPv6 address between '[' and ']'");
  } else {
    auto colon = authority.rfind(':');
    if (colon == std::string::npos)
      return bad("must name a port after the host (http://host:port; Alertmanager's is 9093)");
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
    if (host.empty())
      return bad("has no host");
    for (unsigned char ch : host)
      if (!std::isalnum(ch) && ch != '.' && ch != '-' && ch != '_')
        return bad("has an invalid host '" + host + "'");
  }
  if (!is_digits(port) || port.size() > 5 || std::stoi(port) < 1 || std::stoi(port) > 65535)
    return bad("has an invalid port '" + port + "' (want 1..65535)");
  return {};
}

} // namespace kafka_actors
