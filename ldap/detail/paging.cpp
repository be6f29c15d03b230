#include "ldap/detail/paging.hpp"

#include <boost/asio/use_awaitable.hpp>
#include <iterator>
#include <optional>
#include <vector>

namespace scopegate::ldap::detail {
namespace {

// Sends one page request: the search with a paged-results control carrying `cookie`.
int send_page(LDAP* ld, int* msgid, const search_request& req, const std::string& cookie,
              int page_size) {
  control_ptr page;
  if (page_size > 0) {
    berval cookie_bv = as_berval(cookie);
    LDAPControl* raw = nullptr;
    int rc =
        ldap_create_page_control(ld, page_size, cookie.empty() ? nullptr : &cookie_bv, 0, &raw);
    page.reset(raw);
    if (rc != LDAP_SUCCESS) return rc;
  }
  LDAPControl* server_controls[] = {page.get(), nullptr};
  std::vector<char*> attrs;
  for (const auto& a : req.attributes)
    attrs.push_back(const_cast<char*>(a.c_str()));
  attrs.push_back(nullptr);
  return ldap_search_ext(ld, req.base_dn.c_str(), to_ldap_scope(req.scope), req.filter.c_str(),
                         req.attributes.empty() ? nullptr : attrs.data(), 0,
                         page ? server_controls : nullptr, nullptr, nullptr, 0, msgid);
}

}  // namespace

net::awaitable<outcome> paged_search(std::shared_ptr<connection> conn, search_request request,
                                     int page_size,
                                     std::chrono::steady_clock::time_point deadline) {
  auto req = std::make_shared<const search_request>(std::move(request));
  const std::size_t limit = req->size_limit > 0 ? static_cast<std::size_t>(req->size_limit) : 0;
  // A lookup of one entry (or two, to tell a duplicate) needs no paging, so it needs no
  // slot: any number of them share the connection with a paged search in progress.
  const bool lookup = limit > 0 && limit <= 2;
  std::optional<search_slot_guard> slot;
  if (!lookup) {
    bool granted = co_await acquire_search_slot(conn, deadline);
    if (!granted) {
      if (!conn->up()) co_return outcome{LDAP_SERVER_DOWN, k_no_connection, {}, {}};
      co_return outcome{LDAP_TIMEOUT, "no LDAP connection free within the timeout", {}, {}};
    }
    slot.emplace(conn);
  }
  const int size = lookup ? 0 : page_size;
  outcome all;
  std::string cookie;
  do {
    auto op = std::make_shared<operation>(conn->strand());
    op->deadline = deadline;  // one deadline for the whole search, not one per page
    if (limit > 0) op->size_limit = limit - all.entries.size();
    op->send = [req, cookie, size](LDAP* ld, int* msgid) {
      return send_page(ld, msgid, *req, cookie, size);
    };
    outcome out = co_await run(conn, op);
    if (out.code != LDAP_SUCCESS) co_return out;
    std::move(out.entries.begin(), out.entries.end(), std::back_inserter(all.entries));
    cookie = std::move(out.cookie);
    if (limit > 0 && all.entries.size() >= limit) {
      all.entries.resize(limit);
      break;
    }
  } while (!cookie.empty());
  co_return all;
}

std::string read_page_cookie(LDAP* ld, LDAPControl** controls) {
  if (!controls) return {};
  LDAPControl* page = ldap_control_find(LDAP_CONTROL_PAGEDRESULTS, controls, nullptr);
  if (!page) return {};
  ber_int_t estimate = 0;
  berval cookie{};
  std::string out;
  if (ldap_parse_pageresponse_control(ld, page, &estimate, &cookie) == LDAP_SUCCESS &&
      cookie.bv_val) {
    out.assign(cookie.bv_val, cookie.bv_len);
    ber_memfree(cookie.bv_val);
  }
  return out;
}

}  // namespace scopegate::ldap::detail
