#include "config/cidr.hpp"

#include <charconv>

namespace scopegate::config {

namespace ip = boost::asio::ip;

namespace {

ip::address_v6::bytes_type as_v6_bytes(const ip::address& a) {
  if (a.is_v4()) return ip::make_address_v6(ip::v4_mapped, a.to_v4()).to_bytes();
  return a.to_v6().to_bytes();
}

// The mask byte for byte `i` of a network with `prefix` bits (IPv6 space).
unsigned char mask_byte(unsigned prefix, std::size_t i) {
  unsigned start = static_cast<unsigned>(i) * 8;
  if (prefix >= start + 8) return 0xff;
  if (prefix <= start) return 0;
  return static_cast<unsigned char>(0xffu << (8 - (prefix - start)));
}

}  // namespace

std::optional<cidr> cidr::parse(std::string_view text) {
  auto slash = text.find('/');
  std::string_view host = text.substr(0, slash);
  // Zone IDs are not part of a network; everything else inet_pton refuses on its own
  // (spaces, empty, "1.2.3", leading-zero octets).
  if (host.empty() || host.find('%') != std::string_view::npos) return std::nullopt;
  boost::system::error_code ec;
  auto address = ip::make_address(std::string(host), ec);
  if (ec) return std::nullopt;
  unsigned max_prefix = address.is_v4() ? 32 : 128;
  unsigned prefix = max_prefix;
  if (slash != std::string_view::npos) {
    auto digits = text.substr(slash + 1);
    if (digits.empty() || (digits.size() > 1 && digits.front() == '0')) return std::nullopt;
    auto [end, err] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
    if (err != std::errc{} || end != digits.data() + digits.size() || prefix > max_prefix)
      return std::nullopt;
  }
  cidr out;
  out.v4_ = address.is_v4();
  out.prefix_ = out.v4_ ? prefix + 96 : prefix;
  out.bytes_ = as_v6_bytes(address);
  return out;
}

bool cidr::contains(const ip::address& address) const {
  auto bytes = as_v6_bytes(address);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    auto mask = mask_byte(prefix_, i);
    if ((bytes[i] & mask) != (bytes_[i] & mask)) return false;
  }
  return true;
}

std::string cidr::to_string() const {
  ip::address_v6 v6(bytes_);
  std::string host = v4_ ? ip::make_address_v4(ip::v4_mapped, v6).to_string() : v6.to_string();
  return host + "/" + std::to_string(prefix_length());
}

bool cidr::has_host_bits() const {
  return network().bytes_ != bytes_;
}

cidr cidr::network() const {
  cidr out = *this;
  for (std::size_t i = 0; i < out.bytes_.size(); ++i)
    out.bytes_[i] &= mask_byte(prefix_, i);
  return out;
}

bool any_contains(const std::vector<cidr>& networks, const ip::address& address) {
  for (const auto& n : networks)
    if (n.contains(address)) return true;
  return false;
}

}  // namespace scopegate::config
