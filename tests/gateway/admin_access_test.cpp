// Access modes and runtime settings through the dashboard's admin API against a real slapd:
// the mode an agent gets, writing and removing the agent's attribute (the agent API follows
// at once), validation, CSRF, history with revert, and the fieldworkers switch.
#include <doctest/doctest.h>

#include "tests/gateway/scenario.hpp"

using namespace scopegate::testing;
using set = std::set<std::string>;
namespace json = boost::json;

namespace {

const std::string k_admins = "cn=scopegate-admins,ou=groups,dc=example,dc=com";

std::string agent_entry(const std::string& uid, const std::string& extra) {
  return "dn: uid=" + uid +
         ",ou=people,dc=example,dc=com\nobjectClass: inetOrgPerson\nobjectClass: scopegateAgent\n"
         "uid: " +
         uid + "\ncn: Agent " + uid + "\nsn: " + uid + "\nuserPassword: " + uid +
         "-pw\nscopegatePartnerId: p-one\n" + extra + "\n";
}

// plain (no attribute), g_editor (group editors: edit), m_edit (attribute edit), fieldworker
// f1 (creator-only group); owner administers.
std::string access_ldif() {
  std::string s = scenario_ldif();
  s += agent_entry("plain", "");
  s += agent_entry("g_editor", "");
  s += agent_entry("m_edit", "scopegateAccessMode: edit\n");
  s += agent_entry("f1", "");
  s += "dn: cn=editors,ou=groups,dc=example,dc=com\nobjectClass: groupOfNames\ncn: editors\n"
       "member: uid=g_editor,ou=people,dc=example,dc=com\n\n";
  s += "dn: cn=fieldworkers,ou=groups,dc=example,dc=com\nobjectClass: groupOfNames\n"
       "cn: fieldworkers\nmember: uid=f1,ou=people,dc=example,dc=com\n\n";
  s += "dn: " + k_admins +
       "\nobjectClass: groupOfNames\ncn: scopegate-admins\n"
       "member: uid=owner,ou=people,dc=example,dc=com\n\n";
  return s;
}

std::string access_yaml() {
  return scenario_yaml("@URI@",
                       "scope:\n  bypass_groups: [\"cn=owners,ou=groups,dc=example,dc=com\"]\n"
                       "  creator_only_groups: [\"cn=fieldworkers,ou=groups,dc=example,dc=com\"]\n"
                       "  fieldworkers_see_all_customers: false\n",
                       "",
                       "access:\n  default_mode: view_only\n  group_modes:\n"
                       "    - group: cn=editors,ou=groups,dc=example,dc=com\n      mode: edit\n"
                       "admin:\n  group_dns: [\"" +
                           k_admins + "\"]\n");
}

admin_client logged_in(const running_gateway& gw) {
  admin_client c{gw, "", ""};
  auto r = c.login("owner", "owner-pw");
  REQUIRE(r.status == 200);
  return c;
}

std::string mode_of(const running_gateway& gw, const std::string& login) {
  auto me = gw.get_json("/api/v1/me", pw(login));
  return std::string(me.at("access").at("mode").as_string());
}

}  // namespace

