// Access modes, customer writes, import/export and creator-only scope, through the HTTP
// API against a real slapd.
#include <doctest/doctest.h>

#include <map>

#include "tests/gateway/scenario.hpp"

using namespace scopegate::testing;
using set = std::set<std::string>;

namespace {

std::string agent_entry(const std::string& uid, const std::string& partner,
                        const std::string& extra) {
  return "dn: uid=" + uid +
         ",ou=people,dc=example,dc=com\nobjectClass: inetOrgPerson\nobjectClass: scopegateAgent\n"
         "uid: " +
         uid + "\ncn: Agent " + uid + "\nsn: " + uid + "\nuserPassword: " + uid +
         "-pw\nscopegatePartnerId: " + partner + "\n" + extra + "\n";
}

// Agents m_<mode> with their mode in scopegateAccessMode, all of partner p-one; group
// editors (mode edit) with g_editor (no attribute) and g_override (attribute view_only);
// blocked (mode full but contacts blocked); fieldworkers f1, f2 of p-one; plain (nothing).
std::string modes_ldif() {
  std::string s = scenario_ldif();
  for (std::string m : {"full", "edit", "edit_import", "edit_export", "view_only", "hidden"})
    s += agent_entry("m_" + m, "p-one", "scopegateAccessMode: " + m + "\n");
  s += agent_entry("g_editor", "p-one", "");
  s += agent_entry("g_override", "p-one", "scopegateAccessMode: view_only\n");
  s += agent_entry("blocked", "p-one",
                   "scopegateAccessMode: full\nscopegateContactVisibility: blocked\n");
  s += agent_entry("bogus", "p-one", "scopegateAccessMode: superuser\n");
  s += agent_entry("f1", "p-one", "scopegateAccessMode: full\n");
  s += agent_entry("f2", "p-one", "scopegateAccessMode: full\n");
  s += agent_entry("plain", "p-one", "");
  s += "dn: cn=editors,ou=groups,dc=example,dc=com\nobjectClass: groupOfNames\ncn: editors\n"
       "member: uid=g_editor,ou=people,dc=example,dc=com\n"
       "member: uid=g_override,ou=people,dc=example,dc=com\n\n";
  s += "dn: cn=fieldworkers,ou=groups,dc=example,dc=com\nobjectClass: groupOfNames\n"
       "cn: fieldworkers\nmember: uid=f1,ou=people,dc=example,dc=com\n"
       "member: uid=f2,ou=people,dc=example,dc=com\n\n";
  // The owner's own attribute must not lower an owner below full.
  s += "dn: uid=owner2,ou=people,dc=example,dc=com\nobjectClass: inetOrgPerson\n"
       "objectClass: scopegateAgent\nuid: owner2\ncn: Owner Two\nsn: o\n"
       "userPassword: owner2-pw\nscopegateAccessMode: hidden\n\n";
  s += "dn: cn=owners2,ou=groups,dc=example,dc=com\nobjectClass: groupOfNames\ncn: owners2\n"
       "member: uid=owner2,ou=people,dc=example,dc=com\n\n";
  return s;
}

std::string modes_yaml(bool fieldworkers_see_all = false) {
  return scenario_yaml("@URI@",
                       "scope:\n  bypass_groups: [\"cn=owners,ou=groups,dc=example,dc=com\", "
                       "\"cn=owners2,ou=groups,dc=example,dc=com\"]\n"
                       "  creator_only_groups: [\"cn=fieldworkers,ou=groups,dc=example,dc=com\"]\n"
                       "  fieldworkers_see_all_customers: " +
                           std::string(fieldworkers_see_all ? "true" : "false") + "\n",
                       "",
                       "access:\n  default_mode: view_only\n  group_modes:\n"
                       "    - group: cn=editors,ou=groups,dc=example,dc=com\n      mode: edit\n");
}

running_gateway& shared() {
  static running_gateway gw(modes_ldif(), modes_yaml());
  return gw;
}

long post_json(const running_gateway& gw, const std::string& path, const std::string& user,
               const std::string& body, std::string* reply = nullptr) {
  auto r = http({.method = "POST",
                 .url = gw.url(path),
                 .headers = {"Content-Type: application/json"},
                 .body = body,
                 .user = user});
  if (reply) *reply = r.body;
  return r.status;
}

long send(const running_gateway& gw, const std::string& method, const std::string& path,
          const std::string& user, const std::string& body = "",
          const std::string& content_type = "application/json", std::string* reply = nullptr) {
  auto r = http({.method = method,
                 .url = gw.url(path),
                 .headers = {"Content-Type: " + content_type},
                 .body = body,
                 .user = user});
  if (reply) *reply = r.body;
  return r.status;
}

// POSTs a new customer; `login` receives the login the gateway assigned (on 201).
long create_customer(const running_gateway& gw, const std::string& user, const std::string& body,
                     std::string* login = nullptr) {
  std::string reply;
  long status = post_json(gw, "/api/v1/customers", user, body, &reply);
  if (status == 201 && login)
    *login = std::string(boost::json::parse(reply).at("login").as_string());
  return status;
}

std::string mode_of(const running_gateway& gw, const std::string& login) {
  auto me = gw.get_json("/api/v1/me", pw(login));
  return std::string(me.at("access").at("mode").as_string());
}

}  // namespace

