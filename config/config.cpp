// YAML -> validated scopegate::config::config. See docs/configuration.md for every key.
#include "config/config.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <set>
#include <sstream>
#include <string_view>

#include <yaml-cpp/yaml.h>

namespace scopegate::config {

namespace {

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

}  // namespace

config_error::config_error(std::string key_path, int line, const std::string& message,
                           std::string origin)
    : std::runtime_error(format_error(origin, line, key_path, message)),
      key_path_(std::move(key_path)),
      line_(line),
      message_(message),
      origin_(std::move(origin)) {}

namespace {

// ---------------------------------------------------------------------------------------
// Small text helpers

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

bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
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

// ---------------------------------------------------------------------------------------
// Syntax checks

// descr ( [A-Za-z][A-Za-z0-9-]* ) or numericoid ( 1.2.3 ), then optional ";option"s.
bool valid_attribute(std::string_view s) {
  auto semi = s.find(';');
  std::string_view base = s.substr(0, semi);
  if (base.empty()) return false;
  if (is_alpha(base[0])) {
    for (char c : base)
      if (!is_alpha(c) && !is_digit(c) && c != '-') return false;
  } else {
    // numeric OID: number *( "." number ), at least two arcs, no empty arcs.
    std::size_t arcs = 0;
    std::size_t pos = 0;
    while (true) {
      auto dot = base.find('.', pos);
      std::string_view arc = base.substr(pos, dot == std::string_view::npos ? dot : dot - pos);
      if (arc.empty()) return false;
      if (arc.size() > 1 && arc[0] == '0') return false;
      for (char c : arc)
        if (!is_digit(c)) return false;
      ++arcs;
      if (dot == std::string_view::npos) break;
      pos = dot + 1;
    }
    if (arcs < 2) return false;
  }
  if (semi == std::string_view::npos) return true;
  std::string_view opts = s.substr(semi + 1);
  std::size_t pos = 0;
  while (true) {
    auto next = opts.find(';', pos);
    std::string_view opt = opts.substr(pos, next == std::string_view::npos ? next : next - pos);
    if (opt.empty()) return false;
    for (char c : opt)
      if (!is_alpha(c) && !is_digit(c) && c != '-') return false;
    if (next == std::string_view::npos) break;
    pos = next + 1;
  }
  return true;
}

// Returns an empty string when `f` looks like one parenthesized LDAP filter, else the problem.
std::string filter_problem(std::string_view f) {
  if (f.empty()) return "must not be empty";
  if (f.front() != '(' || f.back() != ')')
    return "expected an LDAP filter in parentheses like \"(objectClass=person)\", got " + quote(f);
  int depth = 0;
  for (std::size_t i = 0; i < f.size(); ++i) {
    if (f[i] == '(') {
      if (i + 1 < f.size() && f[i + 1] == ')') return "empty \"()\" in filter " + quote(f);
      ++depth;
    } else if (f[i] == ')') {
      if (--depth < 0) return "unbalanced parentheses in filter " + quote(f);
      if (depth == 0 && i + 1 != f.size())
        return "expected a single filter (wrap several in \"(&...)\" or \"(|...)\"), got " +
               quote(f);
    }
  }
  if (depth != 0) return "unbalanced parentheses in filter " + quote(f);
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

// Parses "addr/prefix" (or a bare address, meaning a single host) and returns the canonical
// "addr/prefix", or an empty string and sets `problem`.
std::string normalize_cidr(const std::string& s, std::string& problem) {
  auto slash = s.find('/');
  std::string addr = s.substr(0, slash);
  unsigned char bytes[16] = {};
  int family = 0;
  int max_prefix = 0;
  if (addr.find(':') != std::string::npos) {
    if (inet_pton(AF_INET6, addr.c_str(), bytes) == 1) family = AF_INET6, max_prefix = 128;
  } else if (inet_pton(AF_INET, addr.c_str(), bytes) == 1) {
    family = AF_INET, max_prefix = 32;
  }
  if (family == 0) {
    problem = "expected a CIDR like \"10.0.0.0/8\" or \"2001:db8::/32\", got " + quote(s);
    return {};
  }
  int prefix = max_prefix;
  if (slash != std::string::npos) {
    std::string p = s.substr(slash + 1);
    auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), prefix);
    if (p.empty() || ec != std::errc() || ptr != p.data() + p.size() || prefix < 0 ||
        prefix > max_prefix || (p.size() > 1 && p[0] == '0')) {
      problem = "expected a prefix length between 0 and " + std::to_string(max_prefix) +
                " in CIDR " + quote(s);
      return {};
    }
  }
  const int nbytes = max_prefix / 8;
  bool host_bits = false;
  unsigned char network[16] = {};
  for (int i = 0; i < nbytes; ++i) {
    int keep = std::clamp(prefix - i * 8, 0, 8);
    unsigned char mask = keep == 0 ? 0 : static_cast<unsigned char>(0xff << (8 - keep));
    network[i] = bytes[i] & mask;
    if (network[i] != bytes[i]) host_bits = true;
  }
  char text[INET6_ADDRSTRLEN] = {};
  inet_ntop(family, network, text, sizeof text);
  std::string canonical = std::string(text) + "/" + std::to_string(prefix);
  if (host_bits) {
    problem = "CIDR " + quote(s) + " has host bits set; did you mean " + quote(canonical) + "?";
    return {};
  }
  return canonical;
}

// ---------------------------------------------------------------------------------------
// The YAML walker

struct value {
  YAML::Node node;
  std::string path;
  int line = 0;  // 1-based; 0 unknown
};

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

class parser {
 public:
  explicit parser(std::string origin) : origin_(std::move(origin)) {}

