// Every dashboard change goes through here: recorded in the history BEFORE it is applied
// (a change that cannot be recorded is not made), settled afterwards with the state it
// produced, and announced so agents see it on their next request. Settings changes store
// the value and its history entry in one transaction.
//
//   auto ticket = co_await changes.begin(std::move(entry));     // before/summary filled in
//   if (!ticket) co_return refused(ticket.error());             // nothing was changed
//   auto written = co_await store.rename_partner(...);
//   if (!written) { co_await changes.abandon(std::move(*ticket)); co_return ...; }
//   auto id = co_await changes.complete(std::move(*ticket), std::move(after_json));
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "gateway/http/server.hpp"
#include "mapping/change_history.hpp"
#include "mapping/settings_store.hpp"

namespace scopegate::gateway::admin_api {

using mapping::history_entry;
using mapping::history_filter;

class change_log {
 public:
  change_log(mapping::change_history& history, std::function<void()> invalidate_caches);

  struct ticket {
    std::int64_t id = 0;
    history_entry entry;
  };
  // Records `entry` as pending (claiming the entry it reverts, if any). An error: the
  // history cannot take it (or the reverted entry is gone or already reverted); do not
  // apply the change.
  [[nodiscard]] net::awaitable<mapping::record_result<ticket>> begin(history_entry entry);
  // The change was applied: stores its resulting state and drops cached scopes. Returns
  // the entry's id (the change stands even if settling fails; that is logged, and the
  // entry shows as interrupted after a restart).
  [[nodiscard]] net::awaitable<std::int64_t> complete(ticket t, std::string after_json);
  // The change was not applied: the pending entry is settled as failed (hidden).
  [[nodiscard]] net::awaitable<void> abandon(ticket t);
  // A settings change: the value and its (applied) history entry in one transaction.
  [[nodiscard]] net::awaitable<mapping::record_result<std::int64_t>> record_setting(
      history_entry entry, std::string key, std::string value);

  [[nodiscard]] net::awaitable<mapping::record_result<std::vector<history_entry>>> list(
      history_filter f);
  [[nodiscard]] net::awaitable<mapping::record_result<std::optional<history_entry>>> get(
      std::int64_t id);
  // Drops cached scopes (a mapping changed).
  void changed();

 private:
  mapping::change_history& history_;
  std::function<void()> invalidate_caches_;
};

// The answer for a change the history would not take (and so was not made): 409 when the
// entry to revert was reverted already, 404 when it is gone, 503 otherwise.
[[nodiscard]] response history_refused(const mapping::record_error& e);

}  // namespace scopegate::gateway::admin_api
