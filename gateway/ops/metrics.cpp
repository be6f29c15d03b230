#include "gateway/ops/metrics.hpp"

#include <algorithm>

namespace scopegate::gateway {

std::string_view to_string(route_label r) {
  switch (r) {
    case route_label::customers_search:
      return "customers_search";
    case route_label::customers_get:
      return "customers_get";
    case route_label::customers_create:
      return "customers_create";
    case route_label::customers_update:
      return "customers_update";
    case route_label::customers_delete:
      return "customers_delete";
    case route_label::customers_export:
      return "customers_export";
    case route_label::customers_import:
      return "customers_import";
    case route_label::customer_ids:
      return "customer_ids";
    case route_label::customer_reveal:
      return "customer_reveal";
    case route_label::me:
      return "me";
    case route_label::admin_reveals:
      return "admin_reveals";
    case route_label::healthz:
      return "healthz";
    case route_label::readyz:
      return "readyz";
    case route_label::metrics:
      return "metrics";
    case route_label::admin:
      return "admin";
    case route_label::not_found:
    case route_label::count_:
      break;
  }
  return "other";
}

void metrics::record(route_label r, unsigned status, std::chrono::microseconds latency) {
  auto ri = static_cast<std::size_t>(r);
  auto si = static_cast<std::size_t>(std::find(k_statuses.begin(), k_statuses.end(), status) -
                                     k_statuses.begin());
  requests_[ri][si].fetch_add(1, std::memory_order_relaxed);
  double seconds = static_cast<double>(latency.count()) / 1e6;
  auto bi = static_cast<std::size_t>(std::lower_bound(k_buckets.begin(), k_buckets.end(), seconds) -
                                     k_buckets.begin());
  buckets_[ri][bi].fetch_add(1, std::memory_order_relaxed);
  latency_sum_us_[ri].fetch_add(static_cast<std::uint64_t>(latency.count()),
                                std::memory_order_relaxed);
}

std::string metrics::render(std::string_view extra) const {
  std::string out;
  out += "# HELP scopegate_http_requests_total HTTP requests by route and status.\n";
  out += "# TYPE scopegate_http_requests_total counter\n";
  for (std::size_t r = 0; r < k_routes; ++r) {
    auto name = to_string(static_cast<route_label>(r));
    for (std::size_t s = 0; s <= k_statuses.size(); ++s) {
      auto n = requests_[r][s].load(std::memory_order_relaxed);
      if (n == 0) continue;
      std::string status = s < k_statuses.size() ? std::to_string(k_statuses[s]) : "other";
      out += "scopegate_http_requests_total{route=\"" + std::string(name) + "\",status=\"" +
             status + "\"} " + std::to_string(n) + "\n";
    }
  }
  out += "# HELP scopegate_http_request_duration_seconds Time from request read to response.\n";
  out += "# TYPE scopegate_http_request_duration_seconds histogram\n";
  for (std::size_t r = 0; r < k_routes; ++r) {
    std::string name(to_string(static_cast<route_label>(r)));
    std::uint64_t cumulative = 0;
    for (std::size_t b = 0; b <= k_buckets.size(); ++b) {
      cumulative += buckets_[r][b].load(std::memory_order_relaxed);
      std::string le = b < k_buckets.size() ? std::to_string(k_buckets[b]) : "+Inf";
      le.erase(le.find_last_not_of('0') + 1);
      if (!le.empty() && le.back() == '.') le.pop_back();
      out += "scopegate_http_request_duration_seconds_bucket{route=\"" + name + "\",le=\"" + le +
             "\"} " + std::to_string(cumulative) + "\n";
    }
    out += "scopegate_http_request_duration_seconds_sum{route=\"" + name + "\"} " +
           std::to_string(static_cast<double>(latency_sum_us_[r].load()) / 1e6) + "\n";
    out += "scopegate_http_request_duration_seconds_count{route=\"" + name + "\"} " +
           std::to_string(cumulative) + "\n";
  }
  out += extra;
  return out;
}

}  // namespace scopegate::gateway
