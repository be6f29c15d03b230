// The change history against real SQLite: pending -> settle, hidden unsettled entries,
// failures that stop a change (read-only, locked), revert claims and double reverts, filters
// and paging, many concurrent recorders, interrupted entries, and history files written by
// the earlier gateway (unversioned schema) that open with their rows.
#include <doctest/doctest.h>

#include <boost/asio/detached.hpp>
#include <boost/asio/thread_pool.hpp>
#include <mutex>
#include <set>

#include "mapping/change_history.hpp"
#include "tests/mapping/store_test_support.hpp"

using namespace scopegate;
using namespace scopegate::mapping;
using scopegate::test::raw_db;
using scopegate::test::temp_dir;
using scopegate::test::wait;

namespace {

history_entry change(std::string action, std::string partner = "acme", std::string actor = "owner",
                     std::string subject = "") {
  history_entry e;
  e.actor = std::move(actor);
  e.action = std::move(action);
  e.partner_id = std::move(partner);
  e.subject = std::move(subject);
  e.summary = e.action + " " + e.partner_id;
  e.before_json = R"({"v":1})";
  e.after_json = R"({"v":2})";
  return e;
}

struct fixture {
  std::shared_ptr<sqlite_database> db;
  std::unique_ptr<sqlite_change_history> history;
  explicit fixture(const std::string& path = "") {
    auto opened =
        open_admin_database({.path = path, .busy_timeout = std::chrono::milliseconds(50)});
    REQUIRE(opened);
    db = *opened;
    history = std::make_unique<sqlite_change_history>(db);
  }
  std::int64_t applied(history_entry e) {
    auto id = wait(history->record_pending(std::move(e)));
    REQUIRE(id);
    REQUIRE(wait(history->settle(*id, settle_outcome::applied, std::nullopt)));
    return *id;
  }
  std::vector<history_entry> list(history_filter f = {}) {
    auto r = wait(history->list(std::move(f)));
    REQUIRE(r);
    return *r;
  }
  std::optional<history_entry> get(std::int64_t id, history_view v = history_view::applied) {
    auto r = wait(history->get(id, v));
    REQUIRE(r);
    return *r;
  }
};

}  // namespace

TEST_CASE("a pending change is hidden until settled applied; failed ones stay hidden") {
  fixture f;
  auto id = wait(f.history->record_pending(change("partner.rename")));
  REQUIRE(id);
  CHECK(f.list().empty());
  CHECK_FALSE(f.get(*id));
  auto pending = f.get(*id, history_view::all);
  REQUIRE(pending);
  CHECK(pending->state == change_state::pending);
  CHECK(pending->at_ms > 0);

  REQUIRE(wait(f.history->settle(*id, settle_outcome::applied, std::string(R"({"v":3})"))));
  auto e = f.get(*id);
  REQUIRE(e);
  CHECK(e->state == change_state::applied);
  CHECK(e->after_json == R"({"v":3})");  // the state after, known only from the write
  CHECK(e->before_json == R"({"v":1})");
  CHECK(e->summary == "partner.rename acme");

  auto second = wait(f.history->settle(*id, settle_outcome::failed, std::nullopt));
  REQUIRE_FALSE(second);
  CHECK(second.error().code == record_errc::not_pending);
  auto unknown = wait(f.history->settle(9999, settle_outcome::applied, std::nullopt));
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().code == record_errc::not_found);

  auto failed = wait(f.history->record_pending(change("partner.delete")));
  REQUIRE(failed);
  REQUIRE(wait(f.history->settle(*failed, settle_outcome::failed, std::nullopt)));
  CHECK(f.list().size() == 1);
  CHECK_FALSE(f.get(*failed));
  auto all = f.list({.view = history_view::all});
  REQUIRE(all.size() == 2);
  CHECK(all[0].state == change_state::failed);

  auto no_action = wait(f.history->record_pending(change("")));
  REQUIRE_FALSE(no_action);
  CHECK(no_action.error().code == record_errc::invalid);
}

TEST_CASE("a record that cannot be stored returns an error (read-only, locked)") {
  temp_dir dir;
  auto path = dir.file("history.db");
  fixture f(path);
  f.applied(change("partner.create"));

  SUBCASE("read-only") {
    auto ro = wait(f.db->run([](sqlite_connection& c) { return c.exec("PRAGMA query_only = 1"); }));
    REQUIRE(ro);
    auto id = wait(f.history->record_pending(change("partner.rename")));
    REQUIRE_FALSE(id);
    CHECK(id.error().code == record_errc::unavailable);
    auto setting = wait(f.history->record_setting_change(change("settings.x"), "x", "1"));
    REQUIRE_FALSE(setting);
    CHECK(setting.error().code == record_errc::unavailable);
    // Reads still work and show nothing new.
    CHECK(f.list({.view = history_view::all}).size() == 1);
  }
  SUBCASE("locked by another process") {
    raw_db other(path);
    other.exec("BEGIN EXCLUSIVE");
    auto id = wait(f.history->record_pending(change("partner.rename")));
    REQUIRE_FALSE(id);
    CHECK(id.error().code == record_errc::unavailable);
    other.exec("ROLLBACK");
    CHECK(f.list({.view = history_view::all}).size() == 1);
  }
}

