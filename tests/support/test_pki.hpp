// A throwaway certificate authority for TLS tests, made with the openssl command line in a
// fresh temporary directory (removed when the object dies). Private keys exist only there.
//
//   scopegate::testing::test_pki ca("scopegate test CA");
//   auto server = ca.issue("127.0.0.1", "IP:127.0.0.1,DNS:localhost");
//   cfg.listen.tls = {server.certificate_file, server.key_file};
//   client_ctx.load_verify_file(ca.ca_file());
#pragma once

#include <string>

namespace scopegate::testing {

class test_pki {
 public:
  struct issued {
    std::string certificate_file;  // PEM, the server certificate
    std::string key_file;          // PEM, unencrypted RSA key
  };
  enum class validity { current, expired };

  // Creates the CA key and self-signed certificate. Throws when openssl fails.
  explicit test_pki(const std::string& ca_name = "scopegate test CA");
  ~test_pki();
  test_pki(const test_pki&) = delete;
  test_pki& operator=(const test_pki&) = delete;

  [[nodiscard]] const std::string& directory() const { return dir_; }
  [[nodiscard]] std::string ca_file() const { return dir_ + "/ca.crt"; }

  // A certificate for common name `cn` with subjectAltName `san` ("IP:127.0.0.1,DNS:x"),
  // signed by this CA; `expired`: valid only during 2020-01-01. Each call makes new files.
  [[nodiscard]] issued issue(const std::string& cn, const std::string& san,
                             validity when = validity::current);

  // SHA-256 fingerprint of a PEM certificate ("AB:CD:..."), as `openssl x509 -fingerprint`.
  [[nodiscard]] static std::string fingerprint(const std::string& certificate_file);

 private:
  std::string dir_;
  int serial_ = 0;
};

// Runs a shell command; its output (stdout and stderr). Throws when it exits non-zero.
std::string run_command(const std::string& command);

}  // namespace scopegate::testing
