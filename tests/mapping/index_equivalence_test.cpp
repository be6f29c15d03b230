// The in-memory directory index answers exactly what LDAP filter pushdown answers: same
// records, same order, same page cursors, on randomized directories, scopes and queries.
// Also the matching rules (mapping/text_match) and the planner's choices.
#include <doctest/doctest.h>

#include <random>
#include <set>

#include "mapping/directory_index.hpp"
#include "mapping/memory_customer_source.hpp"
#include "tests/ldap/harness.hpp"

using namespace scopegate;
using namespace scopegate::mapping;
using scopegate::ldap::testing::io_harness;
using scopegate::ldap::testing::wait_until;
using scopegate::testing::base_ldif;
using scopegate::testing::slapd;

TEST_CASE("text_match: prepared forms follow the attributes' matching rules") {
  CHECK(rule_for("cn") == match_rule::case_ignore);
  CHECK(rule_for("UID") == match_rule::case_ignore);
  CHECK(rule_for("scopegateCustomerId") == match_rule::case_exact);
  CHECK(rule_for("telephoneNumber") == match_rule::telephone);
  CHECK(rule_for("member") == match_rule::dn);
  CHECK(prepare("  Anna \t  MEYER ", match_rule::case_ignore) == "anna meyer");
  CHECK(prepare("  Anna   MEYER ", match_rule::case_exact) == "Anna MEYER");
  CHECK(prepare("+49 30-123 4", match_rule::telephone) == "+49301234");
  CHECK(prepare("UID=a1, ou=People ,DC=x", match_rule::dn) == "uid=a1,ou=people,dc=x");
  CHECK(prepare("Zo\xc3\xab", match_rule::case_ignore) == "zo\xc3\xab");
  CHECK(contains_prepared("anna meyer", "a me"));
  CHECK_FALSE(contains_prepared("anna meyer", "annam"));
}

