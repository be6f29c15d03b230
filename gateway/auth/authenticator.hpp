// Who is calling: HTTP Basic verified by an LDAP bind as the agent's own entry, or a trusted
// helpdesk (API key + allowed network) naming the agent in X-Scopegate-Agent.
//
// Unknown login, wrong password and ambiguous login all give `unauthorized` (the client
// cannot tell them apart, not even by the time: an unknown login costs a bind too); a
// directory that cannot answer gives `unavailable`; too many failed attempts for the login
// or the client address give `throttled` without asking the directory.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "config/cidr.hpp"
#include "gateway/auth/login_throttle.hpp"
#include "gateway/http/server.hpp"
#include "mapping/directory.hpp"
#include "mapping/login_name.hpp"

namespace scopegate::gateway {

enum class auth_status { ok, unauthorized, unavailable, throttled };

struct auth_result {
  auth_status status = auth_status::unauthorized;
  std::optional<mapping::agent> agent;  // with ok: known by its stored login
  std::string via;                      // "basic" or "client:<name>"
  int retry_after_seconds = 0;          // with throttled
};

// Canonical form of a login (mapping/login_name.hpp): what clients type and what entries
// store are compared in this form only.
using mapping::canonical_login;

// May `password` be sent to the directory at all? Not when empty (an anonymous bind that
// "succeeds"), whitespace only, or containing NUL.
[[nodiscard]] bool acceptable_password(std::string_view password);

// Lowercase hex SHA-256 of `data`.
[[nodiscard]] std::string sha256_hex(std::string_view data);

// Constant-time equality for secrets.
[[nodiscard]] bool secrets_equal(std::string_view a, std::string_view b);

class authenticator {
 public:
  authenticator(mapping::directory& dir, const config::auth_config& cfg, int agent_cache_seconds);

  // `client_address`: the address throttling counts (client_address_resolver).
  [[nodiscard]] net::awaitable<auth_result> authenticate(const request& req,
                                                         const connection_info& conn,
                                                         std::string client_address);
  // Directory credentials, the one check of every way in that takes a password (API Basic,
  // dashboard login): throttled, canonicalized, refused before LDAP when unusable, then
  // searched and bound as the entry.
  [[nodiscard]] net::awaitable<auth_result> verify_password(std::string raw_login,
                                                            std::string password,
                                                            std::string client_address);
  login_throttle& throttle() { return throttle_; }
  // Forgets cached agent entries (their partner attributes may have changed).
  void forget_agents();

 private:
  net::awaitable<auth_result> basic(std::string_view credentials, std::string client_address);
  net::awaitable<auth_result> trusted_client(const request& req, const connection_info& conn);
  net::awaitable<ldap::result<std::optional<mapping::agent>>> lookup_agent(
      const std::string& login);

  struct trusted {
    std::string name;
    std::string key_sha256;
    std::vector<config::cidr> networks;
  };
  struct cached_bind {
    std::string login;
    std::chrono::steady_clock::time_point expires;
  };
  struct cached_agent {
    mapping::agent agent;
    std::chrono::steady_clock::time_point expires;
  };

  mapping::directory& dir_;
  config::auth_config cfg_;
  std::chrono::seconds agent_ttl_;
  std::string salt_;
  std::vector<trusted> clients_;
  std::string nobody_dn_;  // bound for unknown logins, so they take as long as wrong passwords
  login_throttle throttle_;
  std::mutex mutex_;
  std::unordered_map<std::string, cached_bind> binds_;    // salted hash -> typed login
  std::unordered_map<std::string, cached_agent> agents_;  // typed canonical login -> entry
};

}  // namespace scopegate::gateway
