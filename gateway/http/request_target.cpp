#include "gateway/http/request_target.hpp"

#include <boost/url/parse.hpp>

namespace scopegate::gateway {

param_result<request_target> parse_request_target(std::string_view target) {
  auto parsed = boost::urls::parse_origin_form(target);
  if (!parsed) return param_error("request target is not a valid path");
  request_target out{*parsed, {}};
  auto all = out.url.segments();
  for (auto it = all.begin(); it != all.end(); ++it) {
    auto seg = *it;
    // "/admin/" (an index) is the one shape that may end in an empty segment.
    if (seg.empty() && out.segments.size() == 1 && std::next(it) == all.end()) {
      out.segments.emplace_back();
      break;
    }
    if (seg.empty() || seg == "." || seg == ".." ||
        seg.find_first_of(std::string_view("/\0", 2)) != std::string::npos)
      return param_error("path contains empty, dot or encoded-slash segments");
    out.segments.push_back(std::move(seg));
  }
  return out;
}

}  // namespace scopegate::gateway
