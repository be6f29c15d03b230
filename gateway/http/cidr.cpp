#include "gateway/http/cidr.hpp"

#include <charconv>
#include <string>

namespace scopegate::gateway {

namespace ip = boost::asio::ip;

namespace {

ip::address_v6::bytes_type as_v6_bytes(const ip::address& a) {
  if (a.is_v4()) return ip::make_address_v6(ip::v4_mapped, a.to_v4()).to_bytes();
  auto v6 = a.to_v6();
  return v6.to_bytes();
}

}  // namespace

std::optional<cidr> cidr::parse(std::string_view text) {
  auto slash = text.find('/');
  std::string host(text.substr(0, slash));
  boost::system::error_code ec;
  auto address = ip::make_address(host, ec);
  if (ec) return std::nullopt;
  unsigned max_prefix = address.is_v4() ? 32 : 128;
  unsigned prefix = max_prefix;
  if (slash != std::string_view::npos) {
    auto digits = text.substr(slash + 1);
    auto [end, err] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
    if (err != std::errc{} || end != digits.data() + digits.size() || digits.empty() ||
        prefix > max_prefix)
      return std::nullopt;
  }
  cidr out;
  out.prefix_ = address.is_v4() ? prefix + 96 : prefix;
  out.network_ = as_v6_bytes(address);
  return out;
}

bool cidr::contains(const ip::address& address) const {
  auto bytes = as_v6_bytes(address);
  unsigned bits = prefix_;
  for (std::size_t i = 0; i < bytes.size() && bits > 0; ++i) {
    unsigned take = bits >= 8 ? 8 : bits;
    auto mask = static_cast<unsigned char>(0xffu << (8 - take));
    if ((bytes[i] & mask) != (network_[i] & mask)) return false;
    bits -= take;
  }
  return true;
}

bool any_contains(const std::vector<cidr>& networks, const ip::address& address) {
  for (const auto& n : networks)
    if (n.contains(address)) return true;
  return false;
}

}  // namespace scopegate::gateway