TEST_CASE("admin access modes: read, set, inherit, validate, CSRF, history") {
  running_gateway gw(access_ldif(), access_yaml());
  auto c = logged_in(gw);

  SUBCASE("the effective mode and where it comes from") {
    auto plain = c.get("/admin/api/v1/agents/plain/mode");
    CHECK(plain.at("mode") == "view_only");
    CHECK(plain.at("source").as_string().starts_with("default"));
    CHECK(plain.at("attribute_value").is_null());
    auto editor = c.get("/admin/api/v1/agents/g_editor/mode");
    CHECK(editor.at("mode") == "edit");
    CHECK(editor.at("source").as_string().starts_with("group"));
    auto own = c.get("/admin/api/v1/agents/m_edit/mode");
    CHECK(own.at("mode") == "edit");
    CHECK(own.at("attribute_value") == "edit");
    CHECK(c.get("/admin/api/v1/agents/owner/mode").at("mode") == "full");
    CHECK(c.get("/admin/api/v1/agents/nobody/mode", 404).at("status") == 404);
  }
  SUBCASE("setting a mode writes the attribute; the agent API follows at once") {
    CHECK(mode_of(gw, "plain") == "view_only");
    auto r = c.call("PUT", "/admin/api/v1/agents/plain/mode", R"({"mode":"edit_export"})");
    REQUIRE(r.status == 200);
    auto v = json::parse(r.body);
    CHECK(v.at("mode") == "edit_export");
    CHECK(v.at("attribute_value") == "edit_export");
    CHECK(mode_of(gw, "plain") == "edit_export");
    // null removes the attribute: the group default applies again.
    REQUIRE(c.call("PUT", "/admin/api/v1/agents/g_editor/mode", R"({"mode":"hidden"})").status ==
            200);
    CHECK(mode_of(gw, "g_editor") == "hidden");
    r = c.call("PUT", "/admin/api/v1/agents/g_editor/mode", R"({"mode":null})");
    REQUIRE(r.status == 200);
    CHECK(json::parse(r.body).at("attribute_value").is_null());
    CHECK(mode_of(gw, "g_editor") == "edit");
    // Inheriting twice is fine (nothing to remove).
    CHECK(c.call("PUT", "/admin/api/v1/agents/g_editor/mode", R"({"mode":null})").status == 200);
  }
  SUBCASE("invalid modes, unknown agents, missing CSRF token") {
    CHECK(c.call("PUT", "/admin/api/v1/agents/plain/mode", R"({"mode":"superuser"})").status ==
          400);
    CHECK(c.call("PUT", "/admin/api/v1/agents/plain/mode", R"({"mode":3})").status == 400);
    CHECK(c.call("PUT", "/admin/api/v1/agents/plain/mode", R"({})").status == 400);
    CHECK(c.call("PUT", "/admin/api/v1/agents/plain/mode", R"({"mode":"edit","x":1})").status ==
          400);
    auto bad = c.call("PUT", "/admin/api/v1/agents/plain/mode", R"({"mode":"superuser"})");
    CHECK(bad.header("content-type") == "application/problem+json");
    CHECK(c.call("PUT", "/admin/api/v1/agents/nobody/mode", R"({"mode":"edit"})").status == 404);
    CHECK(
        c.call("PUT", "/admin/api/v1/agents/plain/mode", R"({"mode":"full"})", {}, false).status ==
        403);
    CHECK(c.call("POST", "/admin/api/v1/agents/plain/mode", R"({"mode":"full"})").status == 405);
    CHECK(mode_of(gw, "plain") == "view_only");
    // Agent credentials never reach it.
    CHECK(http_get(gw.url("/admin/api/v1/agents/plain/mode"), pw("owner")).status == 401);
  }
  SUBCASE("a mode change is in the history and can be reverted") {
    REQUIRE(c.call("PUT", "/admin/api/v1/agents/m_edit/mode", R"({"mode":"full"})").status == 200);
    auto h = c.get("/admin/api/v1/history?action=agent.mode");
    REQUIRE(h.at("items").as_array().size() == 1);
    auto id = h.at("items").at(0).at("id").as_int64();
    CHECK(h.at("items").at(0).at("actor") == "owner");
    CHECK(mode_of(gw, "m_edit") == "full");
    REQUIRE(c.call("POST", "/admin/api/v1/history/" + std::to_string(id) + "/revert").status ==
            200);
    CHECK(mode_of(gw, "m_edit") == "edit");
  }
}

