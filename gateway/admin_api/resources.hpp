// The dashboard and its JSON API, /admin and /admin/api/v1: one class per resource, each
// holding only the services it needs. Every API route but the login itself is
// authenticated by a dashboard session (gateway/routes.cpp, auth_kind::admin), so handlers
// find the admin in ctx.admin. Every write goes to LDAP through mapping::mapping_store as
// the service account and is recorded through change_log.
//
//   assets.cpp        GET /admin, /admin/, /admin/{file}   (embedded admin-ui/)
//   session.cpp       /admin/api/v1/session                 (login form, logout)
//   partners.cpp      /partners, /partners/{id}, /partners/{id}/customer-ids, /customer-ids
//   agents.cpp        /agents, /agents/{login}/partners, /agents/{login}/mode
//   settings.cpp      /settings
//   explain.cpp       /explain, /preview
//   history.cpp       /history, /history/{id}/revert
//   mappings_csv.cpp  /mappings.csv, /mappings/import
//   reveals.cpp       /reveals, /reveals/export, /reveals/customers/{login}, /notifications
//   limits.cpp        /agents/{login}/limit
#pragma once

#include <functional>

#include "gateway/admin_api/change_log.hpp"
#include "gateway/auth/authenticator.hpp"
#include "gateway/auth/sessions.hpp"
#include "gateway/request_context.hpp"
#include "mapping/customer_source.hpp"
#include "mapping/mapping_store.hpp"
#include "mapping/scope_resolver.hpp"
#include "policy/access_mode.hpp"
#include "policy/masking.hpp"
#include "policy/reveal_ledger.hpp"

namespace scopegate::gateway::admin_api {

class assets {
 public:
  [[nodiscard]] net::awaitable<response> redirect(request_context& ctx);
  [[nodiscard]] net::awaitable<response> index(request_context& ctx);
  [[nodiscard]] net::awaitable<response> file(request_context& ctx);
};

class session_resource {
 public:
  session_resource(const config::config& cfg, authenticator& auth, mapping::mapping_store& store,
                   admin_sessions& sessions);
  [[nodiscard]] net::awaitable<response> login(request_context& ctx);
  [[nodiscard]] net::awaitable<response> get(request_context& ctx);
  [[nodiscard]] net::awaitable<response> logout(request_context& ctx);

 private:
  const config::config& cfg_;
  authenticator& auth_;
  mapping::mapping_store& store_;
  admin_sessions& sessions_;
};

class partners_resource {
 public:
  partners_resource(mapping::mapping_store& store, change_log& changes);
  [[nodiscard]] net::awaitable<response> list(request_context& ctx);
  [[nodiscard]] net::awaitable<response> get(request_context& ctx);
  [[nodiscard]] net::awaitable<response> create(request_context& ctx);
  [[nodiscard]] net::awaitable<response> rename(request_context& ctx);
  [[nodiscard]] net::awaitable<response> remove(request_context& ctx);
  [[nodiscard]] net::awaitable<response> change_customer_ids(request_context& ctx);
  [[nodiscard]] net::awaitable<response> customer_ids(request_context& ctx);

 private:
  mapping::mapping_store& store_;
  change_log& changes_;
};

// The access-mode group defaults in force and the runtime settings switch: shared by the
// settings resource and history reverts.
class runtime_settings {
 public:
  using group_modes_setter = std::function<void(std::vector<config::group_mode>)>;
  runtime_settings(const config::config& cfg, mapping::scope_resolver& scopes,
                   const policy::access_defaults& defaults, group_modes_setter set_group_modes,
                   change_log& changes);
  [[nodiscard]] std::vector<config::group_mode> group_modes() const;
  [[nodiscard]] bool fieldworkers_see_all() const;
  // Stores new group defaults with their history entry (one transaction), then applies
  // them; returns the entry's id. An error: nothing was stored or changed.
  [[nodiscard]] net::awaitable<mapping::record_result<std::int64_t>> replace_group_modes(
      std::string actor, std::vector<config::group_mode> modes, std::string summary_prefix,
      std::int64_t reverts = 0);
  [[nodiscard]] net::awaitable<mapping::record_result<std::int64_t>> set_fieldworkers_see_all(
      std::string actor, bool on, std::string summary_prefix, std::int64_t reverts = 0);
  [[nodiscard]] const config::config& cfg() const { return cfg_; }

