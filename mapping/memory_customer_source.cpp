#include "mapping/memory_customer_source.hpp"

#include <algorithm>
#include <chrono>
#include <limits>

namespace scopegate::mapping {
namespace {

using posting = std::vector<std::uint32_t>;

customer_record to_record(const indexed_customer& r) {
  customer_record out;
  out.dn = r.dn;
  out.login = r.login;
  set_customer_ids(out, r.customer_ids);  // already sorted and unique
  out.creator_dns = r.creator_dns;
  out.values = r.values;
  return out;
}

// The visibility rule, as the pushdown filter states it (access_scope::admits).
bool visible(const indexed_customer& r, const access_scope& scope) {
  return scope.admits(r.customer_ids, r.creator_dns);
}

struct prepared_text {
  bool active = false;               // the query has text
  std::vector<std::size_t> slots;    // search attribute slots to match
  std::vector<std::string> needles;  // the text prepared per slot's rule
};

bool text_matches(const indexed_customer& r, const prepared_text& t) {
  if (!t.active) return true;
  for (std::size_t k = 0; k < t.slots.size(); ++k)
    for (const auto& v : r.search_values[t.slots[k]])
      if (contains_prepared(v, t.needles[k])) return true;
  return false;
}

// Everything the pushdown filter and its defence-in-depth check demand of one record.
bool matches(const indexed_customer& r, const customer_query& q, const access_scope& scope,
             const prepared_text& t) {
  if (r.login.empty()) return false;
  if (!visible(r, scope)) return false;
  if (q.customer_id && std::find(r.customer_ids.begin(), r.customer_ids.end(), *q.customer_id) ==
                           r.customer_ids.end())
    return false;
  if (!q.after_login.empty() && r.login <= q.after_login) return false;
  return text_matches(r, t);
}

std::uint32_t trigram(std::string_view v, std::size_t k) {
  return (std::uint32_t(static_cast<unsigned char>(v[k])) << 16) |
         (std::uint32_t(static_cast<unsigned char>(v[k + 1])) << 8) |
         std::uint32_t(static_cast<unsigned char>(v[k + 2]));
}

// The posting lists of every trigram of `needle` in one slot, shortest first; nullopt when
// a trigram occurs nowhere (nothing in this slot can match).
std::optional<std::vector<const posting*>> trigram_lists(const customer_snapshot& s,
                                                         std::size_t slot,
                                                         std::string_view needle) {
  std::vector<const posting*> lists;
  const auto& map = s.trigrams[slot];
  for (std::size_t k = 0; k + 3 <= needle.size(); ++k) {
    auto it = map.find(trigram(needle, k));
    if (it == map.end()) return std::nullopt;
    if (std::find(lists.begin(), lists.end(), &it->second) == lists.end())
      lists.push_back(&it->second);
  }
  std::sort(lists.begin(), lists.end(),
            [](const posting* a, const posting* b) { return a->size() < b->size(); });
  return lists;
}

void append_from(posting& out, const posting& list, std::uint32_t start) {
  out.insert(out.end(), std::lower_bound(list.begin(), list.end(), start), list.end());
}

// Positions present in every list of one slot, produced lazily in ascending order.
class intersection_stream {
 public:
  intersection_stream(const std::vector<const posting*>& lists, std::uint32_t start)
      : lists_(&lists) {
    if (lists.empty()) return;
    it_ = std::lower_bound(lists.front()->begin(), lists.front()->end(), start);
    next();
  }
  [[nodiscard]] bool done() const { return done_; }
  [[nodiscard]] std::uint32_t current() const { return current_; }
  // Moves past current().
  void next() {
    const auto& first = *lists_->front();
    for (; it_ != first.end(); ++it_) {
      bool all = true;
      for (std::size_t k = 1; k < lists_->size() && all; ++k)
        all = std::binary_search((*lists_)[k]->begin(), (*lists_)[k]->end(), *it_);
      if (all) {
        current_ = *it_++;
        return;
      }
    }
    done_ = true;
  }

