#include "policy/reveal_ledger.hpp"

#include <spdlog/spdlog.h>

#include <stdexcept>

namespace scopegate::policy {

void throw_exception_from_error(const ledger_error& e, const boost::source_location&) {
  throw std::runtime_error("reveal ledger: " + e.message);
}

namespace {

using namespace std::chrono;
using mapping::db_error;
using mapping::db_result;
using mapping::sqlite_connection;
using mapping::tx_kind;

// Schema migrations, applied in order; version i+1 is k_migrations[i]. Never edit a shipped
// migration: append a new one.
constexpr std::string_view k_migrations[] = {
    R"(
CREATE TABLE reveals(
  id INTEGER PRIMARY KEY,
  agent TEXT NOT NULL,
  customer_login TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  customer_name TEXT NOT NULL,
  day TEXT NOT NULL,
  revealed_at INTEGER NOT NULL,
  source TEXT NOT NULL);
CREATE INDEX reveals_agent_day ON reveals(agent, day, customer_login);
CREATE INDEX reveals_customer ON reveals(customer_login, revealed_at);
CREATE INDEX reveals_time ON reveals(revealed_at);
CREATE TABLE limit_overrides(
  agent TEXT NOT NULL,
  daily_limit INTEGER NOT NULL,
  until_day TEXT,
  set_by TEXT NOT NULL,
  set_at INTEGER NOT NULL);
CREATE UNIQUE INDEX limit_overrides_key ON limit_overrides(agent, ifnull(until_day, ''));
CREATE TABLE notifications(
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  agent TEXT NOT NULL,
  day TEXT NOT NULL,
  recipient TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE(kind, agent, day));
)"};

// Ledger files written before the schema version moved to `PRAGMA user_version` kept it in
// a table `schema_version` (one row per applied migration, same numbering). That table is
// left in place, so an older gateway still sees the version it knows.
db_result<int> legacy_version(sqlite_connection& c) {
  auto table =
      c.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'");
  auto found = table.step();
  if (!found) return found.error();
  if (!*found) return 0;
  auto q = c.prepare("SELECT ifnull(max(version), 0) FROM schema_version");
  auto row = q.step();
  if (!row) return row.error();
  return *row ? static_cast<int>(q.column_int(0)) : 0;
}

std::int64_t unix_seconds(sys_time t) {
  return duration_cast<seconds>(t.time_since_epoch()).count();
}
sys_seconds from_unix(std::int64_t s) {
  return sys_seconds(seconds(s));
}

db_result<quota> quota_in_tx(sqlite_connection& c, const std::string& agent, const std::string& day,
                             std::optional<int> personal, int default_limit) {
  quota out;
  // Precedence: a today-only raise, the agent's own attribute, a permanent override,
  // the configured default.
  auto o = c.prepare(
      "SELECT daily_limit, until_day FROM limit_overrides WHERE agent = ? AND "
      "(until_day IS NULL OR until_day = ?)");
  o.bind_all(agent, day);
  std::optional<int> today, permanent;
  for (;;) {
    auto row = o.step();
    if (!row) return row.error();
    if (!*row) break;
    if (o.column_is_null(1))
      permanent = static_cast<int>(o.column_int(0));
    else
      today = static_cast<int>(o.column_int(0));
  }
  if (today) {
    out.limit = *today;
    out.limit_source = "today_override";
  } else if (personal) {
    out.limit = *personal;
    out.limit_source = "agent_attribute";
  } else if (permanent) {
    out.limit = *permanent;
    out.limit_source = "override";
  } else {
    out.limit = default_limit;
    out.limit_source = "default";
  }
  auto n =
      c.prepare("SELECT count(DISTINCT customer_login) FROM reveals WHERE agent = ? AND day = ?");
  n.bind_all(agent, day);
  auto row = n.step();
  if (!row) return row.error();
  out.used = *row ? static_cast<int>(n.column_int(0)) : 0;
  return out;
}

db_result<std::vector<revealed_item>> day_items(sqlite_connection& c, const std::string& agent,
                                                const std::string& day) {
  auto q = c.prepare(
      "SELECT customer_login, customer_name, customer_id, min(revealed_at) FROM "
      "reveals WHERE agent = ? AND day = ? GROUP BY customer_login ORDER BY 4, 1");
  q.bind_all(agent, day);
  std::vector<revealed_item> out;
  for (;;) {
    auto row = q.step();
    if (!row) return row.error();
    if (!*row) return out;
    out.push_back(
        {q.column_text(0), q.column_text(1), q.column_text(2), from_unix(q.column_int(3))});
  }
}

// Creates the day's alert unless one exists already; its id, or 0.
db_result<std::int64_t> claim_alert(sqlite_connection& c, const std::string& agent,
                                    const std::string& day, const std::string& recipient,
                                    std::int64_t now) {
  auto q = c.prepare(
      "INSERT OR IGNORE INTO notifications(kind, agent, day, recipient, status, "
      "created_at, updated_at) VALUES('limit_reached', ?, ?, ?, 'pending', ?, ?)");
  q.bind_all(agent, day, recipient, now, now);
  if (auto done = q.run(); !done) return done.error();
  return c.changes() == 1 ? c.last_insert_rowid() : 0;
}

// Collects every row of `q` through `read`.
template <class T, class Read>
db_result<std::vector<T>> collect(mapping::sqlite_statement& q, Read read) {
  std::vector<T> out;
  for (;;) {
    auto row = q.step();
    if (!row) return row.error();
    if (!*row) return out;
    out.push_back(read(q));
  }
}

}  // namespace

reveal_ledger::reveal_ledger(const config::reveal_config& cfg, std::shared_ptr<const clock> clk,
                             time_zone tz)
    : cfg_(cfg), clock_(std::move(clk)), tz_(std::move(tz)) {
  if (cfg_.database_path.empty())
    spdlog::warn(
        "reveal.database_path is not set: the reveal ledger is kept in memory and "
        "lost at restart");
  auto opened = mapping::sqlite_database::open({.path = cfg_.database_path},
                                               {"reveal ledger", k_migrations, legacy_version});
  if (!opened) throw std::runtime_error("reveal ledger: " + opened.error().message);
  db_ = std::move(*opened);
}

reveal_ledger::~reveal_ledger() = default;

std::string reveal_ledger::today() const {
  return day_key(local_day(tz_, clock_->now()));
}

template <typename T, typename F>
net::awaitable<ledger_result<T>> reveal_ledger::run(F fn) {
  db_result<T> out = co_await db_->run(std::move(fn));
  if (!out) co_return ledger_error{out.error().message};
  co_return std::move(*out);
}

net::awaitable<ledger_result<reveal_outcome>> reveal_ledger::reveal(reveal_request request) {
  return run<reveal_outcome>([this, request = std::move(request)](
                                 sqlite_connection& c) -> db_result<reveal_outcome> {
    auto now_tp = clock_->now();
    auto now = unix_seconds(now_tp);
    auto day = day_key(local_day(tz_, now_tp));
    auto tx = c.begin(tx_kind::immediate);
    if (!tx) return tx.error();
    reveal_outcome out;
    auto seen = c.prepare(
        "SELECT 1 FROM reveals WHERE agent = ? AND day = ? AND customer_login = ? LIMIT 1");
    seen.bind_all(request.agent, day, request.customer_login);
    auto repeat = seen.step();
    if (!repeat) return repeat.error();
    out.repeat = *repeat;
    auto today = quota_in_tx(c, request.agent, day, request.personal_limit, cfg_.daily_limit);
    if (!today) return today.error();
    out.today = std::move(*today);
    bool alert_due = false;
    if (!out.repeat && out.today.used >= out.today.limit) {
      out.status = reveal_status::limit_reached;
      out.retry_after = std::max(seconds(1), next_day_start(tz_, now_tp) - floor<seconds>(now_tp));
      alert_due = true;  // e.g. a limit of 0, or one lowered below today's use
    } else {
      auto ins = c.prepare(
          "INSERT INTO reveals(agent, customer_login, customer_id, customer_name, "
          "day, revealed_at, source) VALUES(?, ?, ?, ?, ?, ?, ?)");
      ins.bind_all(request.agent, request.customer_login, request.customer_id,
                   request.customer_name, day, now, request.source);
      if (auto done = ins.run(); !done) return done.error();
      out.status = reveal_status::allowed;
      if (!out.repeat) ++out.today.used;
      alert_due = !out.repeat && out.today.used >= out.today.limit;
    }
    if (alert_due && !cfg_.notify_email.empty()) {
      auto id = claim_alert(c, request.agent, day, cfg_.notify_email, now);
      if (!id) return id.error();
      if (*id != 0) {
        auto items = day_items(c, request.agent, day);
        if (!items) return items.error();
        limit_alert alert;
        alert.notification_id = *id;
        alert.agent = request.agent;
        alert.day = day;
        alert.limit = out.today.limit;
        alert.items = std::move(*items);
        out.alert = std::move(alert);
      }
    }
    if (auto done = tx->commit(); !done) return done.error();
    return out;
  });
}

net::awaitable<ledger_result<quota>> reveal_ledger::quota_of(std::string agent,
                                                             std::optional<int> personal_limit) {
  return run<quota>(
      [this, agent = std::move(agent), personal_limit](sqlite_connection& c) -> db_result<quota> {
        auto day = today();
        // One read transaction: the overrides and the count are one consistent snapshot.
        auto tx = c.begin(tx_kind::deferred);
        if (!tx) return tx.error();
        auto q = quota_in_tx(c, agent, day, personal_limit, cfg_.daily_limit);
        if (!q) return q.error();
        if (auto done = tx->commit(); !done) return done.error();
        return q;
      });
}

net::awaitable<ledger_result<override_row>> reveal_ledger::set_limit(std::string agent, int limit,
                                                                     bool today_only,
                                                                     std::string set_by) {
  return run<override_row>(
      [this, agent = std::move(agent), limit, today_only,
       set_by = std::move(set_by)](sqlite_connection& c) -> db_result<override_row> {
        override_row row;
        row.agent = agent;
        row.limit = limit;
        if (today_only) row.until_day = today();
        row.set_by = set_by;
        row.set_at = floor<seconds>(clock_->now());
        auto tx = c.begin(tx_kind::immediate);
        if (!tx) return tx.error();
        auto del =
            c.prepare("DELETE FROM limit_overrides WHERE agent = ? AND ifnull(until_day, '') = ?");
        del.bind_all(agent, row.until_day.value_or(""));
        if (auto done = del.run(); !done) return done.error();
        auto ins = c.prepare(
            "INSERT INTO limit_overrides(agent, daily_limit, until_day, set_by, set_at) "
            "VALUES(?, ?, ?, ?, ?)");
        ins.bind(1, agent).bind(2, limit).bind_optional(3, row.until_day);
        ins.bind(4, set_by).bind(5, unix_seconds(row.set_at));
        if (auto done = ins.run(); !done) return done.error();
        if (auto done = tx->commit(); !done) return done.error();
        return row;
      });
}

net::awaitable<ledger_result<bool>> reveal_ledger::clear_limit(std::string agent, bool today_only) {
  return run<bool>(
      [this, agent = std::move(agent), today_only](sqlite_connection& c) -> db_result<bool> {
        auto del =
            c.prepare("DELETE FROM limit_overrides WHERE agent = ? AND ifnull(until_day, '') = ?");
        del.bind_all(agent, today_only ? today() : std::string());
        if (auto done = del.run(); !done) return done.error();
        return c.changes() > 0;
      });
}

net::awaitable<ledger_result<std::vector<override_row>>> reveal_ledger::limits_of(
    std::string agent) {
  return run<std::vector<override_row>>(
      [this,
       agent = std::move(agent)](sqlite_connection& c) -> db_result<std::vector<override_row>> {
        auto q = c.prepare(
            "SELECT daily_limit, until_day, set_by, set_at FROM limit_overrides WHERE "
            "agent = ? AND (until_day IS NULL OR until_day >= ?) ORDER BY until_day");
        q.bind_all(agent, today());
        return collect<override_row>(q, [&](const mapping::sqlite_statement& s) {
          override_row r;
          r.agent = agent;
          r.limit = static_cast<int>(s.column_int(0));
          r.until_day = s.column_optional_text(1);
          r.set_by = s.column_text(2);
          r.set_at = from_unix(s.column_int(3));
          return r;
        });
      });
}

net::awaitable<ledger_result<std::vector<reveal_row>>> reveal_ledger::list(reveal_filter filter) {
  return run<std::vector<reveal_row>>(
      [filter = std::move(filter)](sqlite_connection& c) -> db_result<std::vector<reveal_row>> {
        // Every condition is always present; an empty value disables it, so the SQL text
        // is fixed and all values are bound.
        auto q = c.prepare(
            "SELECT id, agent, customer_login, customer_id, customer_name, day, "
            "revealed_at, source FROM reveals WHERE (?1 = '' OR agent = ?1) AND "
            "(?2 = '' OR customer_login = ?2) AND (?3 = '' OR day >= ?3) AND "
            "(?4 = '' OR day <= ?4) AND (?5 = 0 OR id < ?5) ORDER BY id DESC LIMIT ?6");
        q.bind_all(filter.agent, filter.customer_login, filter.from_day.value_or(""),
                   filter.to_day.value_or(""), filter.before_id,
                   static_cast<std::int64_t>(filter.limit));
        return collect<reveal_row>(q, [](const mapping::sqlite_statement& s) {
          return reveal_row{s.column_int(0),  s.column_text(1),          s.column_text(2),
                            s.column_text(3), s.column_text(4),          s.column_text(5),
                            s.column_text(7), from_unix(s.column_int(6))};
        });
      });
}

net::awaitable<ledger_result<std::vector<revealer_row>>> reveal_ledger::revealers_of(
    std::string customer_login) {
  return run<std::vector<revealer_row>>([login = std::move(customer_login)](sqlite_connection& c)
                                            -> db_result<std::vector<revealer_row>> {
    auto q = c.prepare(
        "SELECT agent, count(*), min(revealed_at), max(revealed_at) FROM reveals "
        "WHERE customer_login = ? GROUP BY agent ORDER BY 4 DESC, 1");
    q.bind(1, login);
    return collect<revealer_row>(q, [](const mapping::sqlite_statement& s) {
      return revealer_row{s.column_text(0), static_cast<int>(s.column_int(1)),
                          from_unix(s.column_int(2)), from_unix(s.column_int(3))};
    });
  });
}

net::awaitable<ledger_result<std::vector<notification_row>>> reveal_ledger::notifications(
    std::string status, std::size_t limit) {
  return run<std::vector<notification_row>>(
      [status = std::move(status),
       limit](sqlite_connection& c) -> db_result<std::vector<notification_row>> {
        auto q = c.prepare(
            "SELECT id, kind, agent, day, recipient, status, last_error, attempts, "
            "created_at, updated_at FROM notifications WHERE (?1 = '' OR status = ?1) "
            "ORDER BY id DESC LIMIT ?2");
        q.bind_all(status, static_cast<std::int64_t>(limit));
        return collect<notification_row>(q, [](const mapping::sqlite_statement& s) {
          return notification_row{s.column_int(0),
                                  s.column_text(1),
                                  s.column_text(2),
                                  s.column_text(3),
                                  s.column_text(4),
                                  s.column_text(5),
                                  s.column_text(6),
                                  static_cast<int>(s.column_int(7)),
                                  from_unix(s.column_int(8)),
                                  from_unix(s.column_int(9))};
        });
      });
}

void reveal_ledger::record_notification(std::int64_t id, std::string status, int attempts,
                                        std::string error) {
  // The time of the attempt, taken now: the queued update needs nothing from the ledger.
  auto now = unix_seconds(clock_->now());
  db_->post([id, status = std::move(status), attempts, error = std::move(error),
             now](sqlite_connection& c) {
    auto q = c.prepare(
        "UPDATE notifications SET status = ?, attempts = ?, last_error = ?, updated_at = ? "
        "WHERE id = ?");
    q.bind_all(status, attempts, error, now, id);
    if (auto done = q.run(); !done)
      spdlog::error("reveal ledger: cannot record notification {}: {}", id, done.error().message);
  });
}

net::awaitable<ledger_result<std::int64_t>> reveal_ledger::purge_expired() {
  return run<std::int64_t>([this](sqlite_connection& c) -> db_result<std::int64_t> {
    auto cutoff = unix_seconds(clock_->now()) - std::int64_t{cfg_.retention_days} * 86'400;
    auto tx = c.begin(tx_kind::immediate);
    if (!tx) return tx.error();
    auto r = c.prepare("DELETE FROM reveals WHERE revealed_at < ?");
    r.bind(1, cutoff);
    if (auto done = r.run(); !done) return done.error();
    std::int64_t removed = c.changes();
    auto n = c.prepare("DELETE FROM notifications WHERE created_at < ?");
    n.bind(1, cutoff);
    if (auto done = n.run(); !done) return done.error();
    auto o = c.prepare("DELETE FROM limit_overrides WHERE until_day IS NOT NULL AND until_day < ?");
    o.bind(1, today());
    if (auto done = o.run(); !done) return done.error();
    if (auto done = tx->commit(); !done) return done.error();
    return removed;
  });
}

}  // namespace scopegate::policy
