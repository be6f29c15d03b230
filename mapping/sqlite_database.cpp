#include "mapping/sqlite_database.hpp"

#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <boost/throw_exception.hpp>
#include <stdexcept>
#include <utility>

namespace scopegate::mapping {

void throw_exception_from_error(const db_error& e, const boost::source_location& loc) {
  boost::throw_exception(std::runtime_error(e.message), loc);
}

std::string_view to_string(db_errc code) {
  switch (code) {
    case db_errc::cannot_open:
      return "cannot_open";
    case db_errc::busy:
      return "busy";
    case db_errc::read_only:
      return "read_only";
    case db_errc::corrupt:
      return "corrupt";
    case db_errc::constraint:
      return "constraint";
    case db_errc::bind:
      return "bind";
    case db_errc::io:
      return "io";
    case db_errc::schema_too_new:
      return "schema_too_new";
    case db_errc::misuse:
      return "misuse";
    case db_errc::failed:
      return "failed";
  }
  return "failed";
}

namespace {

db_errc classify(int rc) {
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return db_errc::busy;
    case SQLITE_READONLY:
      return db_errc::read_only;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return db_errc::corrupt;
    case SQLITE_CONSTRAINT:
      return db_errc::constraint;
    case SQLITE_RANGE:
      return db_errc::bind;
    case SQLITE_IOERR:
    case SQLITE_FULL:
      return db_errc::io;
    case SQLITE_CANTOPEN:
      return db_errc::cannot_open;
    case SQLITE_MISUSE:
      return db_errc::misuse;
    default:
      return db_errc::failed;
  }
}

// The error of the last call on `db` that returned `rc`.
db_error from_sqlite(sqlite3* db, int rc, std::string_view what) {
  const char* detail = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  return {classify(rc), rc, std::string(what) + ": " + detail};
}

// A statement known not to need parameters or text lengths (transaction control).
db_result<void> exec_literal(sqlite3* db, const char* sql) {
  int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return from_sqlite(db, rc, sql);
  return {};
}

}  // namespace

// ---------------------------------------------------------------------------------------
// sqlite_statement

sqlite_statement::sqlite_statement(sqlite_statement&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)),
      stmt_(std::exchange(other.stmt_, nullptr)),
      error_(std::move(other.error_)) {}

sqlite_statement& sqlite_statement::operator=(sqlite_statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);  // returns the last step's error, already reported by step()
    db_ = std::exchange(other.db_, nullptr);
    stmt_ = std::exchange(other.stmt_, nullptr);
    error_ = std::move(other.error_);
  }
  return *this;
}

sqlite_statement::~sqlite_statement() {
  sqlite3_finalize(stmt_);  // as above: its code repeats the last step's, already returned
}

void sqlite_statement::check_bind(int rc, int index) {
  if (rc == SQLITE_OK) return;
  auto e = from_sqlite(db_, rc, "bind of parameter " + std::to_string(index));
  e.code = db_errc::bind;
  error_ = std::move(e);
}

sqlite_statement& sqlite_statement::bind(int index, std::string_view text) {
  if (!error_)
    check_bind(
        sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8),
        index);
  return *this;
}

sqlite_statement& sqlite_statement::bind(int index, std::int64_t value) {
  if (!error_) check_bind(sqlite3_bind_int64(stmt_, index, value), index);
  return *this;
}

sqlite_statement& sqlite_statement::bind_optional(int index,
                                                  const std::optional<std::string>& text) {
  return text ? bind(index, std::string_view(*text)) : bind_null(index);
}

sqlite_statement& sqlite_statement::bind_null(int index) {
  if (!error_) check_bind(sqlite3_bind_null(stmt_, index), index);
  return *this;
}

db_result<bool> sqlite_statement::step() {
  if (error_) return *error_;
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return from_sqlite(db_, rc, "step");
}

db_result<void> sqlite_statement::run() {
  for (;;) {
    auto row = step();
    if (!row) return row.error();
    if (!*row) return {};
  }
}

db_result<void> sqlite_statement::reset() {
  if (!stmt_)  // the prepare failed (or the statement was moved from): nothing to reset
    return error_.value_or(db_error{db_errc::misuse, 0, "reset of an empty statement"});
  error_.reset();
  int rc = sqlite3_reset(stmt_);
  // sqlite3_clear_bindings always returns SQLITE_OK.
  (void)sqlite3_clear_bindings(stmt_);
  if (rc != SQLITE_OK) return from_sqlite(db_, rc, "reset");
  return {};
}

