// The alert mail's text and its wire form.
#include <doctest/doctest.h>

#include "policy/alert_mailer.hpp"

using namespace scopegate::policy;
using namespace std::chrono;

TEST_CASE("the alert lists the day's customers with local times and links to the limit page") {
  auto tz = time_zone::load("Europe/Berlin");
  limit_alert a;
  a.agent = "a 1";
  a.day = "2024-01-16";
  a.limit = 2;
  auto t0 = sys_seconds(sys_days(2024y / January / 15) + hours(23) + minutes(5));
  a.items.push_back({"alice", "Alice\r\nBcc: x@evil", "C1", t0});
  a.items.push_back({"bob", "Bob Brown", "C2", t0 + minutes(7)});
  auto m = compose_alert(a, tz, "https://gw.example.com");
  CHECK(m.subject.find("a 1") != std::string::npos);
  CHECK(m.body.find("00:05  alice / Alice  Bcc: x@evil / C1") != std::string::npos);
  CHECK(m.body.find("00:12  bob / Bob Brown / C2") != std::string::npos);
  CHECK(m.body.find("https://gw.example.com/admin/#/agents/a%201/limits") != std::string::npos);
  CHECK(m.body.find("2024-01-16 (Europe/Berlin)") != std::string::npos);
  auto wire = render_mail(m, "gw@example.com", "sec@example.com", t0);
  CHECK(wire.find("Subject: scopegate: agent a 1 reached") != std::string::npos);
  CHECK(wire.find("Date: Mon, 15 Jan 2024 23:05:00 +0000\r\n") != std::string::npos);
  CHECK(wire.find("\r\n\r\nAgent a 1 reached") != std::string::npos);
  CHECK(wire.find("\nBcc:") == std::string::npos);
  // Without a dashboard URL there is no link.
  CHECK(compose_alert(a, tz, "").body.find("/admin/") == std::string::npos);
  a.agent = "z\xc3\xabl";
  auto utf8 = render_mail(compose_alert(a, tz, ""), "a@b.c", "d@e.f", t0);
  CHECK(utf8.find("Subject: =?UTF-8?B?") != std::string::npos);
}
