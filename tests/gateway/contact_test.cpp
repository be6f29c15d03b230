// Contact protection through the HTTP API against a real slapd, a real SMTP server
// (aiosmtpd) and a real SQLite ledger, with a settable clock in Europe/Berlin: masking on
// every surface, the masked-field search probe, reveals and their limits, concurrency, day
// rollover, admin operations, alert mails, retention, and logs free of contact values.
#include <doctest/doctest.h>

#include "tests/gateway/contact_world.hpp"

using namespace scopegate;
using namespace scopegate::testing;
using namespace scopegate::testing::contact;
using namespace std::chrono;
namespace json = boost::json;

TEST_CASE("search and get show placeholders unless the agent may see contacts") {
  auto& w = shared();
  w.clock->set(at(2024, 1, 10, 12));
  auto page = w.gw->get_json("/api/v1/customers?q=Alice", pw("m1"));
  auto alice = find_item(page, "alice");
  CHECK(alice.at("email") == "a***@zephyr-secret.example");
  CHECK(alice.at("phone") == "***42");
  CHECK(alice.at("name") == "Alice Adams");
  CHECK(alice.at("customer_id") == "K1");
  auto one = w.gw->get_json("/api/v1/customers/alice", pw("m1"));
  CHECK(one.at("email") == "a***@zephyr-secret.example");
  CHECK(one.at("phone") == "***42");
  // Owners (bypass group), viewers group members and `visible` agents see real values.
  for (const char* who : {"owner", "grp", "vis"}) {
    INFO(who);
    auto v = w.gw->get_json("/api/v1/customers/alice", pw(who));
    CHECK(v.at("email") == "alice@zephyr-secret.example");
    CHECK(v.at("phone") == "+49 30 777 4242");
  }
  // Blocked agents, and agents with an unreadable setting, see plain placeholders.
  for (const char* who : {"blk", "odd"}) {
    INFO(who);
    auto v = w.gw->get_json("/api/v1/customers/alice", pw(who));
    CHECK(v.at("email") == "***");
    CHECK(v.at("phone") == "***");
  }
  // Customer IDs are not contact data.
  auto ids = w.gw->get_json("/api/v1/customer-ids", pw("m1"));
  CHECK(ids.at("items").as_array().size() == 1);
}

TEST_CASE("the CSV export shows contact fields as the agent sees them") {
  auto& w = shared();
  auto r = call("GET", "/api/v1/customers/export?format=csv", pw("exp"));
  REQUIRE(r.status == 200);
  CHECK(r.body.find("alice,K1,Alice Adams,a***@zephyr-secret.example,***42") != std::string::npos);
  CHECK(r.body.find("alice@zephyr-secret.example") == std::string::npos);
  CHECK(r.body.find("777 4242") == std::string::npos);
  (void)w;
}

TEST_CASE("an agent who sees emails masked cannot find a customer by a fragment of it") {
  auto& w = shared();
  // The fragment only occurs in alice's email address (and the phone probe in her phone).
  CHECK(w.gw->logins("/api/v1/customers?q=zephyr-sec", pw("probe")).empty());
  CHECK(w.gw->logins("/api/v1/customers?q=777%204242", pw("probe")).empty());
  CHECK(w.gw->logins("/api/v1/customers?q=zephyr-sec", pw("blk")).empty());
  // Those who see the values can search by them; everyone can search by name.
  CHECK(w.gw->logins("/api/v1/customers?q=zephyr-sec", pw("vis")) ==
        std::set<std::string>{"alice"});
  CHECK(w.gw->logins("/api/v1/customers?q=zephyr-sec", pw("owner")) ==
        std::set<std::string>{"alice"});
  CHECK(w.gw->logins("/api/v1/customers?q=Adams", pw("probe")) == std::set<std::string>{"alice"});
}

