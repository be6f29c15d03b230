// "May this agent do this with this customer record, and why?" (DESIGN.md section 1) as
// pure functions: facts in, verdict and reasons out. The HTTP handlers (enforcement) and
// /admin/api/v1/explain (explanation) call the same functions, so they cannot disagree.
//
//   policy::agent_facts agent{.scope = scope, .access = access, .contact = contact};
//   auto open = policy::decide_section_access(agent, policy::record_action::reveal);
//   if (!open.allowed()) return render(open);                // 403 before any lookup
//   auto found = co_await customers.find(login, scope);      // scoped lookup
//   if (!found) return unavailable();
//   auto v = policy::decide_record_access(agent, policy::customer_facts_of(*found),
//                                         policy::record_action::reveal);
//   // v.outcome: allow | not_found (404) | forbidden (403, v.reason) | error (503)
//
// The checks run in the order the HTTP API applies them: scope not resolved (error);
// agent unassigned (403); access mode hidden (403); the action's own gate: edit/delete need
// an editing mode, export and import their modes, reveal an agent whose contact details are
// not blocked (403); then the customer: lookup failed (error), missing (404), outside the
// partner scope or, for creator-only agents, not created/owned by the agent (404: an
// out-of-scope record is indistinguishable from a missing one, never 403).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mapping/access_scope.hpp"
#include "mapping/customer_source.hpp"
#include "mapping/mapping_store.hpp"
#include "policy/access_mode.hpp"
#include "policy/masking.hpp"

namespace scopegate::policy {

enum class record_action { view, edit, delete_, reveal, export_, import };
[[nodiscard]] std::string_view to_string(record_action action);

// What the agent brings: its resolved scope, access mode and contact view.
struct agent_facts {
  mapping::scope_ptr scope;  // null: the scope could not be resolved (verdict error)
  access_decision access;
  contact_access contact;
};

// What is known of the customer the action names.
enum class customer_presence {
  found,    // an entry with this login exists (or the scoped lookup returned it)
  missing,  // no such entry (or the scoped lookup did not return it)
  unknown,  // the lookup failed: the verdict is error, never allow
};

struct customer_facts {
  customer_presence presence = customer_presence::unknown;
  std::vector<std::string> customer_ids;  // every customer-ID value (any order)
  std::vector<std::string> creator_dns;   // creatorsName and customers.owner_attribute values
};

// Facts from a lookup: the record's IDs and creators when found, missing otherwise.
[[nodiscard]] customer_facts customer_facts_of(
    const std::optional<mapping::customer_record>& found);

enum class verdict { allow, not_found, forbidden, error };
[[nodiscard]] std::string_view to_string(verdict v);

// Why a verdict is forbidden (403). HTTP problem types: unassigned -> "agent-unassigned",
// section_hidden -> "section-hidden", mode_forbids_* -> "mode-forbids", contact_blocked ->
// "contact-blocked".
enum class refusal {
  none,
  unassigned,           // no partner while partners exist, scope.unassigned_agents: deny
  section_hidden,       // access mode hidden: every customer endpoint is refused
  mode_forbids_edit,    // edit/delete (and create) need full, edit, edit_import, edit_export
  mode_forbids_export,  // export needs full or edit_export
  mode_forbids_import,  // import needs full or edit_import
  contact_blocked,      // contact information blocked for this agent: no reveal
};
[[nodiscard]] std::string_view to_string(refusal r);

struct record_verdict {
  verdict outcome = verdict::error;
  refusal reason = refusal::none;  // set exactly when outcome == forbidden
  // For humans and logs, in the order the rules were applied: the deciding rule last.
  std::vector<std::string> reasons;

  [[nodiscard]] bool allowed() const { return outcome == verdict::allow; }
};

// The checks that do not depend on any customer: may the agent use the customer endpoints
// for `action` at all? (view: search, get, customer IDs; the collection endpoints of
// export and import; the gate of edit/delete/create and reveal before their lookup.)
// allow or forbidden or error.
[[nodiscard]] record_verdict decide_section_access(const agent_facts& agent, record_action action);

// The whole decision for one customer: decide_section_access, then the customer's
// presence, partner scope (any of its customer IDs granted; a customer without ID only for
// a scope of kind all) and creator restriction. Out of scope -> not_found.
[[nodiscard]] record_verdict decide_record_access(const agent_facts& agent,
                                                  const customer_facts& customer,
                                                  record_action action);

// One partner granting one of the customer's IDs.
struct grant {
  std::string partner_id;
  std::string partner_name;
  std::string customer_id;
};

// decide_record_access's verdict with the structure an explanation shows.
struct explanation {
  record_verdict verdict;
  record_action action = record_action::view;
  mapping::scope_rule rule = mapping::scope_rule::unassigned_denied;
  mapping::scope_kind kind = mapping::scope_kind::none;
  std::string rule_text;                           // mapping::explain_rule
  std::vector<std::string> customer_ids;           // the customer's, sorted, unique
  std::vector<std::string> matching_customer_ids;  // those the scope grants
  std::vector<grant> granting;              // which of the agent's existing partners grant which ID
  std::optional<std::string> creator_note;  // set for a creator-restricted scope
  std::string mode_note;                    // the access mode and where it comes from
  std::string contact_note;                 // the contact view and why
};

// Explains decide_record_access(agent, customer, action) (whose verdict it carries
// unchanged). `partners` (e.g. mapping_store::list_partners) names the granting partners;
// partners the agent does not have are ignored.
[[nodiscard]] explanation explain_record_access(
    const agent_facts& agent, const customer_facts& customer, record_action action,
    const std::vector<mapping::partner_record>& partners = {});

}  // namespace scopegate::policy
