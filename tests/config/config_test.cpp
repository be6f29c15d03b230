#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "config/config.hpp"

using namespace scopegate::config;

namespace {

// Everything a minimal config needs except the ldap section.
const std::string kRest = R"(agents:
  base_dn: ou=people,dc=example,dc=com
  partner_attribute: scopegatePartnerId
partners:
  base_dn: ou=partners,dc=example,dc=com
customers:
  base_dn: ou=customers,dc=example,dc=com
)";
const std::string kMinimal = "ldap:\n  uris: ldap://localhost:3389\n" + kRest;

// Parses `yaml` expecting a config_error; returns it for inspection.
config_error error_of(const std::string& yaml, const std::string& origin = "scopegate.yaml") {
  try {
    (void)parse_config(yaml, origin);
  } catch (const config_error& e) {
    return e;
  }
  FAIL("expected a config_error for:\n" << yaml);
  return config_error("", 0, "");
}

// A temporary file removed at scope exit.
struct temp_file {
  std::filesystem::path path;
  explicit temp_file(const std::string& content) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "scopegate-cfg-XXXXXX").string();
    int fd = mkstemp(tmpl.data());
    REQUIRE(fd >= 0);
    close(fd);
    path = tmpl;
    std::ofstream(path, std::ios::binary) << content;
  }
  ~temp_file() {
    std::error_code ec;
    std::filesystem::remove(path, ec);
  }
};

std::string repo_file(const std::string& rel) {
  return std::string(SCOPEGATE_SOURCE_DIR) + "/" + rel;
}

}  // namespace

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

TEST_CASE("error message format: origin, line, key path, problem") {
  auto e = error_of(kMinimal + "  max_results: lots\n");
  CHECK(e.key_path() == "customers.max_results");
  CHECK(e.line() == 10);
  CHECK(std::string(e.what()) ==
        "scopegate.yaml:10: customers.max_results: expected a positive integer, got \"lots\"");

  auto e2 = error_of("ldap:\n  uris: ldap://x\n  pool_size: lots\n" + kRest);
  CHECK(std::string(e2.what()) ==
        "scopegate.yaml:3: ldap.pool_size: expected an integer between 1 and 256, got \"lots\"");
}

TEST_CASE("unknown keys") {
  SUBCASE("top level") {
    auto e = error_of(kMinimal + "lgo:\n  level: info\n");
    CHECK(e.key_path() == "lgo");
    CHECK(e.line() == 10);
    CHECK(std::string(e.what()).find("did you mean \"log\"") != std::string::npos);
  }
  SUBCASE("nested") {
    auto e = error_of(R"(ldap:
  uris: ldap://x
  poolsize: 3
)");
    CHECK(e.key_path() == "ldap.poolsize");
    CHECK(e.line() == 3);
    CHECK(std::string(e.what()).find("unknown key \"poolsize\"; did you mean \"pool_size\"?") !=
          std::string::npos);
  }
  SUBCASE("inside a trusted client") {
    auto e = error_of(kMinimal + R"(auth:
  trusted_clients:
    - name: a
      api_key_sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
      networks: [10.0.0.0/8]
      netwroks: [10.0.0.0/8]
)");
    CHECK(e.key_path() == "auth.trusted_clients[0].netwroks");
    CHECK(e.line() == 15);
  }
  SUBCASE("duplicate key") {
    auto e = error_of(kMinimal + "log:\n  level: info\n  level: debug\n");
    CHECK(e.key_path() == "log.level");
    CHECK(e.line() == 12);
    CHECK(e.message().find("duplicate key") != std::string::npos);
  }
}

