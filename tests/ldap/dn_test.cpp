// The project's one DN-equality rule (ldap/dn.hpp) with hostile spellings, plus the ASCII
// case helpers it builds on. Pure: no server.
#include "ldap/dn.hpp"

#include <doctest/doctest.h>

#include <string>

#include "ldap/ascii.hpp"

using namespace std::string_literals;
using scopegate::ldap::ascii_iequals;
using scopegate::ldap::ascii_istarts_with;
using scopegate::ldap::ascii_lower;
using scopegate::ldap::is_valid_dn;
using scopegate::ldap::normalize_dn;
using scopegate::ldap::same_dn;

TEST_CASE("ascii helpers fold ASCII letters only") {
  CHECK(ascii_lower("CN=Anna-ÉÖ 9") == "cn=anna-ÉÖ 9");
  CHECK(ascii_lower('Z') == 'z');
  CHECK(ascii_lower('[') == '[');  // just past 'Z'
  CHECK(ascii_lower('@') == '@');  // just before 'A'
  CHECK(ascii_iequals("objectClass", "OBJECTCLASS"));
  CHECK(!ascii_iequals("objectClass", "objectClas"));
  CHECK(!ascii_iequals("É", "é"));
  CHECK(ascii_iequals("", ""));
  CHECK(ascii_istarts_with("scopegatePartnerId", "SCOPEGATE"));
  CHECK(!ascii_istarts_with("scope", "scopegate"));
}

TEST_CASE("normalize_dn: canonical spelling") {
  CHECK(normalize_dn("cn=Anna,dc=example,dc=com") == "cn=anna,dc=example,dc=com");
  CHECK(normalize_dn(" CN = Anna  Meyer , DC = Example ,dc=COM ") ==
        "cn=anna meyer,dc=example,dc=com");
  CHECK(normalize_dn("commonName=A,2.5.4.11=People,domainComponent=x") == "cn=a,ou=people,dc=x");
  // The result is itself a DN that normalises to itself.
  auto once = normalize_dn("cn=Smith\\, John+uid=JS,ou=People,dc=x");
  REQUIRE(once);
  CHECK(*once == "cn=smith\\, john+uid=js,ou=people,dc=x");
  CHECK(normalize_dn(*once) == once);
}

TEST_CASE("same_dn: spaces, case and escapes") {
  const std::string dn = "uid=alice,ou=people,dc=example,dc=com";
  CHECK(same_dn(dn, dn));
  CHECK(same_dn(dn, "UID=Alice, OU=People, DC=Example, DC=Com"));
  CHECK(same_dn(dn, "uid = alice , ou = people , dc = example , dc = com"));
  CHECK(same_dn(dn, "userid=alice,ou=people,dc=example,dc=com"));
  CHECK(same_dn(dn, "0.9.2342.19200300.100.1.1=alice,ou=people,dc=example,dc=com"));
  // Escaped commas: backslash form, hex form and a quoted-free spelling are one value.
  CHECK(same_dn("cn=a\\,b,dc=x", "cn=a\\2Cb,dc=x"));
  CHECK(same_dn("cn=a\\,b,dc=x", "cn=A\\2cB,dc=x"));
  CHECK(!same_dn("cn=a\\,b,dc=x", "cn=a,cn=b,dc=x"));  // an escaped comma is no separator
  // Hex escapes of ordinary characters decode before comparing.
  CHECK(same_dn("cn=\\41nna,dc=x", "cn=anna,dc=x"));
  // #hex (BER) value form: compared as encoded bytes, never equal to a string value.
  CHECK(same_dn("cn=#04024869,dc=x", "CN=#04024869,dc=x"));
  CHECK(!same_dn("cn=#04024869,dc=x", "cn=Hi,dc=x"));
  CHECK(!same_dn("cn=#04024869,dc=x", "cn=#04024868,dc=x"));
  CHECK(normalize_dn("cn=#04024869,dc=x") == "cn=#04024869,dc=x");
  // Inner space runs collapse for case-ignore types.
  CHECK(same_dn("cn=Anna   Meyer,dc=x", "cn=anna meyer,dc=x"));
  // Different values stay different.
  CHECK(!same_dn(dn, "uid=alice2,ou=people,dc=example,dc=com"));
  CHECK(!same_dn(dn, "uid=alice,ou=people,dc=example"));
  CHECK(!same_dn(dn, "cn=alice,ou=people,dc=example,dc=com"));
}

