// The reveal ledger against real SQLite: distinct counting, limits and their precedence,
// day rollover in a non-UTC zone with a settable clock, exact limits under concurrency,
// alerts once per day, retention, migrations and WAL.
#include <doctest/doctest.h>

#include <sqlite3.h>
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <filesystem>
#include <thread>

#include "policy/reveal_ledger.hpp"

using namespace scopegate;
using namespace scopegate::policy;
using namespace std::chrono;

namespace {

sys_seconds at(int y, unsigned mo, unsigned d, int h, int mi = 0) {
  return sys_seconds(sys_days(year{y} / month{mo} / day{d})) + hours(h) + minutes(mi);
}

// Runs one ledger operation to completion on a private io_context.
template <typename T>
T wait(net::awaitable<T> op) {
  net::io_context io;
  auto fut = net::co_spawn(io, std::move(op), net::use_future);
  io.run();
  return fut.get();
}

reveal_request req(const std::string& agent, const std::string& customer,
                   std::optional<int> personal = std::nullopt) {
  return {agent, customer, "C-" + customer, "Name " + customer, "127.0.0.1", personal};
}

struct fixture {
  std::shared_ptr<manual_clock> clk = std::make_shared<manual_clock>(at(2024, 1, 15, 12));
  config::reveal_config cfg;
  std::unique_ptr<reveal_ledger> ledger;
  explicit fixture(int limit = 3, const std::string& zone = "UTC", std::string notify = "") {
    cfg.daily_limit = limit;
    cfg.timezone = zone;
    cfg.notify_email = std::move(notify);
    ledger = std::make_unique<reveal_ledger>(cfg, clk, time_zone::load(zone));
  }
  reveal_outcome reveal(const std::string& agent, const std::string& customer,
                        std::optional<int> personal = std::nullopt) {
    return wait(ledger->reveal(req(agent, customer, personal))).value();
  }
};

struct temp_dir {
  std::filesystem::path path;
  temp_dir() {
    std::string t = (std::filesystem::temp_directory_path() / "scopegate-ledger-XXXXXX").string();
    REQUIRE(mkdtemp(t.data()) != nullptr);
    path = t;
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

}  // namespace

TEST_CASE("distinct customers count; a repeat the same day is free") {
  fixture f(2);
  auto a = f.reveal("a1", "alice");
  CHECK(a.status == reveal_status::allowed);
  CHECK(a.today.used == 1);
  CHECK(a.today.left() == 1);
  CHECK(f.reveal("a1", "alice").repeat);
  CHECK(f.reveal("a1", "alice").today.used == 1);
  CHECK(f.reveal("a1", "bob").today.used == 2);
  auto refused = f.reveal("a1", "carol");
  CHECK(refused.status == reveal_status::limit_reached);
  CHECK(refused.today.left() == 0);
  CHECK(refused.retry_after == hours(12));  // until midnight UTC
  // Already revealed customers stay revealable at the limit.
  CHECK(f.reveal("a1", "bob").status == reveal_status::allowed);
  // Another agent has its own count.
  CHECK(f.reveal("a2", "carol").status == reveal_status::allowed);
  // The activity log has every reveal, refused ones not.
  auto rows = wait(f.ledger->list({.agent = "a1"})).value();
  CHECK(rows.size() == 5);
  CHECK(rows.front().customer_login == "bob");
  CHECK(rows.front().customer_id == "C-bob");
}

TEST_CASE("day rollover follows the configured zone (Berlin), not UTC") {
  fixture f(1, "Europe/Berlin");
  f.clk->set(at(2024, 1, 15, 22, 50));  // 23:50 in Berlin
  CHECK(f.reveal("a1", "alice").status == reveal_status::allowed);
  auto refused = f.reveal("a1", "bob");
  CHECK(refused.status == reveal_status::limit_reached);
  CHECK(refused.retry_after == minutes(10));
  f.clk->set(at(2024, 1, 15, 23, 30));  // 00:30 in Berlin, still 15 Jan in UTC
  CHECK(f.reveal("a1", "bob").status == reveal_status::allowed);
  auto rows = wait(f.ledger->list({.agent = "a1"})).value();
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].day == "2024-01-16");
  CHECK(rows[1].day == "2024-01-15");
}

TEST_CASE("limit precedence: today's raise, agent attribute, permanent override, default") {
  fixture f(1);
  CHECK(wait(f.ledger->quota_of("a1", std::nullopt)).value().limit_source == "default");
  CHECK(wait(f.ledger->quota_of("a1", 4)).value().limit == 4);
  (void)wait(f.ledger->set_limit("a1", 6, false, "owner")).value();
  auto q = wait(f.ledger->quota_of("a1", std::nullopt)).value();
  CHECK(q.limit == 6);
  CHECK(q.limit_source == "override");
  CHECK(wait(f.ledger->quota_of("a1", 4)).value().limit == 4);  // the attribute wins
  auto today = wait(f.ledger->set_limit("a1", 9, true, "owner")).value();
  CHECK(today.until_day == "2024-01-15");
  q = wait(f.ledger->quota_of("a1", 4)).value();
  CHECK(q.limit == 9);
  CHECK(q.limit_source == "today_override");
  CHECK(wait(f.ledger->limits_of("a1")).value().size() == 2);
  // The raise ends at midnight; the permanent override stays.
  f.clk->set(at(2024, 1, 16, 0, 0));
  CHECK(wait(f.ledger->quota_of("a1", std::nullopt)).value().limit == 6);
  CHECK(wait(f.ledger->limits_of("a1")).value().size() == 1);
  CHECK(wait(f.ledger->clear_limit("a1", false)).value());
  CHECK_FALSE(wait(f.ledger->clear_limit("a1", false)).value());
  CHECK(wait(f.ledger->quota_of("a1", std::nullopt)).value().limit == 1);
}

