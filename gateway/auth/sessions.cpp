#include "gateway/auth/sessions.hpp"

#include <openssl/rand.h>

#include <stdexcept>

#include "gateway/auth/authenticator.hpp"
#include "gateway/auth/same_origin.hpp"
#include "gateway/http/base64.hpp"
#include "gateway/http/problem.hpp"

namespace scopegate::gateway {

namespace {

constexpr std::size_t k_max_sessions = 10'000;

}  // namespace

std::string random_token() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("no randomness for a token");
  return base64_encode(std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes), true);
}

std::string cookie_value(const request& req, std::string_view name) {
  for (auto it = req.find(http::field::cookie);
       it != req.end() && it->name() == http::field::cookie; ++it) {
    std::string_view rest = it->value();
    while (!rest.empty()) {
      auto semi = rest.find(';');
      auto pair = rest.substr(0, semi);
      rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
      while (!pair.empty() && pair.front() == ' ')
        pair.remove_prefix(1);
      auto eq = pair.find('=');
      if (eq != std::string_view::npos && pair.substr(0, eq) == name)
        return std::string(pair.substr(eq + 1));
    }
  }
  return {};
}

admin_sessions::admin_sessions(const config::admin_config& cfg) : cfg_(cfg) {}

admin_sessions::clock::time_point admin_sessions::now() const {
  return clock::now() + skew_;
}

void admin_sessions::advance_clock(std::chrono::seconds by) {
  std::lock_guard lock(mutex_);
  skew_ += by;
}

bool admin_sessions::expired(const session& s, clock::time_point at) const {
  return at - s.last_seen >= std::chrono::minutes(cfg_.session_idle_minutes) ||
         at - s.created >= std::chrono::hours(cfg_.session_max_hours);
}

new_session admin_sessions::create(std::string login, std::string dn, std::string name) {
  new_session out;
  out.token = random_token();
  out.who = admin_principal{.login = std::move(login),
                            .dn = std::move(dn),
                            .name = std::move(name),
                            .csrf_token = random_token(),
                            .expires_at = {}};
  std::lock_guard lock(mutex_);
  auto at = now();
  if (sessions_.size() >= k_max_sessions)
    std::erase_if(sessions_, [&](const auto& kv) { return expired(kv.second, at); });
  if (sessions_.size() >= k_max_sessions) {
    // Still full: drop the oldest rather than grow without bound.
    auto oldest = std::min_element(sessions_.begin(), sessions_.end(), [](auto& a, auto& b) {
      return a.second.last_seen < b.second.last_seen;
    });
    sessions_.erase(oldest);
  }
  auto idle_end =
      std::chrono::system_clock::now() + std::chrono::minutes(cfg_.session_idle_minutes);
  out.who.expires_at = idle_end;
  sessions_[sha256_hex(out.token)] = session{.who = out.who, .created = at, .last_seen = at};
  return out;
}

std::optional<admin_principal> admin_sessions::find(std::string_view token) {
  if (token.empty() || token.size() > 128) return std::nullopt;
  auto key = sha256_hex(token);
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(key);
  if (it == sessions_.end()) return std::nullopt;
  auto at = now();
  if (expired(it->second, at)) {
    sessions_.erase(it);
    return std::nullopt;
  }
  it->second.last_seen = at;
  auto left = std::min<clock::duration>(
      std::chrono::minutes(cfg_.session_idle_minutes),
      it->second.created + std::chrono::hours(cfg_.session_max_hours) - at);
  auto who = it->second.who;
  who.expires_at = std::chrono::system_clock::now() +
                   std::chrono::duration_cast<std::chrono::system_clock::duration>(left);
  return who;
}

void admin_sessions::remove(std::string_view token) {
  if (token.empty()) return;
  auto key = sha256_hex(token);
  std::lock_guard lock(mutex_);
  sessions_.erase(key);
}

std::size_t admin_sessions::count() const {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

bool admin_sessions::secure_cookies(const connection_info& conn) const {
  return conn.tls || cfg_.secure_cookie;
}

std::string_view admin_sessions::cookie_name(const connection_info& conn) const {
  return secure_cookies(conn) ? k_secure_session_cookie : k_session_cookie;
}

namespace {

// `value` with the attributes every session cookie has; __Host- demands Secure, Path=/ and
// no Domain.
std::string session_cookie(bool secure, std::string_view value, std::string_view max_age) {
  std::string c(secure ? k_secure_session_cookie : k_session_cookie);
  c += "=";
  c += value;
  c += secure ? "; Path=/" : "; Path=/admin";
  c += "; HttpOnly; SameSite=Strict; Max-Age=";
  c += max_age;
  if (secure) c += "; Secure";
  return c;
}

}  // namespace

std::string admin_sessions::cookie(std::string_view token, const connection_info& conn) const {
  return session_cookie(secure_cookies(conn), token, std::to_string(cfg_.session_max_hours * 3600));
}

std::string admin_sessions::clearing_cookie(const connection_info& conn) const {
  return session_cookie(secure_cookies(conn), "", "0");
}

std::variant<admin_principal, response> require_admin(admin_sessions& sessions, const request& req,
                                                      const connection_info& conn) {
  auto who = sessions.find(cookie_value(req, sessions.cookie_name(conn)));
  if (!who)
    return problem(http::status::unauthorized, "admin-login-required",
                   "log in to the dashboard first (agent credentials do not open the admin API)");
  bool safe = req.method() == http::verb::get || req.method() == http::verb::head;
  if (!safe) {
    auto presented = req[k_csrf_header];
    if (presented.empty() || !secrets_equal(presented, who->csrf_token))
      return problem(http::status::forbidden, "csrf-token-invalid",
                     "this change needs the X-CSRF-Token header of your session");
    if (!same_origin_write(req))
      return problem(http::status::forbidden, "cross-origin-request",
                     "this change must come from the dashboard's own origin (a matching "
                     "Origin header, or Sec-Fetch-Site: same-origin)");
  }
  return std::move(*who);
}

}  // namespace scopegate::gateway