TEST_CASE("reveal returns the real values, counts once per customer and day, and /me shows it") {
  auto& w = shared();
  w.clock->set(at(2024, 1, 11, 9));
  auto r = post(reveal_url("alice"), pw("m1"));
  REQUIRE(r.status == 200);
  auto v = parse(r);
  CHECK(v.at("customer").at("email") == "alice@zephyr-secret.example");
  CHECK(v.at("customer").at("phone") == "+49 30 777 4242");
  CHECK(v.at("counted") == true);
  CHECK(v.at("reveals").at("used_today") == 1);
  CHECK(v.at("reveals").at("left") == 9);
  auto again = parse(post(reveal_url("alice"), pw("m1")));
  CHECK(again.at("counted") == false);
  CHECK(again.at("reveals").at("used_today") == 1);
  // Revealing does not unmask the other surfaces.
  CHECK(w.gw->get_json("/api/v1/customers/alice", pw("m1")).at("email") ==
        "a***@zephyr-secret.example");
  auto me = w.gw->get_json("/api/v1/me", pw("m1"));
  CHECK(me.at("contact").at("visibility") == "masked");
  CHECK(me.at("contact").at("may_reveal") == true);
  CHECK(me.at("contact").at("masked_fields").as_array().size() == 2);
  CHECK(me.at("reveals").at("used_today") == 1);
  CHECK(me.at("reveals").at("limit") == 10);
  CHECK(me.at("reveals").at("left") == 9);
  CHECK(me.at("reveals").at("limit_source") == "default");
  // Agents who already see everything are not counted.
  auto owner = parse(post(reveal_url("alice"), pw("owner")));
  CHECK(owner.at("counted") == false);
  CHECK(w.gw->get_json("/api/v1/me", pw("owner")).at("contact").at("visibility") == "unmasked");
}

TEST_CASE("reveal outside the scope looks exactly like a missing customer") {
  auto& w = shared();
  auto out_of_scope = post(reveal_url("frank"), pw("m2"));
  auto missing = post(reveal_url("nobody"), pw("m2"));
  CHECK(out_of_scope.status == 404);
  CHECK(missing.status == 404);
  CHECK(out_of_scope.body == missing.body);
  CHECK(w.gw->get_json("/api/v1/me", pw("m2")).at("reveals").at("used_today") == 0);
  // Wrong method, parameters, no credentials.
  CHECK(call("GET", reveal_url("alice"), pw("m2")).status == 405);
  CHECK(post(reveal_url("alice") + "?x=1", pw("m2")).status == 400);
  CHECK(post(reveal_url("alice"), "").status == 401);
  CHECK(post(reveal_url("alice"), "m2:wrong").status == 401);
}

TEST_CASE("a blocked agent can never reveal") {
  auto& w = shared();
  auto r = post(reveal_url("alice"), pw("blk"));
  CHECK(r.status == 403);
  CHECK(r.header("content-type") == "application/problem+json");
  CHECK(post(reveal_url("alice"), pw("odd")).status == 403);
  auto me = w.gw->get_json("/api/v1/me", pw("blk"));
  CHECK(me.at("contact").at("visibility") == "blocked");
  CHECK(me.at("contact").at("may_reveal") == false);
  // Even an admin raise does not help.
  REQUIRE(call("PUT", "/admin/api/v1/agents/blk/limit", pw("owner"),
               R"({"limit": 100, "duration": "permanent"})")
              .status == 200);
  CHECK(post(reveal_url("alice"), pw("blk")).status == 403);
}

TEST_CASE("the agent's own limit overrides the default; at the limit 429 until local midnight") {
  auto& w = shared();
  w.clock->set(at(2024, 1, 12, 20));  // 21:00 in Berlin: 3 hours left
  for (int i = 0; i < 3; ++i)
    CHECK(post(reveal_url("cust" + two(i)), pw("lim3")).status == 200);
  auto r = post(reveal_url("cust03"), pw("lim3"));
  CHECK(r.status == 429);
  CHECK(r.header("content-type") == "application/problem+json");
  CHECK(r.header("retry-after") == "10800");
  CHECK(parse(r).at("detail").as_string().find("limit of 3") != std::string::npos);
  CHECK(post(reveal_url("cust01"), pw("lim3")).status == 200);  // a repeat is free
  auto me = w.gw->get_json("/api/v1/me", pw("lim3"));
  CHECK(me.at("reveals").at("limit") == 3);
  CHECK(me.at("reveals").at("left") == 0);
  CHECK(me.at("reveals").at("limit_source") == "agent_attribute");
}

TEST_CASE("50 concurrent reveals of different customers at limit 10: exactly 10 succeed") {
  auto& w = shared();
  w.clock->set(at(2024, 1, 13, 10));
  (void)w.gw->get_json("/api/v1/me", pw("conc"));  // warm the bind cache
  std::atomic<int> ok{0}, limited{0}, other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 50; ++i)
    threads.emplace_back([&, i] {
      auto r = post(reveal_url("cust" + two(i)), pw("conc"));
      if (r.status == 200)
        ++ok;
      else if (r.status == 429)
        ++limited;
      else
        ++other;
    });
  for (auto& t : threads)
    t.join();
  CHECK(ok == 10);
  CHECK(limited == 40);
  CHECK(other == 0);
  auto log = w.gw->get_json("/admin/api/v1/reveals?agent=conc&limit=100", pw("owner"));
  CHECK(log.at("items").as_array().size() == 10);
}

