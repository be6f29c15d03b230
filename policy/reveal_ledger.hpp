// The reveal ledger: every "show details" reveal, the per-agent daily limit, admin limit
// overrides and alert notifications, kept in SQLite (mapping::sqlite_database: WAL,
// versioned schema migrations).
//
// One connection, owned by one dedicated thread: every operation is posted there and
// awaited by the calling coroutine, so no request thread ever waits on the disk, and the
// check-and-record of a reveal runs in ONE `BEGIN IMMEDIATE` transaction with nothing
// interleaved (the limit holds exactly under any concurrency).
//
//   policy::reveal_ledger ledger(cfg.reveal, clock, time_zone::load(cfg.reveal.timezone));
//   auto out = co_await ledger.reveal(std::move(request));
//   if (out && out->status == reveal_status::limit_reached) ... 429, out->retry_after
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "mapping/sqlite_database.hpp"
#include "policy/clock.hpp"
#include "policy/time_zone.hpp"

namespace scopegate::policy {

namespace net = boost::asio;

// A ledger failure; `message` is for logs only.
struct ledger_error {
  ledger_error() = default;
  explicit ledger_error(std::string m) : message(std::move(m)) {}
  std::string message;
};
[[noreturn]] void throw_exception_from_error(const ledger_error& e,
                                             const boost::source_location& loc);
template <typename T>
using ledger_result = boost::system::result<T, ledger_error>;

struct reveal_request {
  std::string agent;
  std::string customer_login;
  std::string customer_id;
  std::string customer_name;
  std::string source;                 // client address
  std::optional<int> personal_limit;  // from the agent entry
};

struct quota {
  int used = 0;              // distinct customers revealed today
  int limit = 0;             // effective limit today
  std::string limit_source;  // "today_override" | "agent_attribute" | "override" | "default"
  [[nodiscard]] int left() const { return used >= limit ? 0 : limit - used; }
};

struct revealed_item {
  std::string customer_login;
  std::string customer_name;
  std::string customer_id;
  sys_seconds at;
};

// Sent once per agent and day, when the agent reaches the limit.
struct limit_alert {
  std::int64_t notification_id = 0;
  std::string agent;
  std::string day;  // YYYY-MM-DD, local
  int limit = 0;
  std::vector<revealed_item> items;  // that day's distinct customers, in reveal order
};

enum class reveal_status { allowed, limit_reached };

struct reveal_outcome {
  reveal_status status = reveal_status::limit_reached;
  bool repeat = false;  // this customer was already revealed today (free)
  quota today;
  std::chrono::seconds retry_after{0};  // until the local day ends (limit_reached)
  std::optional<limit_alert> alert;     // set when this call made the agent reach the limit
};

struct reveal_row {
  std::int64_t id = 0;
  std::string agent, customer_login, customer_id, customer_name, day, source;
  sys_seconds at;
};

struct reveal_filter {
  std::string agent;                            // exact; empty = any
  std::string customer_login;                   // exact; empty = any
  std::optional<std::string> from_day, to_day;  // inclusive YYYY-MM-DD local days
  std::int64_t before_id = 0;  // page cursor: ids strictly smaller (0 = from the newest)
  std::size_t limit = 100;
};

struct revealer_row {
  std::string agent;
  int times = 0;
  sys_seconds first, last;
};

struct override_row {
  std::string agent;
  int limit = 0;
  std::optional<std::string> until_day;  // set: today only (that local day)
  std::string set_by;
  sys_seconds set_at;
};

struct notification_row {
  std::int64_t id = 0;
  std::string kind, agent, day, recipient, status, last_error;
  int attempts = 0;
  sys_seconds created_at, updated_at;
};

class reveal_ledger {
 public:
  // Opens (creating if needed) cfg.database_path, or an in-memory database when empty, and
  // applies schema migrations. Throws std::runtime_error on failure (start-up).
  reveal_ledger(const config::reveal_config& cfg, std::shared_ptr<const clock> clk, time_zone tz);
  ~reveal_ledger();
  reveal_ledger(const reveal_ledger&) = delete;
  reveal_ledger& operator=(const reveal_ledger&) = delete;

  // Checks the limit and records the reveal in one transaction. A repeat of a customer
  // already revealed today is always allowed and is recorded again (the activity log has
  // every reveal) without counting.
  [[nodiscard]] net::awaitable<ledger_result<reveal_outcome>> reveal(reveal_request request);
  // Today's usage and effective limit.
  [[nodiscard]] net::awaitable<ledger_result<quota>> quota_of(std::string agent,
                                                              std::optional<int> personal_limit);

  // Admin: sets an agent's limit for today only (until the local day ends) or permanently.
  [[nodiscard]] net::awaitable<ledger_result<override_row>> set_limit(std::string agent, int limit,
                                                                      bool today_only,
                                                                      std::string set_by);
  // Admin: removes the today-only or the permanent override. true when one existed.
  [[nodiscard]] net::awaitable<ledger_result<bool>> clear_limit(std::string agent, bool today_only);
  // Overrides in force for `agent` (expired today-only ones are left out).
  [[nodiscard]] net::awaitable<ledger_result<std::vector<override_row>>> limits_of(
      std::string agent);
  // The activity log, newest first.
  [[nodiscard]] net::awaitable<ledger_result<std::vector<reveal_row>>> list(reveal_filter filter);
  // Who revealed this customer, most recent first.
  [[nodiscard]] net::awaitable<ledger_result<std::vector<revealer_row>>> revealers_of(
      std::string customer_login);
  [[nodiscard]] net::awaitable<ledger_result<std::vector<notification_row>>> notifications(
      std::string status, std::size_t limit);

  // Records a delivery attempt's outcome ("sent" | "retrying" | "failed"). Returns at once;
  // callable from any thread.
  void record_notification(std::int64_t id, std::string status, int attempts, std::string error);
  // Deletes reveals and notifications older than retention_days, and expired overrides.
  // Returns the number of reveal rows deleted.
  [[nodiscard]] net::awaitable<ledger_result<std::int64_t>> purge_expired();

  [[nodiscard]] const time_zone& zone() const { return tz_; }
  [[nodiscard]] const clock& time_source() const { return *clock_; }
  // The local day of now, "YYYY-MM-DD".
  [[nodiscard]] std::string today() const;

 private:
  // Runs fn(connection) -> mapping::db_result<T> on the ledger thread.
  template <typename T, typename F>
  net::awaitable<ledger_result<T>> run(F fn);

  config::reveal_config cfg_;
  std::shared_ptr<const clock> clock_;
  time_zone tz_;
  // Declared last: destroyed (finishing queued work) while the members above still live.
  std::shared_ptr<mapping::sqlite_database> db_;
};

}  // namespace scopegate::policy