std::int64_t sqlite_statement::column_int(int column) const {
  return sqlite3_column_int64(stmt_, column);
}

std::string sqlite_statement::column_text(int column) const {
  const auto* p = sqlite3_column_text(stmt_, column);
  return p ? std::string(reinterpret_cast<const char*>(p),
                         static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)))
           : std::string();
}

std::optional<std::string> sqlite_statement::column_optional_text(int column) const {
  if (column_is_null(column)) return std::nullopt;
  return column_text(column);
}

bool sqlite_statement::column_is_null(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

// ---------------------------------------------------------------------------------------
// sqlite_transaction

sqlite_transaction::sqlite_transaction(sqlite_transaction&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)) {}

sqlite_transaction::~sqlite_transaction() {
  if (!db_) return;
  if (auto done = rollback(); !done)
    spdlog::error("sqlite: rolling back a transaction failed: {}", done.error().message);
}

db_result<void> sqlite_transaction::commit() {
  if (!db_) return db_error{db_errc::misuse, 0, "commit of a finished transaction"};
  auto done = exec_literal(db_, "COMMIT");
  // A failed COMMIT (e.g. busy) can leave the transaction open: then the guard still rolls
  // it back. When SQLite already ended it, there is nothing left to undo.
  if (done || sqlite3_get_autocommit(db_) != 0) db_ = nullptr;
  return done;
}

db_result<void> sqlite_transaction::rollback() {
  if (!db_) return db_error{db_errc::misuse, 0, "rollback of a finished transaction"};
  auto* db = std::exchange(db_, nullptr);
  // SQLite may have rolled back already (after some errors): nothing to do then.
  if (sqlite3_get_autocommit(db) != 0) return {};
  return exec_literal(db, "ROLLBACK");
}

// ---------------------------------------------------------------------------------------
// sqlite_connection

db_result<sqlite_connection> sqlite_connection::open(const sqlite_options& options) {
  std::string path = options.path.empty() ? ":memory:" : options.path;
  sqlite3* raw = nullptr;
  // NOMUTEX: the connection is only ever used by one thread at a time.
  int rc =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  sqlite_connection connection(raw, path);  // closes the handle on every path out
  if (rc != SQLITE_OK) {
    auto e = from_sqlite(raw, rc, "cannot open " + path);
    if (e.code == db_errc::failed) e.code = db_errc::cannot_open;
    return e;
  }
  rc = sqlite3_extended_result_codes(raw, 1);
  if (rc != SQLITE_OK) return from_sqlite(raw, rc, path + ": extended result codes");
  auto timeout = static_cast<int>(options.busy_timeout.count());
  rc = sqlite3_busy_timeout(raw, timeout);
  if (rc != SQLITE_OK) return from_sqlite(raw, rc, path + ": busy timeout");
  if (!options.path.empty() && options.wal) {
    // The first statement reads the file: a file that is no database fails here (corrupt).
    auto q = connection.prepare("PRAGMA journal_mode=WAL");
    auto row = q.step();
    if (!row) {
      auto e = row.error();
      e.message = path + ": " + e.message;
      return e;
    }
    if (!*row || q.column_text(0) != "wal")
      return db_error{db_errc::failed, 0, path + ": the database refuses WAL journal mode"};
    if (auto sync = connection.exec("PRAGMA synchronous=NORMAL"); !sync) return sync.error();
  }
  return connection;
}

sqlite_connection::sqlite_connection(sqlite_connection&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), path_(std::move(other.path_)) {}

sqlite_connection& sqlite_connection::operator=(sqlite_connection&& other) noexcept {
  if (this != &other) {
    if (db_) sqlite3_close_v2(db_);
    db_ = std::exchange(other.db_, nullptr);
    path_ = std::move(other.path_);
  }
  return *this;
}

sqlite_connection::~sqlite_connection() {
  // close_v2 defers the close until every statement is finalized; it always succeeds.
  if (db_) sqlite3_close_v2(db_);
}

db_result<void> sqlite_connection::exec(std::string_view sql) {
  const char* at = sql.data();
  const char* end = sql.data() + sql.size();
  while (at < end) {
    sqlite3_stmt* raw = nullptr;
    const char* tail = nullptr;
    int rc = sqlite3_prepare_v2(db_, at, static_cast<int>(end - at), &raw, &tail);
    if (rc != SQLITE_OK) return from_sqlite(db_, rc, "prepare");
    if (!raw) break;  // only whitespace or comments left
    sqlite_statement statement(db_, raw, std::nullopt);
    if (auto done = statement.run(); !done) return done.error();
    at = tail;
  }
  return {};
}

