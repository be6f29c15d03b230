// Contact protection: who sees a customer's contact fields, and what the others see.
//
// A pure decision (`decide_contact_view`) from the agent's visibility attribute, bypass and
// group membership; `masker` applies it to records and to the `q` search attributes; and
// `contact_policy` resolves an agent's view from its entry and resolved scope.
//
//   auto access = contacts.resolve(agent, *scope);
//   masker.apply(record, access->view);
//   query.search_attributes = masker.search_attributes(access->view).value_or(...);
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "mapping/access_scope.hpp"
#include "mapping/customer_source.hpp"
#include "mapping/directory.hpp"

namespace scopegate::policy {

namespace net = boost::asio;

// What an agent sees of masked fields.
enum class contact_view {
  unmasked,  // real values
  masked,    // placeholders; may reveal within the daily limit
  blocked,   // placeholders; may never reveal
};
[[nodiscard]] std::string_view to_string(contact_view v);

// The agent entry's visibility attribute.
enum class visibility_setting { absent, visible, masked, blocked, invalid };
[[nodiscard]] visibility_setting read_visibility(const std::vector<std::string>* values);

struct contact_access {
  contact_view view = contact_view::blocked;
  std::string reason;  // for /api/v1/me and logs
};

// The rule, in order: `blocked` (or an unreadable setting) always blocks; masking disabled,
// bypass-group members, members of a visible_to_groups group, and `visible` agents see real
// values; everyone else sees placeholders. `visible_group` is the group that matched, if any.
[[nodiscard]] contact_access decide_contact_view(const config::masking_config& cfg,
                                                 visibility_setting setting,
                                                 const mapping::access_scope& scope,
                                                 const std::string& visible_group);

// The agent's own daily reveal limit (agents.daily_limit_attribute), when it holds a
// non-negative integer; nullopt when absent or unreadable.
[[nodiscard]] std::optional<int> personal_limit(const mapping::agent& who,
                                                const config::agents_config& cfg);

// A placeholder for `value`. redact: "***". partial: an email keeps its first character and
// domain ("a***@example.net"); anything else keeps its last two digits ("***45"), or is
// "***" when it has fewer than two digits.
[[nodiscard]] std::string mask_value(config::mask_style style, std::string_view value);

class masker {
 public:
  explicit masker(const config::config& cfg);

  // Replaces masked fields of `r` with placeholders unless `view` is unmasked. Absent
  // values stay absent. Blocked agents always get the redact style.
  void apply(mapping::customer_record& r, contact_view view) const;
  // The attributes `q` may match for an agent with `view`: customers.search_attributes
  // minus those behind masked fields. nullopt: none is left, so `q` can match nothing.
  [[nodiscard]] std::optional<std::vector<std::string>> search_attributes(contact_view view) const;
  // Indexes into customers.fields of the masked fields.
  [[nodiscard]] const std::vector<std::size_t>& masked_fields() const { return masked_; }
  [[nodiscard]] bool enabled() const { return enabled_; }

 private:
  bool enabled_;
  config::mask_style style_;
  std::vector<std::size_t> masked_;
  std::vector<std::string> search_all_;
  std::vector<std::string> search_masked_;
};

// Resolves contact_access for an agent from its visibility attribute and its resolved scope
// (bypass rule; masking.visible_to_groups memberships arrive in access_scope::member_of,
// resolved and cached with the scope). No I/O. Thread-safe.
class contact_policy {
 public:
  explicit contact_policy(const config::config& cfg);
  [[nodiscard]] contact_access resolve(const mapping::agent& who,
                                       const mapping::access_scope& scope) const;

 private:
  const config::config& cfg_;
};

}  // namespace scopegate::policy
