// listen.tls: both files required and readable, unknown keys refused, absent = plain HTTP.
#include <doctest/doctest.h>

#include "config/config.hpp"
#include "tests/config/config_test_support.hpp"

using namespace scopegate::config;
using namespace scopegate::config::testing;

TEST_CASE("listen.tls: certificate_file and key_file, both readable") {
  temp_file cert("-----BEGIN CERTIFICATE-----\n");
  temp_file key("-----BEGIN PRIVATE KEY-----\n");
  const std::string tls = "listen:\n  tls:\n    certificate_file: " + cert.path.string() +
                          "\n    key_file: " + key.path.string() + "\n";

  CHECK_FALSE(parse_config(kMinimal).listen.tls);
  auto c = parse_config(tls + kMinimal);
  REQUIRE(c.listen.tls);
  CHECK(c.listen.tls->certificate_file == cert.path.string());
  CHECK(c.listen.tls->key_file == key.path.string());
  CHECK(describe(c).find("HTTPS with certificate " + cert.path.string()) != std::string::npos);

  auto missing =
      error_of("listen:\n  tls:\n    certificate_file: " + cert.path.string() + "\n" + kMinimal);
  CHECK(missing.key_path() == "listen.tls.key_file");

  auto unreadable = error_of(
      "listen:\n  tls:\n    certificate_file: /nonexistent/server.crt\n"
      "    key_file: " +
      key.path.string() + "\n" + kMinimal);
  CHECK(unreadable.key_path() == "listen.tls.certificate_file");
  CHECK(unreadable.line() == 3);
  CHECK(unreadable.message().find("/nonexistent/server.crt") != std::string::npos);

  auto unknown = error_of(tls + "    min_version: \"1.0\"\n" + kMinimal);
  CHECK(unknown.key_path() == "listen.tls.min_version");

  CHECK(error_of("listen:\n  tls: yes\n" + kMinimal).key_path() == "listen.tls");
  CHECK(error_of("listen:\n  tls:\n    certificate_file: \"\"\n    key_file: " + key.path.string() +
                 "\n" + kMinimal)
            .key_path() == "listen.tls.certificate_file");
}
