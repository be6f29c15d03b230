// The YAML walker: key paths, line numbers, ${VAR} expansion and typed scalars.
#include "config/detail/yaml_walker.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/cidr.hpp"
#include "config/detail/checks.hpp"
#include "config/syntax.hpp"

namespace scopegate::config {

namespace detail {

std::string format_error(const std::string& origin, int line, const std::string& key_path,
                         const std::string& message) {
  std::string out;
  if (!origin.empty()) {
    out = origin;
    if (line > 0) out += ":" + std::to_string(line);
    out += ": ";
  } else if (line > 0) {
    out = "line " + std::to_string(line) + ": ";
  }
  if (!key_path.empty()) out += key_path + ": ";
  out += message;
  return out;
}

}  // namespace detail

config_error::config_error(std::string key_path, int line, const std::string& message,
                           std::string origin)
    : std::runtime_error(detail::format_error(origin, line, key_path, message)),
      key_path_(std::move(key_path)),
      line_(line),
      message_(message),
      origin_(std::move(origin)) {}

namespace detail {

namespace {

// True when `raw` has a "${" that expansion replaces (not the "$${" escape).
bool has_expansion(std::string_view raw) {
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw.compare(i, 3, "$${") == 0)
      i += 2;
    else if (raw.compare(i, 2, "${") == 0)
      return true;
  }
  return false;
}

}  // namespace

int line_of(const YAML::Node& n, int fallback) {
  auto m = n.Mark();
  return m.line >= 0 ? m.line + 1 : fallback;
}

std::string kind_of(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Null:
      return "nothing";
    case YAML::NodeType::Scalar:
      return quote(n.Scalar());
    default:
      return "an undefined value";
  }
}

void parser::fail(const std::string& path, int line, const std::string& message) const {
  throw config_error(path, line, message, origin_);
}

void parser::fail(const value& v, const std::string& message) const {
  fail(v.path, v.line, message);
}

std::string parser::show(const value& v, std::string_view text) const {
  if (v.node.IsScalar() && has_expansion(v.node.Scalar()))
    return quote(v.node.Scalar()) + " (its value from the environment is not shown)";
  return quote(text);
}

std::string parser::expand(const value& v, const std::string& in) const {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size();) {
    if (in.compare(i, 3, "$${") == 0) {
      out += "${";
      i += 3;
    } else if (in.compare(i, 2, "${") == 0) {
      auto end = in.find('}', i + 2);
      if (end == std::string::npos)
        fail(v, "unterminated \"${\" (write \"$${\" for a literal \"${\")");
      std::string name = in.substr(i + 2, end - i - 2);
      if (!valid_env_name(name))
        fail(v, "invalid environment variable name " + quote(name) + " in \"${...}\"");
      const char* env = std::getenv(name.c_str());
      if (env == nullptr) fail(v, "environment variable " + name + " is not set");
      out += env;
      i = end + 1;
    } else {
      out += in[i++];
    }
  }
  return out;
}

std::string parser::scalar(const value& v, const std::string& what) const {
  if (!v.node.IsScalar()) fail(v, "expected " + what + ", got " + kind_of(v.node));
  return expand(v, v.node.Scalar());
}

std::string parser::non_empty(const value& v, const std::string& what) const {
  auto s = scalar(v, what);
  if (s.empty()) fail(v, "expected " + what + ", got " + show(v, s));
  return s;
}

long long parser::integer(const value& v, long long lo, long long hi) const {
  std::string what;
  if (hi == k_max_size || hi == k_max_int)
    what = lo == 1 ? "a positive integer" : "an integer >= " + std::to_string(lo);
  else
    what = "an integer between " + std::to_string(lo) + " and " + std::to_string(hi);
  auto s = scalar(v, what);
  long long n = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (s.empty() || ec != std::errc() || ptr != s.data() + s.size() || n < lo || n > hi)
    fail(v, "expected " + what + ", got " + show(v, s));
  return n;
}

bool parser::boolean(const value& v) const {
  auto s = scalar(v, "true or false");
  auto l = lower(s);
  if (l == "true" || l == "yes" || l == "on") return true;
  if (l == "false" || l == "no" || l == "off") return false;
  fail(v, "expected true or false, got " + show(v, s));
}

std::string parser::one_of(const value& v, std::initializer_list<const char*> choices) const {
  std::vector<std::string> quoted;
  for (auto c : choices)
    quoted.push_back(quote(c));
  auto what = "one of " + join(quoted, ", ");
  auto s = scalar(v, what);
  for (auto c : choices)
    if (s == c) return s;
  fail(v, "expected " + what + ", got " + show(v, s));
}

std::string parser::attribute(const value& v) const {
  auto s = scalar(v, "an LDAP attribute name");
  if (!is_valid_attribute_name(s))
    fail(v, "expected an LDAP attribute name like \"mail\" or \"2.5.4.3\", got " + show(v, s));
  return s;
}

std::string parser::filter(const value& v) const {
  auto s = scalar(v, "an LDAP filter");
  if (auto problem = filter_problem(s, show(v, s)); !problem.empty()) fail(v, problem);
  return s;
}

std::string parser::dn(const value& v) const {
  auto s = scalar(v, "a DN");
  if (!dn_attribute_types(s))
    fail(v, "expected a DN like \"ou=people,dc=example,dc=com\", got " + show(v, s));
  return s;
}

