#include "mapping/mapping_preview.hpp"

#include <algorithm>
#include <iterator>

#include "ldap/dn.hpp"

namespace scopegate::mapping {

namespace {

bool lists_member(const partner_record& p, const std::string& dn) {
  return std::any_of(p.member_dns.begin(), p.member_dns.end(),
                     [&](const std::string& m) { return ldap::same_dn(m, dn); });
}

void sort_unique(std::vector<std::string>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

}  // namespace

std::vector<std::string> partner_ids_of(const agent_record& agent,
                                        const std::vector<partner_record>& partners) {
  std::vector<std::string> ids = agent.partner_ids;
  for (const auto& p : partners)
    if (lists_member(p, agent.dn)) ids.push_back(p.id);
  sort_unique(ids);
  return ids;
}

std::vector<std::string> customer_ids_of(const agent_record& agent,
                                         const std::vector<partner_record>& partners) {
  std::vector<std::string> out;
  auto ids = partner_ids_of(agent, partners);
  for (const auto& p : partners)
    if (std::binary_search(ids.begin(), ids.end(), p.id))
      out.insert(out.end(), p.customer_ids.begin(), p.customer_ids.end());
  sort_unique(out);
  return out;
}

std::vector<agent_effect> preview(std::vector<partner_record> partners,
                                  std::vector<agent_record> agents,
                                  const std::vector<proposed_change>& changes) {
  std::vector<std::vector<std::string>> before;
  before.reserve(agents.size());
  for (const auto& a : agents)
    before.push_back(customer_ids_of(a, partners));

  for (const auto& c : changes) {
    auto it = std::find_if(partners.begin(), partners.end(),
                           [&](const partner_record& p) { return p.id == c.partner_id; });
    if (!c.agent_login.empty()) {
      for (auto& a : agents) {
        if (a.login != c.agent_login) continue;
        if (c.linked) {
          a.partner_ids.push_back(c.partner_id);
          sort_unique(a.partner_ids);
        } else {
          std::erase(a.partner_ids, c.partner_id);
          if (it != partners.end()) {
            std::erase_if(it->member_dns,
                          [&](const std::string& m) { return ldap::same_dn(m, a.dn); });
          }
        }
      }
      continue;
    }
    if (c.create_partner && it == partners.end()) {
      partner_record p;
      p.id = c.partner_id;
      partners.push_back(std::move(p));
      it = std::prev(partners.end());
    }
    if (it == partners.end()) continue;
    if (c.delete_partner) {
      partners.erase(it);
      continue;
    }
    auto& ids = it->customer_ids;
    for (const auto& r : c.remove)
      std::erase(ids, r);
    ids.insert(ids.end(), c.add.begin(), c.add.end());
    sort_unique(ids);
  }

  std::vector<agent_effect> out;
  for (std::size_t i = 0; i < agents.size(); ++i) {
    auto after = customer_ids_of(agents[i], partners);
    agent_effect e{.login = agents[i].login, .name = agents[i].name, .gains = {}, .loses = {}};
    std::set_difference(after.begin(), after.end(), before[i].begin(), before[i].end(),
                        std::back_inserter(e.gains));
    std::set_difference(before[i].begin(), before[i].end(), after.begin(), after.end(),
                        std::back_inserter(e.loses));
    if (!e.gains.empty() || !e.loses.empty()) out.push_back(std::move(e));
  }
  std::sort(out.begin(), out.end(),
            [](const agent_effect& a, const agent_effect& b) { return a.login < b.login; });
  return out;
}

}  // namespace scopegate::mapping
