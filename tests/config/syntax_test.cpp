// Syntax of values: CIDRs, trusted clients, attribute names, filters, fields.
#include <doctest/doctest.h>

#include "config/config.hpp"
#include "tests/config/config_test_support.hpp"

using namespace scopegate::config;
using namespace scopegate::config::testing;

TEST_CASE("CIDRs are validated") {
  SUBCASE("trusted proxy") {
    auto e =
        error_of("listen:\n  trusted_proxies:\n    - 10.0.0.0/8\n    - 10.0.0.0/33\n" + kMinimal);
    CHECK(e.key_path() == "listen.trusted_proxies[1]");
    CHECK(e.line() == 4);
  }
  SUBCASE("not an address") {
    auto e = error_of("listen:\n  trusted_proxies: [example.com/8]\n" + kMinimal);
    CHECK(e.key_path() == "listen.trusted_proxies[0]");
    CHECK(e.line() == 2);
  }
  SUBCASE("host bits set") {
    auto e = error_of("listen:\n  trusted_proxies: [10.1.2.3/8]\n" + kMinimal);
    CHECK(e.message().find("did you mean \"10.0.0.0/8\"") != std::string::npos);
  }
  SUBCASE("IPv6 prefix too long") {
    auto e = error_of("listen:\n  trusted_proxies: [\"::1/129\"]\n" + kMinimal);
    CHECK(e.key_path() == "listen.trusted_proxies[0]");
  }
  SUBCASE("trusted client network") {
    auto e = error_of(kMinimal + R"(auth:
  trusted_clients:
    - name: a
      api_key_sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
      networks: [10.0.0.0/8]
    - name: b
      api_key_sha256: 0000000000000000000000000000000000000000000000000000000000000000
      networks:
        - "fe80::/10"
        - 300.1.1.1/32
)");
    CHECK(e.key_path() == "auth.trusted_clients[1].networks[1]");
    CHECK(e.line() == 19);
  }
}

TEST_CASE("trusted client checks") {
  const std::string head = kMinimal + "auth:\n  trusted_clients:\n    - name: a\n";
  SUBCASE("uppercase sha256") {
    auto e = error_of(head +
                      "      api_key_sha256: "
                      "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08\n"
                      "      networks: [10.0.0.0/8]\n");
    CHECK(e.key_path() == "auth.trusted_clients[0].api_key_sha256");
    CHECK(e.line() == 13);
  }
  SUBCASE("short sha256 is not echoed") {
    auto e =
        error_of(head + "      api_key_sha256: my-raw-api-key\n      networks: [10.0.0.0/8]\n");
    CHECK(e.key_path() == "auth.trusted_clients[0].api_key_sha256");
    CHECK(std::string(e.what()).find("my-raw-api-key") == std::string::npos);
  }
  SUBCASE("missing networks") {
    auto e = error_of(head +
                      "      api_key_sha256: "
                      "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n");
    CHECK(e.key_path() == "auth.trusted_clients[0].networks");
  }
  SUBCASE("duplicate names") {
    auto e = error_of(
        head +
        R"(      api_key_sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
      networks: [10.0.0.0/8]
    - name: a
      api_key_sha256: 0000000000000000000000000000000000000000000000000000000000000000
      networks: [10.0.0.0/8]
)");
    CHECK(e.key_path() == "auth.trusted_clients[1].name");
    CHECK(e.line() == 15);
  }
}

TEST_CASE("attribute names") {
  SUBCASE("bad login attribute") {
    auto e = error_of(kMinimal + "  login_attribute: \"user id\"\n");
    CHECK(e.key_path() == "customers.login_attribute");
    CHECK(e.line() == 10);
  }
  SUBCASE("bad search attribute") {
    auto e = error_of(kMinimal + "  search_attributes: [uid, 1cn]\n");
    CHECK(e.key_path() == "customers.search_attributes[1]");
    CHECK(e.line() == 10);
  }
  SUBCASE("bad field attribute") {
    auto e = error_of(kMinimal + "  fields:\n    login: uid\n    name: c_n\n");
    CHECK(e.key_path() == "customers.fields.name");
    CHECK(e.line() == 12);
  }
  SUBCASE("bad option") {
    auto e = error_of(kMinimal + "  login_attribute: \"uid;\"\n");
    CHECK(e.key_path() == "customers.login_attribute");
  }
  SUBCASE("bad partner attribute") {
    auto e = error_of(R"(ldap: {uris: ldap://x}
agents: {base_dn: "ou=a,dc=x", partner_attribute: "partner id"}
)");
    CHECK(e.key_path() == "agents.partner_attribute");
    CHECK(e.line() == 2);
  }
}

TEST_CASE("filters") {
  const std::string head =
      "ldap: {uris: ldap://x}\nagents:\n  base_dn: ou=a,dc=x\n  partner_attribute: p\n";
  for (const std::string f : {"\"(objectClass=person\"", "\"objectClass=person\"", "\"\"",
                              "\"(a=b))(\"", "\"(a=b)(c=d)\""}) {
    CAPTURE(f);
    auto e = error_of(head + "  filter: " + f + "\n");
    CHECK(e.key_path() == "agents.filter");
    CHECK(e.line() == 5);
  }
}

TEST_CASE("customer fields") {
  SUBCASE("order preserved") {
    auto c = parse_config(kMinimal + "  fields:\n    zeta: uid\n    alpha: cn\n    mid: mail\n");
    REQUIRE(c.customers.fields.size() == 3);
    CHECK(c.customers.fields[0].name == "zeta");
    CHECK(c.customers.fields[1].name == "alpha");
    CHECK(c.customers.fields[2].name == "mid");
    CHECK(c.customers.fields[2].attribute == "mail");
  }
  SUBCASE("duplicate names") {
    auto e = error_of(kMinimal + "  fields:\n    name: cn\n    email: mail\n    name: sn\n");
    CHECK(e.key_path() == "customers.fields.name");
    CHECK(e.line() == 13);
    CHECK(e.message().find("duplicate") != std::string::npos);
  }
  SUBCASE("bad field name") {
    auto e = error_of(kMinimal + "  fields:\n    Name: cn\n");
    CHECK(e.key_path() == "customers.fields.Name");
    CHECK(e.line() == 11);
  }
  SUBCASE("fields as a list") {
    auto e = error_of(kMinimal + "  fields: [cn, mail]\n");
    CHECK(e.key_path() == "customers.fields");
    CHECK(e.message() == "expected a mapping, got a list");
  }
}
