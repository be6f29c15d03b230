// Whether a state-changing browser request comes from the gateway's own pages (DESIGN §5a):
// besides the CSRF token, a dashboard write must carry an Origin equal to the origin the
// request was sent to (scheme http or https, host and port from Host), or, without Origin,
// `Sec-Fetch-Site: same-origin`. A foreign Origin, `Origin: null` or two Origin fields are
// refused even with a valid token. Pure functions over the request headers.
//
//   if (!same_origin_write(req)) return 403;       // every dashboard write
//   if (foreign_origin(req)) return 403;           // the login, which has no token yet
#pragma once

#include <string_view>

#include "gateway/http/server.hpp"

namespace scopegate::gateway {

// Whether `origin` (an Origin header value) names the site `host` (a Host header value):
// "http://" or "https://" followed by exactly `host`, case-insensitive; a default port
// (:80, :443) spelled on one side and left out on the other still matches.
[[nodiscard]] bool origin_matches_host(std::string_view origin, std::string_view host);

// A write may proceed: its one Origin matches its Host, or it has no Origin and says
// `Sec-Fetch-Site: same-origin`.
[[nodiscard]] bool same_origin_write(const request& req);

// The request carries an Origin (one or more) that is not its own. No Origin: false.
[[nodiscard]] bool foreign_origin(const request& req);

}  // namespace scopegate::gateway
