#include "gateway/http/problem.hpp"

#include <algorithm>
#include <string>

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace scopegate::gateway {

response problem(http::status status, std::string_view type_suffix, std::string_view detail,
                 boost::json::object extra) {
  boost::json::object body = std::move(extra);
  body["type"] = "https://scopegate.dev/problems/" + std::string(type_suffix);
  body["title"] = http::obsolete_reason(status);
  body["status"] = static_cast<unsigned>(status);
  body["detail"] = detail;
  response res{status, 11};
  res.set(http::field::content_type, "application/problem+json");
  res.set(http::field::cache_control, "no-store");
  // Every 503 is transient (a directory or store that cannot answer now, or overload):
  // tell clients and load balancers when to try again instead of leaving them to guess.
  if (status == http::status::service_unavailable)
    res.set(http::field::retry_after, std::to_string(k_retry_after_seconds));
  res.body() = boost::json::serialize(body);
  return res;
}

response directory_unavailable() {
  return problem(http::status::service_unavailable, "ldap-unavailable",
                 "the directory cannot be reached; try again shortly");
}

response too_many_login_attempts(int retry_after_seconds) {
  auto res = problem(http::status::too_many_requests, "too-many-login-attempts",
                     "too many failed logins; wait and try again");
  res.set(http::field::retry_after, std::to_string(std::max(retry_after_seconds, 1)));
  return res;
}

response bad_query(std::string_view detail) {
  return problem(http::status::bad_request, "bad-query", detail);
}

response json_response(const boost::json::value& body, http::status status) {
  response res{status, 11};
  res.set(http::field::content_type, "application/json");
  res.set(http::field::cache_control, "no-store");
  // Every 503 is transient (a directory or store that cannot answer now, or overload):
  // tell clients and load balancers when to try again instead of leaving them to guess.
  if (status == http::status::service_unavailable)
    res.set(http::field::retry_after, std::to_string(k_retry_after_seconds));
  res.body() = boost::json::serialize(body);
  return res;
}

response empty_response(http::status status) {
  response res{status, 11};
  res.set(http::field::cache_control, "no-store");
  return res;
}

}  // namespace scopegate::gateway
