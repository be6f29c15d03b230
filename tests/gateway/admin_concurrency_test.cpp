// Admins holding the same version of a partner: however their writes interleave, exactly one
// succeeds, every other gets the version conflict (409, nothing changed), and the directory
// holds exactly the winner's change — the directory checks the version within the write.
#include <doctest/doctest.h>

#include <thread>
#include <vector>

#include "tests/gateway/scenario.hpp"

using namespace scopegate::testing;
namespace json = boost::json;

namespace {

const std::string k_admins = "cn=scopegate-admins,ou=groups,dc=example,dc=com";
constexpr int k_admins_racing = 12;

running_gateway& shared() {
  static running_gateway gw(
      scenario_ldif() + "dn: " + k_admins +
          "\nobjectClass: groupOfNames\ncn: scopegate-admins\n"
          "member: uid=owner,ou=people,dc=example,dc=com\n\n",
      scenario_yaml("@URI@", "", "", "admin:\n  group_dns: [\"" + k_admins + "\"]\n"));
  return gw;
}

admin_client logged_in() {
  admin_client c{shared(), "", ""};
  REQUIRE(c.login("owner", "owner-pw").status == 200);
  return c;
}

// Sends `body_of(i)` for i in [0, k_admins_racing) at once, all with the same If-Match.
std::vector<http_reply> race(const admin_client& c, const std::string& method,
                             const std::string& path, const std::string& etag,
                             std::string (*body_of)(int)) {
  std::vector<http_reply> replies(k_admins_racing);
  std::vector<std::thread> threads;
  for (int i = 0; i < k_admins_racing; ++i)
    threads.emplace_back(
        [&, i] { replies[i] = c.call(method, path, body_of(i), {"If-Match: " + etag}); });
  for (auto& t : threads)
    t.join();
  return replies;
}

int winner_of(const std::vector<http_reply>& replies) {
  int winner = -1, wins = 0;
  for (int i = 0; i < k_admins_racing; ++i) {
    CAPTURE(replies[i].body);
    if (replies[i].status == 200) {
      winner = i;
      ++wins;
    } else {
      CHECK(replies[i].status == 409);
      CHECK(replies[i].body.find("version-conflict") != std::string::npos);
    }
  }
  CHECK(wins == 1);
  return winner;
}

}  // namespace

TEST_CASE("concurrent renames with the same If-Match: exactly one wins, its name stays") {
  auto c = logged_in();
  auto tag = c.call("GET", "/admin/api/v1/partners/p-one").header("etag");
  REQUIRE(!tag.empty());
  auto replies = race(c, "PATCH", "/admin/api/v1/partners/p-one", tag, [](int i) {
    return R"({"name":"Renamed by admin )" + std::to_string(i) + "\"}";
  });
  int winner = winner_of(replies);
  REQUIRE(winner >= 0);
  CHECK(c.get("/admin/api/v1/partners/p-one").at("name").as_string() ==
        "Renamed by admin " + std::to_string(winner));
}

TEST_CASE("concurrent customer-ID grants with the same If-Match: only the winner's is granted") {
  auto c = logged_in();
  auto tag = c.call("GET", "/admin/api/v1/partners/p-empty").header("etag");
  REQUIRE(!tag.empty());
  auto replies = race(c, "POST", "/admin/api/v1/partners/p-empty/customer-ids", tag, [](int i) {
    return R"({"add":["X)" + std::to_string(i) + R"("],"confirm_unknown":true})";
  });
  int winner = winner_of(replies);
  REQUIRE(winner >= 0);
  auto ids = c.get("/admin/api/v1/partners/p-empty").at("customer_ids").as_array();
  REQUIRE(ids.size() == 1);
  CHECK(ids[0].as_string() == "X" + std::to_string(winner));
}
