// The one SQLite layer of every on-disk store (reveal ledger, change history, settings):
// an owned connection, prepared statements with checked binds and typed columns,
// transactions by RAII guard, WAL, ONE versioned migration scheme (`PRAGMA user_version`)
// and an executor that runs all database work on the store's own thread, never on the
// caller's (an I/O thread).
//
//   constexpr std::string_view k_steps[] = {"CREATE TABLE kv(k TEXT PRIMARY KEY, v TEXT)"};
//   auto db = mapping::sqlite_database::open({.path = "kv.db"}, {"kv store", k_steps});
//   if (!db) throw std::runtime_error(db.error().message);        // start-up only
//   auto v = co_await (*db)->run([](mapping::sqlite_connection& c) -> mapping::db_result<bool> {
//     auto q = c.prepare("INSERT INTO kv(k, v) VALUES(?, ?)");
//     q.bind_all("a", "b");
//     if (auto done = q.run(); !done) return done.error();      // a bind error surfaces here
//     return true;
//   });
//
// Errors: every sqlite3_* return code is checked and becomes a `db_error` (typed code plus a
// message for logs). Binds record the first failure in the statement; `step()` and `run()`
// return it, so a failed bind can never execute a half-bound statement.
#pragma once

#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/execution.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/result.hpp>
#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

struct sqlite3;
struct sqlite3_stmt;

namespace scopegate::mapping {

namespace net = boost::asio;

class sqlite_connection;

enum class db_errc {
  cannot_open,     // the file cannot be opened or created
  busy,            // another connection holds the lock (after the busy timeout)
  read_only,       // the database or connection refuses writes
  corrupt,         // not a database, or a damaged one
  constraint,      // a UNIQUE / NOT NULL / CHECK constraint refused the write
  bind,            // a value could not be bound (index out of range, too big)
  io,              // disk full or an I/O error
  schema_too_new,  // the file was migrated by a newer version of the program
  misuse,          // the API was used wrongly (a bug)
  failed,          // anything else
};

// `message` is for logs: it may name the file and quote SQLite.
struct db_error {
  db_errc code = db_errc::failed;
  int sqlite_code = 0;  // the extended SQLite result code, 0 when not from SQLite
  std::string message;
};
[[noreturn]] void throw_exception_from_error(const db_error& e, const boost::source_location& loc);

template <class T>
using db_result = boost::system::result<T, db_error>;

[[nodiscard]] std::string_view to_string(db_errc code);

// One prepared statement, finalized on destruction. Used on one thread at a time.
class sqlite_statement {
 public:
  sqlite_statement(sqlite_statement&& other) noexcept;
  sqlite_statement& operator=(sqlite_statement&& other) noexcept;
  sqlite_statement(const sqlite_statement&) = delete;
  sqlite_statement& operator=(const sqlite_statement&) = delete;
  ~sqlite_statement();

  // Parameters count from 1. A failing bind (or a failed prepare) is kept; later binds are
  // skipped and step()/run() return that first error.
  sqlite_statement& bind(int index, std::string_view text);
  sqlite_statement& bind(int index, std::int64_t value);
  sqlite_statement& bind_optional(int index, const std::optional<std::string>& text);  // NULL
  sqlite_statement& bind_null(int index);
  // Binds `values` to parameters 1..n in order.
  template <class... V>
  sqlite_statement& bind_all(const V&... values) {
    int index = 0;
    (bind(++index, values), ...);
    return *this;
  }

  // Advances: true when a row is available, false when done.
  [[nodiscard]] db_result<bool> step();
  // Runs to completion, discarding any rows.
  [[nodiscard]] db_result<void> run();
  // Makes the statement executable again with new bindings.
  [[nodiscard]] db_result<void> reset();

  // Columns of the current row (after step() returned true); count from 0.
  [[nodiscard]] std::int64_t column_int(int column) const;
  [[nodiscard]] std::string column_text(int column) const;  // NULL -> ""
  [[nodiscard]] std::optional<std::string> column_optional_text(int column) const;
  [[nodiscard]] bool column_is_null(int column) const;

  // The first prepare or bind failure, if any.
  [[nodiscard]] const std::optional<db_error>& error() const { return error_; }

 private:
  friend class sqlite_connection;
  sqlite_statement(sqlite3* db, sqlite3_stmt* stmt, std::optional<db_error> error)
      : db_(db), stmt_(stmt), error_(std::move(error)) {}
  void check_bind(int rc, int index);

  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
  std::optional<db_error> error_;
};

// An open transaction: rolled back on destruction unless commit() succeeded.
class sqlite_transaction {
 public:
  sqlite_transaction(sqlite_transaction&& other) noexcept;
  sqlite_transaction& operator=(sqlite_transaction&&) = delete;
  sqlite_transaction(const sqlite_transaction&) = delete;
  sqlite_transaction& operator=(const sqlite_transaction&) = delete;
  ~sqlite_transaction();

  [[nodiscard]] db_result<void> commit();
  [[nodiscard]] db_result<void> rollback();

