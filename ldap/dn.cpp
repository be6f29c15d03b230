#include "ldap/dn.hpp"

#include <ldap.h>

#include <algorithm>
#include <iterator>
#include <memory>
#include <vector>

#include "ldap/ascii.hpp"
#include "ldap/detail/handles.hpp"
#include "ldap/filter.hpp"

namespace scopegate::ldap {
namespace {

struct dn_deleter {
  void operator()(LDAPDN dn) const noexcept { ldap_dnfree(dn); }
};
using dn_ptr = std::unique_ptr<LDAPRDN, dn_deleter>;

struct naming_type {
  std::string_view alias;  // lower case
  std::string_view name;   // the short name it maps to
};

// Naming attribute types whose equality rule in OpenLDAP's core/cosine schema is
// caseIgnoreMatch or caseIgnoreIA5Match: their values are case-folded.
constexpr naming_type k_case_ignore_types[] = {
    {"cn", "cn"},
    {"commonname", "cn"},
    {"2.5.4.3", "cn"},
    {"sn", "sn"},
    {"surname", "sn"},
    {"2.5.4.4", "sn"},
    {"c", "c"},
    {"countryname", "c"},
    {"2.5.4.6", "c"},
    {"l", "l"},
    {"localityname", "l"},
    {"2.5.4.7", "l"},
    {"st", "st"},
    {"stateorprovincename", "st"},
    {"2.5.4.8", "st"},
    {"street", "street"},
    {"streetaddress", "street"},
    {"2.5.4.9", "street"},
    {"o", "o"},
    {"organizationname", "o"},
    {"2.5.4.10", "o"},
    {"ou", "ou"},
    {"organizationalunitname", "ou"},
    {"2.5.4.11", "ou"},
    {"title", "title"},
    {"2.5.4.12", "title"},
    {"name", "name"},
    {"2.5.4.41", "name"},
    {"givenname", "givenname"},
    {"gn", "givenname"},
    {"2.5.4.42", "givenname"},
    {"initials", "initials"},
    {"2.5.4.43", "initials"},
    {"dc", "dc"},
    {"domaincomponent", "dc"},
    {"0.9.2342.19200300.100.1.25", "dc"},
    {"uid", "uid"},
    {"userid", "uid"},
    {"0.9.2342.19200300.100.1.1", "uid"},
    {"description", "description"},
    {"2.5.4.13", "description"},
    {"serialnumber", "serialnumber"},
    {"2.5.4.5", "serialnumber"},
    {"postalcode", "postalcode"},
    {"2.5.4.17", "postalcode"},
    {"businesscategory", "businesscategory"},
    {"2.5.4.15", "businesscategory"},
    {"displayname", "displayname"},
    {"2.16.840.1.113730.3.1.241", "displayname"},
    {"employeenumber", "employeenumber"},
    {"2.16.840.1.113730.3.1.3", "employeenumber"},
    {"host", "host"},
    {"0.9.2342.19200300.100.1.9", "host"},
    {"mail", "mail"},
    {"rfc822mailbox", "mail"},
    {"0.9.2342.19200300.100.1.3", "mail"},
};

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

// caseIgnoreMatch preparation, ASCII only: fold, collapse space runs, trim.
std::string case_ignore_value(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  bool pending_space = false;
  for (char c : v) {
    if (is_space(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(ascii_lower(c));
  }
  return out;
}

std::string_view view(const berval& bv) {
  return bv.bv_len == 0 ? std::string_view() : std::string_view(bv.bv_val, bv.bv_len);
}

// "type=value" for one AVA in canonical form, or nullopt when it cannot be compared.
std::optional<std::string> canonical_ava(const LDAPAVA& ava) {
  std::string type = ascii_lower(view(ava.la_attr));
  std::string_view value = view(ava.la_value);
  if (type.empty() || value.empty()) return std::nullopt;
  auto known = std::find_if(std::begin(k_case_ignore_types), std::end(k_case_ignore_types),
                            [&](const naming_type& t) { return t.alias == type; });
  if (known != std::end(k_case_ignore_types)) type = known->name;
  if (ava.la_flags & LDAP_AVA_BINARY) {
    // #hex form: the BER encoding of the value, compared as those bytes (not decoded).
    std::string out = type + "=#";
    out += detail::hex(ava.la_value);
    return out;
  }
  std::string prepared;
  if (known != std::end(k_case_ignore_types)) {
    prepared = case_ignore_value(value);
    if (prepared.empty()) return std::nullopt;  // only spaces: empty under the rule
  } else {
    prepared = value;
  }
  return type + "=" + escape_dn_value(prepared);
}

}  // namespace

std::optional<std::string> normalize_dn(std::string_view dn) {
  if (dn.empty() || dn.find('\0') != std::string_view::npos) return std::nullopt;
  const std::string text(dn);  // ldap_str2dn wants a NUL-terminated string
  LDAPDN raw = nullptr;
  if (ldap_str2dn(text.c_str(), &raw, LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS) return std::nullopt;
  dn_ptr parsed(raw);
  if (!parsed || !parsed.get()[0]) return std::nullopt;
  std::string out;
  for (LDAPRDN* rdn = parsed.get(); *rdn; ++rdn) {
    std::vector<std::string> avas;
    for (LDAPAVA** ava = *rdn; *ava; ++ava) {
      auto one = canonical_ava(**ava);
      if (!one) return std::nullopt;
      avas.push_back(std::move(*one));
    }
    if (avas.empty()) return std::nullopt;
    // A multi-valued RDN is a set: order its AVAs so every spelling agrees.
    std::sort(avas.begin(), avas.end());
    if (!out.empty()) out += ',';
    for (std::size_t i = 0; i < avas.size(); ++i) {
      if (i > 0) out += '+';
      out += avas[i];
    }
  }
  return out;
}

bool same_dn(std::string_view a, std::string_view b) {
  auto na = normalize_dn(a);
  if (!na) return false;
  auto nb = normalize_dn(b);
  return nb && *na == *nb;
}

bool is_valid_dn(std::string_view dn) {
  return normalize_dn(dn).has_value();
}

}  // namespace scopegate::ldap
