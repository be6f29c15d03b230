// Sections of the HTTP edge: listen, auth (trusted clients), admin (dashboard), log and ops.
#include <arpa/inet.h>

#include <fstream>

#include "config/detail/checks.hpp"
#include "config/detail/sections.hpp"

namespace scopegate::config::detail {

namespace {

// A PEM file the gateway will read: it must exist and be readable now, so that a typo is a
// config error and not a start-up failure later. Its contents are checked when loaded.
std::string readable_file(const parser& p, const value& v, const std::string& what) {
  std::string path = p.non_empty(v, what);
  if (!std::ifstream(path).good()) p.fail(v, "cannot read " + p.show(v, path) + " (" + what + ")");
  return path;
}

listen_tls_config parse_listen_tls(const parser& p, const value& v) {
  if (!v.node.IsMap())
    p.fail(v, "expected a mapping with certificate_file and key_file, got " + kind_of(v.node));
  section s(p, v, {"certificate_file", "key_file"});
  listen_tls_config tls;
  tls.certificate_file =
      readable_file(p, s.require("certificate_file"), "a PEM certificate (chain) file");
  tls.key_file = readable_file(p, s.require("key_file"), "a PEM private key file");
  return tls;
}

}  // namespace

void parse_listen(const parser& p, const value& v, listen_config& c) {
  section s(
      p, v,
      {"address", "port", "threads", "header_limit_bytes", "body_limit_bytes", "read_timeout_ms",
       "idle_timeout_ms", "trusted_proxies", "tls", "max_connections_per_address"});
  if (auto a = s.get("address")) {
    c.address = p.non_empty(*a, "an IP address");
    // The listener binds an address; a host name would pass here and fail at start.
    in6_addr any{};
    if (inet_pton(AF_INET, c.address.c_str(), &any) != 1 &&
        inet_pton(AF_INET6, c.address.c_str(), &any) != 1)
      p.fail(*a,
             "expected an IP address to listen on such as 0.0.0.0, :: or 127.0.0.1 (no host "
             "name, no port), got " +
                 p.show(*a, c.address));
  }
  set_int(p, s, "port", c.port, 0, 65535);  // 0: any free port (tests)
  set_int(p, s, "threads", c.threads, 0, 256);
  // The HTTP parser counts header bytes in 32 bits; no real header comes near 1 MiB.
  set_int(p, s, "header_limit_bytes", c.header_limit_bytes, 1, 1'048'576);
  set_int(p, s, "body_limit_bytes", c.body_limit_bytes, 1, k_max_size);
  set_int(p, s, "read_timeout_ms", c.read_timeout_ms, 1, k_max_timeout_ms);
  set_int(p, s, "idle_timeout_ms", c.idle_timeout_ms, 1, k_max_timeout_ms);
  set_int(p, s, "max_connections_per_address", c.max_connections_per_address, 1, 1'000'000);
  if (auto t = s.get("trusted_proxies")) {
    c.trusted_proxies.clear();
    for (const auto& item : p.list(*t))
      c.trusted_proxies.push_back(p.cidr(item));
  }
  if (auto t = s.get_set("tls")) c.tls = parse_listen_tls(p, *t);
}

namespace {

trusted_client parse_trusted_client(const parser& p, const value& item,
                                    const std::vector<trusted_client>& earlier) {
  if (item.node.IsNull())
    p.fail(item, "expected a mapping with name, api_key_sha256 and networks, got nothing");
  section cs(p, item, {"name", "api_key_sha256", "networks"});
  trusted_client tc;
  auto name = cs.require("name");
  tc.name = p.non_empty(name, "a client name");
  for (const auto& other : earlier)
    if (other.name == tc.name)
      p.fail(name, "duplicate trusted client name " + p.show(name, tc.name));
  auto key = cs.require("api_key_sha256");
  tc.api_key_sha256 = p.scalar(key, "64 lowercase hex digits");
  // The value may be the raw API key pasted by mistake: only its length is reported.
  if (!valid_sha256_hex(tc.api_key_sha256))
    p.fail(key,
           "expected 64 lowercase hex digits (the SHA-256 of the API key, e.g. from "
           "`printf %s \"$KEY\" | sha256sum`), got " +
               std::to_string(tc.api_key_sha256.size()) + " characters");
  for (const auto& other : earlier)
    if (other.api_key_sha256 == tc.api_key_sha256)
      p.fail(key, "the same API key is already used by trusted client " + quote(other.name));
  auto nets = cs.require("networks");
  for (const auto& n : p.list(nets))
    tc.networks.push_back(p.cidr(n));
  if (tc.networks.empty())
    p.fail(nets, "at least one network is needed (use 0.0.0.0/0 and ::/0 for anywhere)");
  return tc;
}

}  // namespace

void parse_auth(const parser& p, const value& v, auth_config& c) {
  section s(p, v,
            {"trusted_clients", "bind_cache_seconds", "login_case", "failed_attempts_per_minute",
             "failed_attempts_per_address_per_minute", "failed_attempts_window_seconds"});
  if (auto t = s.get("trusted_clients")) {
    c.trusted_clients.clear();
    for (const auto& item : p.list(*t)) {
      auto tc = parse_trusted_client(p, item, c.trusted_clients);
      c.trusted_clients.push_back(std::move(tc));
    }
  }
  set_int(p, s, "bind_cache_seconds", c.bind_cache_seconds, 0, k_max_int);
  if (auto l = s.get("login_case"))
    c.login_case =
        p.one_of(*l, {"lower", "preserve"}) == "lower" ? case_rule::lower : case_rule::preserve;
  set_int(p, s, "failed_attempts_per_minute", c.failed_attempts_per_minute, 1, 10'000);
  set_int(p, s, "failed_attempts_per_address_per_minute", c.failed_attempts_per_address_per_minute,
          1, 1'000'000);
  set_int(p, s, "failed_attempts_window_seconds", c.failed_attempts_window_seconds, 1, 3600);
}

void parse_admin(const parser& p, const value& v, admin_config& c) {
  section s(p, v,
            {"group_dns", "member_attribute", "session_idle_minutes", "session_max_hours",
             "history_database_path", "login_attempts_per_minute", "secure_cookie",
             "partner_object_classes"});
  if (auto g = s.get("group_dns")) c.group_dns = p.dn_list(*g);
  if (auto a = s.get("member_attribute")) c.member_attribute = p.attribute(*a);
  set_int(p, s, "session_idle_minutes", c.session_idle_minutes, 1, 24 * 60);
  set_int(p, s, "session_max_hours", c.session_max_hours, 1, 24 * 30);
  if (auto h = s.get_set("history_database_path"))
    c.history_database_path = p.scalar(*h, "a file path for the SQLite history database");
  if (auto old = s.get("login_attempts_per_minute"))
    p.fail(*old,
           "replaced by auth.failed_attempts_per_minute and "
           "auth.failed_attempts_per_address_per_minute (one throttle for the dashboard and the "
           "API)");
  if (auto b = s.get("secure_cookie")) c.secure_cookie = p.boolean(*b);
  if (auto o = s.get("partner_object_classes")) {
    c.partner_object_classes.clear();
    for (const auto& item : p.list(*o))
      c.partner_object_classes.push_back(p.attribute(item));
    if (c.partner_object_classes.empty())
      p.fail(*o, "at least one object class is needed to create partner entries");
  }
  if (c.session_idle_minutes > c.session_max_hours * 60)
    p.fail(s.path("session_idle_minutes"), s.key_line("session_idle_minutes"),
           "is longer than session_max_hours; the idle limit would never apply");
}

void parse_log(const parser& p, const value& v, log_config& c) {
  section s(p, v, {"level", "access_log"});
  if (auto l = s.get("level")) c.level = p.one_of(*l, {"trace", "debug", "info", "warn", "error"});
  if (auto a = s.get("access_log")) c.access_log = p.boolean(*a);
}

void parse_ops(const parser& p, const value& v, ops_config& c) {
  section s(p, v, {"metrics_networks"});
  if (auto n = s.get("metrics_networks")) {
    c.metrics_networks.clear();
    for (const auto& item : p.list(*n))
      c.metrics_networks.push_back(p.cidr(item));
  }
}

}  // namespace scopegate::config::detail
