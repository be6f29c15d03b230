#include "gateway/auth/login_throttle.hpp"

#include <algorithm>

namespace scopegate::gateway {

namespace {

constexpr std::size_t k_max_keys = 100'000;

}  // namespace

login_throttle::login_throttle(const config::auth_config& cfg)
    : per_login_(cfg.failed_attempts_per_minute),
      per_address_(cfg.failed_attempts_per_address_per_minute),
      window_(std::chrono::seconds(cfg.failed_attempts_window_seconds)) {}

login_throttle::clock::time_point login_throttle::now() const {
  return clock::now() + skew_;
}

void login_throttle::advance_clock(std::chrono::seconds by) {
  std::lock_guard lock(mutex_);
  skew_ += by;
}

bool login_throttle::over(counts& c, const std::string& credentials, int limit,
                          clock::time_point at, int& retry_after) const {
  while (!c.failures.empty() && at - c.failures.front() >= window_)
    c.failures.pop_front();
  auto flying = static_cast<int>(c.in_flight.size()) - (c.in_flight.contains(credentials) ? 1 : 0);
  if (static_cast<int>(c.failures.size()) + flying < limit) return false;
  // Failures expire one by one; in-flight attempts end within a request's time.
  auto wait =
      c.failures.empty()
          ? std::chrono::seconds(1)
          : std::chrono::duration_cast<std::chrono::seconds>(c.failures.front() + window_ - at);
  retry_after = std::max(retry_after, static_cast<int>(wait.count()) + 1);
  return true;
}

void login_throttle::make_room(table& t, clock::time_point at) {
  if (t.size() < k_max_keys) return;
  std::erase_if(t, [&](auto& kv) {
    const auto& c = kv.second;
    return c.in_flight.empty() && (c.failures.empty() || at - c.failures.back() >= window_);
  });
  // Still full of live keys (a flood of distinct logins): the per-address limit still holds.
  if (t.size() >= k_max_keys)
    std::erase_if(t, [](auto& kv) { return kv.second.in_flight.empty(); });
}

login_throttle::verdict login_throttle::begin(const attempt& a) {
  std::lock_guard lock(mutex_);
  auto at = now();
  verdict out;
  bool refused = false;
  if (!a.login_key.empty())
    if (auto it = by_login_.find(a.login_key); it != by_login_.end())
      refused = over(it->second, a.credentials, per_login_, at, out.retry_after_seconds);
  if (auto it = by_address_.find(a.address); it != by_address_.end())
    refused = over(it->second, a.credentials, per_address_, at, out.retry_after_seconds) || refused;
  if (refused) {
    out.allowed = false;
    return out;
  }
  out.retry_after_seconds = 0;
  if (!a.login_key.empty()) {
    make_room(by_login_, at);
    ++by_login_[a.login_key].in_flight[a.credentials];
  }
  make_room(by_address_, at);
  ++by_address_[a.address].in_flight[a.credentials];
  return out;
}

void login_throttle::release(table& t, const std::string& key, const std::string& credentials) {
  auto it = t.find(key);
  if (it == t.end()) return;
  auto flight = it->second.in_flight.find(credentials);
  if (flight != it->second.in_flight.end() && --flight->second <= 0)
    it->second.in_flight.erase(flight);
}

void login_throttle::end(const attempt& a, outcome o) {
  std::lock_guard lock(mutex_);
  auto at = now();
  auto fail = [&](table& t, const std::string& key, int limit) {
    auto& f = t[key].failures;
    f.push_back(at);
    // Only the last `limit` failures decide the window.
    while (static_cast<int>(f.size()) > limit)
      f.pop_front();
  };
  if (!a.login_key.empty()) {
    release(by_login_, a.login_key, a.credentials);
    if (o == outcome::failed) fail(by_login_, a.login_key, per_login_);
    if (o == outcome::succeeded) {
      auto it = by_login_.find(a.login_key);
      if (it != by_login_.end()) {
        it->second.failures.clear();
        if (it->second.in_flight.empty()) by_login_.erase(it);
      }
    }
  }
  release(by_address_, a.address, a.credentials);
  if (o == outcome::failed) fail(by_address_, a.address, per_address_);
}

}  // namespace scopegate::gateway
