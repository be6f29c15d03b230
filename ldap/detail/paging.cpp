#include "ldap/detail/paging.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <iterator>
#include <vector>

namespace scopegate::ldap::detail {
namespace {

// Gives a connection's search slot back on every path out of a search.
class slot_guard {
 public:
  explicit slot_guard(connection::slot_channel& slot) : slot_(slot) {}
  ~slot_guard() {
    slot_.try_receive([](boost::system::error_code) {});
  }
  slot_guard(const slot_guard&) = delete;
  slot_guard& operator=(const slot_guard&) = delete;

 private:
  connection::slot_channel& slot_;
};

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
                                     int page_size) {
  const boost::system::error_code token;
  auto acquired = co_await conn->search_slot().async_send(token, net::as_tuple(net::use_awaitable));
  (void)acquired;  // the channel is never closed, so the send always succeeds
  slot_guard slot(conn->search_slot());
  auto req = std::make_shared<const search_request>(std::move(request));
  const std::size_t limit = req->size_limit > 0 ? static_cast<std::size_t>(req->size_limit) : 0;
  outcome all;
  std::string cookie;
  do {
    auto op = std::make_shared<operation>(conn->strand());
    if (limit > 0) op->size_limit = limit - all.entries.size();
    op->send = [req, cookie, page_size](LDAP* ld, int* msgid) {
      return send_page(ld, msgid, *req, cookie, page_size);
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
