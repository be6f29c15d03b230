#include "ldap/filter.hpp"

#include <stdexcept>

#include "config/syntax.hpp"

namespace scopegate::ldap {
namespace {

constexpr char k_hex[] = "0123456789abcdef";

void append_hex_escape(std::string& out, unsigned char c) {
  out += '\\';
  out += k_hex[c >> 4];
  out += k_hex[c & 0x0f];
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
  return config::is_valid_attribute_name(name);
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
