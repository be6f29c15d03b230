// The gateway's JSON answers. Errors are RFC 9457 problem details: application/problem+json
// with a stable `type`, a `title`, the `status` and a `detail` saying what was wrong.
// Internal diagnostics (LDAP messages, DNs) never go here; they go to the log.
#pragma once

#include <boost/json/value.hpp>
#include <string_view>

#include "gateway/http/server.hpp"

namespace scopegate::gateway {

// `type_suffix` becomes "https://scopegate.dev/problems/<suffix>".
[[nodiscard]] response problem(http::status status, std::string_view type_suffix,
                               std::string_view detail);

// A JSON body (application/json, never cached).
[[nodiscard]] response json_response(const boost::json::value& body,
                                     http::status status = http::status::ok);

}  // namespace scopegate::gateway
