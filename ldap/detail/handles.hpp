// Internal to ldap/: owning handles for everything libldap allocates, so that no path out of
// a function leaks or double-frees. One copy for the whole folder.
//
//   LDAPMessage* raw = nullptr;
//   ldap_result(ld, msgid, LDAP_MSG_ALL, &tv, &raw);
//   detail::message_ptr msg(raw);  // ldap_msgfree on every path
#pragma once

#include <lber.h>
#include <ldap.h>
#include <sys/time.h>

#include <memory>
#include <string>

#include "ldap/client.hpp"

namespace scopegate::ldap::detail {

struct ldap_unbinder {
  void operator()(LDAP* ld) const noexcept { ldap_unbind_ext(ld, nullptr, nullptr); }
};
struct message_deleter {
  void operator()(LDAPMessage* m) const noexcept { ldap_msgfree(m); }
};
// For the cursor of ldap_first_attribute/ldap_next_attribute: its buffer belongs to the
// message, so it is freed without the buffer (ber_free(p, 0)).
struct attribute_cursor_deleter {
  void operator()(BerElement* b) const noexcept { ber_free(b, 0); }
};
// For BerElements that own their buffer: ber_alloc_t (encoding) and ber_init (decoding a
// copy of a berval).
struct ber_deleter {
  void operator()(BerElement* b) const noexcept { ber_free(b, 1); }
};
struct berval_deleter {
  void operator()(berval* b) const noexcept { ber_bvfree(b); }
};
struct bervarray_deleter {
  void operator()(BerVarray a) const noexcept { ber_bvarray_free(a); }
};
struct values_deleter {
  void operator()(berval** v) const noexcept { ldap_value_free_len(v); }
};
// Strings from ldap_get_dn, ldap_first_attribute, ldap_parse_result and friends.
struct memfree_deleter {
  void operator()(char* p) const noexcept { ldap_memfree(p); }
};
struct memvfree_deleter {
  void operator()(char** p) const noexcept { ldap_memvfree(reinterpret_cast<void**>(p)); }
};
struct control_deleter {
  void operator()(LDAPControl* c) const noexcept { ldap_control_free(c); }
};
struct controls_deleter {
  void operator()(LDAPControl** c) const noexcept { ldap_controls_free(c); }
};

using ldap_handle = std::unique_ptr<LDAP, ldap_unbinder>;
using message_ptr = std::unique_ptr<LDAPMessage, message_deleter>;
using attribute_cursor_ptr = std::unique_ptr<BerElement, attribute_cursor_deleter>;
using ber_ptr = std::unique_ptr<BerElement, ber_deleter>;
using berval_ptr = std::unique_ptr<berval, berval_deleter>;
using bervarray_ptr = std::unique_ptr<berval, bervarray_deleter>;
using values_ptr = std::unique_ptr<berval*, values_deleter>;
using ldap_string = std::unique_ptr<char, memfree_deleter>;
using ldap_strings = std::unique_ptr<char*, memvfree_deleter>;
using control_ptr = std::unique_ptr<LDAPControl, control_deleter>;
using controls_ptr = std::unique_ptr<LDAPControl*, controls_deleter>;

// A berval viewing `s` (no copy): valid while `s` lives and is not modified.
[[nodiscard]] berval as_berval(const std::string& s) noexcept;

[[nodiscard]] timeval to_timeval(int ms) noexcept;

[[nodiscard]] int to_ldap_scope(search_scope s) noexcept;

// The bytes of `bv` as lower-case hex digits (for entryUUIDs and cookies in logs).
[[nodiscard]] std::string hex(const berval& bv);

}  // namespace scopegate::ldap::detail
