#include "ldap/filter.hpp"

#include <stdexcept>

namespace scopegate::ldap {
namespace {

constexpr char k_hex[] = "0123456789abcdef";

void append_hex_escape(std::string& out, unsigned char c) {
  out += '\\';
  out += k_hex[c >> 4];
  out += k_hex[c & 0x0f];
}

bool is_alpha(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_keychar(char c) {
  return is_alpha(c) || is_digit(c) || c == '-';
}

// descr = keystring = leadkeychar *keychar (RFC 4512 1.4)
bool is_descr(std::string_view s) {
  if (s.empty() || !is_alpha(s.front())) return false;
  for (char c : s)
    if (!is_keychar(c)) return false;
  return true;
}

// numericoid = number 1*( DOT number ), number = DIGIT / ( LDIGIT 1*DIGIT )
bool is_numericoid(std::string_view s) {
  int numbers = 0;
  while (true) {
    std::size_t end = s.find('.');
    std::string_view number = s.substr(0, end);
    if (number.empty()) return false;
    if (number.size() > 1 && number.front() == '0') return false;
    for (char c : number)
      if (!is_digit(c)) return false;
    ++numbers;
    if (end == std::string_view::npos) break;
    s.remove_prefix(end + 1);
  }
  return numbers >= 2;
}

// options = *( SEMI option ), option = 1*keychar (RFC 4512 2.5)
bool is_option(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!is_keychar(c)) return false;
  return true;
}

void require_attribute(std::string_view attribute) {
  if (!is_valid_attribute_name(attribute))
    throw std::invalid_argument("invalid LDAP attribute name in filter");
}

}  // namespace

std::string escape_filter_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char ch : value) {
    auto c = static_cast<unsigned char>(ch);
    if (c == '*' || c == '(' || c == ')' || c == '\\' || c < 0x20 || c >= 0x7f)
      append_hex_escape(out, c);
    else
      out += ch;
  }
  return out;
}

std::string escape_dn_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (std::size_t i = 0; i < value.size(); ++i) {
    auto c = static_cast<unsigned char>(value[i]);
    bool first = i == 0;
    bool last = i + 1 == value.size();
    if (c < 0x20 || c == 0x7f) {
      append_hex_escape(out, c);
    } else if (c == ',' || c == '+' || c == '"' || c == '\\' || c == '<' || c == '>' || c == ';' ||
               c == '=' || (first && c == '#') || (c == ' ' && (first || last))) {
      out += '\\';
      out += static_cast<char>(c);
    } else {
      // UTF-8 bytes (>= 0x80) are legal unescaped in RFC 4514 strings.
      out += static_cast<char>(c);
    }
  }
  return out;
}

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

namespace {

// "(" attribute op value suffix ")", built by appending (GCC 12's optimizer reports bogus
// overflows for chains of operator+ starting from a literal).
std::string item(std::string_view attribute, std::string_view op, std::string_view value,
                 std::string_view suffix) {
  std::string out;
  out.reserve(attribute.size() + op.size() + value.size() + suffix.size() + 2);
  out.push_back('(');
  out.append(attribute).append(op).append(value).append(suffix);
  out.push_back(')');
  return out;
}

}  // namespace

filter filter::raw(std::string trusted_filter) {
  // An empty configured filter adds no restriction.
  if (trusted_filter.empty()) return filter("(objectClass=*)");
  if (trusted_filter.front() != '(') return filter(item(trusted_filter, "", "", ""));
  return filter(std::move(trusted_filter));
}

filter filter::equals(std::string_view attribute, std::string_view value) {
  require_attribute(attribute);
  return filter(item(attribute, "=", escape_filter_value(value), ""));
}

filter filter::contains(std::string_view attribute, std::string_view value) {
  require_attribute(attribute);
  // "*" + "" + "*" would be "(a=**)", not a valid filter; an empty substring matches any value.
  if (value.empty()) return present(attribute);
  return filter(item(attribute, "=*", escape_filter_value(value), "*"));
}

filter filter::starts_with(std::string_view attribute, std::string_view value) {
  require_attribute(attribute);
  if (value.empty()) return present(attribute);
  return filter(item(attribute, "=", escape_filter_value(value), "*"));
}

filter filter::present(std::string_view attribute) {
  require_attribute(attribute);
  return filter(item(attribute, "=*", "", ""));
}

filter filter::all_of(std::vector<filter> parts) {
  if (parts.empty()) return filter("(objectClass=*)");
  if (parts.size() == 1) return std::move(parts.front());
  std::string text = "(&";
  for (const auto& p : parts)
    text += p.text_;
  return filter(text + ")");
}

filter filter::any_of(std::vector<filter> parts) {
  // "(|)" is the RFC 4526 absolute false, but not every server accepts it.
  if (parts.empty()) return filter("(!(objectClass=*))");
  if (parts.size() == 1) return std::move(parts.front());
  std::string text = "(|";
  for (const auto& p : parts)
    text += p.text_;
  return filter(text + ")");
}

filter filter::negate(filter inner) {
  return filter("(!" + inner.text_ + ")");
}

}  // namespace scopegate::ldap
