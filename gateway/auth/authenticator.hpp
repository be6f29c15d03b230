// Who is calling: HTTP Basic verified by an LDAP bind as the agent's own entry, or a trusted
// helpdesk (API key + allowed network) naming the agent in X-Scopegate-Agent.
//
// Unknown login, wrong password and ambiguous login all give `unauthorized` (the client
// cannot tell them apart); a directory that cannot answer gives `unavailable`.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "config/cidr.hpp"
#include "gateway/http/server.hpp"
#include "mapping/directory.hpp"

namespace scopegate::gateway {

enum class auth_status { ok, unauthorized, unavailable };

struct auth_result {
  auth_status status = auth_status::unauthorized;
  std::optional<mapping::agent> agent;
  std::string via;         // "basic" or "client:<name>"
  std::string login_hint;  // canonical login as presented (for logs), may be empty
};

// Canonical form of a presented login: trimmed, case folded per config. nullopt when empty,
// too long, or containing control characters (such a login can never authenticate).
[[nodiscard]] std::optional<std::string> canonical_login(std::string_view raw,
                                                         config::case_rule rule);

// Lowercase hex SHA-256 of `data`.
[[nodiscard]] std::string sha256_hex(std::string_view data);

// Constant-time equality for secrets.
[[nodiscard]] bool secrets_equal(std::string_view a, std::string_view b);

class authenticator {
 public:
  authenticator(mapping::directory& dir, const config::auth_config& cfg, int agent_cache_seconds);

  [[nodiscard]] net::awaitable<auth_result> authenticate(const request& req,
                                                         const connection_info& conn);
  // Forgets cached agent entries (their partner attributes may have changed).
  void forget_agents();

 private:
  net::awaitable<auth_result> basic(std::string_view credentials);
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
  std::mutex mutex_;
  std::unordered_map<std::string, cached_bind> binds_;    // salted hash -> login
  std::unordered_map<std::string, cached_agent> agents_;  // login -> entry
};

}  // namespace scopegate::gateway
