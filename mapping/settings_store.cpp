#include "mapping/settings_store.hpp"

namespace scopegate::mapping {

namespace {

record_error unavailable(const db_error& e) {
  return {record_errc::unavailable, e.message};
}

}  // namespace

sqlite_settings_store::sqlite_settings_store(std::shared_ptr<sqlite_database> db)
    : db_(std::move(db)) {}

net::awaitable<record_result<std::optional<std::string>>> sqlite_settings_store::get(
    std::string key) {
  return db_->run(
      [key = std::move(key)](sqlite_connection& c) -> record_result<std::optional<std::string>> {
        auto q = c.prepare("SELECT value FROM settings WHERE key = ?");
        q.bind(1, key);
        auto row = q.step();
        if (!row) return unavailable(row.error());
        if (!*row) return std::optional<std::string>();
        return std::optional<std::string>(q.column_text(0));
      });
}

net::awaitable<record_result<std::map<std::string, std::string>>> sqlite_settings_store::get_all() {
  return db_->run([](sqlite_connection& c) -> record_result<std::map<std::string, std::string>> {
    auto q = c.prepare("SELECT key, value FROM settings");
    std::map<std::string, std::string> out;
    for (;;) {
      auto row = q.step();
      if (!row) return unavailable(row.error());
      if (!*row) return out;
      out.emplace(q.column_text(0), q.column_text(1));
    }
  });
}

net::awaitable<record_result<void>> sqlite_settings_store::set(std::string key, std::string value) {
  return db_->run([key = std::move(key),
                   value = std::move(value)](sqlite_connection& c) -> record_result<void> {
    if (key.empty()) return record_error{record_errc::invalid, "a setting needs a key"};
    auto q = c.prepare(
        "INSERT INTO settings (key, value) VALUES (?, ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value");
    q.bind_all(key, value);
    if (auto done = q.run(); !done) return unavailable(done.error());
    return {};
  });
}

}  // namespace scopegate::mapping