namespace {

struct world {
  std::string ldif;
  std::vector<std::string> ids;     // customer IDs in use (and some unused)
  std::vector<std::string> logins;  // as stored
  std::vector<std::string> texts;   // values to cut query texts from
};

const char* const k_first[] = {"Anna", "Ben", "Carla", "David", "Eva", "Felix", "Greta", "Hugo"};
const char* const k_last[] = {"Meyer", "Schmidt", "Weber", "Fischer", "Wagner", "Becker"};

world make_world(std::mt19937& rng, int customers, int id_count) {
  world w;
  w.ldif = base_ldif();
  for (int i = 0; i < id_count; ++i)
    w.ids.push_back((i % 7 == 3 ? "k" : "K") + std::to_string(i));  // k3 and K3: caseExact
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  for (int i = 0; i < customers; ++i) {
    std::string first = k_first[pick(8)];
    std::string last = k_last[pick(6)];
    // Mixed-case logins, unique even case-insensitively (they name the DN).
    std::string login =
        (pick(3) == 0 ? "Cu" : "cu") + std::to_string(i * 7919 % 100003) + (pick(2) ? "x" : "Y");
    std::string cn = first + (pick(5) == 0 ? "   " : " ") + last;
    w.logins.push_back(login);
    w.texts.push_back(cn);
    w.texts.push_back(login);
    std::string e = "dn: uid=" + login +
                    ",ou=customers,dc=example,dc=com\nobjectClass: inetOrgPerson\n"
                    "objectClass: scopegateCustomer\nuid: " +
                    login + "\ncn: " + cn + "\nsn: " + last + "\n";
    if (pick(10) != 0) {
      std::string mail = first + "." + last + std::to_string(i) + "@Example.net";
      e += "mail: " + mail + "\n";
      w.texts.push_back(mail);
    }
    if (pick(4) != 0) e += "telephoneNumber: +49 30 " + std::to_string(1000 + pick(9000)) + "\n";
    // Customer IDs: none (5%), two distinct ones (25%), or one.
    if (int n = pick(20); n != 0) {
      std::string first = w.ids[pick(id_count - 2)];
      e += "scopegateCustomerId: " + first + "\n";
      std::string second = w.ids[pick(id_count - 2)];
      if (n <= 5 && second != first) e += "scopegateCustomerId: " + second + "\n";
    }
    // An owner (the agent that created it through the gateway), in any case.
    if (pick(3) == 0)
      e += "scopegateOwner: " + std::string(pick(2) ? "uid" : "UID") + "=a" +
           std::to_string(pick(3)) + ",ou=people,dc=example,dc=com\n";
    w.ldif += e + "\n";
  }
  return w;
}

config::config index_config(const slapd& server) {
  config::config cfg;
  cfg.ldap = scopegate::ldap::testing::config_for(server);
  cfg.agents.base_dn = "ou=people,dc=example,dc=com";
  cfg.agents.partner_attribute = "scopegatePartnerId";
  cfg.partners.base_dn = "ou=partners,dc=example,dc=com";
  cfg.customers.base_dn = "ou=customers,dc=example,dc=com";
  cfg.customers.fields = {{"login", "uid"},
                          {"customer_id", "scopegateCustomerId"},
                          {"name", "cn"},
                          {"email", "mail"},
                          {"phone", "telephoneNumber"}};
  cfg.customers.index_max_staleness_seconds = 0;
  return cfg;
}

scope_ptr random_scope(std::mt19937& rng, const world& w) {
  auto s = std::make_shared<access_scope>();
  auto r = rng() % 10;
  if (r == 0) {
    s->kind = scope_kind::all;
    s->rule = scope_rule::no_partners_defined;
    return s;
  }
  if (r == 1) {
    s->kind = scope_kind::none;
    s->rule = scope_rule::partner_mapping;
    return s;
  }
  s->kind = scope_kind::some;
  s->rule = scope_rule::partner_mapping;
  // Sizes from one ID to all of them (plus IDs no customer carries).
  std::size_t n = 1 + rng() % (r < 5 ? 3 : r < 8 ? w.ids.size() / 4 : w.ids.size());
  for (std::size_t k = 0; k < n; ++k)
    s->customer_ids.push_back(w.ids[rng() % w.ids.size()]);
  std::sort(s->customer_ids.begin(), s->customer_ids.end());
  s->customer_ids.erase(std::unique(s->customer_ids.begin(), s->customer_ids.end()),
                        s->customer_ids.end());
  return s;
}

// Now and then a creator-restricted copy (the scope of a creator-only agent).
scope_ptr maybe_creator(std::mt19937& rng, scope_ptr s) {
  if (rng() % 4 != 0) return s;
  auto c = std::make_shared<access_scope>(*s);
  c->creator_dn = "uid=a" + std::to_string(rng() % 3) + ",ou=people,dc=example,dc=com";
  return c;
}

std::string random_text(std::mt19937& rng, const world& w) {
  const auto& src = w.texts[rng() % w.texts.size()];
  switch (rng() % 8) {
    case 0:
      return std::string(1, src[rng() % src.size()]);  // one character
    case 1:
      return "zzq";  // matches nothing
    default: {
      std::size_t len = 2 + rng() % 6;
      std::size_t at = rng() % src.size();
      std::string t = src.substr(at, len);
      // Other case, and runs of spaces the matching rules collapse.
      for (auto& c : t)
        if (rng() % 3 == 0) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      if (auto sp = t.find(' '); sp != std::string::npos && rng() % 2) t.insert(sp, " ");
      while (!t.empty() && t.front() == ' ')
        t.erase(0, 1);
      while (!t.empty() && t.back() == ' ')
        t.pop_back();
      return t.empty() ? "a" : t;
    }
  }
}

std::string describe(const customer_query& q, const access_scope& s) {
  std::string out = "q='" + q.text + "' limit=" + std::to_string(q.limit) + " after='" +
                    q.after_login + "' scope=" + std::string(to_string(s.kind)) + "/" +
                    std::to_string(s.customer_ids.size());
  if (q.customer_id) out += " customer_id=" + *q.customer_id;
  if (s.creator_dn) out += " creator=" + *s.creator_dn;
  for (const auto& a : q.search_attributes)
    out += " attr=" + a;
  return out;
}

}  // namespace

