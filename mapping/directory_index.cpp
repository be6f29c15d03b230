#include "mapping/directory_index.hpp"

#include "mapping/customer_source.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "ldap/ascii.hpp"

namespace scopegate::mapping {
namespace {

using ldap::ascii_iequals;

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void add_unique(std::vector<std::string>& v, const std::string& s) {
  for (const auto& x : v)
    if (ascii_iequals(x, s)) return;
  v.push_back(s);
}

struct partner_entry {
  partner value;
  std::vector<std::string> member_keys;  // prepared with match_rule::dn
};

struct agent_entry {
  std::string dn_key;
  std::vector<std::string> partner_ids;
};

}  // namespace

std::optional<std::size_t> customer_snapshot::search_slot(std::string_view attribute) const {
  for (std::size_t i = 0; i < search_attributes.size(); ++i)
    if (ascii_iequals(search_attributes[i], attribute)) return i;
  return std::nullopt;
}

std::vector<partner> mapping_snapshot::with_ids(const std::vector<std::string>& ids) const {
  std::vector<std::uint32_t> hits;
  for (const auto& id : ids)
    if (auto it = partners_by_id.find(prepare(id, id_rule)); it != partners_by_id.end())
      hits.insert(hits.end(), it->second.begin(), it->second.end());
  std::sort(hits.begin(), hits.end());
  hits.erase(std::unique(hits.begin(), hits.end()), hits.end());
  std::vector<partner> out;
  out.reserve(hits.size());
  for (auto i : hits)
    out.push_back(partners[i]);
  return out;
}

std::vector<partner> mapping_snapshot::with_member(std::string_view dn) const {
  std::vector<partner> out;
  if (auto it = partners_by_member.find(prepare(dn, match_rule::dn));
      it != partners_by_member.end())
    for (auto i : it->second)
      out.push_back(partners[i]);
  return out;
}

std::optional<std::vector<std::string>> mapping_snapshot::partner_ids_of(
    std::string_view dn) const {
  if (!agents_indexed) return std::nullopt;
  auto it = agent_partner_ids.find(prepare(dn, match_rule::dn));
  if (it == agent_partner_ids.end()) return std::nullopt;
  return it->second;
}

std::shared_ptr<const indexed_customer> make_indexed_customer(const config::customers_config& c,
                                                              const ldap::entry& e) {
  auto r = std::make_shared<indexed_customer>();
  // The identity fields exactly as the LDAP source reads them.
  customer_record identity;
  fill_customer_record(identity, e, c);
  r->dn = std::move(identity.dn);
  r->login = std::move(identity.login);
  r->customer_ids = std::move(identity.customer_ids);
  r->creator_dns = std::move(identity.creator_dns);
  r->values.reserve(c.fields.size());
  for (const auto& f : c.fields) {
    const auto* v = e.values(f.attribute);
    if (v && !v->empty())
      r->values.emplace_back(v->front());
    else
      r->values.emplace_back(std::nullopt);
  }
  r->search_values.resize(c.search_attributes.size());
  for (std::size_t i = 0; i < c.search_attributes.size(); ++i) {
    auto rule = rule_for(c.search_attributes[i]);
    if (const auto* v = e.values(c.search_attributes[i]))
      for (const auto& value : *v)
        r->search_values[i].push_back(prepare(value, rule));
  }
  return r;
}

std::shared_ptr<const customer_snapshot> build_customer_snapshot(
    const config::customers_config& c, std::vector<std::shared_ptr<const indexed_customer>> all) {
  auto s = std::make_shared<customer_snapshot>();
  s->search_attributes = c.search_attributes;
  for (const auto& a : c.search_attributes)
    s->search_rules.push_back(rule_for(a));
  s->login_rule = rule_for(c.login_attribute);
  std::sort(all.begin(), all.end(),
            [](const auto& a, const auto& b) { return a->login < b->login; });
  s->by_login = std::move(all);
  s->trigrams.resize(c.search_attributes.size());
  s->by_login_key.reserve(s->by_login.size());
  for (std::uint32_t i = 0; i < s->by_login.size(); ++i) {
    const auto& r = *s->by_login[i];
    s->by_login_key[prepare(r.login, s->login_rule)].push_back(i);
    for (const auto& id : r.customer_ids) {
      auto& list = s->by_customer_id[id];
      if (list.empty() || list.back() != i) list.push_back(i);
    }
    for (std::size_t slot = 0; slot < r.search_values.size(); ++slot) {
      auto& map = s->trigrams[slot];
      for (const auto& v : r.search_values[slot]) {
        for (std::size_t k = 0; k + 3 <= v.size(); ++k) {
          std::uint32_t key = (std::uint32_t(static_cast<unsigned char>(v[k])) << 16) |
                              (std::uint32_t(static_cast<unsigned char>(v[k + 1])) << 8) |
                              std::uint32_t(static_cast<unsigned char>(v[k + 2]));
          auto& list = map[key];
          if (list.empty() || list.back() != i) list.push_back(i);
        }
      }
    }
  }
  for (auto& map : s->trigrams)
    for (auto& [key, list] : map)
      list.shrink_to_fit();
  s->customer_ids.reserve(s->by_customer_id.size());
  for (const auto& [id, list] : s->by_customer_id)
    s->customer_ids.push_back(id);
  std::sort(s->customer_ids.begin(), s->customer_ids.end());
  return s;
}

// ---------------------------------------------------------------------------------------

enum class part_kind { customers, partners, agents };

struct directory_index::part {
  part_kind kind = part_kind::customers;
  std::unique_ptr<ldap::sync_watch> watch;
  std::atomic<bool> complete{false};
  std::atomic<bool> in_sync{false};
  std::atomic<std::int64_t> out_of_sync_since{0};
  // Watch thread only.
  bool refreshing = false;
  bool dirty = false;
  bool loaded = false;  // under mapping_mutex_: a refresh completed once
  std::unordered_map<std::string, std::shared_ptr<const indexed_customer>> customers;
  // Under mapping_mutex_: `live` is what the mapping snapshot is built from; a refresh
  // fills `staging` and replaces `live` only once it is complete.
  std::unordered_map<std::string, partner_entry> partners_live, partners_staging;
  std::unordered_map<std::string, agent_entry> agents_live, agents_staging;
};

directory_index::directory_index(const config::config& cfg) : cfg_(cfg) {
  const auto& c = cfg.customers;
  std::vector<std::string> customer_attrs;
  add_unique(customer_attrs, c.login_attribute);
  add_unique(customer_attrs, c.customer_id_attribute);
  for (const auto& a : customer_read_attributes(c))
    add_unique(customer_attrs, a);
  for (const auto& f : c.fields)
    add_unique(customer_attrs, f.attribute);
  for (const auto& a : c.search_attributes)
    add_unique(customer_attrs, a);

  const auto& p = cfg.partners;
  std::vector<std::string> partner_attrs;
  add_unique(partner_attrs, p.id_attribute);
  add_unique(partner_attrs, p.name_attribute);
  add_unique(partner_attrs, p.customer_ids_attribute);
  if (p.member_attribute) add_unique(partner_attrs, *p.member_attribute);

  auto make = [&](part_kind kind, std::string base, std::string filter,
                  std::vector<std::string> attrs) {
    auto pt = std::make_unique<part>();
    pt->kind = kind;
    ldap::sync_search search;
    search.base_dn = std::move(base);
    search.filter = std::move(filter);
    search.attributes = std::move(attrs);
    pt->watch = std::make_unique<ldap::sync_watch>(cfg.ldap, std::move(search),
                                                   handler_for(*pt, kind != part_kind::customers));
    parts_.push_back(std::move(pt));
    return parts_.back().get();
  };
  customers_part_ = make(part_kind::customers, c.base_dn, c.filter, customer_attrs);
  partners_part_ = make(part_kind::partners, p.base_dn, p.filter, partner_attrs);
  if (cfg.agents.partner_attribute) {
    std::vector<std::string> agent_attrs(1, *cfg.agents.partner_attribute);
    agents_part_ = make(part_kind::agents, cfg.agents.base_dn, cfg.agents.filter, agent_attrs);
  }
}

directory_index::~directory_index() {
  stop();
}

void directory_index::on_mapping_change(std::function<void()> listener) {
  mapping_listener_ = std::move(listener);
}

void directory_index::start() {
  for (auto& p : parts_)
    p->watch->start();
}

void directory_index::stop() {
  for (auto& p : parts_)
    p->watch->stop();
}

bool directory_index::usable() const {
  const std::int64_t staleness =
      std::int64_t(cfg_.customers.index_max_staleness_seconds) * 1'000'000'000;
  const std::int64_t now = now_ns();
  if (!customers_.load(std::memory_order_acquire) || !mappings_.load(std::memory_order_acquire))
    return false;
  for (const auto& p : parts_) {
    if (!p->complete.load(std::memory_order_acquire)) return false;
    if (!p->in_sync.load(std::memory_order_acquire) &&
        (staleness == 0 || now - p->out_of_sync_since.load() > staleness))
      return false;
  }
  return true;
}

bool directory_index::in_sync() const {
  return std::all_of(parts_.begin(), parts_.end(), [](const auto& p) { return p->in_sync.load(); });
}

std::shared_ptr<const customer_snapshot> directory_index::customers() const {
  return customers_.load(std::memory_order_acquire);
}

std::shared_ptr<const mapping_snapshot> directory_index::mappings() const {
  return mappings_.load(std::memory_order_acquire);
}

void directory_index::publish_customers() {
  auto t0 = std::chrono::steady_clock::now();
  std::vector<std::shared_ptr<const indexed_customer>> all;
  all.reserve(customers_part_->customers.size());
  for (const auto& [uuid, r] : customers_part_->customers)
    all.push_back(r);
  customers_.store(build_customer_snapshot(cfg_.customers, std::move(all)),
                   std::memory_order_release);
  ++stats_.customer_rebuilds;
  stats_.last_customer_rebuild_us = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0)
          .count());
}

