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

bool login_throttle::over(failures& f, int limit, clock::time_point at, int& retry_after) const {
  while (!f.empty() && at - f.front() >= window_)
    f.pop_front();
  if (static_cast<int>(f.size()) < limit) return false;
  // The attempt that would be allowed next is the one after the oldest failure expires.
  auto wait = std::chrono::duration_cast<std::chrono::seconds>(
      f[f.size() - static_cast<std::size_t>(limit)] + window_ - at);
  retry_after = std::max(retry_after, static_cast<int>(wait.count()) + 1);
  return true;
}

void login_throttle::make_room(std::unordered_map<std::string, failures>& map,
                               clock::time_point at) {
  if (map.size() < k_max_keys) return;
  std::erase_if(map,
                [&](auto& kv) { return kv.second.empty() || at - kv.second.back() >= window_; });
  // Still full of live keys (a flood of distinct logins): the per-address limit still holds.
  if (map.size() >= k_max_keys) map.clear();
}

login_throttle::verdict login_throttle::begin(const std::string& login_key,
                                              const std::string& address) {
  std::lock_guard lock(mutex_);
  auto at = now();
  verdict out;
  if (!login_key.empty())
    if (auto it = by_login_.find(login_key); it != by_login_.end())
      out.allowed = !over(it->second, per_login_, at, out.retry_after_seconds) && out.allowed;
  if (auto it = by_address_.find(address); it != by_address_.end())
    out.allowed = !over(it->second, per_address_, at, out.retry_after_seconds) && out.allowed;
  if (!out.allowed) return out;
  out.retry_after_seconds = 0;
  auto count = [&](std::unordered_map<std::string, failures>& map, const std::string& key,
                   int limit) {
    make_room(map, at);
    auto& f = map[key];
    f.push_back(at);
    // Only the last `limit` failures decide the window.
    while (static_cast<int>(f.size()) > limit)
      f.pop_front();
  };
  if (!login_key.empty()) count(by_login_, login_key, per_login_);
  count(by_address_, address, per_address_);
  return out;
}

void login_throttle::drop_latest(std::unordered_map<std::string, failures>& map,
                                 const std::string& key) {
  auto it = map.find(key);
  if (it == map.end()) return;
  if (!it->second.empty()) it->second.pop_back();
  if (it->second.empty()) map.erase(it);
}

void login_throttle::succeeded(const std::string& login_key, const std::string& address) {
  std::lock_guard lock(mutex_);
  if (!login_key.empty()) by_login_.erase(login_key);
  drop_latest(by_address_, address);
}

void login_throttle::not_counted(const std::string& login_key, const std::string& address) {
  std::lock_guard lock(mutex_);
  if (!login_key.empty()) drop_latest(by_login_, login_key);
  drop_latest(by_address_, address);
}

}  // namespace scopegate::gateway
