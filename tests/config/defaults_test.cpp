// Defaults, a complete file, and the shapes a value may take.
#include <doctest/doctest.h>

#include "config/config.hpp"
#include "tests/config/config_test_support.hpp"

using namespace scopegate::config;
using namespace scopegate::config::testing;

TEST_CASE("minimal config gets every default") {
  auto c = parse_config(kMinimal);
  CHECK(c.listen.address == "127.0.0.1");
  CHECK(c.listen.port == 8080);
  CHECK(c.listen.threads == 0);
  CHECK(c.listen.header_limit_bytes == 16 * 1024);
  CHECK(c.listen.body_limit_bytes == 1024 * 1024);
  CHECK(c.listen.read_timeout_ms == 10'000);
  CHECK(c.listen.idle_timeout_ms == 60'000);
  CHECK(c.listen.trusted_proxies.empty());

  REQUIRE(c.ldap.uris.size() == 1);
  CHECK(c.ldap.uris[0] == "ldap://localhost:3389");
  CHECK(c.ldap.bind_dn.empty());
  CHECK(c.ldap.bind_password.empty());
  CHECK_FALSE(c.ldap.start_tls);
  CHECK(c.ldap.pool_size == 4);
  CHECK(c.ldap.bind_pool_size == 2);
  CHECK(c.ldap.timeout_ms == 5'000);
  CHECK(c.ldap.connect_timeout_ms == 3'000);
  CHECK(c.ldap.page_size == 500);
  CHECK(c.ldap.reconnect_max_backoff_ms == 5'000);

  CHECK(c.agents.base_dn == "ou=people,dc=example,dc=com");
  CHECK(c.agents.filter == "(objectClass=inetOrgPerson)");
  CHECK(c.agents.login_attribute == "uid");
  CHECK(c.agents.partner_attribute == "scopegatePartnerId");

  CHECK(c.partners.filter == "(objectClass=scopegatePartner)");
  CHECK(c.partners.id_attribute == "scopegatePartnerId");
  CHECK(c.partners.customer_ids_attribute == "scopegateCustomerId");
  CHECK_FALSE(c.partners.member_attribute.has_value());
  CHECK(c.partners.name_attribute == "cn");

  CHECK(c.customers.login_attribute == "uid");
  CHECK(c.customers.customer_id_attribute == "scopegateCustomerId");
  CHECK(c.customers.search_attributes == std::vector<std::string>{"uid", "cn", "mail"});
  REQUIRE(c.customers.fields.size() == 5);
  CHECK(c.customers.fields[0].name == "login");
  CHECK(c.customers.fields[0].attribute == "uid");
  CHECK(c.customers.fields[1].name == "customer_id");
  CHECK(c.customers.fields[1].attribute == "scopegateCustomerId");
  CHECK(c.customers.fields[2].name == "name");
  CHECK(c.customers.fields[2].attribute == "cn");
  CHECK(c.customers.fields[3].name == "email");
  CHECK(c.customers.fields[3].attribute == "mail");
  CHECK(c.customers.fields[4].name == "phone");
  CHECK(c.customers.fields[4].attribute == "telephoneNumber");
  CHECK(c.customers.max_results == 100'000);
  CHECK(c.customers.index == customer_index::memory);
  CHECK(c.customers.index_max_staleness_seconds == 5);

  CHECK(c.scope.unassigned_agents == unassigned_policy::deny);
  CHECK(c.scope.bypass_groups.empty());
  CHECK(c.scope.group_member_attribute == "member");
  CHECK(c.scope.cache_ttl_seconds == 30);
  CHECK(c.scope.cache_max_entries == 100'000);

  CHECK(c.auth.trusted_clients.empty());
  CHECK(c.auth.bind_cache_seconds == 60);
  CHECK(c.auth.login_case == case_rule::lower);
  CHECK(c.auth.failed_attempts_per_minute == 10);
  CHECK(c.auth.failed_attempts_per_address_per_minute == 50);
  CHECK(c.auth.failed_attempts_window_seconds == 60);

  CHECK(c.log.level == "info");
  CHECK(c.log.access_log);
}

TEST_CASE("default fields follow configured login and customer id attributes") {
  auto c = parse_config(kMinimal +
                        "  login_attribute: mailLocalAddress\n"
                        "  customer_id_attribute: departmentNumber\n");
  REQUIRE(c.customers.fields.size() == 5);
  CHECK(c.customers.fields[0].attribute == "mailLocalAddress");
  CHECK(c.customers.fields[1].attribute == "departmentNumber");
}

TEST_CASE("full config") {
  const std::string yaml = R"(
listen:
  address: "::"
  port: 9443
  threads: 8
  header_limit_bytes: 8192
  body_limit_bytes: 65536
  read_timeout_ms: 2000
  idle_timeout_ms: 30000
  trusted_proxies: [10.0.0.0/8, "2001:DB8::/32", 192.168.1.7]
ldap:
  uris:
    - ldaps://ldap1.example.com
    - ldaps://ldap2.example.com:636
  bind_dn: cn=scopegate,ou=services,dc=example,dc=com
  bind_password: "s3cret"
  ca_file: /etc/ssl/certs/ca.pem
  pool_size: 16
  bind_pool_size: 4
  timeout_ms: 1000
  connect_timeout_ms: 500
  page_size: 1000
  reconnect_max_backoff_ms: 10000
agents:
  base_dn: ou=people,dc=example,dc=com
  filter: (&(objectClass=inetOrgPerson)(!(nsAccountLock=TRUE)))
  login_attribute: uid
  partner_attribute: scopegatePartnerId
partners:
  base_dn: ou=partners,dc=example,dc=com
  filter: (objectClass=groupOfNames)
  id_attribute: cn
  customer_ids_attribute: businessCategory
  member_attribute: member
  name_attribute: description
customers:
  base_dn: ou=customers,dc=example,dc=com
  filter: (objectClass=inetOrgPerson)
  login_attribute: uid
  customer_id_attribute: scopegateCustomerId
  search_attributes: [uid, cn, mail, telephoneNumber]
  fields:
    login: uid
    customer_id: scopegateCustomerId
    name: cn
    email: mail
    phone: telephoneNumber
    mobile: mobile
    name_de: cn;lang-de
    oid_field: 2.5.4.3
  max_results: 5000
  index: ldap
  index_max_staleness_seconds: 0
scope:
  unassigned_agents: all
  bypass_groups:
    - cn=owners,ou=groups,dc=example,dc=com
  group_member_attribute: uniqueMember
  cache_ttl_seconds: 0
  cache_max_entries: 1000
auth:
  trusted_clients:
    - name: helpdesk
      api_key_sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
      networks: [10.1.0.0/16, "fd00::/8"]
  bind_cache_seconds: 0
  login_case: preserve
  failed_attempts_per_minute: 4
  failed_attempts_per_address_per_minute: 40
  failed_attempts_window_seconds: 5
log:
  level: debug
  access_log: false
)";
  auto c = parse_config(yaml, "full.yaml");
  CHECK(c.listen.address == "::");
  CHECK(c.listen.port == 9443);
  CHECK(c.listen.threads == 8);
  CHECK(c.listen.header_limit_bytes == 8192);
  CHECK(c.listen.body_limit_bytes == 65536);
  CHECK(c.listen.read_timeout_ms == 2000);
  CHECK(c.listen.idle_timeout_ms == 30000);
  // CIDRs are canonicalized; a bare address is one host.
  CHECK(c.listen.trusted_proxies ==
        std::vector<std::string>{"10.0.0.0/8", "2001:db8::/32", "192.168.1.7/32"});
  CHECK(c.ldap.uris ==
        std::vector<std::string>{"ldaps://ldap1.example.com", "ldaps://ldap2.example.com:636"});
  CHECK(c.ldap.bind_dn == "cn=scopegate,ou=services,dc=example,dc=com");
  CHECK(c.ldap.bind_password == "s3cret");
  CHECK(c.ldap.ca_file == "/etc/ssl/certs/ca.pem");
  CHECK(c.ldap.pool_size == 16);
  CHECK(c.ldap.bind_pool_size == 4);
  CHECK(c.ldap.timeout_ms == 1000);
  CHECK(c.ldap.connect_timeout_ms == 500);
  CHECK(c.ldap.page_size == 1000);
  CHECK(c.ldap.reconnect_max_backoff_ms == 10000);
  CHECK(c.agents.filter == "(&(objectClass=inetOrgPerson)(!(nsAccountLock=TRUE)))");
  CHECK(c.partners.filter == "(objectClass=groupOfNames)");
  CHECK(c.partners.id_attribute == "cn");
  CHECK(c.partners.customer_ids_attribute == "businessCategory");
  CHECK(c.partners.member_attribute == "member");
  CHECK(c.partners.name_attribute == "description");
  CHECK(c.customers.search_attributes.size() == 4);
  REQUIRE(c.customers.fields.size() == 8);
  CHECK(c.customers.fields[5].name == "mobile");
  CHECK(c.customers.fields[6].attribute == "cn;lang-de");
  CHECK(c.customers.fields[7].attribute == "2.5.4.3");
  CHECK(c.customers.max_results == 5000);
  CHECK(c.customers.index == customer_index::ldap);
  CHECK(c.customers.index_max_staleness_seconds == 0);
  CHECK(c.scope.unassigned_agents == unassigned_policy::all);
  CHECK(c.scope.bypass_groups == std::vector<std::string>{"cn=owners,ou=groups,dc=example,dc=com"});
  CHECK(c.scope.group_member_attribute == "uniqueMember");
  CHECK(c.scope.cache_ttl_seconds == 0);
  CHECK(c.scope.cache_max_entries == 1000);
  REQUIRE(c.auth.trusted_clients.size() == 1);
  CHECK(c.auth.trusted_clients[0].name == "helpdesk");
  CHECK(c.auth.trusted_clients[0].api_key_sha256 ==
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
  CHECK(c.auth.trusted_clients[0].networks == std::vector<std::string>{"10.1.0.0/16", "fd00::/8"});
  CHECK(c.auth.bind_cache_seconds == 0);
  CHECK(c.auth.login_case == case_rule::preserve);
  CHECK(c.auth.failed_attempts_per_minute == 4);
  CHECK(c.auth.failed_attempts_per_address_per_minute == 40);
  CHECK(c.auth.failed_attempts_window_seconds == 5);
  CHECK(c.log.level == "debug");
  CHECK_FALSE(c.log.access_log);

  SUBCASE("describe hides the bind password") {
    auto d = describe(c);
    CHECK(d.find("s3cret") == std::string::npos);
    CHECK(d.find("***") != std::string::npos);
    CHECK(d.find("ldaps://ldap1.example.com") != std::string::npos);
    CHECK(d.find("helpdesk") != std::string::npos);
    CHECK(d.find("9f86d081") == std::string::npos);
  }
}

TEST_CASE("ldap.uris as one string, several separated by spaces") {
  auto c = parse_config(R"(ldap:
  uris: "ldap://a:389 ldaps://b"
agents: {base_dn: "ou=people,dc=x", partner_attribute: p}
partners: {base_dn: "ou=partners,dc=x"}
customers: {base_dn: "ou=customers,dc=x"}
)");
  CHECK(c.ldap.uris == std::vector<std::string>{"ldap://a:389", "ldaps://b"});
}

TEST_CASE("member_attribute alone links agents to partners") {
  auto c = parse_config(R"(ldap: {uris: [ldap://a]}
agents: {base_dn: "ou=people,dc=x"}
partners: {base_dn: "ou=partners,dc=x", member_attribute: member}
customers: {base_dn: "ou=customers,dc=x"}
)");
  CHECK_FALSE(c.agents.partner_attribute.has_value());
  CHECK(c.partners.member_attribute == "member");
}