TEST_CASE("memory index vs LDAP pushdown: same items, same order, same cursors (randomized)") {
  for (unsigned seed : {1u, 2u}) {
    std::mt19937 rng(seed);
    world w = make_world(rng, seed == 1 ? 700 : 300, seed == 1 ? 60 : 12);
    slapd server(w.ldif);
    auto cfg = index_config(server);
    cfg.customers.search_attributes =
        seed == 1 ? std::vector<std::string>{"uid", "cn", "mail"}
                  : std::vector<std::string>{"cn", "mail", "telephoneNumber"};
    io_harness h;
    scopegate::ldap::client ldap(h.executor(), cfg.ldap);
    ldap.start();
    REQUIRE(wait_until([&] { return ldap.ready(); }));
    directory dir(ldap, cfg);
    ldap_customer_source pushdown(dir);
    directory_index index(cfg);
    index.start();
    REQUIRE(wait_until([&] { return index.usable(); }));
    memory_customer_source memory(index);

    std::set<query_plan> plans_seen;
    int pages = 0;
    for (int round = 0; round < 150; ++round) {
      auto scope = maybe_creator(rng, random_scope(rng, w));
      customer_query q;
      if (rng() % 5 != 0) q.text = random_text(rng, w);
      if (rng() % 8 == 0) q.customer_id = w.ids[rng() % w.ids.size()];
      if (rng() % 6 == 0) q.search_attributes.push_back(cfg.customers.search_attributes[1]);
      q.limit = 1 + rng() % 25;
      // Follow the cursors to the end (at most a few pages).
      for (int page = 0; page < 6; ++page) {
        INFO("seed " << seed << " round " << round << ": " << describe(q, *scope));
        auto a = h.await(pushdown.search(q, scope));
        auto b = h.await(memory.search(q, scope));
        REQUIRE(a.has_value());
        REQUIRE(b.has_value());
        query_plan plan{};
        (void)search_snapshot(*index.customers(), q, *scope, &plan);
        plans_seen.insert(plan);
        REQUIRE(a->items.size() == b->items.size());
        for (std::size_t k = 0; k < a->items.size(); ++k) {
          CHECK(a->items[k].login == b->items[k].login);
          CHECK(a->items[k].dn == b->items[k].dn);
          CHECK(a->items[k].customer_id == b->items[k].customer_id);
          CHECK(a->items[k].customer_ids == b->items[k].customer_ids);
          CHECK(a->items[k].creator_dns == b->items[k].creator_dns);
          CHECK(scope->admits(b->items[k].customer_ids, b->items[k].creator_dns));
          CHECK(a->items[k].values == b->items[k].values);
        }
        CHECK(a->next_after == b->next_after);
        ++pages;
        if (!a->next_after) break;
        q.after_login = *a->next_after;
      }
    }
    // Single records: exact login, other case, unknown; and customer ID prefixes.
    for (int round = 0; round < 60; ++round) {
      auto scope = maybe_creator(rng, random_scope(rng, w));
      std::string login = w.logins[rng() % w.logins.size()];
      if (round % 3 == 1)
        for (auto& c : login)
          c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      if (round % 7 == 6) login = "nobody";
      auto a = h.await(pushdown.find(login, scope));
      auto b = h.await(memory.find(login, scope));
      INFO("find " << login);
      REQUIRE(a.has_value());
      REQUIRE(b.has_value());
      REQUIRE(a->has_value() == b->has_value());
      if (a->has_value()) {
        CHECK((*a)->login == (*b)->login);
        CHECK((*a)->values == (*b)->values);
        CHECK((*a)->customer_ids == (*b)->customer_ids);
      }
      std::string prefix = round % 2 ? "K1" : "";
      auto ia = h.await(pushdown.customer_ids(prefix, 5 + round % 10, scope));
      auto ib = h.await(memory.customer_ids(prefix, 5 + round % 10, scope));
      REQUIRE(ia.has_value());
      REQUIRE(ib.has_value());
      CHECK(*ia == *ib);
    }
    MESSAGE("seed " << seed << ": " << pages << " pages compared, " << plans_seen.size()
                    << " plans used");
    if (seed == 1) {
      // Every plan of the planner was exercised by the comparison.
      CHECK(plans_seen.count(query_plan::trigrams) == 1);
      CHECK(plans_seen.count(query_plan::scope_postings) == 1);
      CHECK(plans_seen.count(query_plan::login_walk) == 1);
      CHECK(plans_seen.count(query_plan::customer_id) == 1);
    }
    index.stop();
    ldap.stop();
  }
}

