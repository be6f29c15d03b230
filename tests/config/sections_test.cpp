// Contact protection, admin, access modes and customer index sections.
#include <doctest/doctest.h>

#include "config/config.hpp"
#include "tests/config/config_test_support.hpp"

using namespace scopegate::config;
using namespace scopegate::config::testing;

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
  secure_cookie: true
  partner_object_classes: [groupOfNames, extensibleObject]
)");
    CHECK(c.admin.group_dns.size() == 2);
    CHECK(c.admin.member_attribute == "uniqueMember");
    CHECK(c.admin.session_idle_minutes == 10);
    CHECK(c.admin.session_max_hours == 2);
    CHECK(c.admin.history_database_path == "/tmp/h.sqlite");
    CHECK(c.admin.secure_cookie);
    CHECK(c.admin.partner_object_classes.size() == 2);
  }
  SUBCASE("errors") {
    CHECK(error_of(kMinimal + "admin:\n  group_dns: [not-a-dn]\n").key_path() ==
          "admin.group_dns[0]");
    CHECK(error_of(kMinimal + "admin:\n  session_idle_minutes: 0\n").key_path() ==
          "admin.session_idle_minutes");
    // The dashboard's old throttle key names its replacement (one throttle for every way in).
    auto moved = error_of(kMinimal + "admin:\n  login_attempts_per_minute: 5\n");
    CHECK(moved.key_path() == "admin.login_attempts_per_minute");
    CHECK(moved.message().find("auth.failed_attempts_per_minute") != std::string::npos);
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

TEST_CASE("ops.metrics_networks: loopback by default, canonical CIDRs, bad ones refused") {
  CHECK(parse_config(kMinimal).ops.metrics_networks ==
        std::vector<std::string>{"127.0.0.0/8", "::1/128"});
  CHECK(parse_config("ops:\n  metrics_networks: [10.0.0.0/8, \"2001:DB8::/32\", 192.0.2.7]\n" +
                     kMinimal)
            .ops.metrics_networks ==
        std::vector<std::string>{"10.0.0.0/8", "2001:db8::/32", "192.0.2.7/32"});
  // An empty list closes /metrics to everyone.
  CHECK(parse_config("ops:\n  metrics_networks: []\n" + kMinimal).ops.metrics_networks.empty());

  auto e = error_of("ops:\n  metrics_networks: [10.0.0.0/33]\n" + kMinimal);
  CHECK(e.key_path() == "ops.metrics_networks[0]");
  CHECK(e.message().find("prefix length") != std::string::npos);
  e = error_of("ops:\n  metrics_networks: [127.0.0.0/8, localhost]\n" + kMinimal);
  CHECK(e.key_path() == "ops.metrics_networks[1]");
  CHECK(e.message().find("expected a CIDR") != std::string::npos);
  e = error_of("ops:\n  metrics_network: [127.0.0.1]\n" + kMinimal);
  CHECK(e.message().find("did you mean \"metrics_networks\"") != std::string::npos);
}

TEST_CASE("customers.login_prefix: default, value, validation") {
  CHECK(parse_config(kMinimal).customers.login_prefix == "c-");
  CHECK(parse_config(kMinimal + "  login_prefix: cust.\n").customers.login_prefix == "cust.");
  CHECK(parse_config(kMinimal + "  login_prefix: \"\"\n").customers.login_prefix.empty());
  CHECK(error_of(kMinimal + "  login_prefix: \"a,b\"\n").key_path() == "customers.login_prefix");
  CHECK(error_of(kMinimal + "  login_prefix: " + std::string(33, 'x') + "\n").key_path() ==
        "customers.login_prefix");
}
