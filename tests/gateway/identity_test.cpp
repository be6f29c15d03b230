// One directory entry is one principal: every Unicode spelling of an agent's login (fullwidth,
// decomposed, upper case) is known by the login stored in its entry — in /me, the reveal
// quota, the activity log, the dashboard session, the trusted-client path and the access
// log — whatever auth.login_case says. Failed logins leave nothing typed in the log.
#include "tests/gateway/identity_world.hpp"

using namespace scopegate::testing;
using namespace scopegate::testing::identity;
namespace json = boost::json;

namespace {

json::value body_of(const http_reply& r) {
  boost::system::error_code ec;
  auto v = json::parse(r.body, ec);
  INFO(r.body);
  REQUIRE_FALSE(ec);
  return v;
}

std::string me_login(const identity_gateway& g, const std::string& user) {
  auto r = g.basic("GET", "/api/v1/me", user);
  INFO(user << " -> " << r.status << " " << r.body);
  REQUIRE(r.status == 200);
  return std::string(body_of(r).at("login").as_string());
}

}  // namespace

TEST_CASE("every spelling of a login shares one principal and one reveal quota") {
  for (std::string rule : {"preserve", "lower"}) {
    CAPTURE(rule);
    identity_gateway g({.login_case = rule});
    const std::string pw = ":" + k_jorg + "-pw";
    const std::vector<std::string> spellings = {k_jorg, k_jorg_nfd, k_jorg_wide, k_jorg_upper};
    for (const auto& s : spellings)
      CHECK(me_login(g, s + pw) == k_jorg);

    // Limit 3 (the entry's attribute): reveals across spellings stop after 3 in total.
    int revealed = 0, refused = 0;
    for (int i = 0; i < 8; ++i) {
      const auto& s = spellings[static_cast<std::size_t>(i) % spellings.size()];
      auto r = g.basic("POST", "/api/v1/customers/cust" + two(i) + "/reveal", s + pw);
      INFO(s << " " << r.status << " " << r.body);
      if (r.status == 200)
        ++revealed;
      else if (r.status == 429)
        ++refused;
    }
    CHECK(revealed == 3);
    CHECK(refused == 5);
    auto me = body_of(g.basic("GET", "/api/v1/me", k_jorg_upper + pw));
    CHECK(me.at("reveals").at("used_today").as_int64() == 3);

    // The activity log has one agent, named as stored.
    auto log = admin_call(*g.gw, "GET", "/admin/api/v1/reveals?limit=100", "owner:owner-pw");
    REQUIRE(log.status == 200);
    std::set<std::string> agents;
    auto rows = body_of(log);
    for (const auto& item : rows.at("items").as_array())
      agents.insert(std::string(item.at("agent").as_string()));
    CHECK(agents == std::set<std::string>{k_jorg});

    // The limit page finds the same principal by any spelling.
    auto page =
        admin_call(*g.gw, "GET", "/admin/api/v1/agents/" + url_encode(k_jorg_wide) + "/limit",
                   "owner:owner-pw");
    REQUIRE(page.status == 200);
    CHECK(body_of(page).at("agent") == k_jorg.c_str());
    CHECK(body_of(page).at("today").at("used_today").as_int64() == 3);

    // The helpdesk naming the agent by another spelling gets the same principal.
    auto desk = http(
        {.url = g.gw->url("/api/v1/me"),
         .headers = {"X-Scopegate-Api-Key: " + k_desk_key, "X-Scopegate-Agent: " + k_jorg_wide}});
    REQUIRE(desk.status == 200);
    CHECK(body_of(desk).at("login") == k_jorg.c_str());
  }
}

TEST_CASE("an agent is named by its stored login in its canonical form, not as typed") {
  {
    identity_gateway g({.login_case = "preserve"});
    CHECK(me_login(g, k_muller_lower + ":" + k_muller_stored + "-pw") == k_muller_stored);
    CHECK(me_login(g, k_muller_stored + ":" + k_muller_stored + "-pw") == k_muller_stored);
  }
  {
    identity_gateway g({.login_case = "lower"});
    CHECK(me_login(g, k_muller_stored + ":" + k_muller_stored + "-pw") == k_muller_lower);
    CHECK(me_login(g, k_muller_lower + ":" + k_muller_stored + "-pw") == k_muller_lower);
  }
}

TEST_CASE("the dashboard session is opened for the stored login") {
  identity_gateway g({.login_case = "preserve"});
  // OWNER in fullwidth letters.
  auto r =
      g.dashboard_login("\xef\xbc\xaf\xef\xbc\xb7\xef\xbc\xae\xef\xbc\xa5\xef\xbc\xb2", "owner-pw");
  REQUIRE(r.status == 200);
  CHECK(body_of(r).at("login") == "owner");
}

TEST_CASE("the access log names the stored login of a success and nothing typed by a failure") {
  auto sink = std::make_shared<contact::capture_sink>();
  spdlog::default_logger()->sinks().push_back(sink);
  spdlog::set_level(spdlog::level::info);
  {
    identity_gateway g;
    CHECK(g.basic("GET", "/api/v1/me", "typed-login-secret:wrong").status == 401);
    CHECK(g.basic("GET", "/api/v1/me", "anna:typed-as-login").status == 401);
    CHECK(g.dashboard_login("typed-dashboard-secret", "wrong").status == 401);
    CHECK(g.dashboard_login("anna", "wrong").status == 401);
    CHECK(g.basic("GET", "/api/v1/me", k_jorg_wide + ":" + k_jorg + "-pw").status == 200);
  }
  auto text = sink->text();
  auto& sinks = spdlog::default_logger()->sinks();
  sinks.erase(std::remove(sinks.begin(), sinks.end(), sink), sinks.end());
  INFO(text);
  CHECK(text.find("typed-login-secret") == std::string::npos);
  CHECK(text.find("typed-dashboard-secret") == std::string::npos);
  CHECK(text.find("typed-as-login") == std::string::npos);
  CHECK(text.find("agent=anna") == std::string::npos);
  CHECK(text.find(k_jorg_wide) == std::string::npos);
  CHECK(text.find("agent=" + k_jorg + " via=basic method=GET route=") != std::string::npos);
}
