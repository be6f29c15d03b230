// Scoped customer queries answered from the in-memory directory index, and the source the
// gateway uses: the index while it is complete and current, LDAP pushdown otherwise.
//
//   routing_customer_source customers(dir, &index);   // &index may be null: always LDAP
//   auto page = co_await customers.search(query, scope);
//
// The memory answers are the pushdown's answers: same records, same order (ascending
// login, bytewise), same page cursors, matching per mapping/text_match.hpp. One deliberate
// difference: customers.max_results bounds the pushdown's fetch-everything-and-sort; the
// index pages without fetching, so it never refuses a search as too large.
//
// Cost per query is independent of the scope's size: the planner picks, from estimates,
// the cheapest of (a) the posting list of one customer ID (customer_id=), (b) the
// intersection of the trigram posting lists of q, (c) the union of the scope's per-ID
// posting lists (small scopes), (d) a walk of the login-ordered list testing scope
// membership, stopping after limit+1 hits (large scopes).
#pragma once

#include <atomic>

#include "mapping/customer_source.hpp"
#include "mapping/directory_index.hpp"

namespace scopegate::mapping {

// The pure query functions over one snapshot (exposed for tests and the bench).
enum class query_plan { customer_id, trigrams, scope_postings, login_walk, empty };
[[nodiscard]] customer_page search_snapshot(const customer_snapshot& s, const customer_query& q,
                                            const access_scope& scope, query_plan* used = nullptr);
[[nodiscard]] query_result<std::optional<customer_record>> find_in_snapshot(
    const customer_snapshot& s, std::string_view login, const access_scope& scope);
[[nodiscard]] std::vector<std::string> customer_ids_in_snapshot(const customer_snapshot& s,
                                                                std::string_view prefix,
                                                                std::size_t limit,
                                                                const access_scope& scope);
// Can the snapshot answer a text query over these attributes (empty: the configured ones)?
[[nodiscard]] bool covers(const customer_snapshot& s, const std::vector<std::string>& attributes);

// Answers from the index's current snapshot (creator-restricted scopes are answered with
// DNs compared as mapping/text_match prepares them; routing_customer_source sends those
// scopes to LDAP instead); fails with an unavailable error when the
// index has none. Does not check freshness: routing_customer_source does.
class memory_customer_source final : public customer_source {
 public:
  explicit memory_customer_source(directory_index& index);
  net::awaitable<query_result<customer_page>> search(customer_query query,
                                                     scope_ptr scope) override;
  net::awaitable<query_result<std::optional<customer_record>>> find(std::string login,
                                                                    scope_ptr scope) override;
  net::awaitable<query_result<std::vector<std::string>>> customer_ids(std::string prefix,
                                                                      std::size_t limit,
                                                                      scope_ptr scope) override;
  std::string_view name() const override { return "memory"; }

 private:
  directory_index& index_;
};

struct routing_stats {
  std::atomic<std::uint64_t> memory{0};  // queries answered from the index
  std::atomic<std::uint64_t> ldap{0};    // queries pushed down to LDAP
};

// The index when usable() and LDAP is reachable (when LDAP is down the answer is 503, as
// without an index), LDAP pushdown otherwise. Thread-safe.
class routing_customer_source final : public customer_source {
 public:
  routing_customer_source(directory& dir, directory_index* index);
  net::awaitable<query_result<customer_page>> search(customer_query query,
                                                     scope_ptr scope) override;
  net::awaitable<query_result<std::optional<customer_record>>> find(std::string login,
                                                                    scope_ptr scope) override;
  net::awaitable<query_result<std::vector<std::string>>> customer_ids(std::string prefix,
                                                                      std::size_t limit,
                                                                      scope_ptr scope) override;
  std::string_view name() const override { return "routing"; }

  // Read-your-writes: this gateway just wrote a customer, and the sync may not have
  // delivered it yet, so reads go to LDAP for the next second. Thread-safe.
  void note_write();

  // The LDAP pushdown behind it (authoritative lookups, e.g. before writes).
  [[nodiscard]] ldap_customer_source& pushdown() { return ldap_; }
  // Would a query be answered from memory right now?
  [[nodiscard]] bool index_in_use() const;
  [[nodiscard]] const routing_stats& stats() const { return stats_; }

 private:
  directory& dir_;
  directory_index* index_;
  ldap_customer_source ldap_;
  std::optional<memory_customer_source> memory_;
  routing_stats stats_;
  std::atomic<std::int64_t> ldap_until_ns_{0};  // steady clock; see note_write()
};

}  // namespace scopegate::mapping
