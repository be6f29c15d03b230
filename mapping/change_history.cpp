#include "mapping/change_history.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/throw_exception.hpp>
#include <chrono>
#include <stdexcept>

#include "mapping/sqlite_database.hpp"

namespace scopegate::mapping {

std::string_view to_string(change_state state) {
  switch (state) {
    case change_state::pending:
      return "pending";
    case change_state::applied:
      return "applied";
    case change_state::failed:
      return "failed";
    case change_state::interrupted:
      return "interrupted";
  }
  return "interrupted";
}

std::string_view to_string(record_errc code) {
  switch (code) {
    case record_errc::unavailable:
      return "unavailable";
    case record_errc::not_found:
      return "not_found";
    case record_errc::already_reverted:
      return "already_reverted";
    case record_errc::not_pending:
      return "not_pending";
    case record_errc::invalid:
      return "invalid";
  }
  return "unavailable";
}

void throw_exception_from_error(const record_error& e, const boost::source_location& loc) {
  boost::throw_exception(
      std::runtime_error("change history: " + std::string(to_string(e.code)) + ": " + e.message),
      loc);
}

namespace {

// Version 1 is the layout the gateway wrote before the schema was versioned, with the same
// IF NOT EXISTS statements: an unversioned file from then passes through it unchanged.
// Version 2 adds the subject (filled in from the JSON for earlier agent.* entries) and the
// state; earlier entries were all applied. Never edit a shipped step: append.
constexpr std::string_view k_steps[] = {
    R"(
CREATE TABLE IF NOT EXISTS admin_history (
  id INTEGER PRIMARY KEY AUTOINCREMENT, at_ms INTEGER NOT NULL, actor TEXT NOT NULL,
  action TEXT NOT NULL, partner_id TEXT NOT NULL, summary TEXT NOT NULL,
  before_json TEXT NOT NULL, after_json TEXT NOT NULL, reverts INTEGER NOT NULL DEFAULT 0,
  reverted_by INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS admin_history_partner ON admin_history(partner_id, id);
CREATE INDEX IF NOT EXISTS admin_history_actor ON admin_history(actor, id);
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
)",
    R"(
ALTER TABLE admin_history ADD COLUMN subject TEXT NOT NULL DEFAULT '';
ALTER TABLE admin_history ADD COLUMN state TEXT NOT NULL DEFAULT 'applied'
  CHECK (state IN ('pending', 'applied', 'failed', 'interrupted'));
UPDATE admin_history SET subject = coalesce(
    CASE WHEN json_valid(after_json) AND json_type(after_json, '$.agent') = 'text'
         THEN json_extract(after_json, '$.agent') END,
    CASE WHEN json_valid(before_json) AND json_type(before_json, '$.agent') = 'text'
         THEN json_extract(before_json, '$.agent') END,
    '')
  WHERE action LIKE 'agent.%';
CREATE INDEX admin_history_subject ON admin_history(subject, id);
)"};

// reverted_by is shown only once the reverting entry is applied: while a revert is pending
// the column holds its claim, which readers must not take for a done revert.
constexpr std::string_view k_select =
    "SELECT h.id, h.at_ms, h.actor, h.action, h.partner_id, h.subject, h.summary, "
    "h.before_json, h.after_json, h.reverts, CASE WHEN h.reverted_by != 0 AND EXISTS (SELECT 1 "
    "FROM admin_history r WHERE r.id = h.reverted_by AND r.state = 'applied') THEN "
    "h.reverted_by ELSE 0 END, h.state FROM admin_history h";

record_error unavailable(const db_error& e) {
  return {record_errc::unavailable, e.message};
}

change_state parse_state(std::string_view text) {
  if (text == "pending") return change_state::pending;
  if (text == "applied") return change_state::applied;
  if (text == "failed") return change_state::failed;
  return change_state::interrupted;
}

history_entry read_entry(const sqlite_statement& s) {
  history_entry e;
  e.id = s.column_int(0);
  e.at_ms = s.column_int(1);
  e.actor = s.column_text(2);
  e.action = s.column_text(3);
  e.partner_id = s.column_text(4);
  e.subject = s.column_text(5);
  e.summary = s.column_text(6);
  e.before_json = s.column_text(7);
  e.after_json = s.column_text(8);
  e.reverts = s.column_int(9);
  e.reverted_by = s.column_int(10);
  e.state = parse_state(s.column_text(11));
  return e;
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Checks, inside a write transaction, that `target` may be reverted: applied and neither
// reverted nor being reverted.
record_result<void> check_revertible(sqlite_connection& c, std::int64_t target) {
  auto q = c.prepare("SELECT state, reverted_by FROM admin_history WHERE id = ?");
  q.bind(1, target);
  auto row = q.step();
  if (!row) return unavailable(row.error());
  if (!*row || q.column_text(0) != "applied")
    return record_error{record_errc::not_found,
                        "entry " + std::to_string(target) + " is not an applied change"};
  if (auto by = q.column_int(1); by != 0)
    return record_error{record_errc::already_reverted, "entry " + std::to_string(target) +
                                                           " is reverted (or being reverted) by " +
                                                           std::to_string(by)};
  return {};
}

// Inserts `e` in `state` (inside a write transaction) and, when it reverts an entry, claims
// that one. Returns the new id.
record_result<std::int64_t> insert_entry(sqlite_connection& c, const history_entry& e,
                                         change_state state) {
  if (e.action.empty()) return record_error{record_errc::invalid, "a change needs an action"};
  if (e.reverts < 0) return record_error{record_errc::invalid, "reverts must not be negative"};
  if (e.reverts != 0)
    if (auto ok = check_revertible(c, e.reverts); !ok) return ok.error();
  auto ins = c.prepare(
      "INSERT INTO admin_history (at_ms, actor, action, partner_id, subject, summary, "
      "before_json, after_json, reverts, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  ins.bind_all(now_ms(), e.actor, e.action, e.partner_id, e.subject, e.summary, e.before_json,
               e.after_json, e.reverts, to_string(state));
  if (auto done = ins.run(); !done) return unavailable(done.error());
  const auto id = c.last_insert_rowid();
  if (e.reverts != 0) {
    auto claim =
        c.prepare("UPDATE admin_history SET reverted_by = ? WHERE id = ? AND reverted_by = 0");
    claim.bind_all(id, e.reverts);
    if (auto done = claim.run(); !done) return unavailable(done.error());
    if (c.changes() != 1)  // cannot happen inside this transaction; refuse rather than lie
      return record_error{record_errc::already_reverted, "the reverted entry changed"};
  }
  return id;
}

// Settles what an earlier process left pending: interrupted, claims released.
db_result<std::int64_t> settle_interrupted(sqlite_connection& c) {
  auto tx = c.begin(tx_kind::immediate);
  if (!tx) return tx.error();
  auto release = c.exec(
      "UPDATE admin_history SET reverted_by = 0 WHERE reverted_by IN "
      "(SELECT id FROM admin_history WHERE state = 'pending')");
  if (!release) return release.error();
  auto mark = c.prepare("UPDATE admin_history SET state = 'interrupted' WHERE state = 'pending'");
  if (auto done = mark.run(); !done) return done.error();
  const auto count = c.changes();
  if (auto done = tx->commit(); !done) return done.error();
  return count;
}

template <class T>
record_result<T> committed(sqlite_transaction& tx, T value) {
  if (auto done = tx.commit(); !done) return unavailable(done.error());
  return value;
}

}  // namespace

db_result<std::shared_ptr<sqlite_database>> open_admin_database(const sqlite_options& options) {
  auto connection = sqlite_connection::open(options);
  if (!connection) return connection.error();
  if (auto migrated = connection->migrate({"change history", k_steps}); !migrated)
    return migrated.error();
  auto interrupted = settle_interrupted(*connection);
  if (!interrupted) return interrupted.error();
  if (*interrupted > 0)
    spdlog::warn(
        "change history {}: {} change(s) were being written when the gateway stopped; they "
        "are marked interrupted (check them against the directory)",
        connection->path(), *interrupted);
  return std::make_shared<sqlite_database>(std::move(*connection));
}

sqlite_change_history::sqlite_change_history(std::shared_ptr<sqlite_database> db)
    : db_(std::move(db)) {}

net::awaitable<record_result<std::int64_t>> sqlite_change_history::record_pending(
    history_entry entry) {
  return db_->run([entry = std::move(entry)](sqlite_connection& c) -> record_result<std::int64_t> {
    auto tx = c.begin(tx_kind::immediate);
    if (!tx) return unavailable(tx.error());
    auto id = insert_entry(c, entry, change_state::pending);
    if (!id) return id.error();
    return committed(*tx, *id);
  });
}

net::awaitable<record_result<void>> sqlite_change_history::settle(
    std::int64_t id, settle_outcome outcome, std::optional<std::string> after_json) {
  return db_->run([id, outcome,
                   after = std::move(after_json)](sqlite_connection& c) -> record_result<void> {
    auto tx = c.begin(tx_kind::immediate);
    if (!tx) return unavailable(tx.error());
    auto q = c.prepare("SELECT state, reverts FROM admin_history WHERE id = ?");
    q.bind(1, id);
    auto row = q.step();
    if (!row) return unavailable(row.error());
    if (!*row) return record_error{record_errc::not_found, "no entry " + std::to_string(id)};
    if (q.column_text(0) != "pending")
      return record_error{record_errc::not_pending,
                          "entry " + std::to_string(id) + " is " + q.column_text(0)};
    const auto reverts = q.column_int(1);
    if (outcome == settle_outcome::applied) {
      auto set = c.prepare(
          "UPDATE admin_history SET state = 'applied', after_json = coalesce(?, after_json) "
          "WHERE id = ?");
      set.bind_optional(1, after).bind(2, id);
      if (auto done = set.run(); !done) return unavailable(done.error());
    } else {
      auto set = c.prepare("UPDATE admin_history SET state = 'failed' WHERE id = ?");
      set.bind(1, id);
      if (auto done = set.run(); !done) return unavailable(done.error());
      if (reverts != 0) {
        auto release =
            c.prepare("UPDATE admin_history SET reverted_by = 0 WHERE id = ? AND reverted_by = ?");
        release.bind_all(reverts, id);
        if (auto done = release.run(); !done) return unavailable(done.error());
      }
    }
    if (auto done = tx->commit(); !done) return unavailable(done.error());
    return {};
  });
}

net::awaitable<record_result<std::int64_t>> sqlite_change_history::record_setting_change(
    history_entry entry, std::string key, std::string value) {
  return db_->run([entry = std::move(entry), key = std::move(key),
                   value = std::move(value)](sqlite_connection& c) -> record_result<std::int64_t> {
    auto tx = c.begin(tx_kind::immediate);
    if (!tx) return unavailable(tx.error());
    auto id = insert_entry(c, entry, change_state::applied);
    if (!id) return id.error();
    auto set = c.prepare(
        "INSERT INTO settings (key, value) VALUES (?, ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value");
    set.bind_all(key, value);
    if (auto done = set.run(); !done) return unavailable(done.error());
    return committed(*tx, *id);
  });
}

net::awaitable<record_result<void>> sqlite_change_history::mark_reverted(std::int64_t id,
                                                                         std::int64_t by) {
  return db_->run([id, by](sqlite_connection& c) -> record_result<void> {
    if (id <= 0 || by <= 0 || id == by)
      return record_error{record_errc::invalid, "an entry is reverted by another, existing one"};
    auto tx = c.begin(tx_kind::immediate);
    if (!tx) return unavailable(tx.error());
    auto q = c.prepare("SELECT state, reverted_by FROM admin_history WHERE id = ?");
    q.bind(1, id);
    auto row = q.step();
    if (!row) return unavailable(row.error());
    if (!*row || q.column_text(0) != "applied")
      return record_error{record_errc::not_found,
                          "entry " + std::to_string(id) + " is not an applied change"};
    const auto current = q.column_int(1);
    if (current == by) return {};  // claimed by `by` when it was recorded
    if (current != 0)
      return record_error{
          record_errc::already_reverted,
          "entry " + std::to_string(id) + " is reverted by " + std::to_string(current)};
    auto exists = c.prepare("SELECT 1 FROM admin_history WHERE id = ?");
    exists.bind(1, by);
    auto found = exists.step();
    if (!found) return unavailable(found.error());
    if (!*found) return record_error{record_errc::not_found, "no entry " + std::to_string(by)};
    auto set =
        c.prepare("UPDATE admin_history SET reverted_by = ? WHERE id = ? AND reverted_by = 0");
    set.bind_all(by, id);
    if (auto done = set.run(); !done) return unavailable(done.error());
    if (auto done = tx->commit(); !done) return unavailable(done.error());
    return {};
  });
}

net::awaitable<record_result<std::vector<history_entry>>> sqlite_change_history::list(
    history_filter filter) {
  return db_->run(
      [f = std::move(filter)](sqlite_connection& c) -> record_result<std::vector<history_entry>> {
        // Only the conditions in use are in the SQL (so SQLite can pick the matching index);
        // every value is bound, never spliced.
        std::string sql(k_select);
        sql += " WHERE 1 = 1";
        if (!f.actor.empty()) sql += " AND h.actor = ?1";
        if (!f.partner_id.empty()) sql += " AND h.partner_id = ?2";
        if (!f.action.empty()) sql += " AND h.action = ?3";
        if (!f.subject.empty()) sql += " AND h.subject = ?4";
        if (f.before_id > 0) sql += " AND h.id < ?5";
        if (f.view == history_view::applied) sql += " AND h.state = 'applied'";
        sql += " ORDER BY h.id DESC LIMIT ?6";
        auto q = c.prepare(sql);
        if (!f.actor.empty()) q.bind(1, f.actor);
        if (!f.partner_id.empty()) q.bind(2, f.partner_id);
        if (!f.action.empty()) q.bind(3, f.action);
        if (!f.subject.empty()) q.bind(4, f.subject);
        if (f.before_id > 0) q.bind(5, f.before_id);
        q.bind(6, std::int64_t{std::clamp(f.limit, 1, k_history_page_max)});
        std::vector<history_entry> out;
        for (;;) {
          auto row = q.step();
          if (!row) return unavailable(row.error());
          if (!*row) return out;
          out.push_back(read_entry(q));
        }
      });
}

net::awaitable<record_result<std::optional<history_entry>>> sqlite_change_history::get(
    std::int64_t id, history_view view) {
  return db_->run([id, view](sqlite_connection& c) -> record_result<std::optional<history_entry>> {
    std::string sql(k_select);
    sql += " WHERE h.id = ?";
    if (view == history_view::applied) sql += " AND h.state = 'applied'";
    auto q = c.prepare(sql);
    q.bind(1, id);
    auto row = q.step();
    if (!row) return unavailable(row.error());
    if (!*row) return std::optional<history_entry>();
    return std::optional<history_entry>(read_entry(q));
  });
}

}  // namespace scopegate::mapping
