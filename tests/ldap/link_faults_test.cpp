// The LDAP client and the sync watch behind a fault-injecting proxy: a link that silently
// stops forwarding is noticed (requests, idle connections, the sync watch), and overload
// ends at the deadline instead of queueing without bound.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <vector>

#include "ldap/client.hpp"
#include "ldap/sync_watch.hpp"
#include "tests/ldap/harness.hpp"
#include "tests/support/fault_proxy.hpp"

using namespace std::chrono_literals;
using namespace scopegate::ldap;
using namespace scopegate::ldap::testing;
using scopegate::testing::fault_proxy;

namespace {

const std::string k_people = "ou=people,dc=example,dc=com";
const std::string k_customers = "ou=customers,dc=example,dc=com";

slapd& server() {
  static slapd s(base_ldif() + person("alice") + person("bob") + person("carol") +
                 many_customers(30));
  return s;
}

// A client config that reaches slapd through `link`.
scopegate::config::ldap_config through(const fault_proxy& link) {
  auto cfg = config_for(server());
  cfg.uris = {link.uri()};
  cfg.pool_size = 1;
  cfg.bind_pool_size = 1;
  cfg.timeout_ms = 800;
  cfg.connect_timeout_ms = 500;
  cfg.reconnect_max_backoff_ms = 100;
  cfg.probe_interval_seconds = 1;
  return cfg;
}

struct ready_client {
  ready_client(io_harness& h, const scopegate::config::ldap_config& cfg) : c(h.executor(), cfg) {
    c.start();
    REQUIRE(wait_until([&] { return c.ready(); }));
  }
  client c;
};

search_request people() {
  return query(k_people, "(objectClass=inetOrgPerson)");
}

}  // namespace

TEST_CASE("a request unanswered on a silent link retires its connection") {
  fault_proxy link("127.0.0.1", server().port());
  io_harness h;
  ready_client x(h, through(link));
  const int before = link.accepted();
  link.blackhole();
  auto lost = h.await(x.c.search(people()));
  REQUIRE_FALSE(lost.has_value());
  CHECK(lost.error().timed_out());
  link.pass();
  // A fresh connection answers; the old one (which would forward again now) is not reused.
  CHECK(wait_until([&] { return link.accepted() > before; }));
  REQUIRE(wait_until([&] { return x.c.ready(); }));
  auto again = h.await(x.c.search(people()));
  REQUIRE(again.has_value());
  CHECK(again->size() == 3);
}

TEST_CASE("an idle connection on a silent link is probed and replaced") {
  fault_proxy link("127.0.0.1", server().port());
  io_harness h;
  ready_client x(h, through(link));
  link.blackhole();
  // probe after 1 s of silence, unanswered after 0.8 s more: not ready well within 5 s.
  CHECK(wait_until([&] { return !x.c.ready(); }, 5s));
  link.pass();
  CHECK(wait_until([&] { return x.c.ready(); }, 5s));
  CHECK(h.await(x.c.search(people())).has_value());
}

TEST_CASE("the sync watch notices a silent link and refreshes once it forwards again") {
  fault_proxy link("127.0.0.1", server().port());
  std::atomic<int> refreshes{0};
  std::atomic<int> broken{0};
  sync_handler handler;
  handler.refresh_done = [&] { ++refreshes; };
  handler.broken = [&](const std::string&) { ++broken; };
  sync_search search;
  search.base_dn = k_customers;
  search.attributes = {"uid"};
  sync_watch watch(through(link), search, handler);
  watch.start();
  REQUIRE(wait_until([&] { return watch.in_sync(); }));
  link.blackhole();
  CHECK(wait_until([&] { return !watch.in_sync(); }, 5s));
  CHECK(broken >= 1);
  link.pass();
  CHECK(wait_until([&] { return watch.in_sync() && refreshes >= 2; }, 10s));
}

