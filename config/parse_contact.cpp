// Contact protection sections: masking, reveal (daily limits, alerts) and smtp.
#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "config/detail/checks.hpp"
#include "config/detail/sections.hpp"

namespace scopegate::config::detail {

void parse_masking(const parser& p, const value& v, const customers_config& customers,
                   masking_config& c) {
  section s(p, v, {"enabled", "fields", "style", "visible_to_groups"});
  if (auto e = s.get("enabled")) c.enabled = p.boolean(*e);
  c.fields.clear();
  if (auto f = s.get("fields")) {
    for (const auto& item : p.list(*f)) {
      auto name = p.non_empty(item, "a field name from customers.fields");
      auto shown = p.show(item, name);
      auto it = std::find_if(customers.fields.begin(), customers.fields.end(),
                             [&](const customer_field& cf) { return cf.name == name; });
      if (it == customers.fields.end()) {
        std::vector<std::string> names;
        for (const auto& cf : customers.fields)
          names.push_back(cf.name);
        p.fail(item,
               "no field " + shown + " in customers.fields (there are " + join(names, ", ") + ")");
      }
      if (it->attribute == customers.login_attribute ||
          it->attribute == customers.customer_id_attribute)
        p.fail(item,
               "field " + shown + " holds the login or the customer ID, which cannot be masked");
      if (std::find(c.fields.begin(), c.fields.end(), name) != c.fields.end())
        p.fail(item, "field " + shown + " is listed twice");
      c.fields.push_back(name);
    }
  } else {
    for (const auto& cf : customers.fields)
      if ((cf.name == "email" || cf.name == "phone" || cf.name == "mobile") &&
          cf.attribute != customers.login_attribute &&
          cf.attribute != customers.customer_id_attribute)
        c.fields.push_back(cf.name);
  }
  if (auto st = s.get("style"))
    c.style = p.one_of(*st, {"redact", "partial"}) == "partial" ? mask_style::partial
                                                                : mask_style::redact;
  if (auto g = s.get("visible_to_groups")) c.visible_to_groups = p.dn_list(*g);
}

namespace {

// The directory holding IANA time zone files (TZif): $TZDIR or /usr/share/zoneinfo.
std::string zoneinfo_dir() {
  const char* env = std::getenv("TZDIR");
  return env && *env ? std::string(env) : std::string("/usr/share/zoneinfo");
}

void parse_timezone(const parser& p, const value& t, reveal_config& c) {
  c.timezone = p.non_empty(t, "an IANA time zone name like \"Europe/Berlin\"");
  auto shown = p.show(t, c.timezone);
  if (!valid_zone_name(c.timezone))
    p.fail(t, "expected an IANA time zone name like \"Europe/Berlin\", got " + shown);
  std::error_code ec;
  auto file = zoneinfo_dir() + "/" + c.timezone;
  if (!std::filesystem::is_regular_file(file, ec))
    p.fail(t, "unknown time zone " + shown + " (no such file in " + quote(zoneinfo_dir()) + ")");
}

}  // namespace

void parse_reveal(const parser& p, const value& v, reveal_config& c) {
  section s(p, v,
            {"daily_limit", "timezone", "notify_email", "database_path", "retention_days",
             "purge_interval_seconds", "dashboard_url"});
  set_int(p, s, "daily_limit", c.daily_limit, 0, 1'000'000);
  if (auto t = s.get("timezone")) parse_timezone(p, *t, c);
  if (auto n = s.get_set("notify_email")) {
    c.notify_email = p.scalar(*n, "an email address");
    if (!c.notify_email.empty() && !valid_email(c.notify_email))
      p.fail(*n, "expected one email address like \"security@example.com\", got " +
                     p.show(*n, c.notify_email));
  }
  if (auto d = s.get_set("database_path")) c.database_path = p.scalar(*d, "a file path");
  set_int(p, s, "retention_days", c.retention_days, 1, 36'500);
  set_int(p, s, "purge_interval_seconds", c.purge_interval_seconds, 1, 86'400);
  if (auto u = s.get_set("dashboard_url")) {
    c.dashboard_url = p.scalar(*u, "an http:// or https:// URL");
    auto l = lower(c.dashboard_url);
    if (!c.dashboard_url.empty() && !(l.starts_with("http://") || l.starts_with("https://")))
      p.fail(*u, "expected an http:// or https:// URL, got " + p.show(*u, c.dashboard_url));
    for (unsigned char ch : c.dashboard_url)
      if (ch <= 0x20 || ch == 0x7f) p.fail(*u, "the URL contains spaces or control characters");
    while (c.dashboard_url.ends_with('/'))
      c.dashboard_url.pop_back();
  }
}

void parse_smtp(const parser& p, const value& v, smtp_config& c) {
  section s(p, v,
            {"url", "username", "password", "password_file", "starttls", "from", "timeout_ms",
             "attempts", "retry_backoff_ms"});
  if (auto u = s.get_set("url")) {
    c.url = p.scalar(*u, "an smtp:// or smtps:// URL");
    auto l = lower(c.url);
    if (!c.url.empty() && !(l.starts_with("smtp://") || l.starts_with("smtps://")))
      p.fail(*u, "expected a URL starting with smtp:// or smtps://, got " + p.show(*u, c.url));
  }
  if (auto n = s.get_set("username")) c.username = p.scalar(*n);
  auto pw = s.get_set("password");
  auto pw_file = s.get_set("password_file");
  if (pw && pw_file)
    p.fail(pw_file->path, pw_file->line,
           "set either password or password_file, not both (password is on line " +
               std::to_string(pw->line) + ")");
  if (pw) {
    c.password = p.scalar(*pw);
  } else if (pw_file) {
    auto path = p.non_empty(*pw_file, "a file path");
    c.password = read_password_file(p, *pw_file, path);
  }
  const std::string pw_key = pw ? "password" : "password_file";
  if (!c.password.empty() && c.username.empty())
    p.fail(s.path(pw_key), s.key_line(pw_key), "a password is set but username is empty");
  if (auto t = s.get_set("starttls")) c.starttls = p.boolean(*t);
  if (c.starttls && lower(c.url).starts_with("smtps://"))
    p.fail(s.path("starttls"), s.key_line("starttls"),
           "starttls cannot be combined with an smtps:// URL (it is already encrypted)");
  if (auto f = s.get_set("from")) {
    c.from = p.scalar(*f, "an email address");
    if (!c.from.empty() && !valid_email(c.from))
      p.fail(*f, "expected one email address like \"scopegate@example.com\", got " +
                     p.show(*f, c.from));
  }
  set_int(p, s, "timeout_ms", c.timeout_ms, 1, k_max_timeout_ms);
  set_int(p, s, "attempts", c.attempts, 1, 10);
  set_int(p, s, "retry_backoff_ms", c.retry_backoff_ms, 0, k_max_timeout_ms);
}

}  // namespace scopegate::config::detail