 private:
  friend class sqlite_connection;
  explicit sqlite_transaction(sqlite3* db) : db_(db) {}
  sqlite3* db_ = nullptr;  // null once finished
};

enum class tx_kind {
  deferred,   // BEGIN: takes the write lock at the first write (reads)
  immediate,  // BEGIN IMMEDIATE: takes the write lock now (read-check-write)
};

struct sqlite_options {
  std::string path;  // empty: a private in-memory database
  // Files only: write-ahead log with synchronous=NORMAL (readers never block the writer).
  bool wal = true;
  // How long a statement waits for another process's lock before failing with `busy`.
  // Only the store's own thread ever waits.
  std::chrono::milliseconds busy_timeout{5000};
};

// How a database's schema evolves. Version N is reached by applying steps[0..N-1] in
// order, each in its own transaction together with `PRAGMA user_version = i+1`. Never
// edit a shipped step: append a new one.
struct sqlite_schema {
  std::string_view name;                    // for messages: "reveal ledger"
  std::span<const std::string_view> steps;  // version i+1 is steps[i]
  // For files written before user_version was kept: returns their version (0 = none). Asked
  // only while user_version is 0, inside the migration transaction.
  std::function<db_result<int>(sqlite_connection&)> legacy_version = {};
};

// One SQLite connection. Not thread-safe: use it on one thread at a time (inside
// sqlite_database::run, that is always the store's thread).
class sqlite_connection {
 public:
  // Opens (creating if needed) the file, sets the busy timeout and, for files, WAL.
  [[nodiscard]] static db_result<sqlite_connection> open(const sqlite_options& options);
  sqlite_connection(sqlite_connection&& other) noexcept;
  sqlite_connection& operator=(sqlite_connection&& other) noexcept;
  sqlite_connection(const sqlite_connection&) = delete;
  sqlite_connection& operator=(const sqlite_connection&) = delete;
  ~sqlite_connection();

  // Runs one or more `;`-separated statements without parameters.
  [[nodiscard]] db_result<void> exec(std::string_view sql);
  // One statement. A prepare failure is kept in the statement and returned by step()/run().
  [[nodiscard]] sqlite_statement prepare(std::string_view sql);
  [[nodiscard]] db_result<sqlite_transaction> begin(tx_kind kind = tx_kind::immediate);

  [[nodiscard]] db_result<int> user_version();
  // Applies the missing steps of `schema`; refuses (schema_too_new) a database whose
  // version is higher than schema.steps.size(), without changing it.
  [[nodiscard]] db_result<void> migrate(const sqlite_schema& schema);

  [[nodiscard]] std::int64_t last_insert_rowid() const;
  [[nodiscard]] std::int64_t changes() const;  // rows changed by the last statement
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  sqlite_connection(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  sqlite3* db_ = nullptr;
  std::string path_;
};

// A migrated connection owned by one dedicated thread. Every store on a database shares one
// sqlite_database: its operations run one after another on that thread (so SQLite has
// exactly one writer and a transaction never interleaves with another operation), and the
// awaiting coroutine resumes on its own executor. Thread-safe.
class sqlite_database {
 public:
  // Opens and migrates on the calling thread: start-up only. Errors are typed; a database
  // newer than `schema` is refused with schema_too_new.
  [[nodiscard]] static db_result<std::shared_ptr<sqlite_database>> open(
      const sqlite_options& options, const sqlite_schema& schema);
  explicit sqlite_database(sqlite_connection connection);
  // Finishes every queued operation, then closes the connection.
  ~sqlite_database();
  sqlite_database(const sqlite_database&) = delete;
  sqlite_database& operator=(const sqlite_database&) = delete;

  // Runs fn(sqlite_connection&) on the database thread and returns its result to the
  // awaiting coroutine. An exception thrown by fn is rethrown in the awaiting coroutine.
  // The database must outlive the returned awaitable.
  template <class F>
  [[nodiscard]] net::awaitable<std::invoke_result_t<F&, sqlite_connection&>> run(F fn);
  // Queues fn(sqlite_connection&) and returns at once; fn reports its own failures (an
  // exception is logged). Callable from any thread.
  template <class F>
  void post(F fn);

  [[nodiscard]] const std::string& path() const { return connection_.path(); }

 private:
  static void log_exception(const std::string& path, std::exception_ptr failure);

  sqlite_connection connection_;
  net::thread_pool thread_{1};
  net::strand<net::thread_pool::executor_type> strand_;
};

template <class F>
net::awaitable<std::invoke_result_t<F&, sqlite_connection&>> sqlite_database::run(F fn) {
  using value_type = std::invoke_result_t<F&, sqlite_connection&>;
  using outcome = std::optional<value_type>;
  auto initiation = [this](auto handler, F work) {
    auto home = net::prefer(net::get_associated_executor(handler),
                            net::execution::outstanding_work.tracked);
    net::post(strand_, [this, work = std::move(work), handler = std::move(handler),
                        home = std::move(home)]() mutable {
      std::exception_ptr failure;
      outcome value;
      try {
        value.emplace(work(connection_));
      } catch (...) {
        failure = std::current_exception();
      }
      net::post(home, [handler = std::move(handler), failure, value = std::move(value)]() mutable {
        std::move(handler)(failure, std::move(value));
      });
    });
  };
  outcome out = co_await net::async_initiate<const net::use_awaitable_t<>&,
                                             void(std::exception_ptr, outcome)>(
      std::move(initiation), net::use_awaitable, std::move(fn));
  co_return std::move(*out);
}

template <class F>
void sqlite_database::post(F fn) {
  net::post(strand_, [this, fn = std::move(fn)]() mutable {
    try {
      fn(connection_);
    } catch (...) {
      log_exception(connection_.path(), std::current_exception());
    }
  });
}

}  // namespace scopegate::mapping
