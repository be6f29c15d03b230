// Internal to config/: small syntax checks and text helpers shared by the section parsers.
//
//   if (!detail::valid_sha256_hex(key)) p.fail(v, "expected 64 lowercase hex digits");
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace scopegate::config::detail {

// `s` in double quotes; `"` and `\` escaped, control bytes as \xNN.
[[nodiscard]] std::string quote(std::string_view s);
[[nodiscard]] std::string lower(std::string s);  // ASCII only
[[nodiscard]] std::string join(const std::vector<std::string>& v, const std::string& sep);
[[nodiscard]] std::size_t edit_distance(std::string_view a, std::string_view b);

[[nodiscard]] bool is_alpha(char c);  // ASCII letter
[[nodiscard]] bool is_digit(char c);  // ASCII digit

// Empty when `f` looks like one parenthesized LDAP filter, else the problem; `shown` is how
// the filter may be quoted in the message (see parser::show).
[[nodiscard]] std::string filter_problem(std::string_view f, const std::string& shown);

[[nodiscard]] bool valid_field_name(std::string_view s);  // [a-z_][a-z0-9_]*
[[nodiscard]] bool valid_sha256_hex(std::string_view s);  // 64 lowercase hex digits
[[nodiscard]] bool valid_env_name(std::string_view s);    // [A-Za-z_][A-Za-z0-9_]*
// An IANA zone name that is safe to join to the zoneinfo directory (no "..", no "//").
[[nodiscard]] bool valid_zone_name(std::string_view s);
// One address: one "@" with text on both sides, no spaces, controls, <>,;" characters.
[[nodiscard]] bool valid_email(std::string_view s);

}  // namespace scopegate::config::detail
