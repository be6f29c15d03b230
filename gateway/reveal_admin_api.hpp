// Admin operations on reveals, as JSON/CSV handlers the admin router calls after it has
// established that the caller is a logged-in dashboard admin (api::admin_gate, which uses
// require_admin: session cookie, CSRF token on writes):
//
//   GET    /admin/api/v1/reveals?agent=&customer=&from=&to=&limit=&before=   activity log
//   GET    /admin/api/v1/reveals/export?agent=&customer=&from=&to=           the same as CSV
//   GET    /admin/api/v1/reveals/customers/{login}     who revealed this customer
//   GET    /admin/api/v1/agents/{login}/limit          today's use, limit and overrides
//   PUT    /admin/api/v1/agents/{login}/limit          {"limit": 20, "duration": "today"}
//   DELETE /admin/api/v1/agents/{login}/limit?duration=today|permanent
//   GET    /admin/api/v1/notifications?status=&limit=  alert mails and their delivery
//
// Dates are local days (reveal.timezone) as YYYY-MM-DD, both ends inclusive.
#pragma once

#include <string>
#include <vector>

#include <boost/url/url_view.hpp>

#include "gateway/http/server.hpp"
#include "mapping/directory.hpp"
#include "policy/reveal_ledger.hpp"

namespace scopegate::gateway {

class reveal_admin_api {
 public:
  reveal_admin_api(const config::config& cfg, mapping::directory& dir,
                   policy::reveal_ledger& ledger);

  // Is `segs` (the canonical path segments, starting "admin", "api", "v1") one of ours?
  [[nodiscard]] static bool handles(const std::vector<std::string>& segs);
  // Answers a request for which handles() is true. `admin` is the caller's login (for the
  // record of who set a limit). Never throws for bad input: that is a 400 problem.
  [[nodiscard]] net::awaitable<response> handle(const request& req,
                                                const std::vector<std::string>& segs,
                                                boost::urls::url_view url, std::string admin);

 private:
  net::awaitable<response> list(boost::urls::url_view url, bool csv);
  net::awaitable<response> revealers(std::string customer);
  net::awaitable<response> limit_get(std::string agent);
  net::awaitable<response> limit_put(std::string agent, const std::string& body, std::string admin);
  net::awaitable<response> limit_delete(std::string agent, boost::urls::url_view url);
  net::awaitable<response> notifications(boost::urls::url_view url);

  const config::config& cfg_;
  mapping::directory& dir_;
  policy::reveal_ledger& ledger_;
};

// One CSV field (RFC 4180 quoting); cells a spreadsheet would run as a formula (starting
// with = + - @ tab or CR) are prefixed with an apostrophe.
[[nodiscard]] std::string csv_field(std::string_view v);

}  // namespace scopegate::gateway