TEST_CASE("a raise for today lets the agent continue at once") {
  fixture f(1);
  CHECK(f.reveal("a1", "alice").status == reveal_status::allowed);
  CHECK(f.reveal("a1", "bob").status == reveal_status::limit_reached);
  (void)wait(f.ledger->set_limit("a1", 2, true, "owner")).value();
  CHECK(f.reveal("a1", "bob").status == reveal_status::allowed);
  CHECK(f.reveal("a1", "carol").status == reveal_status::limit_reached);
}

TEST_CASE("50 concurrent reveals of different customers at limit 10: exactly 10 succeed") {
  fixture f(10);
  net::io_context io;
  std::atomic<int> allowed{0}, refused{0}, failed{0};
  for (int i = 0; i < 50; ++i) {
    auto op = f.ledger->reveal(req("a1", "cust" + std::to_string(i)));
    net::co_spawn(io, std::move(op), [&](std::exception_ptr e, ledger_result<reveal_outcome> r) {
      if (e || !r)
        ++failed;
      else if (r->status == reveal_status::allowed)
        ++allowed;
      else
        ++refused;
    });
  }
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&] { io.run(); });
  for (auto& t : threads)
    t.join();
  CHECK(allowed == 10);
  CHECK(refused == 40);
  CHECK(failed == 0);
  CHECK(wait(f.ledger->quota_of("a1", std::nullopt)).value().used == 10);
}

TEST_CASE("one alert per agent and day, when the limit is reached") {
  fixture f(2, "UTC", "security@example.com");
  CHECK_FALSE(f.reveal("a1", "alice").alert);
  auto second = f.reveal("a1", "bob");
  REQUIRE(second.alert);
  CHECK(second.alert->agent == "a1");
  CHECK(second.alert->day == "2024-01-15");
  CHECK(second.alert->limit == 2);
  REQUIRE(second.alert->items.size() == 2);
  CHECK(second.alert->items[0].customer_login == "alice");
  CHECK(second.alert->items[1].customer_name == "Name bob");
  CHECK_FALSE(f.reveal("a1", "carol").alert);  // refused, but already alerted today
  auto n = wait(f.ledger->notifications("", 10)).value();
  REQUIRE(n.size() == 1);
  CHECK(n[0].status == "pending");
  CHECK(n[0].recipient == "security@example.com");
  f.ledger->record_notification(n[0].id, "failed", 3, "connection refused");
  n = wait(f.ledger->notifications("failed", 10)).value();
  REQUIRE(n.size() == 1);
  CHECK(n[0].attempts == 3);
  CHECK(n[0].last_error == "connection refused");
  // The next day the agent may be alerted again; a limit of 0 alerts on the first refusal.
  f.clk->set(at(2024, 1, 16, 8));
  auto zero = f.reveal("a1", "dave", 0);
  CHECK(zero.status == reveal_status::limit_reached);
  REQUIRE(zero.alert);
  CHECK(zero.alert->items.empty());
  // Without a recipient there are no alerts.
  fixture quiet(1);
  CHECK_FALSE(quiet.reveal("a1", "alice").alert);
}

TEST_CASE("who revealed a customer; filters by customer and date range") {
  fixture f(10);
  f.reveal("a1", "alice");
  f.reveal("a2", "alice");
  f.clk->set(at(2024, 1, 17, 9));
  f.reveal("a1", "alice");
  f.reveal("a1", "bob");
  auto who = wait(f.ledger->revealers_of("alice")).value();
  REQUIRE(who.size() == 2);
  CHECK(who[0].agent == "a1");
  CHECK(who[0].times == 2);
  CHECK(who[1].agent == "a2");
  CHECK(wait(f.ledger->list({.customer_login = "alice"})).value().size() == 3);
  CHECK(wait(f.ledger->list({.from_day = "2024-01-16"})).value().size() == 2);
  CHECK(wait(f.ledger->list({.to_day = "2024-01-15"})).value().size() == 2);
  auto page = wait(f.ledger->list({.limit = 3})).value();
  REQUIRE(page.size() == 3);
  CHECK(wait(f.ledger->list({.before_id = page.back().id})).value().size() == 1);
}