TEST_CASE("same_dn: multi-valued RDNs are sets") {
  CHECK(same_dn("cn=a+uid=b,dc=x", "uid=B+CN=A,dc=x"));
  CHECK(same_dn("cn=a + uid=b,dc=x", "uid=b+cn=a,dc=x"));
  CHECK(!same_dn("cn=a+uid=b,dc=x", "cn=a,uid=b,dc=x"));
  CHECK(!same_dn("cn=a+uid=b,dc=x", "cn=a,dc=x"));
  CHECK(!same_dn("cn=a\\+uid=b,dc=x", "cn=a+uid=b,dc=x"));  // escaped '+' is part of the value
}

TEST_CASE("same_dn: case-exact types keep case; non-ASCII is not folded") {
  CHECK(!same_dn("scopegatePartnerId=ACME,ou=partners,dc=x",
                 "scopegatePartnerId=acme,ou=partners,dc=x"));
  CHECK(same_dn("scopegatePartnerId=ACME,ou=partners,dc=x",
                "SCOPEGATEPARTNERID=ACME,OU=Partners,DC=X"));  // the type's case never matters
  CHECK(!same_dn("cn=Élodie,dc=x", "cn=élodie,dc=x"));         // documented: ASCII folding only
  CHECK(same_dn("cn=Élodie,dc=x", "CN=Élodie,DC=X"));
}

TEST_CASE("invalid DNs are never equal to anything, not even themselves") {
  for (const std::string& bad :
       {""s, "   "s, "garbage"s, "cn=a,,dc=x"s, "=a"s, "cn=a;dc=x"s, "cn=\"quoted\",dc=x"s,
        "cn=a\\"s, "cn=,dc=x"s, "cn=   ,dc=x"s, "cn=a\0,dc=x"s, "oid.2.5.4.3=a"s, ",cn=a"s,
        "cn=a,"s, "cn=a\\zz,dc=x"s, "1cn=a"s}) {
    CAPTURE(bad);
    CHECK(!is_valid_dn(bad));
    CHECK(!normalize_dn(bad));
    CHECK(!same_dn(bad, bad));
    CHECK(!same_dn(bad, "cn=a,dc=x"));
    CHECK(!same_dn("cn=a,dc=x", bad));
  }
  // A NUL byte must not cut the DN short into a valid-looking prefix.
  CHECK(!same_dn("cn=a\0,dc=evil"s, "cn=a"));
}

TEST_CASE("valid but unusual DNs") {
  CHECK(is_valid_dn("dc=x"));
  CHECK(is_valid_dn("2.5.4.3=a"));
  CHECK(is_valid_dn("cn=a\\ ,dc=x"));  // escaped trailing space
  CHECK(is_valid_dn("cn=" + std::string(4000, 'a') + ",dc=x"));
  // An escaped trailing space is insignificant for a case-ignore type, significant otherwise.
  CHECK(same_dn("cn=a\\ ,dc=x", "cn=a,dc=x"));
  CHECK(!same_dn("scopegatePartnerId=a\\ ,dc=x", "scopegatePartnerId=a,dc=x"));
  CHECK(same_dn("description=A\\ ,dc=x", "2.5.4.13=a,dc=x"));
  // Bytes that need escaping survive the round trip.
  auto n = normalize_dn("seeAlso=a\\3Cb\\3E\\22\\5C\\3B,dc=x");
  REQUIRE(n);
  CHECK(same_dn(*n, "seeAlso=a\\<b\\>\\\"\\\\\\;,dc=x"));
}
