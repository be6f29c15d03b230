// A small directory exercising every scoping rule, and a running gateway in front of it.
#pragma once

#include <boost/json.hpp>
#include <memory>
#include <set>
#include <string>

#include "config/config.hpp"
#include "gateway/service.hpp"
#include "policy/clock.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/slapd.hpp"

namespace scopegate::testing {

// Customers (uid: customer ID):
//   alice:C1  bob:C2  carol:C3  dave:"C*)(x" (filter metacharacters)  eve:C1 (non-ASCII cn)
//   frank:C9 (no partner has C9)  mallory:C2 (cn "*)(uid=*")
// Partners: p-one {C1,C2}; p-two {C3,"C*)(x"} with member uid=amember; p-empty {}
// Agents (password "<uid>-pw"): a1 [p-one], a2 [p-two], a12 [p-one,p-two], a0 [],
//   aghost [nope], aempty [p-empty], amember [] (member of p-two), owner [] (owners group)
std::string scenario_ldif(bool with_partners = true);

// The dashboard admins' group of the scenario (owner is its member), and scenario_ldif()
// with it.
inline const std::string k_scenario_admins = "cn=scopegate-admins,ou=groups,dc=example,dc=com";
std::string admin_ldif();

// YAML for a gateway on port 0 in front of `uri`; `extra` is appended (overrides nothing:
// use it for sections not given here).
std::string scenario_yaml(const std::string& uri, const std::string& scope_section = "",
                          const std::string& partners_extra = "", const std::string& extra = "");

// slapd + gateway, both running.
struct running_gateway {
  // `clock`: reveal days and retention run on it (the system clock when null).
  explicit running_gateway(const std::string& ldif, const std::string& yaml_for_uri_marker,
                           std::shared_ptr<const policy::clock> clock = nullptr);
  ~running_gateway();
  std::string url(const std::string& path) const;
  // The JSON body of a GET as `user` (login:password); fails the test on a non-JSON body.
  boost::json::value get_json(const std::string& path, const std::string& user,
                              long expect_status = 200) const;
  // Logins returned by a customer search.
  std::set<std::string> logins(const std::string& path, const std::string& user) const;
  // Polls /readyz until it answers `status` or `seconds` pass.
  bool wait_ready(long status, double seconds) const;

  std::unique_ptr<slapd> ldap;
  std::unique_ptr<gateway::service> svc;
};

inline std::string pw(const std::string& login) {
  return login + ":" + login + "-pw";
}

// A logged-in dashboard client: keeps the session cookie and the CSRF token.
struct admin_client {
  const running_gateway& gw;
  std::string cookie;
  std::string csrf;

  http_reply login(const std::string& login, const std::string& password);
  http_reply call(const std::string& method, const std::string& path, const std::string& body = "",
                  std::vector<std::string> headers = {}, bool with_csrf = true) const;
  boost::json::value get(const std::string& path, long expect = 200) const;
};

// `method path` as `user` ("login:password") logged into the dashboard: a session is opened
// for the call; when the login is refused, that refusal is the reply. Empty user: no session.
http_reply admin_call(const running_gateway& gw, const std::string& method, const std::string& path,
                      const std::string& user, const std::string& body = "");

}  // namespace scopegate::testing
