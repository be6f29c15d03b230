// The SQLite layer against real files: migrations by user_version (applied once, re-open,
// newer file refused, failed step), checked binds, transactions that roll back, typed errors
// for corrupt, missing and locked files, and work running on the database's own thread.
#include <doctest/doctest.h>

#include <atomic>
#include <boost/asio/detached.hpp>
#include <fstream>
#include <thread>

#include "mapping/sqlite_database.hpp"
#include "tests/mapping/store_test_support.hpp"

using namespace scopegate;
using namespace scopegate::mapping;
using scopegate::test::raw_db;
using scopegate::test::temp_dir;
using scopegate::test::wait;

namespace {

constexpr std::string_view k_two_steps[] = {
    "CREATE TABLE t(k TEXT PRIMARY KEY, v TEXT NOT NULL);",
    "CREATE TABLE applied(step INTEGER); INSERT INTO applied VALUES(2);",
};
constexpr std::string_view k_three_steps[] = {
    k_two_steps[0],
    k_two_steps[1],
    "INSERT INTO applied VALUES(3);",
};

sqlite_schema schema(std::span<const std::string_view> steps) {
  return {"test store", steps};
}

db_result<std::int64_t> count(sqlite_connection& c, std::string_view sql) {
  auto q = c.prepare(sql);
  auto row = q.step();
  if (!row) return row.error();
  return *row ? q.column_int(0) : -1;
}

}  // namespace

TEST_CASE("migrations are applied once, in order, and re-opening changes nothing") {
  temp_dir dir;
  auto path = dir.file("m.db");
  {
    auto db = sqlite_database::open({.path = path}, schema(k_two_steps));
    REQUIRE(db);
  }
  {
    auto db = sqlite_database::open({.path = path}, schema(k_two_steps));
    REQUIRE(db);
  }
  raw_db raw(path);
  CHECK(raw.integer("PRAGMA user_version") == 2);
  CHECK(raw.integer("SELECT count(*) FROM applied") == 1);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(raw.db, "PRAGMA journal_mode", -1, &st, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  CHECK(std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, 0))) == "wal");
  sqlite3_finalize(st);

  // A later program version appends a step: only that one runs.
  auto db = sqlite_database::open({.path = path}, schema(k_three_steps));
  REQUIRE(db);
  CHECK(raw.integer("PRAGMA user_version") == 3);
  CHECK(raw.integer("SELECT count(*) FROM applied") == 2);
}

TEST_CASE("a database newer than the program is refused and left unchanged") {
  temp_dir dir;
  auto path = dir.file("new.db");
  REQUIRE(sqlite_database::open({.path = path}, schema(k_two_steps)));
  {
    raw_db raw(path);
    raw.exec("PRAGMA user_version = 7");
  }
  auto db = sqlite_database::open({.path = path}, schema(k_three_steps));
  REQUIRE_FALSE(db);
  CHECK(db.error().code == db_errc::schema_too_new);
  CHECK(db.error().message.find("newer than") != std::string::npos);
  CHECK(db.error().message.find("test store") != std::string::npos);
  raw_db raw(path);
  CHECK(raw.integer("PRAGMA user_version") == 7);
  CHECK(raw.integer("SELECT count(*) FROM applied") == 1);
}

TEST_CASE("a failing migration step changes nothing and keeps the version") {
  temp_dir dir;
  auto path = dir.file("bad.db");
  REQUIRE(sqlite_database::open({.path = path}, schema(k_two_steps)));
  constexpr std::string_view broken[] = {
      k_two_steps[0], k_two_steps[1],
      "INSERT INTO applied VALUES(3); CREATE TABLE t(duplicate INTEGER);"};
  auto db = sqlite_database::open({.path = path}, schema(broken));
  REQUIRE_FALSE(db);
  CHECK(db.error().message.find("migration to version 3") != std::string::npos);
  raw_db raw(path);
  CHECK(raw.integer("PRAGMA user_version") == 2);
  CHECK(raw.integer("SELECT count(*) FROM applied") == 1);  // the step's insert rolled back
}

TEST_CASE("an earlier versioning scheme is carried over by legacy_version") {
  temp_dir dir;
  auto path = dir.file("legacy.db");
  {
    raw_db raw(path);
    raw.exec("CREATE TABLE t(k TEXT PRIMARY KEY, v TEXT NOT NULL); INSERT INTO t VALUES('a','1');");
  }
  sqlite_schema s = schema(k_three_steps);
  int asked = 0;
  s.legacy_version = [&](sqlite_connection&) -> db_result<int> {
    ++asked;
    return 1;  // the file already has step 1
  };
  REQUIRE(sqlite_database::open({.path = path}, s));
  REQUIRE(sqlite_database::open({.path = path}, s));
  CHECK(asked == 1);  // once user_version is set, it is the only version
  raw_db raw(path);
  CHECK(raw.integer("PRAGMA user_version") == 3);
  CHECK(raw.integer("SELECT count(*) FROM t") == 1);
  CHECK(raw.integer("SELECT count(*) FROM applied") == 2);
}

