// scopegate configuration: plain structs with defaults, filled from one YAML file.
//
// Every library reads its own section; nothing here does I/O except `load_config`.
//
//   auto cfg = scopegate::config::load_config("scopegate.yaml");   // throws config_error
//   std::cout << cfg.ldap.uris.front();
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace scopegate::config {

// A config file problem: `key_path` like "ldap.pool_size", `line` 1-based (0 when unknown).
// what() reads "scopegate.yaml:12: ldap.pool_size: expected ..." (parts that are unknown are
// left out); `message()` is the problem alone.
class config_error : public std::runtime_error {
 public:
  config_error(std::string key_path, int line, const std::string& message, std::string origin = "");
  const std::string& key_path() const { return key_path_; }
  int line() const { return line_; }
  const std::string& message() const { return message_; }
  const std::string& origin() const { return origin_; }

 private:
  std::string key_path_;
  int line_;
  std::string message_;
  std::string origin_;
};

// HTTPS on the listener: TLS 1.2 and 1.3 only, no compression, forward-secret AEAD ciphers.
// Both files are PEM; the certificate file may hold the chain after the certificate.
struct listen_tls_config {
  std::string certificate_file;
  std::string key_file;
  bool operator==(const listen_tls_config&) const = default;
};

struct listen_config {
  std::string address = "127.0.0.1";
  std::uint16_t port = 8080;
  int threads = 0;  // 0: one per core
  std::size_t header_limit_bytes = 16 * 1024;
  std::size_t body_limit_bytes = 1024 * 1024;
  int read_timeout_ms = 10'000;              // a whole request must arrive within this
  int idle_timeout_ms = 60'000;              // keep-alive connection with no request
  std::vector<std::string> trusted_proxies;  // CIDRs whose X-Forwarded-For is believed
  std::optional<listen_tls_config> tls;      // absent: plain HTTP
  int max_connections_per_address = 256;     // more from one socket address are closed
  bool operator==(const listen_config&) const = default;
};

struct ldap_config {
  std::vector<std::string> uris;  // failover in order; ldap:// or ldaps://
  std::string bind_dn;            // service account; empty = anonymous
  std::string bind_password;      // from bind_password or bind_password_file
  bool start_tls = false;
  std::string ca_file;     // CA bundle for ldaps:// and StartTLS
  int pool_size = 4;       // search connections
  int bind_pool_size = 2;  // connections used only for agent password binds
  int timeout_ms = 5'000;  // per operation
  int connect_timeout_ms = 3'000;
  int page_size = 500;  // RFC 2696 page size for large searches
  int reconnect_max_backoff_ms = 5'000;
  // A connection (pool or sync watch) the server has said nothing on for this long sends a
  // probe; unanswered within timeout_ms, the connection is replaced. Also the TCP keepalive.
  int probe_interval_seconds = 10;
  bool operator==(const ldap_config&) const = default;
};

struct agents_config {
  std::string base_dn;
  std::string filter = "(objectClass=inetOrgPerson)";
  std::string login_attribute = "uid";
  std::optional<std::string> partner_attribute;               // agent entry lists its partner IDs
  std::string access_mode_attribute = "scopegateAccessMode";  // per-agent access mode
  // visible | masked | blocked on the agent entry (contact protection)
  std::string contact_visibility_attribute = "scopegateContactVisibility";
  // the agent's own daily reveal limit (an integer) on the agent entry
  std::string daily_limit_attribute = "scopegateDailyRevealLimit";
  bool operator==(const agents_config&) const = default;
};

struct partners_config {
  std::string base_dn;
  std::string filter = "(objectClass=scopegatePartner)";
  std::string id_attribute = "scopegatePartnerId";
  std::string customer_ids_attribute = "scopegateCustomerId";
  std::optional<std::string> member_attribute;  // partner entry lists member agent DNs
  std::string name_attribute = "cn";
  bool operator==(const partners_config&) const = default;
};

struct customer_field {
  std::string name;       // JSON key
  std::string attribute;  // LDAP attribute
  bool operator==(const customer_field&) const = default;
};

enum class customer_index { memory, ldap };

struct customers_config {
  std::string base_dn;
  std::string filter = "(objectClass=inetOrgPerson)";
  std::string login_attribute = "uid";
  std::string customer_id_attribute = "scopegateCustomerId";
  std::vector<std::string> search_attributes = {"uid", "cn", "mail"};
  std::vector<customer_field>
      fields;                 // in file order; default {login, customer_id, name, email, phone}
  int max_results = 100'000;  // a search matching more is refused (413-like problem)
  // Where scoped searches run: an in-memory index kept current by an RFC 4533 sync
  // (falls back to LDAP pushdown while it is incomplete or its sync is broken), or LDAP.
  customer_index index = customer_index::memory;
  // How long a broken sync may leave the index serving before answers go to LDAP.
  int index_max_staleness_seconds = 5;
  // Set by the gateway on customers it creates: the creating agent's DN (creator scope).
  std::string owner_attribute = "scopegateOwner";
  // New customers' logins are assigned by the gateway: this prefix and a random ID (clients
  // never choose one, so no answer can tell whether a login is taken outside the scope).
  std::string login_prefix = "c-";
  // JSON field names that create/PATCH/import may set; empty = every field but login.
  std::vector<std::string> editable_fields;
  std::vector<std::string> object_classes = {"inetOrgPerson", "scopegateCustomer"};
  bool operator==(const customers_config&) const = default;
};

enum class unassigned_policy { deny, all };

struct scope_config {
  unassigned_policy unassigned_agents = unassigned_policy::deny;
  std::vector<std::string> bypass_groups;         // group DNs whose members see everything
  std::string group_member_attribute = "member";  // attribute of group entries listing DNs
  int cache_ttl_seconds = 30;                     // 0 disables the scope cache
  std::size_t cache_max_entries = 100'000;
  // Members of these groups see only customers they created (creatorsName or owner
  // attribute equals their DN), intersected with their partner scope...
  std::vector<std::string> creator_only_groups;
  // ...unless this is on: then they get their normal partner scope.
  bool fieldworkers_see_all_customers = false;
  bool operator==(const scope_config&) const = default;
};

// What an agent may do with the customers in its scope.
enum class access_mode { full, edit, edit_import, edit_export, view_only, hidden };

struct group_mode {
  std::string group_dn;
  access_mode mode = access_mode::view_only;
  bool operator==(const group_mode&) const = default;
};

struct access_config {
  access_mode default_mode = access_mode::view_only;  // when neither attribute nor group says
  std::vector<group_mode> group_modes;                // first matching group wins
  bool operator==(const access_config&) const = default;
};

struct trusted_client {
  std::string name;
  std::string api_key_sha256;         // lowercase hex of SHA-256(api key)
  std::vector<std::string> networks;  // CIDRs the client may call from
  bool operator==(const trusted_client&) const = default;
};

enum class case_rule { lower, preserve };

struct auth_config {
  std::vector<trusted_client> trusted_clients;
  int bind_cache_seconds = 60;  // successful agent binds remembered this long; 0 = never
  case_rule login_case = case_rule::lower;  // how agent logins are canonicalized
  // Password guessing, for every way in (API Basic and dashboard login): failed attempts
  // allowed per login and per client address within the window; then 429 without asking LDAP.
  int failed_attempts_per_minute = 10;
  int failed_attempts_per_address_per_minute = 50;
  int failed_attempts_window_seconds = 60;  // the "minute" (shorter only for tests)
  bool operator==(const auth_config&) const = default;
};

enum class mask_style { redact, partial };

// Contact protection: which customer fields are hidden and from whom.
struct masking_config {
  bool enabled = true;
  // JSON field names from customers.fields; default: those named email, phone, mobile.
  std::vector<std::string> fields;
  mask_style style = mask_style::redact;
  std::vector<std::string> visible_to_groups;  // group DNs whose members see unmasked values
  bool operator==(const masking_config&) const = default;
};

// "Show details" reveals: daily limit per agent, alert mail, activity log.
struct reveal_config {
  int daily_limit = 10;               // distinct customers per agent per local day
  std::string timezone = "UTC";       // IANA zone name; the "day" is local to it
  std::string notify_email;           // alert recipient; empty = no alerts
  std::string database_path;          // SQLite file; empty = in memory (lost at restart)
  int retention_days = 365;           // reveal rows older than this are deleted
  int purge_interval_seconds = 3600;  // how often expired rows are deleted
  std::string dashboard_url;          // base URL of the gateway's dashboard, for mail links
  bool operator==(const reveal_config&) const = default;
};

struct smtp_config {
  std::string url;  // smtp://host:port or smtps://host:port; empty = no mail
  std::string username;
  std::string password;  // from password or password_file
  bool starttls = false;
  std::string from;
  int timeout_ms = 10'000;  // per attempt (connect + dialogue)
  int attempts = 3;
  int retry_backoff_ms = 2'000;  // doubled after every failed attempt
  bool operator==(const smtp_config&) const = default;
};

struct log_config {
  std::string level = "info";  // trace, debug, info, warn, error
  bool access_log = true;
  bool operator==(const log_config&) const = default;
};

// The mapping dashboard (/admin/): who may log in, how long sessions live, where the change
// history is kept.
struct admin_config {
  std::vector<std::string> group_dns;       // admins are members of any of these groups
  std::string member_attribute = "member";  // attribute of those groups listing member DNs
  int session_idle_minutes = 30;            // a session unused this long ends
  int session_max_hours = 8;                // a session ends this long after login regardless
  std::string history_database_path;        // SQLite file; empty: kept in memory only
  bool secure_cookie = false;  // mark the session cookie Secure (TLS in front of the gateway)
  std::vector<std::string> partner_object_classes = {"scopegatePartner"};  // for new partners
  bool operator==(const admin_config&) const = default;
};

// Operations endpoints (/healthz, /readyz, /metrics).
struct ops_config {
  // Client networks (CIDRs) that may read /metrics; everyone else gets 403. The client is
  // the socket's address, or X-Forwarded-For's last hop from a trusted proxy.
  std::vector<std::string> metrics_networks = {"127.0.0.0/8", "::1/128"};
  bool operator==(const ops_config&) const = default;
};

struct config {
  listen_config listen;
  ldap_config ldap;
  agents_config agents;
  partners_config partners;
  customers_config customers;
  scope_config scope;
  auth_config auth;
  access_config access;
  masking_config masking;
  reveal_config reveal;
  smtp_config smtp;
  log_config log;
  admin_config admin;
  ops_config ops;
  bool operator==(const config&) const = default;
};

[[nodiscard]] const char* to_string(access_mode mode);
// nullopt when `text` names no mode.
[[nodiscard]] std::optional<access_mode> parse_access_mode(std::string_view text);

// Reads, expands ${VAR} from the environment, parses and validates. Unknown keys, wrong
// types, missing required keys and impossible values throw config_error.
[[nodiscard]] config load_config(const std::string& path);

// Same, from YAML text (`origin` names it in errors).
[[nodiscard]] config parse_config(const std::string& yaml_text, const std::string& origin = "");

// A short multi-line human summary (for --check-config); secrets are shown as "***".
[[nodiscard]] std::string describe(const config& cfg);

// Valid settings that open data up, one line each naming the risk (empty when none): the
// gateway logs each as a warning at start, and --check-config prints them.
[[nodiscard]] std::vector<std::string> risky_settings(const config& cfg);

}  // namespace scopegate::config
