#include "mapping/revert_plan.hpp"

#include <algorithm>
#include <iterator>

namespace scopegate::mapping {

namespace {

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

std::vector<std::string> difference(const std::vector<std::string>& a,
                                    const std::vector<std::string>& b) {
  std::vector<std::string> out;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

std::string list_summary(const std::vector<std::string>& v) {
  std::string out;
  for (std::size_t i = 0; i < v.size() && i < 5; ++i)
    out += (i ? ", " : "") + v[i];
  if (v.size() > 5) out += " and " + std::to_string(v.size() - 5) + " more";
  return out;
}

std::string lower(std::string s) {
  for (auto& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

revert_plan refuse(revert_refusal_kind kind, std::string detail) {
  revert_plan p;
  p.refusal = revert_refusal{kind, std::move(detail), 0};
  return p;
}

revert_plan unreadable() {
  return refuse(revert_refusal_kind::not_revertible,
                "the recorded state of this change cannot be read; it cannot be reverted");
}

// What differs between the partner as the change left it and as it is now; empty: nothing.
std::string partner_differences(const partner_state& then, const partner_state& now) {
  std::vector<std::string> parts;
  if (then.name != now.name) parts.push_back("its name is now \"" + now.name + "\"");
  auto was = sorted(then.customer_ids), is = sorted(now.customer_ids);
  auto added = difference(is, was), removed = difference(was, is);
  if (!added.empty()) parts.push_back("customer IDs added since: " + list_summary(added));
  if (!removed.empty()) parts.push_back("customer IDs removed since: " + list_summary(removed));
  auto members_then = sorted(then.member_dns), members_now = sorted(now.member_dns);
  if (members_then != members_now) parts.push_back("its agent members changed");
  // The entry's version changes with every write, also ones the dashboard does not show.
  if (parts.empty() && then.version != now.version) parts.push_back("its entry was written since");
  std::string out;
  for (const auto& p : parts)
    out += (out.empty() ? "" : "; ") + p;
  return out;
}

revert_plan stale_partner(const std::string& id, const std::string& what) {
  return refuse(revert_refusal_kind::stale,
                "partner " + id + " changed after this entry (" + what +
                    "); revert the later changes first or edit the partner directly (nothing was "
                    "changed)");
}

std::string prefix(std::int64_t id) {
  return "reverted #" + std::to_string(id) + ": ";
}

std::string mode_text(const std::optional<std::string>& v) {
  return v ? *v : std::string("inherited");
}

std::string limit_text(const std::optional<int>& v) {
  return v ? std::to_string(*v) : std::string("none");
}

// The partner kinds: the current partner must be as the change left it.
revert_plan plan_partner(const history_entry_view& e, const current_state& now) {
  const std::string& pid = e.partner_id;
  revert_plan plan;
  if (e.action == change_action::partner_delete) {
    auto before = parse_partner_state(e.before_json);
    if (!before) return unreadable();
    if (now.partner)
      return refuse(revert_refusal_kind::stale,
                    "a partner with ID " + pid + " exists again; it was not recreated");
    plan.steps.push_back(
        create_partner_step{pid, before->name, before->customer_ids, before->member_dns});
    plan.record = {std::string(change_action::partner_create), pid,
                   prefix(e.id) + "recreated partner " + pid, "null", ""};
    plan.after_from_result = true;
    return plan;
  }
  auto after = parse_partner_state(e.after_json);
  // Without the version the change left, a write could not be checked for later changes.
  if (!after || after->version.empty()) return unreadable();
  if (!now.partner)
    return refuse(revert_refusal_kind::gone, "partner " + pid + " no longer exists");
  if (auto what = partner_differences(*after, *now.partner); !what.empty())
    return stale_partner(pid, what);

  if (e.action == change_action::partner_create) {
    plan.steps.push_back(delete_partner_step{pid, after->version});
    plan.record = {std::string(change_action::partner_delete), pid,
                   prefix(e.id) + "deleted partner " + pid, to_json(*now.partner), "null"};
    return plan;
  }
  auto before = parse_partner_state(e.before_json);
  if (!before) return unreadable();
  if (e.action == change_action::partner_rename) {
    plan.steps.push_back(rename_partner_step{pid, before->name, after->version});
    plan.record = {std::string(change_action::partner_rename), pid,
                   prefix(e.id) + "renamed " + pid + " back to \"" + before->name + "\"",
                   e.after_json, ""};
    plan.after_from_result = true;
    return plan;
  }
  // partner.customer_ids
  auto was = sorted(before->customer_ids), is = sorted(after->customer_ids);
  auto re_add = difference(was, is), re_remove = difference(is, was);
  plan.record = {std::string(change_action::partner_customer_ids), pid,
                 prefix(e.id) + customer_ids_change_summary(pid, re_add, re_remove), e.after_json,
                 ""};
  plan.steps.push_back(
      change_customer_ids_step{pid, std::move(re_add), std::move(re_remove), after->version});
  plan.after_from_result = true;
  return plan;
}

revert_plan plan_link(const history_entry_view& e, const current_state& now) {
  auto after = parse_link_state(e.after_json);
  if (!after) return unreadable();
  std::optional<link_mode> mode;
  // Entries without a mode were written in the default mode of their time.
  if (after->mode.empty())
    mode = now.link_modes.agent_attribute ? link_mode::agent_attribute : link_mode::partner_member;
  else if (after->mode == "agent_attribute" && now.link_modes.agent_attribute)
    mode = link_mode::agent_attribute;
  else if (after->mode == "partner_member" && now.link_modes.partner_member)
    mode = link_mode::partner_member;
  if (!mode)
    return refuse(revert_refusal_kind::not_revertible, "this link mode is no longer configured");
  bool relink = e.action == change_action::agent_unlink;
  const std::string& pid = e.partner_id;
  if (now.agent_linked && *now.agent_linked == relink)
    return refuse(revert_refusal_kind::stale,
                  "agent " + after->agent +
                      (relink ? " is linked to " : " is no longer linked to ") + pid +
                      " already (nothing was changed)");
  revert_plan plan;
  plan.steps.push_back(link_agent_step{after->agent, pid, relink, *mode});
  plan.record = {
      relink ? std::string(change_action::agent_link) : std::string(change_action::agent_unlink),
      pid,
      prefix(e.id) + (relink ? "assigned agent " : "removed agent ") + after->agent +
          (relink ? " to " : " from ") + pid,
      e.after_json, e.before_json};
  return plan;
}

revert_plan plan_mode(const history_entry_view& e, const current_state& now) {
  auto before = parse_agent_mode_state(e.before_json);
  if (!before) return unreadable();
  if (!now.agent_mode) return refuse(revert_refusal_kind::gone, "no such agent");
  const auto& current = now.agent_mode->attribute_value;
  if (auto after = parse_agent_mode_state(e.after_json); after && after->attribute_value != current)
    return refuse(revert_refusal_kind::stale,
                  "the access mode of agent " + before->agent + " is now " + mode_text(current) +
                      ", not " + mode_text(after->attribute_value) +
                      "; revert the later change first (nothing was changed)");
  revert_plan plan;
  plan.steps.push_back(
      set_agent_mode_step{before->agent, before->attribute_value, current.has_value()});
  plan.record = {std::string(change_action::agent_mode), "",
                 prefix(e.id) + "access mode of agent " + before->agent + " → " +
                     mode_text(before->attribute_value),
                 to_json(agent_mode_state{before->agent, current}), e.before_json};
  return plan;
}

revert_plan plan_fieldworkers(const history_entry_view& e, const current_state& now) {
  auto before = parse_fieldworkers_state(e.before_json);
  if (!before) return unreadable();
  auto onoff = [](bool b) { return std::string(b ? "on" : "off"); };
  if (auto after = parse_fieldworkers_state(e.after_json);
      after && after->see_all != now.fieldworkers_see_all)
    return refuse(revert_refusal_kind::stale,
                  "fieldworkers see all customers is " + onoff(now.fieldworkers_see_all) +
                      " now; revert the later change first (nothing was changed)");
  revert_plan plan;
  plan.steps.push_back(set_fieldworkers_step{before->see_all});
  plan.record = {std::string(change_action::settings_fieldworkers), "",
                 prefix(e.id) + "fieldworkers see all customers → " + onoff(before->see_all),
                 to_json(fieldworkers_state{now.fieldworkers_see_all}), e.before_json};
  return plan;
}

revert_plan plan_group_modes(const history_entry_view& e, const current_state& now) {
  std::string error;
  auto modes = parse_group_modes_json(e.before_json, error);
  if (!modes || !now.group_modes)
    return refuse(revert_refusal_kind::not_revertible,
                  "the earlier group defaults cannot be restored");
  if (auto after = parse_group_modes_json(e.after_json, error);
      after && !same_group_modes(*after, *now.group_modes))
    return refuse(revert_refusal_kind::stale,
                  "the access-mode group defaults changed after this entry; revert the later "
                  "change first (nothing was changed)");
  revert_plan plan;
  plan.record = {std::string(change_action::settings_group_modes), "",
                 prefix(e.id) +
                     "access-mode group defaults: " + std::to_string(now.group_modes->size()) +
                     " → " + std::to_string(modes->size()) + " group(s)",
                 group_modes_to_json(*now.group_modes), group_modes_to_json(*modes)};
  plan.steps.push_back(set_group_modes_step{std::move(*modes)});
  return plan;
}

revert_plan plan_reveal_limit(const history_entry_view& e, const current_state& now) {
  auto before = parse_reveal_limit_state(e.before_json);
  auto after = parse_reveal_limit_state(e.after_json);
  if (!before || !after || before->agent != after->agent || after->agent.empty() ||
      before->today_only != after->today_only)
    return unreadable();
  bool today_only = after->today_only;
  if (today_only) {
    auto day = after->day ? after->day : before->day;
    if (day != now.today)
      return refuse(
          revert_refusal_kind::not_revertible,
          "this today-only limit was for " + day.value_or("another day") + " and has lapsed");
  }
  const auto& current = now.reveal_limit;
  if (current.limit != after->limit)
    return refuse(revert_refusal_kind::stale,
                  "the " + std::string(today_only ? "today-only" : "permanent") +
                      " reveal limit of agent " + after->agent + " is now " +
                      limit_text(current.limit) + ", not " + limit_text(after->limit) +
                      "; revert the later change first (nothing was changed)");
  revert_plan plan;
  reveal_limit_state was{after->agent, today_only, current.limit,
                         current.limit && today_only ? std::optional(now.today) : std::nullopt};
  reveal_limit_state restored{
      after->agent, today_only, before->limit,
      before->limit && today_only ? std::optional(now.today) : std::nullopt};
  if (before->limit)
    plan.steps.push_back(set_reveal_limit_step{after->agent, *before->limit, today_only});
  else
    plan.steps.push_back(clear_reveal_limit_step{after->agent, today_only});
  plan.record = reveal_limit_change(was, restored);
  plan.record.summary = prefix(e.id) + plan.record.summary;
  return plan;
}

}  // namespace

std::string_view to_string(revert_refusal_kind k) {
  switch (k) {
    case revert_refusal_kind::already_reverted:
      return "already-reverted";
    case revert_refusal_kind::stale:
      return "revert-conflict";
    case revert_refusal_kind::gone:
      return "not-found";
    case revert_refusal_kind::not_revertible:
      return "revert-impossible";
  }
  return "revert-impossible";
}

revert_reads revert_reads_for(const history_entry_view& e) {
  revert_reads r;
  if (e.reverted_by != 0) return r;
  const auto& a = e.action;
  if (a == change_action::partner_create || a == change_action::partner_delete ||
      a == change_action::partner_rename || a == change_action::partner_customer_ids) {
    r.subject = revert_subject::partner;
    r.partner_id = e.partner_id;
  } else if (a == change_action::agent_link || a == change_action::agent_unlink) {
    r.subject = revert_subject::agent_link;
    r.partner_id = e.partner_id;
    if (auto s = parse_link_state(e.after_json)) {
      r.agent = s->agent;
      if (s->mode == "agent_attribute") r.link = link_mode::agent_attribute;
      if (s->mode == "partner_member") r.link = link_mode::partner_member;
    }
  } else if (a == change_action::agent_mode) {
    r.subject = revert_subject::agent_mode;
    if (auto s = parse_agent_mode_state(e.before_json)) r.agent = s->agent;
  } else if (a == change_action::settings_fieldworkers) {
    r.subject = revert_subject::fieldworkers;
  } else if (a == change_action::settings_group_modes) {
    r.subject = revert_subject::group_modes;
  } else if (a == change_action::reveal_limit_set || a == change_action::reveal_limit_clear) {
    r.subject = revert_subject::reveal_limit;
    if (auto s = parse_reveal_limit_state(e.after_json)) {
      r.agent = s->agent;
      r.today_only = s->today_only;
    }
  }
  return r;
}

revert_plan plan_revert(const history_entry_view& e, const current_state& now) {
  if (e.reverted_by != 0) {
    auto p =
        refuse(revert_refusal_kind::already_reverted,
               "this change was already reverted (entry " + std::to_string(e.reverted_by) + ")");
    p.refusal->reverted_by = e.reverted_by;
    return p;
  }
  const auto& a = e.action;
  if (a == change_action::partner_create || a == change_action::partner_delete ||
      a == change_action::partner_rename || a == change_action::partner_customer_ids)
    return plan_partner(e, now);
  if (a == change_action::agent_link || a == change_action::agent_unlink) return plan_link(e, now);
  if (a == change_action::agent_mode) return plan_mode(e, now);
  if (a == change_action::settings_fieldworkers) return plan_fieldworkers(e, now);
  if (a == change_action::settings_group_modes) return plan_group_modes(e, now);
  if (a == change_action::reveal_limit_set || a == change_action::reveal_limit_clear)
    return plan_reveal_limit(e, now);
  return refuse(revert_refusal_kind::not_revertible, "this kind of change cannot be reverted");
}

std::string customer_ids_change_summary(const std::string& partner_id,
                                        const std::vector<std::string>& added,
                                        const std::vector<std::string>& removed) {
  std::string s = "customer IDs of " + partner_id + ":";
  if (!added.empty()) s += " added " + list_summary(added);
  if (!added.empty() && !removed.empty()) s += ";";
  if (!removed.empty()) s += " removed " + list_summary(removed);
  return s;
}

bool linked_now(link_mode mode, const std::string& partner_id,
                const std::optional<agent_record>& agent,
                const std::optional<partner_record>& partner) {
  if (!agent) return false;
  if (mode == link_mode::agent_attribute)
    return std::find(agent->partner_ids.begin(), agent->partner_ids.end(), partner_id) !=
           agent->partner_ids.end();
  if (!partner) return false;
  auto dn = lower(agent->dn);
  return std::any_of(partner->member_dns.begin(), partner->member_dns.end(),
                     [&](const std::string& m) { return lower(m) == dn; });
}

}  // namespace scopegate::mapping