TEST_CASE("retention deletes old reveals only") {
  fixture f(10);
  f.cfg.retention_days = 30;
  f.ledger = std::make_unique<reveal_ledger>(f.cfg, f.clk, time_zone::utc());
  f.reveal("a1", "alice");
  f.clk->set(at(2024, 2, 10, 12));
  f.reveal("a1", "bob");
  CHECK(wait(f.ledger->purge_expired()).value() == 0);
  f.clk->set(at(2024, 2, 14, 12, 1));  // alice's reveal is now older than 30 days
  CHECK(wait(f.ledger->purge_expired()).value() == 1);
  auto rows = wait(f.ledger->list({})).value();
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].customer_login == "bob");
}

TEST_CASE("a database file: WAL, schema version, kept across restarts") {
  temp_dir dir;
  auto clk = std::make_shared<manual_clock>(at(2024, 1, 15, 12));
  config::reveal_config cfg;
  cfg.database_path = (dir.path / "reveals.db").string();
  {
    reveal_ledger ledger(cfg, clk, time_zone::utc());
    (void)wait(ledger.reveal(req("a1", "alice"))).value();
  }
  {
    reveal_ledger ledger(cfg, clk, time_zone::utc());
    CHECK(wait(ledger.quota_of("a1", std::nullopt)).value().used == 1);
  }
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(cfg.database_path.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, nullptr);
  REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  CHECK(std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, 0))) == "wal");
  sqlite3_finalize(st);
  sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, nullptr);
  REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  CHECK(sqlite3_column_int(st, 0) == 1);
  sqlite3_finalize(st);
  // A database from a newer gateway is refused, not modified.
  REQUIRE(sqlite3_exec(db, "PRAGMA user_version = 99", nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
  CHECK_THROWS_WITH_AS(reveal_ledger(cfg, clk, time_zone::utc()),
                       doctest::Contains("newer than this gateway"), std::runtime_error);
  cfg.database_path = (dir.path / "missing-dir" / "x.db").string();
  CHECK_THROWS_AS(reveal_ledger(cfg, clk, time_zone::utc()), std::runtime_error);
}

// Files written before the version moved to PRAGMA user_version kept it in a table
// schema_version; they open with their rows, and a newer version there is still refused.
TEST_CASE("a database file from the schema_version era opens and keeps its rows") {
  temp_dir dir;
  auto clk = std::make_shared<manual_clock>(at(2024, 1, 15, 12));
  config::reveal_config cfg;
  cfg.database_path = (dir.path / "old.db").string();
  {
    // What the earlier ledger wrote: migration 1 plus its version row.
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(cfg.database_path.c_str(), &db) == SQLITE_OK);
    const char* old_schema = R"(
CREATE TABLE schema_version(version INTEGER NOT NULL);
INSERT INTO schema_version(version) VALUES(1);
CREATE TABLE reveals(id INTEGER PRIMARY KEY, agent TEXT NOT NULL,
  customer_login TEXT NOT NULL, customer_id TEXT NOT NULL, customer_name TEXT NOT NULL,
  day TEXT NOT NULL, revealed_at INTEGER NOT NULL, source TEXT NOT NULL);
CREATE INDEX reveals_agent_day ON reveals(agent, day, customer_login);
CREATE INDEX reveals_customer ON reveals(customer_login, revealed_at);
CREATE INDEX reveals_time ON reveals(revealed_at);
CREATE TABLE limit_overrides(agent TEXT NOT NULL, daily_limit INTEGER NOT NULL,
  until_day TEXT, set_by TEXT NOT NULL, set_at INTEGER NOT NULL);
CREATE UNIQUE INDEX limit_overrides_key ON limit_overrides(agent, ifnull(until_day, ''));
CREATE TABLE notifications(id INTEGER PRIMARY KEY, kind TEXT NOT NULL, agent TEXT NOT NULL,
  day TEXT NOT NULL, recipient TEXT NOT NULL, status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, UNIQUE(kind, agent, day));
INSERT INTO reveals VALUES(1, 'a1', 'alice', 'C-alice', 'Alice', '2024-01-15', 1705320000, 'x');
INSERT INTO limit_overrides VALUES('a1', 7, NULL, 'owner', 1705320000);
)";
    REQUIRE(sqlite3_exec(db, old_schema, nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
  }
  {
    reveal_ledger ledger(cfg, clk, time_zone::utc());
    auto q = wait(ledger.quota_of("a1", std::nullopt)).value();
    CHECK(q.used == 1);
    CHECK(q.limit == 7);
    CHECK(wait(ledger.reveal(req("a1", "bob"))).value().status == reveal_status::allowed);
  }
  {
    reveal_ledger again(cfg, clk, time_zone::utc());  // now versioned by user_version
    CHECK(wait(again.quota_of("a1", std::nullopt)).value().used == 2);
  }
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(cfg.database_path.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, nullptr);
  REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  CHECK(sqlite3_column_int(st, 0) == 1);
  sqlite3_finalize(st);
  // An unversioned-by-pragma file whose table names a newer version is refused.
  REQUIRE(sqlite3_exec(db, "PRAGMA user_version = 0; INSERT INTO schema_version VALUES(5)", nullptr,
                       nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
  CHECK_THROWS_WITH_AS(reveal_ledger(cfg, clk, time_zone::utc()),
                       doctest::Contains("newer than this gateway"), std::runtime_error);
}
