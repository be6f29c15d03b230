// The client's address for logs and throttling: the socket's, or the last hop of
// X-Forwarded-For when (and only when) the socket is a configured trusted proxy.
#pragma once

#include <string>
#include <vector>

#include "config/cidr.hpp"
#include "gateway/http/server.hpp"

namespace scopegate::gateway {

class client_address_resolver {
 public:
  // `trusted_proxies` as validated by config (CIDR strings).
  explicit client_address_resolver(const std::vector<std::string>& trusted_proxies);
  [[nodiscard]] std::string operator()(const request& req, const connection_info& conn) const;

 private:
  std::vector<config::cidr> proxies_;
};

}  // namespace scopegate::gateway
