// A fault-injecting TCP proxy for tests (tests/support/fault_proxy.py on Debian's python3):
// put it between the gateway and slapd, then refuse, stall, blackhole, cut or delay the link.
// Started by the constructor (which waits until it listens), killed by PID by the destructor.
//
//   scopegate::testing::fault_proxy link("127.0.0.1", server.port());
//   cfg.ldap.uris = {link.uri()};
//   link.blackhole();  // connections stay open, nothing passes either way
//   link.pass();
#pragma once

#include <string>

namespace scopegate::testing {

class fault_proxy {
 public:
  fault_proxy(const std::string& target_host, int target_port);
  ~fault_proxy();
  fault_proxy(const fault_proxy&) = delete;
  fault_proxy& operator=(const fault_proxy&) = delete;

  [[nodiscard]] int port() const { return port_; }
  [[nodiscard]] std::string uri() const;  // ldap://127.0.0.1:<port>

  void pass() { command("pass"); }
  void refuse() { command("refuse"); }        // new connections are closed at once
  void stall() { command("stall"); }          // new connections are never connected onward
  void blackhole() { command("blackhole"); }  // open connections stay open, forward nothing
  void cut_after(int bytes) { command("cut " + std::to_string(bytes)); }
  void delay(int milliseconds) { command("delay " + std::to_string(milliseconds)); }
  void drop_connections() { command("drop"); }  // closes every open connection now
  void drop_last() { command("drop_last"); }    // closes the connection accepted last
  [[nodiscard]] int accepted();                 // connections accepted so far
  [[nodiscard]] long bytes_up();                // bytes forwarded to the target so far

 private:
  std::string command(const std::string& line);

  std::string dir_;
  int port_ = 0;
  int control_port_ = 0;
  int pid_ = 0;
};

}  // namespace scopegate::testing
