// Internal to ldap/: searches with RFC 2696 simple paged results. A search runs page by
// page on ONE connection (a paged-results cookie is only valid there) holding that
// connection's search slot, and returns every entry of every page; the caller's size limit
// stops it early (the rest is abandoned, not an error).
//
//   auto out = co_await detail::paged_search(conn, std::move(request), cfg.page_size);
//   if (out.code != LDAP_SUCCESS) co_return detail::to_error(out.code, out.message);
#pragma once

#include <ldap.h>

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "ldap/client.hpp"
#include "ldap/detail/connection.hpp"

namespace scopegate::ldap::detail {

// Runs `request` on `conn`: pages of `page_size` entries (0: one unpaged request). The
// outcome holds every entry (at most request.size_limit when it is set) or the first error;
// LDAP_TIMEOUT once `deadline` passes, whether waiting for the search slot or for a page.
// Lookups (size_limit 1 or 2) go unpaged and do not wait for the slot.
[[nodiscard]] net::awaitable<outcome> paged_search(std::shared_ptr<connection> conn,
                                                   search_request request, int page_size,
                                                   std::chrono::steady_clock::time_point deadline);

// The paged-results cookie in a search result's controls; empty when the server sent none
// (the last page, or a search without paging).
[[nodiscard]] std::string read_page_cookie(LDAP* ld, LDAPControl** controls);

}  // namespace scopegate::ldap::detail
