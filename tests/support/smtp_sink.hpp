// A real SMTP server for tests: Debian's aiosmtpd on 127.0.0.1 and a free port, storing
// every message it accepts in a maildir. Started by the constructor (which waits until it
// accepts connections), killed by PID by the destructor.
//
//   scopegate::testing::smtp_sink smtp;
//   cfg.smtp.url = smtp.url();
//   auto mails = smtp.wait_for_messages(1, 10.0);
#pragma once

#include <string>
#include <vector>

namespace scopegate::testing {

class smtp_sink {
 public:
  smtp_sink();
  ~smtp_sink();
  smtp_sink(const smtp_sink&) = delete;
  smtp_sink& operator=(const smtp_sink&) = delete;

  [[nodiscard]] std::string url() const;
  [[nodiscard]] int port() const { return port_; }
  // Every message received so far (headers + body, as stored).
  [[nodiscard]] std::vector<std::string> messages() const;
  // Polls until at least `n` messages arrived or `seconds` pass; returns what is there.
  [[nodiscard]] std::vector<std::string> wait_for_messages(std::size_t n, double seconds) const;

 private:
  std::string dir_;
  int port_ = 0;
  int pid_ = 0;
};

// A TCP port on 127.0.0.1 that nothing listens on at the moment of the call.
[[nodiscard]] int free_port();

}  // namespace scopegate::testing