TEST_CASE("admin settings: fieldworkers switch changes a fieldworker's scope; group defaults") {
  running_gateway gw(access_ldif(), access_yaml());
  auto c = logged_in(gw);
  auto s = c.get("/admin/api/v1/settings");
  CHECK(s.at("fieldworkers_see_all_customers") == false);
  CHECK(s.at("default_mode") == "view_only");
  REQUIRE(s.at("group_modes").as_array().size() == 1);
  CHECK(s.at("group_modes").at(0).at("group") == "cn=editors,ou=groups,dc=example,dc=com");
  CHECK(s.at("group_modes").at(0).at("mode") == "edit");

  CHECK(gw.logins("/api/v1/customers", pw("f1")).empty());  // creator-only: made nothing yet
  CHECK(c.call("PUT", "/admin/api/v1/settings", R"({"fieldworkers_see_all_customers":true})", {},
               false)
            .status == 403);
  CHECK(c.call("PUT", "/admin/api/v1/settings", R"({"fieldworkers_see_all_customers":"yes"})")
            .status == 400);
  auto r = c.call("PUT", "/admin/api/v1/settings", R"({"fieldworkers_see_all_customers":true})");
  REQUIRE(r.status == 200);
  CHECK(json::parse(r.body).at("fieldworkers_see_all_customers") == true);
  CHECK(gw.logins("/api/v1/customers", pw("f1")) == set{"alice", "bob", "eve", "mallory"});
  CHECK(!gw.get_json("/api/v1/me", pw("f1")).at("scope").as_object().contains("creator_only"));
  CHECK(c.get("/admin/api/v1/settings").at("fieldworkers_see_all_customers") == true);

  REQUIRE(c.call("PUT", "/admin/api/v1/settings", R"({"fieldworkers_see_all_customers":false})")
              .status == 200);
  CHECK(gw.logins("/api/v1/customers", pw("f1")).empty());
  CHECK(c.get("/admin/api/v1/history?action=settings.fieldworkers").at("items").as_array().size() ==
        2);
}

TEST_CASE("admin settings: group defaults changed at run time, kept, validated, revertible") {
  running_gateway gw(access_ldif(), access_yaml());
  auto c = logged_in(gw);
  CHECK(mode_of(gw, "g_editor") == "edit");
  CHECK(mode_of(gw, "f1") == "view_only");

  // A new group (never configured) and a changed mode take effect on the next request.
  auto r = c.call("PUT", "/admin/api/v1/settings",
                  R"({"group_modes":[{"group":"cn=fieldworkers,ou=groups,dc=example,dc=com",)"
                  R"("mode":"edit_export"},{"group":"cn=editors,ou=groups,dc=example,dc=com",)"
                  R"("mode":"hidden"}]})");
  REQUIRE(r.status == 200);
  CHECK(json::parse(r.body).at("group_modes").as_array().size() == 2);
  CHECK(mode_of(gw, "f1") == "edit_export");
  CHECK(mode_of(gw, "g_editor") == "hidden");
  CHECK(gw.get_json("/api/v1/customers", pw("g_editor"), 403).at("status") == 403);
  CHECK(mode_of(gw, "m_edit") == "edit");  // the agent's own attribute still wins

  // Bad input changes nothing.
  for (std::string bad : {R"({"group_modes":[{"group":"cn=x,dc=example,dc=com","mode":"admin"}]})",
                          R"({"group_modes":[{"group":"not a dn","mode":"full"}]})",
                          R"({"group_modes":[{"group":"cn=x,dc=example,dc=com"}]})",
                          R"({"group_modes":{}})", R"({"other":1})"}) {
    INFO(bad);
    CHECK(c.call("PUT", "/admin/api/v1/settings", bad).status == 400);
  }
  CHECK(c.call("PUT", "/admin/api/v1/settings", R"({"group_modes":[]})", {}, false).status == 403);
  CHECK(mode_of(gw, "f1") == "edit_export");

  // Revert restores the configured defaults.
  auto h = c.get("/admin/api/v1/history?action=settings.group_modes");
  REQUIRE(h.at("items").as_array().size() == 1);
  auto id = h.at("items").at(0).at("id").as_int64();
  REQUIRE(c.call("POST", "/admin/api/v1/history/" + std::to_string(id) + "/revert").status == 200);
  CHECK(mode_of(gw, "f1") == "view_only");
  CHECK(mode_of(gw, "g_editor") == "edit");
}
