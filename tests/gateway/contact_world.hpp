// The contact-protection world shared by the contact suites: a directory with masked
// fields, a reveal ledger on disk, a real SMTP sink and a settable clock in Europe/Berlin,
// plus small HTTP helpers.
#pragma once

#include <doctest/doctest.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <thread>

#include "tests/gateway/scenario.hpp"
#include "tests/support/smtp_sink.hpp"

namespace scopegate::testing::contact {

using namespace std::chrono;
namespace json = boost::json;

inline sys_seconds at(int y, unsigned mo, unsigned d, int h, int mi = 0) {
  return sys_seconds(sys_days(year{y} / month{mo} / day{d})) + hours(h) + minutes(mi);
}

inline std::string two(int i) {
  return (i < 10 ? "0" : "") + std::to_string(i);
}

inline std::string customer(const std::string& uid, const std::string& cn, const std::string& cid,
                            const std::string& mail, const std::string& phone) {
  return "dn: uid=" + uid +
         ",ou=customers,dc=example,dc=com\nobjectClass: inetOrgPerson\n"
         "objectClass: scopegateCustomer\nuid: " +
         uid + "\ncn: " + cn + "\nsn: " + uid + "\nscopegateCustomerId: " + cid +
         "\nmail: " + mail + "\ntelephoneNumber: " + phone + "\n\n";
}

inline std::string agent(const std::string& uid, const std::string& extra = "") {
  return "dn: uid=" + uid +
         ",ou=people,dc=example,dc=com\nobjectClass: inetOrgPerson\n"
         "objectClass: scopegateAgent\nuid: " +
         uid + "\ncn: Agent " + uid + "\nsn: " + uid + "\nuserPassword: " + uid +
         "-pw\nscopegatePartnerId: p-k\n" + extra + "\n";
}

// 60 customers custNN (K1), alice (K1, a distinctive mail), frank (K9: nobody's).
inline std::string contact_ldif() {
  std::string s = base_ldif();
  for (int i = 0; i < 60; ++i)
    s += customer("cust" + two(i), "Customer " + two(i), "K1",
                  "cust" + two(i) + "@mail" + two(i) + ".example.org", "+49 30 5555 10" + two(i));
  s += customer("alice", "Alice Adams", "K1", "alice@zephyr-secret.example", "+49 30 777 4242");
  s += customer("frank", "Frank Foster", "K9", "frank@example.net", "+49 30 999 0000");
  for (const char* a : {"m1", "m2", "m3", "conc", "probe"})
    s += agent(a);
  s += agent("vis", "scopegateContactVisibility: visible\n");
  s += agent("blk", "scopegateContactVisibility: blocked\n");
  s += agent("odd", "scopegateContactVisibility: sometimes\n");
  s += agent("lim3", "scopegateDailyRevealLimit: 3\n");
  s += agent("roll", "scopegateDailyRevealLimit: 1\n");
  s += agent("tday", "scopegateDailyRevealLimit: 1\n");
  s += agent("alrt", "scopegateDailyRevealLimit: 2\n");
  s += agent("down", "scopegateDailyRevealLimit: 1\n");
  s += agent("grp");
  s += agent("exp", "scopegateAccessMode: edit_export\n");
  s += agent("owner");
  s += "dn: cn=owners,ou=groups,dc=example,dc=com\nobjectClass: groupOfNames\ncn: owners\n"
       "member: uid=owner,ou=people,dc=example,dc=com\n\n";
  s += "dn: cn=viewers,ou=groups,dc=example,dc=com\nobjectClass: groupOfNames\ncn: viewers\n"
       "member: uid=grp,ou=people,dc=example,dc=com\n\n";
  s += "dn: scopegatePartnerId=p-k,ou=partners,dc=example,dc=com\n"
       "objectClass: scopegatePartner\nscopegatePartnerId: p-k\ncn: Partner K\n"
       "scopegateCustomerId: K1\n\n";
  return s;
}

inline std::string contact_yaml(const std::string& db, const std::string& smtp_url, int attempts,
                                int backoff_ms) {
  return R"(listen:
  address: 127.0.0.1
  port: 0
  threads: 2
ldap:
  uris: ["@URI@"]
  bind_dn: cn=admin,dc=example,dc=com
  bind_password: secret
  pool_size: 2
  timeout_ms: 5000
  connect_timeout_ms: 500
agents:
  base_dn: ou=people,dc=example,dc=com
  partner_attribute: scopegatePartnerId
partners:
  base_dn: ou=partners,dc=example,dc=com
customers:
  base_dn: ou=customers,dc=example,dc=com
  search_attributes: [uid, cn, mail, telephoneNumber]
  fields:
    login: uid
    customer_id: scopegateCustomerId
    name: cn
    email: mail
    phone: telephoneNumber
scope:
  bypass_groups: ["cn=owners,ou=groups,dc=example,dc=com"]
admin:
  group_dns: ["cn=owners,ou=groups,dc=example,dc=com"]
auth:
  failed_attempts_per_minute: 1000
  failed_attempts_per_address_per_minute: 1000
masking:
  style: partial
  visible_to_groups: ["cn=viewers,ou=groups,dc=example,dc=com"]
reveal:
  daily_limit: 10
  timezone: Europe/Berlin
  notify_email: security@example.com
  database_path: )" +
         db + R"(
  retention_days: 30
  purge_interval_seconds: 1
  dashboard_url: https://gw.example.com/
smtp:
  url: )" +
         smtp_url + R"(
  from: scopegate@example.com
  timeout_ms: 2000
  attempts: )" +
         std::to_string(attempts) + R"(
  retry_backoff_ms: )" +
         std::to_string(backoff_ms) + "\nlog:\n  level: info\n";
}

