// Reveal administration through the HTTP API against a real slapd and SQLite ledger:
// limits raised by admins for today or for good, and who may use these resources.
#include <doctest/doctest.h>

#include "tests/gateway/contact_world.hpp"

using namespace scopegate;
using namespace scopegate::testing;
using namespace scopegate::testing::contact;
using namespace std::chrono;
namespace json = boost::json;

TEST_CASE("an admin raises a limit for today only; it ends at local midnight") {
  auto& w = shared();
  w.clock->set(at(2024, 1, 16, 15));
  CHECK(post(reveal_url("cust20"), pw("tday")).status == 200);
  CHECK(post(reveal_url("cust21"), pw("tday")).status == 429);
  auto set = call("PUT", "/admin/api/v1/agents/tday/limit", pw("owner"),
                  R"({"limit": 2, "duration": "today"})");
  REQUIRE(set.status == 200);
  auto state = parse(set);
  CHECK(state.at("today").at("limit") == 2);
  CHECK(state.at("today").at("limit_source") == "today_override");
  CHECK(state.at("agent_attribute_limit") == 1);
  CHECK(state.at("overrides").as_array().at(0).at("set_by") == "owner");
  CHECK(post(reveal_url("cust21"), pw("tday")).status == 200);
  CHECK(post(reveal_url("cust22"), pw("tday")).status == 429);
  w.clock->set(at(2024, 1, 16, 23, 0));  // midnight in Berlin
  auto next = w.gw->get_json("/admin/api/v1/agents/tday/limit", pw("owner"));
  CHECK(next.at("today").at("limit") == 1);
  CHECK(next.at("today").at("used_today") == 0);
  CHECK(next.at("overrides").as_array().empty());
  // A permanent override applies to agents without their own attribute.
  REQUIRE(call("PUT", "/admin/api/v1/agents/m3/limit", pw("owner"),
               R"({"limit": 1, "duration": "permanent"})")
              .status == 200);
  CHECK(post(reveal_url("cust23"), pw("m3")).status == 200);
  CHECK(post(reveal_url("cust24"), pw("m3")).status == 429);
  CHECK(call("DELETE", "/admin/api/v1/agents/m3/limit?duration=permanent", pw("owner")).status ==
        204);
  CHECK(post(reveal_url("cust24"), pw("m3")).status == 200);
  CHECK(call("DELETE", "/admin/api/v1/agents/m3/limit?duration=permanent", pw("owner")).status ==
        404);
}

TEST_CASE("admin resources are for bypass-group members only, and check their input") {
  auto& w = shared();
  (void)w;
  for (const char* path :
       {"/admin/api/v1/reveals", "/admin/api/v1/notifications", "/admin/api/v1/agents/m1/limit",
        "/admin/api/v1/reveals/export", "/admin/api/v1/reveals/customers/alice"}) {
    INFO(path);
    CHECK(call("GET", path, pw("m1")).status == 403);
    CHECK(call("GET", path, pw("vis")).status == 403);
    CHECK(call("GET", path, pw("grp")).status == 403);
    CHECK(call("GET", path, "").status == 401);
    CHECK(call("GET", path, "owner:wrong").status == 401);
    CHECK(call("GET", path, pw("owner")).status == 200);
    // Agent credentials never open an admin resource, not even an owner's.
    CHECK(http_get(shared().gw->url(path), pw("owner")).status == 401);
  }
  CHECK(call("PUT", "/admin/api/v1/agents/m1/limit", pw("m1"),
             R"({"limit": 99, "duration": "permanent"})")
            .status == 403);
  CHECK(call("PUT", "/admin/api/v1/agents/m1/limit", pw("owner"), "not json").status == 400);
  CHECK(call("PUT", "/admin/api/v1/agents/m1/limit", pw("owner"), R"({"limit": -1,
      "duration": "today"})")
            .status == 400);
  CHECK(call("PUT", "/admin/api/v1/agents/m1/limit", pw("owner"), R"({"limit": 5,
      "duration": "forever"})")
            .status == 400);
  CHECK(call("PUT", "/admin/api/v1/agents/m1/limit", pw("owner"), R"({"limit": 5,
      "duration": "today", "x": 1})")
            .status == 400);
  CHECK(call("GET", "/admin/api/v1/agents/nosuchagent/limit", pw("owner")).status == 404);
  CHECK(call("GET", "/admin/api/v1/reveals?from=2024-02-30", pw("owner")).status == 400);
  CHECK(call("GET", "/admin/api/v1/reveals?from=2024-02-02&to=2024-02-01", pw("owner")).status ==
        400);
  CHECK(call("GET", "/admin/api/v1/reveals?limit=0", pw("owner")).status == 400);
  CHECK(call("GET", "/admin/api/v1/reveals?bogus=1", pw("owner")).status == 400);
  CHECK(call("GET", "/admin/api/v1/notifications?status=odd", pw("owner")).status == 400);
  CHECK(call("POST", "/admin/api/v1/reveals", pw("owner")).status == 405);
  CHECK(call("DELETE", "/admin/api/v1/agents/m1/limit", pw("owner")).status == 400);
}
