// Password guessing: THE throttle of every way in that takes a password (API Basic and the
// dashboard login), per login and per client address, in a sliding window. An attempt is
// counted when it begins, so concurrent guesses cannot slip past the limit; a success
// forgets the login's failures, a directory outage does not count.
//
//   auto gate = throttle.begin(login_key, address);
//   if (!gate.allowed) return too_many(gate.retry_after_seconds);  // LDAP is not asked
//   ... bind ...
//   ok ? throttle.succeeded(login_key, address) : (void)0;          // failures stay counted
//
// `login_key` is the case-folded canonical login as typed (unknown logins count too, so the
// throttle tells nothing about which logins exist); empty means "no usable login": only the
// address counts. Thread-safe.
#pragma once

#include <chrono>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>

#include "config/config.hpp"

namespace scopegate::gateway {

class login_throttle {
 public:
  using clock = std::chrono::steady_clock;
  explicit login_throttle(const config::auth_config& cfg);

  struct verdict {
    bool allowed = true;
    int retry_after_seconds = 0;  // when refused: until the oldest counted failure expires
  };
  // Refuses when the login or the address is at its limit; otherwise counts this attempt as
  // a failure until `succeeded` or `not_counted` says otherwise.
  [[nodiscard]] verdict begin(const std::string& login_key, const std::string& address);
  // The attempt was right: the login's failures are forgotten, the attempt is uncounted.
  void succeeded(const std::string& login_key, const std::string& address);
  // The attempt could not be decided (directory unavailable): uncounted.
  void not_counted(const std::string& login_key, const std::string& address);

  // Moves this object's clock forward (tests of the window).
  void advance_clock(std::chrono::seconds by);

 private:
  using failures = std::deque<clock::time_point>;
  clock::time_point now() const;
  bool over(failures& f, int limit, clock::time_point at, int& retry_after) const;
  void make_room(std::unordered_map<std::string, failures>& map, clock::time_point at);
  static void drop_latest(std::unordered_map<std::string, failures>& map, const std::string& key);

  int per_login_;
  int per_address_;
  clock::duration window_;
  std::mutex mutex_;
  std::unordered_map<std::string, failures> by_login_;
  std::unordered_map<std::string, failures> by_address_;
  clock::duration skew_{};
};

}  // namespace scopegate::gateway
