// Prometheus metrics kept in fixed arrays of atomics: recording is lock-free and
// allocation-free on the request path; rendering walks the arrays.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace scopegate::gateway {

// Routes as metric labels: a closed set, so label cardinality is bounded.
enum class route_label : std::uint8_t {
  customers_search,
  customers_get,
  customers_create,
  customers_update,
  customers_delete,
  customers_export,
  customers_import,
  customer_ids,
  customer_reveal,
  me,
  admin_reveals,
  healthz,
  readyz,
  metrics,
  admin,  // everything under /admin (dashboard and admin API)
  not_found,
  count_
};
[[nodiscard]] std::string_view to_string(route_label r);

class metrics {
 public:
  void record(route_label r, unsigned status, std::chrono::microseconds latency);
  // Extra lines (LDAP, cache) appended by the caller, already in exposition format.
  [[nodiscard]] std::string render(std::string_view extra) const;

 private:
  static constexpr std::array<unsigned, 14> k_statuses = {200, 201, 204, 400, 401, 403, 404,
                                                          405, 409, 413, 429, 431, 500, 503};
  static constexpr std::array<double, 12> k_buckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                       0.05,   0.1,   0.25,   0.5,   1.0,  2.5};
  static constexpr std::size_t k_routes = static_cast<std::size_t>(route_label::count_);
  // Last slot of each: statuses not listed / observations above the last bucket.
  std::array<std::array<std::atomic<std::uint64_t>, k_statuses.size() + 1>, k_routes> requests_{};
  std::array<std::array<std::atomic<std::uint64_t>, k_buckets.size() + 1>, k_routes> buckets_{};
  std::array<std::atomic<std::uint64_t>, k_routes> latency_sum_us_{};
};

}  // namespace scopegate::gateway