TEST_CASE("every mode against every customer endpoint") {
  auto& gw = shared();
  struct expect {
    bool view, edit, import, export_;
  };
  const std::map<std::string, expect> matrix = {
      {"full", {true, true, true, true}},         {"edit", {true, true, false, false}},
      {"edit_import", {true, true, true, false}}, {"edit_export", {true, true, false, true}},
      {"view_only", {true, false, false, false}}, {"hidden", {false, false, false, false}},
  };
  for (const auto& [mode, e] : matrix) {
    std::string agent = "m_" + mode;
    INFO("mode " << mode);
    CHECK(mode_of(gw, agent) == mode);
    CHECK(send(gw, "GET", "/api/v1/customers", pw(agent)) == (e.view ? 200 : 403));
    CHECK(send(gw, "GET", "/api/v1/customers/alice", pw(agent)) == (e.view ? 200 : 403));
    CHECK(send(gw, "GET", "/api/v1/customer-ids", pw(agent)) == (e.view ? 200 : 403));

    std::string login;
    std::string body = R"({"customer_id":"C1","name":"new_)" + mode + R"("})";
    long created = create_customer(gw, pw(agent), body, &login);
    CHECK(created == (e.edit ? 201 : 403));
    if (!e.edit) {
      // What view_only/hidden agents cannot do, the owner does, so PATCH/DELETE have a target.
      REQUIRE(create_customer(gw, pw("owner"), body, &login) == 201);
    }
    CHECK(send(gw, "PATCH", "/api/v1/customers/" + login, pw(agent), R"({"name":"Renamed"})") ==
          (e.edit ? 200 : 403));
    CHECK(send(gw, "GET", "/api/v1/customers/export?format=csv", pw(agent)) ==
          (e.export_ ? 200 : 403));
    std::string csv = "login,customer_id,name\r\n,C2,imp_" + mode + "\r\n";
    CHECK(send(gw, "POST", "/api/v1/customers/import", pw(agent), csv, "text/csv") ==
          (e.import ? 200 : 403));
    CHECK(send(gw, "DELETE", "/api/v1/customers/" + login, pw(agent)) == (e.edit ? 204 : 403));
    // Nothing a refused agent tried may have happened.
    auto after = gw.logins("/api/v1/customers?q=imp_" + mode, pw("owner"));
    CHECK(after.size() == (e.import ? 1u : 0u));
    auto left = gw.logins("/api/v1/customers?q=new_" + mode, pw("owner"));
    CHECK(left.size() == (e.edit ? 0u : 1u));
  }
}

TEST_CASE("hidden: every customer endpoint says the section is hidden; /me says so too") {
  auto& gw = shared();
  auto v = gw.get_json("/api/v1/customers", pw("m_hidden"), 403);
  CHECK(v.at("type").as_string().ends_with("section-hidden"));
  auto me = gw.get_json("/api/v1/me", pw("m_hidden"));
  CHECK(me.at("access").at("can_view") == false);
  CHECK(me.at("access").as_object().contains("note"));
}

TEST_CASE("mode sources: owner, blocked contacts, attribute, group, default, invalid") {
  auto& gw = shared();
  CHECK(mode_of(gw, "owner") == "full");
  CHECK(mode_of(gw, "owner2") == "full");  // its own attribute says hidden
  CHECK(mode_of(gw, "blocked") == "view_only");
  CHECK(post_json(gw, "/api/v1/customers", pw("blocked"), R"({"customer_id":"C1"})") == 403);
  CHECK(mode_of(gw, "g_editor") == "edit");         // group default
  CHECK(mode_of(gw, "g_override") == "view_only");  // attribute beats group
  CHECK(mode_of(gw, "plain") == "view_only");       // access.default_mode
  CHECK(mode_of(gw, "bogus") == "hidden");          // unknown value fails closed
}

TEST_CASE("writes stay inside the scope") {
  auto& gw = shared();
  std::string reply;
  CHECK(post_json(gw, "/api/v1/customers", pw("m_full"), R"({"customer_id":"C3","name":"outside"})",
                  &reply) == 422);
  CHECK(reply.find("customer-id-out-of-scope") != std::string::npos);
  CHECK(gw.logins("/api/v1/customers?q=outside", pw("owner")).empty());

  std::string mover;
  REQUIRE(create_customer(gw, pw("m_full"), R"({"customer_id":"C1","name":"Mover"})", &mover) ==
          201);
  const std::string at = "/api/v1/customers/" + mover;
  CHECK(send(gw, "PATCH", at, pw("m_full"), R"({"customer_id":"C3"})") == 422);
  CHECK(send(gw, "PATCH", at, pw("m_full"), R"({"customer_id":"C2"})") == 200);
  CHECK(gw.get_json(at, pw("m_full")).at("customer_id") == "C2");
  // Out-of-scope customers cannot be changed or deleted, and look missing.
  CHECK(send(gw, "PATCH", "/api/v1/customers/carol", pw("m_full"), R"({"name":"x"})") == 404);
  CHECK(send(gw, "DELETE", "/api/v1/customers/carol", pw("m_full")) == 404);
  CHECK(gw.get_json("/api/v1/customers/carol", pw("owner")).at("name") == "Carol Clark");
  // Bad bodies are refused with a reason and change nothing.
  CHECK(send(gw, "PATCH", at, pw("m_full"), R"({"login":"x"})") == 400);
  CHECK(send(gw, "PATCH", at, pw("m_full"), R"({"nofield":"x"})") == 400);
  CHECK(send(gw, "PATCH", at, pw("m_full"), R"({"name":7})") == 400);
  CHECK(send(gw, "PATCH", at, pw("m_full"), "not json") == 400);
  // Logins are the gateway's to assign, taken or not.
  CHECK(post_json(gw, "/api/v1/customers", pw("m_full"),
                  R"({"login":"alice","customer_id":"C1"})") == 400);
}

