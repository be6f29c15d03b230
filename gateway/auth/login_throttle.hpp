// Password guessing: THE throttle of every way in that takes a password (API Basic and the
// dashboard login), per login and per client address, in a sliding window. Attempts still
// in flight count as failures until they end, so concurrent guesses cannot slip past the
// limit — but concurrent attempts with the same credentials count once, so a client firing
// parallel requests with its right password is not throttled by itself.
//
//   login_throttle::attempt a{login_key, address, credentials_fingerprint};
//   auto gate = throttle.begin(a);
//   if (!gate.allowed) return too_many(gate.retry_after_seconds);  // LDAP is not asked
//   ... bind ...
//   throttle.end(a, ok ? outcome::succeeded : outcome::failed);
//
// `login_key` is the case-folded canonical login as typed (unknown logins count too, so the
// throttle tells nothing about which logins exist); empty means "no usable login": only the
// address counts. Thread-safe.
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>

#include "config/config.hpp"

namespace scopegate::gateway {

class login_throttle {
 public:
  using clock = std::chrono::steady_clock;
  explicit login_throttle(const config::auth_config& cfg);

  struct attempt {
    std::string login_key;
    std::string address;
    std::string credentials;  // a salted hash of login and password, never the password
  };
  struct verdict {
    bool allowed = true;
    int retry_after_seconds = 0;  // when refused: until the oldest counted failure expires
  };
  enum class outcome {
    failed,     // counted for the login and the address
    succeeded,  // the login's failures are forgotten
    undecided,  // the directory could not tell: not counted
  };

  // Refuses when the login's or the address's failures plus other credentials in flight
  // reach their limit; otherwise the attempt is in flight until `end`.
  [[nodiscard]] verdict begin(const attempt& a);
  void end(const attempt& a, outcome o);

  // Moves this object's clock forward (tests of the window).
  void advance_clock(std::chrono::seconds by);

 private:
  struct counts {
    std::deque<clock::time_point> failures;
    std::map<std::string, int> in_flight;  // credentials -> attempts
  };
  using table = std::unordered_map<std::string, counts>;
  clock::time_point now() const;
  // Would one more attempt with `credentials` exceed `limit`? Sets `retry_after`.
  bool over(counts& c, const std::string& credentials, int limit, clock::time_point at,
            int& retry_after) const;
  void make_room(table& t, clock::time_point at);
  static void release(table& t, const std::string& key, const std::string& credentials);

  int per_login_;
  int per_address_;
  clock::duration window_;
  std::mutex mutex_;
  table by_login_;
  table by_address_;
  clock::duration skew_{};
};

}  // namespace scopegate::gateway
