// What a revert undoes, for every kind of recorded change, and when it refuses: already
// reverted, stale (changed again since), gone, not revertible. A refused revert has no
// steps, so the caller writes nothing.
#include <doctest/doctest.h>

#include "mapping/revert_plan.hpp"

using namespace scopegate;
using namespace scopegate::mapping;

namespace {

using ids = std::vector<std::string>;

partner_state acme(ids customer_ids, std::string version, std::string name = "Acme") {
  return {"acme", std::move(name), std::move(customer_ids), {}, std::move(version)};
}

history_entry_view entry(std::string_view action, std::string before, std::string after,
                         std::string partner_id = "acme") {
  history_entry_view e;
  e.id = 7;
  e.action = std::string(action);
  e.partner_id = std::move(partner_id);
  e.before_json = std::move(before);
  e.after_json = std::move(after);
  return e;
}

template <class T>
const T& only_step(const revert_plan&& p) = delete;  // the step would dangle

template <class T>
const T& only_step(const revert_plan& p) {
  REQUIRE_FALSE(p.refusal);
  REQUIRE(p.steps.size() == 1);
  REQUIRE(std::holds_alternative<T>(p.steps[0]));
  return std::get<T>(p.steps[0]);
}

void check_refused(const revert_plan& p, revert_refusal_kind kind) {
  REQUIRE(p.refusal);
  CHECK(p.refusal->kind == kind);
  CHECK(p.steps.empty());  // nothing is written
}

// What the store would answer after applying a customer-ID step: a new version.
partner_state applied(const change_customer_ids_step& s, partner_state p, std::string version) {
  for (const auto& id : s.add)
    p.customer_ids.push_back(id);
  std::erase_if(p.customer_ids, [&](const std::string& id) {
    return std::find(s.remove.begin(), s.remove.end(), id) != s.remove.end();
  });
  std::sort(p.customer_ids.begin(), p.customer_ids.end());
  p.version = std::move(version);
  return p;
}

}  // namespace

TEST_CASE("an entry reverted before is refused") {
  auto e = entry(change_action::partner_customer_ids, to_json(acme({"A"}, "v1")),
                 to_json(acme({"A", "B"}, "v2")));
  e.reverted_by = 12;
  current_state now;
  now.partner = acme({"A", "B"}, "v2");
  auto p = plan_revert(e, now);
  check_refused(p, revert_refusal_kind::already_reverted);
  CHECK(p.refusal->reverted_by == 12);
  CHECK(p.refusal->detail == "this change was already reverted (entry 12)");
  CHECK(revert_reads_for(e).subject == revert_subject::none);
}

TEST_CASE("customer-ID change: re-add what it removed, remove what it added, at its version") {
  auto e = entry(change_action::partner_customer_ids, to_json(acme({"A", "B"}, "v1")),
                 to_json(acme({"B", "C"}, "v2")));
  CHECK(revert_reads_for(e).subject == revert_subject::partner);
  CHECK(revert_reads_for(e).partner_id == "acme");
  current_state now;
  now.partner = acme({"B", "C"}, "v2");
  auto p = plan_revert(e, now);
  const auto& s = only_step<change_customer_ids_step>(p);
  CHECK(s.id == "acme");
  CHECK(s.add == ids{"A"});
  CHECK(s.remove == ids{"C"});
  CHECK(s.expected_version == "v2");
  CHECK(p.record.action == "partner.customer_ids");
  CHECK(p.record.partner_id == "acme");
  CHECK(p.record.summary == "reverted #7: customer IDs of acme: added A; removed C");
  CHECK(p.record.before_json == e.after_json);
  CHECK(p.after_from_result);

  SUBCASE("a revert of the revert re-applies the change") {
    auto result = applied(s, *now.partner, "v3");
    CHECK(result.customer_ids == ids{"A", "B"});
    auto back = entry(p.record.action, p.record.before_json, to_json(result));
    back.id = 8;
    current_state later;
    later.partner = result;
    auto again = plan_revert(back, later);
    const auto& s2 = only_step<change_customer_ids_step>(again);
    CHECK(s2.add == ids{"C"});
    CHECK(s2.remove == ids{"A"});
    CHECK(s2.expected_version == "v3");
    CHECK(again.record.summary == "reverted #8: customer IDs of acme: added C; removed A");
  }
}

