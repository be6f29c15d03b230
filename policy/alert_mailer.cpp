#include "policy/alert_mailer.hpp"

#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include <boost/beast/core/detail/base64.hpp>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <memory>

namespace scopegate::policy {

namespace {

using namespace std::chrono;

std::string clean(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  return out;
}

// RFC 3986 unreserved characters kept; everything else percent-encoded.
std::string path_segment(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string hh_mm(const time_zone& tz, sys_seconds t) {
  auto local = t + tz.offset_at(t);
  auto since_midnight = local - floor<days>(local);
  auto h = duration_cast<hours>(since_midnight).count();
  auto m = duration_cast<minutes>(since_midnight).count() % 60;
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02d:%02d", static_cast<int>(h), static_cast<int>(m));
  return buf;
}

// A header value: plain when printable ASCII, else an RFC 2047 encoded word.
std::string header_text(const std::string& s) {
  bool ascii = true;
  for (unsigned char c : s)
    if (c < 0x20 || c >= 0x7f) ascii = false;
  if (ascii) return s;
  std::string out(boost::beast::detail::base64::encoded_size(s.size()), '\0');
  out.resize(boost::beast::detail::base64::encode(out.data(), s.data(), s.size()));
  return "=?UTF-8?B?" + out + "?=";
}

struct upload {
  const std::string* data;
  std::size_t offset = 0;
};

std::size_t read_upload(char* buffer, std::size_t size, std::size_t n, void* user) {
  auto* u = static_cast<upload*>(user);
  std::size_t room = size * n;
  std::size_t left = u->data->size() - u->offset;
  std::size_t take = std::min(room, left);
  std::memcpy(buffer, u->data->data() + u->offset, take);
  u->offset += take;
  return take;
}

struct curl_deleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct slist_deleter {
  void operator()(curl_slist* s) const { curl_slist_free_all(s); }
};

}  // namespace

mail_message compose_alert(const limit_alert& alert, const time_zone& tz,
                           const std::string& dashboard_url) {
  mail_message m;
  auto agent = clean(alert.agent);
  m.subject = "scopegate: agent " + agent + " reached the daily reveal limit (" +
              std::to_string(alert.limit) + ")";
  std::string b;
  b += "Agent " + agent + " reached the limit of " + std::to_string(alert.limit) +
       " customer records revealed on " + alert.day + " (" + tz.name() + ").\n";
  b += "Further reveals by this agent are refused until the day ends.\n\n";
  b += "Customers revealed that day (" + std::to_string(alert.items.size()) + "):\n\n";
  b += "  time   login / name / customer ID\n";
  for (const auto& item : alert.items)
    b += "  " + hh_mm(tz, item.at) + "  " + clean(item.customer_login) + " / " +
         clean(item.customer_name) + " / " + clean(item.customer_id) + "\n";
  b += "\n";
  if (!dashboard_url.empty())
    b += "Review the activity or raise the limit:\n" + dashboard_url + "/admin/#/agents/" +
         path_segment(alert.agent) + "/limits\n";
  m.body = std::move(b);
  return m;
}

std::string render_mail(const mail_message& m, const std::string& from, const std::string& to,
                        sys_time date) {
  std::time_t t = std::chrono::system_clock::to_time_t(date);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char when[64];
  std::strftime(when, sizeof when, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  std::string out;
  out += "Date: " + std::string(when) + "\r\n";
  out += "From: " + from + "\r\n";
  out += "To: " + to + "\r\n";
  out += "Subject: " + header_text(clean(m.subject)) + "\r\n";
  out += "MIME-Version: 1.0\r\n";
  out += "Content-Type: text/plain; charset=UTF-8\r\n";
  out += "Content-Transfer-Encoding: 8bit\r\n";
  out += "Auto-Submitted: auto-generated\r\n\r\n";
  for (char c : m.body) {
    if (c == '\n')
      out += "\r\n";
    else
      out += c;
  }
  return out;
}

alert_mailer::alert_mailer(const config::smtp_config& smtp, const config::reveal_config& reveal,
                           reveal_ledger& ledger)
    : smtp_(smtp), reveal_(reveal), ledger_(ledger) {
  static const bool curl_ready = [] { return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK; }();
  if (!curl_ready) throw std::runtime_error("libcurl initialisation failed");
  thread_ = std::thread([this] { worker(); });
}

alert_mailer::~alert_mailer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void alert_mailer::send(limit_alert alert) {
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(alert));
  }
  wake_.notify_all();
}

void alert_mailer::worker() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping with nothing left
    auto alert = std::move(queue_.front());
    queue_.pop_front();
    if (stopping_) {
      ledger_.record_notification(alert.notification_id, "failed", 0,
                                  "the gateway stopped before the mail was sent");
      continue;
    }
    lock.unlock();
    auto content = compose_alert(alert, ledger_.zone(), reveal_.dashboard_url);
    auto message =
        render_mail(content, smtp_.from, reveal_.notify_email, ledger_.time_source().now());
    std::string problem = "smtp.url is not set";
    int attempt = 0;
    auto backoff = milliseconds(smtp_.retry_backoff_ms);
    bool stopped = false;
    while (!smtp_.url.empty() && attempt < smtp_.attempts) {
      ++attempt;
      problem = deliver(message);
      if (problem.empty()) break;
      spdlog::warn("alert mail for agent {} (attempt {} of {}) failed: {}", alert.agent, attempt,
                   smtp_.attempts, problem);
      if (attempt == smtp_.attempts) break;
      ledger_.record_notification(alert.notification_id, "retrying", attempt, problem);
      lock.lock();
      stopped = wake_.wait_for(lock, backoff, [&] { return stopping_; });
      lock.unlock();
      if (stopped) break;
      backoff *= 2;
    }
    if (problem.empty()) {
      spdlog::info("alert mail for agent {} sent to {}", alert.agent, reveal_.notify_email);
      ledger_.record_notification(alert.notification_id, "sent", attempt, "");
    } else {
      spdlog::error("alert mail for agent {} not sent after {} attempt(s): {}", alert.agent,
                    attempt, problem);
      ledger_.record_notification(alert.notification_id, "failed", attempt, problem);
    }
    lock.lock();
  }
}

std::string alert_mailer::deliver(const std::string& message) {
  std::unique_ptr<CURL, curl_deleter> curl(curl_easy_init());
  if (!curl) return "libcurl could not create a handle";
  std::unique_ptr<curl_slist, slist_deleter> rcpt(
      curl_slist_append(nullptr, ("<" + reveal_.notify_email + ">").c_str()));
  upload body{&message};
  char error[CURL_ERROR_SIZE] = {};
  auto* h = curl.get();
  std::string from = "<" + smtp_.from + ">";
  curl_easy_setopt(h, CURLOPT_URL, smtp_.url.c_str());
  curl_easy_setopt(h, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt.get());
  curl_easy_setopt(h, CURLOPT_READFUNCTION, read_upload);
  curl_easy_setopt(h, CURLOPT_READDATA, &body);
  curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message.size()));
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(smtp_.timeout_ms));
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(smtp_.timeout_ms));
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error);
  if (smtp_.starttls) curl_easy_setopt(h, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
  if (!smtp_.username.empty()) {
    curl_easy_setopt(h, CURLOPT_USERNAME, smtp_.username.c_str());
    curl_easy_setopt(h, CURLOPT_PASSWORD, smtp_.password.c_str());
  }
  auto rc = curl_easy_perform(h);
  if (rc == CURLE_OK) return {};
  return std::string(curl_easy_strerror(rc)) + (error[0] ? std::string(": ") + error : "");
}

}  // namespace scopegate::policy
