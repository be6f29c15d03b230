#include "policy/record_access.hpp"

#include <algorithm>

namespace scopegate::policy {
namespace {

using mapping::scope_kind;

std::vector<std::string> sorted_unique(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) {
    if (!out.empty()) out += ", ";
    out += s;
  }
  return out;
}

record_verdict forbid(record_verdict v, refusal why, std::string text) {
  v.outcome = verdict::forbidden;
  v.reason = why;
  v.reasons.push_back(std::move(text));
  return v;
}

std::string mode_text(const access_decision& a) {
  return "access mode '" + std::string(config::to_string(a.mode)) + "' (" + a.source + ")";
}

}  // namespace

std::string_view to_string(record_action action) {
  switch (action) {
    case record_action::view:
      return "view";
    case record_action::edit:
      return "edit";
    case record_action::delete_:
      return "delete";
    case record_action::reveal:
      return "reveal";
    case record_action::export_:
      return "export";
    case record_action::import:
      return "import";
  }
  return "view";
}

std::string_view to_string(verdict v) {
  switch (v) {
    case verdict::allow:
      return "allow";
    case verdict::not_found:
      return "not_found";
    case verdict::forbidden:
      return "forbidden";
    case verdict::error:
      return "error";
  }
  return "error";
}

std::string_view to_string(refusal r) {
  switch (r) {
    case refusal::none:
      return "none";
    case refusal::unassigned:
      return "unassigned";
    case refusal::section_hidden:
      return "section_hidden";
    case refusal::mode_forbids_edit:
      return "mode_forbids_edit";
    case refusal::mode_forbids_export:
      return "mode_forbids_export";
    case refusal::mode_forbids_import:
      return "mode_forbids_import";
    case refusal::contact_blocked:
      return "contact_blocked";
  }
  return "none";
}

customer_facts customer_facts_of(const std::optional<mapping::customer_record>& found) {
  customer_facts out;
  if (!found) {
    out.presence = customer_presence::missing;
    return out;
  }
  out.presence = customer_presence::found;
  out.customer_ids = found->customer_ids;
  out.creator_dns = found->creator_dns;
  return out;
}

record_verdict decide_section_access(const agent_facts& agent, record_action action) {
  record_verdict v;
  if (!agent.scope) {
    v.outcome = verdict::error;
    v.reasons.emplace_back("the agent's scope could not be resolved: refused (fail closed)");
    return v;
  }
  const auto& scope = *agent.scope;
  if (scope.denied())
    return forbid(std::move(v), refusal::unassigned, mapping::explain_rule(scope));
  v.reasons.push_back(mapping::explain(scope));
  const auto mode = agent.access.mode;
  if (!can_view(mode))
    return forbid(std::move(v), refusal::section_hidden,
                  "the customer section is hidden for this agent: " + mode_text(agent.access));
  switch (action) {
    case record_action::view:
      break;
    case record_action::edit:
    case record_action::delete_:
      if (!can_edit(mode))
        return forbid(
            std::move(v), refusal::mode_forbids_edit,
            std::string(to_string(action)) + " is not allowed in " + mode_text(agent.access));
      break;
    case record_action::export_:
      if (!can_export(mode))
        return forbid(std::move(v), refusal::mode_forbids_export,
                      "export is not allowed in " + mode_text(agent.access));
      break;
    case record_action::import:
      if (!can_import(mode))
        return forbid(std::move(v), refusal::mode_forbids_import,
                      "import is not allowed in " + mode_text(agent.access));
      break;
    case record_action::reveal:
      if (agent.contact.view == contact_view::blocked)
        return forbid(std::move(v), refusal::contact_blocked,
                      "contact details are blocked for this agent: " + agent.contact.reason);
      break;
  }
  v.outcome = verdict::allow;
  if (action == record_action::reveal)
    v.reasons.push_back("contact details may be revealed: " + agent.contact.reason);
  else
    v.reasons.push_back(std::string(to_string(action)) + " is allowed in " +
                        mode_text(agent.access));
  return v;
}

record_verdict decide_record_access(const agent_facts& agent, const customer_facts& customer,
                                    record_action action) {
  auto v = decide_section_access(agent, action);
  if (!v.allowed()) return v;
  const auto& scope = *agent.scope;
  switch (customer.presence) {
    case customer_presence::unknown:
      v.outcome = verdict::error;
      v.reasons.emplace_back("the customer lookup failed: refused (fail closed)");
      return v;
    case customer_presence::missing:
      v.outcome = verdict::not_found;
      v.reasons.emplace_back("no such customer within the agent's scope");
      return v;
    case customer_presence::found:
      break;
  }
  if (!scope.allows_any(customer.customer_ids)) {
    v.outcome = verdict::not_found;
    if (customer.customer_ids.empty())
      v.reasons.emplace_back(
          "the customer has no customer ID: only agents who see every customer see it");
    else
      v.reasons.push_back("none of the customer's IDs (" +
                          joined(sorted_unique(customer.customer_ids)) +
                          ") is granted to the agent: out of scope looks missing");
    return v;
  }
  if (!scope.allows_creator(customer.creator_dns)) {
    v.outcome = verdict::not_found;
    v.reasons.emplace_back(
        "the agent sees only customers it created (creator-only group), and it did not "
        "create or own this one: out of scope looks missing");
    return v;
  }
  if (scope.kind == scope_kind::some) {
    std::vector<std::string> granted;
    for (const auto& id : sorted_unique(customer.customer_ids))
      if (scope.allows(id)) granted.push_back(id);
    v.reasons.push_back("customer ID(s) granted by the agent's partners: " + joined(granted));
  }
  if (scope.creator_dn)
    v.reasons.emplace_back("the agent created or owns this customer (creator-only group)");
  if (action == record_action::reveal && agent.contact.view == contact_view::unmasked)
    v.reasons.push_back("contact fields are not masked for this agent (" + agent.contact.reason +
                        "): the reveal is not counted");
  v.outcome = verdict::allow;
  return v;
}

explanation explain_record_access(const agent_facts& agent, const customer_facts& customer,
                                  record_action action,
                                  const std::vector<mapping::partner_record>& partners) {
  explanation out;
  out.verdict = decide_record_access(agent, customer, action);
  out.action = action;
  out.customer_ids = sorted_unique(customer.customer_ids);
  out.mode_note = mode_text(agent.access);
  out.contact_note =
      "contact fields " + std::string(to_string(agent.contact.view)) + ": " + agent.contact.reason;
  if (!agent.scope) return out;
  const auto& scope = *agent.scope;
  out.rule = scope.rule;
  out.kind = scope.kind;
  out.rule_text = mapping::explain_rule(scope);
  if (scope.creator_dn)
    out.creator_note =
        "limited to customers created or owned by " + *scope.creator_dn +
        (scope.allows_creator(customer.creator_dns) ? " (this one is)" : " (this one is not)");
  for (const auto& id : out.customer_ids)
    if (scope.allows(id)) out.matching_customer_ids.push_back(id);
  if (scope.kind != scope_kind::some) return out;
  for (const auto& p : partners) {
    if (!std::binary_search(scope.known_partner_ids.begin(), scope.known_partner_ids.end(), p.id))
      continue;
    for (const auto& id : out.matching_customer_ids)
      if (std::find(p.customer_ids.begin(), p.customer_ids.end(), id) != p.customer_ids.end())
        out.granting.push_back({p.id, p.name, id});
  }
  return out;
}

}  // namespace scopegate::policy