  [[noreturn]] void fail(const std::string& path, int line, const std::string& message) const {
    throw config_error(path, line, message, origin_);
  }
  [[noreturn]] void fail(const value& v, const std::string& message) const {
    fail(v.path, v.line, message);
  }

  // ${VAR} from the environment; "$${" is a literal "${".
  std::string expand(const value& v, const std::string& in) const {
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

  // A scalar's text after ${VAR} expansion. `what` describes the expected thing.
  std::string scalar(const value& v, const std::string& what = "a string") const {
    if (!v.node.IsScalar()) fail(v, "expected " + what + ", got " + kind_of(v.node));
    return expand(v, v.node.Scalar());
  }

  std::string non_empty(const value& v, const std::string& what = "a non-empty string") const {
    auto s = scalar(v, what);
    if (s.empty()) fail(v, "expected " + what + ", got \"\"");
    return s;
  }

  long long integer(const value& v, long long lo, long long hi) const {
    std::string what;
    if (hi == std::numeric_limits<long long>::max() || hi == INT_MAX)
      what = lo == 1 ? "a positive integer" : "an integer >= " + std::to_string(lo);
    else
      what = "an integer between " + std::to_string(lo) + " and " + std::to_string(hi);
    auto s = scalar(v, what);
    long long n = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (s.empty() || ec != std::errc() || ptr != s.data() + s.size() || n < lo || n > hi)
      fail(v, "expected " + what + ", got " + quote(s));
    return n;
  }

  bool boolean(const value& v) const {
    auto s = scalar(v, "true or false");
    auto l = lower(s);
    if (l == "true" || l == "yes" || l == "on") return true;
    if (l == "false" || l == "no" || l == "off") return false;
    fail(v, "expected true or false, got " + quote(s));
  }

  std::string one_of(const value& v, std::initializer_list<const char*> choices) const {
    std::vector<std::string> quoted;
    for (auto c : choices)
      quoted.push_back(quote(c));
    auto what = "one of " + join(quoted, ", ");
    auto s = scalar(v, what);
    for (auto c : choices)
      if (s == c) return s;
    fail(v, "expected " + what + ", got " + quote(s));
  }

  std::string attribute(const value& v) const {
    auto s = scalar(v, "an LDAP attribute name");
    if (!valid_attribute(s))
      fail(v, "expected an LDAP attribute name like \"mail\" or \"2.5.4.3\", got " + quote(s));
    return s;
  }

  std::string filter(const value& v) const {
    auto s = scalar(v, "an LDAP filter");
    if (auto p = filter_problem(s); !p.empty()) fail(v, p);
    return s;
  }

  std::string dn(const value& v) const {
    auto s = scalar(v, "a DN");
    if (s.empty() || s.find('=') == std::string::npos)
      fail(v, "expected a DN like \"ou=people,dc=example,dc=com\", got " + quote(s));
    return s;
  }

  std::string cidr(const value& v) const {
    auto s = scalar(v, "a CIDR");
    std::string problem;
    auto c = normalize_cidr(s, problem);
    if (c.empty()) fail(v, problem);
    return c;
  }

  // Items of a list; a missing/null value is an empty list.
  std::vector<value> list(const value& v) const {
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

 private:
  std::string origin_;
};

// The entries of one YAML mapping, checked against the keys it may contain.
class section {
 public:
  section(const parser& p, const value& v, std::initializer_list<const char*> known)
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
      if (known.size() != 0 && std::find_if(known.begin(), known.end(), [&](const char* k) {
                                 return key == k;
                               }) == known.end()) {
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

  // The value of `key`, if present (a present but null value counts as present).
  std::optional<value> get(const std::string& key) const {
    for (const auto& e : entries_)
      if (e.key == key) return value{e.node, e.path, e.value_line};
    return std::nullopt;
  }

  // Present and not null.
  std::optional<value> get_set(const std::string& key) const {
    auto v = get(key);
    if (v && v->node.IsNull()) return std::nullopt;
    return v;
  }

  value require(const std::string& key) const {
    auto v = get_set(key);
    if (!v) p_.fail(prefix() + key, line_, "required key is missing");
    return *v;
  }

  // A present key as a value, or a placeholder for a missing one (for sub-sections).
  value sub(const std::string& key) const {
    if (auto v = get(key)) return *v;
    return {YAML::Node(YAML::NodeType::Null), prefix() + key, 0};
  }

  std::string path(const std::string& key) const { return prefix() + key; }
  int line() const { return line_; }
  int key_line(const std::string& key) const {
    for (const auto& e : entries_)
      if (e.key == key) return e.key_line;
    return line_;
  }

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
  std::string prefix() const { return path_.empty() ? std::string() : path_ + "."; }

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

constexpr long long kMaxInt = INT_MAX;
constexpr long long kMaxSize = std::numeric_limits<long long>::max();
constexpr long long kMaxTimeoutMs = 600'000;

std::string read_password_file(const parser& p, const value& v, const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    p.fail(v, "cannot read password file " + quote(path) + ": is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) p.fail(v, "cannot read password file " + quote(path) + ": " + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) p.fail(v, "cannot read password file " + quote(path));
  std::string s = ss.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r'))
    s.pop_back();
  return s;
}

void parse_listen(const parser& p, const value& v, listen_config& c) {
  section s(p, v,
            {"address", "port", "threads", "header_limit_bytes", "body_limit_bytes",
             "read_timeout_ms", "idle_timeout_ms", "trusted_proxies"});
  if (auto a = s.get("address")) {
    c.address = p.non_empty(*a, "an IP address or host name");
    for (char ch : c.address)
      if (!(is_alpha(ch) || is_digit(ch) || ch == '.' || ch == '-' || ch == ':' || ch == '_'))
        p.fail(*a, "expected an IP address or host name (no port), got " + quote(c.address));
  }
  set_int(p, s, "port", c.port, 0, 65535);  // 0: any free port (tests)
  set_int(p, s, "threads", c.threads, 0, 256);
  set_int(p, s, "header_limit_bytes", c.header_limit_bytes, 1, kMaxSize);
  set_int(p, s, "body_limit_bytes", c.body_limit_bytes, 1, kMaxSize);
  set_int(p, s, "read_timeout_ms", c.read_timeout_ms, 1, kMaxTimeoutMs);
  set_int(p, s, "idle_timeout_ms", c.idle_timeout_ms, 1, kMaxTimeoutMs);
  if (auto t = s.get("trusted_proxies")) {
    c.trusted_proxies.clear();
    for (const auto& item : p.list(*t))
      c.trusted_proxies.push_back(p.cidr(item));
  }
}

void parse_ldap(const parser& p, const value& v, ldap_config& c) {
  section s(p, v,
            {"uris", "bind_dn", "bind_password", "bind_password_file", "start_tls", "ca_file",
             "pool_size", "bind_pool_size", "timeout_ms", "connect_timeout_ms", "page_size",
             "reconnect_max_backoff_ms"});
  auto uris = s.require("uris");
  c.uris.clear();
  auto check_uri = [&](const value& at, const std::string& uri) {
    auto l = lower(uri);
    if (!(l.starts_with("ldap://") || l.starts_with("ldaps://")))
      p.fail(at, "expected a URI starting with ldap:// or ldaps://, got " + quote(uri));
    c.uris.push_back(uri);
  };
  if (uris.node.IsScalar()) {
    // One string; several URIs may be separated by whitespace (handy with ${LDAP_URIS}).
    std::istringstream words(p.scalar(uris));
    std::string word;
    while (words >> word)
      check_uri(uris, word);
  } else {
    if (!uris.node.IsSequence())
      p.fail(uris, "expected a list of URIs or one URI, got " + kind_of(uris.node));
    for (const auto& item : p.list(uris))
      check_uri(item, p.non_empty(item, "an LDAP URI"));
  }
  if (c.uris.empty()) p.fail(uris, "at least one ldap:// or ldaps:// URI is required");

  if (auto b = s.get_set("bind_dn")) c.bind_dn = p.scalar(*b, "a DN");
  if (!c.bind_dn.empty() && c.bind_dn.find('=') == std::string::npos)
    p.fail(s.path("bind_dn"), s.key_line("bind_dn"),
           "expected a DN like \"cn=scopegate,ou=services,dc=example,dc=com\", got " +
               quote(c.bind_dn));

  auto pw = s.get_set("bind_password");
  auto pw_file = s.get_set("bind_password_file");
  std::string pw_key = "bind_password";
  if (pw && pw_file)
    p.fail(pw_file->path, pw_file->line,
           "set either bind_password or bind_password_file, not both (bind_password is on "
           "line " +
               std::to_string(pw->line) + ")");
  if (pw) {
    c.bind_password = p.scalar(*pw);
  } else if (pw_file) {
    pw_key = "bind_password_file";
    c.bind_password = read_password_file(p, *pw_file, p.non_empty(*pw_file, "a file path"));
  }
  if (!c.bind_dn.empty() && c.bind_password.empty())
    p.fail(s.path(pw_key), s.key_line(pw_key),
           "bind_dn is set but the password is empty (an LDAP bind with an empty password is "
           "an unauthenticated, i.e. anonymous, bind); set bind_password or "
           "bind_password_file");
  if (c.bind_dn.empty() && !c.bind_password.empty())
    p.fail(s.path(pw_key), s.key_line(pw_key), "a password is set but bind_dn is empty");

  if (auto t = s.get_set("start_tls")) c.start_tls = p.boolean(*t);
  if (c.start_tls)
    for (const auto& uri : c.uris)
      if (lower(uri).starts_with("ldaps://"))
        p.fail(
            s.path("start_tls"), s.key_line("start_tls"),
            "start_tls cannot be combined with ldaps:// URIs (" + uri + " is already encrypted)");
  if (auto f = s.get_set("ca_file")) c.ca_file = p.scalar(*f, "a file path");
  set_int(p, s, "pool_size", c.pool_size, 1, 256);
  set_int(p, s, "bind_pool_size", c.bind_pool_size, 1, 256);
  set_int(p, s, "timeout_ms", c.timeout_ms, 1, kMaxTimeoutMs);
  set_int(p, s, "connect_timeout_ms", c.connect_timeout_ms, 1, kMaxTimeoutMs);
  set_int(p, s, "page_size", c.page_size, 1, 10'000);
  set_int(p, s, "reconnect_max_backoff_ms", c.reconnect_max_backoff_ms, 1, kMaxTimeoutMs);
}

void parse_agents(const parser& p, const value& v, agents_config& c) {
  section s(p, v,
            {"base_dn", "filter", "login_attribute", "partner_attribute", "access_mode_attribute",
             "contact_visibility_attribute", "daily_limit_attribute"});
  c.base_dn = p.dn(s.require("base_dn"));
  if (auto f = s.get("filter")) c.filter = p.filter(*f);
  if (auto a = s.get("login_attribute")) c.login_attribute = p.attribute(*a);
  if (auto a = s.get_set("partner_attribute")) c.partner_attribute = p.attribute(*a);
  if (auto a = s.get("access_mode_attribute")) c.access_mode_attribute = p.attribute(*a);
  if (auto a = s.get("contact_visibility_attribute"))
    c.contact_visibility_attribute = p.attribute(*a);
  if (auto a = s.get("daily_limit_attribute")) c.daily_limit_attribute = p.attribute(*a);
}

void parse_partners(const parser& p, const value& v, partners_config& c) {
  section s(p, v,
            {"base_dn", "filter", "id_attribute", "customer_ids_attribute", "member_attribute",
             "name_attribute"});
  c.base_dn = p.dn(s.require("base_dn"));
  if (auto f = s.get("filter")) c.filter = p.filter(*f);
  if (auto a = s.get("id_attribute")) c.id_attribute = p.attribute(*a);
  if (auto a = s.get("customer_ids_attribute")) c.customer_ids_attribute = p.attribute(*a);
  if (auto a = s.get_set("member_attribute")) c.member_attribute = p.attribute(*a);
  if (auto a = s.get("name_attribute")) c.name_attribute = p.attribute(*a);
}

void parse_customers(const parser& p, const value& v, customers_config& c) {
  section s(p, v,
            {"base_dn", "filter", "login_attribute", "customer_id_attribute", "search_attributes",
             "fields", "max_results", "index", "index_max_staleness_seconds", "owner_attribute",
             "editable_fields", "object_classes"});
  c.base_dn = p.dn(s.require("base_dn"));
  if (auto f = s.get("filter")) c.filter = p.filter(*f);
  if (auto a = s.get("login_attribute")) c.login_attribute = p.attribute(*a);
  if (auto a = s.get("customer_id_attribute")) c.customer_id_attribute = p.attribute(*a);
  if (auto a = s.get("search_attributes")) {
    c.search_attributes.clear();
    for (const auto& item : p.list(*a))
      c.search_attributes.push_back(p.attribute(item));
    if (c.search_attributes.empty())
      p.fail(*a, "at least one attribute is needed for customer searches");
  }
  c.fields.clear();
  if (auto f = s.get_set("fields")) {
    section fields(p, *f, {});  // any key; duplicates are refused by `section`
    fields.for_each([&](const std::string& name, const value& attr, int key_line) {
      if (!valid_field_name(name))
        p.fail(attr.path, key_line, "field names must match [a-z_][a-z0-9_]*, got " + quote(name));
      c.fields.push_back({name, p.attribute(attr)});
    });
    if (c.fields.empty()) p.fail(*f, "at least one field is needed");
  } else {
    c.fields = {{"login", c.login_attribute},
                {"customer_id", c.customer_id_attribute},
                {"name", "cn"},
                {"email", "mail"},
                {"phone", "telephoneNumber"}};
  }
  set_int(p, s, "max_results", c.max_results, 1, kMaxInt);
  if (auto i = s.get("index"))
    c.index =
        p.one_of(*i, {"memory", "ldap"}) == "ldap" ? customer_index::ldap : customer_index::memory;
  set_int(p, s, "index_max_staleness_seconds", c.index_max_staleness_seconds, 0, 86'400);
  if (auto a = s.get("owner_attribute")) c.owner_attribute = p.attribute(*a);
  if (auto e = s.get("editable_fields")) {
    c.editable_fields.clear();
    for (const auto& item : p.list(*e)) {
      auto name = p.non_empty(item, "a field name from customers.fields");
      if (std::none_of(c.fields.begin(), c.fields.end(),
                       [&](const customer_field& f) { return f.name == name; }))
        p.fail(item, "no field " + quote(name) + " in customers.fields");
      if (name == "login") p.fail(item, "the login cannot be edited (it names the entry)");
      c.editable_fields.push_back(name);
    }
  }
  if (auto o = s.get("object_classes")) {
    c.object_classes.clear();
    for (const auto& item : p.list(*o))
      c.object_classes.push_back(p.attribute(item));
    if (c.object_classes.empty()) p.fail(*o, "at least one object class is needed");
  }
}

void parse_scope(const parser& p, const value& v, scope_config& c) {
  section s(p, v,
            {"unassigned_agents", "bypass_groups", "group_member_attribute", "cache_ttl_seconds",
             "cache_max_entries", "creator_only_groups", "fieldworkers_see_all_customers"});
  if (auto u = s.get("unassigned_agents"))
    c.unassigned_agents =
        p.one_of(*u, {"deny", "all"}) == "all" ? unassigned_policy::all : unassigned_policy::deny;
  if (auto g = s.get("bypass_groups")) {
    c.bypass_groups.clear();
    for (const auto& item : p.list(*g))
      c.bypass_groups.push_back(p.dn(item));
  }
  if (auto a = s.get("group_member_attribute")) c.group_member_attribute = p.attribute(*a);
  set_int(p, s, "cache_ttl_seconds", c.cache_ttl_seconds, 0, kMaxInt);
  set_int(p, s, "cache_max_entries", c.cache_max_entries, 1, kMaxSize);
  if (auto g = s.get("creator_only_groups")) {
    c.creator_only_groups.clear();
    for (const auto& item : p.list(*g))
      c.creator_only_groups.push_back(p.dn(item));
  }
  if (auto f = s.get("fieldworkers_see_all_customers"))
    c.fieldworkers_see_all_customers = p.boolean(*f);
}

access_mode mode_of(const parser& p, const value& v) {
  return *parse_access_mode(
      p.one_of(v, {"full", "edit", "edit_import", "edit_export", "view_only", "hidden"}));
}

void parse_access(const parser& p, const value& v, access_config& c) {
  section s(p, v, {"default_mode", "group_modes"});
  if (auto d = s.get("default_mode")) c.default_mode = mode_of(p, *d);
  if (auto g = s.get("group_modes")) {
    c.group_modes.clear();
    for (const auto& item : p.list(*g)) {
      section gs(p, item, {"group", "mode"});
      c.group_modes.push_back({p.dn(gs.require("group")), mode_of(p, gs.require("mode"))});
    }
  }
}

void parse_auth(const parser& p, const value& v, auth_config& c) {
  section s(p, v, {"trusted_clients", "bind_cache_seconds", "login_case"});
  if (auto t = s.get("trusted_clients")) {
    c.trusted_clients.clear();
    for (const auto& item : p.list(*t)) {
      if (item.node.IsNull())
        p.fail(item, "expected a mapping with name, api_key_sha256 and networks, got nothing");
      section cs(p, item, {"name", "api_key_sha256", "networks"});
      trusted_client tc;
      auto name = cs.require("name");
      tc.name = p.non_empty(name, "a client name");
      for (const auto& other : c.trusted_clients)
        if (other.name == tc.name) p.fail(name, "duplicate trusted client name " + quote(tc.name));
      auto key = cs.require("api_key_sha256");
      tc.api_key_sha256 = p.scalar(key, "64 lowercase hex digits");
      if (!valid_sha256_hex(tc.api_key_sha256))
        p.fail(key,
               "expected 64 lowercase hex digits (the SHA-256 of the API key, e.g. from "
               "`printf %s \"$KEY\" | sha256sum`), got " +
                   std::to_string(tc.api_key_sha256.size()) + " characters");
      for (const auto& other : c.trusted_clients)
        if (other.api_key_sha256 == tc.api_key_sha256)
          p.fail(key, "the same API key is already used by trusted client " + quote(other.name));
      auto nets = cs.require("networks");
      for (const auto& n : p.list(nets))
        tc.networks.push_back(p.cidr(n));
      if (tc.networks.empty())
        p.fail(nets, "at least one network is needed (use 0.0.0.0/0 and ::/0 for anywhere)");
      c.trusted_clients.push_back(std::move(tc));
    }
  }
  set_int(p, s, "bind_cache_seconds", c.bind_cache_seconds, 0, kMaxInt);
  if (auto l = s.get("login_case"))
    c.login_case =
        p.one_of(*l, {"lower", "preserve"}) == "lower" ? case_rule::lower : case_rule::preserve;
}

// Needs customers parsed first: masked fields are checked against customers.fields.
void parse_masking(const parser& p, const value& v, const customers_config& customers,
                   masking_config& c) {
  section s(p, v, {"enabled", "fields", "style", "visible_to_groups"});
  if (auto e = s.get("enabled")) c.enabled = p.boolean(*e);
  c.fields.clear();
  if (auto f = s.get("fields")) {
    for (const auto& item : p.list(*f)) {
      auto name = p.non_empty(item, "a field name from customers.fields");
      auto it = std::find_if(customers.fields.begin(), customers.fields.end(),
                             [&](const customer_field& cf) { return cf.name == name; });
      if (it == customers.fields.end()) {
        std::vector<std::string> names;
        for (const auto& cf : customers.fields)
          names.push_back(cf.name);
        p.fail(item, "no field " + quote(name) + " in customers.fields (there are " +
                         join(names, ", ") + ")");
      }
      if (it->attribute == customers.login_attribute ||
          it->attribute == customers.customer_id_attribute)
        p.fail(item, "field " + quote(name) +
                         " holds the login or the customer ID, which cannot be masked");
      if (std::find(c.fields.begin(), c.fields.end(), name) != c.fields.end())
        p.fail(item, "field " + quote(name) + " is listed twice");
      c.fields.push_back(name);
    }
  } else {
    for (const auto& cf : customers.fields)
      if ((cf.name == "email" || cf.name == "phone" || cf.name == "mobile") &&
          cf.attribute != customers.login_attribute &&
          cf.attribute != customers.customer_id_attribute)
        c.fields.push_back(cf.name);
  }
  if (auto st = s.get("style"))
    c.style = p.one_of(*st, {"redact", "partial"}) == "partial" ? mask_style::partial
                                                                : mask_style::redact;
  if (auto g = s.get("visible_to_groups")) {
    c.visible_to_groups.clear();
    for (const auto& item : p.list(*g))
      c.visible_to_groups.push_back(p.dn(item));
  }
}

// The directory holding IANA time zone files (TZif): $TZDIR or /usr/share/zoneinfo.
std::string zoneinfo_dir() {
  const char* env = std::getenv("TZDIR");
  return env && *env ? std::string(env) : std::string("/usr/share/zoneinfo");
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

void parse_reveal(const parser& p, const value& v, reveal_config& c) {
  section s(p, v,
            {"daily_limit", "timezone", "notify_email", "database_path", "retention_days",
             "purge_interval_seconds", "dashboard_url"});
  set_int(p, s, "daily_limit", c.daily_limit, 0, 1'000'000);
  if (auto t = s.get("timezone")) {
    c.timezone = p.non_empty(*t, "an IANA time zone name like \"Europe/Berlin\"");
    if (!valid_zone_name(c.timezone))
      p.fail(*t,
             "expected an IANA time zone name like \"Europe/Berlin\", got " + quote(c.timezone));
    std::error_code ec;
    auto file = zoneinfo_dir() + "/" + c.timezone;
    if (!std::filesystem::is_regular_file(file, ec))
      p.fail(*t, "unknown time zone " + quote(c.timezone) + " (no file " + quote(file) + ")");
  }
  if (auto n = s.get_set("notify_email")) {
    c.notify_email = p.scalar(*n, "an email address");
    if (!c.notify_email.empty() && !valid_email(c.notify_email))
      p.fail(*n, "expected one email address like \"security@example.com\", got " +
                     quote(c.notify_email));
  }
  if (auto d = s.get_set("database_path")) c.database_path = p.scalar(*d, "a file path");
  set_int(p, s, "retention_days", c.retention_days, 1, 36'500);
  set_int(p, s, "purge_interval_seconds", c.purge_interval_seconds, 1, 86'400);
  if (auto u = s.get_set("dashboard_url")) {
    c.dashboard_url = p.scalar(*u, "an http:// or https:// URL");
    auto l = lower(c.dashboard_url);
    if (!c.dashboard_url.empty() && !(l.starts_with("http://") || l.starts_with("https://")))
      p.fail(*u, "expected an http:// or https:// URL, got " + quote(c.dashboard_url));
    for (unsigned char ch : c.dashboard_url)
      if (ch <= 0x20 || ch == 0x7f) p.fail(*u, "the URL contains spaces or control characters");
    while (c.dashboard_url.ends_with('/'))
      c.dashboard_url.pop_back();
  }
}

void parse_smtp(const parser& p, const value& v, smtp_config& c) {
  section s(p, v,
            {"url", "username", "password", "password_file", "starttls", "from", "timeout_ms",
             "attempts", "retry_backoff_ms"});
  if (auto u = s.get_set("url")) {
    c.url = p.scalar(*u, "an smtp:// or smtps:// URL");
    auto l = lower(c.url);
    if (!c.url.empty() && !(l.starts_with("smtp://") || l.starts_with("smtps://")))
      p.fail(*u, "expected a URL starting with smtp:// or smtps://, got " + quote(c.url));
  }
  if (auto n = s.get_set("username")) c.username = p.scalar(*n);
  auto pw = s.get_set("password");
  auto pw_file = s.get_set("password_file");
  if (pw && pw_file)
    p.fail(pw_file->path, pw_file->line,
           "set either password or password_file, not both (password is on line " +
               std::to_string(pw->line) + ")");
  if (pw)
    c.password = p.scalar(*pw);
  else if (pw_file)
    c.password = read_password_file(p, *pw_file, p.non_empty(*pw_file, "a file path"));
  if (!c.password.empty() && c.username.empty())
    p.fail(s.path(pw ? "password" : "password_file"), s.key_line(pw ? "password" : "password_file"),
           "a password is set but username is empty");
  if (auto t = s.get_set("starttls")) c.starttls = p.boolean(*t);
  if (c.starttls && lower(c.url).starts_with("smtps://"))
    p.fail(s.path("starttls"), s.key_line("starttls"),
           "starttls cannot be combined with an smtps:// URL (it is already encrypted)");
  if (auto f = s.get_set("from")) {
    c.from = p.scalar(*f, "an email address");
    if (!c.from.empty() && !valid_email(c.from))
      p.fail(*f, "expected one email address like \"scopegate@example.com\", got " + quote(c.from));
  }
  set_int(p, s, "timeout_ms", c.timeout_ms, 1, kMaxTimeoutMs);
  set_int(p, s, "attempts", c.attempts, 1, 10);
  set_int(p, s, "retry_backoff_ms", c.retry_backoff_ms, 0, kMaxTimeoutMs);
}

void parse_log(const parser& p, const value& v, log_config& c) {
  section s(p, v, {"level", "access_log"});
  if (auto l = s.get("level")) c.level = p.one_of(*l, {"trace", "debug", "info", "warn", "error"});
  if (auto a = s.get("access_log")) c.access_log = p.boolean(*a);
}

void parse_admin(const parser& p, const value& v, admin_config& c) {
  section s(p, v,
            {"group_dns", "member_attribute", "session_idle_minutes", "session_max_hours",
             "history_database_path", "login_attempts_per_minute", "secure_cookie",
             "partner_object_classes"});
  if (auto g = s.get("group_dns")) {
    c.group_dns.clear();
    for (const auto& item : p.list(*g))
      c.group_dns.push_back(p.dn(item));
  }
  if (auto a = s.get("member_attribute")) c.member_attribute = p.attribute(*a);
  set_int(p, s, "session_idle_minutes", c.session_idle_minutes, 1, 24 * 60);
  set_int(p, s, "session_max_hours", c.session_max_hours, 1, 24 * 30);
  if (auto h = s.get_set("history_database_path"))
    c.history_database_path = p.scalar(*h, "a file path for the SQLite history database");
  set_int(p, s, "login_attempts_per_minute", c.login_attempts_per_minute, 1, 10'000);
  if (auto b = s.get("secure_cookie")) c.secure_cookie = p.boolean(*b);
  if (auto o = s.get("partner_object_classes")) {
    c.partner_object_classes.clear();
    for (const auto& item : p.list(*o))
      c.partner_object_classes.push_back(p.attribute(item));
    if (c.partner_object_classes.empty())
      p.fail(*o, "at least one object class is needed to create partner entries");
  }
  if (c.session_idle_minutes > c.session_max_hours * 60)
    p.fail(s.path("session_idle_minutes"), s.key_line("session_idle_minutes"),
           "is longer than session_max_hours; the idle limit would never apply");
}

}  // namespace

config parse_config(const std::string& yaml_text, const std::string& origin) {
  parser p(origin);
  std::vector<YAML::Node> docs;
  try {
    docs = YAML::LoadAll(yaml_text);
  } catch (const YAML::ParserException& e) {
    p.fail("", e.mark.line >= 0 ? e.mark.line + 1 : 0, "invalid YAML: " + e.msg);
  } catch (const YAML::Exception& e) {
    p.fail("", 0, std::string("invalid YAML: ") + e.what());
  }
  if (docs.size() > 1)
    p.fail("", line_of(docs[1], 0),
           "expected one YAML document, found " + std::to_string(docs.size()));
  if (docs.empty() || docs[0].IsNull())
    p.fail("", 0, "the configuration is empty; expected a mapping with sections like ldap:");
  const YAML::Node& root = docs[0];
  if (!root.IsMap())
    p.fail("", line_of(root, 0),
           "expected a mapping of sections at the top level, got " + kind_of(root));

  config c;
  try {
    section top(p, {root, "", line_of(root, 0)},
                {"listen", "ldap", "agents", "partners", "customers", "scope", "auth", "access",
                 "masking", "reveal", "smtp", "log", "admin"});
    parse_listen(p, top.sub("listen"), c.listen);
    parse_ldap(p, top.sub("ldap"), c.ldap);
    parse_agents(p, top.sub("agents"), c.agents);
    parse_partners(p, top.sub("partners"), c.partners);
    parse_customers(p, top.sub("customers"), c.customers);
    parse_scope(p, top.sub("scope"), c.scope);
    parse_auth(p, top.sub("auth"), c.auth);
    parse_access(p, top.sub("access"), c.access);
    parse_masking(p, top.sub("masking"), c.customers, c.masking);
    parse_reveal(p, top.sub("reveal"), c.reveal);
    parse_smtp(p, top.sub("smtp"), c.smtp);
    parse_log(p, top.sub("log"), c.log);
    parse_admin(p, top.sub("admin"), c.admin);
    if (!c.reveal.notify_email.empty()) {
      if (c.smtp.url.empty())
        p.fail("smtp.url", top.key_line("smtp"),
               "reveal.notify_email is set, so alert mails need smtp.url");
      if (c.smtp.from.empty())
        p.fail("smtp.from", top.key_line("smtp"),
               "reveal.notify_email is set, so alert mails need a sender address in smtp.from");
    }
    if (!c.agents.partner_attribute && !c.partners.member_attribute)
      p.fail("agents.partner_attribute", top.key_line("agents"),
             "neither agents.partner_attribute nor partners.member_attribute is set; one of "
             "them is needed to link agents to partners");
  } catch (const YAML::Exception& e) {  // should not happen; never let it escape untyped
    p.fail("", e.mark.line >= 0 ? e.mark.line + 1 : 0, std::string("invalid YAML: ") + e.what());
  }
  return c;
}

config load_config(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw config_error("", 0, "cannot read configuration file: is a directory", path);
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw config_error(
        "", 0, std::string("cannot read configuration file: ") + std::strerror(errno), path);
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw config_error("", 0, "cannot read configuration file: read error", path);
  return parse_config(ss.str(), path);
}

std::string describe(const config& c) {
  std::ostringstream o;
  auto list_or_none = [](const std::vector<std::string>& v) {
    return v.empty() ? std::string("none") : join(v, ", ");
  };
  o << "listen: " << c.listen.address << ":" << c.listen.port << ", threads "
    << (c.listen.threads == 0 ? std::string("one per core") : std::to_string(c.listen.threads))
    << ", trusted proxies: " << list_or_none(c.listen.trusted_proxies) << "\n";
  o << "ldap: " << join(c.ldap.uris, ", ") << (c.ldap.start_tls ? " (StartTLS)" : "") << "; bind "
    << (c.ldap.bind_dn.empty() ? std::string("anonymous")
                               : "as " + c.ldap.bind_dn + " with password ***")
    << "; pools " << c.ldap.pool_size << " search + " << c.ldap.bind_pool_size << " bind; timeout "
    << c.ldap.timeout_ms << " ms; page size " << c.ldap.page_size;
  if (!c.ldap.ca_file.empty()) o << "; CA " << c.ldap.ca_file;
  o << "\n";
  o << "agents: " << c.agents.base_dn << " " << c.agents.filter << ", login "
    << c.agents.login_attribute;
  if (c.agents.partner_attribute) o << ", partner IDs in " << *c.agents.partner_attribute;
  o << "\n";
  o << "partners: " << c.partners.base_dn << " " << c.partners.filter << ", id "
    << c.partners.id_attribute << ", customer IDs in " << c.partners.customer_ids_attribute;
  if (c.partners.member_attribute) o << ", member agents in " << *c.partners.member_attribute;
  o << "\n";
  std::vector<std::string> fields;
  for (const auto& f : c.customers.fields)
    fields.push_back(f.name + "=" + f.attribute);
  o << "customers: " << c.customers.base_dn << " " << c.customers.filter << ", login "
    << c.customers.login_attribute << ", customer ID " << c.customers.customer_id_attribute
    << ", search " << join(c.customers.search_attributes, ", ") << ", fields " << join(fields, ", ")
    << ", max results " << c.customers.max_results << ", index "
    << (c.customers.index == customer_index::ldap ? "ldap" : "memory") << " (max staleness "
    << c.customers.index_max_staleness_seconds << " s)\n";
  o << "scope: unassigned agents "
    << (c.scope.unassigned_agents == unassigned_policy::all ? "see all" : "denied")
    << ", bypass groups: " << list_or_none(c.scope.bypass_groups) << ", cache "
    << (c.scope.cache_ttl_seconds == 0 ? std::string("off")
                                       : std::to_string(c.scope.cache_ttl_seconds) + " s, " +
                                             std::to_string(c.scope.cache_max_entries) + " entries")
    << "\n";
  o << "auth: " << c.auth.trusted_clients.size() << " trusted client(s)";
  for (const auto& tc : c.auth.trusted_clients)
    o << "; " << tc.name << " from " << join(tc.networks, ", ");
  o << "; bind cache "
    << (c.auth.bind_cache_seconds == 0 ? std::string("off")
                                       : std::to_string(c.auth.bind_cache_seconds) + " s")
    << "; logins " << (c.auth.login_case == case_rule::lower ? "lower-cased" : "case preserved")
    << "\n";
  o << "masking: " << (c.masking.enabled ? "on" : "off") << ", fields "
    << list_or_none(c.masking.fields) << ", style "
    << (c.masking.style == mask_style::partial ? "partial" : "redact")
    << ", visible to groups: " << list_or_none(c.masking.visible_to_groups) << "\n";
  o << "reveal: " << c.reveal.daily_limit << " customers per agent per day (" << c.reveal.timezone
    << "), alerts to " << (c.reveal.notify_email.empty() ? "nobody" : c.reveal.notify_email)
    << ", ledger "
    << (c.reveal.database_path.empty() ? std::string("in memory") : c.reveal.database_path)
    << ", kept " << c.reveal.retention_days << " days\n";
  if (!c.smtp.url.empty())
    o << "smtp: " << c.smtp.url << (c.smtp.starttls ? " (STARTTLS)" : "") << " from " << c.smtp.from
      << (c.smtp.username.empty() ? std::string()
                                  : ", as " + c.smtp.username + " with password ***")
      << "\n";
  o << "log: " << c.log.level << ", access log " << (c.log.access_log ? "on" : "off") << "\n";
  o << "admin: groups " << list_or_none(c.admin.group_dns) << " (members in "
    << c.admin.member_attribute << "); sessions idle " << c.admin.session_idle_minutes
    << " min, max " << c.admin.session_max_hours << " h; history "
    << (c.admin.history_database_path.empty() ? std::string("in memory")
                                              : c.admin.history_database_path)
    << "; " << c.admin.login_attempts_per_minute << " failed logins/min\n";
  return o.str();
}

const char* to_string(access_mode mode) {
  switch (mode) {
    case access_mode::full:
      return "full";
    case access_mode::edit:
      return "edit";
    case access_mode::edit_import:
      return "edit_import";
    case access_mode::edit_export:
      return "edit_export";
    case access_mode::view_only:
      return "view_only";
    case access_mode::hidden:
      return "hidden";
  }
  return "hidden";
}

std::optional<access_mode> parse_access_mode(std::string_view text) {
  for (auto m : {access_mode::full, access_mode::edit, access_mode::edit_import,
                 access_mode::edit_export, access_mode::view_only, access_mode::hidden})
    if (text == to_string(m)) return m;
  return std::nullopt;
}

}  // namespace scopegate::config
