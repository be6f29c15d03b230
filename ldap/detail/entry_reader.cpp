#include "ldap/detail/entry_reader.hpp"

#include "ldap/detail/handles.hpp"

namespace scopegate::ldap::detail {

entry read_entry(LDAP* ld, LDAPMessage* msg) {
  entry e;
  if (ldap_string dn{ldap_get_dn(ld, msg)}) e.dn = dn.get();
  BerElement* cursor_raw = nullptr;
  ldap_string name{ldap_first_attribute(ld, msg, &cursor_raw)};
  attribute_cursor_ptr cursor(cursor_raw);
  while (name) {
    attribute a{name.get(), {}};
    if (values_ptr values{ldap_get_values_len(ld, msg, name.get())})
      for (berval** v = values.get(); *v; ++v)
        a.values.emplace_back((*v)->bv_val, (*v)->bv_len);
    e.attributes.push_back(std::move(a));
    name.reset(ldap_next_attribute(ld, msg, cursor.get()));
  }
  return e;
}

}  // namespace scopegate::ldap::detail