TEST_CASE("wrong types") {
  SUBCASE("string for port") {
    auto e = error_of("listen:\n  port: http\n" + kMinimal);
    CHECK(e.key_path() == "listen.port");
    CHECK(e.line() == 2);
    CHECK(e.message() == "expected an integer between 0 and 65535, got \"http\"");
  }
  SUBCASE("float for port") {
    auto e = error_of("listen:\n  port: 80.5\n" + kMinimal);
    CHECK(e.key_path() == "listen.port");
  }
  SUBCASE("map for list") {
    auto e = error_of(kMinimal + "  search_attributes:\n    uid: true\n");
    CHECK(e.key_path() == "customers.search_attributes");
    CHECK(e.line() == 11);
    CHECK(e.message() == "expected a list, got a mapping");
  }
  SUBCASE("list for string") {
    auto e = error_of(kMinimal + "  base_dn: [a, b]\n");
    // duplicate base_dn is reported first
    CHECK(e.key_path() == "customers.base_dn");
  }
  SUBCASE("list for a string value") {
    auto e = error_of(kMinimal + "  login_attribute: [uid]\n");
    CHECK(e.key_path() == "customers.login_attribute");
    CHECK(e.line() == 10);
    CHECK(e.message() == "expected an LDAP attribute name, got a list");
  }
  SUBCASE("bad boolean") {
    auto e = error_of(kMinimal + "log:\n  access_log: maybe\n");
    CHECK(e.key_path() == "log.access_log");
    CHECK(e.line() == 11);
  }
  SUBCASE("section as scalar") {
    auto e = error_of(kMinimal + "scope: everything\n");
    CHECK(e.key_path() == "scope");
    CHECK(e.line() == 10);
    CHECK(e.message() == "expected a mapping, got \"everything\"");
  }
  SUBCASE("bad enum") {
    auto e = error_of(kMinimal + "scope:\n  unassigned_agents: allow\n");
    CHECK(e.key_path() == "scope.unassigned_agents");
    CHECK(e.message() == "expected one of \"deny\", \"all\", got \"allow\"");
    auto e2 = error_of(kMinimal + "auth:\n  login_case: upper\n");
    CHECK(e2.key_path() == "auth.login_case");
    auto e3 = error_of(kMinimal + "log:\n  level: verbose\n");
    CHECK(e3.key_path() == "log.level");
  }
}

TEST_CASE("out of range numbers") {
  struct row {
    std::string yaml;
    std::string path;
  };
  const row rows[] = {
      {"listen:\n  port: -1\n", "listen.port"},
      {"listen:\n  port: 65536\n", "listen.port"},
      {"listen:\n  threads: 257\n", "listen.threads"},
      {"listen:\n  threads: -1\n", "listen.threads"},
      {"listen:\n  header_limit_bytes: 0\n", "listen.header_limit_bytes"},
      {"listen:\n  body_limit_bytes: -5\n", "listen.body_limit_bytes"},
      {"listen:\n  read_timeout_ms: 600001\n", "listen.read_timeout_ms"},
      {"scope:\n  cache_ttl_seconds: -1\n", "scope.cache_ttl_seconds"},
      {"scope:\n  cache_max_entries: 0\n", "scope.cache_max_entries"},
      {"auth:\n  bind_cache_seconds: -1\n", "auth.bind_cache_seconds"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.yaml);
    auto e = error_of(r.yaml + kMinimal);
    CHECK(e.key_path() == r.path);
    CHECK(e.line() == 2);
  }
  const row ldap_rows[] = {
      {"  pool_size: 0\n", "ldap.pool_size"},
      {"  pool_size: 257\n", "ldap.pool_size"},
      {"  bind_pool_size: 0\n", "ldap.bind_pool_size"},
      {"  timeout_ms: 0\n", "ldap.timeout_ms"},
      {"  timeout_ms: 600001\n", "ldap.timeout_ms"},
      {"  connect_timeout_ms: 0\n", "ldap.connect_timeout_ms"},
      {"  page_size: 10001\n", "ldap.page_size"},
      {"  page_size: 99999999999999999999999\n", "ldap.page_size"},
  };
  for (const auto& r : ldap_rows) {
    CAPTURE(r.yaml);
    auto e = error_of("ldap:\n  uris: ldap://x\n" + r.yaml + kRest);
    CHECK(e.key_path() == r.path);
    CHECK(e.line() == 3);
  }
  // Edges are accepted.
  auto c = parse_config("listen:\n  port: 65535\n  threads: 256\n" + kMinimal);
  CHECK(c.listen.port == 65535);
  CHECK(c.listen.threads == 256);
}

