// The mapping dashboard over HTTP: everything under /admin. Serves the embedded UI
// (admin-ui/) and the JSON admin API /admin/api/v1 (session, partners, customer IDs, agents,
// explain, preview, history with revert, CSV import/export, agents' access modes and the
// runtime settings). Errors are problem+json.
//
// Every API handler first calls require_admin() (gateway/admin_session.hpp); every write
// goes to LDAP through mapping::mapping_store as the service account, is recorded in the
// history, and calls `invalidate_caches` so agents see the change on their next request.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <boost/url/url_view.hpp>

#include "gateway/admin_history.hpp"
#include "gateway/admin_session.hpp"
#include "gateway/http/server.hpp"
#include "mapping/mapping_store.hpp"
#include "mapping/scope_resolver.hpp"
#include "policy/access_mode.hpp"

namespace scopegate::gateway {

struct admin_parts {
  const config::config& cfg;
  mapping::directory& directory;
  mapping::scope_resolver& scopes;
  mapping::mapping_store& store;
  admin_sessions& sessions;
  admin_history& history;
  std::function<void()> invalidate_caches;
  const policy::access_defaults* access_defaults = nullptr;  // null: the configured ones
  std::function<void(std::vector<config::group_mode>)> set_group_modes;
};

// Access-mode group defaults as JSON text ([{"group": DN, "mode": mode}, ...]) and back;
// nullopt with `error` set when the text is not such a list.
[[nodiscard]] std::optional<std::vector<config::group_mode>> parse_group_modes(
    std::string_view json_text, std::string& error);
[[nodiscard]] std::string group_modes_text(const std::vector<config::group_mode>& modes);

class admin_api {
 public:
  explicit admin_api(admin_parts parts);

  // `segments` is the canonical decoded path, segments[0] == "admin"; `url` the parsed
  // target. `login_hint` receives the admin's login for the access log.
  [[nodiscard]] net::awaitable<response> handle(request& req, const connection_info& conn,
                                                std::vector<std::string> segments,
                                                boost::urls::url_view url, std::string& login_hint);

 private:
  struct call;
  net::awaitable<response> route(call& c);
  response static_file(const call& c) const;
  net::awaitable<response> login(call& c);
  net::awaitable<response> partners_list(call& c);
  net::awaitable<response> partner_get(call& c, std::string id);
  net::awaitable<response> partner_create(call& c);
  net::awaitable<response> partner_rename(call& c, std::string id);
  net::awaitable<response> partner_delete(call& c, std::string id);
  net::awaitable<response> partner_customer_ids(call& c, std::string id);
  net::awaitable<response> customer_ids(call& c);
  net::awaitable<response> agents_list(call& c);
  net::awaitable<response> agent_link(call& c, std::string login, std::string partner_id,
                                      bool linked);
  net::awaitable<response> agent_mode(call& c, std::string login);
  net::awaitable<response> settings(call& c);
  net::awaitable<ldap::result<void>> write_mode(std::string dn, bool present,
                                                std::optional<std::string> value);
  net::awaitable<response> explain(call& c);
  net::awaitable<response> preview(call& c);
  net::awaitable<response> history_list(call& c);
  net::awaitable<response> history_revert(call& c, std::int64_t id);
  net::awaitable<response> export_csv(call& c);
  net::awaitable<response> import_csv(call& c);

  std::vector<config::group_mode> current_group_modes() const;
  // Stores, applies and records new group defaults.
  // Returns the history entry's ID.
  std::int64_t replace_group_modes(const std::string& actor, std::vector<config::group_mode> modes,
                                   const std::string& summary_prefix);

  admin_parts p_;
};

}  // namespace scopegate::gateway