// Caller holds mapping_mutex_.
void directory_index::publish_mapping() {
  auto s = std::make_shared<mapping_snapshot>();
  s->id_rule = rule_for(cfg_.partners.id_attribute);
  s->partners.reserve(partners_part_->partners_live.size());
  for (const auto& [uuid, pe] : partners_part_->partners_live) {
    auto i = static_cast<std::uint32_t>(s->partners.size());
    s->partners.push_back(pe.value);
    s->partners_by_id[prepare(pe.value.id, s->id_rule)].push_back(i);
    for (const auto& m : pe.member_keys) {
      auto& list = s->partners_by_member[m];
      if (list.empty() || list.back() != i) list.push_back(i);
    }
  }
  if (agents_part_) {
    s->agents_indexed = true;
    for (const auto& [uuid, a] : agents_part_->agents_live)
      s->agent_partner_ids[a.dn_key] = a.partner_ids;
  }
  mappings_.store(std::move(s), std::memory_order_release);
  ++stats_.mapping_rebuilds;
}

ldap::sync_handler directory_index::handler_for(part& pt, bool mapping) {
  ldap::sync_handler h;
  part* p = &pt;
  h.refresh_started = [this, p] {
    p->refreshing = true;
    p->dirty = false;
    if (p->kind == part_kind::customers) {
      p->customers.clear();  // published snapshots keep their records alive
    } else {
      std::lock_guard lock(mapping_mutex_);
      p->partners_staging.clear();
      p->agents_staging.clear();
    }
  };
  h.changed = [this, p](ldap::sync_change c) {
    const bool remove = c.what == ldap::sync_change::kind::remove;
    if (!p->refreshing) p->dirty = true;
    switch (p->kind) {
      case part_kind::customers:
        if (remove)
          p->customers.erase(c.uuid);
        else
          p->customers[c.uuid] = make_indexed_customer(cfg_.customers, c.value);
        return;
      case part_kind::partners: {
        std::lock_guard lock(mapping_mutex_);
        auto& target = p->refreshing ? p->partners_staging : p->partners_live;
        if (remove) {
          target.erase(c.uuid);
          return;
        }
        const auto& pc = cfg_.partners;
        partner_entry pe;
        pe.value.dn = c.value.dn;
        pe.value.id = std::string(c.value.first(pc.id_attribute));
        pe.value.name = std::string(c.value.first(pc.name_attribute));
        if (const auto* v = c.value.values(pc.customer_ids_attribute)) pe.value.customer_ids = *v;
        if (pc.member_attribute)
          if (const auto* v = c.value.values(*pc.member_attribute))
            for (const auto& m : *v)
              pe.member_keys.push_back(prepare(m, match_rule::dn));
        target[c.uuid] = std::move(pe);
        return;
      }
      case part_kind::agents: {
        std::lock_guard lock(mapping_mutex_);
        auto& target = p->refreshing ? p->agents_staging : p->agents_live;
        if (remove) {
          target.erase(c.uuid);
          return;
        }
        agent_entry a;
        a.dn_key = prepare(c.value.dn, match_rule::dn);
        if (const auto* v = c.value.values(*cfg_.agents.partner_attribute)) a.partner_ids = *v;
        target[c.uuid] = std::move(a);
        return;
      }
    }
  };
  auto publish = [this, mapping] {
    if (mapping) {
      bool ready = false;
      {
        std::lock_guard lock(mapping_mutex_);
        ready = partners_part_->loaded && (!agents_part_ || agents_part_->loaded);
        if (ready) publish_mapping();
      }
      if (ready && mapping_listener_) mapping_listener_();
    } else {
      publish_customers();
    }
  };
  h.refresh_done = [this, p, mapping, publish] {
    p->refreshing = false;
    p->dirty = false;
    if (mapping) {
      bool ready = false;
      {
        std::lock_guard lock(mapping_mutex_);
        p->partners_live = std::move(p->partners_staging);
        p->agents_live = std::move(p->agents_staging);
        p->partners_staging.clear();
        p->agents_staging.clear();
        p->loaded = true;
        // The mapping snapshot needs every mapping part loaded once.
        ready = partners_part_->loaded && (!agents_part_ || agents_part_->loaded);
        if (ready) publish_mapping();
      }
      if (ready && mapping_listener_) mapping_listener_();
    } else {
      publish();
    }
    p->complete.store(true, std::memory_order_release);
    p->in_sync.store(true, std::memory_order_release);
    spdlog::info("directory index: {} in sync", p->kind == part_kind::customers  ? "customers"
                                                : p->kind == part_kind::partners ? "partners"
                                                                                 : "agents");
  };
  h.batch_done = [p, publish] {
    if (!p->dirty || p->refreshing) return;
    p->dirty = false;
    publish();
  };
  h.broken = [p](const std::string& why) {
    if (p->in_sync.load()) {
      p->out_of_sync_since.store(now_ns());
      p->in_sync.store(false, std::memory_order_release);
      spdlog::warn("directory index: sync broken: {}", why);
    } else if (!p->complete.load()) {
      p->out_of_sync_since.store(now_ns());
    }
  };
  return h;
}

}  // namespace scopegate::mapping
