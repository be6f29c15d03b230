// Every dashboard change goes through here: recorded in the history BEFORE it is applied
// (a change that cannot be recorded is not made), settled afterwards with the state it
// produced, and announced so agents see it on their next request.
//
//   auto ticket = co_await changes.begin(std::move(entry));     // before/summary filled in
//   if (!ticket) co_return history_unavailable();               // nothing was changed
//   auto written = co_await store.rename_partner(...);
//   if (!written) { co_await changes.abandon(*ticket); co_return from_store(...); }
//   auto id = co_await changes.complete(*ticket, partner_state(*written));
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "gateway/admin_history.hpp"
#include "gateway/http/server.hpp"

namespace scopegate::gateway::admin_api {

class change_log {
 public:
  change_log(admin_history& history, std::function<void()> invalidate_caches);

  struct ticket {
    std::int64_t id = 0;
    history_entry entry;
  };
  // Records `entry` as pending. nullopt: the history cannot be written; do not apply.
  [[nodiscard]] net::awaitable<std::optional<ticket>> begin(history_entry entry);
  // The change was applied: stores its resulting state, marks the entry it reverts (if
  // any) and drops cached scopes. Returns the entry's id.
  [[nodiscard]] net::awaitable<std::int64_t> complete(ticket t, std::string after_json);
  // The change was not applied: the pending entry is withdrawn.
  [[nodiscard]] net::awaitable<void> abandon(ticket t);

  // Records a change already applied in the same step as its setting (settings changes).
  // Returns the id, 0 on failure.
  [[nodiscard]] std::int64_t record_now(history_entry entry);

  [[nodiscard]] std::vector<history_entry> list(const history_filter& f);
  [[nodiscard]] std::optional<history_entry> get(std::int64_t id);
  // Runtime settings kept beside the history.
  [[nodiscard]] std::optional<std::string> setting(const std::string& key);
  [[nodiscard]] bool set_setting(const std::string& key, const std::string& value);
  // A mapping changed outside a recorded change (e.g. the directory's own sync).
  void changed();

 private:
  admin_history& history_;
  std::function<void()> invalidate_caches_;
};

// 503 for a change that could not be recorded (and so was not made).
[[nodiscard]] response history_unavailable();

}  // namespace scopegate::gateway::admin_api
