// How the in-memory directory index compares values the way slapd's matching rules do, so
// that it answers exactly what an LDAP filter would (DESIGN.md section 6).
//
//   auto rule = rule_for("cn");                       // case_ignore
//   prepare("  Anna   MEYER ", rule) == "anna meyer"  // true
//
// The rules, per attribute (docs/benchmarks.md "Matching rules"):
// - case_ignore (default; uid, cn, mail, ... i.e. caseIgnore[IA5]Match and their substring
//   rules): ASCII letters folded to lower case; tab, CR, LF, VT and FF count as spaces; runs
//   of spaces become one; leading and trailing spaces are dropped. Bytes >= 0x80 compare
//   as they are (slapd would also fold non-ASCII case: a documented difference).
// - case_exact (the scopegate* attributes: caseExactMatch): as case_ignore without folding.
// - telephone (telephoneNumber, mobile, homePhone, pager, facsimileTelephoneNumber):
//   spaces and hyphens removed, ASCII folded.
// - dn (distinguishedNameMatch, for member DNs): case_ignore with the spaces around ',', '='
//   and '+' removed.
// A substring assertion "*v*" matches when prepare(value) contains prepare(v).
#pragma once

#include <string>
#include <string_view>

namespace scopegate::mapping {

enum class match_rule { case_ignore, case_exact, telephone, dn };

[[nodiscard]] match_rule rule_for(std::string_view attribute);
[[nodiscard]] std::string prepare(std::string_view value, match_rule rule);
// prepare(value, rule) contains prepared_needle (already prepared with the same rule).
[[nodiscard]] bool contains_prepared(std::string_view prepared_value,
                                     std::string_view prepared_needle);

}  // namespace scopegate::mapping
