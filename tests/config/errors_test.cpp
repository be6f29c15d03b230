// Error reporting: format, unknown keys, wrong types, ranges, missing keys.
#include <doctest/doctest.h>

#include "config/config.hpp"
#include "tests/config/config_test_support.hpp"

using namespace scopegate::config;
using namespace scopegate::config::testing;

TEST_CASE("error message format: origin, line, key path, problem") {
  auto e = error_of(kMinimal + "  max_results: lots\n");
  CHECK(e.key_path() == "customers.max_results");
  CHECK(e.line() == 10);
  CHECK(std::string(e.what()) ==
        "scopegate.yaml:10: customers.max_results: expected an integer between 1 and 10000000, got "
        "\"lots\"");

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
      {"auth:\n  failed_attempts_per_minute: 0\n", "auth.failed_attempts_per_minute"},
      {"auth:\n  failed_attempts_per_address_per_minute: 0\n",
       "auth.failed_attempts_per_address_per_minute"},
      {"auth:\n  failed_attempts_window_seconds: 3601\n", "auth.failed_attempts_window_seconds"},
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

TEST_CASE("limits that could wrap or fail only at start are refused when the file is read") {
  SUBCASE("max_results near INT_MAX would wrap into no limit") {
    auto e = error_of(kMinimal + "  max_results: 2147483647\n");
    CHECK(e.key_path() == "customers.max_results");
  }
  SUBCASE("header_limit_bytes beyond what the parser can count") {
    auto e = error_of("listen:\n  header_limit_bytes: 4294967297\n" + kMinimal);
    CHECK(e.key_path() == "listen.header_limit_bytes");
  }
  SUBCASE("a host name cannot be bound") {
    auto e = error_of("listen:\n  address: gateway.example.com\n" + kMinimal);
    CHECK(e.key_path() == "listen.address");
    CHECK(e.message().find("IP address") != std::string::npos);
  }
  SUBCASE("IPv4 and IPv6 literals are fine") {
    CHECK(parse_config("listen:\n  address: \"::\"\n" + kMinimal, "x").listen.address == "::");
    CHECK(parse_config("listen:\n  address: 10.1.2.3\n" + kMinimal, "x").listen.address ==
          "10.1.2.3");
  }
}

TEST_CASE("more than one YAML document is an error naming where the second starts") {
  auto e = error_of(kMinimal + "---\nlog:\n  level: info\n");
  CHECK(e.message() == "expected one YAML document, found more than one");
  CHECK(e.line() > 1);
}

TEST_CASE("streams on which yaml-cpp 0.7's LoadAll never returns are refused at once") {
  // The parser reports an empty document forever for these; loading them used to hang and
  // grow memory until the process died (found by tests/fuzz config_yaml).
  for (std::string text :
       {std::string(",\n"), std::string(",i\0\0\x7f}\xab\"\xaa\xb9o\xfet:\xd7 a[ \n", 20)}) {
    auto e = error_of(text);
    CHECK(e.message().find("invalid YAML") != std::string::npos);
  }
}
