// Response headers every answer carries, by the kind of surface it belongs to. The route
// table names the surface of each route, so no handler can forget them.
#pragma once

#include "gateway/http/server.hpp"

namespace scopegate::gateway {

enum class surface {
  api,   // JSON/CSV for programs: nosniff, no framing
  page,  // the dashboard and its API: strict CSP, no framing, no referrer
  ops,   // health and metrics: nosniff
};

void add_security_headers(response& res, surface where);

}  // namespace scopegate::gateway
