// The canonical form of a request target, computed once: routing and authorization see the
// same decoded path segments. Anything ambiguous (empty, "." or ".." segments, an encoded
// slash or NUL) is refused rather than normalised, so two readings can never disagree.
//
//   auto target = parse_request_target(req.target());
//   if (!target) co_return problem(400, "bad-path", target.error());
//   route_table.match(req.method(), target->segments);
#pragma once

#include <boost/system/result.hpp>
#include <boost/url/url_view.hpp>
#include <string>
#include <vector>

#include "gateway/http/params.hpp"

namespace scopegate::gateway {

struct request_target {
  boost::urls::url_view url;          // points into the request's target
  std::vector<std::string> segments;  // decoded; a trailing "" only for a directory index
};

// A directory index path ("/admin/", "/app/") is the only one that may end in "/".
[[nodiscard]] param_result<request_target> parse_request_target(std::string_view target);

}  // namespace scopegate::gateway