TEST_CASE("the reveal day ends at midnight in Berlin, not in UTC") {
  auto& w = shared();
  w.clock->set(at(2024, 1, 14, 22, 50));  // 23:50 in Berlin
  CHECK(post(reveal_url("cust10"), pw("roll")).status == 200);
  auto r = post(reveal_url("cust11"), pw("roll"));
  CHECK(r.status == 429);
  CHECK(r.header("retry-after") == "600");
  w.clock->set(at(2024, 1, 14, 23, 30));  // 00:30 on the 15th in Berlin, still the 14th in UTC
  CHECK(post(reveal_url("cust11"), pw("roll")).status == 200);
  auto log = w.gw->get_json("/admin/api/v1/reveals?agent=roll", pw("owner"));
  auto items = log.at("items").as_array();
  REQUIRE(items.size() == 2);
  CHECK(items[0].at("day") == "2024-01-15");
  CHECK(items[1].at("day") == "2024-01-14");
}

TEST_CASE("activity log: filters, CSV export, who revealed a customer") {
  auto& w = shared();
  auto all = w.gw->get_json("/admin/api/v1/reveals?customer=alice", pw("owner"));
  std::set<std::string> agents;
  for (const auto& item : all.at("items").as_array()) {
    agents.insert(std::string(item.at("agent").as_string()));
    CHECK(item.at("customer_name") == "Alice Adams");
    CHECK(item.at("customer_id") == "K1");
    CHECK(item.at("source") == "127.0.0.1");
  }
  CHECK(agents == std::set<std::string>{"m1"});
  auto day = w.gw->get_json("/admin/api/v1/reveals?from=2024-01-12&to=2024-01-12", pw("owner"));
  CHECK(day.at("items").as_array().size() == 4);  // lim3: three plus one repeat
  auto page = w.gw->get_json("/admin/api/v1/reveals?limit=2", pw("owner"));
  REQUIRE(page.at("items").as_array().size() == 2);
  auto before = page.at("next_before").as_int64();
  auto rest =
      w.gw->get_json("/admin/api/v1/reveals?limit=2&before=" + std::to_string(before), pw("owner"));
  CHECK(rest.at("items").as_array().at(0).at("id").as_int64() < before);
  auto csv = call("GET", "/admin/api/v1/reveals/export?agent=lim3", pw("owner"));
  CHECK(csv.status == 200);
  CHECK(csv.header("content-type").starts_with("text/csv"));
  CHECK(csv.body.starts_with("id,time_utc,day,agent,customer_login"));
  CHECK(csv.body.find(",2024-01-12,lim3,cust02,K1,Customer 02,127.0.0.1\r\n") != std::string::npos);
  auto who = w.gw->get_json("/admin/api/v1/reveals/customers/alice", pw("owner"));
  REQUIRE(who.at("revealed_by").as_array().size() == 1);
  CHECK(who.at("revealed_by").as_array()[0].at("agent") == "m1");
  CHECK(who.at("revealed_by").as_array()[0].at("times") == 2);
}

TEST_CASE("reaching the limit mails the day's reveals to the configured address, once") {
  auto& w = shared();
  w.clock->set(at(2024, 1, 17, 8, 15));  // 09:15 in Berlin
  CHECK(post(reveal_url("cust30"), pw("alrt")).status == 200);
  w.clock->set(at(2024, 1, 17, 8, 20));
  CHECK(post(reveal_url("alice"), pw("alrt")).status == 200);
  CHECK(post(reveal_url("cust31"), pw("alrt")).status == 429);
  // Earlier tests brought other agents to their limits too; pick this agent's mail.
  std::vector<std::string> mails;
  CHECK(eventually(
      [&] {
        mails.clear();
        for (auto& m : w.smtp.messages())
          if (m.find("agent alrt reached") != std::string::npos) mails.push_back(m);
        return !mails.empty();
      },
      15));
  REQUIRE(mails.size() == 1);
  const auto& m = mails[0];
  INFO(m);
  CHECK(m.find("X-RcptTo: security@example.com") != std::string::npos);
  CHECK(m.find("X-MailFrom: scopegate@example.com") != std::string::npos);
  CHECK(m.find("Subject: scopegate: agent alrt reached the daily reveal limit (2)") !=
        std::string::npos);
  CHECK(m.find("09:15  cust30 / Customer 30 / K1") != std::string::npos);
  CHECK(m.find("09:20  alice / Alice Adams / K1") != std::string::npos);
  CHECK(m.find("https://gw.example.com/admin/#/agents/alrt/limits") != std::string::npos);
  CHECK(m.find("2024-01-17 (Europe/Berlin)") != std::string::npos);
  // No contact values in the mail.
  CHECK(m.find("zephyr-secret") == std::string::npos);
  auto alerts_of_alrt = [&] {
    std::vector<json::value> out;
    auto n = w.gw->get_json("/admin/api/v1/notifications", pw("owner"));
    for (const auto& item : n.at("items").as_array())
      if (item.at("agent") == "alrt") out.push_back(item);
    return out;
  };
  CHECK(eventually([&] {
    auto a = alerts_of_alrt();
    return a.size() == 1 && a[0].at("status") == "sent";
  }));
  auto a = alerts_of_alrt();
  REQUIRE(a.size() == 1);  // one alert for the day, not one per refusal
  CHECK(a[0].at("attempts") == 1);
  CHECK(a[0].at("recipient") == "security@example.com");
}