 private:
  const config::config& cfg_;
  mapping::scope_resolver& scopes_;
  const policy::access_defaults& defaults_;
  group_modes_setter set_group_modes_;
  change_log& changes_;
};

class agents_resource {
 public:
  agents_resource(const config::config& cfg, mapping::mapping_store& store,
                  mapping::directory& directory, mapping::scope_resolver& scopes,
                  const policy::access_defaults& defaults, change_log& changes);
  [[nodiscard]] net::awaitable<response> list(request_context& ctx);
  [[nodiscard]] net::awaitable<response> link(request_context& ctx);
  [[nodiscard]] net::awaitable<response> unlink(request_context& ctx);
  [[nodiscard]] net::awaitable<response> mode(request_context& ctx);
  // Writes (value) or removes (nullopt) the agent's access-mode attribute.
  [[nodiscard]] net::awaitable<mapping::store_result<void>> write_mode(
      std::string dn, bool present, std::optional<std::string> value);

 private:
  net::awaitable<response> change_link(request_context& ctx, std::string partner_id, bool linked);

  const config::config& cfg_;
  mapping::mapping_store& store_;
  mapping::directory& directory_;
  mapping::scope_resolver& scopes_;
  const policy::access_defaults& defaults_;
  change_log& changes_;
};

class settings_resource {
 public:
  explicit settings_resource(runtime_settings& settings);
  [[nodiscard]] net::awaitable<response> get(request_context& ctx);
  [[nodiscard]] net::awaitable<response> put(request_context& ctx);

 private:
  runtime_settings& settings_;
};

class explain_resource {
 public:
  // `lookup` reads a customer's own facts (the authoritative LDAP source).
  explain_resource(const config::config& cfg, mapping::directory& directory,
                   mapping::scope_resolver& scopes, mapping::mapping_store& store,
                   mapping::customer_source& lookup, const policy::access_defaults& defaults,
                   const policy::contact_policy& contacts);
  [[nodiscard]] net::awaitable<response> explain(request_context& ctx);
  [[nodiscard]] net::awaitable<response> preview(request_context& ctx);

 private:
  const config::config& cfg_;
  mapping::directory& directory_;
  mapping::scope_resolver& scopes_;
  mapping::mapping_store& store_;
  mapping::customer_source& lookup_;
  const policy::access_defaults& defaults_;
  const policy::contact_policy& contacts_;
};

class history_resource {
 public:
  history_resource(const config::config& cfg, mapping::mapping_store& store,
                   mapping::directory& directory, change_log& changes, runtime_settings& settings,
                   agents_resource& agents, policy::reveal_ledger& ledger);
  [[nodiscard]] net::awaitable<response> list(request_context& ctx);
  [[nodiscard]] net::awaitable<response> revert(request_context& ctx);

 private:
  net::awaitable<std::optional<response>> apply_revert(const history_entry& entry,
                                                       history_entry& out);

  const config::config& cfg_;
  mapping::mapping_store& store_;
  mapping::directory& directory_;
  change_log& changes_;
  runtime_settings& settings_;
  agents_resource& agents_;
  policy::reveal_ledger& ledger_;
};

class mappings_csv_resource {
 public:
  mappings_csv_resource(mapping::mapping_store& store, change_log& changes);
  [[nodiscard]] net::awaitable<response> export_csv(request_context& ctx);
  [[nodiscard]] net::awaitable<response> import_csv(request_context& ctx);

 private:
  mapping::mapping_store& store_;
  change_log& changes_;
};

// Reveal activity, per-agent reveal limits and alert notifications. Dates are local days
// (reveal.timezone) as YYYY-MM-DD, both ends inclusive.
class reveals_resource {
 public:
  reveals_resource(const config::config& cfg, mapping::directory& directory,
                   policy::reveal_ledger& ledger, change_log& changes);
  [[nodiscard]] net::awaitable<response> list(request_context& ctx);
  [[nodiscard]] net::awaitable<response> export_csv(request_context& ctx);
  [[nodiscard]] net::awaitable<response> revealers(request_context& ctx);
  [[nodiscard]] net::awaitable<response> notifications(request_context& ctx);
  [[nodiscard]] net::awaitable<response> limit_get(request_context& ctx);
  [[nodiscard]] net::awaitable<response> limit_put(request_context& ctx);
  [[nodiscard]] net::awaitable<response> limit_delete(request_context& ctx);

 private:
  net::awaitable<response> activity(request_context& ctx, bool csv);

  const config::config& cfg_;
  mapping::directory& directory_;
  policy::reveal_ledger& ledger_;
  change_log& changes_;
};

}  // namespace scopegate::gateway::admin_api
