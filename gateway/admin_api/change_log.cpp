#include "gateway/admin_api/change_log.hpp"

#include <spdlog/spdlog.h>

#include "gateway/http/problem.hpp"

namespace scopegate::gateway::admin_api {

change_log::change_log(mapping::change_history& history, std::function<void()> invalidate_caches)
    : history_(history), invalidate_caches_(std::move(invalidate_caches)) {}

net::awaitable<mapping::record_result<change_log::ticket>> change_log::begin(history_entry entry) {
  history_entry copy = entry;
  auto id = co_await history_.record_pending(std::move(copy));
  if (!id) {
    spdlog::error("history: a change could not be recorded, so it was not made: {}",
                  id.error().message);
    co_return id.error();
  }
  co_return ticket{*id, std::move(entry)};
}

net::awaitable<std::int64_t> change_log::complete(ticket t, std::string after_json) {
  std::optional<std::string> after(std::move(after_json));
  auto settled = co_await history_.settle(t.id, mapping::settle_outcome::applied, std::move(after));
  if (!settled)
    spdlog::error("history: entry {} was applied but could not be settled: {}", t.id,
                  settled.error().message);
  changed();
  co_return t.id;
}

net::awaitable<void> change_log::abandon(ticket t) {
  std::optional<std::string> nothing;
  auto settled =
      co_await history_.settle(t.id, mapping::settle_outcome::failed, std::move(nothing));
  if (!settled)
    spdlog::error("history: entry {} (not applied) could not be settled: {}", t.id,
                  settled.error().message);
}

net::awaitable<mapping::record_result<std::int64_t>> change_log::record_setting(history_entry entry,
                                                                                std::string key,
                                                                                std::string value) {
  co_return co_await history_.record_setting_change(std::move(entry), std::move(key),
                                                    std::move(value));
}

net::awaitable<mapping::record_result<std::vector<history_entry>>> change_log::list(
    history_filter f) {
  co_return co_await history_.list(std::move(f));
}

net::awaitable<mapping::record_result<std::optional<history_entry>>> change_log::get(
    std::int64_t id) {
  co_return co_await history_.get(id, mapping::history_view::applied);
}

void change_log::changed() {
  if (invalidate_caches_) invalidate_caches_();
}

response history_refused(const mapping::record_error& e) {
  switch (e.code) {
    case mapping::record_errc::already_reverted:
      return problem(http::status::conflict, "already-reverted",
                     "this change was already reverted (or a revert of it is under way)");
    case mapping::record_errc::not_found:
      return problem(http::status::not_found, "not-found", "no such history entry");
    default:
      return problem(http::status::service_unavailable, "history-unavailable",
                     "the change history cannot be written right now, so nothing was changed; "
                     "try again shortly");
  }
}

}  // namespace scopegate::gateway::admin_api