TEST_CASE("a stale customer-ID change is refused, saying what differs") {
  auto e = entry(change_action::partner_customer_ids, to_json(acme({"A"}, "v1")),
                 to_json(acme({"A", "B"}, "v2")));
  current_state now;
  now.partner = acme({"A", "B", "D"}, "v3");
  auto p = plan_revert(e, now);
  check_refused(p, revert_refusal_kind::stale);
  CHECK(p.refusal->detail.find("customer IDs added since: D") != std::string::npos);
  CHECK(p.refusal->detail.find("nothing was changed") != std::string::npos);

  now.partner = acme({"B"}, "v3");
  p = plan_revert(e, now);
  check_refused(p, revert_refusal_kind::stale);
  CHECK(p.refusal->detail.find("customer IDs removed since: A") != std::string::npos);

  // The same IDs but another version: something else was written to the entry since.
  now.partner = acme({"A", "B"}, "v9");
  p = plan_revert(e, now);
  check_refused(p, revert_refusal_kind::stale);
  CHECK(p.refusal->detail.find("written since") != std::string::npos);

  // Agent members added to the partner entry (partner_member links) count too.
  auto members = acme({"A", "B"}, "v2");
  members.member_dns = {"uid=a1,ou=people,dc=x"};
  now.partner = members;
  check_refused(plan_revert(e, now), revert_refusal_kind::stale);
}

TEST_CASE("a partner that no longer exists: gone; unreadable entries: not revertible") {
  auto e = entry(change_action::partner_customer_ids, to_json(acme({"A"}, "v1")),
                 to_json(acme({"A", "B"}, "v2")));
  current_state now;  // no partner
  check_refused(plan_revert(e, now), revert_refusal_kind::gone);

  now.partner = acme({"A", "B"}, "v2");
  // Without the recorded version a write could not be checked: refused, not unchecked.
  auto no_version = entry(change_action::partner_customer_ids, to_json(acme({"A"}, "v1")),
                          to_json(acme({"A", "B"}, "")));
  check_refused(plan_revert(no_version, now), revert_refusal_kind::not_revertible);
  auto broken = entry(change_action::partner_customer_ids, "{not json", "null");
  check_refused(plan_revert(broken, now), revert_refusal_kind::not_revertible);
  auto broken_before =
      entry(change_action::partner_customer_ids, "[]", to_json(acme({"A", "B"}, "v2")));
  check_refused(plan_revert(broken_before, now), revert_refusal_kind::not_revertible);
}

TEST_CASE("partner create reverts to a delete at the created version") {
  auto e = entry(change_action::partner_create, "null", to_json(acme({"A"}, "v1")));
  current_state now;
  now.partner = acme({"A"}, "v1");
  auto p = plan_revert(e, now);
  const auto& s = only_step<delete_partner_step>(p);
  CHECK(s.id == "acme");
  CHECK(s.expected_version == "v1");
  CHECK(p.record.action == "partner.delete");
  CHECK(p.record.summary == "reverted #7: deleted partner acme");
  CHECK(p.record.before_json == to_json(*now.partner));
  CHECK(p.record.after_json == "null");
  CHECK_FALSE(p.after_from_result);

  now.partner = acme({"A"}, "v1", "Acme Renamed");
  auto stale = plan_revert(e, now);
  check_refused(stale, revert_refusal_kind::stale);
  CHECK(stale.refusal->detail.find("its name is now \"Acme Renamed\"") != std::string::npos);
}

TEST_CASE("partner delete reverts to a create with the old name, IDs and members") {
  auto gone = acme({"A", "B"}, "v4");
  gone.member_dns = {"uid=a1,ou=people,dc=x"};
  auto e = entry(change_action::partner_delete, to_json(gone), "null");
  current_state now;
  auto p = plan_revert(e, now);
  const auto& s = only_step<create_partner_step>(p);
  CHECK(s.id == "acme");
  CHECK(s.name == "Acme");
  CHECK(s.customer_ids == ids{"A", "B"});
  CHECK(s.member_dns == ids{"uid=a1,ou=people,dc=x"});
  CHECK(p.record.action == "partner.create");
  CHECK(p.record.summary == "reverted #7: recreated partner acme");
  CHECK(p.record.before_json == "null");
  CHECK(p.after_from_result);

  // Someone created the partner again meanwhile: not overwritten.
  now.partner = acme({}, "v9");
  check_refused(plan_revert(e, now), revert_refusal_kind::stale);
}

