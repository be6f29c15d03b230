// Syntax checks on configured names and values (no I/O).
#include "config/syntax.hpp"

#include <ldap.h>

#include <algorithm>
#include <memory>

#include "config/detail/checks.hpp"

namespace scopegate::config {

namespace detail {

bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

std::string quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      static const char* hex = "0123456789abcdef";
      out += "\\x";
      out += hex[(static_cast<unsigned char>(c) >> 4) & 0xf];
      out += hex[static_cast<unsigned char>(c) & 0xf];
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string lower(std::string s) {
  for (auto& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

std::string join(const std::vector<std::string>& v, const std::string& sep) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) out += sep;
    out += v[i];
  }
  return out;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j)
    prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string filter_problem(std::string_view f, const std::string& shown) {
  if (f.empty()) return "must not be empty";
  if (f.front() != '(' || f.back() != ')')
    return "expected an LDAP filter in parentheses like \"(objectClass=person)\", got " + shown;
  int depth = 0;
  for (std::size_t i = 0; i < f.size(); ++i) {
    if (f[i] == '(') {
      if (i + 1 < f.size() && f[i + 1] == ')') return "empty \"()\" in filter " + shown;
      ++depth;
    } else if (f[i] == ')') {
      if (--depth < 0) return "unbalanced parentheses in filter " + shown;
      if (depth == 0 && i + 1 != f.size())
        return "expected a single filter (wrap several in \"(&...)\" or \"(|...)\"), got " + shown;
    }
  }
  if (depth != 0) return "unbalanced parentheses in filter " + shown;
  return {};
}

bool valid_field_name(std::string_view s) {
  if (s.empty()) return false;
  if (!(s[0] == '_' || (s[0] >= 'a' && s[0] <= 'z'))) return false;
  for (char c : s)
    if (!(c == '_' || (c >= 'a' && c <= 'z') || is_digit(c))) return false;
  return true;
}

bool valid_sha256_hex(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!(is_digit(c) || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

bool valid_env_name(std::string_view s) {
  if (s.empty() || !(is_alpha(s[0]) || s[0] == '_')) return false;
  for (char c : s)
    if (!(is_alpha(c) || is_digit(c) || c == '_')) return false;
  return true;
}

bool valid_zone_name(std::string_view s) {
  if (s.empty() || s.size() > 64 || s.front() == '/' || s.back() == '/') return false;
  if (s.find("..") != std::string_view::npos || s.find("//") != std::string_view::npos)
    return false;
  for (char c : s)
    if (!(is_alpha(c) || is_digit(c) || c == '/' || c == '_' || c == '-' || c == '+')) return false;
  return true;
}

bool valid_email(std::string_view s) {
  auto at = s.find('@');
  if (at == std::string_view::npos || at == 0 || at + 1 >= s.size()) return false;
  if (s.find('@', at + 1) != std::string_view::npos) return false;
  for (unsigned char c : s)
    if (c <= 0x20 || c == 0x7f || c == '<' || c == '>' || c == ',' || c == ';' || c == '"')
      return false;
  return true;
}

}  // namespace detail

namespace {

using detail::is_alpha;
using detail::is_digit;

bool is_keychar(char c) {
  return is_alpha(c) || is_digit(c) || c == '-';
}

// descr = keystring = leadkeychar *keychar (RFC 4512 1.4)
bool is_descr(std::string_view s) {
  if (s.empty() || !is_alpha(s.front())) return false;
  return std::all_of(s.begin(), s.end(), is_keychar);
}

// numericoid = number 1*( DOT number ), number = DIGIT / ( LDIGIT 1*DIGIT )
bool is_numericoid(std::string_view s) {
  int numbers = 0;
  while (true) {
    std::size_t end = s.find('.');
    std::string_view number = s.substr(0, end);
    if (number.empty()) return false;
    if (number.size() > 1 && number.front() == '0') return false;
    if (!std::all_of(number.begin(), number.end(), is_digit)) return false;
    ++numbers;
    if (end == std::string_view::npos) break;
    s.remove_prefix(end + 1);
  }
  return numbers >= 2;
}

// options = *( SEMI option ), option = 1*keychar (RFC 4512 2.5)
bool is_option(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), is_keychar);
}

}  // namespace

bool is_valid_attribute_name(std::string_view name) {
  std::size_t semi = name.find(';');
  std::string_view type = name.substr(0, semi);
  if (!is_descr(type) && !is_numericoid(type)) return false;
  while (semi != std::string_view::npos) {
    name.remove_prefix(semi + 1);
    semi = name.find(';');
    if (!is_option(name.substr(0, semi))) return false;
  }
  return true;
}

std::optional<std::vector<std::string>> dn_attribute_types(std::string_view dn) {
  if (dn.empty() || dn.find('\0') != std::string_view::npos) return std::nullopt;
  const std::string text(dn);
  LDAPDN raw = nullptr;
  if (ldap_str2dn(text.c_str(), &raw, LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS) return std::nullopt;
  std::unique_ptr<LDAPRDN, void (*)(LDAPDN)> parsed(raw, [](LDAPDN d) { ldap_dnfree(d); });
  if (!parsed || !parsed.get()[0]) return std::nullopt;
  std::vector<std::string> types;
  for (LDAPRDN* rdn = parsed.get(); *rdn; ++rdn) {
    LDAPAVA** avas = *rdn;
    if (!avas || !avas[0]) return std::nullopt;
    for (LDAPAVA** ava = avas; *ava; ++ava)
      if ((*ava)->la_value.bv_len == 0) return std::nullopt;
    types.push_back(detail::lower(std::string((*avas)->la_attr.bv_val, (*avas)->la_attr.bv_len)));
  }
  return types;
}

}  // namespace scopegate::config