TEST_CASE("missing required keys") {
  SUBCASE("no ldap section") {
    auto e = error_of(kRest);
    CHECK(e.key_path() == "ldap.uris");
    CHECK(e.line() == 0);
    CHECK(std::string(e.what()) == "scopegate.yaml: ldap.uris: required key is missing");
  }
  SUBCASE("agents.base_dn") {
    auto e = error_of(R"(ldap: {uris: ldap://x}
agents:
  partner_attribute: p
partners: {base_dn: "ou=p,dc=x"}
customers: {base_dn: "ou=c,dc=x"}
)");
    CHECK(e.key_path() == "agents.base_dn");
    CHECK(e.line() == 3);
  }
  SUBCASE("customers section") {
    auto e = error_of(R"(ldap: {uris: ldap://x}
agents: {base_dn: "ou=a,dc=x", partner_attribute: p}
partners: {base_dn: "ou=p,dc=x"}
)");
    CHECK(e.key_path() == "customers.base_dn");
  }
  SUBCASE("empty uris") {
    auto e = error_of("ldap:\n  uris: []\n" + kRest);
    CHECK(e.key_path() == "ldap.uris");
    CHECK(e.line() == 2);
  }
  SUBCASE("bad uri scheme") {
    auto e = error_of("ldap:\n  uris:\n    - ldap://ok\n    - http://x\n" + kRest);
    CHECK(e.key_path() == "ldap.uris[1]");
    CHECK(e.line() == 4);
  }
  SUBCASE("no link between agents and partners") {
    auto e = error_of(R"(ldap: {uris: ldap://x}
agents: {base_dn: "ou=a,dc=x"}
partners: {base_dn: "ou=p,dc=x"}
customers: {base_dn: "ou=c,dc=x"}
)");
    CHECK(e.key_path() == "agents.partner_attribute");
    CHECK(e.message().find("partners.member_attribute") != std::string::npos);
  }
}

TEST_CASE("empty file or non-mapping root") {
  CHECK(error_of("").message().find("empty") != std::string::npos);
  CHECK(error_of("# only a comment\n").message().find("empty") != std::string::npos);
  auto e = error_of("- a\n- b\n");
  CHECK(e.key_path() == "");
  CHECK(e.message() == "expected a mapping of sections at the top level, got a list");
  CHECK(error_of("just a string").key_path() == "");
  auto bad = error_of("ldap: [unclosed\n");
  CHECK(bad.message().find("invalid YAML") != std::string::npos);
  CHECK(bad.line() > 0);
}

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

TEST_CASE("bind password and password file") {
  const std::string tail = kRest;
  SUBCASE("both set") {
    auto e = error_of(
        "ldap:\n  uris: ldap://x\n  bind_dn: cn=a,dc=x\n  bind_password: p\n"
        "  bind_password_file: /nonexistent\n" +
        tail);
    CHECK(e.key_path() == "ldap.bind_password_file");
    CHECK(e.line() == 5);
  }
  SUBCASE("file read and trailing newline stripped") {
    temp_file f("pa ss\nword\n\n");
    auto c = parse_config("ldap:\n  uris: ldap://x\n  bind_dn: cn=a,dc=x\n  bind_password_file: " +
                          f.path.string() + "\n" + tail);
    CHECK(c.ldap.bind_password == "pa ss\nword");
  }
  SUBCASE("CRLF stripped") {
    temp_file f("secret\r\n");
    auto c = parse_config("ldap:\n  uris: ldap://x\n  bind_dn: cn=a,dc=x\n  bind_password_file: " +
                          f.path.string() + "\n" + tail);
    CHECK(c.ldap.bind_password == "secret");
  }
  SUBCASE("unreadable file") {
    auto e = error_of(
        "ldap:\n  uris: ldap://x\n  bind_dn: cn=a,dc=x\n"
        "  bind_password_file: /nonexistent/scopegate-pw\n" +
        tail);
    CHECK(e.key_path() == "ldap.bind_password_file");
    CHECK(e.line() == 4);
    CHECK(e.message().find("/nonexistent/scopegate-pw") != std::string::npos);
  }
  SUBCASE("bind_dn without a password") {
    auto e = error_of("ldap:\n  uris: ldap://x\n  bind_dn: cn=a,dc=x\n" + tail);
    CHECK(e.key_path() == "ldap.bind_password");
  }
  SUBCASE("empty password file") {
    temp_file f("\n");
    auto e = error_of("ldap:\n  uris: ldap://x\n  bind_dn: cn=a,dc=x\n  bind_password_file: " +
                      f.path.string() + "\n" + tail);
    CHECK(e.key_path() == "ldap.bind_password_file");
  }
  SUBCASE("password errors never echo the password") {
    auto e = error_of("ldap:\n  uris: ldap://x\n  bind_password: hunter2\n" + tail);
    CHECK(std::string(e.what()).find("hunter2") == std::string::npos);
  }
  SUBCASE("start_tls with ldaps") {
    auto e = error_of("ldap:\n  uris: ldaps://x\n  start_tls: true\n" + tail);
    CHECK(e.key_path() == "ldap.start_tls");
    CHECK(e.line() == 3);
  }
}

