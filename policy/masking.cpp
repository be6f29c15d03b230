#include "policy/masking.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>

namespace scopegate::policy {

namespace {

constexpr std::string_view k_placeholder = "***";

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// Length in bytes of the UTF-8 sequence starting at s[0] (at least 1).
std::size_t first_char_bytes(std::string_view s) {
  std::size_t n = 1;
  while (n < s.size() && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80)
    ++n;
  return n;
}

}  // namespace

std::string_view to_string(contact_view v) {
  switch (v) {
    case contact_view::unmasked:
      return "unmasked";
    case contact_view::masked:
      return "masked";
    case contact_view::blocked:
      return "blocked";
  }
  return "blocked";
}

visibility_setting read_visibility(const std::vector<std::string>* values) {
  if (values == nullptr || values->empty()) return visibility_setting::absent;
  if (values->size() != 1) return visibility_setting::invalid;
  auto v = lower(values->front());
  if (v == "visible") return visibility_setting::visible;
  if (v == "masked") return visibility_setting::masked;
  if (v == "blocked") return visibility_setting::blocked;
  return visibility_setting::invalid;
}

contact_access decide_contact_view(const config::masking_config& cfg, visibility_setting setting,
                                   const mapping::access_scope& scope,
                                   const std::string& visible_group) {
  if (setting == visibility_setting::blocked)
    return {contact_view::blocked, "the agent's contact visibility is blocked"};
  if (setting == visibility_setting::invalid)
    return {contact_view::blocked,
            "the agent's contact visibility setting is not visible, masked or blocked"};
  if (!cfg.enabled) return {contact_view::unmasked, "masking is disabled"};
  if (scope.rule == mapping::scope_rule::bypass_group)
    return {contact_view::unmasked, "member of bypass group " + scope.bypass_group};
  if (!visible_group.empty())
    return {contact_view::unmasked, "member of contact-visible group " + visible_group};
  if (setting == visibility_setting::visible)
    return {contact_view::unmasked, "the agent's contact visibility is visible"};
  if (setting == visibility_setting::masked)
    return {contact_view::masked, "the agent's contact visibility is masked"};
  return {contact_view::masked, "contact fields are masked by default"};
}

std::optional<int> personal_limit(const mapping::agent& who, const config::agents_config& cfg) {
  const auto* v = who.entry.values(cfg.daily_limit_attribute);
  if (v == nullptr || v->empty()) return std::nullopt;
  const auto& s = v->front();
  int n = -1;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (v->size() != 1 || ec != std::errc{} || end != s.data() + s.size() || n < 0) {
    spdlog::warn("agent {}: {} is not a non-negative integer; using the default limit", who.login,
                 cfg.daily_limit_attribute);
    return std::nullopt;
  }
  return n;
}

std::string mask_value(config::mask_style style, std::string_view value) {
  if (style == config::mask_style::redact || value.empty()) return std::string(k_placeholder);
  auto at = value.rfind('@');
  if (at != std::string_view::npos && at > 0 && at + 1 < value.size())
    return std::string(value.substr(0, first_char_bytes(value))) + std::string(k_placeholder) +
           std::string(value.substr(at));
  std::string digits;
  for (auto it = value.rbegin(); it != value.rend() && digits.size() < 2; ++it)
    if (*it >= '0' && *it <= '9') digits.insert(digits.begin(), *it);
  if (digits.size() < 2) return std::string(k_placeholder);
  return std::string(k_placeholder) + digits;
}

masker::masker(const config::config& cfg)
    : enabled_(cfg.masking.enabled),
      style_(cfg.masking.style),
      search_all_(cfg.customers.search_attributes) {
  const auto& fields = cfg.customers.fields;
  std::vector<std::string> masked_attributes;
  for (const auto& name : cfg.masking.fields) {
    for (std::size_t i = 0; i < fields.size(); ++i)
      if (fields[i].name == name) {
        masked_.push_back(i);
        masked_attributes.push_back(lower(fields[i].attribute));
      }
  }
  for (const auto& a : search_all_)
    if (std::find(masked_attributes.begin(), masked_attributes.end(), lower(a)) ==
        masked_attributes.end())
      search_masked_.push_back(a);
}

void masker::apply(mapping::customer_record& r, contact_view view) const {
  if (view == contact_view::unmasked) return;
  auto style = view == contact_view::blocked ? config::mask_style::redact : style_;
  for (auto i : masked_)
    if (i < r.values.size() && r.values[i]) r.values[i] = mask_value(style, *r.values[i]);
}

std::optional<std::vector<std::string>> masker::search_attributes(contact_view view) const {
  if (view == contact_view::unmasked) return search_all_;
  if (search_masked_.empty()) return std::nullopt;
  return search_masked_;
}

contact_policy::contact_policy(const config::config& cfg) : cfg_(cfg) {}

contact_access contact_policy::resolve(const mapping::agent& who,
                                       const mapping::access_scope& scope) const {
  auto setting = read_visibility(who.entry.values(cfg_.agents.contact_visibility_attribute));
  if (setting == visibility_setting::invalid)
    spdlog::warn("agent {}: {} is not visible, masked or blocked; treated as blocked", who.login,
                 cfg_.agents.contact_visibility_attribute);
  std::string group;
  for (const auto& g : cfg_.masking.visible_to_groups)
    if (scope.is_member_of(g)) {
      group = g;
      break;
    }
  return decide_contact_view(cfg_.masking, setting, scope, group);
}

}  // namespace scopegate::policy
