// Every configured DN is parsed as a DN (libldap's ldap_str2dn), and a DN list that YAML
// split at its commas is an error that says so, never a list of harmless fragments.
#include <doctest/doctest.h>

#include "config/config.hpp"
#include "config/syntax.hpp"
#include "tests/config/config_test_support.hpp"

using namespace scopegate::config;
using namespace scopegate::config::testing;

TEST_CASE("dn_attribute_types: libldap's parser decides what a DN is") {
  using types = std::vector<std::string>;
  CHECK(dn_attribute_types("cn=owners,ou=groups,dc=example,dc=com") ==
        types{"cn", "ou", "dc", "dc"});
  CHECK(dn_attribute_types("CN=A\\,B , OU=x") == types{"cn", "ou"});
  CHECK(dn_attribute_types("cn=a+uid=b,dc=x") == types{"cn", "dc"});
  const std::vector<std::string> not_dns = {
      "",          "owners",        "cn owners,dc=x",         "cn=,dc=x", "=x", "cn=a,,dc=x",
      "cn=a;dc=x", "cn=\"q\",dc=x", std::string("cn=a\0b", 6)};
  for (const auto& bad : not_dns) {
    CAPTURE(bad);
    CHECK_FALSE(dn_attribute_types(bad).has_value());
  }
}

TEST_CASE("a DN-valued key refuses what is not a DN") {
  auto e = error_of(kMinimal + "scope:\n  bypass_groups: [\"cn owners,ou=groups\"]\n");
  CHECK(e.key_path() == "scope.bypass_groups[0]");
  CHECK(e.message().find("expected a DN") != std::string::npos);
  CHECK(error_of(kMinimal + "  base_dn: \"ou=customers,,dc=x\"\n").key_path() ==
        "customers.base_dn");
  CHECK(error_of("ldap:\n  uris: ldap://localhost:3389\n  bind_dn: \"cn=admin;dc=x\"\n"
                 "  bind_password: x\n" +
                 kRest)
            .key_path() == "ldap.bind_dn");
}

TEST_CASE("a DN list split by YAML at its commas is an error telling to quote each DN") {
  // Unquoted in a flow list, YAML reads four items: cn=owners, ou=groups, dc=example, dc=com.
  for (std::string key : {"scope:\n  bypass_groups", "scope:\n  creator_only_groups",
                          "admin:\n  group_dns", "masking:\n  visible_to_groups"}) {
    CAPTURE(key);
    auto e = error_of(kMinimal + key + ": [cn=owners,ou=groups,dc=example,dc=com]\n");
    CHECK(e.key_path().ends_with("[1]"));
    CHECK(e.message().find("split at its commas") != std::string::npos);
    CHECK(e.message().find("quote each DN") != std::string::npos);
    CHECK(e.message().find("\"ou=groups\"") != std::string::npos);
  }
  // Also when the fragment follows quoted DNs in the same list.
  auto mixed =
      error_of(kMinimal + "scope:\n  bypass_groups: [\"cn=a,dc=x\", cn=owners,ou=groups,dc=x]\n");
  CHECK(mixed.key_path() == "scope.bypass_groups[2]");
}

TEST_CASE("DN lists written right are kept whole") {
  auto c = parse_config(kMinimal +
                        "scope:\n  bypass_groups: [\"cn=owners,ou=groups,dc=example,dc=com\", "
                        "\"cn=admins,ou=groups,dc=example,dc=com\"]\n"
                        "  creator_only_groups:\n    - cn=field,ou=groups,dc=example,dc=com\n"
                        "admin:\n  group_dns: ['cn=x,dc=y']\n");
  CHECK(c.scope.bypass_groups == std::vector<std::string>{"cn=owners,ou=groups,dc=example,dc=com",
                                                          "cn=admins,ou=groups,dc=example,dc=com"});
  CHECK(c.scope.creator_only_groups ==
        std::vector<std::string>{"cn=field,ou=groups,dc=example,dc=com"});
  CHECK(c.admin.group_dns == std::vector<std::string>{"cn=x,dc=y"});
  // Two one-RDN groups are odd but are not pieces of one DN.
  CHECK(parse_config(kMinimal + "scope:\n  bypass_groups: [cn=a, cn=b]\n").scope.bypass_groups ==
        std::vector<std::string>{"cn=a", "cn=b"});
}

TEST_CASE("settings that open data up are named for the start-up log") {
  CHECK(risky_settings(parse_config(kMinimal)).empty());
  auto open =
      parse_config(kMinimal + "scope:\n  unassigned_agents: all\nmasking:\n  enabled: false\n");
  auto risks = risky_settings(open);
  REQUIRE(risks.size() == 2);
  CHECK(risks[0].starts_with("scope.unassigned_agents is 'all'"));
  CHECK(risks[0].find("sees every customer") != std::string::npos);
  CHECK(risks[1].starts_with("masking.enabled is false"));
  CHECK(risks[1].find("unmasked") != std::string::npos);
}
