// Shared by the store tests: run one awaitable to completion, a temporary directory, a plain
// second connection, and readable failures of result types.
#pragma once

#include <doctest/doctest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/system/result.hpp>
#include <filesystem>
#include <string>

// REQUIRE(result) prints the error's message when it fails (the stores' error types all carry
// one), and never needs the value to be printable.
namespace doctest {
template <class T, class E>
struct StringMaker<boost::system::result<T, E>> {
  static String convert(const boost::system::result<T, E>& r) {
    if (r) return "ok";
    return String(("error: " + r.error().message).c_str());
  }
};
}  // namespace doctest

namespace scopegate::test {

// Runs one store operation to completion on a private io_context.
template <typename T>
T wait(boost::asio::awaitable<T> op) {
  boost::asio::io_context io;
  auto fut = boost::asio::co_spawn(io, std::move(op), boost::asio::use_future);
  io.run();
  return fut.get();
}

struct temp_dir {
  std::filesystem::path path;
  temp_dir() {
    std::string t = (std::filesystem::temp_directory_path() / "scopegate-store-XXXXXX").string();
    REQUIRE(mkdtemp(t.data()) != nullptr);
    path = t;
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  [[nodiscard]] std::string file(const std::string& name) const { return (path / name).string(); }
};

// A plain second connection, as another process (or an operator's sqlite3 shell) would have.
struct raw_db {
  sqlite3* db = nullptr;
  explicit raw_db(const std::string& path) {
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  }
  ~raw_db() { sqlite3_close(db); }
  raw_db(const raw_db&) = delete;
  raw_db& operator=(const raw_db&) = delete;
  void exec(const char* sql) {
    char* err = nullptr;
    int rc = sqlite3_exec(db, sql, nullptr, nullptr, &err);
    INFO(sql, " -> ", (err ? err : ""));
    sqlite3_free(err);
    REQUIRE(rc == SQLITE_OK);
  }
  // The first column of the first row as an integer (-1 when there is no row).
  long long integer(const char* sql) {
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, sql, -1, &st, nullptr) == SQLITE_OK);
    long long v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    return v;
  }
};

}  // namespace scopegate::test
