#include "gateway/auth/authenticator.hpp"

#include "gateway/http/base64.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <stdexcept>

namespace scopegate::gateway {

namespace {

constexpr std::size_t k_max_login = 256;
constexpr std::size_t k_max_cache = 100'000;

template <class Map>
void prune(Map& map) {
  if (map.size() < k_max_cache) return;
  auto now = std::chrono::steady_clock::now();
  std::erase_if(map, [&](const auto& kv) { return kv.second.expires <= now; });
  if (map.size() >= k_max_cache) map.clear();
}

}  // namespace

std::optional<std::string> canonical_login(std::string_view raw, config::case_rule rule) {
  auto is_space = [](char c) { return c == ' ' || c == '\t'; };
  while (!raw.empty() && is_space(raw.front()))
    raw.remove_prefix(1);
  while (!raw.empty() && is_space(raw.back()))
    raw.remove_suffix(1);
  if (raw.empty() || raw.size() > k_max_login) return std::nullopt;
  std::string out;
  out.reserve(raw.size());
  for (char c : raw) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return std::nullopt;
    if (rule == config::case_rule::lower && c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    out.push_back(c);
  }
  return out;
}

std::string sha256_hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("SHA-256 failed");
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out.push_back(hex[digest[i] >> 4]);
    out.push_back(hex[digest[i] & 15]);
  }
  return out;
}

bool secrets_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

authenticator::authenticator(mapping::directory& dir, const config::auth_config& cfg,
                             int agent_cache_seconds)
    : dir_(dir), cfg_(cfg), agent_ttl_(agent_cache_seconds) {
  unsigned char salt[32];
  if (RAND_bytes(salt, sizeof salt) != 1) throw std::runtime_error("no randomness for salt");
  salt_.assign(reinterpret_cast<const char*>(salt), sizeof salt);
  for (const auto& c : cfg_.trusted_clients) {
    trusted t{.name = c.name, .key_sha256 = c.api_key_sha256, .networks = {}};
    for (const auto& n : c.networks) {
      auto parsed = config::cidr::parse(n);
      if (!parsed) throw std::runtime_error("invalid network " + n);
      t.networks.push_back(*parsed);
    }
    clients_.push_back(std::move(t));
  }
}

void authenticator::forget_agents() {
  std::lock_guard lock(mutex_);
  agents_.clear();
}

net::awaitable<auth_result> authenticator::authenticate(const request& req,
                                                        const connection_info& conn) {
  if (req.find("X-Scopegate-Api-Key") != req.end()) co_return co_await trusted_client(req, conn);
  auto it = req.find(http::field::authorization);
  if (it == req.end()) co_return auth_result{};
  std::string_view value = it->value();
  constexpr std::string_view scheme = "Basic ";
  if (value.size() <= scheme.size() ||
      !std::equal(scheme.begin(), scheme.end(), value.begin(),
                  [](char a, char b) { return std::tolower(a) == std::tolower(b); }))
    co_return auth_result{};
  co_return co_await basic(value.substr(scheme.size()));
}

net::awaitable<ldap::result<std::optional<mapping::agent>>> authenticator::lookup_agent(
    const std::string& login) {
  auto now = std::chrono::steady_clock::now();
  if (agent_ttl_.count() > 0) {
    std::lock_guard lock(mutex_);
    if (auto it = agents_.find(login); it != agents_.end() && it->second.expires > now)
      co_return std::optional<mapping::agent>(it->second.agent);
  }
  auto found = co_await dir_.find_agent(login);
  if (found && *found && agent_ttl_.count() > 0) {
    std::lock_guard lock(mutex_);
    prune(agents_);
    agents_[login] = {**found, now + agent_ttl_};
  }
  co_return found;
}

net::awaitable<auth_result> authenticator::basic(std::string_view credentials) {
  auth_result out;
  out.via = "basic";
  auto decoded = base64_decode(credentials);
  if (!decoded) co_return out;
  auto colon = decoded->find(':');
  if (colon == std::string::npos) co_return out;
  std::string_view password = std::string_view(*decoded).substr(colon + 1);
  auto login = canonical_login(std::string_view(*decoded).substr(0, colon), cfg_.login_case);
  // Empty passwords would be an anonymous bind that "succeeds": refused before any LDAP call.
  if (!login || password.empty() || password.find('\0') != std::string_view::npos) co_return out;
  out.login_hint = *login;

  auto now = std::chrono::steady_clock::now();
  std::string cache_key;  // salted: a dump of the cache reveals no password
  bool verified = false;
  if (cfg_.bind_cache_seconds > 0) {
    cache_key = sha256_hex(salt_ + *login + '\0' + std::string(password));
    std::lock_guard lock(mutex_);
    auto it = binds_.find(cache_key);
    verified = it != binds_.end() && it->second.expires > now;
  }

  auto agent = co_await lookup_agent(*login);
  if (!agent) {
    out.status = auth_status::unavailable;
    co_return out;
  }
  if (!*agent) co_return out;

  if (!verified) {
    std::string secret(password);
    std::string dn = (*agent)->dn;
    auto ok = co_await dir_.check_password(std::move(dn), std::move(secret));
    if (!ok) {
      out.status = auth_status::unavailable;
      co_return out;
    }
    if (!*ok) co_return out;
    if (!cache_key.empty()) {
      std::lock_guard lock(mutex_);
      prune(binds_);
      binds_[cache_key] = {*login, now + std::chrono::seconds(cfg_.bind_cache_seconds)};
    }
  }
  out.status = auth_status::ok;
  out.agent = std::move(**agent);
  co_return out;
}

net::awaitable<auth_result> authenticator::trusted_client(const request& req,
                                                          const connection_info& conn) {
  auth_result out;
  auto presented = sha256_hex(std::string_view(req["X-Scopegate-Api-Key"]));
  const trusted* client = nullptr;
  for (const auto& c : clients_)
    if (secrets_equal(presented, c.key_sha256)) client = &c;
  if (!client || !config::any_contains(client->networks, conn.peer)) co_return out;
  out.via = "client:" + client->name;
  auto login = canonical_login(req["X-Scopegate-Agent"], cfg_.login_case);
  if (!login) co_return out;
  out.login_hint = *login;
  auto agent = co_await lookup_agent(*login);
  if (!agent) {
    out.status = auth_status::unavailable;
    co_return out;
  }
  if (!*agent) co_return out;
  out.status = auth_status::ok;
  out.agent = std::move(**agent);
  co_return out;
}

}  // namespace scopegate::gateway
