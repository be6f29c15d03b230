// The history of every dashboard change, kept in SQLite: who, when, what, and the state of
// the partner (or link) before and after as JSON, so a change can be shown and reverted.
//
//   admin_history history(cfg.admin.history_database_path);   // "" = in memory
//   auto id = history.record({.actor = "owner", .action = "partner.rename", ...});
//
// One connection guarded by a mutex: SQLite wants exactly one writer. Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

struct sqlite3;

namespace scopegate::gateway {

struct history_entry {
  std::int64_t id = 0;
  std::int64_t at_ms = 0;  // Unix time in milliseconds
  std::string actor;       // admin login
  std::string action;      // partner.create, partner.rename, partner.delete,
                           // partner.customer_ids, agent.link, agent.unlink
  std::string partner_id;
  std::string summary;      // one line for humans
  std::string before_json;  // "null" when there was nothing
  std::string after_json;
  std::int64_t reverts = 0;      // the entry this one reverted, or 0
  std::int64_t reverted_by = 0;  // the entry that reverted this one, or 0
};

struct history_filter {
  std::string actor;
  std::string partner_id;
  std::string action;
  std::int64_t before_id = 0;  // paging: entries older than this id
  int limit = 50;
};

class admin_history {
 public:
  // Opens (creating if needed) the database at `path`; empty path: in memory. Throws on
  // failure (start-up error).
  explicit admin_history(const std::string& path);
  ~admin_history();
  admin_history(const admin_history&) = delete;
  admin_history& operator=(const admin_history&) = delete;

  // Stores `e` (id and at_ms are assigned); returns the id, or 0 when storing failed.
  std::int64_t record(history_entry e);
  [[nodiscard]] std::vector<history_entry> list(const history_filter& f);
  [[nodiscard]] std::optional<history_entry> get(std::int64_t id);
  void mark_reverted(std::int64_t id, std::int64_t by);

 private:
  std::mutex mutex_;
  sqlite3* db_ = nullptr;
};

}  // namespace scopegate::gateway
