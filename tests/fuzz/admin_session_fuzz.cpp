// Dashboard session cookie and CSRF token checks (gateway/auth/sessions.hpp) on arbitrary
// request heads. Input: one flags byte, then lines: the method, then `Name: value` header
// lines. `@S` in a line becomes the live session's token, `@C` its CSRF token, so the
// fuzzer can build requests that hold the real secrets around hostile bytes.
// Flags: bits 0-1 the session's age, bit 2 whether the connection is TLS.
// Property: require_admin admits exactly when the cookie of the connection's kind
// (scopegate_session, or __Host-scopegate_session over TLS, as cookie_value reads it) is the
// live token, the session has not expired, and a method other than GET/HEAD carries
// X-CSRF-Token equal to the session's token and comes from the same origin. cookie_value
// returns a part of a Cookie header or nothing.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "gateway/auth/same_origin.hpp"
#include "gateway/auth/sessions.hpp"

namespace {

using namespace scopegate;
using namespace scopegate::gateway;

void require(bool ok, const char* what) {
  if (!ok) {
    std::printf("property violated: %s\n", what);
    std::abort();
  }
}

std::string substitute(std::string_view line, const std::string& token, const std::string& csrf) {
  std::string out;
  for (std::size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '@' && i + 1 < line.size() && (line[i + 1] == 'S' || line[i + 1] == 'C')) {
      out += line[i + 1] == 'S' ? token : csrf;
      ++i;
    } else {
      out += line[i];
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t flags = data[0];
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);

  config::admin_config cfg;
  admin_sessions sessions(cfg);
  auto live = sessions.create("admin", "uid=admin,ou=people,dc=example,dc=com", "Admin");
  bool fresh = true;
  switch (flags & 3) {
    case 1:  // still inside the idle window
      sessions.advance_clock(std::chrono::minutes(cfg.session_idle_minutes - 1));
      break;
    case 2:  // idle too long
      sessions.advance_clock(std::chrono::minutes(cfg.session_idle_minutes));
      fresh = false;
      break;
    default:
      break;
  }

  request req;
  bool first = true;
  while (!text.empty()) {
    auto nl = text.find('\n');
    auto line = substitute(text.substr(0, nl), live.token, live.who.csrf_token);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (first) {
      req.method_string(line);
      first = false;
      continue;
    }
    auto colon = line.find(':');
    if (colon == std::string::npos || colon == 0) continue;
    std::string_view value(line);
    value.remove_prefix(colon + 1);
    while (!value.empty() && value.front() == ' ')
      value.remove_prefix(1);
    req.insert(std::string_view(line).substr(0, colon), value);
  }

  connection_info conn;
  conn.tls = (flags & 4) != 0;
  const std::string cookie = cookie_value(req, sessions.cookie_name(conn));
  if (!cookie.empty()) {
    bool inside = false;
    for (auto it = req.find(http::field::cookie);
         it != req.end() && it->name() == http::field::cookie; ++it)
      inside = inside || it->value().find(cookie) != std::string_view::npos;
    require(inside, "cookie_value returns part of a Cookie header");
  }
  const bool safe = req.method() == http::verb::get || req.method() == http::verb::head;
  const bool should_admit = cookie == live.token && fresh &&
                            (safe || (req[k_csrf_header] == std::string_view(live.who.csrf_token) &&
                                      same_origin_write(req)));
  auto gate = require_admin(sessions, req, conn);
  const auto* who = std::get_if<admin_principal>(&gate);
  require((who != nullptr) == should_admit,
          "admitted exactly with the live token of the connection's cookie, unexpired, and the "
          "CSRF token and the same origin on writes");
  if (who) {
    require(who->login == "admin", "the admitted principal is the session's");
  } else {
    auto status = std::get<response>(gate).result();
    require(status == http::status::unauthorized || status == http::status::forbidden,
            "a refusal is 401 or 403");
  }
  return 0;
}
