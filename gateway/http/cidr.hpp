// CIDR network matching for trusted clients and trusted proxies.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <optional>
#include <string_view>
#include <vector>

namespace scopegate::gateway {

class cidr {
 public:
  // "10.0.0.0/8", "::1/128", "192.0.2.7" (a host). nullopt when malformed.
  static std::optional<cidr> parse(std::string_view text);
  // IPv4-mapped IPv6 addresses match IPv4 networks.
  [[nodiscard]] bool contains(const boost::asio::ip::address& address) const;

 private:
  boost::asio::ip::address_v6::bytes_type network_{};
  unsigned prefix_ = 0;  // in the IPv6 space (IPv4 networks are mapped: +96)
};

[[nodiscard]] bool any_contains(const std::vector<cidr>& networks,
                                const boost::asio::ip::address& address);

}  // namespace scopegate::gateway