TEST_CASE("a revert claims its entry: no double revert, released when the revert fails") {
  fixture f;
  auto original = f.applied(change("partner.rename"));

  auto revert = change("partner.rename");
  revert.reverts = original;
  auto first = wait(f.history->record_pending(revert));
  REQUIRE(first);
  CHECK(f.get(original)->reverted_by == 0);  // not reverted until the revert is applied

  auto concurrent = wait(f.history->record_pending(revert));
  REQUIRE_FALSE(concurrent);
  CHECK(concurrent.error().code == record_errc::already_reverted);

  // The first revert's write fails: the entry may be reverted again.
  REQUIRE(wait(f.history->settle(*first, settle_outcome::failed, std::nullopt)));
  auto again = wait(f.history->record_pending(revert));
  REQUIRE(again);
  REQUIRE(wait(f.history->settle(*again, settle_outcome::applied, std::nullopt)));
  CHECK(f.get(original)->reverted_by == *again);
  CHECK(f.get(*again)->reverts == original);

  auto third = wait(f.history->record_pending(revert));
  REQUIRE_FALSE(third);
  CHECK(third.error().code == record_errc::already_reverted);

  // Only applied entries can be reverted.
  auto pending = wait(f.history->record_pending(change("partner.create")));
  REQUIRE(pending);
  auto of_pending = change("partner.delete");
  of_pending.reverts = *pending;
  auto refused = wait(f.history->record_pending(of_pending));
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == record_errc::not_found);
}

TEST_CASE("mark_reverted is checked and refuses a double revert") {
  fixture f;
  auto a = f.applied(change("agent.mode"));
  auto b = f.applied(change("agent.mode"));
  auto c = f.applied(change("agent.mode"));
  REQUIRE(wait(f.history->mark_reverted(a, b)));
  CHECK(wait(f.history->mark_reverted(a, b)));  // the same revert again: nothing to do
  auto twice = wait(f.history->mark_reverted(a, c));
  REQUIRE_FALSE(twice);
  CHECK(twice.error().code == record_errc::already_reverted);
  CHECK(f.get(a)->reverted_by == b);

  auto missing = wait(f.history->mark_reverted(12345, b));
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == record_errc::not_found);
  auto no_by = wait(f.history->mark_reverted(c, 12345));
  REQUIRE_FALSE(no_by);
  CHECK(no_by.error().code == record_errc::not_found);
  auto self = wait(f.history->mark_reverted(c, c));
  REQUIRE_FALSE(self);
  CHECK(self.error().code == record_errc::invalid);
}

TEST_CASE("filters and paging") {
  fixture f;
  for (int i = 0; i < 30; ++i) {
    auto e = change(i % 3 == 0 ? "agent.link" : "partner.customer_ids", i % 2 ? "acme" : "globex",
                    i % 5 ? "owner" : "helpdesk", i % 3 == 0 ? "agent" + std::to_string(i) : "");
    f.applied(std::move(e));
  }
  CHECK(f.list({.limit = 500}).size() == 30);
  CHECK(f.list({.partner_id = "acme", .limit = 500}).size() == 15);
  CHECK(f.list({.actor = "helpdesk", .limit = 500}).size() == 6);
  CHECK(f.list({.action = "agent.link", .limit = 500}).size() == 10);
  auto by_subject = f.list({.subject = "agent9"});
  REQUIRE(by_subject.size() == 1);
  CHECK(by_subject[0].action == "agent.link");
  CHECK(f.list({.actor = "helpdesk", .partner_id = "globex", .limit = 500}).size() == 3);

  // Pages of 7, newest first, without gaps or repeats.
  std::vector<std::int64_t> seen;
  std::int64_t before = 0;
  for (;;) {
    auto page = f.list({.before_id = before, .limit = 7});
    if (page.empty()) break;
    CHECK(page.size() <= 7);
    for (const auto& e : page)
      seen.push_back(e.id);
    before = page.back().id;
  }
  REQUIRE(seen.size() == 30);
  CHECK(std::is_sorted(seen.rbegin(), seen.rend()));
  CHECK(std::set<std::int64_t>(seen.begin(), seen.end()).size() == 30);
  CHECK(f.list({.limit = 0}).size() == 1);  // clamped, never "everything"
}

