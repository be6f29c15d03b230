// The identity suites' directory and gateway: an agent whose login is not ASCII (jörg, with
// a daily reveal limit of 3), one stored in upper case (MÜLLER), plain agents, an owner who
// may use the dashboard, and an agent whose password is only spaces.
#pragma once

#include "gateway/auth/authenticator.hpp"
#include "tests/gateway/contact_world.hpp"

namespace scopegate::testing::identity {

using contact::agent;
using contact::customer;
using contact::two;

// Spellings of one login that the directory matches to the same entry.
inline const std::string k_jorg = "j\xc3\xb6rg";       // jörg (NFC)
inline const std::string k_jorg_nfd = "jo\xcc\x88rg";  // o + U+0308
inline const std::string k_jorg_wide = "\xef\xbd\x8a\xc3\xb6\xef\xbd\x92\xef\xbd\x87";  // ｊöｒｇ
inline const std::string k_jorg_upper = "J\xc3\x96RG";                                  // JÖRG
inline const std::string k_muller_stored = "M\xc3\x9cLLER";                             // MÜLLER
inline const std::string k_muller_lower = "m\xc3\xbcller";                              // müller
inline const std::string k_desk_key = "desk-secret-key";

inline std::string identity_ldif() {
  std::string s = base_ldif();
  for (int i = 0; i < 12; ++i)
    s += customer("cust" + two(i), "Customer " + two(i), "K1", "c" + two(i) + "@example.org",
                  "+49 30 1000 " + two(i));
  s += agent(k_jorg, "scopegateDailyRevealLimit: 3\n");
  s += agent(k_muller_stored);
  for (const char* a : {"anna", "bert", "owner"})
    s += agent(a);
  // userPassword "   " (base64): a bind with three spaces would succeed.
  s += "dn: uid=blank,ou=people,dc=example,dc=com\nobjectClass: inetOrgPerson\n"
       "objectClass: scopegateAgent\nuid: blank\ncn: Blank\nsn: blank\nuserPassword:: ICAg\n"
       "scopegatePartnerId: p-k\n\n";
  s += "dn: cn=owners,ou=groups,dc=example,dc=com\nobjectClass: groupOfNames\ncn: owners\n"
       "member: uid=owner,ou=people,dc=example,dc=com\n\n";
  s += "dn: scopegatePartnerId=p-k,ou=partners,dc=example,dc=com\n"
       "objectClass: scopegatePartner\nscopegatePartnerId: p-k\ncn: Partner K\n"
       "scopegateCustomerId: K1\n\n";
  return s;
}

struct identity_options {
  std::string login_case = "lower";
  int per_login = 1000;
  int per_address = 1000;
  bool behind_proxy = false;  // listen.trusted_proxies: [127.0.0.1/32]
};

// contact_yaml with the identity settings in place of its own auth section.
inline std::string identity_yaml(const std::string& db, const std::string& smtp_url,
                                 const identity_options& o) {
  std::string y = contact::contact_yaml(db, smtp_url, 1, 10);
  auto replace = [&](const std::string& from, const std::string& to) {
    auto at = y.find(from);
    REQUIRE(at != std::string::npos);
    y.replace(at, from.size(), to);
  };
  replace(
      "auth:\n  failed_attempts_per_minute: 1000\n  failed_attempts_per_address_per_minute: 1000\n",
      "auth:\n  login_case: " + o.login_case +
          "\n  failed_attempts_per_minute: " + std::to_string(o.per_login) +
          "\n  failed_attempts_per_address_per_minute: " + std::to_string(o.per_address) +
          "\n  trusted_clients:\n    - name: desk\n      api_key_sha256: " +
          gateway::sha256_hex(k_desk_key) + "\n      networks: [127.0.0.0/8]\n");
  if (o.behind_proxy)
    replace("  threads: 2\n", "  threads: 2\n  trusted_proxies: [127.0.0.1/32]\n");
  return y;
}

struct identity_gateway {
  contact::temp_dir dir;
  smtp_sink smtp;
  std::unique_ptr<running_gateway> gw;
  explicit identity_gateway(const identity_options& o = {}) {
    gw = std::make_unique<running_gateway>(identity_ldif(),
                                           identity_yaml(dir.path + "/reveals.db", smtp.url(), o));
  }
  http_reply basic(const std::string& method, const std::string& path, const std::string& user,
                   std::vector<std::string> headers = {}) const {
    return http({.method = method,
                 .url = gw->url(path),
                 .headers = std::move(headers),
                 .body = {},
                 .user = user});
  }
  // POST /admin/api/v1/session, optionally with extra headers (X-Forwarded-For).
  http_reply dashboard_login(const std::string& login, const std::string& password,
                             std::vector<std::string> headers = {}) const {
    boost::json::object body;
    body["login"] = login;
    body["password"] = password;
    headers.push_back("Content-Type: application/json");
    return http({.method = "POST",
                 .url = gw->url("/admin/api/v1/session"),
                 .headers = std::move(headers),
                 .body = boost::json::serialize(body),
                 .user = ""});
  }
  long binds() const { return gw->ldap->completed_binds(); }
};

}  // namespace scopegate::testing::identity
