#include "policy/reveal_flow.hpp"

namespace scopegate::policy {

std::string_view to_string(reveal_verdict v) {
  switch (v) {
    case reveal_verdict::look_up:
      return "look_up";
    case reveal_verdict::ask_ledger:
      return "ask_ledger";
    case reveal_verdict::contact_blocked:
      return "contact_blocked";
    case reveal_verdict::not_found:
      return "not_found";
    case reveal_verdict::not_counted_unmasked:
      return "not_counted_unmasked";
    case reveal_verdict::revealed:
      return "revealed";
    case reveal_verdict::repeat:
      return "repeat";
    case reveal_verdict::limit_reached:
      return "limit_reached";
    case reveal_verdict::ledger_unavailable:
      return "ledger_unavailable";
  }
  return "ledger_unavailable";
}

ledger_answer ledger_answer_of(const ledger_result<reveal_outcome>& r) {
  ledger_answer a;
  if (!r) return a;
  a.available = true;
  a.status = r->status;
  a.repeat = r->repeat;
  a.limit = r->today.limit;
  a.retry_after = r->retry_after;
  a.alert = r->alert.has_value();
  return a;
}

reveal_decision decide_reveal(const reveal_facts& f) {
  reveal_decision d;
  auto refuse = [&](reveal_verdict v, int status, std::string_view type, std::string detail) {
    d.verdict = v;
    d.http_status = status;
    d.problem_type = type;
    d.detail = std::move(detail);
    return d;
  };
  if (f.view == contact_view::blocked)
    return refuse(reveal_verdict::contact_blocked, 403, "contact-blocked",
                  "this agent may not see customer contact details");
  if (!f.found) {
    d.verdict = reveal_verdict::look_up;
    return d;
  }
  if (!*f.found)
    return refuse(reveal_verdict::not_found, 404, "customer-not-found", "no such customer");
  if (f.view == contact_view::unmasked) {
    // Nothing is hidden from this agent: nothing to count.
    d.verdict = reveal_verdict::not_counted_unmasked;
    d.http_status = 200;
    return d;
  }
  if (!f.ledger) {
    d.verdict = reveal_verdict::ask_ledger;
    return d;
  }
  const auto& l = *f.ledger;
  if (!l.available)
    return refuse(reveal_verdict::ledger_unavailable, 503, "ledger-unavailable",
                  "reveals cannot be recorded right now; try again shortly");
  // The reveal that reaches the limit is allowed and carries the alert; a refused one never
  // does, but the alert goes out whatever the verdict when the ledger hands one over.
  d.send_alert = l.alert && f.alerts_configured;
  if (l.status == reveal_status::limit_reached) {
    d.limit = l.limit;
    d.retry_after = l.retry_after;
    d.zone = f.zone;
    auto detail = "the daily limit of " + std::to_string(l.limit) +
                  " revealed customers is reached; it resets at midnight (" + f.zone + ")";
    return refuse(reveal_verdict::limit_reached, 429, "reveal-limit-reached", std::move(detail));
  }
  d.verdict = l.repeat ? reveal_verdict::repeat : reveal_verdict::revealed;
  d.counted = !l.repeat;
  d.http_status = 200;
  return d;
}

}  // namespace scopegate::policy