TEST_CASE("logs never contain contact values") {
  auto& w = shared();
  w.clock->set(at(2024, 1, 18, 10));
  for (const char* who : {"m1", "owner", "vis"}) {
    (void)w.gw->get_json("/api/v1/customers?q=Alice", pw(who));
    (void)w.gw->get_json("/api/v1/customers/alice", pw(who));
    (void)post(reveal_url("alice"), pw(who));
  }
  (void)w.gw->get_json("/api/v1/customers?q=zephyr", pw("vis"));
  auto logs = g_logs->text();
  CHECK(logs.find("reveal agent=m1 customer=alice") != std::string::npos);  // it did log
  CHECK(logs.find("alice@") == std::string::npos);
  CHECK(logs.find("a***@") == std::string::npos);
  CHECK(logs.find("777 4242") == std::string::npos);
  CHECK(logs.find("@mail") == std::string::npos);
  CHECK(logs.find("5555 10") == std::string::npos);
}

TEST_CASE("expired reveals are deleted by the gateway's own timer") {
  auto& w = shared();
  auto before = w.gw->get_json("/admin/api/v1/reveals?limit=1000", pw("owner"));
  REQUIRE(before.at("items").as_array().size() > 10);
  // 30 days minus one hour after the reveals of 2024-01-18 10:00 UTC: only those are kept.
  w.clock->set(at(2024, 2, 17, 9));
  CHECK(eventually([&] {
    auto now = w.gw->get_json("/admin/api/v1/reveals?limit=1000", pw("owner"));
    for (const auto& item : now.at("items").as_array())
      if (item.at("day") != "2024-01-18") return false;
    return !now.at("items").as_array().empty();
  }));
}

TEST_CASE("SMTP server down: the reveal still succeeds and the failure is visible") {
  temp_dir dir;
  auto clock = std::make_shared<policy::manual_clock>(at(2024, 3, 1, 10));
  std::string dead = "smtp://127.0.0.1:" + std::to_string(free_port());
  running_gateway gw(contact_ldif(), contact_yaml(dir.path + "/reveals.db", dead, 3, 400), clock);
  auto r = http({.method = "POST",
                 .url = gw.url(reveal_url("cust40")),
                 .headers = {},
                 .body = {},
                 .user = pw("down")});
  CHECK(r.status == 200);
  // The reveal answered before the mailer gave up (3 attempts, 0.4 s + 0.8 s apart).
  auto first = gw.get_json("/admin/api/v1/notifications", pw("owner"));
  REQUIRE(first.at("items").as_array().size() == 1);
  CHECK(first.at("items").as_array()[0].at("status") != "failed");
  CHECK(eventually([&] {
    auto n = gw.get_json("/admin/api/v1/notifications?status=failed", pw("owner"));
    return n.at("items").as_array().size() == 1;
  }));
  auto n = gw.get_json("/admin/api/v1/notifications?status=failed", pw("owner"));
  auto item = n.at("items").as_array()[0];
  CHECK(item.at("attempts") == 3);
  CHECK(item.at("last_error").as_string().find("onnect") != std::string::npos);
  CHECK(item.at("agent") == "down");
  // Further reveals are unaffected.
  auto again = http({.method = "POST",
                     .url = gw.url(reveal_url("cust40")),
                     .headers = {},
                     .body = {},
                     .user = pw("down")});
  CHECK(again.status == 200);
  CHECK(g_logs->text().find("not sent after 3 attempt(s)") != std::string::npos);
}
