// ASCII-only case folding, the one rule the project uses for attribute names, object class
// names and other protocol tokens that LDAP compares without regard to case. Bytes >= 0x80
// are left as they are: no locale, no Unicode tables.
//
//   if (ldap::ascii_iequals(attribute, "objectClass")) ...
//   std::string key = ldap::ascii_lower("CN=Anna");  // "cn=anna"
#pragma once

#include <algorithm>
#include <string>
#include <string_view>

namespace scopegate::ldap {

// 'A'..'Z' to 'a'..'z'; every other byte unchanged.
[[nodiscard]] constexpr char ascii_lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// `s` with ASCII letters folded to lower case.
[[nodiscard]] inline std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    c = ascii_lower(c);
  return out;
}

// Equal when the same length and equal byte by byte after ASCII folding.
[[nodiscard]] constexpr bool ascii_iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return ascii_lower(x) == ascii_lower(y);
         });
}

// `s` begins with `prefix`, ASCII case ignored.
[[nodiscard]] constexpr bool ascii_istarts_with(std::string_view s,
                                                std::string_view prefix) noexcept {
  return s.size() >= prefix.size() && ascii_iequals(s.substr(0, prefix.size()), prefix);
}

}  // namespace scopegate::ldap
