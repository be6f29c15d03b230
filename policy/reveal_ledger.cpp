#include "policy/reveal_ledger.hpp"

#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <boost/asio/async_result.hpp>
#include <boost/asio/execution.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <stdexcept>

namespace scopegate::policy {

void throw_exception_from_error(const ledger_error& e, const boost::source_location&) {
  throw std::runtime_error("reveal ledger: " + e.message);
}

namespace {

using namespace std::chrono;

struct sqlite_failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// One prepared statement; finalized on destruction. Errors throw sqlite_failure, which
// every ledger operation turns into a ledger_error at its boundary.
class statement {
 public:
  statement(sqlite3* db, std::string_view sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr) !=
        SQLITE_OK)
      throw sqlite_failure(std::string("prepare: ") + sqlite3_errmsg(db));
  }
  ~statement() { sqlite3_finalize(stmt_); }
  statement(const statement&) = delete;
  statement& operator=(const statement&) = delete;

  statement& bind(int i, std::string_view v) {
    check(sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
    return *this;
  }
  statement& bind(int i, std::int64_t v) {
    check(sqlite3_bind_int64(stmt_, i, v));
    return *this;
  }
  statement& bind(int i, int v) { return bind(i, static_cast<std::int64_t>(v)); }
  statement& bind_null(int i) {
    check(sqlite3_bind_null(stmt_, i));
    return *this;
  }
  // true: a row is available.
  bool step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw sqlite_failure(std::string("step: ") + sqlite3_errmsg(db_));
  }
  std::int64_t integer(int col) const { return sqlite3_column_int64(stmt_, col); }
  bool is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  std::string text(int col) const {
    const auto* p = sqlite3_column_text(stmt_, col);
    return p ? std::string(reinterpret_cast<const char*>(p),
                           static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)))
             : std::string();
  }

 private:
  void check(int rc) const {
    if (rc != SQLITE_OK) throw sqlite_failure(std::string("bind: ") + sqlite3_errmsg(db_));
  }
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

void exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string message = err ? err : "unknown error";
    sqlite3_free(err);
    throw sqlite_failure(message);
  }
}

