#include "mapping/text_match.hpp"

#include <algorithm>
#include <array>

#include "ldap/ascii.hpp"

namespace scopegate::mapping {
namespace {

using ldap::ascii_iequals;
using ldap::ascii_lower;

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

constexpr std::array<std::string_view, 5> k_telephone = {"telephoneNumber", "mobile", "homePhone",
                                                         "pager", "facsimileTelephoneNumber"};

}  // namespace

match_rule rule_for(std::string_view attribute) {
  auto base = attribute.substr(0, attribute.find(';'));
  for (auto t : k_telephone)
    if (ascii_iequals(base, t)) return match_rule::telephone;
  if (ldap::ascii_istarts_with(base, "scopegate")) return match_rule::case_exact;
  if (ascii_iequals(base, "member") || ascii_iequals(base, "uniqueMember") ||
      ascii_iequals(base, "owner"))
    return match_rule::dn;
  return match_rule::case_ignore;
}

std::string prepare(std::string_view value, match_rule rule) {
  std::string out;
  out.reserve(value.size());
  if (rule == match_rule::telephone) {
    for (char c : value)
      if (!is_space(c) && c != '-') out.push_back(ascii_lower(c));
    return out;
  }
  bool pending_space = false;
  for (char c : value) {
    if (is_space(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (rule == match_rule::dn && (c == ',' || c == '=' || c == '+')) {
      pending_space = false;
      while (!out.empty() && out.back() == ' ')
        out.pop_back();
      out.push_back(c);
      continue;
    }
    if (pending_space) {
      if (!(rule == match_rule::dn && !out.empty() &&
            (out.back() == ',' || out.back() == '=' || out.back() == '+')))
        out.push_back(' ');
      pending_space = false;
    }
    out.push_back(rule == match_rule::case_exact ? c : ascii_lower(c));
  }
  return out;
}

bool contains_prepared(std::string_view prepared_value, std::string_view prepared_needle) {
  return prepared_value.find(prepared_needle) != std::string_view::npos;
}

}  // namespace scopegate::mapping
