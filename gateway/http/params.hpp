// Query-string and form parameters: THE reader for every handler. Only the listed names
// are accepted, each at most once, values bounded and free of control characters; typed
// getters say what was wrong in words a client can act on.
//
//   auto params = parameters::from_query(ctx.url, {"q", "limit"});
//   if (!params) co_return bad_query(params.error());
//   auto limit = params->size("limit", 1, 500, 50);
//   if (!limit) co_return bad_query(limit.error());
#pragma once

#include <boost/system/result.hpp>
#include <boost/url/url_view.hpp>
#include <cstddef>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace scopegate::gateway {

// A parameter problem: `detail` is for the client (a 400 body).
struct param_error {
  param_error() = default;
  explicit param_error(std::string d) : detail(std::move(d)) {}
  std::string detail;
};
[[noreturn]] void throw_exception_from_error(const param_error& e,
                                             const boost::source_location& loc);
template <class T>
using param_result = boost::system::result<T, param_error>;

// Longest value any parameter may carry.
inline constexpr std::size_t k_max_param_value = 256;

// A value that may reach LDAP or a log: bounded and free of control bytes.
[[nodiscard]] bool acceptable_value(std::string_view v, std::size_t max = k_max_param_value);

class parameters {
 public:
  // The URL's query parameters.
  [[nodiscard]] static param_result<parameters> from_query(
      const boost::urls::url_view& url, std::initializer_list<std::string_view> allowed);
  // An application/x-www-form-urlencoded body. Unknown names are ignored (browsers may
  // send extra fields), known ones must still appear at most once.
  [[nodiscard]] static param_result<parameters> from_form(
      std::string_view body, std::initializer_list<std::string_view> allowed);

  [[nodiscard]] bool has(std::string_view name) const;
  // The value, or `fallback` when absent.
  [[nodiscard]] std::string text(std::string_view name, std::string_view fallback = {}) const;
  // A decimal integer in [lo, hi]; `fallback` when absent.
  [[nodiscard]] param_result<std::size_t> size(std::string_view name, std::size_t lo,
                                               std::size_t hi, std::size_t fallback) const;
  // "true" or "false"; `fallback` when absent.
  [[nodiscard]] param_result<bool> flag(std::string_view name, bool fallback) const;
  [[nodiscard]] bool empty() const { return values_.empty(); }

 private:
  std::map<std::string, std::string, std::less<>> values_;
};

}  // namespace scopegate::gateway