TEST_CASE("${VAR} expansion") {
  setenv("SCOPEGATE_TEST_PORT", "9090", 1);
  setenv("SCOPEGATE_TEST_HOST", "ldap.example.com", 1);
  setenv("SCOPEGATE_TEST_PW", "from-env", 1);
  unsetenv("SCOPEGATE_TEST_UNSET");
  const std::string tail = kRest;

  SUBCASE("set variables expand in scalars and list items") {
    auto c = parse_config(
        "listen:\n  port: ${SCOPEGATE_TEST_PORT}\nldap:\n  uris:\n"
        "    - ldaps://${SCOPEGATE_TEST_HOST}:636\n  bind_dn: cn=a,dc=x\n"
        "  bind_password: \"${SCOPEGATE_TEST_PW}\"\n" +
        tail);
    CHECK(c.listen.port == 9090);
    CHECK(c.ldap.uris[0] == "ldaps://ldap.example.com:636");
    CHECK(c.ldap.bind_password == "from-env");
  }
  SUBCASE("unset variable names the variable and the key") {
    auto e = error_of(
        "ldap:\n  uris: ldap://x\n  bind_dn: cn=a,dc=x\n"
        "  bind_password: ${SCOPEGATE_TEST_UNSET}\n" +
        tail);
    CHECK(e.key_path() == "ldap.bind_password");
    CHECK(e.line() == 4);
    CHECK(std::string(e.what()) ==
          "scopegate.yaml:4: ldap.bind_password: environment variable "
          "SCOPEGATE_TEST_UNSET is not set");
  }
  SUBCASE("escaped") {
    auto c = parse_config(
        "ldap:\n  uris: ldap://x\n  bind_dn: cn=a,dc=x\n"
        "  bind_password: \"a$${SCOPEGATE_TEST_UNSET}b$c\"\n" +
        tail);
    CHECK(c.ldap.bind_password == "a${SCOPEGATE_TEST_UNSET}b$c");
  }
  SUBCASE("unterminated") {
    auto e = error_of("ldap:\n  uris: ldap://x\n  bind_dn: \"cn=${oops\"\n" + tail);
    CHECK(e.key_path() == "ldap.bind_dn");
  }
  SUBCASE("expanded value is type checked") {
    setenv("SCOPEGATE_TEST_PORT", "eighty", 1);
    auto e = error_of("listen:\n  port: ${SCOPEGATE_TEST_PORT}\n" + kMinimal);
    CHECK(e.key_path() == "listen.port");
    CHECK(e.message() == "expected an integer between 0 and 65535, got \"eighty\"");
  }
}