TEST_CASE("bind errors surface at step and nothing is executed") {
  auto db = sqlite_database::open({}, schema(k_two_steps));
  REQUIRE(db);
  auto r = wait((*db)->run([](sqlite_connection& c) -> db_result<std::int64_t> {
    auto q = c.prepare("INSERT INTO t(k, v) VALUES(?, ?)");
    q.bind(1, "a").bind(3, "out of range").bind(2, "never bound");
    REQUIRE(q.error());
    auto done = q.run();
    if (done) return db_error{db_errc::failed, 0, "the statement ran"};
    CHECK(done.error().code == db_errc::bind);
    CHECK(done.error().message.find("parameter 3") != std::string::npos);
    return count(c, "SELECT count(*) FROM t");
  }));
  REQUIRE(r);
  CHECK(*r == 0);
}

TEST_CASE("a prepare failure is typed and returned by step") {
  auto db = sqlite_database::open({}, schema(k_two_steps));
  REQUIRE(db);
  auto r = wait((*db)->run([](sqlite_connection& c) {
    auto q = c.prepare("SELECT nope FROM missing_table");
    return q.step();
  }));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == db_errc::failed);
  CHECK(r.error().message.find("missing_table") != std::string::npos);
}

TEST_CASE("a transaction left without commit, or failing inside, rolls back") {
  auto db = sqlite_database::open({}, schema(k_two_steps));
  REQUIRE(db);
  auto r = wait((*db)->run([](sqlite_connection& c) -> db_result<std::int64_t> {
    {
      auto tx = c.begin();
      if (!tx) return tx.error();
      auto q = c.prepare("INSERT INTO t(k, v) VALUES('a', '1')");
      if (auto done = q.run(); !done) return done.error();
      // The second insert violates the primary key: the guard undoes the first one too.
      auto dup = c.prepare("INSERT INTO t(k, v) VALUES('a', '2')");
      auto failed = dup.run();
      REQUIRE_FALSE(failed);
      CHECK(failed.error().code == db_errc::constraint);
    }
    auto after = count(c, "SELECT count(*) FROM t");
    if (!after) return after.error();
    CHECK(*after == 0);
    {
      auto tx = c.begin();
      if (!tx) return tx.error();
      auto q = c.prepare("INSERT INTO t(k, v) VALUES('b', '1')");
      if (auto done = q.run(); !done) return done.error();
      if (auto done = tx->commit(); !done) return done.error();
      CHECK_FALSE(tx->commit());  // finished: a second commit is misuse, not a crash
    }
    return count(c, "SELECT count(*) FROM t");
  }));
  REQUIRE(r);
  CHECK(*r == 1);
}

TEST_CASE("corrupt, missing and locked files give typed errors") {
  temp_dir dir;
  {
    std::ofstream junk(dir.file("junk.db"), std::ios::binary);
    junk << std::string(8192, 'x');
  }
  auto corrupt = sqlite_database::open({.path = dir.file("junk.db")}, schema(k_two_steps));
  REQUIRE_FALSE(corrupt);
  CHECK(corrupt.error().code == db_errc::corrupt);

  auto missing = sqlite_database::open({.path = dir.file("no-such-dir/x.db")}, schema(k_two_steps));
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == db_errc::cannot_open);

  auto path = dir.file("locked.db");
  auto db = sqlite_database::open({.path = path, .busy_timeout = std::chrono::milliseconds(50)},
                                  schema(k_two_steps));
  REQUIRE(db);
  raw_db other(path);
  other.exec("BEGIN EXCLUSIVE; INSERT INTO t VALUES('x', 'y');");
  auto r = wait((*db)->run([](sqlite_connection& c) {
    auto q = c.prepare("INSERT INTO t(k, v) VALUES('a', '1')");
    return q.run();
  }));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == db_errc::busy);
  other.exec("ROLLBACK");
}

TEST_CASE("work runs on the database thread and resumes on the caller's") {
  auto db = sqlite_database::open({}, schema(k_two_steps));
  REQUIRE(db);
  boost::asio::io_context io;
  const auto caller = std::this_thread::get_id();
  std::atomic<int> done{0};
  constexpr int k_tasks = 64;
  for (int i = 0; i < k_tasks; ++i) {
    boost::asio::co_spawn(
        io,
        [&, i]() -> boost::asio::awaitable<void> {
          auto r = co_await (*db)->run([i](sqlite_connection& c) -> db_result<std::thread::id> {
            auto q = c.prepare("INSERT INTO t(k, v) VALUES(?, 'v')");
            q.bind(1, "k" + std::to_string(i));
            if (auto ok = q.run(); !ok) return ok.error();
            return std::this_thread::get_id();
          });
          CHECK(r);
          if (r) CHECK(*r != caller);
          CHECK(std::this_thread::get_id() == caller);
          ++done;
        },
        boost::asio::detached);
  }
  io.run();
  CHECK(done == k_tasks);
  auto n =
      wait((*db)->run([](sqlite_connection& c) { return count(c, "SELECT count(*) FROM t"); }));
  REQUIRE(n);
  CHECK(*n == k_tasks);
}

TEST_CASE("an exception inside run reaches the awaiting coroutine") {
  auto db = sqlite_database::open({}, schema(k_two_steps));
  REQUIRE(db);
  CHECK_THROWS_WITH_AS(wait((*db)->run([](sqlite_connection&) -> db_result<int> {
                         throw std::runtime_error("boom");
                       })),
                       "boom", std::runtime_error);
  // The database thread survives it.
  auto ok = wait((*db)->run([](sqlite_connection& c) { return c.user_version(); }));
  REQUIRE(ok);
  CHECK(*ok == 2);
}
