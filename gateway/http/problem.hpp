// The gateway's JSON answers. Errors are RFC 9457 problem details: application/problem+json
// with a stable `type`, a `title`, the `status` and a `detail` saying what was wrong, plus
// optional extra members (e.g. the unknown IDs a client must confirm). Internal diagnostics
// (LDAP messages, DNs) never go here; they go to the log.
//
//   co_return problem(http::status::conflict, "unknown-customer-ids", "confirm these IDs",
//                     {{"unknown_customer_ids", ids}});
#pragma once

#include <boost/json/value.hpp>
#include <string_view>

#include "gateway/http/server.hpp"

namespace scopegate::gateway {

// Seconds a 503 asks the client to wait (Retry-After) before trying again.
inline constexpr int k_retry_after_seconds = 2;

// `type_suffix` becomes "https://scopegate.dev/problems/<suffix>". Members of `extra` are
// added beside the standard ones (they never replace type, title or status). A 503 carries
// Retry-After.
[[nodiscard]] response problem(http::status status, std::string_view type_suffix,
                               std::string_view detail, boost::json::object extra = {});

// 503: the directory could not answer (never "everything", never a guess).
[[nodiscard]] response directory_unavailable();

// 429 too-many-login-attempts with Retry-After: password guessing throttled. The same
// answer whether or not the login exists.
[[nodiscard]] response too_many_login_attempts(int retry_after_seconds);

// 400 bad-query with `detail`.
[[nodiscard]] response bad_query(std::string_view detail);

// A JSON body (application/json, never cached).
[[nodiscard]] response json_response(const boost::json::value& body,
                                     http::status status = http::status::ok);

// An empty answer (204 and the like), never cached.
[[nodiscard]] response empty_response(http::status status);

}  // namespace scopegate::gateway
