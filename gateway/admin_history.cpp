#include "gateway/admin_history.hpp"

#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <chrono>
#include <memory>
#include <stdexcept>

namespace scopegate::gateway {

namespace {

using statement = std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)>;

statement prepare(sqlite3* db, const char* sql) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &s, nullptr) != SQLITE_OK)
    throw std::runtime_error(std::string("history: ") + sqlite3_errmsg(db));
  return statement(s, sqlite3_finalize);
}

void bind_text(sqlite3_stmt* s, int i, const std::string& v) {
  sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
}

std::string column_text(sqlite3_stmt* s, int i) {
  auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s, i));
  return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s, i))) : std::string();
}

history_entry read_row(sqlite3_stmt* s) {
  history_entry e;
  e.id = sqlite3_column_int64(s, 0);
  e.at_ms = sqlite3_column_int64(s, 1);
  e.actor = column_text(s, 2);
  e.action = column_text(s, 3);
  e.partner_id = column_text(s, 4);
  e.summary = column_text(s, 5);
  e.before_json = column_text(s, 6);
  e.after_json = column_text(s, 7);
  e.reverts = sqlite3_column_int64(s, 8);
  e.reverted_by = sqlite3_column_int64(s, 9);
  return e;
}

constexpr const char* k_columns =
    "id, at_ms, actor, action, partner_id, summary, before_json, after_json, reverts, "
    "reverted_by";

}  // namespace

admin_history::admin_history(const std::string& path) {
  std::string where = path.empty() ? ":memory:" : path;
  if (sqlite3_open_v2(where.c_str(), &db_,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw std::runtime_error("cannot open history database " + where + ": " + msg);
  }
  sqlite3_busy_timeout(db_, 5000);
  const char* schema =
      "PRAGMA journal_mode=WAL;"
      "CREATE TABLE IF NOT EXISTS admin_history ("
      " id INTEGER PRIMARY KEY AUTOINCREMENT, at_ms INTEGER NOT NULL, actor TEXT NOT NULL,"
      " action TEXT NOT NULL, partner_id TEXT NOT NULL, summary TEXT NOT NULL,"
      " before_json TEXT NOT NULL, after_json TEXT NOT NULL, reverts INTEGER NOT NULL DEFAULT 0,"
      " reverted_by INTEGER NOT NULL DEFAULT 0);"
      "CREATE INDEX IF NOT EXISTS admin_history_partner ON admin_history(partner_id, id);"
      "CREATE INDEX IF NOT EXISTS admin_history_actor ON admin_history(actor, id);";
  char* err = nullptr;
  if (sqlite3_exec(db_, schema, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    sqlite3_close(db_);
    db_ = nullptr;
    throw std::runtime_error("cannot prepare history database " + where + ": " + msg);
  }
}

admin_history::~admin_history() {
  if (db_) sqlite3_close(db_);
}

std::int64_t admin_history::record(history_entry e) {
  e.at_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count();
  std::lock_guard lock(mutex_);
  try {
    auto s = prepare(db_,
                     "INSERT INTO admin_history (at_ms, actor, action, partner_id, summary, "
                     "before_json, after_json, reverts) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    sqlite3_bind_int64(s.get(), 1, e.at_ms);
    bind_text(s.get(), 2, e.actor);
    bind_text(s.get(), 3, e.action);
    bind_text(s.get(), 4, e.partner_id);
    bind_text(s.get(), 5, e.summary);
    bind_text(s.get(), 6, e.before_json);
    bind_text(s.get(), 7, e.after_json);
    sqlite3_bind_int64(s.get(), 8, e.reverts);
    if (sqlite3_step(s.get()) != SQLITE_DONE) {
      spdlog::error("history: cannot record a change: {}", sqlite3_errmsg(db_));
      return 0;
    }
    return sqlite3_last_insert_rowid(db_);
  } catch (const std::exception& ex) {
    spdlog::error("{}", ex.what());
    return 0;
  }
}

std::vector<history_entry> admin_history::list(const history_filter& f) {
  std::string sql = std::string("SELECT ") + k_columns + " FROM admin_history WHERE 1=1";
  if (!f.actor.empty()) sql += " AND actor = ?1";
  if (!f.partner_id.empty()) sql += " AND partner_id = ?2";
  if (!f.action.empty()) sql += " AND action = ?3";
  if (f.before_id > 0) sql += " AND id < ?4";
  sql += " ORDER BY id DESC LIMIT ?5";
  std::lock_guard lock(mutex_);
  auto s = prepare(db_, sql.c_str());
  if (!f.actor.empty()) bind_text(s.get(), 1, f.actor);
  if (!f.partner_id.empty()) bind_text(s.get(), 2, f.partner_id);
  if (!f.action.empty()) bind_text(s.get(), 3, f.action);
  if (f.before_id > 0) sqlite3_bind_int64(s.get(), 4, f.before_id);
  sqlite3_bind_int(s.get(), 5, f.limit);
  std::vector<history_entry> out;
  while (sqlite3_step(s.get()) == SQLITE_ROW)
    out.push_back(read_row(s.get()));
  return out;
}

std::optional<history_entry> admin_history::get(std::int64_t id) {
  std::lock_guard lock(mutex_);
  auto s = prepare(
      db_, (std::string("SELECT ") + k_columns + " FROM admin_history WHERE id = ?").c_str());
  sqlite3_bind_int64(s.get(), 1, id);
  if (sqlite3_step(s.get()) != SQLITE_ROW) return std::nullopt;
  return read_row(s.get());
}

void admin_history::mark_reverted(std::int64_t id, std::int64_t by) {
  std::lock_guard lock(mutex_);
  auto s = prepare(db_, "UPDATE admin_history SET reverted_by = ? WHERE id = ?");
  sqlite3_bind_int64(s.get(), 1, by);
  sqlite3_bind_int64(s.get(), 2, id);
  if (sqlite3_step(s.get()) != SQLITE_DONE)
    spdlog::error("history: cannot mark entry {} reverted: {}", id, sqlite3_errmsg(db_));
}

}  // namespace scopegate::gateway
