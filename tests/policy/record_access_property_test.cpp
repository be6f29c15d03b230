// Randomized property test of the access decision: random agents (partner sets, bypass,
// creator-only, access modes including hidden and view_only, blocked contacts) against
// random customers (0-3 customer IDs, random creators). For every action the verdict of
// explain_record_access (over decide_scope, decide_access_mode and decide_contact_view)
// must equal an independent, straightforward statement of DESIGN.md section 1; for view it
// must also equal what the in-memory customer index returns for that scope (find and
// search). The LDAP filter side is covered by tests/mapping/index_equivalence_test.cpp
// against slapd: compiled filters have no pure matcher to compare with here.
#include <doctest/doctest.h>

#include <random>
#include <set>

#include "mapping/memory_customer_source.hpp"
#include "mapping/scope_rules.hpp"
#include "policy/record_access.hpp"

using namespace scopegate;
using namespace scopegate::policy;
using config::access_mode;

namespace {

constexpr int k_agents = 6;  // agent DNs uid=a0 .. uid=a5
constexpr int k_ids = 6;     // customer IDs C0 .. C5
constexpr int k_partners = 5;

std::string agent_dn(int i) {
  return "uid=a" + std::to_string(i) + ",ou=people,dc=example,dc=com";
}

// Random agent, as raw facts: the directory's view of it before any rule is applied.
struct raw_agent {
  int index = 0;
  bool bypass = false;
  bool any_partner_exists = true;
  std::vector<int> partner_ids;                  // the agent's partner IDs P0..P4
  std::vector<int> existing;                     // which partner IDs have an entry
  std::vector<std::vector<int>> partner_grants;  // customer IDs of P0..P4
  bool creator_only = false;
  bool fieldworkers_see_all = false;
  bool unassigned_all = false;
  std::string mode_attribute;        // empty, a mode, or garbage
  std::string visibility_attribute;  // empty, visible, masked, blocked
};

struct raw_customer {
  std::string login;
  std::vector<int> ids;           // 0-3 of C0..C5 (duplicates possible)
  std::string creator;            // creatorsName
  std::optional<int> owner;       // customers.owner_attribute (an agent)
  bool owner_upper_case = false;  // the owner DN written in other case
};

std::string id_name(int i) {
  return "C" + std::to_string(i);
}

raw_agent random_agent(std::mt19937& rng) {
  auto coin = [&](int n) { return rng() % static_cast<unsigned>(n) == 0; };
  raw_agent a;
  a.index = static_cast<int>(rng() % k_agents);
  a.bypass = coin(8);
  a.any_partner_exists = !coin(8);
  for (int p = 0; p < k_partners; ++p) {
    if (coin(3)) a.partner_ids.push_back(p);
    if (!coin(4)) a.existing.push_back(p);
    std::vector<int> grants;
    for (int i = 0; i < k_ids; ++i)
      if (coin(3)) grants.push_back(i);
    a.partner_grants.push_back(grants);
  }
  a.creator_only = coin(3);
  a.fieldworkers_see_all = coin(4);
  a.unassigned_all = coin(2);
  const char* modes[] = {"",          "",       "full",   "edit",    "edit_import", "edit_export",
                         "view_only", "hidden", "HIDDEN", "nonsense"};
  a.mode_attribute = modes[rng() % 10];
  const char* views[] = {"", "", "visible", "masked", "blocked"};
  a.visibility_attribute = views[rng() % 5];
  return a;
}

raw_customer random_customer(std::mt19937& rng, int n) {
  raw_customer c;
  c.login = "cu" + std::to_string(100 + n);
  auto count = rng() % 4;
  for (unsigned k = 0; k < count; ++k)
    c.ids.push_back(static_cast<int>(rng() % k_ids));
  c.creator =
      rng() % 4 == 0 ? agent_dn(static_cast<int>(rng() % k_agents)) : "cn=admin,dc=example,dc=com";
  if (rng() % 3 != 0) c.owner = static_cast<int>(rng() % k_agents);
  c.owner_upper_case = rng() % 2 == 0;
  return c;
}

bool contains(const std::vector<int>& v, int x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

// ---- The gathered facts, as scope_resolver and the gateway would hand them over. -----

mapping::scope_ptr resolve(const raw_agent& a) {
  mapping::scope_facts f;
  f.agent_dn = agent_dn(a.index);
  if (a.bypass) f.bypass_group = "cn=owners,dc=example,dc=com";
  f.creator_only = a.creator_only;
  f.fieldworkers_see_all = a.fieldworkers_see_all;
  f.any_partner_exists = a.any_partner_exists;
  for (int p : a.partner_ids) {
    f.partner_ids.push_back("P" + std::to_string(p));
    if (contains(a.existing, p)) {
      mapping::partner entry{
          .dn = "", .id = "P" + std::to_string(p), .name = "", .customer_ids = {}};
      for (int i : a.partner_grants[static_cast<std::size_t>(p)])
        entry.customer_ids.push_back(id_name(i));
      f.partners.push_back(std::move(entry));
    }
  }
  f.unassigned_agents =
      a.unassigned_all ? config::unassigned_policy::all : config::unassigned_policy::deny;
  return std::make_shared<const mapping::access_scope>(mapping::decide_scope(std::move(f)));
}

agent_facts facts_of(const config::config& cfg, const raw_agent& a) {
  agent_facts out;
  out.scope = resolve(a);
  mapping::agent who;
  who.login = "a" + std::to_string(a.index);
  who.dn = agent_dn(a.index);
  if (!a.mode_attribute.empty())
    who.entry.attributes.push_back({cfg.agents.access_mode_attribute, {a.mode_attribute}});
  if (!a.visibility_attribute.empty())
    who.entry.attributes.push_back(
        {cfg.agents.contact_visibility_attribute, {a.visibility_attribute}});
  out.access = decide_access_mode(cfg, who, *out.scope);
  out.contact = decide_contact_view(
      cfg.masking, read_visibility(who.entry.values(cfg.agents.contact_visibility_attribute)),
      *out.scope, "");
  return out;
}

ldap::entry entry_of(const config::customers_config& cc, const raw_customer& c) {
  ldap::entry e;
  e.dn = "uid=" + c.login + ",ou=customers,dc=example,dc=com";
  e.attributes.push_back({cc.login_attribute, {c.login}});
  std::vector<std::string> ids;
  for (int i : c.ids)
    ids.push_back(id_name(i));
  if (!ids.empty()) e.attributes.push_back({cc.customer_id_attribute, ids});
  e.attributes.push_back({"creatorsName", {c.creator}});
  if (c.owner) {
    auto dn = agent_dn(*c.owner);
    if (c.owner_upper_case)
      for (auto& ch : dn)
        ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    e.attributes.push_back({cc.owner_attribute, {dn}});
  }
  return e;
}

// ---- The independent statement of the rules (DESIGN.md section 1). -------------------

struct expected {
  verdict outcome;
  refusal reason = refusal::none;
};

expected independent(const raw_agent& a, const raw_customer& c, record_action action) {
  // Scope.
  bool denied = false, sees_all = false;
  std::set<int> granted;
  if (a.bypass || !a.any_partner_exists) {
    sees_all = true;
  } else if (a.partner_ids.empty()) {
    (a.unassigned_all ? sees_all : denied) = true;
  } else {
    for (int p : a.partner_ids)
      if (contains(a.existing, p))
        for (int i : a.partner_grants[static_cast<std::size_t>(p)])
          granted.insert(i);
  }
  const bool creator_restricted = !a.bypass && a.creator_only && !a.fieldworkers_see_all;
  // Access mode: owners full; blocked contact -> view_only; own attribute; default.
  access_mode mode = access_mode::view_only;  // access.default_mode
  if (a.bypass)
    mode = access_mode::full;
  else if (a.visibility_attribute == "blocked")
    mode = access_mode::view_only;
  else if (a.mode_attribute == "nonsense")
    mode = access_mode::hidden;
  else if (a.mode_attribute == "HIDDEN")
    mode = access_mode::hidden;
  else if (!a.mode_attribute.empty())
    mode = *config::parse_access_mode(a.mode_attribute);
  const bool blocked = a.visibility_attribute == "blocked";

  if (denied) return {verdict::forbidden, refusal::unassigned};
  if (mode == access_mode::hidden) return {verdict::forbidden, refusal::section_hidden};
  const bool editing = mode == access_mode::full || mode == access_mode::edit ||
                       mode == access_mode::edit_import || mode == access_mode::edit_export;
  switch (action) {
    case record_action::edit:
    case record_action::delete_:
      if (!editing) return {verdict::forbidden, refusal::mode_forbids_edit};
      break;
    case record_action::export_:
      if (mode != access_mode::full && mode != access_mode::edit_export)
        return {verdict::forbidden, refusal::mode_forbids_export};
      break;
    case record_action::import:
      if (mode != access_mode::full && mode != access_mode::edit_import)
        return {verdict::forbidden, refusal::mode_forbids_import};
      break;
    case record_action::reveal:
      if (blocked) return {verdict::forbidden, refusal::contact_blocked};
      break;
    case record_action::view:
      break;
  }
  bool in_partner_scope = sees_all;
  for (int i : c.ids)
    in_partner_scope = in_partner_scope || granted.count(i) == 1;
  bool mine =
      !creator_restricted || c.creator == agent_dn(a.index) || (c.owner && *c.owner == a.index);
  if (!in_partner_scope || !mine) return {verdict::not_found};
  return {verdict::allow};
}

constexpr record_action k_actions[] = {record_action::view,    record_action::edit,
                                       record_action::delete_, record_action::reveal,
                                       record_action::export_, record_action::import};

}  // namespace

TEST_CASE("property: verdicts equal the rules restated, and view equals the index's answer") {
  config::config cfg;
  cfg.customers.fields = {{"login", "uid"}, {"customer_id", "scopegateCustomerId"}};
  cfg.customers.search_attributes = {"uid"};
  std::mt19937 rng(20261202);
  std::size_t compared = 0, allowed = 0, not_found = 0, forbidden = 0;
  for (int world = 0; world < 40; ++world) {
    std::vector<raw_customer> customers;
    std::vector<std::shared_ptr<const mapping::indexed_customer>> indexed;
    for (int n = 0; n < 30; ++n) {
      customers.push_back(random_customer(rng, n));
      indexed.push_back(
          mapping::make_indexed_customer(cfg.customers, entry_of(cfg.customers, customers.back())));
    }
    auto snapshot = mapping::build_customer_snapshot(cfg.customers, indexed);
    for (int round = 0; round < 25; ++round) {
      auto raw = random_agent(rng);
      auto agent = facts_of(cfg, raw);
      mapping::customer_query all;
      all.limit = 1000;
      auto page = mapping::search_snapshot(*snapshot, all, *agent.scope);
      std::set<std::string> listed;
      for (const auto& r : page.items)
        listed.insert(r.login);
      for (const auto& c : customers) {
        auto record = mapping::find_in_snapshot(*snapshot, c.login, *agent.scope);
        REQUIRE(record.has_value());
        // Facts as enforcement has them (the unscoped entry) must give the same verdicts.
        mapping::customer_record full;
        mapping::fill_customer_record(full, entry_of(cfg.customers, c), cfg.customers);
        auto customer = customer_facts_of(full);
        for (auto action : k_actions) {
          INFO("world " << world << " round " << round << " customer " << c.login << " action "
                        << to_string(action) << " rule " << to_string(agent.scope->rule) << " mode "
                        << config::to_string(agent.access.mode));
          auto want = independent(raw, c, action);
          auto got = explain_record_access(agent, customer, action);
          CHECK(got.verdict.outcome == want.outcome);
          CHECK(got.verdict.reason == want.reason);
          // The leaks that must not happen.
          if (got.verdict.outcome == verdict::forbidden) CHECK(got.verdict.reason != refusal::none);
          if (agent.access.mode == access_mode::hidden) CHECK_FALSE(got.verdict.allowed());
          if (c.ids.empty() && agent.scope->kind != mapping::scope_kind::all)
            CHECK_FALSE(got.verdict.allowed());
          ++compared;
          allowed += got.verdict.allowed();
          not_found += got.verdict.outcome == verdict::not_found;
          forbidden += got.verdict.outcome == verdict::forbidden;
        }
        // View, once the section is open: exactly the customers the index finds and lists.
        auto open = decide_section_access(agent, record_action::view);
        if (!open.allowed()) continue;
        auto view = decide_record_access(agent, customer, record_action::view);
        CHECK(view.allowed() == record->has_value());
        CHECK(view.allowed() == (listed.count(c.login) == 1));
        // Enforcement with the scoped lookup's answer agrees with the unscoped facts.
        auto scoped = decide_record_access(agent, customer_facts_of(*record), record_action::view);
        CHECK(scoped.outcome == view.outcome);
      }
    }
  }
  MESSAGE(compared << " verdicts compared: " << allowed << " allow, " << not_found << " not_found, "
                   << forbidden << " forbidden");
  // The generator reaches every outcome often enough to mean something.
  CHECK(allowed > 1000);
  CHECK(not_found > 1000);
  CHECK(forbidden > 1000);
}
