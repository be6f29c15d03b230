#include "mapping/text_match.hpp"

#include <algorithm>
#include <array>

namespace scopegate::mapping {
namespace {

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return lower(x) == lower(y); });
}

constexpr std::array<std::string_view, 5> k_telephone = {"telephoneNumber", "mobile", "homePhone",
                                                         "pager", "facsimileTelephoneNumber"};

}  // namespace

match_rule rule_for(std::string_view attribute) {
  auto base = attribute.substr(0, attribute.find(';'));
  for (auto t : k_telephone)
    if (iequals(base, t)) return match_rule::telephone;
  if (base.size() >= 9 && iequals(base.substr(0, 9), "scopegate")) return match_rule::case_exact;
  if (iequals(base, "member") || iequals(base, "uniqueMember") || iequals(base, "owner"))
    return match_rule::dn;
  return match_rule::case_ignore;
}

std::string prepare(std::string_view value, match_rule rule) {
  std::string out;
  out.reserve(value.size());
  if (rule == match_rule::telephone) {
    for (char c : value)
      if (!is_space(c) && c != '-') out.push_back(lower(c));
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
    out.push_back(rule == match_rule::case_exact ? c : lower(c));
  }
  return out;
}

bool contains_prepared(std::string_view prepared_value, std::string_view prepared_needle) {
  return prepared_value.find(prepared_needle) != std::string_view::npos;
}

}  // namespace scopegate::mapping
