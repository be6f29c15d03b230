// RFC 4515 / RFC 4514 escaping and the filter builder, with hostile inputs; then a
// round trip through a real slapd proving escaped values match only themselves.
#include "ldap/filter.hpp"

#include <doctest/doctest.h>

#include <stdexcept>

#include "ldap/client.hpp"
#include "tests/ldap/harness.hpp"

using namespace std::string_literals;
using namespace scopegate::ldap;
using namespace scopegate::ldap::testing;

TEST_CASE("escape_filter_value escapes filter metacharacters") {
  CHECK(escape_filter_value("alice") == "alice");
  CHECK(escape_filter_value("*)(uid=*") == "\\2a\\29\\28uid=\\2a");
  CHECK(escape_filter_value("a\\b") == "a\\5cb");
  CHECK(escape_filter_value("*") == "\\2a");
  CHECK(escape_filter_value("") == "");
}

TEST_CASE("escape_filter_value hex-escapes NUL, control, DEL and non-ASCII bytes") {
  CHECK(escape_filter_value("a\0b"s) == "a\\00b");
  CHECK(escape_filter_value("\x01\x1f\x7f") == "\\01\\1f\\7f");
  CHECK(escape_filter_value("\xc3\xa9") == "\\c3\\a9");  // é, lowercase hex
  CHECK(escape_filter_value("\xff") == "\\ff");
  CHECK(escape_filter_value("~ !=<>&|") == "~ !=<>&|");
}

