// The asynchronous client against a real slapd: search, paging, concurrency, a killed
// server, a frozen server (timeouts), failover, password checks and writes.
#include "ldap/client.hpp"

#include <doctest/doctest.h>
#include <ldap.h>

#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <set>

#include "ldap/filter.hpp"
#include "ldap/session_options.hpp"
#include "tests/ldap/harness.hpp"

using namespace std::chrono_literals;
using namespace std::string_literals;
using namespace scopegate::ldap;
using namespace scopegate::ldap::testing;

namespace {

const std::string k_people = "ou=people,dc=example,dc=com";
const std::string k_customers = "ou=customers,dc=example,dc=com";

search_request people(std::string f = "(objectClass=inetOrgPerson)") {
  return query(k_people, std::move(f));
}

// A client started and ready on `server`.
struct connected {
  connected(io_harness& h, const scopegate::config::ldap_config& cfg) : c(h.executor(), cfg) {
    c.start();
    REQUIRE(wait_until([&] { return c.ready(); }));
  }
  client c;
};

// The bind pool connects independently of ready(); poll until it answers.
result<bool> check_when_up(io_harness& h, client& c, const std::string& dn, const std::string& pw) {
  result<bool> r = error{errc::unavailable, "not tried"};
  wait_until([&] {
    r = h.await(c.check_password(dn, pw));
    return r.has_value() || !r.error().unavailable();
  });
  return r;
}

}  // namespace

TEST_CASE("session options: v3, no referral chasing") {
  scopegate::config::ldap_config cfg;
  LDAP* raw = nullptr;
  REQUIRE(ldap_initialize(&raw, "ldap://127.0.0.1:1") == LDAP_SUCCESS);
  std::string what;
  CHECK(detail::apply_session_options(raw, cfg, "ldap://127.0.0.1:1", what) == LDAP_SUCCESS);
  int referrals = -1, version = 0;
  ldap_get_option(raw, LDAP_OPT_REFERRALS, &referrals);
  ldap_get_option(raw, LDAP_OPT_PROTOCOL_VERSION, &version);
  CHECK(referrals == 0);
  CHECK(version == LDAP_VERSION3);
  ldap_unbind_ext(raw, nullptr, nullptr);
}

TEST_CASE("search returns entries and attributes") {
  slapd& server = shared_server();
  io_harness h;
  connected x(h, config_for(server));

  auto r = h.await(x.c.search(people(filter::equals("uid", "alice").str())));
  REQUIRE(r.has_value());
  REQUIRE(r->size() == 1);
  const entry& e = r->front();
  CHECK(e.dn == "uid=alice," + k_people);
  CHECK(e.first("UID") == "alice");
  REQUIRE(e.values("mail") != nullptr);
  CHECK(e.values("mail")->size() == 2);
  CHECK(e.values("telephoneNumber") == nullptr);
  CHECK(e.first("telephoneNumber").empty());

  auto only_uid = h.await(x.c.search(query(k_people, "(objectClass=*)", {"uid"})));
  REQUIRE(only_uid.has_value());
  CHECK(only_uid->size() == 4);  // alice, bob, literal and ou=people itself
  auto none = h.await(x.c.search(people("(uid=nobody)")));
  REQUIRE(none.has_value());
  CHECK(none->empty());
  CHECK(x.c.stats().searches >= 3);
}

TEST_CASE("search errors: missing base, bad filter, NUL") {
  slapd& server = shared_server();
  io_harness h;
  connected x(h, config_for(server));
  auto missing = h.await(x.c.search(query("ou=nowhere,dc=example,dc=com")));
  REQUIRE(!missing.has_value());
  CHECK(missing.error().no_such_object());
  CHECK(!missing.error().unavailable());
  CHECK(missing.error().code == errc::no_such_object);
  auto bad = h.await(x.c.search(people("(uid=")));
  REQUIRE(!bad.has_value());
  CHECK(bad.error().code == errc::invalid_request);
  auto nul = h.await(x.c.search(query(k_people + "\0x"s)));
  REQUIRE(!nul.has_value());
  CHECK(nul.error().code == errc::invalid_request);
  CHECK(!nul.error().unavailable());
  CHECK(h.await(x.c.search(people())).has_value());  // the connection survived all that
}