sqlite_statement sqlite_connection::prepare(std::string_view sql) {
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &raw, nullptr);
  if (rc != SQLITE_OK) return {db_, nullptr, from_sqlite(db_, rc, "prepare")};
  if (!raw) return {db_, nullptr, db_error{db_errc::misuse, 0, "prepare: no SQL statement"}};
  return {db_, raw, std::nullopt};
}

db_result<sqlite_transaction> sqlite_connection::begin(tx_kind kind) {
  auto started = exec_literal(db_, kind == tx_kind::immediate ? "BEGIN IMMEDIATE" : "BEGIN");
  if (!started) return started.error();
  return sqlite_transaction(db_);
}

db_result<int> sqlite_connection::user_version() {
  auto q = prepare("PRAGMA user_version");
  auto row = q.step();
  if (!row) return row.error();
  if (!*row) return db_error{db_errc::failed, 0, "PRAGMA user_version returned no row"};
  return static_cast<int>(q.column_int(0));
}

db_result<void> sqlite_connection::migrate(const sqlite_schema& schema) {
  const auto known = static_cast<int>(schema.steps.size());
  auto fail = [&](db_error e, std::string_view doing) {
    e.message =
        std::string(schema.name) + " in " + path_ + ": " + std::string(doing) + ": " + e.message;
    return e;
  };
  // One transaction per step; the version is read inside it, so a concurrent opener of the
  // same file cannot apply a step twice.
  for (;;) {
    auto tx = begin(tx_kind::immediate);
    if (!tx) return fail(tx.error(), "migration");
    auto stored = user_version();
    if (!stored) return fail(stored.error(), "reading the schema version");
    int version = *stored;
    if (version == 0 && schema.legacy_version) {
      auto legacy = schema.legacy_version(*this);
      if (!legacy) return fail(legacy.error(), "reading the earlier schema version");
      version = *legacy;
    }
    if (version > known)
      return db_error{db_errc::schema_too_new, 0,
                      std::string(schema.name) + " in " + path_ + " has schema version " +
                          std::to_string(version) + ", newer than this gateway knows (" +
                          std::to_string(known) + "); refusing to use it"};
    int next = version;
    if (version < known) {
      auto step = exec(schema.steps[static_cast<std::size_t>(version)]);
      if (!step) return fail(step.error(), "migration to version " + std::to_string(version + 1));
      next = version + 1;
    }
    if (next != *stored) {
      // PRAGMA values cannot be bound; `next` is a number we computed.
      auto set = exec("PRAGMA user_version = " + std::to_string(next));
      if (!set) return fail(set.error(), "recording the schema version");
    }
    if (auto done = tx->commit(); !done) return fail(done.error(), "migration commit");
    if (next == known) return {};
  }
}

std::int64_t sqlite_connection::last_insert_rowid() const {
  return sqlite3_last_insert_rowid(db_);
}

std::int64_t sqlite_connection::changes() const {
  return sqlite3_changes64(db_);
}

// ---------------------------------------------------------------------------------------
// sqlite_database

db_result<std::shared_ptr<sqlite_database>> sqlite_database::open(const sqlite_options& options,
                                                                  const sqlite_schema& schema) {
  auto connection = sqlite_connection::open(options);
  if (!connection) return connection.error();
  if (auto migrated = connection->migrate(schema); !migrated) return migrated.error();
  return std::make_shared<sqlite_database>(std::move(*connection));
}

sqlite_database::sqlite_database(sqlite_connection connection)
    : connection_(std::move(connection)), strand_(net::make_strand(thread_.get_executor())) {}

sqlite_database::~sqlite_database() {
  thread_.join();  // runs what is queued (e.g. posted updates) before the connection closes
}

void sqlite_database::log_exception(const std::string& path, std::exception_ptr failure) {
  try {
    std::rethrow_exception(failure);
  } catch (const std::exception& e) {
    spdlog::error("sqlite {}: a queued operation failed: {}", path, e.what());
  } catch (...) {
    spdlog::error("sqlite {}: a queued operation failed", path);
  }
}

}  // namespace scopegate::mapping
