// "Show details" as one pure decision: from what the request established (the agent's
// contact view, whether the customer was found in scope, the reveal ledger's answer) to
// the outcome the API reports, and whether the limit alert mail goes out.
//
// The decision is asked step by step, because the lookup and the ledger call are I/O:
//
//   policy::reveal_facts f{.view = ctx.contact.view, .alerts_configured = mailer != nullptr,
//                          .zone = ledger.zone().name()};
//   auto d = policy::decide_reveal(f);                   // contact_blocked or look_up
//   if (d.verdict == reveal_verdict::look_up) { f.found = ...; d = decide_reveal(f); }
//   if (d.verdict == reveal_verdict::ask_ledger) {
//     auto r = co_await ledger.reveal(...);  f.ledger = policy::ledger_answer_of(r);
//     d = decide_reveal(f);
//   }
//   if (d.send_alert) mailer->send(std::move(*r->alert));
//   render(d);   // d.http_status, d.problem_type, d.retry_after ...
//
// Order matters: a blocked agent is refused before the lookup, so it learns nothing about
// whether the customer exists; an out-of-scope customer is "not found" before anything is
// counted; an agent who sees contacts unmasked anyway is not counted.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "policy/masking.hpp"
#include "policy/reveal_ledger.hpp"

namespace scopegate::policy {

enum class reveal_verdict {
  look_up,               // next: find the customer within the agent's scope
  ask_ledger,            // next: record the reveal in the ledger
  contact_blocked,       // 403: this agent may never see contact details
  not_found,             // 404: no such customer in the agent's scope
  not_counted_unmasked,  // 200: the agent sees contacts anyway; nothing is counted
  revealed,              // 200: counted against today's limit
  repeat,                // 200: already revealed today; not counted again
  limit_reached,         // 429: refused until the local day ends
  ledger_unavailable,    // 503: the reveal cannot be recorded, so it is not made
};
[[nodiscard]] std::string_view to_string(reveal_verdict v);

// The ledger's answer, reduced to what the decision needs.
struct ledger_answer {
  bool available = false;  // false: the ledger failed
  reveal_status status = reveal_status::limit_reached;
  bool repeat = false;
  int limit = 0;
  std::chrono::seconds retry_after{0};
  bool alert = false;  // this reveal made the agent reach the limit
};
[[nodiscard]] ledger_answer ledger_answer_of(const ledger_result<reveal_outcome>& r);

struct reveal_facts {
  contact_view view = contact_view::blocked;
  std::optional<bool> found;            // nullopt: not looked up yet
  std::optional<ledger_answer> ledger;  // nullopt: not asked yet
  bool alerts_configured = false;       // a mailer for limit alerts exists
  std::string zone;                     // the ledger's time zone, for the 429 text
};

struct reveal_decision {
  reveal_verdict verdict = reveal_verdict::contact_blocked;
  bool send_alert = false;  // send the ledger's limit alert (independent of the verdict)
  bool counted = false;     // the reveal counted against today's limit
  int limit = 0;            // limit_reached: the limit in force
  std::chrono::seconds retry_after{0};  // limit_reached: until the local day ends
  std::string zone;                     // limit_reached
  int http_status = 0;                  // 0 while a step (look_up, ask_ledger) is pending
  std::string_view problem_type;        // for refusals: the problem+json type
  std::string detail;                   // for refusals: the problem+json detail
};

[[nodiscard]] reveal_decision decide_reveal(const reveal_facts& facts);

}  // namespace scopegate::policy
