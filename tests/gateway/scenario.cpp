#include "tests/gateway/scenario.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <thread>

namespace scopegate::testing {

namespace {

std::string person(const std::string& ou, const std::string& uid, const std::string& cn,
                   const std::string& extra) {
  return "dn: uid=" + uid + ",ou=" + ou + ",dc=example,dc=com\nobjectClass: inetOrgPerson\n" +
         extra + "uid: " + uid + "\ncn: " + cn + "\nsn: " + uid + "\n";
}

std::string customer(const std::string& uid, const std::string& cn, const std::string& cid) {
  return person("customers", uid, cn, "objectClass: scopegateCustomer\n") +
         "scopegateCustomerId: " + cid + "\nmail: " + uid + "@example.net\n" +
         "telephoneNumber: +49 30 1234 " + std::to_string(uid.size()) + "\n\n";
}

std::string agent(const std::string& uid, std::initializer_list<std::string> partners) {
  std::string s = person("people", uid, "Agent " + uid, "objectClass: scopegateAgent\n") +
                  "userPassword: " + uid + "-pw\n";
  for (const auto& p : partners)
    s += "scopegatePartnerId: " + p + "\n";
  return s + "\n";
}

}  // namespace

std::string admin_ldif() {
  return scenario_ldif() + "dn: " + k_scenario_admins +
         "\nobjectClass: groupOfNames\ncn: scopegate-admins\n"
         "member: uid=owner,ou=people,dc=example,dc=com\n\n";
}

std::string scenario_ldif(bool with_partners) {
  std::string s = base_ldif();
  s += customer("alice", "Alice Adams", "C1");
  s += customer("bob", "Bob Brown", "C2");
  s += customer("carol", "Carol Clark", "C3");
  s += customer("dave", "Dave Dunn", "C*)(x");
  // Base64 in LDIF for the non-ASCII name "Zoë Ünal".
  s += "dn: uid=eve,ou=customers,dc=example,dc=com\nobjectClass: inetOrgPerson\n"
       "objectClass: scopegateCustomer\nuid: eve\ncn:: Wm/DqyDDnG5hbA==\nsn: eve\n"
       "scopegateCustomerId: C1\nmail: eve@example.net\n\n";
  s += customer("frank", "Frank Foster", "C9");
  s += customer("mallory", "*)(uid=*", "C2");
  s += agent("a1", {"p-one"});
  s += agent("a2", {"p-two"});
  s += agent("a12", {"p-one", "p-two"});
  s += agent("a0", {});
  s += agent("aghost", {"nope"});
  s += agent("aempty", {"p-empty"});
  s += agent("amember", {});
  s += agent("owner", {});
  s += "dn: cn=owners,ou=groups,dc=example,dc=com\nobjectClass: groupOfNames\ncn: owners\n"
       "member: uid=owner,ou=people,dc=example,dc=com\n\n";
  if (with_partners) {
    s += "dn: scopegatePartnerId=p-one,ou=partners,dc=example,dc=com\n"
         "objectClass: scopegatePartner\nscopegatePartnerId: p-one\ncn: Partner One\n"
         "scopegateCustomerId: C1\nscopegateCustomerId: C2\n\n";
    s += "dn: scopegatePartnerId=p-two,ou=partners,dc=example,dc=com\n"
         "objectClass: scopegatePartner\nscopegatePartnerId: p-two\ncn: Partner Two\n"
         "scopegateCustomerId: C3\nscopegateCustomerId: C*)(x\n"
         "member: uid=amember,ou=people,dc=example,dc=com\n\n";
    s += "dn: scopegatePartnerId=p-empty,ou=partners,dc=example,dc=com\n"
         "objectClass: scopegatePartner\nscopegatePartnerId: p-empty\ncn: Empty Partner\n\n";
  }
  return s;
}

std::string scenario_yaml(const std::string& uri, const std::string& scope_section,
                          const std::string& partners_extra, const std::string& extra) {
  return R"(listen:
  address: 127.0.0.1
  port: 0
  threads: 2
ldap:
  uris: [")" +
         uri +
         R"("]
  bind_dn: cn=admin,dc=example,dc=com
  bind_password: secret
  pool_size: 2
  timeout_ms: 5000
  connect_timeout_ms: 500
  reconnect_max_backoff_ms: 300
agents:
  base_dn: ou=people,dc=example,dc=com
  partner_attribute: scopegatePartnerId
partners:
  base_dn: ou=partners,dc=example,dc=com
)" + partners_extra +
         R"(customers:
  base_dn: ou=customers,dc=example,dc=com
  search_attributes: [uid, cn]
  fields:
    login: uid
    customer_id: scopegateCustomerId
    name: cn
    email: mail
    phone: telephoneNumber
)" +
         (scope_section.empty()
              ? "scope:\n  bypass_groups: [\"cn=owners,ou=groups,dc=example,dc=com\"]\n"
              : scope_section) +
         "log:\n  level: warn\n" + extra;
}

