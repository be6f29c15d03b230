// IANA time zones read from the system's TZif files (RFC 8536), including the POSIX TZ
// rule in the footer that covers times after the last listed transition. libstdc++ 12 has
// no std::chrono::tzdb, and localtime_r depends on the process-wide TZ variable, so policy
// computes local days with this instead: immutable after load, thread-safe, no global state.
//
//   auto tz = scopegate::policy::time_zone::load("Europe/Berlin");   // throws on failure
//   auto day = scopegate::policy::local_day(tz, now);                // 2024-03-31
//   auto end = scopegate::policy::next_day_start(tz, now);           // next local midnight
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/clock.hpp"

namespace scopegate::policy {

class time_zone {
 public:
  // UTC, without reading any file.
  [[nodiscard]] static time_zone utc();
  // Reads `$TZDIR/<name>` (default /usr/share/zoneinfo). Throws std::runtime_error when
  // the name is not a plain zone name or the file is missing or malformed.
  [[nodiscard]] static time_zone load(const std::string& name);
  // Parses TZif bytes. Throws std::runtime_error when malformed.
  [[nodiscard]] static time_zone from_tzif(std::string_view bytes, std::string name);
  // Only the POSIX TZ rule, e.g. "CET-1CEST,M3.5.0,M10.5.0/3". Throws when malformed.
  [[nodiscard]] static time_zone from_posix(std::string_view rule, std::string name);

  // Local time minus UTC at instant `t`.
  [[nodiscard]] std::chrono::seconds offset_at(sys_seconds t) const;
  [[nodiscard]] const std::string& name() const { return name_; }

  // A date rule of a POSIX TZ string: Jn (kind 'J', day 1-365, Feb 29 never counted),
  // n (kind 'n', day 0-365) or Mm.w.d (kind 'M'); `time` in local seconds after midnight.
  struct rule_date {
    char kind = 'M';
    int month = 0, week = 0, weekday = 0, day = 0;
    std::int32_t time = 7200;
  };
  struct posix_rule {
    std::int32_t std_offset = 0;  // seconds east of UTC
    bool has_dst = false;
    std::int32_t dst_offset = 0;
    rule_date start, end;
  };
  struct transition {
    std::int64_t at;      // UTC seconds
    std::int32_t offset;  // seconds east of UTC from `at` on
  };

 private:
  std::string name_;
  std::int32_t initial_offset_ = 0;  // before the first transition
  std::vector<transition> transitions_;
  std::optional<posix_rule> rule_;  // for times after the last transition
};

// The local calendar day that contains `t`.
[[nodiscard]] std::chrono::year_month_day local_day(const time_zone& tz, sys_time t);
// "YYYY-MM-DD".
[[nodiscard]] std::string day_key(std::chrono::year_month_day day);
// The first instant (UTC) of the local day after the one containing `t`.
[[nodiscard]] sys_seconds next_day_start(const time_zone& tz, sys_time t);

}  // namespace scopegate::policy
