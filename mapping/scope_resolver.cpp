#include "mapping/scope_resolver.hpp"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "mapping/directory_index.hpp"
#include "mapping/scope_rules.hpp"

namespace scopegate::mapping {
namespace {

void sort_unique(std::vector<std::string>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

}  // namespace

// One in-progress lookup; followers wait for the channel to close, then read `outcome`.
struct scope_resolver::flight {
  explicit flight(net::any_io_executor ex) : done(ex, 1) {}
  net::experimental::concurrent_channel<void(boost::system::error_code)> done;
  std::optional<result<scope_ptr>> outcome;  // written before done.close()
};

namespace {

std::shared_ptr<const std::vector<std::string>> interest_set(const config::config& cfg,
                                                             std::vector<std::string> groups) {
  for (const auto& g : cfg.scope.creator_only_groups)
    groups.push_back(g);
  sort_unique(groups);
  return std::make_shared<const std::vector<std::string>>(std::move(groups));
}

}  // namespace

scope_resolver::scope_resolver(directory& dir, std::vector<std::string> groups_of_interest)
    : dir_(dir),
      groups_of_interest_(interest_set(dir.cfg(), std::move(groups_of_interest))),
      fieldworkers_see_all_(dir.cfg().scope.fieldworkers_see_all_customers) {}

void scope_resolver::set_groups_of_interest(std::vector<std::string> groups) {
  auto next = interest_set(dir_.cfg(), std::move(groups));
  std::lock_guard lock(mutex_);
  groups_of_interest_ = std::move(next);
  cache_.clear();
  ++generation_;
}

void scope_resolver::set_fieldworkers_see_all(bool on) {
  fieldworkers_see_all_.store(on);
  invalidate_all();
}
scope_resolver::~scope_resolver() = default;

std::size_t scope_resolver::cached_entries() const {
  std::lock_guard lock(mutex_);
  return cache_.size();
}

void scope_resolver::invalidate_all() {
  std::lock_guard lock(mutex_);
  cache_.clear();
  ++generation_;
}

net::awaitable<result<scope_ptr>> scope_resolver::resolve(const agent& who) {
  const auto& sc = dir_.cfg().scope;
  if (sc.cache_ttl_seconds <= 0) co_return co_await resolve_uncached(who);

  auto executor = co_await net::this_coro::executor;
  std::shared_ptr<flight> mine;
  std::shared_ptr<flight> theirs;
  std::uint64_t generation = 0;
  {
    std::lock_guard lock(mutex_);
    auto now = std::chrono::steady_clock::now();
    if (auto it = cache_.find(who.dn); it != cache_.end()) {
      if (it->second.expires > now) {
        stats_.hits.fetch_add(1, std::memory_order_relaxed);
        co_return it->second.scope;
      }
      cache_.erase(it);
    }
    stats_.misses.fetch_add(1, std::memory_order_relaxed);
    if (auto it = flights_.find(who.dn); it != flights_.end()) {
      theirs = it->second;
      stats_.shared_flights.fetch_add(1, std::memory_order_relaxed);
    } else {
      mine = std::make_shared<flight>(executor);
      flights_.emplace(who.dn, mine);
      generation = generation_;
    }
  }

  if (theirs) {
    // Completes with channel_closed once the leader has stored its outcome.
    co_await theirs->done.async_receive(net::as_tuple(net::use_awaitable));
    co_return *theirs->outcome;
  }

  // If the lookup throws, followers must not wait forever: they hear an error, and the
  // next request starts a new flight.
  struct landing {
    scope_resolver& self;
    const std::string& dn;
    flight& mine;
    ~landing() {
      if (mine.outcome) return;
      {
        std::lock_guard lock(self.mutex_);
        self.flights_.erase(dn);
      }
      mine.outcome = ldap::error{ldap::errc::unavailable, "scope lookup failed"};
      mine.done.close();
    }
  } guard{*this, who.dn, *mine};
  auto outcome = co_await resolve_uncached(who);
  {
    std::lock_guard lock(mutex_);
    flights_.erase(who.dn);
    if (outcome && generation == generation_) {
      if (cache_.size() >= sc.cache_max_entries) {
        auto now = std::chrono::steady_clock::now();
        std::erase_if(cache_, [&](const auto& kv) { return kv.second.expires <= now; });
        // Still full: drop an arbitrary half rather than grow without bound.
        for (auto it = cache_.begin(); cache_.size() >= sc.cache_max_entries / 2 + 1;)
          it = cache_.erase(it);
      }
      cache_[who.dn] = {*outcome,
                        (*outcome)->resolved_at + std::chrono::seconds(sc.cache_ttl_seconds)};
    }
  }
  mine->outcome = outcome;
  mine->done.close();
  co_return outcome;
}

namespace {
std::int64_t steady_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
}  // namespace

void scope_resolver::invalidate_after_write() {
  ldap_until_ns_.store(steady_now_ns() + 2'000'000'000, std::memory_order_release);
  invalidate_all();
}

std::shared_ptr<const mapping_snapshot> scope_resolver::usable_mappings() const {
  if (!index_ || !index_->usable() || !dir_.ldap().ready()) return nullptr;
  if (steady_now_ns() < ldap_until_ns_.load(std::memory_order_acquire)) return nullptr;
  return index_->mappings();
}

net::awaitable<result<scope_ptr>> scope_resolver::resolve_uncached(const agent& who) {
  // Gathers the facts decide_scope needs, stopping as soon as the rules need no more.
  const auto& cfg = dir_.cfg();
  scope_facts facts;
  facts.agent_dn = who.dn;
  facts.resolved_at = std::chrono::steady_clock::now();
  facts.fieldworkers_see_all = fieldworkers_see_all_.load();
  facts.unassigned_agents = cfg.scope.unassigned_agents;

  std::shared_ptr<const std::vector<std::string>> interest;
  {
    std::lock_guard lock(mutex_);
    interest = groups_of_interest_;
  }
  for (const auto& group : *interest) {
    auto member = co_await dir_.is_group_member(group, who.dn);
    if (!member) co_return member.error();
    if (*member) facts.member_of.push_back(group);
  }
  for (const auto& group : cfg.scope.bypass_groups) {
    auto member = co_await dir_.is_group_member(group, who.dn);
    if (!member) co_return member.error();
    if (*member) {
      facts.bypass_group = group;
      co_return std::make_shared<const access_scope>(decide_scope(std::move(facts)));
    }
  }
  for (const auto& group : cfg.scope.creator_only_groups)
    if (std::find(facts.member_of.begin(), facts.member_of.end(), group) != facts.member_of.end())
      facts.creator_only = true;

  // One snapshot for the whole resolution, so that it sees one state of the mapping.
  auto snap = usable_mappings();
  if (snap) {
    facts.any_partner_exists = !snap->partners.empty();
  } else {
    auto any = co_await dir_.any_partner_exists();
    if (!any) co_return any.error();
    facts.any_partner_exists = *any;
  }
  if (!facts.any_partner_exists)
    co_return std::make_shared<const access_scope>(decide_scope(std::move(facts)));

  // Partner IDs: from the agent's own attribute and/or from partner entries listing it.
  // The index has the agent entry as it is now; `who` may come from a cache.
  std::vector<std::string> own_ids = who.partner_ids;
  if (snap) {
    if (auto ids = snap->partner_ids_of(who.dn)) own_ids = std::move(*ids);
  }
  sort_unique(own_ids);
  if (!own_ids.empty()) {
    if (snap) {
      facts.partners = snap->with_ids(own_ids);
    } else {
      auto by_id = co_await dir_.partners_with_ids(own_ids);
      if (!by_id) co_return by_id.error();
      facts.partners = std::move(*by_id);
    }
  }
  facts.partner_ids = std::move(own_ids);
  if (cfg.partners.member_attribute) {
    std::vector<partner> members;
    if (snap) {
      members = snap->with_member(who.dn);
    } else {
      auto by_member = co_await dir_.partners_with_member(who.dn);
      if (!by_member) co_return by_member.error();
      members = std::move(*by_member);
    }
    for (auto& p : members) {
      facts.partner_ids.push_back(p.id);
      facts.partners.push_back(std::move(p));
    }
  }
  co_return std::make_shared<const access_scope>(decide_scope(std::move(facts)));
}

}  // namespace scopegate::mapping
