// The directory read model: an in-memory index of customers (login, customer IDs, search
// attributes, served fields) and of the partner/agent mapping, loaded at start and kept
// current by three RFC 4533 sync watches (customers, partners, agents subtrees).
//
//   directory_index index(cfg);
//   index.on_mapping_change([&] { scopes.invalidate_all(); });
//   index.start();
//   if (index.usable()) { auto snap = index.customers(); ... }   // else: LDAP pushdown
//
// Readers take immutable snapshots (shared_ptr<const ...>) that are rebuilt and swapped
// whole by the sync threads after each batch of changes; reading never takes a lock that a
// rebuild holds. usable() is false until every watch finished its first refresh and again
// once a watch has been out of sync for longer than customers.index_max_staleness_seconds:
// a stale index never answers.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "config/config.hpp"
#include "ldap/sync_watch.hpp"
#include "mapping/directory.hpp"
#include "mapping/text_match.hpp"

namespace scopegate::mapping {

struct indexed_customer {
  std::string dn;
  std::string login;
  std::vector<std::string> customer_ids;           // every value, sorted, unique (any one grants)
  std::vector<std::string> creator_dns;            // creatorsName and customers.owner_attribute
  std::vector<std::optional<std::string>> values;  // per customers.fields, in order
  std::vector<std::vector<std::string>> search_values;  // per search attribute, prepared
};

// Customers sorted by login (bytewise), with posting lists of positions in that order.
struct customer_snapshot {
  std::vector<std::shared_ptr<const indexed_customer>> by_login;
  // prepare(login) -> positions (more than one: an ambiguous login).
  std::unordered_map<std::string, std::vector<std::uint32_t>> by_login_key;
  // Every customer ID value -> positions, ascending.
  std::unordered_map<std::string, std::vector<std::uint32_t>> by_customer_id;
  std::vector<std::string> customer_ids;  // distinct values, ascending
  // Per search attribute: trigram of prepared values -> positions, ascending.
  std::vector<std::unordered_map<std::uint32_t, std::vector<std::uint32_t>>> trigrams;
  std::vector<std::string> search_attributes;  // customers.search_attributes
  std::vector<match_rule> search_rules;
  match_rule login_rule = match_rule::case_ignore;

  // Index of `attribute` in search_attributes (case-insensitive), if indexed.
  [[nodiscard]] std::optional<std::size_t> search_slot(std::string_view attribute) const;
};

// The partner/agent mapping as the scope resolver needs it.
struct mapping_snapshot {
  std::vector<partner> partners;
  std::unordered_map<std::string, std::vector<std::uint32_t>> partners_by_id;      // prepared
  std::unordered_map<std::string, std::vector<std::uint32_t>> partners_by_member;  // dn key
  bool agents_indexed = false;  // agents.partner_attribute is configured and watched
  std::unordered_map<std::string, std::vector<std::string>> agent_partner_ids;  // dn key
  match_rule id_rule = match_rule::case_exact;

  [[nodiscard]] std::vector<partner> with_ids(const std::vector<std::string>& ids) const;
  [[nodiscard]] std::vector<partner> with_member(std::string_view dn) const;
  // The agent's partner IDs from its entry, nullopt when the agent is not indexed.
  [[nodiscard]] std::optional<std::vector<std::string>> partner_ids_of(std::string_view dn) const;
};

// Builds one record from a customer entry (exposed for tests).
[[nodiscard]] std::shared_ptr<const indexed_customer> make_indexed_customer(
    const config::customers_config& c, const ldap::entry& e);
// Builds the snapshot from records in any order (exposed for tests and the bench).
[[nodiscard]] std::shared_ptr<const customer_snapshot> build_customer_snapshot(
    const config::customers_config& c, std::vector<std::shared_ptr<const indexed_customer>> all);

struct index_stats {
  std::atomic<std::uint64_t> customer_rebuilds{0};
  std::atomic<std::uint64_t> mapping_rebuilds{0};
  std::atomic<std::uint64_t> last_customer_rebuild_us{0};
};

class directory_index {
 public:
  explicit directory_index(const config::config& cfg);
  ~directory_index();
  directory_index(const directory_index&) = delete;
  directory_index& operator=(const directory_index&) = delete;

  // Called (on a sync thread) after a changed partner/agent mapping was published. Set
  // before start().
  void on_mapping_change(std::function<void()> listener);
  void start();
  void stop();

  // Every watch completed a refresh and none is out of sync for longer than allowed.
  [[nodiscard]] bool usable() const;
  // Every watch is in sync right now.
  [[nodiscard]] bool in_sync() const;
  [[nodiscard]] std::shared_ptr<const customer_snapshot> customers() const;
  [[nodiscard]] std::shared_ptr<const mapping_snapshot> mappings() const;
  [[nodiscard]] const index_stats& stats() const { return stats_; }

 private:
  struct part;
  void publish_customers();
  void publish_mapping();
  ldap::sync_handler handler_for(part& p, bool mapping);

  const config::config& cfg_;
  std::function<void()> mapping_listener_;
  std::vector<std::unique_ptr<part>> parts_;
  part* customers_part_ = nullptr;
  part* partners_part_ = nullptr;
  part* agents_part_ = nullptr;
  std::mutex mapping_mutex_;  // the partner and agent masters and the mapping rebuild
  std::atomic<std::shared_ptr<const customer_snapshot>> customers_;
  std::atomic<std::shared_ptr<const mapping_snapshot>> mappings_;
  index_stats stats_;
};

}  // namespace scopegate::mapping