// Commits on commit(); rolls back when left without it.
class transaction {
 public:
  transaction(sqlite3* db, const char* begin) : db_(db) { exec(db_, begin); }
  ~transaction() {
    if (!done_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  void commit() {
    exec(db_, "COMMIT");
    done_ = true;
  }

 private:
  sqlite3* db_;
  bool done_ = false;
};

// Schema migrations, applied in order; version i+1 is migrations[i]. Never edit a shipped
// migration: append a new one.
constexpr const char* k_migrations[] = {
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

std::int64_t unix_seconds(sys_time t) {
  return duration_cast<seconds>(t.time_since_epoch()).count();
}
sys_seconds from_unix(std::int64_t s) {
  return sys_seconds(seconds(s));
}

}  // namespace

struct reveal_ledger::db {
  sqlite3* handle = nullptr;
  ~db() {
    if (handle) sqlite3_close_v2(handle);
  }

  void migrate() {
    exec(handle, "CREATE TABLE IF NOT EXISTS schema_version(version INTEGER NOT NULL)");
    std::int64_t current = 0;
    {
      statement q(handle, "SELECT ifnull(max(version), 0) FROM schema_version");
      q.step();
      current = q.integer(0);
    }
    constexpr auto known = static_cast<std::int64_t>(std::size(k_migrations));
    if (current > known)
      throw sqlite_failure("the database has schema version " + std::to_string(current) +
                           ", newer than this gateway knows (" + std::to_string(known) + ")");
    for (auto v = current; v < known; ++v) {
      transaction tx(handle, "BEGIN IMMEDIATE");
      exec(handle, k_migrations[v]);
      statement ins(handle, "INSERT INTO schema_version(version) VALUES(?)");
      ins.bind(1, v + 1).step();
      tx.commit();
    }
  }

  quota quota_in_tx(const std::string& agent, const std::string& day, std::optional<int> personal,
                    int default_limit) {
    quota out;
    // Precedence: a today-only raise, the agent's own attribute, a permanent override,
    // the configured default.
    statement o(handle,
                "SELECT daily_limit, until_day FROM limit_overrides WHERE agent = ? AND "
                "(until_day IS NULL OR until_day = ?)");
    o.bind(1, agent).bind(2, day);
    std::optional<int> today, permanent;
    while (o.step()) {
      if (o.is_null(1))
        permanent = static_cast<int>(o.integer(0));
      else
        today = static_cast<int>(o.integer(0));
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
    statement c(handle,
                "SELECT count(DISTINCT customer_login) FROM reveals WHERE agent = ? AND day = ?");
    c.bind(1, agent).bind(2, day);
    c.step();
    out.used = static_cast<int>(c.integer(0));
    return out;
  }

  std::vector<revealed_item> day_items(const std::string& agent, const std::string& day) {
    statement q(handle,
                "SELECT customer_login, customer_name, customer_id, min(revealed_at) FROM "
                "reveals WHERE agent = ? AND day = ? GROUP BY customer_login ORDER BY 4, 1");
    q.bind(1, agent).bind(2, day);
    std::vector<revealed_item> out;
    while (q.step())
      out.push_back({q.text(0), q.text(1), q.text(2), from_unix(q.integer(3))});
    return out;
  }

  // Creates the day's alert unless one exists already; its id, or 0.
  std::int64_t claim_alert(const std::string& agent, const std::string& day,
                           const std::string& recipient, std::int64_t now) {
    statement q(handle,
                "INSERT OR IGNORE INTO notifications(kind, agent, day, recipient, status, "
                "created_at, updated_at) VALUES('limit_reached', ?, ?, ?, 'pending', ?, ?)");
    q.bind(1, agent).bind(2, day).bind(3, recipient).bind(4, now).bind(5, now);
    q.step();
    return sqlite3_changes(handle) == 1 ? sqlite3_last_insert_rowid(handle) : 0;
  }
};

reveal_ledger::reveal_ledger(const config::reveal_config& cfg, std::shared_ptr<const clock> clk,
                             time_zone tz)
    : cfg_(cfg),
      clock_(std::move(clk)),
      tz_(std::move(tz)),
      db_(std::make_unique<db>()),
      strand_(net::make_strand(thread_.get_executor())) {
  const std::string path = cfg_.database_path.empty() ? ":memory:" : cfg_.database_path;
  // SQLITE_OPEN_NOMUTEX: the connection is only ever used on the ledger thread.
  int rc =
      sqlite3_open_v2(path.c_str(), &db_->handle,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK)
    throw std::runtime_error("reveal ledger: cannot open " + path + ": " +
                             (db_->handle ? sqlite3_errmsg(db_->handle) : "out of memory"));
  try {
    sqlite3_busy_timeout(db_->handle, 5000);
    if (!cfg_.database_path.empty()) {
      statement wal(db_->handle, "PRAGMA journal_mode=WAL");
      if (!wal.step() || wal.text(0) != "wal")
        throw sqlite_failure("the database refuses WAL journal mode");
      exec(db_->handle, "PRAGMA synchronous=NORMAL");
    } else {
      spdlog::warn(
          "reveal.database_path is not set: the reveal ledger is kept in memory and "
          "lost at restart");
    }
    db_->migrate();
  } catch (const sqlite_failure& e) {
    throw std::runtime_error("reveal ledger: " + path + ": " + e.what());
  }
}

reveal_ledger::~reveal_ledger() {
  thread_.join();  // finishes queued work (notification updates) before closing
}

std::string reveal_ledger::today() const {
  return day_key(local_day(tz_, clock_->now()));
}

// Runs fn(db&) on the ledger thread and resumes the awaiting coroutine on its own
// executor with the result. sqlite failures become ledger errors.
template <typename T, typename F>
net::awaitable<T> reveal_ledger::run(F fn) {
  auto initiation = [this](auto handler, F work) {
    auto home = net::prefer(net::get_associated_executor(handler),
                            net::execution::outstanding_work.tracked);
    net::post(strand_, [this, work = std::move(work), handler = std::move(handler),
                        home = std::move(home)]() mutable {
      T value = [&]() -> T {
        try {
          return work(*db_);
        } catch (const std::exception& e) {
          return ledger_error{e.what()};
        }
      }();
      net::post(home, [handler = std::move(handler), value = std::move(value)]() mutable {
        std::move(handler)(std::move(value));
      });
    });
  };
  return net::async_initiate<const net::use_awaitable_t<>&, void(T)>(
      std::move(initiation), net::use_awaitable, std::move(fn));
}

net::awaitable<ledger_result<reveal_outcome>> reveal_ledger::reveal(reveal_request request) {
  return run<ledger_result<reveal_outcome>>([this, request = std::move(request)](
                                                db& d) -> ledger_result<reveal_outcome> {
    auto now_tp = clock_->now();
    auto now = unix_seconds(now_tp);
    auto day = day_key(local_day(tz_, now_tp));
    transaction tx(d.handle, "BEGIN IMMEDIATE");
    reveal_outcome out;
    {
      statement seen(d.handle,
                     "SELECT 1 FROM reveals WHERE agent = ? AND day = ? AND "
                     "customer_login = ? LIMIT 1");
      seen.bind(1, request.agent).bind(2, day).bind(3, request.customer_login);
      out.repeat = seen.step();
    }
    out.today = d.quota_in_tx(request.agent, day, request.personal_limit, cfg_.daily_limit);
    bool alert_due = false;
    if (!out.repeat && out.today.used >= out.today.limit) {
      out.status = reveal_status::limit_reached;
      out.retry_after = std::max(seconds(1), next_day_start(tz_, now_tp) - floor<seconds>(now_tp));
      alert_due = true;  // e.g. a limit of 0, or one lowered below today's use
    } else {
      statement ins(d.handle,
                    "INSERT INTO reveals(agent, customer_login, customer_id, customer_name, "
                    "day, revealed_at, source) VALUES(?, ?, ?, ?, ?, ?, ?)");
      ins.bind(1, request.agent)
          .bind(2, request.customer_login)
          .bind(3, request.customer_id)
          .bind(4, request.customer_name)
          .bind(5, day)
          .bind(6, now)
          .bind(7, request.source);
      ins.step();
      out.status = reveal_status::allowed;
      if (!out.repeat) ++out.today.used;
      alert_due = !out.repeat && out.today.used >= out.today.limit;
    }
    if (alert_due && !cfg_.notify_email.empty()) {
      if (auto id = d.claim_alert(request.agent, day, cfg_.notify_email, now)) {
        limit_alert alert;
        alert.notification_id = id;
        alert.agent = request.agent;
        alert.day = day;
        alert.limit = out.today.limit;
        alert.items = d.day_items(request.agent, day);
        out.alert = std::move(alert);
      }
    }
    tx.commit();
    return out;
  });
}

net::awaitable<ledger_result<quota>> reveal_ledger::quota_of(std::string agent,
                                                             std::optional<int> personal_limit) {
  return run<ledger_result<quota>>(
      [this, agent = std::move(agent), personal_limit](db& d) -> ledger_result<quota> {
        auto day = today();
        transaction tx(d.handle, "BEGIN");
        auto q = d.quota_in_tx(agent, day, personal_limit, cfg_.daily_limit);
        tx.commit();
        return q;
      });
}

net::awaitable<ledger_result<override_row>> reveal_ledger::set_limit(std::string agent, int limit,
                                                                     bool today_only,
                                                                     std::string set_by) {
  return run<ledger_result<override_row>>(
      [this, agent = std::move(agent), limit, today_only,
       set_by = std::move(set_by)](db& d) -> ledger_result<override_row> {
        override_row row;
        row.agent = agent;
        row.limit = limit;
        if (today_only) row.until_day = today();
        row.set_by = set_by;
        row.set_at = floor<seconds>(clock_->now());
        transaction tx(d.handle, "BEGIN IMMEDIATE");
        statement del(d.handle,
                      "DELETE FROM limit_overrides WHERE agent = ? AND ifnull(until_day, '') = ?");
        del.bind(1, agent).bind(2, row.until_day.value_or(""));
        del.step();
        statement ins(d.handle,
                      "INSERT INTO limit_overrides(agent, daily_limit, until_day, set_by, set_at) "
                      "VALUES(?, ?, ?, ?, ?)");
        ins.bind(1, agent).bind(2, limit);
        if (row.until_day)
          ins.bind(3, *row.until_day);
        else
          ins.bind_null(3);
        ins.bind(4, set_by).bind(5, unix_seconds(row.set_at));
        ins.step();
        tx.commit();
        return row;
      });
}

net::awaitable<ledger_result<bool>> reveal_ledger::clear_limit(std::string agent, bool today_only) {
  return run<ledger_result<bool>>(
      [this, agent = std::move(agent), today_only](db& d) -> ledger_result<bool> {
        statement del(d.handle,
                      "DELETE FROM limit_overrides WHERE agent = ? AND ifnull(until_day, '') = ?");
        del.bind(1, agent).bind(2, today_only ? today() : std::string());
        del.step();
        return sqlite3_changes(d.handle) > 0;
      });
}

net::awaitable<ledger_result<std::vector<override_row>>> reveal_ledger::limits_of(
    std::string agent) {
  return run<ledger_result<std::vector<override_row>>>(
      [this, agent = std::move(agent)](db& d) -> ledger_result<std::vector<override_row>> {
        statement q(d.handle,
                    "SELECT daily_limit, until_day, set_by, set_at FROM limit_overrides WHERE "
                    "agent = ? AND (until_day IS NULL OR until_day >= ?) ORDER BY until_day");
        q.bind(1, agent).bind(2, today());
        std::vector<override_row> out;
        while (q.step()) {
          override_row r;
          r.agent = agent;
          r.limit = static_cast<int>(q.integer(0));
          if (!q.is_null(1)) r.until_day = q.text(1);
          r.set_by = q.text(2);
          r.set_at = from_unix(q.integer(3));
          out.push_back(std::move(r));
        }
        return out;
      });
}

net::awaitable<ledger_result<std::vector<reveal_row>>> reveal_ledger::list(reveal_filter filter) {
  return run<ledger_result<std::vector<reveal_row>>>(
      [filter = std::move(filter)](db& d) -> ledger_result<std::vector<reveal_row>> {
        // Every condition is always present; an empty value disables it, so the SQL text
        // is fixed and all values are bound.
        statement q(d.handle,
                    "SELECT id, agent, customer_login, customer_id, customer_name, day, "
                    "revealed_at, source FROM reveals WHERE (?1 = '' OR agent = ?1) AND "
                    "(?2 = '' OR customer_login = ?2) AND (?3 = '' OR day >= ?3) AND "
                    "(?4 = '' OR day <= ?4) AND (?5 = 0 OR id < ?5) ORDER BY id DESC LIMIT ?6");
        q.bind(1, filter.agent)
            .bind(2, filter.customer_login)
            .bind(3, filter.from_day.value_or(""))
            .bind(4, filter.to_day.value_or(""))
            .bind(5, filter.before_id)
            .bind(6, static_cast<std::int64_t>(filter.limit));
        std::vector<reveal_row> out;
        while (q.step())
          out.push_back({q.integer(0), q.text(1), q.text(2), q.text(3), q.text(4), q.text(5),
                         q.text(7), from_unix(q.integer(6))});
        return out;
      });
}

net::awaitable<ledger_result<std::vector<revealer_row>>> reveal_ledger::revealers_of(
    std::string customer_login) {
  return run<ledger_result<std::vector<revealer_row>>>(
      [login = std::move(customer_login)](db& d) -> ledger_result<std::vector<revealer_row>> {
        statement q(d.handle,
                    "SELECT agent, count(*), min(revealed_at), max(revealed_at) FROM reveals "
                    "WHERE customer_login = ? GROUP BY agent ORDER BY 4 DESC, 1");
        q.bind(1, login);
        std::vector<revealer_row> out;
        while (q.step())
          out.push_back({q.text(0), static_cast<int>(q.integer(1)), from_unix(q.integer(2)),
                         from_unix(q.integer(3))});
        return out;
      });
}

net::awaitable<ledger_result<std::vector<notification_row>>> reveal_ledger::notifications(
    std::string status, std::size_t limit) {
  return run<ledger_result<std::vector<notification_row>>>(
      [status = std::move(status), limit](db& d) -> ledger_result<std::vector<notification_row>> {
        statement q(d.handle,
                    "SELECT id, kind, agent, day, recipient, status, last_error, attempts, "
                    "created_at, updated_at FROM notifications WHERE (?1 = '' OR status = ?1) "
                    "ORDER BY id DESC LIMIT ?2");
        q.bind(1, status).bind(2, static_cast<std::int64_t>(limit));
        std::vector<notification_row> out;
        while (q.step())
          out.push_back({q.integer(0), q.text(1), q.text(2), q.text(3), q.text(4), q.text(5),
                         q.text(6), static_cast<int>(q.integer(7)), from_unix(q.integer(8)),
                         from_unix(q.integer(9))});
        return out;
      });
}

void reveal_ledger::record_notification(std::int64_t id, std::string status, int attempts,
                                        std::string error) {
  net::post(strand_, [this, id, status = std::move(status), attempts, error = std::move(error)] {
    try {
      statement q(db_->handle,
                  "UPDATE notifications SET status = ?, attempts = ?, last_error = ?, "
                  "updated_at = ? WHERE id = ?");
      q.bind(1, status).bind(2, attempts).bind(3, error).bind(4, unix_seconds(clock_->now()));
      q.bind(5, id);
      q.step();
    } catch (const std::exception& e) {
      spdlog::error("reveal ledger: cannot record notification {}: {}", id, e.what());
    }
  });
}

net::awaitable<ledger_result<std::int64_t>> reveal_ledger::purge_expired() {
  return run<ledger_result<std::int64_t>>([this](db& d) -> ledger_result<std::int64_t> {
    auto cutoff = unix_seconds(clock_->now()) - std::int64_t{cfg_.retention_days} * 86'400;
    transaction tx(d.handle, "BEGIN IMMEDIATE");
    statement r(d.handle, "DELETE FROM reveals WHERE revealed_at < ?");
    r.bind(1, cutoff);
    r.step();
    std::int64_t removed = sqlite3_changes(d.handle);
    statement n(d.handle, "DELETE FROM notifications WHERE created_at < ?");
    n.bind(1, cutoff);
    n.step();
    statement o(d.handle,
                "DELETE FROM limit_overrides WHERE until_day IS NOT NULL AND until_day < ?");
    o.bind(1, today());
    o.step();
    tx.commit();
    return removed;
  });
}

}  // namespace scopegate::policy