TEST_CASE("overload: searches waiting for a busy connection give up at their deadline") {
  fault_proxy link("127.0.0.1", server().port());
  io_harness h;
  auto cfg = through(link);
  cfg.timeout_ms = 1'000;
  ready_client x(h, cfg);
  link.delay(300);  // every answer takes 0.3 s; the one connection serves one search at a time
  auto start = std::chrono::steady_clock::now();
  std::vector<std::future<result<std::vector<entry>>>> searches;
  for (int i = 0; i < 20; ++i)
    searches.push_back(h.spawn(x.c.search(people())));
  int answered = 0;
  int timed_out = 0;
  for (auto& f : searches) {
    auto r = f.get();
    if (r.has_value())
      ++answered;
    else if (r.error().timed_out())
      ++timed_out;
  }
  auto took = std::chrono::steady_clock::now() - start;
  CHECK(answered >= 1);
  CHECK(timed_out >= 10);
  CHECK(answered + timed_out == 20);
  // Served one after another, 20 searches would take 6 s or more.
  CHECK(took < 4s);
}

TEST_CASE("lookups of one entry share a connection instead of queueing for it") {
  fault_proxy link("127.0.0.1", server().port());
  io_harness h;
  auto cfg = through(link);
  cfg.timeout_ms = 10'000;
  ready_client x(h, cfg);
  link.delay(400);
  auto start = std::chrono::steady_clock::now();
  std::vector<std::future<result<std::vector<entry>>>> lookups;
  for (int i = 0; i < 10; ++i)
    lookups.push_back(h.spawn(x.c.search(query(k_customers, "(uid=c" + std::to_string(i) + ")",
                                               {"uid"}, search_scope::subtree, 1))));
  for (auto& f : lookups) {
    auto r = f.get();
    REQUIRE(r.has_value());
    CHECK(r->size() == 1);
  }
  // One after another they would take 4 s or more.
  CHECK(std::chrono::steady_clock::now() - start < 3s);
}

TEST_CASE("one deadline covers every page of a search") {
  fault_proxy link("127.0.0.1", server().port());
  io_harness h;
  auto cfg = through(link);
  cfg.timeout_ms = 1'000;
  cfg.page_size = 5;  // 30 customers: 6 pages
  ready_client x(h, cfg);
  link.delay(300);  // each page well within the timeout, all of them not
  auto r = h.await(x.c.search(query(k_customers, "(objectClass=inetOrgPerson)", {"uid"})));
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().timed_out());
}

TEST_CASE("writes go to one provider at a time while the pool spans two servers") {
  // Two ways to the same slapd stand for two providers of a replicated directory.
  fault_proxy first("127.0.0.1", server().port());
  fault_proxy second("127.0.0.1", server().port());
  io_harness h;
  auto cfg = through(first);
  cfg.uris = {first.uri(), second.uri()};
  cfg.pool_size = 2;
  cfg.bind_pool_size = 0;            // only the two search connections
  cfg.probe_interval_seconds = 600;  // no probe traffic in the byte counts
  ready_client x(h, cfg);
  REQUIRE(wait_until([&] { return first.accepted() >= 2; }));
  // One search connection moves to the second server: the pool spans both.
  first.refuse();
  first.drop_last();
  REQUIRE(wait_until([&] { return second.accepted() >= 1 && x.c.ready(); }));
  first.pass();
  auto wrote = [&](int i) {
    return x.c.modify(
        "uid=c" + std::to_string(i) + "," + k_customers,
        {change(modification::kind::replace, "description", {"w" + std::to_string(i)})});
  };
  const long first_before = first.bytes_up();
  const long second_before = second.bytes_up();
  std::vector<std::future<result<void>>> writes;
  for (int i = 0; i < 20; ++i)
    writes.push_back(h.spawn(wrote(i)));
  for (auto& w : writes)
    REQUIRE(w.get().has_value());
  const bool all_first = second.bytes_up() == second_before && first.bytes_up() > first_before;
  const bool all_second = first.bytes_up() == first_before && second.bytes_up() > second_before;
  INFO("first ", first.bytes_up() - first_before, " second ", second.bytes_up() - second_before);
  CHECK((all_first || all_second));
}