TEST_CASE("partner rename reverts to the old name at the renamed version") {
  auto e = entry(change_action::partner_rename, to_json(acme({"A"}, "v1", "Old")),
                 to_json(acme({"A"}, "v2", "New")));
  current_state now;
  now.partner = acme({"A"}, "v2", "New");
  auto p = plan_revert(e, now);
  const auto& s = only_step<rename_partner_step>(p);
  CHECK(s.name == "Old");
  CHECK(s.expected_version == "v2");
  CHECK(p.record.summary == "reverted #7: renamed acme back to \"Old\"");
  CHECK(p.record.before_json == e.after_json);
  now.partner = acme({"A"}, "v3", "Newer");
  check_refused(plan_revert(e, now), revert_refusal_kind::stale);
}

TEST_CASE("agent link and unlink revert to the opposite, in the recorded link mode") {
  link_state linked{"a1", "acme", "partner_member", true};
  link_state unlinked{"a1", "acme", "partner_member", false};
  auto e = entry(change_action::agent_unlink, to_json(linked), to_json(unlinked));
  auto reads = revert_reads_for(e);
  CHECK(reads.subject == revert_subject::agent_link);
  CHECK(reads.agent == "a1");
  CHECK(reads.partner_id == "acme");
  CHECK(reads.link == link_mode::partner_member);

  current_state now;
  now.link_modes = {true, true};
  auto p = plan_revert(e, now);
  const auto& s = only_step<link_agent_step>(p);
  CHECK(s.agent == "a1");
  CHECK(s.partner_id == "acme");
  CHECK(s.linked);
  CHECK(s.mode == link_mode::partner_member);
  CHECK(p.record.action == "agent.link");
  CHECK(p.record.summary == "reverted #7: assigned agent a1 to acme");
  CHECK(p.record.before_json == e.after_json);
  CHECK(p.record.after_json == e.before_json);

  SUBCASE("a link mode no longer configured cannot be used") {
    now.link_modes = {true, false};
    check_refused(plan_revert(e, now), revert_refusal_kind::not_revertible);
  }
  SUBCASE("when the current link is known and already undone: stale") {
    now.agent_linked = true;
    check_refused(plan_revert(e, now), revert_refusal_kind::stale);
    now.agent_linked = false;
    CHECK_FALSE(plan_revert(e, now).refusal);
  }
  SUBCASE("a link without recorded mode uses the default mode") {
    auto old = entry(change_action::agent_link, R"({"agent":"a1","linked":false})",
                     R"({"agent":"a1","linked":true})");
    CHECK_FALSE(revert_reads_for(old).link);
    now.link_modes = {true, true};
    auto plan2 = plan_revert(old, now);
    const auto& s2 = only_step<link_agent_step>(plan2);
    CHECK_FALSE(s2.linked);
    CHECK(s2.mode == link_mode::agent_attribute);
    now.link_modes = {false, true};
    CHECK(std::get<link_agent_step>(plan_revert(old, now).steps[0]).mode ==
          link_mode::partner_member);
  }
}

TEST_CASE("agent mode reverts to the earlier attribute value, unless changed since") {
  auto e = entry(change_action::agent_mode, to_json(agent_mode_state{"a1", std::nullopt}),
                 to_json(agent_mode_state{"a1", "full"}), "");
  CHECK(revert_reads_for(e).subject == revert_subject::agent_mode);
  CHECK(revert_reads_for(e).agent == "a1");
  current_state now;
  check_refused(plan_revert(e, now), revert_refusal_kind::gone);  // no such agent
  now.agent_mode = agent_mode_state{"a1", "full"};
  auto p = plan_revert(e, now);
  const auto& s = only_step<set_agent_mode_step>(p);
  CHECK(s.agent == "a1");
  CHECK_FALSE(s.value);
  CHECK(s.attribute_present);
  CHECK(p.record.action == "agent.mode");
  CHECK(p.record.summary == "reverted #7: access mode of agent a1 → inherited");
  CHECK(p.record.before_json == to_json(agent_mode_state{"a1", "full"}));
  CHECK(p.record.after_json == e.before_json);

  now.agent_mode = agent_mode_state{"a1", "view_only"};  // changed again since
  auto stale = plan_revert(e, now);
  check_refused(stale, revert_refusal_kind::stale);
  CHECK(stale.refusal->detail.find("is now view_only, not full") != std::string::npos);
}

