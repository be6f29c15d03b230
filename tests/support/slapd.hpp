// A real slapd for tests: started by scripts/slapd-start on 127.0.0.1 and a free port, in a
// fresh temporary directory, killed by PID and removed when the object dies.
//
//   scopegate::testing::slapd server(base_ldif() + my_entries);
//   cfg.ldap.uris = {server.uri()};
//   server.modify("dn: ...\nchangetype: modify\n...");
#pragma once

#include <string>

namespace scopegate::testing {

class slapd {
 public:
  static constexpr const char* suffix = "dc=example,dc=com";
  static constexpr const char* root_dn = "cn=admin,dc=example,dc=com";
  static constexpr const char* root_password = "secret";

  // The server's certificate and key (PEM) for TLS: StartTLS on uri() and ldaps_uri().
  struct tls_files {
    std::string certificate_file;
    std::string key_file;
  };

  // Loads `ldif` (full entries, including the suffix entry) with slapadd, then starts;
  // with `tls`, also serves TLS.
  explicit slapd(const std::string& ldif, const tls_files* tls = nullptr);
  ~slapd();
  slapd(const slapd&) = delete;
  slapd& operator=(const slapd&) = delete;

  const std::string& uri() const { return uri_; }
  // ldaps://127.0.0.1:PORT when started with TLS files, else empty.
  const std::string& ldaps_uri() const { return ldaps_uri_; }
  int port() const { return port_; }
  const std::string& directory() const { return dir_; }

  // Kills the server (SIGKILL by default: a crash), keeping its data and port.
  void stop(bool graceful = false);
  // Starts it again on the same port with the same data.
  void start();
  bool running() const { return pid_ > 0; }

  // Runs ldapmodify as the root DN with `ldif` (changetype records). Throws on failure.
  void modify(const std::string& ldif) const;

  // Bind operations the server has completed so far (cn=Monitor), not counting the binds of
  // these queries themselves. Throws when the counter cannot be read.
  long completed_binds() const;

 private:
  void read_pid();
  std::string dir_;
  std::string uri_;
  std::string ldaps_uri_;
  std::string tls_env_;  // the environment slapd-start needs for TLS, or empty
  int port_ = 0;
  int pid_ = 0;
  mutable long monitor_queries_ = 0;
};

// The suffix entry and ou=people, ou=customers, ou=partners, ou=groups under it.
std::string base_ldif();

// Path of a file under the source tree.
std::string source_path(const std::string& relative);

}  // namespace scopegate::testing
