#include "gateway/auth/authenticator.hpp"

#include "gateway/http/base64.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <stdexcept>

namespace scopegate::gateway {

namespace {

constexpr std::size_t k_max_cache = 100'000;

// Ends a throttled attempt when the check returns, however it returns.
struct throttle_outcome {
  login_throttle& throttle;
  const login_throttle::attempt& attempt;
  login_throttle::outcome result = login_throttle::outcome::failed;
  ~throttle_outcome() { throttle.end(attempt, result); }
};

template <class Map>
void prune(Map& map) {
  if (map.size() < k_max_cache) return;
  auto now = std::chrono::steady_clock::now();
  std::erase_if(map, [&](const auto& kv) { return kv.second.expires <= now; });
  if (map.size() >= k_max_cache) map.clear();
}

}  // namespace

bool acceptable_password(std::string_view password) {
  if (password.find('\0') != std::string_view::npos) return false;
  return password.find_first_not_of(" \t\r\n\v\f") != std::string_view::npos;
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
    : dir_(dir),
      cfg_(cfg),
      agent_ttl_(agent_cache_seconds),
      // Not a valid entry name in any directory scopegate reads: the bind always fails.
      nobody_dn_("cn=scopegate-no-such-agent," + dir.cfg().agents.base_dn),
      throttle_(cfg) {
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
                                                        const connection_info& conn,
                                                        std::string client_address) {
  if (req.find("X-Scopegate-Api-Key") != req.end()) {
    auto trusted = co_await trusted_client(req, conn);
    co_return trusted;
  }
  auto it = req.find(http::field::authorization);
  if (it == req.end()) co_return auth_result{};
  std::string_view value = it->value();
  constexpr std::string_view scheme = "Basic ";
  if (value.size() <= scheme.size() ||
      !std::equal(scheme.begin(), scheme.end(), value.begin(),
                  [](char a, char b) { return std::tolower(a) == std::tolower(b); }))
    co_return auth_result{};
  std::string_view credentials = value.substr(scheme.size());
  auto verified = co_await basic(credentials, std::move(client_address));
  co_return verified;
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

net::awaitable<auth_result> authenticator::basic(std::string_view credentials,
                                                 std::string client_address) {
  auto decoded = base64_decode(credentials);
  std::string raw_login, password;
  if (decoded) {
    auto colon = decoded->find(':');
    if (colon != std::string::npos) {
      raw_login = decoded->substr(0, colon);
      password = decoded->substr(colon + 1);
    }
  }
  auto out = co_await verify_password(std::move(raw_login), std::move(password),
                                      std::move(client_address));
  co_return out;
}

net::awaitable<auth_result> authenticator::verify_password(std::string raw_login,
                                                           std::string password,
                                                           std::string client_address) {
  auth_result out;
  out.via = "basic";
  // Throttled by the case-folded login as typed: every spelling of one name counts together,
  // and unknown logins count like known ones. An unusable login counts for the address only.
  auto folded = canonical_login(raw_login, config::case_rule::lower);
  login_throttle::attempt attempt{.login_key = folded ? *folded : std::string(),
                                  .address = std::move(client_address),
                                  .credentials = sha256_hex(salt_ + raw_login + '\0' + password)};
  auto gate = throttle_.begin(attempt);
  if (!gate.allowed) {
    out.status = auth_status::throttled;
    out.retry_after_seconds = gate.retry_after_seconds;
    co_return out;
  }
  // Every way out below is a failure unless it says otherwise.
  throttle_outcome outcome{throttle_, attempt};
  auto login = canonical_login(raw_login, cfg_.login_case);
  if (!login || !acceptable_password(password)) co_return out;

  auto now = std::chrono::steady_clock::now();
  std::string cache_key;  // salted: a dump of the cache reveals no password
  bool verified = false;
  if (cfg_.bind_cache_seconds > 0) {
    cache_key = sha256_hex(salt_ + *login + '\0' + password);
    std::lock_guard lock(mutex_);
    auto it = binds_.find(cache_key);
    verified = it != binds_.end() && it->second.expires > now;
  }

  auto agent = co_await lookup_agent(*login);
  if (!agent) {
    outcome.result = login_throttle::outcome::undecided;
    out.status = auth_status::unavailable;
    co_return out;
  }
  if (!*agent) {
    // The same work as a wrong password: the time does not tell which logins exist.
    std::string nobody = nobody_dn_;
    auto ignored = co_await dir_.check_password(std::move(nobody), std::move(password));
    (void)ignored;
    co_return out;
  }

  if (!verified) {
    std::string dn = (*agent)->dn;
    auto ok = co_await dir_.check_password(std::move(dn), std::move(password));
    if (!ok) {
      outcome.result = login_throttle::outcome::undecided;
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
  outcome.result = login_throttle::outcome::succeeded;
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
