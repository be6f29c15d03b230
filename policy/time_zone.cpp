#include "policy/time_zone.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace scopegate::policy {

namespace {

using namespace std::chrono;

[[noreturn]] void bad(const std::string& name, const std::string& what) {
  throw std::runtime_error("time zone " + name + ": " + what);
}

// --- POSIX TZ strings -------------------------------------------------------------------

struct rule_reader {
  std::string_view s;
  std::size_t i = 0;
  const std::string& zone;

  [[noreturn]] void fail() const { bad(zone, "malformed TZ rule \"" + std::string(s) + "\""); }
  bool at_end() const { return i >= s.size(); }
  char peek() const { return at_end() ? '\0' : s[i]; }
  bool digit() const { return peek() >= '0' && peek() <= '9'; }

  void name() {
    if (peek() == '<') {
      auto close = s.find('>', i);
      if (close == std::string_view::npos) fail();
      i = close + 1;
      return;
    }
    std::size_t start = i;
    while (!at_end() && ((peek() >= 'A' && peek() <= 'Z') || (peek() >= 'a' && peek() <= 'z')))
      ++i;
    if (i - start < 3) fail();
  }
  int number() {
    if (!digit()) fail();
    int n = 0;
    while (digit() && n < 100000)
      n = n * 10 + (s[i++] - '0');
    return n;
  }
  // [+-]hh[:mm[:ss]] as seconds (sign applied as written).
  std::int32_t hms() {
    int sign = 1;
    if (peek() == '+' || peek() == '-') sign = s[i++] == '-' ? -1 : 1;
    std::int32_t v = number() * 3600;
    if (peek() == ':') {
      ++i;
      v += number() * 60;
      if (peek() == ':') {
        ++i;
        v += number();
      }
    }
    return sign * v;
  }
  time_zone::rule_date date() {
    time_zone::rule_date d;
    if (peek() == 'M') {
      ++i;
      d.kind = 'M';
      d.month = number();
      if (peek() != '.') fail();
      ++i;
      d.week = number();
      if (peek() != '.') fail();
      ++i;
      d.weekday = number();
      if (d.month < 1 || d.month > 12 || d.week < 1 || d.week > 5 || d.weekday > 6) fail();
    } else if (peek() == 'J') {
      ++i;
      d.kind = 'J';
      d.day = number();
      if (d.day < 1 || d.day > 365) fail();
    } else {
      d.kind = 'n';
      d.day = number();
      if (d.day > 365) fail();
    }
    if (peek() == '/') {
      ++i;
      d.time = hms();
    }
    return d;
  }
};

time_zone::posix_rule parse_rule(std::string_view text, const std::string& zone) {
  rule_reader r{text, 0, zone};
  time_zone::posix_rule out;
  r.name();
  out.std_offset = -r.hms();  // POSIX offsets are west-positive
  if (r.at_end()) return out;
  out.has_dst = true;
  r.name();
  out.dst_offset = out.std_offset + 3600;
  if (r.peek() != ',' && !r.at_end()) out.dst_offset = -r.hms();
  if (r.peek() != ',') r.fail();  // no default rules: a DST zone must say when
  ++r.i;
  out.start = r.date();
  if (r.peek() != ',') r.fail();
  ++r.i;
  out.end = r.date();
  if (!r.at_end()) r.fail();
  return out;
}

// Local midnight of the rule's date in `y`, as seconds since the epoch of local time.
std::int64_t rule_day_start(const time_zone::rule_date& d, int y) {
  sys_days day;
  if (d.kind == 'M') {
    auto first = sys_days(year{y} / month{static_cast<unsigned>(d.month)} / 1);
    auto wd = weekday(first).c_encoding();
    int offset = (d.weekday - static_cast<int>(wd) + 7) % 7 + 7 * (d.week - 1);
    auto last = sys_days(year{y} / month{static_cast<unsigned>(d.month)} / std::chrono::last);
    day = first + days(offset);
    while (day > last)
      day -= days(7);
  } else if (d.kind == 'J') {
    int n = d.day - 1;  // 0-based, February 29 never counted
    day = sys_days(year{y} / January / 1) + days(n);
    if (year{y}.is_leap() && n >= 59) day += days(1);
  } else {
    day = sys_days(year{y} / January / 1) + days(d.day);
  }
  return duration_cast<seconds>(day.time_since_epoch()).count();
}

std::int32_t rule_offset(const time_zone::posix_rule& r, std::int64_t t) {
  if (!r.has_dst) return r.std_offset;
  auto local_std = sys_seconds(seconds(t + r.std_offset));
  int y = static_cast<int>(year_month_day(floor<days>(local_std)).year());
  std::int64_t start = rule_day_start(r.start, y) + r.start.time - r.std_offset;
  std::int64_t end = rule_day_start(r.end, y) + r.end.time - r.dst_offset;
  if (start < end) return (t >= start && t < end) ? r.dst_offset : r.std_offset;
  // Southern hemisphere: DST spans New Year.
  return (t >= end && t < start) ? r.std_offset : r.dst_offset;
}

// --- TZif -------------------------------------------------------------------------------

struct byte_reader {
  std::string_view b;
  std::size_t i = 0;
  const std::string& zone;
  void need(std::size_t n) const {
    if (b.size() - i < n || i > b.size()) bad(zone, "truncated TZif data");
  }
  std::uint32_t u32() {
    need(4);
    std::uint32_t v = 0;
    for (int k = 0; k < 4; ++k)
      v = (v << 8) | static_cast<unsigned char>(b[i++]);
    return v;
  }
  std::int64_t i64() {
    need(8);
    std::uint64_t v = 0;
    for (int k = 0; k < 8; ++k)
      v = (v << 8) | static_cast<unsigned char>(b[i++]);
    return static_cast<std::int64_t>(v);
  }
  std::uint8_t u8() {
    need(1);
    return static_cast<std::uint8_t>(b[i++]);
  }
  void skip(std::size_t n) {
    need(n);
    i += n;
  }
};

struct tzif_header {
  char version;
  std::uint32_t isut, isstd, leap, time, type, chars;
};

tzif_header read_header(byte_reader& r) {
  r.need(44);
  if (r.b.substr(r.i, 4) != "TZif") bad(r.zone, "not a TZif file");
  tzif_header h{};
  h.version = r.b[r.i + 4];
  r.skip(20);
  h.isut = r.u32();
  h.isstd = r.u32();
  h.leap = r.u32();
  h.time = r.u32();
  h.type = r.u32();
  h.chars = r.u32();
  if (h.type == 0 || h.type > 256 || h.time > 100000) bad(r.zone, "implausible TZif counts");
  return h;
}

}  // namespace

