// Limit alerts by mail: when an agent reaches the daily reveal limit, one message to
// reveal.notify_email listing that day's revealed customers and a link to the dashboard
// page where the limit can be raised. SMTP via libcurl (STARTTLS when configured, a
// deadline on every attempt), on its own thread with retries and backoff: `send` returns at
// once and a failure never reaches the reveal. Every outcome is logged and recorded in the
// ledger's notifications table.
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

#include "config/config.hpp"
#include "policy/reveal_ledger.hpp"

namespace scopegate::policy {

struct mail_message {
  std::string subject;
  std::string body;  // plain text, lines separated by "\n"
};

// The alert's subject and body (pure; unit-testable). Control characters in directory
// values are replaced by spaces; times are local to `tz`.
[[nodiscard]] mail_message compose_alert(const limit_alert& alert, const time_zone& tz,
                                         const std::string& dashboard_url);

// The full RFC 5322 message (headers + CRLF body) as sent over SMTP.
[[nodiscard]] std::string render_mail(const mail_message& m, const std::string& from,
                                      const std::string& to, sys_time date);

class alert_mailer {
 public:
  alert_mailer(const config::smtp_config& smtp, const config::reveal_config& reveal,
               reveal_ledger& ledger);
  ~alert_mailer();  // stops: queued alerts not yet sent are recorded as failed
  alert_mailer(const alert_mailer&) = delete;
  alert_mailer& operator=(const alert_mailer&) = delete;

  // Queues the alert and returns at once. Thread-safe.
  void send(limit_alert alert);

 private:
  void worker();
  // One SMTP attempt; empty string on success, else the problem.
  std::string deliver(const std::string& message);

  config::smtp_config smtp_;
  config::reveal_config reveal_;
  reveal_ledger& ledger_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<limit_alert> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace scopegate::policy
