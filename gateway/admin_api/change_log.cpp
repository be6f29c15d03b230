#include "gateway/admin_api/change_log.hpp"

#include <spdlog/spdlog.h>

#include "gateway/http/problem.hpp"

namespace scopegate::gateway::admin_api {

change_log::change_log(admin_history& history, std::function<void()> invalidate_caches)
    : history_(history), invalidate_caches_(std::move(invalidate_caches)) {}

net::awaitable<std::optional<change_log::ticket>> change_log::begin(history_entry entry) {
  ticket t;
  t.entry = std::move(entry);
  co_return t;
}

net::awaitable<std::int64_t> change_log::complete(ticket t, std::string after_json) {
  t.entry.after_json = std::move(after_json);
  auto reverts = t.entry.reverts;
  auto id = history_.record(std::move(t.entry));
  if (id == 0) spdlog::error("history: a change was applied but could not be recorded");
  if (id != 0 && reverts != 0) history_.mark_reverted(reverts, id);
  changed();
  co_return id;
}

net::awaitable<void> change_log::abandon(ticket) {
  co_return;
}

std::int64_t change_log::record_now(history_entry entry) {
  auto reverts = entry.reverts;
  auto id = history_.record(std::move(entry));
  if (id != 0 && reverts != 0) history_.mark_reverted(reverts, id);
  return id;
}

std::vector<history_entry> change_log::list(const history_filter& f) {
  return history_.list(f);
}

std::optional<history_entry> change_log::get(std::int64_t id) {
  return history_.get(id);
}

std::optional<std::string> change_log::setting(const std::string& key) {
  return history_.setting(key);
}

bool change_log::set_setting(const std::string& key, const std::string& value) {
  return history_.set_setting(key, value);
}

void change_log::changed() {
  if (invalidate_caches_) invalidate_caches_();
}

response history_unavailable() {
  return problem(http::status::service_unavailable, "history-unavailable",
                 "the change history cannot be written right now, so nothing was changed; try "
                 "again shortly");
}

}  // namespace scopegate::gateway::admin_api
