// The history of every administrative change (partners, customer-ID grants, agent links,
// access modes, reveal limits, settings): who, when, what, the state before and after as
// JSON, and which entry reverted which, so a change can be shown and undone.
//
// "A change that cannot be recorded is not made": a change is recorded as PENDING before
// it is written, and settled after the write. A failed record stops the change; listings
// show only applied entries unless asked.
//
//   auto id = co_await history.record_pending(std::move(entry));   // before the write
//   if (!id) co_return unavailable();                              // so nothing is written
//   auto written = co_await store.rename_partner(...);             // the LDAP write
//   auto outcome = written ? settle_outcome::applied : settle_outcome::failed;
//   auto after = written ? std::optional(partner_state(*written)) : std::nullopt;
//   auto settled = co_await history.settle(*id, outcome, std::move(after));
//   if (!settled) log it: the entry stays pending, and is marked interrupted at restart
//
// A setting and its history entry are written in ONE transaction by
// record_setting_change(), so the stored setting and the history can never disagree.
//
// Every call is asynchronous and runs on the store's own thread; errors are typed.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mapping/sqlite_database.hpp"

namespace scopegate::mapping {

namespace net = boost::asio;

enum class change_state {
  pending,      // recorded, the change is being written
  applied,      // the change was made
  failed,       // the write failed: nothing changed
  interrupted,  // the process stopped between record and settle: the change may or may
                // not have been made (set when the database is opened again)
};
[[nodiscard]] std::string_view to_string(change_state state);

struct history_entry {
  std::int64_t id = 0;     // assigned by the store
  std::int64_t at_ms = 0;  // Unix time in milliseconds when recorded; assigned by the store
  std::string actor;       // admin login
  std::string action;      // partner.create | partner.rename | partner.delete |
                           // partner.customer_ids | agent.link | agent.unlink | agent.mode |
                           // reveal_limit.* | settings.*
  std::string partner_id;  // the partner concerned, if any
  std::string subject;     // what else the change is about: the agent login for agent.* and
                           // reveal_limit.*, the setting key for settings.*
  std::string summary;     // one line for humans
  std::string before_json = "null";  // "null" when there was nothing
  std::string after_json = "null";
  std::int64_t reverts = 0;      // the entry this one reverts, or 0
  std::int64_t reverted_by = 0;  // the APPLIED entry that reverted this one, or 0; read-only
  change_state state = change_state::pending;  // assigned by the store
};

// Which entries reads return.
enum class history_view {
  applied,  // only changes that were made (the default everywhere)
  all,      // also pending, failed and interrupted ones
};

inline constexpr int k_history_page_max = 500;

struct history_filter {
  std::string actor;  // exact; empty = any (the same for the others)
  std::string partner_id;
  std::string subject;
  std::string action;
  std::int64_t before_id = 0;  // paging: entries older than this id; 0 = from the newest
  int limit = 50;              // clamped to 1..k_history_page_max
  history_view view = history_view::applied;
};

enum class settle_outcome { applied, failed };

enum class record_errc {
  unavailable,       // the store could not read or write: the change must not be made
  not_found,         // no such entry (or not an applied one, where one is required)
  already_reverted,  // the entry was reverted already, or a revert of it is under way
  not_pending,       // settle() of an entry that is not pending
  invalid,           // an argument the store cannot take (empty action, id <= 0)
};
[[nodiscard]] std::string_view to_string(record_errc code);

// `message` is for logs only.
struct record_error {
  record_errc code = record_errc::unavailable;
  std::string message;
};
[[noreturn]] void throw_exception_from_error(const record_error& e,
                                             const boost::source_location& loc);

template <class T>
using record_result = boost::system::result<T, record_error>;

class change_history {
 public:
  virtual ~change_history() = default;

  // Stores `entry` as pending and returns its id (id, at_ms, state and reverted_by of
  // `entry` are ignored). When entry.reverts names an entry, that entry must be applied and
  // not reverted; it is claimed in the same transaction (already_reverted otherwise), so of
  // two concurrent reverts only one proceeds. `action` must not be empty.
  [[nodiscard]] virtual net::awaitable<record_result<std::int64_t>> record_pending(
      history_entry entry) = 0;

  // Settles a pending entry after its write. applied: the entry becomes visible, with
  // `after_json` replacing the recorded one when given (the state after is often known only
  // from the write), and a reverted entry becomes reverted_by this one. failed: the entry
  // stays hidden and its claim on a reverted entry is released. not_found / not_pending.
  [[nodiscard]] virtual net::awaitable<record_result<void>> settle(
      std::int64_t id, settle_outcome outcome, std::optional<std::string> after_json) = 0;

  // For settings, whose only write is the stored value: stores `entry` as applied AND sets
  // setting `key` to `value` in ONE transaction; both happen or neither. entry.reverts is
  // claimed and marked as in record_pending. Returns the entry id.
  [[nodiscard]] virtual net::awaitable<record_result<std::int64_t>> record_setting_change(
      history_entry entry, std::string key, std::string value) = 0;

  // Marks applied entry `id` as reverted by entry `by`, atomically: already_reverted when
  // another entry reverted (or is reverting) it; success when `by` already did.
  [[nodiscard]] virtual net::awaitable<record_result<void>> mark_reverted(std::int64_t id,
                                                                          std::int64_t by) = 0;

  // Newest first.
  [[nodiscard]] virtual net::awaitable<record_result<std::vector<history_entry>>> list(
      history_filter filter) = 0;
  // nullopt when there is no such entry in `view`.
  [[nodiscard]] virtual net::awaitable<record_result<std::optional<history_entry>>> get(
      std::int64_t id, history_view view) = 0;
};

// The admin database: the change history and the runtime settings in one SQLite file (the
// settings table lives beside the history so both can change in one transaction). Opens
// (creating if needed) and migrates it on the calling thread (start-up), including files
// written before the schema was versioned, and marks entries left pending by an earlier
// process as interrupted. One process per file.
// Errors: db_errc::schema_too_new for a file from a newer version, others as they come.
[[nodiscard]] db_result<std::shared_ptr<sqlite_database>> open_admin_database(
    const sqlite_options& options);

// change_history over the admin database; every call runs on the database's thread.
class sqlite_change_history final : public change_history {
 public:
  explicit sqlite_change_history(std::shared_ptr<sqlite_database> db);

  net::awaitable<record_result<std::int64_t>> record_pending(history_entry entry) override;
  net::awaitable<record_result<void>> settle(std::int64_t id, settle_outcome outcome,
                                             std::optional<std::string> after_json) override;
  net::awaitable<record_result<std::int64_t>> record_setting_change(history_entry entry,
                                                                    std::string key,
                                                                    std::string value) override;
  net::awaitable<record_result<void>> mark_reverted(std::int64_t id, std::int64_t by) override;
  net::awaitable<record_result<std::vector<history_entry>>> list(history_filter filter) override;
  net::awaitable<record_result<std::optional<history_entry>>> get(std::int64_t id,
                                                                  history_view view) override;

 private:
  std::shared_ptr<sqlite_database> db_;
};

}  // namespace scopegate::mapping
