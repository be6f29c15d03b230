#include "gateway/auth/same_origin.hpp"

#include <boost/beast/core/string.hpp>

namespace scopegate::gateway {

namespace {

using boost::beast::iequals;

bool without_suffix_equals(std::string_view longer, std::string_view suffix,
                           std::string_view other) {
  return longer.size() > suffix.size() && longer.ends_with(suffix) &&
         iequals(longer.substr(0, longer.size() - suffix.size()), other);
}

}  // namespace

bool origin_matches_host(std::string_view origin, std::string_view host) {
  std::string_view authority;
  std::string_view default_port;
  if (origin.size() > 8 && iequals(origin.substr(0, 8), "https://")) {
    authority = origin.substr(8);
    default_port = ":443";
  } else if (origin.size() > 7 && iequals(origin.substr(0, 7), "http://")) {
    authority = origin.substr(7);
    default_port = ":80";
  } else {
    return false;  // "null", other schemes, garbage
  }
  // An origin is scheme and authority only: a path, user info or space means a forgery.
  if (host.empty() || authority.find_first_of("/?#@ \t\\") != std::string_view::npos) return false;
  return iequals(authority, host) || without_suffix_equals(authority, default_port, host) ||
         without_suffix_equals(host, default_port, authority);
}

bool same_origin_write(const request& req) {
  const auto origins = req.count(http::field::origin);
  if (origins > 1) return false;
  if (origins == 1) return origin_matches_host(req[http::field::origin], req[http::field::host]);
  return req["Sec-Fetch-Site"] == "same-origin";
}

bool foreign_origin(const request& req) {
  const auto origins = req.count(http::field::origin);
  if (origins == 0) return false;
  return origins > 1 || !origin_matches_host(req[http::field::origin], req[http::field::host]);
}

}  // namespace scopegate::gateway
