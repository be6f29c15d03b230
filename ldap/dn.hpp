// The one rule for "are these two DNs the same entry?" in scopegate. Every comparison of
// DNs (member values, agent DNs, group DNs from config) goes through same_dn or compares
// normalize_dn results; never compare DN strings directly.
//
//   ldap::same_dn("CN=Anna Meyer , ou=People,dc=example,dc=com",
//                 "cn=anna meyer,ou=people,dc=example,dc=com");   // true
//   auto key = ldap::normalize_dn(member);                         // nullopt: not a DN
//
// What the rule does (libldap's RFC 4514 parser, ldap_str2dn with LDAP_DN_FORMAT_LDAPV3,
// then a canonical re-encoding):
// - Syntax: spaces around '=', ',' and '+' are insignificant; escapes (`\,` `\2C`) are
//   decoded before comparing, so "cn=a\,b" == "cn=a\2Cb". LDAPv2 forms (';' separators,
//   quoted values, "OID." prefixes) are refused.
// - A #hex value (BER) is compared as its encoded bytes and never equals a string value:
//   "cn=#04024869" != "cn=Hi" although slapd would decode it (rare; fails closed).
// - Attribute types are compared ASCII case-insensitively; for the common naming types
//   below, long names and OIDs are mapped to the short name ("commonName", "2.5.4.3" ->
//   "cn").
// - Values of the naming types that OpenLDAP matches with caseIgnore(IA5)Match are
//   ASCII-case-folded, with runs of spaces collapsed to one and leading/trailing spaces
//   dropped, as slapd's matching does: cn, sn, givenName, initials, title, name, c, l, st,
//   street, o, ou, dc, uid, mail, description, serialNumber, postalCode, businessCategory,
//   displayName, employeeNumber, host (and their aliases/OIDs).
// - Values of every OTHER type are compared byte for byte after unescaping (e.g.
//   scopegatePartnerId, which is caseExactMatch: "ACME" != "acme"). For a type not listed
//   whose schema says caseIgnore this is stricter than slapd: such DNs differing only in
//   case compare unequal (fails closed: never two entries taken for one).
// - Not folded anywhere: non-ASCII letters ("É" != "é"; slapd would fold them), and
//   Unicode normalisation. A documented, fail-closed difference: such DNs compare unequal.
// - AVAs of a multi-valued RDN are compared as a set ("cn=a+uid=b" == "uid=b+cn=a").
// - Refused (not a DN, never equal to anything): unparsable text, a NUL byte, the empty
//   DN (it names no entry), and empty attribute values ("cn=,dc=x").
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace scopegate::ldap {

// The canonical form of `dn` under the rule above, or nullopt when `dn` is not a DN. The
// result is itself a valid RFC 4514 DN (usable as a search base) and equal for every
// spelling of the same DN. Pure; thread-safe.
[[nodiscard]] std::optional<std::string> normalize_dn(std::string_view dn);

// Both are DNs and name the same entry under the rule above. An invalid DN is never the
// same as anything, not even itself.
[[nodiscard]] bool same_dn(std::string_view a, std::string_view b);

// normalize_dn(dn) succeeds.
[[nodiscard]] bool is_valid_dn(std::string_view dn);

}  // namespace scopegate::ldap
