#include "policy/reveal_limit_change.hpp"

namespace scopegate::policy {

mapping::reveal_limit_state reveal_limit_state_of(const std::vector<override_row>& rows,
                                                  const std::string& agent, bool today_only,
                                                  const std::string& today) {
  mapping::reveal_limit_state s;
  s.agent = agent;
  s.today_only = today_only;
  for (const auto& r : rows) {
    if (r.agent != agent || r.until_day.has_value() != today_only) continue;
    if (today_only && *r.until_day != today) continue;
    s.limit = r.limit;
    s.day = r.until_day;
  }
  return s;
}

}  // namespace scopegate::policy