TEST_CASE("many coroutines record concurrently") {
  fixture f;
  boost::asio::thread_pool callers(4);
  constexpr int k_changes = 200;
  std::atomic<int> ok{0};
  std::mutex ids_mutex;
  std::set<std::int64_t> ids;
  for (int i = 0; i < k_changes; ++i)
    boost::asio::co_spawn(
        callers,
        [&, i]() -> boost::asio::awaitable<void> {
          auto e = change("partner.rename", "p" + std::to_string(i));
          auto id = co_await f.history->record_pending(std::move(e));
          if (!id) co_return;
          auto settled = co_await f.history->settle(*id, settle_outcome::applied, std::nullopt);
          if (!settled) co_return;
          std::lock_guard lock(ids_mutex);
          ids.insert(*id);
          ++ok;
        },
        boost::asio::detached);
  callers.join();
  CHECK(ok == k_changes);
  CHECK(ids.size() == static_cast<std::size_t>(k_changes));
  CHECK(f.list({.limit = 500}).size() == static_cast<std::size_t>(k_changes));
}

TEST_CASE("entries left pending by a stopped process are marked interrupted at open") {
  temp_dir dir;
  auto path = dir.file("history.db");
  std::int64_t original = 0, revert_id = 0;
  {
    fixture f(path);
    original = f.applied(change("partner.rename"));
    auto revert = change("partner.rename");
    revert.reverts = original;
    auto id = wait(f.history->record_pending(revert));
    REQUIRE(id);
    revert_id = *id;
  }  // the process stops before settle
  fixture f(path);
  auto e = f.get(revert_id, history_view::all);
  REQUIRE(e);
  CHECK(e->state == change_state::interrupted);
  CHECK_FALSE(f.get(revert_id));
  auto late = wait(f.history->settle(revert_id, settle_outcome::applied, std::nullopt));
  REQUIRE_FALSE(late);
  CHECK(late.error().code == record_errc::not_pending);
  // Its claim is released: the entry can be reverted now.
  auto revert = change("partner.rename");
  revert.reverts = original;
  CHECK(wait(f.history->record_pending(revert)));
}

TEST_CASE("a history file from the earlier, unversioned gateway opens and keeps its rows") {
  temp_dir dir;
  auto path = dir.file("admin-history.db");
  {
    raw_db old(path);
    // The statements the history store ran on every open before its schema was versioned.
    old.exec(
        "PRAGMA journal_mode=WAL;"
        "CREATE TABLE IF NOT EXISTS admin_history ("
        " id INTEGER PRIMARY KEY AUTOINCREMENT, at_ms INTEGER NOT NULL, actor TEXT NOT NULL,"
        " action TEXT NOT NULL, partner_id TEXT NOT NULL, summary TEXT NOT NULL,"
        " before_json TEXT NOT NULL, after_json TEXT NOT NULL, reverts INTEGER NOT NULL DEFAULT 0,"
        " reverted_by INTEGER NOT NULL DEFAULT 0);"
        "CREATE INDEX IF NOT EXISTS admin_history_partner ON admin_history(partner_id, id);"
        "CREATE INDEX IF NOT EXISTS admin_history_actor ON admin_history(actor, id);"
        "CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);");
    old.exec(
        "INSERT INTO admin_history (at_ms, actor, action, partner_id, summary, before_json, "
        "after_json, reverts) VALUES "
        "(1000, 'owner', 'partner.create', 'acme', 'created acme', 'null', '{\"id\":\"acme\"}', 0),"
        "(2000, 'owner', 'agent.mode', '', 'mode of a1', "
        "'{\"agent\":\"a1\",\"attribute_value\":null}',"
        " '{\"agent\":\"a1\",\"attribute_value\":\"view_only\"}', 0),"
        "(3000, 'helpdesk', 'agent.mode', '', 'reverted #2', "
        " '{\"agent\":\"a1\",\"attribute_value\":\"view_only\"}', 'not json', 2);"
        "UPDATE admin_history SET reverted_by = 3 WHERE id = 2;"
        "INSERT INTO settings VALUES('fieldworkers_see_all_customers', 'true');");
  }
  {
    fixture f(path);
    auto rows = f.list();
    REQUIRE(rows.size() == 3);
    CHECK(rows[2].action == "partner.create");
    CHECK(rows[2].at_ms == 1000);
    CHECK(rows[2].after_json == R"({"id":"acme"})");
    CHECK(rows[2].subject.empty());
    CHECK(rows[1].subject == "a1");  // filled in from the JSON
    CHECK(rows[0].subject == "a1");  // from before_json when after_json is no JSON
    CHECK(rows[1].reverted_by == 3);
    CHECK(rows[0].reverts == 2);
    for (const auto& e : rows)
      CHECK(e.state == change_state::applied);
    // New entries continue after the old ones.
    auto id = f.applied(change("partner.rename"));
    CHECK(id == 4);
    auto twice = change("agent.mode");
    twice.reverts = 2;
    auto refused = wait(f.history->record_pending(twice));
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == record_errc::already_reverted);
  }
  fixture reopened(path);  // idempotent
  CHECK(reopened.list().size() == 4);
  raw_db raw(path);
  CHECK(raw.integer("PRAGMA user_version") == 2);
  CHECK(raw.integer("SELECT count(*) FROM settings") == 1);
}