running_gateway::running_gateway(const std::string& ldif, const std::string& yaml,
                                 std::shared_ptr<const policy::clock> clock) {
  ldap = std::make_unique<slapd>(ldif);
  // The YAML names the URI as @URI@ so callers can write it before slapd has a port.
  std::string text = yaml;
  for (auto pos = text.find("@URI@"); pos != std::string::npos; pos = text.find("@URI@"))
    text.replace(pos, 5, ldap->uri());
  svc =
      std::make_unique<gateway::service>(config::parse_config(text, "test.yaml"), std::move(clock));
  svc->start();
  svc->run_in_background();
  REQUIRE(wait_ready(200, 10));
}

running_gateway::~running_gateway() {
  svc.reset();
  ldap.reset();
}

std::string running_gateway::url(const std::string& path) const {
  const char* scheme = svc->cfg().listen.tls ? "https" : "http";
  return std::string(scheme) + "://127.0.0.1:" + std::to_string(svc->port()) + path;
}

boost::json::value running_gateway::get_json(const std::string& path, const std::string& user,
                                             long expect_status) const {
  // Dashboard resources are reached through a dashboard session, never Basic credentials.
  bool admin = path.starts_with("/admin/api/") && !path.starts_with("/admin/api/v1/session");
  auto r = admin ? admin_call(*this, "GET", path, user) : http_get(url(path), user);
  INFO("GET " << path << " as " << user << " -> " << r.status << " " << r.body);
  CHECK(r.status == expect_status);
  boost::system::error_code ec;
  auto v = boost::json::parse(r.body, ec);
  REQUIRE_FALSE(ec);
  return v;
}

std::set<std::string> running_gateway::logins(const std::string& path,
                                              const std::string& user) const {
  auto v = get_json(path, user);
  std::set<std::string> out;
  for (const auto& item : v.at("items").as_array())
    out.insert(std::string(item.at("login").as_string()));
  return out;
}

bool running_gateway::wait_ready(long status, double seconds) const {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (http_get(url("/readyz")).status == status) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

namespace json = boost::json;

http_reply admin_client::login(const std::string& login, const std::string& password) {
  json::object body;
  body["login"] = login;
  body["password"] = password;
  auto r = http({.method = "POST",
                 .url = gw.url("/admin/api/v1/session"),
                 .headers = {"Content-Type: application/json", "Origin: " + gw.url("")},
                 .body = json::serialize(body),
                 .user = ""});
  if (r.status == 200) {
    auto set_cookie = r.header("set-cookie");
    cookie = set_cookie.substr(0, set_cookie.find(';'));
    csrf = std::string(json::parse(r.body).at("csrf_token").as_string());
  }
  return r;
}

http_reply admin_client::call(const std::string& method, const std::string& path,
                              const std::string& body, std::vector<std::string> headers,
                              bool with_csrf) const {
  if (!cookie.empty()) headers.push_back("Cookie: " + cookie);
  if (with_csrf && !csrf.empty()) headers.push_back("X-CSRF-Token: " + csrf);
  // As the dashboard's own pages do, unless the test sets where the request comes from.
  bool origin_given = false;
  for (const auto& h : headers)
    origin_given = origin_given || h.starts_with("Origin:") || h.starts_with("Sec-Fetch-Site:");
  if (!origin_given) headers.push_back("Origin: " + gw.url(""));
  if (!body.empty() && body.front() == '{') headers.push_back("Content-Type: application/json");
  return http({.method = method,
               .url = gw.url(path),
               .headers = std::move(headers),
               .body = body,
               .user = ""});
}

json::value admin_client::get(const std::string& path, long expect) const {
  auto r = call("GET", path);
  INFO("GET " << path << " -> " << r.status << " " << r.body);
  CHECK(r.status == expect);
  return json::parse(r.body);
}

http_reply admin_call(const running_gateway& gw, const std::string& method, const std::string& path,
                      const std::string& user, const std::string& body) {
  admin_client c{gw};
  if (!user.empty()) {
    auto colon = user.find(':');
    auto r =
        c.login(user.substr(0, colon), colon == std::string::npos ? "" : user.substr(colon + 1));
    if (r.status != 200) return r;
  }
  return c.call(method, path, body);
}

}  // namespace scopegate::testing
