#include "gateway/http/client_address.hpp"

namespace scopegate::gateway {

client_address_resolver::client_address_resolver(const std::vector<std::string>& trusted_proxies) {
  for (const auto& n : trusted_proxies)
    if (auto c = config::cidr::parse(n)) proxies_.push_back(*c);
}

std::string client_address_resolver::operator()(const request& req,
                                                const connection_info& conn) const {
  // X-Forwarded-For is believed only from a configured proxy; its last hop is the client
  // as that proxy saw it. From anyone else the header is ignored.
  if (config::any_contains(proxies_, conn.peer)) {
    auto it = req.find("X-Forwarded-For");
    if (it != req.end()) {
      std::string_view v = it->value();
      auto comma = v.rfind(',');
      auto last = comma == std::string_view::npos ? v : v.substr(comma + 1);
      while (!last.empty() && last.front() == ' ')
        last.remove_prefix(1);
      boost::system::error_code ec;
      auto a = net::ip::make_address(std::string(last), ec);
      if (!ec) return a.to_string();
    }
  }
  return conn.peer.to_string();
}

}  // namespace scopegate::gateway
