// config::cidr: parsing (hostile inputs included), matching and the canonical text form.
#include <doctest/doctest.h>

#include <string>

#include "config/cidr.hpp"

using scopegate::config::any_contains;
using scopegate::config::cidr;
namespace ip = boost::asio::ip;

namespace {

bool matches(std::string_view network, std::string_view address) {
  auto n = cidr::parse(network);
  REQUIRE_MESSAGE(n, network);
  return n->contains(ip::make_address(std::string(address)));
}

}  // namespace

TEST_CASE("cidr: IPv4, IPv6 and IPv4-mapped addresses") {
  CHECK(matches("10.0.0.0/8", "10.1.2.3"));
  CHECK_FALSE(matches("10.0.0.0/8", "11.0.0.1"));
  CHECK(matches("10.0.0.0/8", "::ffff:10.9.9.9"));  // mapped matches IPv4 networks
  CHECK_FALSE(matches("10.0.0.0/8", "::ffff:11.0.0.1"));
  CHECK_FALSE(matches("10.0.0.0/8", "::10.1.2.3"));  // IPv4-compatible is not mapped
  CHECK(matches("2001:db8::/32", "2001:db8:1::5"));
  CHECK_FALSE(matches("2001:db8::/32", "2001:db9::1"));
  CHECK_FALSE(matches("2001:db8::/32", "10.0.0.1"));
  CHECK(matches("::ffff:10.0.0.0/104", "10.2.3.4"));
  CHECK(matches("0.0.0.0/0", "203.0.113.9"));
  CHECK_FALSE(matches("0.0.0.0/0", "2001:db8::1"));
  CHECK(matches("::/0", "2001:db8::1"));
  CHECK(matches("::/0", "203.0.113.9"));
  CHECK(matches("192.168.1.0/25", "192.168.1.127"));
  CHECK_FALSE(matches("192.168.1.0/25", "192.168.1.128"));
  CHECK(matches("2001:db8::/127", "2001:db8::1"));
  CHECK_FALSE(matches("2001:db8::/127", "2001:db8::2"));
}

TEST_CASE("cidr: a bare address is one host") {
  CHECK(matches("127.0.0.1", "127.0.0.1"));
  CHECK_FALSE(matches("127.0.0.1", "127.0.0.2"));
  CHECK(matches("::1", "::1"));
  CHECK_FALSE(matches("::1", "::2"));
  CHECK(cidr::parse("127.0.0.1")->to_string() == "127.0.0.1/32");
  CHECK(cidr::parse("::1")->to_string() == "::1/128");
}

TEST_CASE("cidr: hostile and malformed inputs are refused") {
  const std::vector<std::string> hostile = {"",
                                            " ",
                                            "/",
                                            "/8",
                                            "10.0.0.0/33",
                                            "10.0.0.0/-1",
                                            "10.0.0.0/+8",
                                            "::1/129",
                                            "1.2.3.4/",
                                            "1.2.3.4/08",
                                            "1.2.3.4/00",
                                            "1.2.3.4//8",
                                            "1.2.3.4/8/8",
                                            "1.2.3.4/8 ",
                                            " 1.2.3.4/8",
                                            "1.2.3.4 /8",
                                            "1.2.3.4/ 8",
                                            "1.2.3",
                                            "1.2.3.4.5",
                                            "01.2.3.4",
                                            "256.0.0.1",
                                            "1.2.3.-4",
                                            "0x7f.0.0.1",
                                            "example.com",
                                            "example.com/8",
                                            "localhost",
                                            "fe80::1%eth0",
                                            "fe80::1%1/64",
                                            "2001:db8:::/32",
                                            "2001:db8::g/32",
                                            "1.2.3.4/4294967304",
                                            "1.2.3.4/99999999999999999999",
                                            std::string("10.0.0.0\0/8", 10),
                                            std::string("10.0.0.0/8\0", 11),
                                            "10.0.0.0/8\n",
                                            "\xc3\xa9",
                                            std::string(5000, '1')};
  for (const auto& bad : hostile) {
    CAPTURE(bad);
    CHECK_FALSE(cidr::parse(bad));
  }
}

TEST_CASE("cidr: prefix edges are accepted") {
  CHECK(cidr::parse("10.0.0.0/0"));
  CHECK(cidr::parse("10.0.0.0/32"));
  CHECK(cidr::parse("::/0"));
  CHECK(cidr::parse("::1/128"));
  CHECK(cidr::parse("10.0.0.0/8")->prefix_length() == 8);
  CHECK(cidr::parse("10.0.0.0/8")->is_v4());
  CHECK(cidr::parse("2001:db8::/32")->prefix_length() == 32);
  CHECK_FALSE(cidr::parse("2001:db8::/32")->is_v4());
}

TEST_CASE("cidr: canonical text and host bits") {
  CHECK(cidr::parse("2001:DB8::/32")->to_string() == "2001:db8::/32");
  CHECK(cidr::parse("2001:db8:0:0:0:0:0:0/32")->to_string() == "2001:db8::/32");
  CHECK(cidr::parse("10.0.0.0/8")->to_string() == "10.0.0.0/8");
  CHECK(cidr::parse("::ffff:10.0.0.0/104")->to_string() == "::ffff:10.0.0.0/104");
  for (const char* text : {"10.0.0.0/8", "2001:db8::/32", "192.0.2.7/32", "::/0", "10.1.2.3/8"}) {
    CAPTURE(text);
    auto c = cidr::parse(text);
    REQUIRE(c);
    CHECK(cidr::parse(c->to_string()) == c);
  }

  auto loose = cidr::parse("10.1.2.3/8");
  REQUIRE(loose);
  CHECK(loose->has_host_bits());
  CHECK(loose->to_string() == "10.1.2.3/8");
  CHECK(loose->network().to_string() == "10.0.0.0/8");
  CHECK_FALSE(loose->network().has_host_bits());
  // Host bits do not change what matches.
  CHECK(loose->contains(ip::make_address("10.200.0.1")));
  CHECK_FALSE(loose->contains(ip::make_address("11.1.2.3")));
  CHECK(cidr::parse("2001:db8::1/32")->network().to_string() == "2001:db8::/32");
  CHECK(cidr::parse("192.168.1.255/25")->network().to_string() == "192.168.1.128/25");
  CHECK_FALSE(cidr::parse("192.168.1.128/25")->has_host_bits());
  CHECK_FALSE(cidr::parse("0.0.0.0/0")->has_host_bits());
  CHECK(cidr::parse("1.0.0.0/0")->has_host_bits());
}

TEST_CASE("any_contains") {
  std::vector<cidr> nets{*cidr::parse("10.0.0.0/8"), *cidr::parse("fd00::/8")};
  CHECK(any_contains(nets, ip::make_address("10.0.0.1")));
  CHECK(any_contains(nets, ip::make_address("fd12::1")));
  CHECK_FALSE(any_contains(nets, ip::make_address("192.0.2.1")));
  CHECK_FALSE(any_contains({}, ip::make_address("10.0.0.1")));
}
