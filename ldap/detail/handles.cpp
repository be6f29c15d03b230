#include "ldap/detail/handles.hpp"

namespace scopegate::ldap::detail {

berval as_berval(const std::string& s) noexcept {
  berval bv{};
  bv.bv_len = s.size();
  bv.bv_val = const_cast<char*>(s.data());
  return bv;
}

timeval to_timeval(int ms) noexcept {
  timeval tv{};
  tv.tv_sec = ms / 1000;
  tv.tv_usec = static_cast<suseconds_t>(ms % 1000) * 1000;
  return tv;
}

int to_ldap_scope(search_scope s) noexcept {
  switch (s) {
    case search_scope::base:
      return LDAP_SCOPE_BASE;
    case search_scope::one_level:
      return LDAP_SCOPE_ONELEVEL;
    case search_scope::subtree:
      break;
  }
  return LDAP_SCOPE_SUBTREE;
}

std::string hex(const berval& bv) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bv.bv_len * 2);
  for (ber_len_t i = 0; i < bv.bv_len; ++i) {
    auto b = static_cast<unsigned char>(bv.bv_val[i]);
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 15]);
  }
  return out;
}

}  // namespace scopegate::ldap::detail
