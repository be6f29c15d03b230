// Dashboard sessions: who is logged in to /admin, their CSRF tokens, idle and absolute
// expiry (the failed-login throttle is login_throttle, shared with API Basic). `require_admin` is
// the one check every admin handler calls before doing anything.
//
//   auto gate = require_admin(sessions, req);
//   if (auto* refused = std::get_if<response>(&gate)) co_return std::move(*refused);
//   const admin_principal& who = std::get<admin_principal>(gate);
//
// Session and CSRF tokens are 256 random bits; sessions are looked up by the SHA-256 of
// the token and the CSRF token is compared in constant time. Thread-safe.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <variant>

#include "config/config.hpp"
#include "gateway/http/server.hpp"

namespace scopegate::gateway {

// The session cookie: over HTTPS (or with admin.secure_cookie, TLS in front) it is `Secure`
// and `__Host-`-prefixed, so a browser only accepts it from a secure origin with Path=/ and
// no Domain; over plain HTTP it has the bare name and Path=/admin.
inline constexpr std::string_view k_session_cookie = "scopegate_session";
inline constexpr std::string_view k_secure_session_cookie = "__Host-scopegate_session";
inline constexpr std::string_view k_csrf_header = "X-CSRF-Token";

struct admin_principal {
  std::string login;
  std::string dn;
  std::string name;
  std::string csrf_token;
  std::chrono::system_clock::time_point expires_at;  // the earlier of idle and absolute
};

struct new_session {
  std::string token;  // the cookie value; never stored
  admin_principal who;
};

class admin_sessions {
 public:
  using clock = std::chrono::steady_clock;
  explicit admin_sessions(const config::admin_config& cfg);

  [[nodiscard]] new_session create(std::string login, std::string dn, std::string name);
  // The session for `token`, refreshed (idle timer restarted); nullopt when unknown or
  // expired (an expired session is removed).
  [[nodiscard]] std::optional<admin_principal> find(std::string_view token);
  void remove(std::string_view token);
  [[nodiscard]] std::size_t count() const;

  // Whether cookies on `conn` are Secure and __Host- (the connection is TLS, or
  // admin.secure_cookie says TLS terminates in front of the gateway).
  [[nodiscard]] bool secure_cookies(const connection_info& conn) const;
  // The session cookie's name on `conn`; a session is only read from that name.
  [[nodiscard]] std::string_view cookie_name(const connection_info& conn) const;
  // The Set-Cookie value for a new session / for logging out.
  [[nodiscard]] std::string cookie(std::string_view token, const connection_info& conn) const;
  [[nodiscard]] std::string clearing_cookie(const connection_info& conn) const;

  // Moves this object's clock forward (tests of expiry).
  void advance_clock(std::chrono::seconds by);

 private:
  struct session {
    admin_principal who;
    clock::time_point created;
    clock::time_point last_seen;
  };
  clock::time_point now() const;
  bool expired(const session& s, clock::time_point at) const;

  config::admin_config cfg_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, session> sessions_;  // sha256(token) -> session
  clock::duration skew_{};
};

// 32 random bytes, base64url without padding.
[[nodiscard]] std::string random_token();

// The value of cookie `name` in the request's Cookie header(s), or empty.
[[nodiscard]] std::string cookie_value(const request& req, std::string_view name);

// THE authentication of every /admin/api handler: a live session cookie under the name
// `conn` uses (agent Basic credentials never count) and, for any method other than GET/HEAD,
// an X-CSRF-Token header equal to the session's token and a same-origin request
// (gateway/auth/same_origin.hpp). Returns the admin or the problem response to send (401
// no/expired session, 403 CSRF token missing or wrong, 403 cross-origin).
[[nodiscard]] std::variant<admin_principal, response> require_admin(admin_sessions& sessions,
                                                                    const request& req,
                                                                    const connection_info& conn);

}  // namespace scopegate::gateway
