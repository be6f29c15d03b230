// Time zones from TZif files: offsets cross-checked against the C library for many zones
// and centuries, day keys and day ends around midnight and DST changes.
#include <doctest/doctest.h>

#include <cstdlib>
#include <ctime>
#include <random>

#include "policy/time_zone.hpp"

using namespace scopegate::policy;
using namespace std::chrono;

namespace {

sys_seconds at(int y, unsigned mo, unsigned d, int h, int mi = 0) {
  return sys_seconds(sys_days(year{y} / month{mo} / day{d})) + hours(h) + minutes(mi);
}

}  // namespace

TEST_CASE("offsets agree with the C library across zones and years") {
  // Single-threaded test process: setting TZ here is safe.
  for (const char* zone :
       {"Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "America/St_Johns",
        "Pacific/Chatham", "America/Sao_Paulo", "Africa/Casablanca", "UTC"}) {
    auto tz = time_zone::load(zone);
    setenv("TZ", zone, 1);
    tzset();
    std::mt19937_64 rng(42);
    // 1975 .. 2075: inside the transition table and far past it (footer rule).
    std::uniform_int_distribution<std::int64_t> when(157'766'400, 3'345'062'400);
    for (int i = 0; i < 4000; ++i) {
      std::time_t t = static_cast<std::time_t>(when(rng));
      std::tm tm{};
      localtime_r(&t, &tm);
      INFO(zone << " at " << t);
      REQUIRE(tz.offset_at(sys_seconds(seconds(t))).count() == tm.tm_gmtoff);
    }
  }
  unsetenv("TZ");
  tzset();
}

TEST_CASE("the local day in Berlin: 23:30 UTC is already tomorrow") {
  auto tz = time_zone::load("Europe/Berlin");
  // Winter, UTC+1.
  CHECK(day_key(local_day(tz, at(2024, 1, 15, 22, 59))) == "2024-01-15");
  CHECK(day_key(local_day(tz, at(2024, 1, 15, 23, 30))) == "2024-01-16");
  CHECK(next_day_start(tz, at(2024, 1, 15, 12)) == at(2024, 1, 15, 23));
  CHECK(next_day_start(tz, at(2024, 1, 15, 23, 30)) == at(2024, 1, 16, 23));
  // Summer, UTC+2.
  CHECK(day_key(local_day(tz, at(2024, 7, 1, 21, 59))) == "2024-07-01");
  CHECK(day_key(local_day(tz, at(2024, 7, 1, 22, 0))) == "2024-07-02");
  // The day DST starts is 23 hours long; the day it ends is 25.
  CHECK(next_day_start(tz, at(2024, 3, 31, 10)) == at(2024, 3, 31, 22));
  CHECK(next_day_start(tz, at(2024, 10, 27, 10)) == at(2024, 10, 27, 23));
  // Far in the future, from the footer rule.
  CHECK(next_day_start(tz, at(2090, 7, 1, 12)) == at(2090, 7, 1, 22));
  // UTC itself.
  auto utc = time_zone::utc();
  CHECK(day_key(local_day(utc, at(2024, 1, 15, 23, 30))) == "2024-01-15");
  CHECK(next_day_start(utc, at(2024, 1, 15, 23, 30)) == at(2024, 1, 16, 0));
}

TEST_CASE("a zone whose DST change skips midnight") {
  // Made-up zone: UTC+0 normally, UTC+1 from local midnight on the last Sunday of March.
  auto tz = time_zone::from_posix("AAA0BBB,M3.5.0/0,M10.5.0/1", "Test/Midnight");
  // 2024-03-31 00:00 local does not exist; the day starts at the change, 00:00 UTC.
  CHECK(next_day_start(tz, at(2024, 3, 30, 12)) == at(2024, 3, 31, 0));
  CHECK(day_key(local_day(tz, at(2024, 3, 31, 0))) == "2024-03-31");
}

TEST_CASE("malformed zones are refused") {
  CHECK_THROWS((void)time_zone::load("../etc/passwd"));
  CHECK_THROWS((void)time_zone::load("No/Such_Zone"));
  CHECK_THROWS((void)time_zone::from_tzif(
      "not a tzif file at all, but long enough to have a header", "bad"));
  CHECK_THROWS((void)time_zone::from_tzif(std::string_view("TZif2", 5), "short"));
  CHECK_THROWS((void)time_zone::from_posix("CET-1CEST", "no rule"));
  CHECK_THROWS((void)time_zone::from_posix("X1", "short name"));
  CHECK_THROWS((void)time_zone::from_posix("CET-1CEST,M13.5.0,M10.5.0", "bad month"));
}