// Every log line the process writes, kept for inspection.
class capture_sink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  std::string text() {
    std::lock_guard lock(mutex_);
    return text_;
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t buf;
    formatter_->format(msg, buf);
    text_.append(buf.data(), buf.size());
  }
  void flush_() override {}

 private:
  std::string text_;
};

struct temp_dir {
  std::string path;
  temp_dir() {
    char t[] = "/tmp/scopegate-contact-XXXXXX";
    REQUIRE(::mkdtemp(t) != nullptr);
    path = t;
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

std::shared_ptr<capture_sink> g_logs;

struct world {
  temp_dir dir;
  smtp_sink smtp;
  std::shared_ptr<policy::manual_clock> clock =
      std::make_shared<policy::manual_clock>(at(2024, 1, 10, 12));
  std::unique_ptr<running_gateway> gw;
  world() {
    g_logs = std::make_shared<capture_sink>();
    spdlog::default_logger()->sinks().push_back(g_logs);
    spdlog::set_level(spdlog::level::trace);
    gw = std::make_unique<running_gateway>(
        contact_ldif(), contact_yaml(dir.path + "/reveals.db", smtp.url(), 3, 100), clock);
  }
};

inline world& shared() {
  static world w;
  return w;
}

inline http_reply post(const std::string& path, const std::string& user) {
  return http(
      {.method = "POST", .url = shared().gw->url(path), .headers = {}, .body = {}, .user = user});
}

inline http_reply call(const std::string& method, const std::string& path, const std::string& user,
                       const std::string& body = "") {
  if (path.starts_with("/admin/")) return admin_call(*shared().gw, method, path, user, body);
  return http({.method = method,
               .url = shared().gw->url(path),
               .headers = {"Content-Type: application/json"},
               .body = body,
               .user = user});
}

inline json::value parse(const http_reply& r) {
  boost::system::error_code ec;
  auto v = json::parse(r.body, ec);
  INFO(r.body);
  REQUIRE_FALSE(ec);
  return v;
}

inline json::object find_item(const json::value& page, const std::string& login) {
  for (const auto& item : page.at("items").as_array())
    if (item.at("login") == login.c_str()) return item.as_object();
  FAIL("no " << login << " in " << json::serialize(page));
  return {};
}

inline std::string reveal_url(const std::string& login) {
  return "/api/v1/customers/" + login + "/reveal";
}

// Polls `pred` until true or `seconds` pass.
template <typename F>
bool eventually(F pred, double seconds = 10) {
  auto deadline = steady_clock::now() + duration<double>(seconds);
  while (steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(milliseconds(20));
  }
  return pred();
}

}  // namespace scopegate::testing::contact
