// Internal to config/: walks the YAML tree with key paths and line numbers, expands ${VAR},
// type-checks scalars and throws config_error as "file:line: key.path: problem".
//
// Every section parser works through this header:
//
//   void parse_log(const parser& p, const value& v, log_config& c) {
//     section s(p, v, {"level", "access_log"});        // unknown keys are refused here
//     if (auto a = s.get("access_log")) c.access_log = p.boolean(*a);
//   }
//
// Secrets rule: an error message never echoes a value that came from `${VAR}` (the
// environment may hold a password) or from a password file. Messages that quote a value
// build the quote with `parser::show`, which falls back to the text as written in the file.
#pragma once

#include <climits>
#include <initializer_list>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "config/config.hpp"

namespace scopegate::config::detail {

// One node of the tree with where it came from.
struct value {
  YAML::Node node;
  std::string path;  // "ldap.uris[1]"
  int line = 0;      // 1-based; 0 unknown
};

// The 1-based line of `n`, or `fallback` when yaml-cpp does not know it.
[[nodiscard]] int line_of(const YAML::Node& n, int fallback);

// "a mapping", "a list", "nothing" or the quoted scalar as written (never expanded).
[[nodiscard]] std::string kind_of(const YAML::Node& n);

// "origin:line: key.path: message", leaving out the parts that are unknown.
[[nodiscard]] std::string format_error(const std::string& origin, int line,
                                       const std::string& key_path, const std::string& message);

// Typed access to scalars; every failure throws config_error naming `origin`.
class parser {
 public:
  explicit parser(std::string origin) : origin_(std::move(origin)) {}

  [[noreturn]] void fail(const std::string& path, int line, const std::string& message) const;
  [[noreturn]] void fail(const value& v, const std::string& message) const;

  // How `text`, read from `v`, may appear in a message: quoted as it is, or — when any part
  // of v's scalar came from ${VAR} — the scalar as written in the file with a note that the
  // expanded value is not shown.
  [[nodiscard]] std::string show(const value& v, std::string_view text) const;

  // A scalar's text after ${VAR} expansion ("$${" is a literal "${"). `what` describes the
  // expected thing for the error message.
  [[nodiscard]] std::string scalar(const value& v, const std::string& what = "a string") const;
  [[nodiscard]] std::string non_empty(const value& v,
                                      const std::string& what = "a non-empty string") const;
  [[nodiscard]] long long integer(const value& v, long long lo, long long hi) const;
  [[nodiscard]] bool boolean(const value& v) const;  // true/yes/on, false/no/off
  [[nodiscard]] std::string one_of(const value& v,
                                   std::initializer_list<const char*> choices) const;

  [[nodiscard]] std::string attribute(const value& v) const;  // is_valid_attribute_name
  [[nodiscard]] std::string filter(const value& v) const;     // one parenthesized filter
  [[nodiscard]] std::string dn(const value& v) const;         // parses as a DN (ldap_str2dn)
  // A list of DNs; refuses one that YAML split at its commas ([cn=a,ou=b] is two items).
  [[nodiscard]] std::vector<std::string> dn_list(const value& v) const;  // contains "="
  [[nodiscard]] std::string cidr(const value& v) const;                  // canonical "addr/prefix"

  // Items of a list; a missing/null value is an empty list.
  [[nodiscard]] std::vector<value> list(const value& v) const;

 private:
  [[nodiscard]] std::string expand(const value& v, const std::string& in) const;

  std::string origin_;
};

// The entries of one YAML mapping, checked against the keys it may contain (an empty `known`
// accepts any key). Duplicate keys are refused; unknown ones get a "did you mean" hint.
class section {
 public:
  section(const parser& p, const value& v, std::initializer_list<const char*> known);

  // The value of `key`, if present (a present but null value counts as present).
  [[nodiscard]] std::optional<value> get(const std::string& key) const;
  // Present and not null.
  [[nodiscard]] std::optional<value> get_set(const std::string& key) const;
  [[nodiscard]] value require(const std::string& key) const;
  // A present key as a value, or a null placeholder for a missing one (for sub-sections).
  [[nodiscard]] value sub(const std::string& key) const;

  [[nodiscard]] std::string path(const std::string& key) const { return prefix() + key; }
  [[nodiscard]] int line() const { return line_; }
  // The line of `key`, or of the section when the key is absent.
  [[nodiscard]] int key_line(const std::string& key) const;

  template <typename F>
  void for_each(F&& f) const {
    for (const auto& e : entries_)
      f(e.key, value{e.node, e.path, e.value_line}, e.key_line);
  }

 private:
  struct entry {
    std::string key;
    YAML::Node node;
    std::string path;
    int value_line;
    int key_line;
  };
  [[nodiscard]] std::string prefix() const { return path_.empty() ? std::string() : path_ + "."; }

  const parser& p_;
  std::string path_;
  int line_;
  std::vector<entry> entries_;
};

template <typename T>
void set_int(const parser& p, const section& s, const char* key, T& out, long long lo,
             long long hi) {
  if (auto v = s.get_set(key)) out = static_cast<T>(p.integer(*v, lo, hi));
}

inline constexpr long long k_max_int = INT_MAX;
inline constexpr long long k_max_size = std::numeric_limits<long long>::max();
inline constexpr long long k_max_timeout_ms = 600'000;

// The contents of a password file named at `v` (trailing CR/LF removed). Errors name the
// file (unless its path came from ${VAR}) but never its contents.
[[nodiscard]] std::string read_password_file(const parser& p, const value& v,
                                             const std::string& path);

}  // namespace scopegate::config::detail