TEST_CASE("customers with 0, 1 and 2 customer IDs: any granted ID admits, none needs all") {
  std::string ldif = base_ldif();
  auto customer = [&](const std::string& login, const std::vector<std::string>& ids,
                      const std::string& extra) {
    ldif += "dn: uid=" + login +
            ",ou=customers,dc=example,dc=com\nobjectClass: inetOrgPerson\n"
            "objectClass: scopegateCustomer\nuid: " +
            login + "\ncn: " + login + "\nsn: x\n";
    for (const auto& id : ids)
      ldif += "scopegateCustomerId: " + id + "\n";
    ldif += extra + "\n";
  };
  const std::string a1 = "uid=a1,ou=people,dc=example,dc=com";
  customer("zero", {}, "");
  customer("one", {"C1"}, "");
  customer("two", {"C2", "C1"}, "scopegateOwner: UID=A1,ou=people,dc=example,dc=com\n");
  customer("twob", {"C3", "C4"}, "creatorsName: " + a1 + "\n");
  slapd server(ldif);
  auto cfg = index_config(server);
  io_harness h;
  scopegate::ldap::client ldap(h.executor(), cfg.ldap);
  ldap.start();
  REQUIRE(wait_until([&] { return ldap.ready(); }));
  directory dir(ldap, cfg);
  ldap_customer_source pushdown(dir);
  directory_index index(cfg);
  index.start();
  REQUIRE(wait_until([&] { return index.usable(); }));
  memory_customer_source memory(index);

  using set = std::set<std::string>;
  auto some = [](std::vector<std::string> ids) {
    auto s = std::make_shared<access_scope>();
    s->kind = scope_kind::some;
    s->rule = scope_rule::partner_mapping;
    std::sort(ids.begin(), ids.end());
    s->customer_ids = std::move(ids);
    return s;
  };
  auto of_kind = [](scope_kind kind) {
    auto s = std::make_shared<access_scope>();
    s->kind = kind;
    s->rule =
        kind == scope_kind::all ? scope_rule::no_partners_defined : scope_rule::partner_mapping;
    return s;
  };
  auto creator = [&](scope_ptr s) {
    auto c = std::make_shared<access_scope>(*s);
    c->creator_dn = a1;
    return scope_ptr(c);
  };
  struct row {
    std::string name;
    scope_ptr scope;
    set visible;
  };
  const std::vector<row> rows = {
      {"all", of_kind(scope_kind::all), {"zero", "one", "two", "twob"}},
      {"none", of_kind(scope_kind::none), {}},
      {"C1", some({"C1"}), {"one", "two"}},
      {"C2 (second value of two)", some({"C2"}), {"two"}},
      {"C1+C2", some({"C1", "C2"}), {"one", "two"}},
      {"C4 and an unused ID", some({"C4", "C9"}), {"twob"}},
      {"unused IDs only", some({"C9", "X"}), {}},
      {"all, creator a1 (owner or creatorsName)",
       creator(of_kind(scope_kind::all)),
       {"two", "twob"}},
      {"C1, creator a1", creator(some({"C1"})), {"two"}},
  };
  for (const auto& r : rows) {
    INFO("scope " << r.name);
    for (customer_source* source :
         {static_cast<customer_source*>(&pushdown), static_cast<customer_source*>(&memory)}) {
      INFO("source " << source->name());
      customer_query q;
      q.limit = 100;
      auto page = h.await(source->search(q, r.scope));
      REQUIRE(page.has_value());
      set listed;
      for (const auto& item : page->items) {
        listed.insert(item.login);
        CHECK(std::is_sorted(item.customer_ids.begin(), item.customer_ids.end()));
      }
      CHECK(listed == r.visible);
      for (std::string login : {"zero", "one", "two", "twob"}) {
        auto found = h.await(source->find(login, r.scope));
        REQUIRE(found.has_value());
        CHECK(found->has_value() == (r.visible.count(login) == 1));
        // The record carries every ID; the display ID is the first of them.
        if (found->has_value() && login == "two") {
          CHECK((*found)->customer_ids == std::vector<std::string>{"C1", "C2"});
          CHECK((*found)->customer_id == "C1");
        }
        if (found->has_value() && login == "zero") CHECK((*found)->customer_ids.empty());
      }
    }
  }
  index.stop();
  ldap.stop();
}