TEST_CASE("fieldworkers switch and group defaults") {
  auto e = entry(change_action::settings_fieldworkers, to_json(fieldworkers_state{false}),
                 to_json(fieldworkers_state{true}), "");
  current_state now;
  now.fieldworkers_see_all = true;
  auto p = plan_revert(e, now);
  CHECK_FALSE(only_step<set_fieldworkers_step>(p).see_all);
  CHECK(p.record.summary == "reverted #7: fieldworkers see all customers → off");
  CHECK(p.record.before_json == to_json(fieldworkers_state{true}));
  now.fieldworkers_see_all = false;
  check_refused(plan_revert(e, now), revert_refusal_kind::stale);

  std::vector<config::group_mode> configured{{"cn=editors,dc=x", config::access_mode::edit}};
  std::vector<config::group_mode> changed{{"cn=editors,dc=x", config::access_mode::hidden},
                                          {"cn=f,dc=x", config::access_mode::edit_export}};
  auto g = entry(change_action::settings_group_modes, group_modes_to_json(configured),
                 group_modes_to_json(changed), "");
  current_state later;
  check_refused(plan_revert(g, later), revert_refusal_kind::not_revertible);  // not changeable
  later.group_modes = changed;
  auto gp = plan_revert(g, later);
  const auto& gs = only_step<set_group_modes_step>(gp);
  CHECK(same_group_modes(gs.modes, configured));
  CHECK(gp.record.summary == "reverted #7: access-mode group defaults: 2 → 1 group(s)");
  CHECK(gp.record.after_json == g.before_json);
  later.group_modes = configured;  // already back (or changed otherwise)
  check_refused(plan_revert(g, later), revert_refusal_kind::stale);
  auto bad = entry(change_action::settings_group_modes, R"([{"group":"x","mode":"full"}])",
                   group_modes_to_json(changed), "");
  later.group_modes = changed;
  check_refused(plan_revert(bad, later), revert_refusal_kind::not_revertible);
}

TEST_CASE("reveal-limit overrides: set and clear are revertible, today-only ones only today") {
  reveal_limit_state none{"a1", false, std::nullopt, std::nullopt};
  reveal_limit_state twenty{"a1", false, 20, std::nullopt};
  reveal_limit_state fifty{"a1", false, 50, std::nullopt};
  auto set = reveal_limit_change(twenty, fifty);
  CHECK(set.action == "reveal_limit.set");
  CHECK(set.summary == "reveal limit of agent a1 (permanent): 20 → 50");
  auto e = entry(set.action, set.before_json, set.after_json, "");
  auto reads = revert_reads_for(e);
  CHECK(reads.subject == revert_subject::reveal_limit);
  CHECK(reads.agent == "a1");
  CHECK_FALSE(reads.today_only);

  current_state now;
  now.today = "2026-12-02";
  now.reveal_limit = fifty;
  auto p = plan_revert(e, now);
  const auto& s = only_step<set_reveal_limit_step>(p);
  CHECK(s.agent == "a1");
  CHECK(s.limit == 20);
  CHECK_FALSE(s.today_only);
  CHECK(p.record.action == "reveal_limit.set");
  CHECK(p.record.summary == "reverted #7: reveal limit of agent a1 (permanent): 50 → 20");

  now.reveal_limit = reveal_limit_state{"a1", false, 60, std::nullopt};
  auto stale = plan_revert(e, now);
  check_refused(stale, revert_refusal_kind::stale);
  CHECK(stale.refusal->detail.find("is now 60, not 50") != std::string::npos);

  SUBCASE("an override set where there was none reverts to clearing it, and back") {
    auto first = reveal_limit_change(none, fifty);
    now.reveal_limit = fifty;
    auto cp = plan_revert(entry(first.action, first.before_json, first.after_json, ""), now);
    const auto& c = only_step<clear_reveal_limit_step>(cp);
    CHECK_FALSE(c.today_only);
    CHECK(cp.record.action == "reveal_limit.clear");
    // The revert of that revert sets it again.
    auto back = entry(cp.record.action, cp.record.before_json, cp.record.after_json, "");
    back.id = 9;
    now.reveal_limit = none;
    auto again = plan_revert(back, now);
    CHECK(only_step<set_reveal_limit_step>(again).limit == 50);
    CHECK(again.record.action == "reveal_limit.set");
  }
  SUBCASE("today-only: revertible on its day, lapsed on the next") {
    reveal_limit_state t_none{"a1", true, std::nullopt, std::nullopt};
    reveal_limit_state t_30{"a1", true, 30, "2026-12-02"};
    auto today = reveal_limit_change(t_none, t_30);
    auto te = entry(today.action, today.before_json, today.after_json, "");
    CHECK(revert_reads_for(te).today_only);
    now.reveal_limit = t_30;
    auto cleared = plan_revert(te, now);
    CHECK(only_step<clear_reveal_limit_step>(cleared).today_only);
    now.today = "2026-12-03";
    now.reveal_limit = t_none;
    check_refused(plan_revert(te, now), revert_refusal_kind::not_revertible);
  }
}

