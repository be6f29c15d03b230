#include "gateway/http/security_headers.hpp"

namespace scopegate::gateway {

namespace {

constexpr std::string_view k_page_csp =
    "default-src 'self'; script-src 'self'; style-src 'self'; object-src 'none'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
constexpr std::string_view k_api_csp = "default-src 'none'; frame-ancestors 'none'";

}  // namespace

void add_security_headers(response& res, surface where) {
  res.set("X-Content-Type-Options", "nosniff");
  switch (where) {
    case surface::page:
      res.set("Content-Security-Policy", k_page_csp);
      res.set("X-Frame-Options", "DENY");
      res.set("Referrer-Policy", "no-referrer");
      break;
    case surface::api:
      res.set("Content-Security-Policy", k_api_csp);
      res.set("X-Frame-Options", "DENY");
      break;
    case surface::ops:
      break;
  }
}

}  // namespace scopegate::gateway