 private:
  const std::vector<const posting*>* lists_;
  posting::const_iterator it_{};
  std::uint32_t current_ = 0;
  bool done_ = false;
};

}  // namespace

bool covers(const customer_snapshot& s, const std::vector<std::string>& attributes) {
  return std::all_of(attributes.begin(), attributes.end(),
                     [&](const std::string& a) { return s.search_slot(a).has_value(); });
}

customer_page search_snapshot(const customer_snapshot& s, const customer_query& q,
                              const access_scope& scope, query_plan* used) {
  customer_page page;
  if (used) *used = query_plan::empty;
  if (scope.kind == scope_kind::none) return page;
  if (q.customer_id && !scope.allows(*q.customer_id)) return page;

  prepared_text text;
  text.active = !q.text.empty();
  if (text.active) {
    if (q.search_attributes.empty()) {
      for (std::size_t i = 0; i < s.search_attributes.size(); ++i)
        text.slots.push_back(i);
    } else {
      for (const auto& a : q.search_attributes)
        if (auto slot = s.search_slot(a)) text.slots.push_back(*slot);
    }
    for (auto slot : text.slots)
      text.needles.push_back(prepare(q.text, s.search_rules[slot]));
  }

  const auto n = static_cast<std::uint32_t>(s.by_login.size());
  std::uint32_t start = 0;
  if (!q.after_login.empty())
    start = static_cast<std::uint32_t>(
        std::upper_bound(s.by_login.begin(), s.by_login.end(), q.after_login,
                         [](const std::string& a, const auto& r) { return a < r->login; }) -
        s.by_login.begin());
  const std::size_t want = q.limit + 1;
  std::vector<std::uint32_t> hits;
  auto take = [&](std::uint32_t i) {
    if (matches(*s.by_login[i], q, scope, text)) hits.push_back(i);
    return hits.size() >= want;
  };
  // Candidates in ascending position; stops once limit+1 records matched.
  auto take_all = [&](posting& candidates) {
    std::sort(candidates.begin(), candidates.end());
    candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
    for (auto i : candidates)
      if (take(i)) break;
  };

  // Estimates, in records touched.
  constexpr double inf = std::numeric_limits<double>::infinity();
  const double total = std::max<double>(1, n - start);
  std::optional<std::vector<std::vector<const posting*>>> text_lists;
  double text_cost = inf;
  double text_fraction = 1;
  if (text.active) {
    bool indexable = !text.slots.empty();
    for (const auto& needle : text.needles)
      indexable = indexable && needle.size() >= 3;
    if (indexable) {
      text_lists.emplace();
      text_cost = 0;
      for (std::size_t k = 0; k < text.slots.size(); ++k) {
        auto lists = trigram_lists(s, text.slots[k], text.needles[k]);
        if (!lists) lists.emplace();  // nothing in this slot
        if (!lists->empty()) text_cost += static_cast<double>(lists->front()->size());
        text_lists->push_back(std::move(*lists));
      }
      text_fraction = std::min(1.0, text_cost / std::max<double>(1, n));
    } else {
      text_fraction = 0.1;  // short text: selectivity unknown
    }
  }
  double scope_cost = inf;
  double scope_fraction = 1;
  if (scope.kind == scope_kind::some) {
    double per_id = static_cast<double>(n) / std::max<double>(1, s.by_customer_id.size());
    scope_cost = static_cast<double>(scope.customer_ids.size()) * std::max(1.0, per_id);
    scope_fraction = std::min(1.0, scope_cost / std::max<double>(1, n));
  }
  const double walk_cost =
      std::min(total, static_cast<double>(want) / std::max(1e-9, text_fraction * scope_fraction));
  // Streaming the trigram intersections in login order stops after limit+1 hits, about
  // want / scope_fraction positions into the shortest lists.
  const double stream_cost =
      text_lists
          ? std::min(text_cost, static_cast<double>(want) / std::max(1e-9, scope_fraction)) * 2
          : inf;

  posting candidates;
  if (q.customer_id) {
    if (used) *used = query_plan::customer_id;
    if (auto it = s.by_customer_id.find(*q.customer_id); it != s.by_customer_id.end())
      append_from(candidates, it->second, start);
    take_all(candidates);
  } else if (stream_cost <= scope_cost && stream_cost <= walk_cost) {
    if (used) *used = query_plan::trigrams;
    std::vector<intersection_stream> streams;
    for (const auto& lists : *text_lists)
      if (!lists.empty()) streams.emplace_back(lists, start);
    for (;;) {
      std::uint32_t lowest = std::numeric_limits<std::uint32_t>::max();
      bool any = false;
      for (const auto& st : streams)
        if (!st.done()) {
          lowest = std::min(lowest, st.current());
          any = true;
        }
      if (!any) break;
      for (auto& st : streams)
        if (!st.done() && st.current() == lowest) st.next();
      if (take(lowest)) break;
    }
  } else if (scope_cost <= walk_cost) {
    if (used) *used = query_plan::scope_postings;
    for (const auto& id : scope.customer_ids)
      if (auto it = s.by_customer_id.find(id); it != s.by_customer_id.end())
        append_from(candidates, it->second, start);
    take_all(candidates);
  } else {
    if (used) *used = query_plan::login_walk;
    for (std::uint32_t i = start; i < n; ++i)
      if (take(i)) break;
  }

  const std::size_t keep = std::min(hits.size(), q.limit);
  page.items.reserve(keep);
  for (std::size_t k = 0; k < keep; ++k)
    page.items.push_back(to_record(*s.by_login[hits[k]]));
  if (hits.size() > q.limit && !page.items.empty()) page.next_after = page.items.back().login;
  return page;
}

query_result<std::optional<customer_record>> find_in_snapshot(const customer_snapshot& s,
                                                              std::string_view login,
                                                              const access_scope& scope) {
  if (scope.kind == scope_kind::none) return std::optional<customer_record>{};
  auto it = s.by_login_key.find(prepare(login, s.login_rule));
  if (it == s.by_login_key.end()) return std::optional<customer_record>{};
  // The pushdown filter admits a record when any of its customer IDs is in scope (and,
  // for a creator-restricted scope, the agent created or owns it).
  std::vector<std::uint32_t> found;
  for (auto i : it->second)
    if (visible(*s.by_login[i], scope)) found.push_back(i);
  if (found.empty()) return std::optional<customer_record>{};
  if (found.size() > 1)
    return query_error{query_errc::ambiguous_login, "login matches two customers"};
  return std::optional<customer_record>{to_record(*s.by_login[found.front()])};
}

std::vector<std::string> customer_ids_in_snapshot(const customer_snapshot& s,
                                                  std::string_view prefix, std::size_t limit,
                                                  const access_scope& scope) {
  std::vector<std::string> out;
  if (scope.kind == scope_kind::none) return out;
  const auto& ids = scope.kind == scope_kind::some ? scope.customer_ids : s.customer_ids;
  for (auto it = std::lower_bound(ids.begin(), ids.end(), prefix);
       it != ids.end() && out.size() < limit && it->starts_with(prefix); ++it)
    out.push_back(*it);
  return out;
}

// ---------------------------------------------------------------------------------------

namespace {
query_error no_index() {
  return query_error{query_errc::unavailable, "directory index not loaded"};
}
}  // namespace

memory_customer_source::memory_customer_source(directory_index& index) : index_(index) {}

net::awaitable<query_result<customer_page>> memory_customer_source::search(customer_query query,
                                                                           scope_ptr scope) {
  auto snap = index_.customers();
  if (!snap) co_return no_index();
  co_return search_snapshot(*snap, query, *scope);
}

net::awaitable<query_result<std::optional<customer_record>>> memory_customer_source::find(
    std::string login, scope_ptr scope) {
  auto snap = index_.customers();
  if (!snap) co_return no_index();
  co_return find_in_snapshot(*snap, login, *scope);
}

net::awaitable<query_result<std::vector<std::string>>> memory_customer_source::customer_ids(
    std::string prefix, std::size_t limit, scope_ptr scope) {
  auto snap = index_.customers();
  if (!snap) co_return no_index();
  co_return customer_ids_in_snapshot(*snap, prefix, limit, *scope);
}

routing_customer_source::routing_customer_source(directory& dir, directory_index* index)
    : dir_(dir), index_(index), ldap_(dir) {
  if (index_) memory_.emplace(*index_);
}

namespace {
std::int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
}  // namespace

void routing_customer_source::note_write() {
  ldap_until_ns_.store(steady_ns() + 1'000'000'000, std::memory_order_release);
}

bool routing_customer_source::index_in_use() const {
  return index_ && index_->usable() && dir_.ldap().ready() &&
         steady_ns() >= ldap_until_ns_.load(std::memory_order_acquire);
}

namespace {
// The snapshot functions honour creator-restricted scopes, but compare DNs by
// mapping/text_match's approximation of distinguishedNameMatch: such scopes go to LDAP.
bool indexable(const access_scope& scope) {
  return !scope.creator_dn;
}
}  // namespace

net::awaitable<query_result<customer_page>> routing_customer_source::search(customer_query query,
                                                                            scope_ptr scope) {
  if (index_in_use() && indexable(*scope)) {
    auto snap = index_->customers();
    if (snap && covers(*snap, query.search_attributes)) {
      ++stats_.memory;
      co_return search_snapshot(*snap, query, *scope);
    }
  }
  ++stats_.ldap;
  co_return co_await ldap_.search(std::move(query), std::move(scope));
}

net::awaitable<query_result<std::optional<customer_record>>> routing_customer_source::find(
    std::string login, scope_ptr scope) {
  if (index_in_use() && indexable(*scope)) {
    if (auto snap = index_->customers()) {
      ++stats_.memory;
      co_return find_in_snapshot(*snap, login, *scope);
    }
  }
  ++stats_.ldap;
  co_return co_await ldap_.find(std::move(login), std::move(scope));
}

net::awaitable<query_result<std::vector<std::string>>> routing_customer_source::customer_ids(
    std::string prefix, std::size_t limit, scope_ptr scope) {
  if (index_in_use() && indexable(*scope)) {
    if (auto snap = index_->customers()) {
      ++stats_.memory;
      co_return customer_ids_in_snapshot(*snap, prefix, limit, *scope);
    }
  }
  ++stats_.ldap;
  co_return co_await ldap_.customer_ids(std::move(prefix), limit, std::move(scope));
}

}  // namespace scopegate::mapping