TEST_CASE("unknown kinds and malformed reveal-limit entries are not revertible") {
  current_state now;
  check_refused(plan_revert(entry("partner.merge", "null", "null"), now),
                revert_refusal_kind::not_revertible);
  CHECK(revert_reads_for(entry("partner.merge", "null", "null")).subject == revert_subject::none);
  check_refused(plan_revert(entry("reveal_limit.set", R"({"agent":"a1","duration":"today"})",
                                  R"({"agent":"a2","duration":"today","limit":3})", ""),
                            now),
                revert_refusal_kind::not_revertible);
}

TEST_CASE("linked_now in both link modes") {
  agent_record a{"uid=A1,ou=people,dc=x", "a1", "A", {"acme"}};
  partner_record p{"cn=acme", "acme", "Acme", {}, {"uid=a1,ou=People,dc=x"}, "v1"};
  partner_record q{"cn=beta", "beta", "Beta", {}, {}, "v1"};
  CHECK(linked_now(link_mode::agent_attribute, "acme", a, std::nullopt));
  CHECK_FALSE(linked_now(link_mode::agent_attribute, "beta", a, q));
  CHECK(linked_now(link_mode::partner_member, "acme", a, p));
  CHECK_FALSE(linked_now(link_mode::partner_member, "beta", a, q));
  CHECK_FALSE(linked_now(link_mode::partner_member, "acme", std::nullopt, p));
}

TEST_CASE("change records read back what they wrote") {
  auto s = acme({"A", "B"}, "v1");
  s.member_dns = {"uid=x,dc=x"};
  CHECK(parse_partner_state(to_json(s)) == s);
  CHECK_FALSE(parse_partner_state("null"));
  CHECK(to_json(s) ==
        R"({"id":"acme","name":"Acme","customer_ids":["A","B"],"member_dns":["uid=x,dc=x"],)"
        R"("version":"v1"})");
  link_state l{"a1", "acme", "agent_attribute", true};
  CHECK(parse_link_state(to_json(l)) == l);
  agent_mode_state m{"a1", std::nullopt};
  CHECK(to_json(m) == R"({"agent":"a1","attribute_value":null})");
  CHECK(parse_agent_mode_state(to_json(m)) == m);
  reveal_limit_state r{"a1", true, 5, "2026-12-02"};
  CHECK(parse_reveal_limit_state(to_json(r)) == r);
  CHECK_FALSE(parse_reveal_limit_state(R"({"agent":"a1","duration":"week","limit":1})"));
  CHECK_FALSE(parse_reveal_limit_state(R"({"agent":"a1","duration":"today","limit":-1})"));
  std::string error;
  CHECK_FALSE(parse_group_modes_json(R"([{"group":"cn=x,dc=y","mode":"root"}])", error));
  CHECK(error.find("is not an access mode") != std::string::npos);
}
