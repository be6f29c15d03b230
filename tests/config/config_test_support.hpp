// Shared fixtures of the config tests: a minimal valid file, error capture, temp files.
#pragma once

#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "config/config.hpp"

namespace scopegate::config::testing {

// Everything a minimal config needs except the ldap section.
inline const std::string kRest = R"(agents:
  base_dn: ou=people,dc=example,dc=com
  partner_attribute: scopegatePartnerId
partners:
  base_dn: ou=partners,dc=example,dc=com
customers:
  base_dn: ou=customers,dc=example,dc=com
)";
inline const std::string kMinimal = "ldap:\n  uris: ldap://localhost:3389\n" + kRest;

// Parses `yaml` expecting a config_error; returns it for inspection.
inline config_error error_of(const std::string& yaml,
                             const std::string& origin = "scopegate.yaml") {
  try {
    (void)parse_config(yaml, origin);
  } catch (const config_error& e) {
    return e;
  }
  FAIL("expected a config_error for:\n" << yaml);
  return config_error("", 0, "");
}

// A temporary file removed at scope exit.
struct temp_file {
  std::filesystem::path path;
  explicit temp_file(const std::string& content) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "scopegate-cfg-XXXXXX").string();
    int fd = mkstemp(tmpl.data());
    REQUIRE(fd >= 0);
    close(fd);
    path = tmpl;
    std::ofstream(path, std::ios::binary) << content;
  }
  ~temp_file() {
    std::error_code ec;
    std::filesystem::remove(path, ec);
  }
};

inline std::string repo_file(const std::string& rel) {
  return std::string(SCOPEGATE_SOURCE_DIR) + "/" + rel;
}

}  // namespace scopegate::config::testing
