// Runtime settings changed in the dashboard (key -> value text), kept across restarts, e.g.
// "fieldworkers_see_all_customers" -> "true". Read at start-up and after each change.
//
//   auto all = co_await settings.get_all();               // start-up: apply what is stored
//   if (!all) ... log, keep the configured defaults
//
// A change made by an admin is NOT written with set(): it goes through
// change_history::record_setting_change(), which stores the value and its history entry in
// one transaction. set() is for values that are not administrative changes.
//
// The SQLite implementation shares the admin database (open_admin_database) with the change
// history; every call runs on that database's thread.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "mapping/change_history.hpp"

namespace scopegate::mapping {

class settings_store {
 public:
  virtual ~settings_store() = default;

  // The stored value, or nullopt when the key was never set.
  [[nodiscard]] virtual net::awaitable<record_result<std::optional<std::string>>> get(
      std::string key) = 0;
  // Every stored setting.
  [[nodiscard]] virtual net::awaitable<record_result<std::map<std::string, std::string>>>
  get_all() = 0;
  // Stores `value` under `key` (replacing it); the key must not be empty (invalid).
  [[nodiscard]] virtual net::awaitable<record_result<void>> set(std::string key,
                                                                std::string value) = 0;
};

class sqlite_settings_store final : public settings_store {
 public:
  // `db` from open_admin_database().
  explicit sqlite_settings_store(std::shared_ptr<sqlite_database> db);

  net::awaitable<record_result<std::optional<std::string>>> get(std::string key) override;
  net::awaitable<record_result<std::map<std::string, std::string>>> get_all() override;
  net::awaitable<record_result<void>> set(std::string key, std::string value) override;

 private:
  std::shared_ptr<sqlite_database> db_;
};

}  // namespace scopegate::mapping