TEST_CASE("planner: big scopes walk the login order, small ones use postings, text uses trigrams") {
  config::customers_config c;
  c.search_attributes = {"uid", "cn"};
  c.fields = {{"login", "uid"}, {"customer_id", "scopegateCustomerId"}};
  std::vector<std::shared_ptr<const indexed_customer>> all;
  for (int i = 0; i < 5000; ++i) {
    scopegate::ldap::entry e;
    e.attributes.push_back({"uid", {"u" + std::to_string(100000 + i)}});
    e.attributes.push_back({"cn", {i % 100 == 0 ? "Rare Name" : "Common Name"}});
    e.attributes.push_back({"scopegateCustomerId", {"C" + std::to_string(i % 1000)}});
    all.push_back(make_indexed_customer(c, e));
  }
  auto snap = build_customer_snapshot(c, std::move(all));
  access_scope big;
  big.kind = scope_kind::some;
  for (int i = 0; i < 1000; ++i)
    big.customer_ids.push_back("C" + std::to_string(i));
  std::sort(big.customer_ids.begin(), big.customer_ids.end());
  access_scope small = big;
  small.customer_ids.resize(3);

  customer_query q;
  q.limit = 10;
  query_plan plan{};
  auto page = search_snapshot(*snap, q, big, &plan);
  CHECK(plan == query_plan::login_walk);
  CHECK(page.items.size() == 10);
  CHECK(page.next_after == "u100009");

  page = search_snapshot(*snap, q, small, &plan);
  CHECK(plan == query_plan::scope_postings);
  CHECK(page.items.size() == 10);

  q.text = "RARE";
  page = search_snapshot(*snap, q, big, &plan);
  CHECK(plan == query_plan::trigrams);
  REQUIRE(page.items.size() == 10);
  CHECK(page.items.front().login == "u100000");
  CHECK(page.items.back().login == "u100900");
}

TEST_CASE("staleness: a broken sync keeps the index usable for the configured time only") {
  std::mt19937 rng(3);
  world w = make_world(rng, 50, 5);
  slapd server(w.ldif);
  auto cfg = index_config(server);
  cfg.customers.index_max_staleness_seconds = 2;
  directory_index index(cfg);
  CHECK_FALSE(index.usable());  // nothing loaded yet
  index.start();
  REQUIRE(wait_until([&] { return index.usable(); }));
  CHECK(index.customers()->by_login.size() == 50);

  auto t0 = std::chrono::steady_clock::now();  // the sync breaks after this
  server.stop();
  REQUIRE(wait_until([&] { return !index.in_sync(); }, std::chrono::seconds(2)));
  if (std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(1500))
    CHECK(index.usable());  // within the allowed staleness
  REQUIRE(wait_until([&] { return !index.usable(); }, std::chrono::seconds(5)));
  CHECK(std::chrono::steady_clock::now() - t0 >= std::chrono::seconds(2));

  server.start();
  REQUIRE(wait_until([&] { return index.usable() && index.in_sync(); }));
  CHECK(index.stats().customer_rebuilds >= 2);  // the resync rebuilt the snapshot
}