TEST_CASE("paged search merges every page without duplicates") {
  slapd& server = shared_server();
  io_harness h;
  auto cfg = config_for(server);
  cfg.page_size = 100;
  connected x(h, cfg);
  auto r = h.await(x.c.search(
      query(k_customers, "(objectClass=inetOrgPerson)", {"uid"}, search_scope::one_level)));
  REQUIRE(r.has_value());
  CHECK(r->size() == 1'250);
  std::set<std::string> dns;
  for (const auto& e : *r)
    dns.insert(e.dn);
  CHECK(dns.size() == 1'250);

  auto limited = h.await(
      x.c.search(query(k_customers, "(objectClass=*)", {"1.1"}, search_scope::one_level, 150)));
  REQUIRE(limited.has_value());
  CHECK(limited->size() == 150);
  CHECK(h.await(x.c.search(people())).has_value());
}

TEST_CASE("concurrent multi-page searches on one connection all complete") {
  // slapd keeps one paged-results state per connection: interleaved pages of two searches
  // would invalidate each other's cookies. The client must not let that happen.
  slapd& server = shared_server();
  io_harness h(2);
  auto cfg = config_for(server);
  cfg.pool_size = 1;
  cfg.page_size = 100;
  connected x(h, cfg);
  std::vector<std::future<result<std::vector<entry>>>> futures;
  for (int i = 0; i < 6; ++i)
    futures.push_back(h.spawn(x.c.search(
        query(k_customers, "(objectClass=inetOrgPerson)", {"uid"}, search_scope::one_level))));
  for (auto& f : futures) {
    auto r = f.get();
    REQUIRE(r.has_value());
    CHECK(r->size() == 1'250);
  }
}

TEST_CASE("200 concurrent searches on two threads") {
  slapd& server = shared_server();
  io_harness h(2);
  connected x(h, config_for(server));
  std::vector<std::future<result<std::vector<entry>>>> futures;
  for (int i = 0; i < 200; ++i)
    futures.push_back(h.spawn(x.c.search(
        query(k_customers, filter::equals("uid", "c" + std::to_string(i % 50)).str(), {"uid"}))));
  for (int i = 0; i < 200; ++i) {
    auto r = futures[i].get();
    REQUIRE(r.has_value());
    REQUIRE(r->size() == 1);
    CHECK(r->front().first("uid") == "c" + std::to_string(i % 50));
  }
  CHECK(x.c.outstanding() == 0);
}

TEST_CASE("server killed mid-operation: fails unavailable, then reconnects") {
  slapd server(base_ldif() + person("alice"));
  io_harness h;
  auto cfg = config_for(server);
  cfg.timeout_ms = 20'000;
  connected x(h, cfg);

  std::future<result<std::vector<entry>>> pending;
  {
    frozen f(server);
    pending = h.spawn(x.c.search(people()));
    REQUIRE(wait_until([&] { return x.c.outstanding() == 1; }));
    server.stop();  // SIGKILL while the request is unanswered
  }
  REQUIRE(pending.wait_for(5s) == std::future_status::ready);
  auto r = pending.get();
  REQUIRE(!r.has_value());
  CHECK(r.error().unavailable());
  CHECK(!r.error().timed_out());
  CHECK(wait_until([&] { return !x.c.ready(); }));

  auto down = h.await(x.c.search(people()));  // fails fast while down
  REQUIRE(!down.has_value());
  CHECK(down.error().unavailable());

  server.start();
  REQUIRE(wait_until([&] { return x.c.ready(); }));
  auto again = h.await(x.c.search(people()));
  REQUIRE(again.has_value());
  CHECK(again->size() == 1);
  CHECK(x.c.stats().reconnects >= 1);
}

TEST_CASE("idle connections notice a dead server") {
  slapd server(base_ldif());
  io_harness h;
  connected x(h, config_for(server));
  server.stop();
  CHECK(wait_until([&] { return !x.c.ready(); }));
}

TEST_CASE("operation timeout abandons and reports timed_out") {
  slapd& server = shared_server();
  io_harness h;
  auto cfg = config_for(server);
  cfg.timeout_ms = 300;
  connected x(h, cfg);
  {
    frozen f(server);
    auto start = std::chrono::steady_clock::now();
    auto r = h.await(x.c.search(people()));
    REQUIRE(!r.has_value());
    CHECK(r.error().timed_out());
    CHECK(r.error().unavailable());
    CHECK(std::chrono::steady_clock::now() - start < 3s);
  }
  CHECK(x.c.stats().timeouts >= 1);
  auto r = h.await(x.c.search(people()));  // same connections, server thawed
  REQUIRE(r.has_value());
  CHECK(r->size() == 3);
}

TEST_CASE("failover: a dead first URI is skipped") {
  slapd& server = shared_server();
  io_harness h;
  auto cfg = config_for(server);
  cfg.uris = {"ldap://127.0.0.1:1", server.uri()};
  connected x(h, cfg);
  auto r = h.await(x.c.search(people()));
  REQUIRE(r.has_value());
  CHECK(r->size() == 3);
}

TEST_CASE("no reachable server: not ready, operations fail fast") {
  io_harness h;
  scopegate::config::ldap_config cfg;
  cfg.uris = {"ldap://127.0.0.1:1"};
  cfg.reconnect_max_backoff_ms = 100;
  client c(h.executor(), cfg);
  c.start();
  auto start = std::chrono::steady_clock::now();
  auto r = h.await(c.search(people()));
  REQUIRE(!r.has_value());
  CHECK(r.error().unavailable());
  auto pw = h.await(c.check_password("uid=a,dc=example,dc=com", "pw"));
  REQUIRE(!pw.has_value());
  CHECK(pw.error().unavailable());
  // Fast means without waiting for an operation timeout (the bound is loose on purpose:
  // this machine may be busy; the point is not waiting for a connection that is not there).
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::milliseconds(cfg.timeout_ms));
  CHECK(!c.ready());
  CHECK(wait_until([&] { return c.stats().reconnects >= 2; }));
}

TEST_CASE("check_password: right, wrong, empty, NUL, unknown DN") {
  slapd& server = shared_server();
  io_harness h;
  connected x(h, config_for(server));
  const std::string dn = "uid=alice," + k_people;
  auto right = check_when_up(h, x.c, dn, "s3cret");
  REQUIRE(right.has_value());
  CHECK(*right);
  auto wrong = h.await(x.c.check_password(dn, "wrong"));
  REQUIRE(wrong.has_value());
  CHECK(!*wrong);
  auto unknown = h.await(x.c.check_password("uid=nobody," + k_people, "s3cret"));
  REQUIRE(unknown.has_value());
  CHECK(!*unknown);
  auto binds = x.c.stats().binds.load();
  CHECK(h.await(x.c.check_password(dn, "")).value() == false);
  CHECK(h.await(x.c.check_password("", "s3cret")).value() == false);
  CHECK(h.await(x.c.check_password(dn, "s3cret\0tail"s)).value() == false);
  CHECK(h.await(x.c.check_password(dn + "\0x"s, "s3cret")).value() == false);
  CHECK(x.c.stats().binds == binds);  // refused without I/O
  // The search pool is still bound as the service account, not as alice.
  CHECK(h.await(x.c.search(people())).has_value());
}

TEST_CASE("many concurrent password checks share one bind connection") {
  slapd& server = shared_server();
  io_harness h;
  connected x(h, config_for(server));
  const std::string dn = "uid=alice," + k_people;
  REQUIRE(check_when_up(h, x.c, dn, "s3cret").has_value());
  std::vector<std::future<result<bool>>> futures;
  for (int i = 0; i < 40; ++i)
    futures.push_back(h.spawn(x.c.check_password(dn, i % 2 ? "s3cret" : "nope")));
  for (int i = 0; i < 40; ++i) {
    auto r = futures[i].get();
    REQUIRE(r.has_value());
    CHECK(*r == (i % 2 == 1));
  }
}

TEST_CASE("add, modify, remove round trip") {
  slapd& server = shared_server();
  io_harness h;
  connected x(h, config_for(server));
  const std::string dn = "uid=carol," + k_people;
  auto added = h.await(x.c.add(dn, {{"objectClass", {"inetOrgPerson"}},
                                    {"uid", {"carol"}},
                                    {"cn", {"Carol"}},
                                    {"sn", {"C"}},
                                    {"mail", {"c1@example.com"}}}));
  REQUIRE_MESSAGE(added.has_value(), (added ? "" : added.error().message));
  auto dup =
      h.await(x.c.add(dn, {{"objectClass", {"inetOrgPerson"}}, {"cn", {"x"}}, {"sn", {"x"}}}));
  REQUIRE(!dup.has_value());
  CHECK(dup.error().code == errc::already_exists);
  CHECK(dup.error().message.find("(LDAP 68)") != std::string::npos);  // raw code: log only

  auto modified = h.await(x.c.modify(
      dn, {{.op = modification::kind::replace, .attribute = "cn", .values = {"Carol C."}},
           {.op = modification::kind::add, .attribute = "mail", .values = {"c2@example.com"}},
           {.op = modification::kind::remove, .attribute = "mail", .values = {"c1@example.com"}}}));
  REQUIRE_MESSAGE(modified.has_value(), (modified ? "" : modified.error().message));
  auto r = h.await(x.c.search(query(dn, "(objectClass=*)", {}, search_scope::base)));
  REQUIRE(r.has_value());
  REQUIRE(r->size() == 1);
  CHECK(r->front().first("cn") == "Carol C.");
  CHECK(*r->front().values("mail") == std::vector<std::string>{"c2@example.com"});

  auto dropped = h.await(
      x.c.modify(dn, {{.op = modification::kind::remove, .attribute = "mail", .values = {}}}));
  REQUIRE(dropped.has_value());
  r = h.await(x.c.search(query(dn, "(objectClass=*)", {}, search_scope::base)));
  REQUIRE(r.has_value());
  CHECK(r->front().values("mail") == nullptr);

  REQUIRE(h.await(x.c.remove(dn)).has_value());
  auto gone = h.await(x.c.search(query(dn, "(objectClass=*)", {}, search_scope::base)));
  REQUIRE(!gone.has_value());
  CHECK(gone.error().no_such_object());
  auto again = h.await(x.c.remove(dn));
  REQUIRE(!again.has_value());
  CHECK(again.error().no_such_object());
  CHECK(x.c.stats().modifies >= 4);
}

TEST_CASE("write errors are typed: schema, non-leaf, NUL") {
  slapd& server = shared_server();
  io_harness h;
  connected x(h, config_for(server));
  auto undefined = h.await(x.c.add("uid=dora," + k_people, {{"objectClass", {"inetOrgPerson"}},
                                                            {"cn", {"D"}},
                                                            {"sn", {"D"}},
                                                            {"noSuchAttributeType", {"x"}}}));
  REQUIRE(!undefined.has_value());
  CHECK(undefined.error().code == errc::schema_violation);
  auto no_sn =
      h.await(x.c.add("uid=dora," + k_people, {{"objectClass", {"inetOrgPerson"}}, {"cn", {"D"}}}));
  REQUIRE(!no_sn.has_value());
  CHECK(no_sn.error().code == errc::schema_violation);  // objectClassViolation
  auto parent = h.await(x.c.remove(k_people));
  REQUIRE(!parent.has_value());
  CHECK(parent.error().code == errc::not_allowed_on_non_leaf);
  auto nul = h.await(x.c.remove("uid=a\0"s + k_people));
  REQUIRE(!nul.has_value());
  CHECK(nul.error().code == errc::invalid_request);
  CHECK(h.await(x.c.search(people())).has_value());
}

TEST_CASE("assertion control: a write applies only while the entry matches the filter") {
  slapd& server = shared_server();
  io_harness h;
  connected x(h, config_for(server));
  const std::string dn = "uid=vera," + k_people;
  REQUIRE(h.await(x.c.add(dn, {{"objectClass", {"inetOrgPerson"}},
                               {"uid", {"vera"}},
                               {"cn", {"Vera"}},
                               {"sn", {"V"}}}))
              .has_value());
  auto read_csn = [&] {
    auto r = h.await(x.c.search(query(dn, "(objectClass=*)", {"entryCSN"}, search_scope::base)));
    REQUIRE(r.has_value());
    return std::string(r->front().first("entryCSN"));
  };
  auto cn_now = [&] {
    auto r = h.await(x.c.search(query(dn, "(objectClass=*)", {"cn"}, search_scope::base)));
    REQUIRE(r.has_value());
    return std::string(r->front().first("cn"));
  };
  auto set_cn = [&](const std::string& cn, const std::string& assertion) {
    return h.await(x.c.modify(
        dn, {{.op = modification::kind::replace, .attribute = "cn", .values = {cn}}}, assertion));
  };
  const std::string seen = "(entryCSN=" + read_csn() + ")";
  // Someone else writes in between (no assertion): the version moves on.
  REQUIRE(set_cn("Other", "").has_value());
  auto stale = set_cn("Mine", seen);
  REQUIRE(!stale.has_value());
  CHECK(stale.error().code == errc::assertion_failed);
  CHECK(!stale.error().unavailable());
  CHECK(cn_now() == "Other");  // nothing of the stale write landed
  // With the current version the same write applies.
  auto fresh = set_cn("Mine", "(entryCSN=" + read_csn() + ")");
  REQUIRE_MESSAGE(fresh.has_value(), (fresh ? "" : fresh.error().message));
  CHECK(cn_now() == "Mine");
  // Deletes carry it too.
  auto stale_delete = h.await(x.c.remove(dn, seen));
  REQUIRE(!stale_delete.has_value());
  CHECK(stale_delete.error().code == errc::assertion_failed);
  CHECK(cn_now() == "Mine");
  // A filter libldap cannot encode is refused before anything is sent.
  auto bad = set_cn("Bad", "(entryCSN=");
  REQUIRE(!bad.has_value());
  CHECK(bad.error().code == errc::invalid_request);
  auto nul = set_cn("Bad", "(cn=a\0b)"s);
  CHECK(!nul.has_value());
  REQUIRE(h.await(x.c.remove(dn, "(cn=Mine)")).has_value());
}

TEST_CASE("value conflicts are typed: adding a present value, removing an absent one") {
  slapd& server = shared_server();
  io_harness h;
  connected x(h, config_for(server));
  const std::string dn = "uid=walt," + k_people;
  REQUIRE(h.await(x.c.add(dn, {{"objectClass", {"inetOrgPerson"}},
                               {"uid", {"walt"}},
                               {"cn", {"Walt"}},
                               {"sn", {"W"}}}))
              .has_value());
  auto twice = h.await(
      x.c.modify(dn, {{.op = modification::kind::add, .attribute = "cn", .values = {"Walt"}}}));
  REQUIRE(!twice.has_value());
  CHECK(twice.error().code == errc::value_conflict);
  auto absent = h.await(x.c.modify(
      dn, {{.op = modification::kind::remove, .attribute = "cn", .values = {"Nobody"}}}));
  REQUIRE(!absent.has_value());
  CHECK(absent.error().code == errc::value_conflict);
  REQUIRE(h.await(x.c.remove(dn)).has_value());
}

TEST_CASE("stop() fails outstanding operations and lets the io_context run out") {
  slapd& server = shared_server();
  io_harness h;
  auto cfg = config_for(server);
  cfg.timeout_ms = 20'000;
  connected x(h, cfg);
  frozen f(server);
  auto pending = h.spawn(x.c.search(people()));
  REQUIRE(wait_until([&] { return x.c.outstanding() == 1; }));
  x.c.stop();
  REQUIRE(pending.wait_for(5s) == std::future_status::ready);
  auto r = pending.get();
  REQUIRE(!r.has_value());
  CHECK(r.error().unavailable());
  CHECK(!x.c.ready());
  auto after = h.await(x.c.search(people()));
  CHECK(!after.has_value());
  x.c.stop();  // idempotent
}
