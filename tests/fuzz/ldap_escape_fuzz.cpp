// The LDAP escapers round-trip: any byte string put into a filter or a DN by ldap/filter.hpp
// is read back as exactly that value and nothing else.
// - Filters: `(uid=<escaped>)` parsed as an RFC 4515 item by the small reader below is an
//   equality assertion (no unescaped `*`, `(`, `)`), whose unescaped value is the input; it
//   matches the input and no other value. Same for the substring forms (`*v*`, `v*`).
// - DNs: libldap's ldap_str2dn of `uid=<escaped>,dc=x` yields two RDNs, the first one AVA
//   `uid` whose value is the input; normalize_dn keeps that value.
#include <ldap.h>

#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ldap/dn.hpp"
#include "ldap/filter.hpp"

namespace {

namespace sg_ldap = scopegate::ldap;

void require(bool ok, const char* what) {
  if (!ok) {
    __builtin_printf("property violated: %s\n", what);
    std::abort();
  }
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// One RFC 4515 simple item `(attr=value)`: the value split at its unescaped `*` into
// unescaped pieces. nullopt when the text is not such an item (a `(`/`)`/NUL inside, a
// `\` not followed by two hex digits, another attribute).
struct item {
  std::vector<std::string> pieces;  // one piece: equality; more: substrings around `*`
};

std::optional<item> read_item(std::string_view text, std::string_view attribute) {
  if (text.size() < attribute.size() + 3 || text.front() != '(' || text.back() != ')')
    return std::nullopt;
  if (text.substr(1, attribute.size()) != attribute || text[attribute.size() + 1] != '=')
    return std::nullopt;
  std::string_view value = text.substr(attribute.size() + 2);
  value.remove_suffix(1);
  item out;
  out.pieces.emplace_back();
  for (std::size_t i = 0; i < value.size(); ++i) {
    char c = value[i];
    if (c == '(' || c == ')' || c == '\0') return std::nullopt;
    if (c == '*') {
      out.pieces.emplace_back();
    } else if (c == '\\') {
      if (i + 2 >= value.size()) return std::nullopt;
      int hi = hex_digit(value[i + 1]);
      int lo = hex_digit(value[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.pieces.back() += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out.pieces.back() += c;
    }
  }
  return out;
}

// Whether `value` satisfies the item (byte-exact matching, as for caseExactMatch).
bool matches(const item& f, std::string_view value) {
  if (f.pieces.size() == 1) return value == f.pieces[0];
  const auto& first = f.pieces.front();
  const auto& last = f.pieces.back();
  if (value.size() < first.size() + last.size()) return false;
  if (!value.starts_with(first) || !value.ends_with(last)) return false;
  std::size_t at = first.size();
  const std::size_t end = value.size() - last.size();
  for (std::size_t i = 1; i + 1 < f.pieces.size(); ++i) {
    auto found = value.substr(0, end).find(f.pieces[i], at);
    if (found == std::string_view::npos) return false;
    at = found + f.pieces[i].size();
  }
  return true;
}

void check_filters(std::string_view value) {
  auto eq = read_item(sg_ldap::filter::equals("uid", value).str(), "uid");
  require(eq.has_value(), "equality filter parses");
  require(eq->pieces.size() == 1, "equality filter has no unescaped *");
  require(eq->pieces[0] == value, "equality filter value is the input");
  require(matches(*eq, value), "equality filter matches the input");
  std::string longer(value);
  longer += 'x';
  require(!matches(*eq, longer), "equality filter matches nothing longer");
  if (!value.empty()) {
    std::string changed(value);
    changed[0] = static_cast<char>(changed[0] ^ 1);
    require(!matches(*eq, changed), "equality filter matches no other value");
    require(!matches(*eq, value.substr(1)), "equality filter matches nothing shorter");

    auto sub = read_item(sg_ldap::filter::contains("uid", value).str(), "uid");
    require(sub && sub->pieces.size() == 3 && sub->pieces[0].empty() && sub->pieces[1] == value &&
                sub->pieces[2].empty(),
            "contains filter is *input*");
    auto pre = read_item(sg_ldap::filter::starts_with("uid", value).str(), "uid");
    require(pre && pre->pieces.size() == 2 && pre->pieces[0] == value && pre->pieces[1].empty(),
            "starts_with filter is input*");
  }
}

// The value of the only AVA of the first RDN of `dn` when libldap parses it as
// `<type>=value,dc=x` (`type` in lower case); nullopt when it does not parse that way.
std::optional<std::string> first_rdn_value(const std::string& dn, std::string_view type) {
  LDAPDN parsed = nullptr;
  if (ldap_str2dn(dn.c_str(), &parsed, LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS) return std::nullopt;
  std::optional<std::string> out;
  if (parsed && parsed[0] && parsed[0][0] && !parsed[0][1] && parsed[1] && parsed[1][0] &&
      !parsed[1][1] && !parsed[2]) {
    LDAPAVA* ava = parsed[0][0];
    std::string attr(ava->la_attr.bv_val, ava->la_attr.bv_len);
    for (auto& c : attr)
      c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    if (attr == type && !(ava->la_flags & LDAP_AVA_BINARY))
      out = std::string(ava->la_value.bv_val, ava->la_value.bv_len);
  }
  ldap_dnfree(parsed);
  return out;
}

void check_dn(std::string_view value) {
  // libldap refuses empty attribute values; scopegate never builds a DN from an empty value.
  if (value.empty()) return;
  const std::string dn = "uid=" + sg_ldap::escape_dn_value(value) + ",dc=x";
  auto parsed = first_rdn_value(dn, "uid");
  require(parsed.has_value(), "escaped DN parses as uid=<value>,dc=x");
  require(*parsed == value, "DN value is the input");

  // The canonical form keeps a case-exact value byte for byte (normalize_dn refuses NUL
  // and values of only spaces are folded; both are documented in ldap/dn.hpp).
  if (value.find('\0') != std::string_view::npos) return;
  const std::string exact = "scopegatePartnerId=" + sg_ldap::escape_dn_value(value) + ",dc=x";
  auto canonical = sg_ldap::normalize_dn(exact);
  require(canonical.has_value(), "normalize_dn accepts the escaped DN");
  auto again = first_rdn_value(*canonical, "scopegatepartnerid");
  require(again.has_value(), "the canonical DN parses");
  require(*again == value, "the canonical DN keeps the value");
  require(sg_ldap::same_dn(exact, *canonical), "a DN is the same as its canonical form");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view value(reinterpret_cast<const char*>(data), size);
  check_filters(value);
  check_dn(value);
  return 0;
}
