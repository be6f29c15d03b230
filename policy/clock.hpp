// Where policy reads the time: one `clock` interface, the system clock in production and a
// settable clock in tests, so day boundaries, limits and retention can be tested exactly.
//
//   auto clk = std::make_shared<scopegate::policy::manual_clock>(some_time_point);
//   clk->advance(std::chrono::hours(1));
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace scopegate::policy {

using sys_time = std::chrono::system_clock::time_point;
using sys_seconds = std::chrono::sys_seconds;

class clock {
 public:
  virtual ~clock() = default;
  // The current time. Thread-safe.
  [[nodiscard]] virtual sys_time now() const = 0;
};

class system_clock final : public clock {
 public:
  [[nodiscard]] sys_time now() const override { return std::chrono::system_clock::now(); }
};

// A clock that only moves when told to. Thread-safe.
class manual_clock final : public clock {
 public:
  explicit manual_clock(sys_time start) : us_(to_us(start)) {}
  [[nodiscard]] sys_time now() const override {
    return sys_time(
        std::chrono::duration_cast<sys_time::duration>(std::chrono::microseconds(us_.load())));
  }
  void set(sys_time t) { us_.store(to_us(t)); }
  void advance(std::chrono::microseconds d) { us_.fetch_add(d.count()); }

 private:
  static std::int64_t to_us(sys_time t) {
    return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
  }
  std::atomic<std::int64_t> us_;
};

}  // namespace scopegate::policy