TEST_CASE("escape_filter_value on a 10k hostile value") {
  std::string hostile;
  for (int i = 0; i < 2'500; ++i)
    hostile += "*()\\"s;
  std::string out = escape_filter_value(hostile);
  CHECK(out.size() == hostile.size() * 3);
  CHECK(out.find_first_of("*()") == std::string::npos);
}

TEST_CASE("escape_dn_value escapes RFC 4514 specials") {
  CHECK(escape_dn_value("alice") == "alice");
  CHECK(escape_dn_value("a,b+c\"d\\e<f>g;h=i") == "a\\,b\\+c\\\"d\\\\e\\<f\\>g\\;h\\=i");
  CHECK(escape_dn_value("#hash") == "\\#hash");
  CHECK(escape_dn_value("a#b") == "a#b");
  CHECK(escape_dn_value(" lead and trail ") == "\\ lead and trail\\ ");
  CHECK(escape_dn_value(" ") == "\\ ");
  CHECK(escape_dn_value("a\0b\n"s) == "a\\00b\\0a");
  CHECK(escape_dn_value("J\xc3\xbcrgen") == "J\xc3\xbcrgen");  // UTF-8 stays
  CHECK(escape_dn_value("*()") == "*()");
  std::string big(10'000, ',');
  CHECK(escape_dn_value(big).size() == 20'000);
}

TEST_CASE("is_valid_attribute_name") {
  for (const char* ok : {"uid", "cn", "scopegateCustomerId", "x-Custom-1", "2.5.4.3", "0.9",
                         "cn;lang-en", "userCertificate;binary", "cn;a;b-2"})
    CHECK_MESSAGE(is_valid_attribute_name(ok), ok);
  for (std::string bad :
       {""s, "1uid"s, "-uid"s, "u id"s, "uid="s, "(uid"s, "uid)"s, "*"s, "a_b"s, "2.5."s, "2..5"s,
        ".2.5"s, "01.2"s, "2"s, "uid;"s, "uid;;x"s, "uid;a b"s, "uid\0"s, "\xc3\xa9"s})
    CHECK_MESSAGE(!is_valid_attribute_name(bad), bad);
}

TEST_CASE("filter builder") {
  CHECK(filter::equals("uid", "a*b").str() == "(uid=a\\2ab)");
  CHECK(filter::contains("cn", "x(y").str() == "(cn=*x\\28y*)");
  CHECK(filter::starts_with("cn", "x)").str() == "(cn=x\\29*)");
  CHECK(filter::contains("cn", "").str() == "(cn=*)");
  CHECK(filter::present("mail").str() == "(mail=*)");
  CHECK(filter::negate(filter::present("mail")).str() == "(!(mail=*))");
  CHECK(filter::raw("objectClass=person").str() == "(objectClass=person)");
  CHECK(filter::raw("(objectClass=person)").str() == "(objectClass=person)");
  CHECK(filter::all_of({}).str() == "(objectClass=*)");
  CHECK(filter::any_of({}).str() == "(!(objectClass=*))");
  CHECK(filter::all_of({filter::present("a")}).str() == "(a=*)");
  CHECK(filter::any_of({filter::present("a")}).str() == "(a=*)");
  CHECK(filter::all_of({filter::raw("(objectClass=person)"), filter::equals("uid", "*")}).str() ==
        "(&(objectClass=person)(uid=\\2a))");
  CHECK(filter::any_of({filter::equals("a", "1"), filter::equals("b", "2")}).str() ==
        "(|(a=1)(b=2))");
}

TEST_CASE("filter builder rejects invalid attribute names") {
  CHECK_THROWS_AS(filter::equals("uid=*)(cn", "x"), std::invalid_argument);
  CHECK_THROWS_AS(filter::contains("", "x"), std::invalid_argument);
  CHECK_THROWS_AS(filter::starts_with("a b", "x"), std::invalid_argument);
  CHECK_THROWS_AS(filter::present("*"), std::invalid_argument);
}

namespace {

const std::string k_people = "ou=people,dc=example,dc=com";

std::vector<std::string> uids_matching(io_harness& h, client& c, const filter& f) {
  auto r = h.await(c.search(query(k_people, f.str(), {"uid"})));
  REQUIRE_MESSAGE(r.has_value(), (r.has_value() ? "" : r.error().message));
  std::vector<std::string> uids;
  for (const auto& e : *r)
    uids.emplace_back(e.first("uid"));
  return uids;
}

}  // namespace

TEST_CASE("escaped values match only the literal entry in slapd") {
  slapd& server = shared_server();
  io_harness h;
  client c(h.executor(), config_for(server));
  c.start();
  REQUIRE(wait_until([&] { return c.ready(); }));

  CHECK(uids_matching(h, c, filter::equals("uid", "*)(uid=*")) ==
        std::vector<std::string>{"*)(uid=*"});
  CHECK(uids_matching(h, c, filter::starts_with("uid", "*)(")) ==
        std::vector<std::string>{"*)(uid=*"});
  CHECK(uids_matching(h, c, filter::equals("uid", "*")).empty());
  CHECK(uids_matching(h, c, filter::equals("uid", "alice\0*"s)).empty());
  CHECK(uids_matching(h, c, filter::equals("uid", "\xc3\xa9\\")).empty());
  CHECK(uids_matching(h, c, filter::equals("uid", std::string(10'000, '*'))).empty());
  CHECK(uids_matching(h, c, filter::any_of({})).empty());
  CHECK(uids_matching(h, c, filter::all_of({filter::equals("uid", "alice")})) ==
        std::vector<std::string>{"alice"});
}

TEST_CASE("escaped DN values round-trip through slapd") {
  slapd& server = shared_server();
  io_harness h;
  client c(h.executor(), config_for(server));
  c.start();
  REQUIRE(wait_until([&] { return c.ready(); }));

  const std::string hostile = "#a,b+c=\"d\"\\<e>;f ";
  std::string dn = "cn=" + escape_dn_value(hostile) + "," + k_people;
  auto added = h.await(c.add(dn, {{"objectClass", {"inetOrgPerson"}},
                                  {"cn", {hostile}},
                                  {"sn", {"x"}},
                                  {"uid", {"hostile"}}}));
  REQUIRE_MESSAGE(added.has_value(), (added ? "" : added.error().message));
  auto r = h.await(c.search(query(dn, "(objectClass=*)", {}, search_scope::base)));
  REQUIRE(r.has_value());
  REQUIRE(r->size() == 1);
  CHECK(r->front().first("cn") == hostile);
  CHECK(uids_matching(h, c, filter::equals("cn", hostile)) == std::vector<std::string>{"hostile"});
}
