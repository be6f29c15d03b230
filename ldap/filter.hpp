// The one place where LDAP filters and DNs are built from values.
//
// Every value substituted into a filter goes through `escape_filter_value` (RFC 4515) and
// every value put into a DN through `escape_dn_value` (RFC 4514), exactly once, here.
//
//   auto f = filter::all_of({filter::raw(cfg.filter), filter::equals("uid", login)});
//   client.search({.base_dn = base, .filter = f.str()});
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace scopegate::ldap {

// RFC 4515 assertion-value escaping: `*`, `(`, `)`, `\`, NUL and every byte outside
// printable ASCII become `\xx`. Safe for equality, substring and ordering assertions.
[[nodiscard]] std::string escape_filter_value(std::string_view value);

// RFC 4514 attribute-value escaping for one RDN value: `,+"\<>;=` escaped with `\`, a
// leading `#` or space and a trailing space escaped, NUL and control bytes as `\xx`.
[[nodiscard]] std::string escape_dn_value(std::string_view value);

// True when `name` is a syntactically valid attribute description (descr or numeric OID,
// optional ;options). The same rule as config::is_valid_attribute_name (config/syntax.hpp),
// which config validation applies to every configured attribute name.
[[nodiscard]] bool is_valid_attribute_name(std::string_view name);

// An LDAP filter under construction. Values are escaped on the way in; attribute names
// come from config and must already have passed is_valid_attribute_name.
class filter {
 public:
  static filter raw(std::string trusted_filter);  // from config only, never from requests
  static filter equals(std::string_view attribute, std::string_view value);
  static filter contains(std::string_view attribute, std::string_view value);     // *v*
  static filter starts_with(std::string_view attribute, std::string_view value);  // v*
  static filter present(std::string_view attribute);
  static filter all_of(std::vector<filter> parts);  // (&...); empty list = match all
  static filter any_of(std::vector<filter> parts);  // (|...); empty list = match none
  static filter negate(filter inner);

  const std::string& str() const { return text_; }

 private:
  explicit filter(std::string text) : text_(std::move(text)) {}
  std::string text_;
};

}  // namespace scopegate::ldap