TEST_CASE("import with one bad row writes nothing and names the row") {
  auto& gw = shared();
  std::string csv = "login,customer_id,name\r\n,C1,batch1\r\n,C3,batch2\r\n,C2,batch3\r\n";
  std::string reply;
  CHECK(send(gw, "POST", "/api/v1/customers/import", pw("m_full"), csv, "text/csv", &reply) == 422);
  CHECK(reply.find("\"row\":3") != std::string::npos);
  CHECK(reply.find("outside") != std::string::npos);
  CHECK(gw.logins("/api/v1/customers?q=batch", pw("owner")).empty());

  std::string good = "login,customer_id,name\r\n,C1,batch1\r\n,C2,\"batch3, Jr.\"\r\n";
  CHECK(send(gw, "POST", "/api/v1/customers/import", pw("m_full"), good, "text/csv", &reply) ==
        200);
  auto report = boost::json::parse(reply);
  CHECK(report.at("created") == 2);
  std::string batch1(report.at("rows").at(0).at("login").as_string());
  std::string batch3(report.at("rows").at(1).at("login").as_string());
  CHECK(gw.get_json("/api/v1/customers/" + batch3, pw("m_full")).at("name") == "batch3, Jr.");
  // Importing with the assigned login updates instead of creating.
  std::string again = "login,name\r\n" + batch1 + ",Uno\r\n";
  CHECK(send(gw, "POST", "/api/v1/customers/import", pw("m_full"), again, "text/csv", &reply) ==
        200);
  CHECK(reply.find("\"updated\":1") != std::string::npos);
  CHECK(send(gw, "POST", "/api/v1/customers/import", pw("m_full"), "login\r\n\"open", "text/csv") ==
        400);
}

TEST_CASE("export is the caller's scoped view, streamed as CSV") {
  auto& gw = shared();
  auto r = http_get(gw.url("/api/v1/customers/export?format=csv"), pw("m_full"));
  REQUIRE(r.status == 200);
  CHECK(r.header("content-type").starts_with("text/csv"));
  CHECK(r.header("transfer-encoding") == "chunked");
  CHECK(r.body.starts_with("login,customer_id,name,email,phone\r\n"));
  CHECK(r.body.find("\r\nalice,C1,") != std::string::npos);
  CHECK(r.body.find("carol") == std::string::npos);  // C3: not p-one's
  CHECK(r.body.find("dave") == std::string::npos);
  CHECK(send(gw, "GET", "/api/v1/customers/export?format=xml", pw("m_full")) == 400);
}

TEST_CASE("creator-only scope: fieldworkers see only their own customers") {
  auto& gw = shared();
  std::string by_f1, by_f2;
  REQUIRE(create_customer(gw, pw("f1"), R"({"customer_id":"C1"})", &by_f1) == 201);
  REQUIRE(create_customer(gw, pw("f2"), R"({"customer_id":"C2"})", &by_f2) == 201);
  CHECK(gw.logins("/api/v1/customers", pw("f1")) == set{by_f1});
  CHECK(gw.logins("/api/v1/customers", pw("f2")) == set{by_f2});
  CHECK(send(gw, "GET", "/api/v1/customers/" + by_f2, pw("f1")) == 404);
  CHECK(send(gw, "GET", "/api/v1/customers/alice", pw("f1")) == 404);
  CHECK(send(gw, "PATCH", "/api/v1/customers/" + by_f2, pw("f1"), R"({"name":"x"})") == 404);
  // The owner attribute records the creating agent; everyone else of p-one sees both.
  auto all = gw.logins("/api/v1/customers", pw("m_full"));
  CHECK(all.contains(by_f1));
  CHECK(all.contains(by_f2));
  CHECK(gw.get_json("/api/v1/me", pw("f1")).at("scope").at("creator_only") == true);
}

TEST_CASE("creator-only scope switched off globally: fieldworkers get their partner scope") {
  running_gateway gw(modes_ldif(), modes_yaml(true));
  auto seen = gw.logins("/api/v1/customers", pw("f1"));
  CHECK(seen == set{"alice", "bob", "eve", "mallory"});
}
