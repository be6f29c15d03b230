#include "gateway/http/params.hpp"

#include <algorithm>
#include <boost/url/parse.hpp>
#include <boost/url/parse_query.hpp>
#include <charconv>
#include <stdexcept>
#include <utility>
#include <vector>

namespace scopegate::gateway {

namespace urls = boost::urls;

void throw_exception_from_error(const param_error& e, const boost::source_location&) {
  throw std::invalid_argument(e.detail);
}

bool acceptable_value(std::string_view v, std::size_t max) {
  if (v.size() > max) return false;
  return std::none_of(v.begin(), v.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

namespace {

using pairs = std::vector<std::pair<std::string, std::string>>;

// Checks decoded (key, value) pairs; `strict`: unknown names are an error.
param_result<parameters> read(pairs decoded, std::initializer_list<std::string_view> allowed,
                              bool strict, std::map<std::string, std::string, std::less<>>& out) {
  for (auto& [key, value] : decoded) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      if (!strict) continue;
      return param_error("unknown query parameter '" + key.substr(0, 64) + "'");
    }
    if (out.contains(key)) return param_error("parameter '" + key + "' given more than once");
    if (!acceptable_value(value))
      return param_error("parameter '" + key + "' is too long or contains control characters");
    out.emplace(std::move(key), std::move(value));
  }
  return parameters{};
}

}  // namespace

param_result<parameters> parameters::from_query(const urls::url_view& url,
                                                std::initializer_list<std::string_view> allowed) {
  pairs decoded;
  for (auto param : url.params())
    decoded.emplace_back(param.key, param.value);
  parameters p;
  auto r = read(std::move(decoded), allowed, true, p.values_);
  if (!r) return r.error();
  return p;
}

param_result<parameters> parameters::from_form(std::string_view body,
                                               std::initializer_list<std::string_view> allowed) {
  // Decoded into owned strings: nothing points into `body` afterwards.
  auto parsed = urls::parse_query(body);
  if (!parsed) return param_error("the form body is not valid application/x-www-form-urlencoded");
  urls::encoding_opts plus_is_space;
  plus_is_space.space_as_plus = true;
  pairs decoded;
  for (auto param : *parsed)
    decoded.emplace_back(param.key.decode(plus_is_space), param.value.decode(plus_is_space));
  parameters p;
  auto r = read(std::move(decoded), allowed, false, p.values_);
  if (!r) return r.error();
  return p;
}

bool parameters::has(std::string_view name) const {
  return values_.find(name) != values_.end();
}

std::string parameters::text(std::string_view name, std::string_view fallback) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::string(fallback) : it->second;
}

param_result<std::size_t> parameters::size(std::string_view name, std::size_t lo, std::size_t hi,
                                           std::size_t fallback) const {
  auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  const auto& s = it->second;
  std::size_t n = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc{} || end != s.data() + s.size() || n < lo || n > hi)
    return param_error(std::string(name) + " must be an integer from " + std::to_string(lo) +
                       " to " + std::to_string(hi));
  return n;
}

param_result<bool> parameters::flag(std::string_view name, bool fallback) const {
  auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  if (it->second == "true") return true;
  if (it->second == "false") return false;
  return param_error(std::string(name) + " must be true or false");
}

}  // namespace scopegate::gateway
