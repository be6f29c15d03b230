// /admin/api/v1/session: the dashboard login (directory credentials, admin group
// membership, throttled), the session it opened, and logout.
#include <spdlog/spdlog.h>
#include <boost/json/parse.hpp>

#include "gateway/admin_api/resources.hpp"
#include "gateway/auth/authenticator.hpp"
#include "gateway/auth/same_origin.hpp"
#include "gateway/http/json_body.hpp"
#include "gateway/http/params.hpp"
#include "gateway/http/problem.hpp"

namespace scopegate::gateway::admin_api {

namespace json = boost::json;

session_resource::session_resource(const config::config& cfg, authenticator& auth,
                                   mapping::mapping_store& store, admin_sessions& sessions)
    : cfg_(cfg), auth_(auth), store_(store), sessions_(sessions) {}

net::awaitable<response> session_resource::login(request_context& ctx) {
  // The login has no CSRF token yet; a foreign page may still not log the browser in.
  if (foreign_origin(ctx.req))
    co_return ctx.deny(problem(http::status::forbidden, "cross-origin-request",
                               "log in from the dashboard's own origin"));
  std::string raw_login, password;
  auto type = ctx.req[http::field::content_type];
  if (type.starts_with("application/json")) {
    boost::system::error_code ec;
    auto v = json::parse(ctx.req.body(), ec);
    if (ec || !v.is_object())
      co_return problem(http::status::bad_request, "bad-json", "the body is not a JSON object");
    raw_login = string_member(v.as_object(), "login");
    password = string_member(v.as_object(), "password");
  } else if (type.starts_with("application/x-www-form-urlencoded")) {
    auto fields = parameters::from_form(ctx.req.body(), {"login", "password"});
    if (!fields) co_return problem(http::status::bad_request, "bad-form", fields.error().detail);
    raw_login = fields->text("login");
    password = fields->text("password");
  } else {
    co_return problem(http::status::unsupported_media_type, "unsupported-media-type",
                      "send login and password as JSON or as a form");
  }
  // The same check, throttle and client address as API Basic: one budget of guesses per
  // login and per client, whichever door they come through.
  std::string address = ctx.client;
  auto verified =
      co_await auth_.verify_password(std::move(raw_login), std::move(password), std::move(address));
  if (verified.status == auth_status::throttled)
    co_return too_many_login_attempts(verified.retry_after_seconds);
  if (verified.status == auth_status::unavailable) co_return directory_unavailable();
  if (verified.status != auth_status::ok)
    co_return problem(http::status::unauthorized, "invalid-credentials",
                      "the login or the password is wrong");
  // From here on the entry's own login, never what was typed.
  const mapping::agent& agent = *verified.agent;
  ctx.agent = agent.login;

  bool admin = false;
  for (const auto& group : cfg_.admin.group_dns) {
    std::string g = group;
    std::string attr = cfg_.admin.member_attribute;
    std::string member = agent.dn;
    auto member_of =
        co_await store_.group_has_member(std::move(g), std::move(attr), std::move(member));
    if (!member_of) co_return directory_unavailable();
    if (*member_of) {
      admin = true;
      break;
    }
  }
  if (!admin) {
    spdlog::info("admin: refused dashboard login of non-admin {}", agent.login);
    co_return problem(http::status::forbidden, "not-an-admin",
                      "your credentials are right, but you are not a member of an admin group; "
                      "ask an administrator for access to the dashboard");
  }
  std::string name(agent.entry.first("displayName"));
  if (name.empty()) name = std::string(agent.entry.first("cn"));
  auto created = sessions_.create(agent.login, agent.dn, name);
  spdlog::info("admin: {} logged in to the dashboard", agent.login);
  json::object o;
  o["login"] = created.who.login;
  o["name"] = created.who.name;
  o["csrf_token"] = created.who.csrf_token;
  auto res = json_response(o);
  res.set(http::field::set_cookie, sessions_.cookie(created.token, ctx.conn));
  co_return res;
}

net::awaitable<response> session_resource::get(request_context& ctx) {
  const auto& who = *ctx.admin;
  json::object o;
  o["login"] = who.login;
  o["name"] = who.name;
  o["csrf_token"] = who.csrf_token;
  o["expires_at_ms"] =
      std::chrono::duration_cast<std::chrono::milliseconds>(who.expires_at.time_since_epoch())
          .count();
  json::array modes;
  if (cfg_.agents.partner_attribute) modes.push_back("agent_attribute");
  if (cfg_.partners.member_attribute) modes.push_back("partner_member");
  o["link_modes"] = std::move(modes);
  co_return json_response(o);
}

net::awaitable<response> session_resource::logout(request_context& ctx) {
  sessions_.remove(cookie_value(ctx.req, sessions_.cookie_name(ctx.conn)));
  auto res = empty_response(http::status::no_content);
  res.set(http::field::set_cookie, sessions_.clearing_cookie(ctx.conn));
  co_return res;
}

}  // namespace scopegate::gateway::admin_api
