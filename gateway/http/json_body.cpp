#include "gateway/http/json_body.hpp"

#include <boost/json/parse.hpp>

#include "gateway/http/problem.hpp"

namespace scopegate::gateway {

namespace json = boost::json;

boost::system::result<json::object, response> json_object_body(const request& req) {
  auto type = req[http::field::content_type];
  if (!type.starts_with("application/json"))
    return problem(http::status::unsupported_media_type, "unsupported-media-type",
                   "send the body as application/json");
  boost::system::error_code ec;
  auto v = json::parse(req.body(), ec);
  if (ec || !v.is_object())
    return problem(http::status::bad_request, "bad-json", "the body is not a JSON object");
  return std::move(v.as_object());
}

std::string string_member(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_string()) return {};
  return std::string(it->value().as_string());
}

bool true_member(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_bool() && it->value().as_bool();
}

}  // namespace scopegate::gateway