TEST_CASE("load_config") {
  SUBCASE("reads a file and names it in errors") {
    temp_file good(kMinimal);
    auto c = load_config(good.path.string());
    CHECK(c.customers.base_dn == "ou=customers,dc=example,dc=com");

    temp_file bad(kMinimal + "  max_results: 0\n");
    try {
      (void)load_config(bad.path.string());
      FAIL("expected an error");
    } catch (const config_error& e) {
      CHECK(e.origin() == bad.path.string());
      CHECK(std::string(e.what()).starts_with(bad.path.string() + ":10: customers.max_results: "));
    }
  }
  SUBCASE("missing file") {
    try {
      (void)load_config("/nonexistent/scopegate.yaml");
      FAIL("expected an error");
    } catch (const config_error& e) {
      CHECK(e.key_path() == "");
      CHECK(e.line() == 0);
      CHECK(std::string(e.what()) ==
            "/nonexistent/scopegate.yaml: cannot read configuration file: No such file or "
            "directory");
    }
  }
  SUBCASE("directory") {
    CHECK_THROWS_AS((void)load_config(std::filesystem::temp_directory_path().string()),
                    config_error);
  }
  SUBCASE("the complete example in docs/configuration.md is valid") {
    std::ifstream in(repo_file("docs/configuration.md"));
    std::string doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto section = doc.find("## Complete example");
    REQUIRE(section != std::string::npos);
    auto start = doc.find("```yaml\n", section);
    REQUIRE(start != std::string::npos);
    start += 8;
    auto end = doc.find("```", start);
    REQUIRE(end != std::string::npos);
    setenv("SCOPEGATE_LDAP_PASSWORD", "example", 1);
    auto c = parse_config(doc.substr(start, end - start), "configuration.md");
    CHECK(c.customers.fields.size() == 6);
    CHECK(c.agents.partner_attribute == "scopegatePartnerId");
  }
  SUBCASE("the shipped example is valid") {
    auto path = repo_file("scopegate.example.yaml");
    if (std::filesystem::exists(path)) {
      setenv("SCOPEGATE_LDAP_PASSWORD", "example", 1);
      auto c = load_config(path);
      CHECK(c.customers.fields.size() == 6);
      CHECK(c.scope.bypass_groups.size() == 1);
    }
  }
}

TEST_CASE("customers.index: memory or ldap; staleness a bounded non-negative integer") {
  CHECK(parse_config(kMinimal + "  index: memory\n").customers.index == customer_index::memory);
  CHECK(parse_config(kMinimal + "  index: ldap\n").customers.index == customer_index::ldap);
  auto e = error_of(kMinimal + "  index: disk\n");
  CHECK(e.key_path() == "customers.index");
  CHECK(e.message().find("memory") != std::string::npos);
  CHECK(error_of(kMinimal + "  index_max_staleness_seconds: -1\n").key_path() ==
        "customers.index_max_staleness_seconds");
  CHECK(error_of(kMinimal + "  index_max_staleness_seconds: 100000\n").key_path() ==
        "customers.index_max_staleness_seconds");
  CHECK(error_of(kMinimal + "  index_max_staleness_seconds: soon\n").key_path() ==
        "customers.index_max_staleness_seconds");
  CHECK(parse_config(kMinimal + "  index_max_staleness_seconds: 0\n")
            .customers.index_max_staleness_seconds == 0);
}