time_zone time_zone::utc() {
  time_zone tz;
  tz.name_ = "UTC";
  return tz;
}

time_zone time_zone::from_posix(std::string_view rule, std::string name) {
  time_zone tz;
  tz.name_ = std::move(name);
  tz.rule_ = parse_rule(rule, tz.name_);
  tz.initial_offset_ = tz.rule_->std_offset;
  return tz;
}

time_zone time_zone::from_tzif(std::string_view bytes, std::string name) {
  time_zone tz;
  tz.name_ = std::move(name);
  byte_reader r{bytes, 0, tz.name_};
  auto h = read_header(r);
  bool v2 = h.version >= '2';
  if (v2) {
    // Skip the 32-bit block; the 64-bit one follows with its own header.
    r.skip(h.time * 5 + h.type * 6 + h.chars + h.leap * 8 + h.isstd + h.isut);
    h = read_header(r);
  }
  std::vector<std::int64_t> times(h.time);
  for (auto& t : times)
    t = v2 ? r.i64() : static_cast<std::int32_t>(r.u32());
  std::vector<std::uint8_t> idx(h.time);
  for (auto& x : idx)
    x = r.u8();
  std::vector<std::int32_t> offsets(h.type);
  for (auto& o : offsets) {
    o = static_cast<std::int32_t>(r.u32());
    r.skip(2);  // isdst, abbreviation index
    if (o < -25 * 3600 || o > 26 * 3600) bad(tz.name_, "implausible UTC offset");
  }
  r.skip(h.chars + h.leap * (v2 ? 12 : 8) + h.isstd + h.isut);
  for (std::size_t k = 0; k < times.size(); ++k) {
    if (idx[k] >= offsets.size()) bad(tz.name_, "transition names a missing type");
    if (k > 0 && times[k] <= times[k - 1]) bad(tz.name_, "transitions out of order");
    tz.transitions_.push_back({times[k], offsets[idx[k]]});
  }
  tz.initial_offset_ = offsets[0];
  if (v2 && r.i < bytes.size()) {
    auto rest = bytes.substr(r.i);
    if (rest.size() >= 2 && rest.front() == '\n') {
      auto end = rest.find('\n', 1);
      if (end == std::string_view::npos) bad(tz.name_, "unterminated TZ footer");
      auto footer = rest.substr(1, end - 1);
      if (!footer.empty()) tz.rule_ = parse_rule(footer, tz.name_);
    }
  }
  return tz;
}

time_zone time_zone::load(const std::string& name) {
  if (name == "UTC" || name == "Etc/UTC") return utc();
  if (name.empty() || name.front() == '/' || name.find("..") != std::string::npos)
    bad(name, "not a zone name");
  const char* env = std::getenv("TZDIR");
  std::string dir = env && *env ? env : "/usr/share/zoneinfo";
  std::ifstream in(dir + "/" + name, std::ios::binary);
  if (!in) bad(name, "no such file under " + dir);
  std::ostringstream ss;
  ss << in.rdbuf();
  return from_tzif(ss.str(), name);
}

std::chrono::seconds time_zone::offset_at(sys_seconds t) const {
  std::int64_t s = t.time_since_epoch().count();
  if (transitions_.empty() || s < transitions_.front().at) {
    if (transitions_.empty() && rule_) return seconds(rule_offset(*rule_, s));
    return seconds(initial_offset_);
  }
  if (s >= transitions_.back().at && rule_) return seconds(rule_offset(*rule_, s));
  auto it = std::upper_bound(transitions_.begin(), transitions_.end(), s,
                             [](std::int64_t v, const transition& x) { return v < x.at; });
  return seconds(std::prev(it)->offset);
}

year_month_day local_day(const time_zone& tz, sys_time t) {
  auto s = floor<seconds>(t);
  return year_month_day(floor<days>(s + tz.offset_at(s)));
}

std::string day_key(year_month_day d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(d.year()),
                static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()));
  return buf;
}

sys_seconds next_day_start(const time_zone& tz, sys_time t) {
  auto s = floor<seconds>(t);
  // Local midnight that starts the next day, as a count of local seconds.
  auto target = sys_seconds(sys_days(local_day(tz, t)) + days(1));
  auto maps_past = [&](sys_seconds u) { return u + tz.offset_at(u) >= target; };
  // Fixed-point candidates: offsets on either side of a transition near midnight. The
  // answer is the earliest candidate whose local time has reached the next day (in a gap
  // that skips midnight this is the transition itself).
  auto c1 = target - tz.offset_at(s);
  auto c2 = target - tz.offset_at(c1);
  auto c3 = target - tz.offset_at(c2);
  std::optional<sys_seconds> best;
  for (auto c : {c1, c2, c3})
    if (c > s && maps_past(c) && (!best || c < *best)) best = c;
  return best ? *best : c1;
}

}  // namespace scopegate::policy
