// Resolves an agent's access_scope from the directory (DESIGN.md section 1), with a bounded
// TTL cache and single-flight: concurrent misses for one agent cause one set of LDAP queries.
//
//   auto scope = co_await resolver.resolve(agent);
//   if (!scope) co_return service_unavailable();          // fail closed, never "all"
//   if ((*scope)->denied()) co_return forbidden();
//
// Thread-safe. Any LDAP failure yields an error, never a scope.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "mapping/access_scope.hpp"
#include "mapping/directory.hpp"

namespace scopegate::mapping {

class directory_index;
struct mapping_snapshot;

using scope_ptr = std::shared_ptr<const access_scope>;

struct scope_cache_stats {
  std::atomic<std::uint64_t> hits{0};
  std::atomic<std::uint64_t> misses{0};
  std::atomic<std::uint64_t> shared_flights{0};  // misses that waited on another's lookup
};

class scope_resolver {
 public:
  // Groups of interest beyond the bypass groups: membership in each is resolved with the
  // scope and reported in access_scope::member_of (for access modes, masking, ...).
  scope_resolver(directory& dir, std::vector<std::string> groups_of_interest = {});
  ~scope_resolver();

  // The runtime switch "fieldworkers may view the entire customer database"; changing it
  // drops every cached scope.
  void set_fieldworkers_see_all(bool on);
  // Replaces the extra groups of interest (e.g. access-mode groups changed at run time) and
  // drops every cached scope.
  void set_groups_of_interest(std::vector<std::string> groups);
  [[nodiscard]] bool fieldworkers_see_all() const { return fieldworkers_see_all_.load(); }

  [[nodiscard]] net::awaitable<result<scope_ptr>> resolve(const agent& who);

  // Resolves without the cache (used by explain and by tests).
  [[nodiscard]] net::awaitable<result<scope_ptr>> resolve_uncached(const agent& who);

  // Drops every cached scope at once (a mapping changed). Lookups already in flight when
  // this is called do not populate the cache.
  void invalidate_all();
  // A mapping was just written through the gateway: drops every cached scope and, for a
  // moment, resolves from LDAP rather than from the index (which learns of the write only
  // when the directory's sync reports it), so the writer's next request sees the change.
  void invalidate_after_write();

  // Partner and agent lookups come from `index` while it is usable (and LDAP reachable),
  // from LDAP otherwise. Set before the first resolve; null (the default): always LDAP.
  void use_index(const directory_index* index) { index_ = index; }

  [[nodiscard]] const scope_cache_stats& stats() const { return stats_; }
  [[nodiscard]] std::size_t cached_entries() const;

 private:
  struct flight;
  struct cached {
    scope_ptr scope;
    std::chrono::steady_clock::time_point expires;
  };

  [[nodiscard]] std::shared_ptr<const mapping_snapshot> usable_mappings() const;

  directory& dir_;
  const directory_index* index_ = nullptr;
  // Sorted, unique; includes creator groups. Replaced whole under mutex_.
  std::shared_ptr<const std::vector<std::string>> groups_of_interest_;
  std::atomic<bool> fieldworkers_see_all_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, cached> cache_;
  std::unordered_map<std::string, std::shared_ptr<flight>> flights_;
  std::uint64_t generation_ = 0;
  std::atomic<std::int64_t> ldap_until_ns_{0};  // steady clock; index not used before this
  scope_cache_stats stats_;
};

}  // namespace scopegate::mapping
