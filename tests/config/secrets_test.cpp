// Passwords, ${VAR} expansion and loading files; secrets never reach errors.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "config/config.hpp"
#include "tests/config/config_test_support.hpp"

using namespace scopegate::config;
using namespace scopegate::config::testing;

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
    // The value is not echoed (a variable may hold a secret); the text as written is.
    CHECK(e.message() ==
          "expected an integer between 0 and 65535, got \"${SCOPEGATE_TEST_PORT}\" (its value "
          "from the environment is not shown)");
    CHECK(std::string(e.what()).find("eighty") == std::string::npos);
  }
}

TEST_CASE("values from ${VAR} never appear in errors") {
  // A secret put into the wrong key by mistake must not end up in logs via the error.
  setenv("SCOPEGATE_TEST_SECRET", "Tr0ub4dor&3", 1);
  const std::string secret = "Tr0ub4dor&3";
  struct row {
    std::string yaml;
    std::string path;
  };
  const row rows[] = {
      {"listen:\n  port: ${SCOPEGATE_TEST_SECRET}\n" + kMinimal, "listen.port"},
      {"listen:\n  address: \"${SCOPEGATE_TEST_SECRET}\"\n" + kMinimal, "listen.address"},
      {"listen:\n  trusted_proxies: [\"${SCOPEGATE_TEST_SECRET}\"]\n" + kMinimal,
       "listen.trusted_proxies[0]"},
      {"log:\n  level: ${SCOPEGATE_TEST_SECRET}\n" + kMinimal, "log.level"},
      {"log:\n  access_log: ${SCOPEGATE_TEST_SECRET}\n" + kMinimal, "log.access_log"},
      {"ldap:\n  uris: \"${SCOPEGATE_TEST_SECRET}\"\n" + kRest, "ldap.uris"},
      {"ldap:\n  uris: ldap://x\n  bind_dn: \"${SCOPEGATE_TEST_SECRET}\"\n" + kRest,
       "ldap.bind_dn"},
      {kMinimal + "  login_attribute: \"${SCOPEGATE_TEST_SECRET}\"\n", "customers.login_attribute"},
      {kMinimal + "  filter: \"${SCOPEGATE_TEST_SECRET}\"\n", "customers.filter"},
      {kMinimal + "  editable_fields: [\"${SCOPEGATE_TEST_SECRET}\"]\n",
       "customers.editable_fields[0]"},
      {kMinimal + "scope:\n  bypass_groups: [\"${SCOPEGATE_TEST_SECRET}\"]\n",
       "scope.bypass_groups[0]"},
      {kMinimal + "reveal:\n  notify_email: \"${SCOPEGATE_TEST_SECRET}\"\n", "reveal.notify_email"},
      {kMinimal + "reveal:\n  timezone: \"${SCOPEGATE_TEST_SECRET}\"\n", "reveal.timezone"},
      {kMinimal + "smtp:\n  url: \"${SCOPEGATE_TEST_SECRET}\"\n", "smtp.url"},
      {kMinimal + "smtp:\n  from: \"${SCOPEGATE_TEST_SECRET}\"\n", "smtp.from"},
      {kMinimal + "masking:\n  fields: [\"${SCOPEGATE_TEST_SECRET}\"]\n", "masking.fields[0]"},
      {"ldap:\n  uris: ldap://x\n  bind_dn: cn=a,dc=x\n"
       "  bind_password_file: \"/nonexistent/${SCOPEGATE_TEST_SECRET}\"\n" +
           kRest,
       "ldap.bind_password_file"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.yaml);
    auto e = error_of(r.yaml);
    CHECK(e.key_path() == r.path);
    CHECK(std::string(e.what()).find(secret) == std::string::npos);
    CHECK(std::string(e.what()).find("${SCOPEGATE_TEST_SECRET}") != std::string::npos);
  }

  SUBCASE("a CIDR with host bits gets no suggestion when it came from the environment") {
    setenv("SCOPEGATE_TEST_NET", "10.1.2.3/8", 1);
    auto e = error_of("listen:\n  trusted_proxies: [\"${SCOPEGATE_TEST_NET}\"]\n" + kMinimal);
    CHECK(e.message().find("host bits") != std::string::npos);
    CHECK(e.message().find("10.") == std::string::npos);
  }
  SUBCASE("the same mistakes written in the file are quoted, to help") {
    auto e = error_of("listen:\n  port: eighty\n" + kMinimal);
    CHECK(e.message().find("\"eighty\"") != std::string::npos);
  }
}

TEST_CASE("password file contents never appear in errors") {
  temp_file f("s3cr3t-in-file\n");
  // smtp: a password without a username is refused; the message must not carry it.
  auto e =
      error_of(kMinimal + "smtp:\n  url: smtp://x\n  password_file: " + f.path.string() + "\n");
  CHECK(e.key_path() == "smtp.password_file");
  CHECK(std::string(e.what()).find("s3cr3t") == std::string::npos);
  auto e2 =
      error_of("ldap:\n  uris: ldap://x\n  bind_password_file: " + f.path.string() + "\n" + kRest);
  CHECK(e2.key_path() == "ldap.bind_password_file");
  CHECK(std::string(e2.what()).find("s3cr3t") == std::string::npos);
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
