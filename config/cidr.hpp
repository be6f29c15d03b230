// IP networks in CIDR notation: the one type the project uses to parse configured networks
// (trusted proxies, trusted client networks) and to match client addresses against them.
//
//   auto net = scopegate::config::cidr::parse("10.0.0.0/8");          // nullopt if malformed
//   if (net && net->contains(boost::asio::ip::make_address("10.1.2.3"))) ...
//   net->to_string();                                                  // "10.0.0.0/8"
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/ip/address.hpp>

namespace scopegate::config {

class cidr {
 public:
  // "10.0.0.0/8", "2001:db8::/32", or a bare address meaning one host ("192.0.2.7" is
  // "192.0.2.7/32"). The prefix is decimal digits only, no sign, no leading zero ("/08" is
  // refused), at most 32 for IPv4 and 128 for IPv6. No spaces, no IPv6 zone ("%eth0").
  // Host bits may be set ("10.1.2.3/8" parses and matches like "10.0.0.0/8"); callers that
  // want to refuse that check has_host_bits(). nullopt when malformed.
  [[nodiscard]] static std::optional<cidr> parse(std::string_view text);

  // True when `address` is inside the network. IPv4 networks also match IPv4-mapped IPv6
  // addresses (::ffff:a.b.c.d); an IPv6 network whose prefix covers ::ffff:0:0/96 matches
  // IPv4 addresses ("::/0" matches everything).
  [[nodiscard]] bool contains(const boost::asio::ip::address& address) const;

  // Canonical "address/prefix": IPv6 lower-case and compressed, the prefix always present,
  // host bits kept as given. parse(to_string()) == *this.
  [[nodiscard]] std::string to_string() const;

  [[nodiscard]] bool is_v4() const { return v4_; }
  // In the network's own family: 0..32 for IPv4, 0..128 for IPv6.
  [[nodiscard]] unsigned prefix_length() const { return v4_ ? prefix_ - 96 : prefix_; }
  // True when bits beyond the prefix are set ("10.1.2.3/8").
  [[nodiscard]] bool has_host_bits() const;
  // The same network with the host bits cleared ("10.1.2.3/8" -> "10.0.0.0/8").
  [[nodiscard]] cidr network() const;

  friend bool operator==(const cidr&, const cidr&) = default;

 private:
  boost::asio::ip::address_v6::bytes_type bytes_{};  // IPv4 stored IPv4-mapped
  unsigned prefix_ = 0;                              // in the IPv6 space (IPv4: +96)
  bool v4_ = false;
};

// True when any of `networks` contains `address`.
[[nodiscard]] bool any_contains(const std::vector<cidr>& networks,
                                const boost::asio::ip::address& address);

}  // namespace scopegate::config