std::vector<std::string> parser::dn_list(const value& v) const {
  // In a YAML flow list, [cn=owners,ou=groups,dc=example,dc=com] is four items, each a
  // valid one-RDN DN: the group would silently match nobody. A one-RDN item naming a
  // container (ou=, dc=, o=, c=, l=, st=) right after another one-RDN item is such a piece.
  static const std::vector<std::string> k_container_types = {"ou", "dc", "o", "c", "l", "st"};
  std::vector<std::string> out;
  auto items = list(v);
  std::size_t previous_rdns = 0;
  for (std::size_t i = 0; i < items.size(); ++i) {
    auto s = dn(items[i]);
    auto types = *dn_attribute_types(s);
    bool piece = types.size() == 1 && previous_rdns == 1 &&
                 std::find(k_container_types.begin(), k_container_types.end(), types.front()) !=
                     k_container_types.end();
    if (piece)
      fail(items[i], "this list of DNs was split at its commas: YAML reads " +
                         show(items[i - 1], out.back()) + " and " + show(items[i], s) +
                         " as separate items; quote each DN, e.g. "
                         "[\"cn=owners,ou=groups,dc=example,dc=com\"]");
    previous_rdns = types.size();
    out.push_back(std::move(s));
  }
  return out;
}

std::string parser::cidr(const value& v) const {
  auto s = scalar(v, "a CIDR");
  auto parsed = scopegate::config::cidr::parse(s);
  if (!parsed) {
    auto slash = s.find('/');
    auto host = scopegate::config::cidr::parse(s.substr(0, slash));
    if (slash == std::string::npos || !host)
      fail(v, "expected a CIDR like \"10.0.0.0/8\" or \"2001:db8::/32\", got " + show(v, s));
    fail(v, "expected a prefix length between 0 and " + std::to_string(host->prefix_length()) +
                " in CIDR " + show(v, s));
  }
  if (parsed->has_host_bits()) {
    std::string message = "CIDR " + show(v, s) + " has host bits set";
    // The suggestion would reveal the value, so it is left out for values from ${VAR}.
    if (show(v, s) == quote(s))
      message += "; did you mean " + quote(parsed->network().to_string()) + "?";
    fail(v, message);
  }
  return parsed->to_string();
}

std::vector<value> parser::list(const value& v) const {
  std::vector<value> out;
  if (v.node.IsNull()) return out;
  if (!v.node.IsSequence()) fail(v, "expected a list, got " + kind_of(v.node));
  std::size_t i = 0;
  for (const auto& item : v.node) {
    out.push_back({item, v.path + "[" + std::to_string(i) + "]", line_of(item, v.line)});
    ++i;
  }
  return out;
}

section::section(const parser& p, const value& v, std::initializer_list<const char*> known)
    : p_(p), path_(v.path), line_(v.line) {
  if (v.node.IsNull()) return;  // "listen:" with nothing below: all defaults
  if (!v.node.IsMap()) p.fail(v, "expected a mapping, got " + kind_of(v.node));
  for (const auto& kv : v.node) {
    int line = line_of(kv.first, v.line);
    if (!kv.first.IsScalar()) p.fail(path_, line, "keys must be plain names");
    std::string key = kv.first.Scalar();
    std::string path = prefix() + key;
    for (const auto& e : entries_)
      if (e.key == key)
        p.fail(path, line,
               "duplicate key (first given on line " + std::to_string(e.key_line) + ")");
    if (known.size() != 0 && std::find_if(known.begin(), known.end(),
                                          [&](const char* k) { return key == k; }) == known.end()) {
      std::string best;
      std::size_t best_distance = 3;
      for (auto k : known) {
        auto d = edit_distance(key, k);
        if (d < best_distance) best = k, best_distance = d;
      }
      std::string message = "unknown key " + quote(key);
      if (!best.empty()) message += "; did you mean " + quote(best) + "?";
      p.fail(path, line, message);
    }
    entries_.push_back({key, kv.second, path, line_of(kv.second, line), line});
  }
}

std::optional<value> section::get(const std::string& key) const {
  for (const auto& e : entries_)
    if (e.key == key) return value{e.node, e.path, e.value_line};
  return std::nullopt;
}

std::optional<value> section::get_set(const std::string& key) const {
  auto v = get(key);
  if (v && v->node.IsNull()) return std::nullopt;
  return v;
}

value section::require(const std::string& key) const {
  auto v = get_set(key);
  if (!v) p_.fail(prefix() + key, line_, "required key is missing");
  return *v;
}

value section::sub(const std::string& key) const {
  if (auto v = get(key)) return *v;
  return {YAML::Node(YAML::NodeType::Null), prefix() + key, 0};
}

int section::key_line(const std::string& key) const {
  for (const auto& e : entries_)
    if (e.key == key) return e.key_line;
  return line_;
}

std::string read_password_file(const parser& p, const value& v, const std::string& path) {
  const auto shown = p.show(v, path);
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    p.fail(v, "cannot read password file " + shown + ": is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) p.fail(v, "cannot read password file " + shown + ": " + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) p.fail(v, "cannot read password file " + shown);
  std::string s = ss.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r'))
    s.pop_back();
  return s;
}

}  // namespace detail

}  // namespace scopegate::config