TEST_CASE("contact protection defaults") {
  auto c = parse_config(kMinimal);
  CHECK(c.agents.contact_visibility_attribute == "scopegateContactVisibility");
  CHECK(c.agents.daily_limit_attribute == "scopegateDailyRevealLimit");
  CHECK(c.masking.enabled);
  CHECK(c.masking.fields == std::vector<std::string>{"email", "phone"});
  CHECK(c.masking.style == mask_style::redact);
  CHECK(c.masking.visible_to_groups.empty());
  CHECK(c.reveal.daily_limit == 10);
  CHECK(c.reveal.timezone == "UTC");
  CHECK(c.reveal.notify_email.empty());
  CHECK(c.reveal.database_path.empty());
  CHECK(c.reveal.retention_days == 365);
  CHECK(c.reveal.purge_interval_seconds == 3600);
  CHECK(c.smtp.url.empty());
  CHECK(c.smtp.timeout_ms == 10'000);
  CHECK(c.smtp.attempts == 3);
  CHECK_FALSE(c.smtp.starttls);
}

TEST_CASE("contact protection sections") {
  auto c = parse_config(kMinimal + R"(  fields:
    login: uid
    customer_id: scopegateCustomerId
    name: cn
    email: mail
    mobile: mobile
    fax: facsimileTelephoneNumber
masking:
  enabled: false
  fields: [fax, email]
  style: partial
  visible_to_groups: ["cn=viewers,ou=groups,dc=example,dc=com"]
reveal:
  daily_limit: 0
  timezone: Europe/Berlin
  notify_email: security@example.com
  database_path: /var/lib/scopegate/reveals.db
  retention_days: 30
  purge_interval_seconds: 60
  dashboard_url: https://gw.example.com/
smtp:
  url: smtp://mail.example.com:587
  username: gw
  password: pw
  starttls: true
  from: scopegate@example.com
  timeout_ms: 5000
  attempts: 5
  retry_backoff_ms: 100
)");
  CHECK_FALSE(c.masking.enabled);
  CHECK(c.masking.fields == std::vector<std::string>{"fax", "email"});
  CHECK(c.masking.style == mask_style::partial);
  CHECK(c.masking.visible_to_groups.size() == 1);
  CHECK(c.reveal.daily_limit == 0);
  CHECK(c.reveal.timezone == "Europe/Berlin");
  CHECK(c.reveal.notify_email == "security@example.com");
  CHECK(c.reveal.dashboard_url == "https://gw.example.com");
  CHECK(c.reveal.retention_days == 30);
  CHECK(c.smtp.starttls);
  CHECK(c.smtp.password == "pw");
  CHECK(c.smtp.attempts == 5);
  CHECK(describe(c).find("pw\n") == std::string::npos);

  // Default masked fields follow what customers.fields has.
  auto d = parse_config(kMinimal + R"(  fields:
    login: uid
    email: mail
    mobile: mobile
)");
  CHECK(d.masking.fields == std::vector<std::string>{"email", "mobile"});
}

TEST_CASE("contact protection errors") {
  CHECK(error_of(kMinimal + "masking:\n  fields: [fax]\n").message().find("no field \"fax\"") !=
        std::string::npos);
  CHECK(error_of(kMinimal + "masking:\n  fields: [login]\n").message().find("cannot be masked") !=
        std::string::npos);
  CHECK(error_of(kMinimal + "masking:\n  fields: [email, email]\n").message().find("twice") !=
        std::string::npos);
  CHECK(error_of(kMinimal + "masking:\n  style: blur\n").key_path() == "masking.style");
  CHECK(error_of(kMinimal + "masking:\n  visible_to_groups: [viewers]\n").key_path() ==
        "masking.visible_to_groups[0]");
  CHECK(error_of(kMinimal + "reveal:\n  timezone: Mars/Olympus\n")
            .message()
            .find("unknown time zone") != std::string::npos);
  CHECK(error_of(kMinimal + "reveal:\n  timezone: ../../etc/passwd\n").key_path() ==
        "reveal.timezone");
  CHECK(error_of(kMinimal + "reveal:\n  daily_limit: -1\n").key_path() == "reveal.daily_limit");
  CHECK(error_of(kMinimal + "reveal:\n  notify_email: not-an-address\n").key_path() ==
        "reveal.notify_email");
  CHECK(error_of(kMinimal + "reveal:\n  dashboard_url: ftp://x\n").key_path() ==
        "reveal.dashboard_url");
  CHECK(error_of(kMinimal + "reveal:\n  notify_email: a@b.c\n").key_path() == "smtp.url");
  CHECK(
      error_of(kMinimal + "reveal:\n  notify_email: a@b.c\nsmtp:\n  url: smtp://x\n").key_path() ==
      "smtp.from");
  CHECK(error_of(kMinimal + "smtp:\n  url: http://x\n").key_path() == "smtp.url");
  CHECK(error_of(kMinimal + "smtp:\n  url: smtps://x\n  starttls: true\n").key_path() ==
        "smtp.starttls");
  CHECK(error_of(kMinimal + "smtp:\n  password: x\n").message().find("username") !=
        std::string::npos);
  CHECK(error_of(kMinimal + "smtp:\n  attempts: 0\n").key_path() == "smtp.attempts");
  CHECK(error_of(kMinimal + "agents2: {}\n").message().find("unknown key") != std::string::npos);
}

TEST_CASE("admin section: defaults, values and validation") {
  SUBCASE("defaults") {
    auto c = parse_config(kMinimal);
    CHECK(c.admin.group_dns.empty());
    CHECK(c.admin.member_attribute == "member");
    CHECK(c.admin.session_idle_minutes == 30);
    CHECK(c.admin.session_max_hours == 8);
    CHECK(c.admin.history_database_path.empty());
    CHECK(c.admin.login_attempts_per_minute == 5);
    CHECK_FALSE(c.admin.secure_cookie);
    CHECK(c.admin.partner_object_classes == std::vector<std::string>{"scopegatePartner"});
  }
  SUBCASE("values") {
    auto c = parse_config(kMinimal + R"(admin:
  group_dns: ["cn=admins,ou=groups,dc=example,dc=com", "cn=leads,dc=example,dc=com"]
  member_attribute: uniqueMember
  session_idle_minutes: 10
  session_max_hours: 2
  history_database_path: /tmp/h.sqlite
  login_attempts_per_minute: 3
  secure_cookie: true
  partner_object_classes: [groupOfNames, extensibleObject]
)");
    CHECK(c.admin.group_dns.size() == 2);
    CHECK(c.admin.member_attribute == "uniqueMember");
    CHECK(c.admin.session_idle_minutes == 10);
    CHECK(c.admin.session_max_hours == 2);
    CHECK(c.admin.history_database_path == "/tmp/h.sqlite");
    CHECK(c.admin.login_attempts_per_minute == 3);
    CHECK(c.admin.secure_cookie);
    CHECK(c.admin.partner_object_classes.size() == 2);
  }
  SUBCASE("errors") {
    CHECK(error_of(kMinimal + "admin:\n  group_dns: [not-a-dn]\n").key_path() ==
          "admin.group_dns[0]");
    CHECK(error_of(kMinimal + "admin:\n  session_idle_minutes: 0\n").key_path() ==
          "admin.session_idle_minutes");
    CHECK(error_of(kMinimal + "admin:\n  login_attempts_per_minute: 0\n").key_path() ==
          "admin.login_attempts_per_minute");
    CHECK(error_of(kMinimal + "admin:\n  member_attribute: \"bad attr\"\n").key_path() ==
          "admin.member_attribute");
    CHECK(error_of(kMinimal + "admin:\n  session_idle_minutes: 600\n  session_max_hours: 1\n")
              .key_path() == "admin.session_idle_minutes");
    CHECK(error_of(kMinimal + "admin:\n  partner_object_classes: []\n").key_path() ==
          "admin.partner_object_classes");
    CHECK(error_of(kMinimal + "admin:\n  sesion_max_hours: 3\n").message().find("did you mean") !=
          std::string::npos);
  }
}

TEST_CASE("access modes, writes and creator scope") {
  auto c = parse_config(
      "access:\n  default_mode: edit\n  group_modes:\n"
      "    - group: cn=ed,dc=example,dc=com\n      mode: edit_export\n"
      "scope:\n  creator_only_groups: [\"cn=fw,dc=example,dc=com\"]\n"
      "  fieldworkers_see_all_customers: yes\n" +
      kMinimal);
  CHECK(c.access.default_mode == access_mode::edit);
  REQUIRE(c.access.group_modes.size() == 1);
  CHECK(c.access.group_modes[0].mode == access_mode::edit_export);
  CHECK(c.scope.creator_only_groups.size() == 1);
  CHECK(c.scope.fieldworkers_see_all_customers);
  CHECK(parse_config(kMinimal).access.default_mode == access_mode::view_only);

  auto bad_mode = error_of("access:\n  default_mode: admin\n" + kMinimal);
  CHECK(bad_mode.key_path() == "access.default_mode");
  auto bad_group = error_of("access:\n  group_modes:\n    - mode: full\n" + kMinimal);
  CHECK(bad_group.key_path() == "access.group_modes[0].group");
  CHECK(parse_access_mode("edit_import") == access_mode::edit_import);
  CHECK_FALSE(parse_access_mode("Full"));
}

TEST_CASE("editable fields must name configured fields, never the login") {
  auto c = parse_config(kMinimal + "  editable_fields: [name, email]\n");
  CHECK(c.customers.editable_fields == std::vector<std::string>{"name", "email"});
  CHECK(error_of(kMinimal + "  editable_fields: [nope]\n").key_path() ==
        "customers.editable_fields[0]");
  CHECK(error_of(kMinimal + "  editable_fields: [login]\n").key_path() ==
        "customers.editable_fields[0]");
}
