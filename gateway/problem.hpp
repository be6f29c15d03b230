// RFC 9457 problem details: every error the gateway sends is application/problem+json with
// a stable `type`, a `title`, the `status` and a `detail` saying what was wrong. Internal
// diagnostics (LDAP messages, DNs) never go here; they go to the log.
#pragma once

#include <string_view>

#include "gateway/http_server.hpp"

namespace scopegate::gateway {

// `type_suffix` becomes "https://scopegate.dev/problems/<suffix>".
[[nodiscard]] response problem(http::status status, std::string_view type_suffix,
                               std::string_view detail);

}  // namespace scopegate::gateway
